/*
 * vendor_p_activehunter.c - Active!Hunter, a Japanese mail gateway
 * (header X-AHMAILID, MIME boundary "----=_Active!Hunter_...").  Its
 * notice copies sendmail's layout:
 *
 *     ----- The following addresses had permanent fatal errors -----
 *
 *   >>> user@example.org <user@example.org>
 *
 *     ----- Transcript of session follows -----
 *   550 sorry, no mailbox here by that name (#5.1.1 - chkusr)
 *
 * The transcript is the remote's reply for the recipients listed.
 */
#include "decode/decode_int.h"

bk_str bk__vp_line(const char **pp, const char *end);
bk_str bk__vp_between(bk_str t, const char *from, const char *const *stops);
void bk__vp_codes(bk_record *r);

int bk__vp_activehunter(bk__dctx *ctx);

/* bk__vp_activehunter - see file comment */
int
bk__vp_activehunter(bk__dctx *ctx)
{
	static const char *const stops[] = { "-----", NULL };
	bk_str t = ctx->text, ct, line, a, diag;
	const char *p, *end, *m;
	bk_record *r;
	int added = 0, k;

	if (t.ptr == NULL)
		return 0;
	ct = bk__vp_header(ctx, "content-type");
	if (bk__vp_header(ctx, "x-ahmailid").ptr == NULL && (ct.ptr == NULL ||
	    bk__istr(ct.ptr, ct.len, "_Active!Hunter_") == NULL))
		return 0;
	m = bk__istr(t.ptr, t.len, "the following addresses had permanent "
	    "fatal errors");
	if (m == NULL)
		return 0;
	diag = bk__squeeze(ctx->msg, bk__vp_between(t,
	    "transcript of session follows", stops));
	p = m;
	end = bk__str_end(t);
	(void)bk__vp_line(&p, end);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (line.len == 0)
			continue;
		if (line.len < 4 || memcmp(line.ptr, ">>> ", 4) != 0)
			break;
		a = bk__addr_find(line.ptr + 4, line.len - 4);
		if ((k = bk__vp_failed(ctx, "activehunter", a, &r)) == 0)
			continue;
		if (k < 0)
			return ctx->oom ? BK_ENOMEM : added;
		r->diagnostic = diag.len > 0 ? diag : BK_STR_NULL;
		bk__vp_codes(r);
		added++;
	}
	return added;
}
