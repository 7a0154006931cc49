/*
 * vendor_p_notes.c - Lotus Notes' SMTP MTA (R4 and R5 era):
 *
 *   ------- Failure Reasons  --------
 *
 *   User  not listed in public Name & Address Book
 *   user@example.com
 *
 *   ------- Returned Message --------
 *
 * Each paragraph under "Failure Reasons" is the error text followed by
 * the address it concerns, on a line of its own.
 */
#include "decode/decode_int.h"

bk_str bk__vp_line(const char **pp, const char *end);

int bk__vp_notes(bk__dctx *ctx);

/* bk__vp_notes - see file comment */
int
bk__vp_notes(bk__dctx *ctx)
{
	bk_str t = ctx->text, line, a;
	const char *p, *end, *m, *start = NULL;
	bk_record *r;
	int added = 0, k;

	if (ctx->dsn != NULL || !bk__dctx_mark(ctx, BK__MARK_NOTES))
		return 0;
	m = bk__istr(t.ptr, t.len, "------- failure reasons");
	if (m == NULL)
		return 0;
	end = bk__istr(m, (size_t)(bk__str_end(t) - m),
	    "------- returned message");
	if (end == NULL)
		return 0;
	p = m;
	(void)bk__vp_line(&p, end);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		const char *lp = p;

		line = bk__trim(bk__vp_line(&p, end));
		if (line.len == 0) {
			start = NULL;
			continue;
		}
		a = bk__addr_only(line);
		if (a.ptr == NULL) {
			if (start == NULL)
				start = lp;
			continue;
		}
		if ((k = bk__vp_failed(ctx, "notes", a, &r)) == 0)
			continue;
		if (k < 0)
			return ctx->oom ? BK_ENOMEM : added;
		if (start != NULL)
			r->diagnostic = bk__squeeze(ctx->msg, bk__str(start,
			    (size_t)(lp - start)));
		if (r->diagnostic.len == 0)
			r->diagnostic = BK_STR_NULL;
		start = NULL;
		added++;
	}
	return added;
}
