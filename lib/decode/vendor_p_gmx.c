/*
 * vendor_p_gmx.c - the bounces of United Internet's mail system (GMX,
 * mail.com, 1&1 / IONOS "kundenserver"; header X-UI-Out-Filterresults).
 * Exim-like wording, but the recipients and errors are laid out thus:
 *
 *   A message that you sent could not be delivered to one or more of
 *   its recipients. This is a permanent error. The following address(es)
 *   failed:
 *
 *   "user@example.jp":
 *   SMTP error from remote server after RCPT command:
 *   host: mx.example.jp
 *   5.2.2 <user@example.jp>... Mailbox Full
 *
 *   --- The header of the original message is following. ---
 *
 * The address may be bare, quoted or in angle brackets, with or without
 * the colon; the error may sit under a label ("Reason:", "For the
 * following reason:") after a blank line.  Sisimai calls the GMX and
 * mail.com flavour "gmx", the 1&1 one "einsundeins".
 */
#include "decode/decode_int.h"

bk_str bk__vp_line(const char **pp, const char *end);
bk_str bk__vp_command(bk_str s);
void bk__vp_codes(bk_record *r);

int bk__vp_gmx(bk__dctx *ctx);

/* gx_rcpt - a recipient heading: "a@b", "a@b:", "\"a@b\":", "<a@b>" */
static bk_str
gx_rcpt(bk_str l)
{
	size_t k = l.len;

	while (k > 0 && l.ptr[k - 1] == ':')
		k--;
	l = bk__trim(bk__str(l.ptr, k));
	if (l.len >= 2 && l.ptr[0] == '"' && l.ptr[l.len - 1] == '"')
		l = bk__str(l.ptr + 1, l.len - 2);
	return bk__addr_only(l);
}

/* gx_is_label - a line that only introduces the error text */
static int
gx_is_label(bk_str l)
{
	return bk__ieq(l.ptr, l.len, "reason:") || bk__ieq(l.ptr, l.len,
	    "for the following reason:");
}

/* bk__vp_gmx - see file comment */
int
bk__vp_gmx(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str t = ctx->text, line, a, f = ctx->from;
	const char *p, *end, *m, *name;
	bk__buf b;
	bk_record *r = NULL;
	int added = 0, gmx;

	if (f.ptr == NULL || ctx->dsn != NULL ||
	    !bk__dctx_mark(ctx, BK__MARK_GMX))
		return 0;
	gmx = bk__vp_from_has(ctx, "@mail.gmx.") != NULL ||
	    bk__vp_from_has(ctx, "@gmx.") != NULL;
	if (!gmx && bk__vp_from_has(ctx, "kundenserver.") == NULL &&
	    bk__vp_header(ctx, "x-ui-out-filterresults").ptr == NULL)
		return 0;
	m = bk__istr(t.ptr, t.len, "the following address");
	if (m == NULL || (m = bk__istr(m, (size_t)(bk__str_end(t) - m),
	    "failed:")) == NULL)
		return 0;
	name = gmx ? "gmx" : "einsundeins";
	bk__buf_init(&b, msg->arena, BK_LIMIT_DIAGNOSTIC_BYTES);
	p = m + 7;
	end = bk__istr(p, (size_t)(bk__str_end(t) - p),
	    "--- the header of the original message");
	if (end == NULL)
		end = t.ptr + bk__dctx_cut(ctx);
	if (end < p)
		return 0;
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (line.len == 0)
			continue;
		a = gx_rcpt(line);
		if (a.ptr != NULL) {
			if (r != NULL && b.len > 0)
				r->diagnostic = bk__squeeze(msg,
				    bk__str(b.ptr, b.len));
			r = bk__dctx_find(ctx, a);
			if (r != NULL) {
				r = NULL;
				continue;
			}
			r = bk__dctx_add(ctx, name);
			if (r == NULL)
				return ctx->oom ? BK_ENOMEM : added;
			r->recipient = a;
			r->action = bk__cstr("failed");
			bk__buf_init(&b, msg->arena, BK_LIMIT_DIAGNOSTIC_BYTES);
			added++;
			continue;
		}
		if (r == NULL || gx_is_label(line))
			continue;
		if ((m = bk__istr(line.ptr, line.len, "error from remote "
		    "server")) != NULL && r->command.ptr == NULL)
			r->command = bk__vp_command(bk__str(m,
			    (size_t)(bk__str_end(line) - m)));
		if (b.len > 0)
			bk__buf_putc(&b, ' ');
		bk__buf_append(&b, line.ptr, line.len);
	}
	if (r != NULL && b.len > 0)
		r->diagnostic = bk__squeeze(msg, bk__str(b.ptr, b.len));
	for (r = ctx->rec; r != NULL && r < ctx->rec + ctx->nrec; r++) {
		if (r->decoder != name)
			continue;
		bk__vp_codes(r);
		bk__format_hints(r, r->diagnostic);
	}
	return added;
}
