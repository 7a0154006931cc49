/*
 * vendor_p_exchange.c - Microsoft Exchange 5.5/2000/2003 "Internet Mail
 * Service" non-delivery reports (X-MS-Embedded-Report, X-Mailer:
 * Internet Mail Service / Internet Mail Connector).
 *
 *   Your message
 *     To:      user@example.jp
 *     Subject: ...
 *   did not reach the following recipient(s):
 *
 *   user@example.jp on Thu, 29 Apr 2010 00:00:00 -0000
 *       The recipient name is not recognized
 *       MSEXCH:IMS:ORG:SITE:SERVER 0 (000C05A6) Unknown Recipient
 *
 * Each recipient line ends in " on DATE"; the indented lines after it are
 * the error: a sentence, then the internal MSEXCH code whose number in
 * parentheses identifies the failure (000C05A6: unknown recipient).
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

int bk__vp_exchange2003(bk__dctx *ctx);

static const char *const ex_intro[] = {
	"did not reach the following recipient(s)",
	"the following recipient(s) could not be reached", NULL
};

/* ex_rcpt_line - "user@example.jp on DATE" -> the address */
static bk_str
ex_rcpt_line(bk_str line)
{
	bk_str a;
	const char *e;

	line = bk__trim(line);
	a = bk__addr_find(line.ptr, line.len);
	if (a.ptr == NULL || a.ptr != line.ptr)
		return BK_STR_NULL;
	e = bk__str_end(a);
	if ((size_t)(bk__str_end(line) - e) < 4 || memcmp(e, " on ", 4) != 0)
		return BK_STR_NULL;
	return a;
}

/* ex_error - the error lines under a recipient, MTS-ID lines left out */
static bk_str
ex_error(bk_message *msg, const char *p, const char *end)
{
	bk__buf b;
	bk_str line;

	bk__buf_init(&b, msg->arena, BK_LIMIT_DIAGNOSTIC_BYTES);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__vp_line(&p, end);
		if (ex_rcpt_line(line).ptr != NULL)
			break;
		line = bk__trim(line);
		if (line.len == 0) {
			if (b.len > 0)
				break;
			continue;
		}
		if (bk__istarts(line.ptr, line.len, "the mts-id") ||
		    line.ptr[0] == ';' || bk__istr(line.ptr, line.len,
		    ";l=") != NULL)
			continue;
		if (b.len > 0)
			bk__buf_putc(&b, ' ');
		bk__buf_append(&b, line.ptr, line.len);
	}
	return b.ptr && b.len ? bk__squeeze(msg, bk__str(b.ptr, b.len)) :
	    BK_STR_NULL;
}

/* bk__vp_exchange2003 - see file comment */
int
bk__vp_exchange2003(bk__dctx *ctx)
{
	bk_str t = ctx->text, xm, line, a;
	const char *p, *end, *m = NULL;
	bk_record *r;
	size_t i;
	int added = 0;

	/* without its intro nothing below can be read */
	if (!bk__dctx_mark(ctx, BK__MARK_EXCH_REACH) &&
	    !bk__dctx_mark(ctx, BK__MARK_EXCH_REACHED))
		return 0;
	xm = bk__vp_header(ctx, "x-mailer");
	if (bk__vp_header(ctx, "x-ms-embedded-report").ptr == NULL &&
	    (xm.ptr == NULL || (bk__istr(xm.ptr, xm.len,
	    "internet mail service") == NULL && bk__istr(xm.ptr, xm.len,
	    "internet mail connector") == NULL)) &&
	    bk__istr(t.ptr, t.len, "MSEXCH:") == NULL)
		return 0;
	for (i = 0; ex_intro[i] != NULL && m == NULL; i++)
		m = bk__istr(t.ptr, t.len, ex_intro[i]);
	if (m == NULL)
		return 0;
	p = m;
	end = bk__str_end(t);
	(void)bk__vp_line(&p, end);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__vp_line(&p, end);
		a = ex_rcpt_line(line);
		if (a.ptr == NULL || bk__dctx_find(ctx, a) != NULL)
			continue;
		r = bk__dctx_add(ctx, "exchange2003");
		if (r == NULL)
			return ctx->oom ? BK_ENOMEM : added;
		r->recipient = a;
		r->action = bk__cstr("failed");
		r->diagnostic = ex_error(ctx->msg, p, end);
		bk__vp_codes(r);
		if (r->diagnostic.ptr != NULL && bk__istr(r->diagnostic.ptr,
		    r->diagnostic.len, "(000C05A6)") != NULL)
			r->reason_hint = BK_REASON_USERUNKNOWN;
		added++;
	}
	return added;
}
