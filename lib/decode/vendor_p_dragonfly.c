/*
 * vendor_p_dragonfly.c - the DragonFly Mail Agent (dma) bounce.
 *
 * dma writes one notice per failed recipient (dma(8), mail.c bounce()):
 *
 *   This is the DragonFly Mail Agent v0.13 at df.example.jp.
 *
 *   There was an error delivering your mail to <user@example.com>.
 *
 *   mx.example.com [192.0.2.1] did not like our RCPT TO:
 *   550 5.1.1 <user@example.com>: Recipient address rejected
 *
 *   Message headers follow.      (or "Original message follows.")
 *
 * The line "HOST [IP] did not like our CMD:" (net.c) names the remote
 * host and the command; the lines after it are the remote reply.  Local
 * failures are one sentence, e.g. "Could not deliver for the last N
 * seconds. Giving up." (the queue lifetime ran out) or "DNS lookup
 * failure: host example.com not found".  The first line names the host
 * that wrote the notice ("... at HOST."): the reporting MTA.
 */
#include "decode/decode_int.h"

int bk__decode_dsn_text(bk__dctx *ctx, bk_str t, const char *decoder);
bk_str bk__vp_line(const char **pp, const char *end);
const char *bk__vp_find_line(bk_str t, const char *prefix);
bk_str bk__vp_rest(bk_str t, const char *at);
bk_str bk__vp_between(bk_str t, const char *from, const char *const *stops);
bk_str bk__vp_reply(bk_message *msg, bk_str s);
bk_str bk__vp_command(bk_str s);
void bk__vp_codes(bk_record *r);
int bk__vp_received_has(bk__dctx *ctx, const char *needle);

int bk__vp_dragonfly(bk__dctx *ctx);

static const char *const df_stops[] = {
	"message headers follow", "original message follows",
	"there was an error delivering your mail to", NULL
};

/* df_fill - the diagnostic block of one recipient */
static void
df_fill(bk__dctx *ctx, bk_record *r, bk_str blk)
{
	bk_message *msg = ctx->msg;
	const char *dnl, *colon, *eol, *end = bk__str_end(blk);
	bk_str head, reply, host;
	size_t k;
	bk__buf b;

	blk = bk__trim(blk);
	if (blk.len == 0)
		return;
	end = bk__str_end(blk);
	dnl = bk__istr(blk.ptr, blk.len, " did not like our ");
	if (dnl == NULL) {
		r->diagnostic = bk__squeeze(msg, blk);
		bk__vp_codes(r);
		if (bk__istr(blk.ptr, blk.len, "could not deliver for the "
		    "last") != NULL && bk__istr(blk.ptr, blk.len,
		    "giving up") != NULL)
			r->reason_hint = BK_REASON_EXPIRED;
		return;
	}
	/* "HOST [IP] did not like our CMD:" up to the end of its line */
	eol = memchr(dnl, '\n', (size_t)(end - dnl));
	if (eol == NULL)
		eol = end;
	head = bk__trim(bk__str(blk.ptr, (size_t)(eol - blk.ptr)));
	colon = memchr(dnl, ':', (size_t)(eol - dnl));
	r->command = bk__vp_command(bk__str(dnl + 18, (size_t)((colon ?
	    colon : eol) - dnl - 18)));
	host = bk__str(blk.ptr, (size_t)(dnl - blk.ptr));
	host = bk__trim(host);
	for (k = 0; k < host.len && host.ptr[k] != ' '; k++)
		;
	if (k > 0)
		r->remote_mta = bk__str(host.ptr, k);
	reply = bk__vp_reply(msg, bk__str(eol, (size_t)(end - eol)));
	r->status = bk__find_status(reply);
	r->reply_code = bk__find_reply_code(reply);
	bk__buf_init(&b, msg->arena, BK_LIMIT_DIAGNOSTIC_BYTES);
	bk__buf_append(&b, head.ptr, head.len);
	if (reply.len > 0) {
		bk__buf_putc(&b, ' ');
		bk__buf_append(&b, reply.ptr, reply.len);
	}
	r->diagnostic = b.ptr ? bk__str(b.ptr, b.len) : head;
}

/*
 * df_host - the host named in "This is the DragonFly Mail Agent vX at
 * HOST." at the start of @t, or an empty slice
 */
static bk_str
df_host(bk_str t)
{
	const char *p = t.ptr, *end = bk__str_end(t), *at;
	bk_str line = bk__trim(bk__vp_line(&p, end));

	/* the first line that is not blank */
	while (line.len == 0 && p < end)
		line = bk__trim(bk__vp_line(&p, end));
	at = bk__istr(line.ptr, line.len, " at ");
	if (at == NULL || bk__istr(line.ptr, (size_t)(at - line.ptr),
	    "DragonFly Mail Agent") == NULL)
		return BK_STR_NULL;
	line = bk__vp_rest(line, at + 4);
	if (line.len > 0 && line.ptr[line.len - 1] == '.')
		line.len--;
	if (line.len == 0 || memchr(line.ptr, ' ', line.len) != NULL)
		return BK_STR_NULL;
	return line;
}

/* bk__vp_dragonfly - see file comment */
int
bk__vp_dragonfly(bk__dctx *ctx)
{
	static const char intro[] = "there was an error delivering your "
	    "mail to";
	bk_str t = ctx->text, line, a, blk, host;
	const char *p, *end;
	bk_record *r;
	int added = 0, k;

	if (!bk__dctx_mark(ctx, BK__MARK_DRAGONFLY) || bk__istr(t.ptr,
	    t.len > 200 ? 200 : t.len, "DragonFly Mail Agent") == NULL)
		return 0;
	host = df_host(t);
	p = t.ptr;
	end = bk__str_end(t);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (!bk__istarts(line.ptr, line.len, intro))
			continue;
		a = bk__addr_find(line.ptr + sizeof(intro) - 1,
		    line.len - (sizeof(intro) - 1));
		if ((k = bk__vp_failed(ctx, "dragonfly", a, &r)) == 0)
			continue;
		if (k < 0)
			return ctx->oom ? BK_ENOMEM : added;
		r->diagnostic_type = bk__cstr("SMTP");
		r->reporting_mta = host;
		blk = bk__vp_between(bk__vp_rest(t, p), NULL, df_stops);
		df_fill(ctx, r, blk);
		added++;
	}
	if (added > 0 && !ctx->has_orig) {
		const char *m = bk__vp_find_line(t, "message headers follow");

		if (m == NULL)
			m = bk__vp_find_line(t, "original message follows");
		if (m != NULL)
			bk__dctx_orig_from_text(ctx, m,
			    (size_t)(end - m));
	}
	return added;
}
