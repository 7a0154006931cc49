/*
 * vendor_m_mdaemon.c - MDaemon's delivery failure notice ("Permanent
 * Delivery Failure", From: MDaemon@host, X-MDDSN-Message: Yes).  There is
 * no report part; the notice carries the session with the remote host,
 * one line per step, time-stamped, "-->" for what MDaemon sent and "<--"
 * for what it read:
 *
 *   --- Session Transcript ---
 *    Tue 2025-05-13 11:20:14.312: *  To: who@example.net
 *    ...
 *    Tue 2025-05-13 11:20:14.760: --> RCPT To:<who@example.net>
 *    Tue 2025-05-13 11:20:14.840: <-- 550 5.1.1 <who@example.net>: ...
 *   --- End Transcript ---
 *
 * A failing reply to RCPT belongs to that recipient; one to another
 * command (or to none: the greeting) to every "*  To:" recipient of the
 * parsed message.
 */
#include "decode/decode_int.h"

/* step - the text of a transcript line after its time stamp */
static bk_str
step(bk_str line)
{
	const char *c;

	line = bk__trim(line);
	/* "Tue 2025-05-13 11:20:14.312: text": the first ": " ends it */
	c = bk__imemmem(line.ptr, line.len, ": ", 2);
	if (c == NULL || c - line.ptr > 32)
		return line;
	return bk__trim(bk__str(c + 2, (size_t)(bk__str_end(line) - c -
	    2)));
}

/* add - a record for @addr failed by @reply after @cmd */
static int
add(bk__dctx *ctx, bk_str addr, bk_str cmd, bk_str reply)
{
	bk_record *r;
	int k = bk__vp_failed(ctx, "mdaemon", addr, &r);

	if (k <= 0)
		return k < 0 && ctx->oom ? BK_ENOMEM : 0;
	r->command = cmd;
	r->diagnostic = bk__squeeze(ctx->msg, reply);
	bk__fill_from_diagnostic(r);
	return 1;
}

/* bk__decode_mdaemon - see file comment */
int
bk__decode_mdaemon(bk__dctx *ctx)
{
	bk_str t = ctx->text, line, s, cmd = BK_STR_NULL, rcpt = BK_STR_NULL;
	bk_str fail = BK_STR_NULL, failcmd = BK_STR_NULL;
	const char *p, *end, *b;
	int added = 0, rc;

	if (!bk__dctx_mark(ctx, BK__MARK_MDAEMON) || (bk__vp_from_has(ctx,
	    "mdaemon@") == NULL &&
	    bk__headers_get(&ctx->msg->root->headers,
	    "x-mddsn-message").ptr == NULL))
		return 0;
	b = bk__istr(t.ptr, t.len, "--- session transcript ---");
	if (b == NULL)
		return 0;
	end = bk__str_end(t);
	p = b;
	/* loop: p moves one line forward per pass */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (eol == NULL)
			eol = end;
		line = bk__str(p, (size_t)(eol - p));
		p = eol < end ? eol + 1 : end;
		if (bk__istr(line.ptr, line.len, "--- end transcript") != NULL)
			break;
		s = step(line);
		if (s.len > 4 && memcmp(s.ptr, "--> ", 4) == 0) {
			size_t k = 4;

			while (k < s.len && bk__is(s.ptr[k], BK_C_ALPHA))
				k++;
			cmd = bk__str(s.ptr + 4, k - 4);
			rcpt = BK_STR_NULL;
			if (bk__istarts(cmd.ptr, cmd.len, "rcpt")) {
				cmd = bk__cstr("RCPT");
				rcpt = bk__addr_find(s.ptr, s.len);
			} else if (bk__istarts(cmd.ptr, cmd.len, "mail")) {
				cmd = bk__cstr("MAIL");
			} else if (bk__istarts(cmd.ptr, cmd.len, "data")) {
				cmd = bk__cstr("DATA");
			} else if (bk__istarts(cmd.ptr, cmd.len, "ehlo") ||
			    bk__istarts(cmd.ptr, cmd.len, "helo")) {
				cmd = bk__cstr("EHLO");
			}
			continue;
		}
		if (s.len < 7 || memcmp(s.ptr, "<-- ", 4) != 0 ||
		    (s.ptr[4] != '4' && s.ptr[4] != '5'))
			continue;
		s = bk__str(s.ptr + 4, s.len - 4);
		if (rcpt.ptr != NULL) {
			rc = add(ctx, rcpt, cmd, s);
			if (rc < 0)
				return rc;
			added += rc;
			rcpt = BK_STR_NULL;
		} else if (fail.ptr == NULL) {
			fail = s;
			failcmd = cmd.ptr != NULL ? cmd : bk__cstr("CONN");
		}
	}
	if (added > 0 || fail.ptr == NULL)
		return added;
	/* a failure before or after the recipients: all "*  To:" lines */
	p = b;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (eol == NULL)
			eol = end;
		s = step(bk__str(p, (size_t)(eol - p)));
		p = eol < end ? eol + 1 : end;
		if (s.len > 5 && bk__istarts(s.ptr, s.len, "*  to:")) {
			rc = add(ctx, bk__addr_find(s.ptr, s.len), failcmd,
			    fail);
			if (rc < 0)
				return rc;
			added += rc;
		}
	}
	return added;
}
