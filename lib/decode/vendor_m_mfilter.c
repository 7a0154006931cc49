/*
 * vendor_m_mfilter.c - the notification of m-FILTER (a Japanese mail
 * gateway): a preface, the failed addresses one per line, then titled
 * sections, each title a line starting with seven dashes:
 *
 *	who@example.org
 *
 *	-------server message
 *	550 5.1.1 <who@example.org>: Recipient address rejected
 *
 *	-------SMTP command
 *	DATA
 *
 *	-------original message
 *	Received: ...
 *
 * The server's message and the command hold for every address listed.
 */
#include "decode/decode_int.h"

#define MF_TITLE "-------"

/* section - the text under the title line @title, up to the next one */
static bk_str
section(bk_message *msg, bk_str t, const char *title, const char **at)
{
	const char *p = t.ptr, *end = bk__str_end(t), *eol, *s = NULL;
	const char *last = NULL;
	bk_str l;

	*at = NULL;
	/* loop: p moves one line forward each pass */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		l = bk__trim(bk__str(p, (size_t)(eol - p)));
		if (s == NULL) {
			if (bk__istarts(l.ptr, l.len, title)) {
				*at = p;
				s = eol < end ? eol + 1 : end;
			}
		} else if (bk__istarts(l.ptr, l.len, MF_TITLE)) {
			break;
		} else if (l.len > 0) {
			last = bk__str_end(l);
		}
		p = eol < end ? eol + 1 : end;
	}
	if (s == NULL || last == NULL || last <= s)
		return BK_STR_NULL;
	return bk__squeeze(msg, bk__str(s, (size_t)(last - s)));
}

/* bk__decode_mfilter - see file comment */
int
bk__decode_mfilter(bk__dctx *ctx)
{
	bk_str t = ctx->text, diag, cmd, a, l;
	const char *srv, *cat, *orig, *p, *eol;
	bk_record *r;
	int added = 0, k;

	if (ctx->dsn != NULL || !bk__dctx_mark(ctx, BK__MARK_MFILTER))
		return 0;
	diag = section(ctx->msg, t, MF_TITLE "server message", &srv);
	cmd = section(ctx->msg, t, MF_TITLE "smtp command", &cat);
	if (srv == NULL || cat == NULL)
		return 0;
	(void)section(ctx->msg, t, MF_TITLE "original message", &orig);
	if (orig != NULL && !ctx->has_orig)
		bk__dctx_orig_from_text(ctx, orig, (size_t)(bk__str_end(t) -
		    orig));
	if (cmd.ptr != NULL) {
		size_t w = 0;

		while (w < cmd.len && bk__is(cmd.ptr[w], BK_C_ALPHA))
			w++;
		cmd = w > 0 ? bk__str(cmd.ptr, w) : BK_STR_NULL;
	}
	/* the addresses: lines that are one address, before the sections */
	p = t.ptr;
	/* loop: p moves one line forward each pass, up to the first title */
	while (p < srv) {
		eol = memchr(p, '\n', (size_t)(srv - p));
		if (eol == NULL)
			eol = srv;
		l = bk__str(p, (size_t)(eol - p));
		p = eol < srv ? eol + 1 : srv;
		a = bk__addr_only(l);
		if ((k = bk__vp_failed(ctx, "mfilter", a, &r)) == 0)
			continue;
		if (k < 0)
			return ctx->oom ? BK_ENOMEM : added;
		r->diagnostic = diag;
		r->command = cmd;
		bk__fill_from_diagnostic(r);
		added++;
	}
	return added;
}
