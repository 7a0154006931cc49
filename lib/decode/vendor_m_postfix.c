/*
 * vendor_m_postfix.c - the notice Postfix's SMTP server sends to the
 * postmaster ("Postfix SMTP server: errors from client[192.0.2.1]",
 * notify_classes): no delivery report, only the session it served,
 * with "In:" what the client sent and "Out:" what Postfix answered.
 * Long lines go on indented:
 *
 *	Transcript of session follows.
 *
 *	 Out: 220 mx.example.org ESMTP
 *	 In:  MAIL FROM:<sender@example.com>
 *	 Out: 250 2.1.0 Ok
 *	 In:  RCPT TO:<who@example.org>
 *	 Out: 250 2.1.5 Ok
 *	 In:  DATA
 *	 Out: 354 End data with <CR><LF>.<CR><LF>
 *	 Out: 451 4.3.0 Error: queue file write error
 *
 * A failing "Out:" reply to a RCPT concerns that RCPT's recipient; one
 * to any other command concerns every recipient accepted so far (none
 * accepted: one record without a recipient).  The reply is Postfix's
 * own, so it is the diagnostic, and the command is the last "In:".
 */
#include "decode/decode_int.h"

/* the commands a client sends, as they start an "In:" line */
static const char *const cmds[] = {
	"RCPT", "MAIL", "DATA", "BDAT", "EHLO", "HELO", "STARTTLS", "AUTH",
	"RSET", "QUIT", "XFORWARD", "XCLIENT", "VRFY", "ETRN", "NOOP", NULL
};

/* one recipient the client named */
typedef struct rcpt {
	bk_str addr;
	int ok;                    /* Postfix accepted it */
	int failed;                /* it has a record */
} rcpt;

#define PF_MAX_RCPT 64

/* item - an "In:"/"Out:" line with its continuation lines */
static bk_str
item(const char **pp, const char *end, int *dir)
{
	const char *p = *pp, *s, *eol, *q;
	bk_str l;

	*dir = 0;
	eol = memchr(p, '\n', (size_t)(end - p));
	if (eol == NULL)
		eol = end;
	l = bk__trim(bk__str(p, (size_t)(eol - p)));
	*pp = eol < end ? eol + 1 : end;
	if (bk__istarts(l.ptr, l.len, "in:"))
		*dir = 'I';
	else if (bk__istarts(l.ptr, l.len, "out:"))
		*dir = 'O';
	else
		return l;
	s = l.ptr + (*dir == 'I' ? 3 : 4);
	/* continuation: deeper-indented lines that start no item */
	q = *pp;
	/* loop: q moves one line forward each pass */
	while (q < end && (*q == ' ' || *q == '\t')) {
		bk_str n;

		eol = memchr(q, '\n', (size_t)(end - q));
		if (eol == NULL)
			eol = end;
		n = bk__trim(bk__str(q, (size_t)(eol - q)));
		if (n.len == 0 || bk__istarts(n.ptr, n.len, "in:") ||
		    bk__istarts(n.ptr, n.len, "out:"))
			break;
		l.len = (size_t)(eol - l.ptr);
		q = eol < end ? eol + 1 : end;
	}
	*pp = q;
	return bk__trim(bk__str(s, (size_t)(bk__str_end(l) - s)));
}

/* command - the command word of an "In:" line */
static bk_str
command(bk_str l)
{
	size_t i;

	for (i = 0; cmds[i] != NULL; i++) {
		size_t n = strlen(cmds[i]);

		if (bk__istarts(l.ptr, l.len, cmds[i]) && (l.len == n ||
		    !bk__is(l.ptr[n], BK_C_ALPHA)))
			return bk__cstr(cmds[i]);
	}
	return BK_STR_NULL;
}

/* fail - a record for @addr (may be null) with Postfix's reply */
static int
fail(bk__dctx *ctx, bk_str addr, bk_str cmd, bk_str reply)
{
	bk_record *r = bk__dctx_add(ctx, "postfix");

	if (r == NULL)
		return BK_ENOMEM;
	r->recipient = addr;
	r->action = bk__cstr(reply.ptr[0] == '4' ? "delayed" : "failed");
	r->command = cmd;
	r->diagnostic = reply;
	bk__fill_from_diagnostic(r);
	return 1;
}

/* bk__decode_postfix - see file comment */
int
bk__decode_postfix(bk__dctx *ctx)
{
	bk_str t = ctx->text, l, cmd = BK_STR_NULL, reply;
	const char *p, *end;
	rcpt rc[PF_MAX_RCPT];
	size_t n = 0, i, cut;
	int dir, added = 0, failed = 0;

	if (ctx->dsn != NULL || !bk__dctx_mark(ctx, BK__MARK_TRANSCRIPT))
		return 0;
	cut = bk__dctx_cut(ctx);
	p = bk__istr(t.ptr, cut, "transcript of session follows");
	if (p == NULL)
		return 0;
	end = t.ptr + cut;
	/* loop: item() moves p forward at least one line */
	while (p < end) {
		l = item(&p, end, &dir);
		if (dir == 'I') {
			cmd = command(l);
			if (cmd.ptr != NULL && n < PF_MAX_RCPT &&
			    memcmp(cmd.ptr, "RCPT", 4) == 0) {
				rc[n].addr = bk__addr_find(l.ptr, l.len);
				rc[n].ok = rc[n].failed = 0;
				if (rc[n].addr.ptr != NULL)
					n++;
			}
			continue;
		}
		if (dir != 'O')
			continue;
		if (l.len < 3 || (l.ptr[0] != '2' && l.ptr[0] != '4' &&
		    l.ptr[0] != '5'))
			continue;
		if (l.ptr[0] == '2') {
			if (cmd.ptr != NULL && memcmp(cmd.ptr, "RCPT", 4) ==
			    0 && n > 0)
				rc[n - 1].ok = 1;
			continue;
		}
		reply = bk__squeeze(ctx->msg, l);
		if (cmd.ptr == NULL)
			cmd = bk__cstr("CONN");
		if (memcmp(cmd.ptr, "RCPT", 4) == 0 && n > 0) {
			if (rc[n - 1].failed)
				continue;
			rc[n - 1].failed = 1;
			if (fail(ctx, rc[n - 1].addr, cmd, reply) < 0)
				return BK_ENOMEM;
			added++;
			continue;
		}
		if (failed)
			continue;
		failed = 1;
		for (i = 0; i < n; i++) {
			if (!rc[i].ok || rc[i].failed)
				continue;
			rc[i].failed = 1;
			if (fail(ctx, rc[i].addr, cmd, reply) < 0)
				return BK_ENOMEM;
			added++;
		}
		if (added == 0) {
			if (fail(ctx, BK_STR_NULL, cmd, reply) < 0)
				return BK_ENOMEM;
			added++;
		}
	}
	return added;
}
