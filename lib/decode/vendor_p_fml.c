/*
 * vendor_p_fml.c - fml, the Japanese mailing list manager (header
 * X-MLServer: fml ...).  Its errors are short letters from the list's
 * admin address, naming the address concerned in angle brackets:
 *
 *   Subject: Loop Alert: Duplicated Message-ID (list ML)
 *
 *   Duplicated Message-ID in <list@example.jp>.
 *
 *   Original mail as follows:
 *
 * or "You are not a member of this mailing list <list@example.org>."
 * The first paragraph is the diagnostic.
 */
#include "decode/decode_int.h"

bk_str bk__vp_line(const char **pp, const char *end);

int bk__vp_fml(bk__dctx *ctx);

/* bk__vp_fml - see file comment */
int
bk__vp_fml(bk__dctx *ctx)
{
	bk_str t = ctx->text, ml, line, a = BK_STR_NULL, para;
	const char *p, *end, *start = NULL, *stop = NULL;
	bk_record *r;

	ml = bk__vp_header(ctx, "x-mlserver");
	if (t.ptr == NULL || ml.ptr == NULL || bk__istr(ml.ptr, ml.len,
	    "fml") == NULL || ctx->dsn != NULL)
		return 0;
	p = t.ptr;
	end = bk__str_end(t);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		const char *lp = p;

		line = bk__trim(bk__vp_line(&p, end));
		if (line.len == 0) {
			if (start != NULL)
				break;
			continue;
		}
		if (start == NULL)
			start = lp;
		stop = p;
		if (a.ptr == NULL) {
			const char *lt = memchr(line.ptr, '<', line.len);

			if (lt != NULL)
				a = bk__addr_find(lt, (size_t)(line.ptr +
				    line.len - lt));
		}
	}
	if (start == NULL || a.ptr == NULL)
		return 0;
	para = bk__squeeze(ctx->msg, bk__str(start, (size_t)(stop - start)));
	r = bk__dctx_add(ctx, "fml");
	if (r == NULL)
		return BK_ENOMEM;
	r->recipient = a;
	r->action = bk__cstr("failed");
	r->diagnostic = para.len > 0 ? para : BK_STR_NULL;
	return 1;
}
