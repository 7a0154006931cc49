/*
 * vendor_p_verizon.c - two notices without RFC 3464 fields.
 *
 * (1) Apache James' bounce, also sent by Verizon's vtext.com gateway:
 *
 *   Error: Invalid user address
 *
 *   Error message below:
 *   550 - Requested action not taken: no such user here
 *
 *   Message details:
 *     Subject: ...
 *     MAIL FROM: sender@example.com
 *     RCPT TO: user@example.net
 *
 * Each "RCPT TO:" line under "Message details:" is a recipient; the
 * text under "Error message below:" is the remote's reply.
 *
 * (2) Verizon's MMS gateway (vzwpix.com, "MMSC NDR"):
 *
 *   Message could not be delivered to mobile.
 *   Error: No valid recipients for this MM
 *
 *   Original Message:
 *   From: sender@example.com
 *   To: 0000000000@example.net
 *
 * Sisimai calls both Verizon's "verizon", the first elsewhere
 * "apachejames".
 */
#include "decode/decode_int.h"

bk_str bk__vp_line(const char **pp, const char *end);
const char *bk__vp_find_line(bk_str t, const char *prefix);
bk_str bk__vp_rest(bk_str t, const char *at);
bk_str bk__vp_between(bk_str t, const char *from, const char *const *stops);
void bk__vp_codes(bk_record *r);

int bk__vp_verizon(bk__dctx *ctx);

/* from_domain_is - does the bounce's From address end in @dom */
static int
from_domain_is(bk__dctx *ctx, const char *dom)
{
	bk_str a = bk__dctx_from_addr(ctx);
	size_t n = strlen(dom);

	return a.ptr != NULL && a.len > n && bk__ieq(bk__str_end(a) - n, n,
	    dom) && (a.ptr[a.len - n - 1] == '@' || a.ptr[a.len - n - 1] ==
	    '.');
}

/* details - format (1) */
static int
details(bk__dctx *ctx, const char *md)
{
	static const char *const stops[] = { "message details:", NULL };
	bk_str t = ctx->text, line, a, diag, sender = BK_STR_NULL;
	const char *p, *end;
	const char *name;
	bk_record *r;
	int added = 0, k;

	name = from_domain_is(ctx, "vtext.com") ? "verizon" : "apachejames";
	diag = BK_STR_NULL;
	if (bk__istr(t.ptr, (size_t)(md - t.ptr), "error message below:"))
		diag = bk__squeeze(ctx->msg, bk__vp_between(bk__str(t.ptr,
		    (size_t)(md - t.ptr)), "error message below:", stops));
	p = md;
	end = bk__str_end(t);
	(void)bk__vp_line(&p, end);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (line.len == 0)
			break;
		if (bk__istarts(line.ptr, line.len, "mail from:")) {
			sender = bk__addr_find(line.ptr, line.len);
			continue;
		}
		if (!bk__istarts(line.ptr, line.len, "rcpt to:"))
			continue;
		a = bk__addr_find(line.ptr + 8, line.len - 8);
		if ((k = bk__vp_failed(ctx, name, a, &r)) == 0)
			continue;
		if (k < 0)
			return ctx->oom ? BK_ENOMEM : added;
		r->diagnostic = diag.len > 0 ? diag : BK_STR_NULL;
		bk__vp_codes(r);
		added++;
	}
	for (r = ctx->rec; r != NULL && r < ctx->rec + ctx->nrec; r++) {
		if (r->sender.ptr == NULL)
			r->sender = sender;
	}
	return added;
}

/* mmsc - format (2) */
static int
mmsc(bk__dctx *ctx)
{
	bk_str t = ctx->text, line, a, diag = BK_STR_NULL, orig;
	const char *p, *end, *e;
	bk_record *r;

	if (bk__istr(t.ptr, t.len, "could not be delivered to mobile") ==
	    NULL)
		return 0;
	e = bk__vp_find_line(t, "error:");
	if (e != NULL) {
		p = e;
		line = bk__vp_line(&p, bk__str_end(t));
		diag = bk__trim(bk__str(line.ptr + 6, line.len - 6));
	}
	orig = bk__vp_rest(t, bk__vp_find_line(t, "original message:"));
	if (orig.ptr == NULL)
		return 0;
	p = orig.ptr;
	end = bk__str_end(orig);
	a = BK_STR_NULL;
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (bk__istarts(line.ptr, line.len, "to:")) {
			a = bk__addr_find(line.ptr + 3, line.len - 3);
			break;
		}
	}
	if (a.ptr == NULL)
		return 0;
	r = bk__dctx_add(ctx, "verizon");
	if (r == NULL)
		return BK_ENOMEM;
	r->recipient = a;
	r->action = bk__cstr("failed");
	r->diagnostic = diag.len > 0 ? diag : BK_STR_NULL;
	bk__vp_codes(r);
	return 1;
}

/* bk__vp_verizon - see file comment */
int
bk__vp_verizon(bk__dctx *ctx)
{
	bk_str t = ctx->text;
	const char *md;

	if (t.ptr == NULL || ctx->dsn != NULL)
		return 0;
	md = bk__dctx_mark(ctx, BK__MARK_VERIZON) ?
	    bk__vp_find_line(t, "message details:") : NULL;
	if (md != NULL && bk__istr(md, (size_t)(bk__str_end(t) - md),
	    "rcpt to:") != NULL && bk__vp_find_line(t, "error:") != NULL)
		return details(ctx, md);
	/* the From address is a part of the field: a field without the
	 * domain spares finding the address */
	if ((bk__vp_from_has(ctx, "vzwpix.com") != NULL &&
	    from_domain_is(ctx, "vzwpix.com")) || bk__vp_from_has(ctx,
	    "MMSC") != NULL)
		return mmsc(ctx);
	return 0;
}
