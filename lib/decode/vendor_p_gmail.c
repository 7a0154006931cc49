/*
 * vendor_p_gmail.c - Gmail's own (pre-2015, non-RFC 3464) bounce from
 * mailer-daemon@googlemail.com:
 *
 *   Delivery to the following recipient failed permanently:
 *        user@example.jp
 *   Technical details of permanent failure:
 *   Google tried to deliver your message, but it was rejected by the
 *   server for the recipient domain example.jp by mx.example.jp.
 *   The error that the other server returned was:
 *   550 5.1.1 <user@example.jp>... User Unknown (state 14).
 *   ----- Original message -----
 *
 * "has been delayed" and "temporary failure" mark a delay notice.  The
 * "(state N)" suffix is the SMTP stage of Gmail's client when the error
 * came: 6 after MAIL (TLS), 13 EHLO, 14 RCPT, 18 DATA.
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
bk_str bk__vp_header(bk__dctx *ctx, const char *name);

int bk__vp_gmail(bk__dctx *ctx);

static const char *const gm_stops[] = {
	"----- original message -----", "----- message header follows",
	"----- message header follows -----", NULL
};

/* gm_state - the command of a "(state N)" note */
static bk_str
gm_state(bk_str d)
{
	static const struct {
		long state;
		const char *cmd;
	} map[] = {
		{ 6, "MAIL" }, { 13, "EHLO" }, { 14, "RCPT" }, { 18, "DATA" },
	};
	const char *m;
	long v;
	size_t i;

	if (d.ptr == NULL || (m = bk__istr(d.ptr, d.len, "(state ")) ==
	    NULL)
		return BK_STR_NULL;
	m += 7;
	if (bk__digits(m, (size_t)(d.ptr + d.len - m), 0, 99, &v) == 0)
		return BK_STR_NULL;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].state == v)
			return bk__cstr(map[i].cmd);
	}
	return BK_STR_NULL;
}

/* bk__vp_gmail - see file comment */
int
bk__vp_gmail(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str t = ctx->text, line, a, tech, reply;
	const char *p, *end, *m, *td;
	bk_record *r;
	int added = 0, delayed;

	if (ctx->from.ptr == NULL || bk__istr(ctx->from.ptr, ctx->from.len,
	    "mailer-daemon@google") == NULL || t.ptr == NULL)
		return 0;
	td = bk__istr(t.ptr, t.len, "technical details of ");
	m = bk__istr(t.ptr, t.len, "delivery to the following recipient");
	if (m == NULL || (td == NULL && bk__istr(t.ptr, t.len,
	    "automatically generated delivery status notification") == NULL))
		return 0;
	delayed = bk__istr(t.ptr, t.len, "has been delayed") != NULL;
	p = m;
	if (td == NULL) {
		/* a bare warning: the text under the address list */
		bk_str rest = bk__vp_between(bk__vp_rest(t, m), NULL,
		    gm_stops);

		end = rest.ptr + rest.len;
		td = bk__vp_find_line(bk__vp_rest(t, m), "message will be ");
		if (td == NULL || td > end)
			td = end;
		tech = bk__str(td, (size_t)(end - td));
	} else
		tech = bk__vp_between(bk__vp_rest(t, td), NULL, gm_stops);
	tech = bk__squeeze(msg, tech);
	reply = BK_STR_NULL;
	if (tech.ptr != NULL && (m = bk__istr(tech.ptr, tech.len,
	    "the other server returned was:")) != NULL)
		reply = bk__trim(bk__vp_rest(tech, m + 30));
	end = td;
	(void)bk__vp_line(&p, end);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		a = bk__addr_only(line);
		if (a.ptr == NULL || bk__dctx_find(ctx, a) != NULL)
			continue;
		r = bk__dctx_add(ctx, "gmail");
		if (r == NULL)
			return ctx->oom ? BK_ENOMEM : added;
		r->recipient = a;
		r->action = bk__cstr(delayed ? "delayed" : "failed");
		if (delayed)
			r->kind = BK_KIND_DELAY;
		r->diagnostic = tech.len ? tech : BK_STR_NULL;
		if (reply.len > 0) {
			r->status = bk__find_status(reply);
			r->reply_code = bk__find_reply_code(reply);
		}
		r->command = gm_state(tech);
		/* Gmail gave up connecting after its retry period */
		if (r->diagnostic.ptr != NULL && bk__istr(r->diagnostic.ptr,
		    r->diagnostic.len, "did not accept our requests to "
		    "connect") != NULL)
			r->reason_hint = BK_REASON_EXPIRED;
		added++;
	}
	return added;
}
