/*
 * vendor_m_sendmail.c - the SMTP session transcript that Sendmail (and
 * V5 Sendmail, and MTAs imitating it) writes into its notification:
 *
 *	   ----- Transcript of session follows -----
 *	... while talking to mx.example.org.:
 *	>>> RCPT To:<who@example.org>
 *	<<< 550 5.1.1 <who@example.org>... User unknown
 *	550 5.1.1 <who@example.org>... User unknown
 *
 * ">>>" lines are what we sent, "<<<" lines what the remote answered,
 * "while talking to" names the remote host, and un-prefixed "550 ..."
 * lines are the local MTA's own verdict.  The transcript says which
 * command failed, and for a RCPT, for which recipient.
 */
#include "decode/decode_int.h"

/* commands as they appear after ">>> " */
static const char *const cmds[] = {
	"RCPT", "MAIL", "DATA", "EHLO", "HELO", "LHLO", "QUIT", "STARTTLS",
	"AUTH", "RSET", "BDAT", NULL
};

/* cmd_of - the command of a ">>> " line, "." meaning end of data */
static bk_str
cmd_of(bk_str l)
{
	int i;

	if (l.len >= 1 && l.ptr[0] == '.' && (l.len == 1 || l.ptr[1] == ' '))
		return bk__cstr("DATA");
	for (i = 0; cmds[i] != NULL; i++) {
		if (bk__istarts(l.ptr, l.len, cmds[i]))
			return bk__cstr(cmds[i]);
	}
	return BK_STR_NULL;
}

/* host_of - "... while talking to mx.example.org.:" -> "mx.example.org" */
static bk_str
host_of(const char *p, const char *eol)
{
	const char *s = p, *e;

	while (s < eol && *s == ' ')
		s++;
	e = s;
	while (e < eol && *e != ' ' && *e != ':')
		e++;
	while (e > s && (e[-1] == '.' || e[-1] == ':'))
		e--;
	return e > s ? bk__str(s, (size_t)(e - s)) : BK_STR_NULL;
}

/* all_digits - "77": a program's exit status, not a text */
static int
all_digits(bk_str s)
{
	size_t i;

	s = bk__trim(s);
	for (i = 0; i < s.len; i++) {
		if (!bk__is(s.ptr[i], BK_C_DIGIT))
			return 0;
	}
	return 1;
}

/* apply - give a transcript error to the records it concerns */
static void
apply(bk__dctx *ctx, bk_str cmd, bk_str addr, bk_str host, bk_str reply)
{
	size_t i;

	for (i = 0; i < ctx->nrec; i++) {
		bk_record *r = &ctx->rec[i];

		if (addr.ptr != NULL && (r->recipient.len != addr.len ||
		    bk__imemmem(r->recipient.ptr, addr.len, addr.ptr,
		    addr.len) == NULL))
			continue;
		if (r->command.ptr == NULL)
			r->command = cmd;
		if (r->remote_mta.ptr == NULL && host.ptr != NULL)
			r->remote_mta = host;
		if (r->diagnostic.ptr == NULL && reply.ptr != NULL) {
			r->diagnostic = reply;
			bk__fill_from_diagnostic(r);
		} else if (r->reply_code == 0 && reply.ptr != NULL) {
			/* "550 <a>... User unknown" keeps the remote's code */
			r->reply_code = bk__reply_code_for(reply, r->status);
		}
	}
}

/*
 * bk__transcript_enrich - read the transcript in @region; the first
 * failing reply after a RCPT belongs to that RCPT's recipient, any
 * other failing reply to every recipient still without a command.
 * A reply with no command before it failed the connection.
 */
void
bk__transcript_enrich(bk__dctx *ctx, bk_str region)
{
	bk_message *msg = ctx->msg;
	const char *p, *end, *eol, *t;
	bk_str cmd = BK_STR_NULL, addr = BK_STR_NULL, host = BK_STR_NULL;
	bk_str line, local_st = BK_STR_NULL, local_line = BK_STR_NULL;
	int answered = 0;
	size_t i;

	if (region.ptr == NULL)
		return;
	t = bk__istr(region.ptr, region.len, "transcript of session");
	if (t == NULL)
		t = bk__istr(region.ptr, region.len, "while talking to");
	if (t == NULL)
		return;
	p = t;
	end = region.ptr + region.len;
	/* loop: p moves one line forward each pass */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		line = bk__trim(bk__str(p, (size_t)(eol - p)));
		p = eol < end ? eol + 1 : end;
		if (line.len == 0)
			continue;
		t = bk__istr(line.ptr, line.len, "while talking to ");
		if (t != NULL) {
			host = host_of(t + 17, line.ptr + line.len);
			cmd = BK_STR_NULL;
			addr = BK_STR_NULL;
			answered = 0;
			continue;
		}
		if (line.len > 4 && memcmp(line.ptr, ">>> ", 4) == 0) {
			bk_str c = bk__trim(bk__str(line.ptr + 4,
			    line.len - 4));

			cmd = cmd_of(c);
			addr = BK_STR_NULL;
			if (cmd.ptr != NULL && memcmp(cmd.ptr, "RCPT", 4) == 0)
				addr = bk__addr_find(c.ptr, c.len);
			answered = 0;
			continue;
		}
		if (line.len > 4 && memcmp(line.ptr, "<<< ", 4) == 0) {
			bk_str rep = bk__trim(bk__str(line.ptr + 4,
			    line.len - 4));

			if (answered || rep.len < 3 || (rep.ptr[0] != '4' &&
			    rep.ptr[0] != '5'))
				continue;
			answered = 1;
			apply(ctx, cmd.ptr != NULL ? cmd : bk__cstr("CONN"),
			    addr, host, bk__squeeze(msg, rep));
			continue;
		}
		/* the local verdict: "554 5.3.0 unknown mailer error 255" */
		if (local_st.ptr == NULL && line.len > 10 &&
		    (line.ptr[0] == '4' || line.ptr[0] == '5') &&
		    bk__is(line.ptr[1], BK_C_DIGIT) &&
		    bk__is(line.ptr[2], BK_C_DIGIT) && line.ptr[3] == ' ') {
			bk_str st = bk__find_status(bk__str(line.ptr + 4,
			    line.len - 4 > 12 ? 12 : line.len - 4));

			if (st.ptr == line.ptr + 4) {
				local_st = st;
				local_line = line;
			}
		}
	}
	if (local_st.ptr == NULL)
		return;
	/*
	 * The local verdict explains a record that has no diagnostic, or
	 * only a program's exit status ("X-Unix; 77"): it becomes the
	 * diagnostic, with its reply code.  A generic report status takes
	 * the verdict's code.
	 */
	for (i = 0; i < ctx->nrec; i++) {
		bk_record *r = &ctx->rec[i];

		if (r->status.ptr == NULL || (r->status.len == 5 &&
		    memcmp(r->status.ptr + 1, ".0.0", 4) == 0 &&
		    r->status.ptr[0] == local_st.ptr[0]))
			r->status = local_st;
		if (r->diagnostic.ptr != NULL && !all_digits(r->diagnostic))
			continue;
		r->diagnostic = local_line;
		if (r->reply_code == 0)
			r->reply_code = bk__reply_code_for(local_line,
			    r->status);
	}
}
