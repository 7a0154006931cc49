/*
 * vendor_p_zoho.c - Zoho Mail (mailer-daemon@mail.zoho.com).
 *
 * Zoho lists each failed recipient on one line, the SMTP reply code and
 * the remote text behind "ERROR_CODE :" labels:
 *
 *   user@example.com Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1
 *   <user@example.com>... User Unknown
 *
 * A delay warning uses a bracketed form instead:
 *
 *   [Status: Error, Address: <user@example.com>, ResponseCode 421, ,
 *   Host not reachable.]
 *
 * "Host not reachable" is what Zoho writes when every attempt to reach
 * the recipient's host failed until it gave up.
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

int bk__vp_zoho(bk__dctx *ctx);

/* zoho_add - one record from a recipient line */
static int
zoho_add(bk__dctx *ctx, bk_str a, bk_str code, bk_str text)
{
	bk_record *r;
	long v;

	if (bk__dctx_find(ctx, a) != NULL)
		return 0;
	r = bk__dctx_add(ctx, "zoho");
	if (r == NULL)
		return ctx->oom ? BK_ENOMEM : 0;
	r->recipient = a;
	r->action = bk__cstr("failed");
	text = bk__trim(text);
	while (text.len > 0 && (text.ptr[0] == ',' || text.ptr[0] == ' ')) {
		text.ptr++;
		text.len--;
	}
	r->diagnostic = bk__squeeze(ctx->msg, text);
	if (r->diagnostic.len == 0)
		r->diagnostic = BK_STR_NULL;
	code = bk__trim(code);
	if (code.ptr != NULL && bk__digits(code.ptr, code.len, 200, 599,
	    &v) == 3)
		r->reply_code = (int)v;
	bk__vp_codes(r);
	if (r->diagnostic.ptr != NULL && bk__istr(r->diagnostic.ptr,
	    r->diagnostic.len, "host not reachable") != NULL)
		r->reason_hint = BK_REASON_EXPIRED;
	if (r->reply_code >= 400 && r->reply_code < 500 && bk__istr(
	    ctx->text.ptr, ctx->text.len, "warning message only") != NULL) {
		r->kind = BK_KIND_DELAY;
		r->action = bk__cstr("delayed");
	}
	return 1;
}

/* bk__vp_zoho - see file comment */
int
bk__vp_zoho(bk__dctx *ctx)
{
	bk_str t = ctx->text, line, a, code, text;
	const char *p, *end, *e1, *e2, *m;
	int added = 0, rc;

	if (bk__vp_from_has(ctx, "mailer-daemon@mail.zoho.") == NULL ||
	    t.ptr == NULL)
		return 0;
	if (bk__vp_header(ctx, "x-zohomail").ptr == NULL &&
	    !bk__vp_received_has(ctx, "zoho"))
		return 0;
	p = t.ptr;
	end = bk__str_end(t);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (bk__istarts(line.ptr, line.len, "received:"))
			break;
		e1 = bk__istr(line.ptr, line.len, "error_code :");
		if (e1 != NULL) {
			a = bk__addr_find(line.ptr, (size_t)(e1 - line.ptr));
			if (a.ptr != line.ptr)
				continue;
			e1 += 12;
			e2 = bk__istr(e1, (size_t)(bk__str_end(line) - e1),
			    "error_code :");
			if (e2 != NULL) {
				code = bk__str(e1, (size_t)(e2 - e1));
				text = bk__str(e2 + 12, (size_t)(line.ptr +
				    line.len - e2 - 12));
			} else {
				code = BK_STR_NULL;
				text = bk__str(e1, (size_t)(line.ptr +
				    line.len - e1));
			}
			rc = zoho_add(ctx, a, code, text);
		} else if (bk__istarts(line.ptr, line.len, "[status:") &&
		    (m = bk__istr(line.ptr, line.len, "address:")) != NULL) {
			const char *rcode, *tail;

			a = bk__addr_find(m, (size_t)(bk__str_end(line) -
			    m));
			if (a.ptr == NULL)
				continue;
			rcode = bk__istr(line.ptr, line.len, "responsecode ");
			code = BK_STR_NULL;
			tail = bk__str_end(a);
			if (rcode != NULL) {
				code = bk__str(rcode + 13, 3 <= (size_t)(
				    bk__str_end(line) - rcode - 13) ? 3 : 0);
				tail = rcode + 13;
			}
			/* the text follows the last ", " before "]" */
			m = bk__str_end(line);
			if (m > tail && m[-1] == ']')
				m--;
			e2 = tail;
			while (e2 < m && memchr(e2, ',', (size_t)(m - e2)))
				e2 = (const char *)memchr(e2, ',',
				    (size_t)(m - e2)) + 1;
			rc = zoho_add(ctx, a, code, bk__str(e2,
			    (size_t)(m - e2)));
		} else
			continue;
		if (rc < 0)
			return rc;
		added += rc;
	}
	return added;
}
