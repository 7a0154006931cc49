/*
 * vendor_p_interscan.c - Trend Micro InterScan MSS / Messaging Security
 * Suite (MIME boundary "InterScan_NT_MIME_Boundary", From "InterScan").
 * Two wordings:
 *
 *   Sent <<< RCPT TO:<user@example.jp>
 *   Received >>> 550 5.1.1 <user@example.jp>... user unknown
 *
 *   Unable to deliver message to <user@example.jp> (and other recipients
 *   in the same domain).
 *
 * The first is the SMTP exchange: the command sent and the reply; the
 * second gives no reply at all.
 */
#include "decode/decode_int.h"

bk_str bk__vp_line(const char **pp, const char *end);
bk_str bk__vp_command(bk_str s);
void bk__vp_codes(bk_record *r);

int bk__vp_interscanmss(bk__dctx *ctx);

/* is_mine - an InterScan notice */
static int
is_mine(bk__dctx *ctx)
{
	bk_str ct = bk__vp_header(ctx, "content-type");

	if (ct.ptr != NULL && bk__istr(ct.ptr, ct.len,
	    "InterScan_NT_MIME_Boundary") != NULL)
		return 1;
	if (bk__vp_from_has(ctx, "InterScan") != NULL)
		return 1;
	return bk__dctx_mark(ctx, BK__MARK_INTERSCAN) != NULL;
}

/* bk__vp_interscanmss - see file comment */
int
bk__vp_interscanmss(bk__dctx *ctx)
{
	bk_str t = ctx->text, line, a;
	const char *p, *end, *m;
	bk_record *r = NULL;
	int added = 0, sent;

	if (t.ptr == NULL || ctx->dsn != NULL || !is_mine(ctx))
		return 0;
	p = t.ptr;
	end = bk__str_end(t);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (bk__istarts(line.ptr, line.len, "received >>> ")) {
			if (r != NULL && r->diagnostic.ptr == NULL) {
				r->diagnostic = bk__trim(bk__str(line.ptr + 13,
				    line.len - 13));
				bk__vp_codes(r);
			}
			continue;
		}
		a = BK_STR_NULL;
		m = NULL;
		sent = bk__istarts(line.ptr, line.len, "sent <<< ");
		if (sent) {
			m = line.ptr + 9;
			a = bk__addr_find(m, (size_t)(bk__str_end(line) - m));
		} else if ((m = bk__istr(line.ptr, line.len,
		    "unable to deliver message to <")) != NULL)
			a = bk__addr_find(m, (size_t)(bk__str_end(line) - m));
		if (a.ptr == NULL)
			continue;
		r = bk__dctx_find(ctx, a);
		if (r != NULL)
			continue;
		r = bk__dctx_add(ctx, "interscanmss");
		if (r == NULL)
			return ctx->oom ? BK_ENOMEM : added;
		r->recipient = a;
		r->action = bk__cstr("failed");
		if (sent)
			r->command = bk__vp_command(bk__str(m,
			    10 < line.len - 9 ? 10 : line.len - 9));
		else
			r->diagnostic = bk__str(m,
			    (size_t)(bk__str_end(line) - m));
		added++;
	}
	return added;
}
