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

/*
 * whole_reply - a multi-line reply (RFC 5321 4.2.1: "550-5.7.1 text"
 * lines, then "550 5.7.1 text") joined into one text: the first line's
 * code and enhanced code, then the text of every line.  @p is the
 * line after the first "<<< " line @first; *pp moves past the lines
 * taken.  @first alone when it is not a multi-line reply.
 */
static bk_str
whole_reply(bk_message *msg, bk_str first, const char **pp, const char *end)
{
	const char *p = *pp, *eol;
	bk_str line, st = bk__find_status(first), rest;
	bk__buf b;
	size_t n, k;

	if (first.len < 4 || first.ptr[3] != '-')
		return first;
	n = st.ptr == first.ptr + 4 ? 4 + st.len : 4;
	bk__buf_init(&b, msg->arena, BK_LIMIT_DIAGNOSTIC_BYTES);
	bk__buf_append(&b, first.ptr, 3);
	bk__buf_putc(&b, ' ');
	bk__buf_append(&b, first.ptr + 4, first.len - 4);
	/* loop: p moves one line forward per pass */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		line = bk__trim(bk__str(p, (size_t)(eol - p)));
		if (line.len < 8 || memcmp(line.ptr, "<<< ", 4) != 0 ||
		    memcmp(line.ptr + 4, first.ptr, 3) != 0 ||
		    (line.ptr[7] != '-' && line.ptr[7] != ' '))
			break;
		p = eol < end ? eol + 1 : end;
		rest = bk__str(line.ptr + 4, line.len - 4);
		/* the same enhanced code again: skip it with the reply */
		k = rest.len >= n && n > 4 && bk__imemmem(rest.ptr + 4,
		    st.len, st.ptr, st.len) == rest.ptr + 4 ? n : 4;
		rest = bk__trim(bk__str(rest.ptr + k, rest.len - k));
		bk__buf_putc(&b, ' ');
		bk__buf_append(&b, rest.ptr, rest.len);
		if (line.ptr[7] == ' ')
			break;
	}
	*pp = p;
	return b.ptr != NULL ? bk__str(b.ptr, b.len) : first;
}

/*
 * quotes_exchange - @diag holds the exchange itself: a ">>> " command
 * and the reply @first after "<<< "
 */
static int
quotes_exchange(bk_str diag, bk_str first)
{
	const char *r;

	if (diag.ptr == NULL || first.len == 0 ||
	    bk__imemmem(diag.ptr, diag.len, ">>> ", 4) == NULL)
		return 0;
	r = bk__imemmem(diag.ptr, diag.len, "<<< ", 4);
	return r != NULL && bk__imemmem(r, (size_t)(bk__str_end(diag) - r),
	    first.ptr, first.len) != NULL;
}

/* apply - give a transcript error to the records it concerns */
static void
apply(bk__dctx *ctx, bk_str cmd, bk_str addr, bk_str host, bk_str reply,
    bk_str first)
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
		} else if (reply.len > first.len && r->diagnostic.len ==
		    first.len && bk__imemmem(r->diagnostic.ptr,
		    r->diagnostic.len, first.ptr, first.len) ==
		    r->diagnostic.ptr) {
			/* the report kept the first line of the reply */
			r->diagnostic = reply;
		} else if (reply.ptr != NULL && quotes_exchange(r->diagnostic,
		    first)) {
			/* the notice's whole block, the exchange with it
			 * (Courier's delay: no Diagnostic-Code) */
			r->diagnostic = reply;
		} else if (r->reply_code == 0 && reply.ptr != NULL) {
			/* "550 <a>... User unknown" keeps the remote's code */
			r->reply_code = bk__reply_code_for(reply, r->status);
		}
	}
}

/*
 * session_line - the first ">>> " that begins a line of @t (its first
 * line aside), after any blanks: Courier 1.0 indents its exchange by
 * one space (" >>> RCPT TO:<a@b>", tests/mta/courier_e2e.sh), older
 * releases and Sendmail do not.  NULL if none.  '>' is rare in a
 * notification, so memchr looks for it.
 */
static const char *
session_line(bk_str t)
{
	const char *p = t.ptr, *end = bk__str_end(t), *q, *b;

	/* loop: p moves past each '>' */
	while (p < end && (q = memchr(p, '>', (size_t)(end - p))) != NULL) {
		b = q;
		/* loop: b moves back over the blanks before q */
		while (b > t.ptr && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > t.ptr && b[-1] == '\n' && end - q >= 4 &&
		    memcmp(q, ">>> ", 4) == 0)
			return q;
		p = q + 1;
	}
	return NULL;
}

/*
 * bk__transcript_enrich - read the transcript in @region; the first
 * failing reply after a RCPT belongs to that RCPT's recipient, any
 * other failing reply to every recipient still without a command.
 * A reply with no command before it failed the connection.  Sendmail's
 * closing "Message could not be delivered for 5 days" says the queue's
 * time ran out for every recipient it had deferred (seen with Sendmail
 * 8.17 in tests/mta/sendmail_e2e.sh: the deferral's own "451 4.7.1 ...
 * Try again later" is the diagnostic, the report's Status 4.4.7).
 */
void
bk__transcript_enrich(bk__dctx *ctx, bk_str region)
{
	bk_message *msg = ctx->msg;
	const char *p, *end, *eol, *t;
	bk_str cmd = BK_STR_NULL, addr = BK_STR_NULL, host = BK_STR_NULL;
	bk_str line, local_st = BK_STR_NULL, local_line = BK_STR_NULL;
	bk_str expiry = BK_STR_NULL;
	int answered = 0, replied = 0;
	size_t i;

	if (region.ptr == NULL)
		return;
	/* region is the start of the text: no marker, no search */
	t = NULL;
	if (bk__dctx_mark(ctx, BK__MARK_TRANSCRIPT))
		t = bk__istr(region.ptr, region.len, "transcript of session");
	if (t == NULL && bk__dctx_mark(ctx, BK__MARK_TALKING))
		t = bk__istr(region.ptr, region.len, "while talking to");
	/* an exchange without a title (Courier: "<a@b>:\n    host [ip]:\n
	 * >>> RCPT TO:<a@b>\n<<< 550 ...") */
	if (t == NULL)
		t = session_line(region);
	if (t == NULL)
		return;
	p = t;
	end = bk__str_end(region);
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
			host = host_of(t + 17, bk__str_end(line));
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
			replied = 1;
			rep = bk__squeeze(msg, rep);
			apply(ctx, cmd.ptr != NULL ? cmd : bk__cstr("CONN"),
			    addr, host, bk__squeeze(msg, whole_reply(msg, rep,
			    &p, end)), rep);
			continue;
		}
		/* Sendmail gave up on the whole message: "Message could not
		 * be delivered for 5 days" (or "Cannot send message for") */
		if (expiry.ptr == NULL && (bk__istarts(line.ptr, line.len,
		    "message could not be delivered for") ||
		    bk__istarts(line.ptr, line.len, "cannot send message for")))
			expiry = line;
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
			} else if (local_line.ptr == NULL && bk__imemmem(
			    line.ptr, line.len, "... ", 4) != NULL) {
				/* "554 \"|prog\"... Service unavailable" */
				local_line = line;
			}
		}
	}
	/* the expiry is every deferred recipient's (bk__format_hints), not
	 * a permanent failure's reported beside them */
	for (i = 0; expiry.ptr != NULL && i < ctx->nrec; i++) {
		bk_record *r = &ctx->rec[i];

		if (r->status.ptr == NULL || r->status.ptr[0] != '5')
			bk__format_hints(r, expiry);
	}
	if (local_st.ptr == NULL && local_line.ptr != NULL) {
		/* a verdict without an enhanced code: its reply only */
		for (i = 0; i < ctx->nrec; i++) {
			bk_record *r = &ctx->rec[i];

			if (r->diagnostic.ptr != NULL &&
			    !all_digits(r->diagnostic))
				continue;
			r->diagnostic = local_line;
			if (r->reply_code == 0)
				r->reply_code = bk__reply_code_for(local_line,
				    r->status);
		}
		return;
	}
	if (local_st.ptr == NULL)
		return;
	/*
	 * The local verdict explains a record that has no diagnostic, or
	 * only a program's exit status ("X-Unix; 77"): it becomes the
	 * diagnostic, with its reply code.  A generic report status takes
	 * the verdict's code, unless the remote answered in the transcript:
	 * then the verdict is Sendmail's reading of the remote's reply
	 * ("<<< 550 5.0.0 <a@b>... User unknown" then "550 5.1.1 <a@b>...
	 * User unknown"), and the report's code is the remote's.
	 */
	for (i = 0; i < ctx->nrec; i++) {
		bk_record *r = &ctx->rec[i];

		if (r->status.ptr == NULL || (!replied && r->status.len == 5 &&
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

/*
 * Sendmail's plain notification (V5, and V8 without MIME): the
 * transcript section, then "----- Unsent message follows -----".
 * Besides the ">>>"/"<<<" exchange, the local MTA writes one verdict
 * line per recipient and per host it gave up on:
 *
 *	550 <who@example.org>... User unknown
 *	554 <who@example.net>... 550 Host unknown (Authoritative answer)
 *	421 example.net (smtp)... Deferred: Connection timed out
 *
 * A remote's failing reply belongs to the recipients whose verdict
 * follows it in the same session and carries no reply of its own
 * ("554 <a@b>... Remote protocol error" after "<<< 550 Relay denied");
 * a RCPT's reply only to that RCPT's recipient.
 */

/* one verdict line of the local MTA */
typedef struct verdict {
	int code;                  /* its reply code */
	bk_str status;             /* an enhanced code after it, if any */
	bk_str addr;               /* the recipient, or */
	bk_str host;               /* the host "(smtp)" */
	bk_str text;               /* what follows the "..." */
} verdict;

/* read_verdict - "NNN [x.y.z] <addr>|host (smtp)... text"; 0 if not */
static int
read_verdict(bk_str line, verdict *v)
{
	const char *dots, *end = bk__str_end(line);
	bk_str rest, who;

	memset(v, 0, sizeof(*v));
	if (line.len < 8 || (line.ptr[0] != '2' && line.ptr[0] != '4' &&
	    line.ptr[0] != '5') || !bk__is(line.ptr[1], BK_C_DIGIT) ||
	    !bk__is(line.ptr[2], BK_C_DIGIT) || line.ptr[3] != ' ')
		return 0;
	v->code = (line.ptr[0] - '0') * 100 + (line.ptr[1] - '0') * 10 +
	    (line.ptr[2] - '0');
	rest = bk__trim(bk__str(line.ptr + 4, line.len - 4));
	v->status = bk__find_status(bk__str(rest.ptr, rest.len > 12 ? 12 :
	    rest.len));
	if (v->status.ptr == rest.ptr)
		rest = bk__trim(bk__str(rest.ptr + v->status.len,
		    rest.len - v->status.len));
	else
		v->status = BK_STR_NULL;
	dots = bk__istr(rest.ptr, rest.len, "...");
	if (dots == NULL)
		return 0;
	who = bk__trim(bk__str(rest.ptr, (size_t)(dots - rest.ptr)));
	v->text = bk__trim(bk__str(dots + 3, (size_t)(end - dots - 3)));
	if (who.len > 8 && bk__istarts(bk__str_end(who) - 7, 7, " (smtp)")) {
		v->host = bk__trim(bk__str(who.ptr, who.len - 7));
		return v->host.len > 0;
	}
	v->addr = bk__addr_only(who);
	return v->addr.ptr != NULL;
}

/* domain_is - is @host the domain of @addr */
static int
domain_is(bk_str addr, bk_str host)
{
	const char *at = memchr(addr.ptr, '@', addr.len);

	return at != NULL && bk__addr_same(bk__str(at + 1,
	    (size_t)(bk__str_end(addr) - at - 1)), host);
}

/*
 * with_verdict - the remote's reply @reply after the local verdict's own
 * words @words ("Remote protocol error: Connection reset by peer during
 * result wait with x: 550 Your E-Mail is redundant ..."): both are about
 * this recipient, the verdict says what became of the session after the
 * reply.  The reply alone when the verdict has no words or no copy can
 * be made.
 */
static bk_str
with_verdict(bk_message *msg, bk_str words, bk_str reply)
{
	bk__buf b;

	if (words.len == 0)
		return reply;
	bk__buf_init(&b, msg->arena, BK_LIMIT_DECODED_BYTES);
	bk__buf_append(&b, words.ptr, words.len);
	bk__buf_append(&b, ": ", 2);
	bk__buf_append(&b, reply.ptr, reply.len);
	if (b.ptr == NULL || b.failed || b.truncated)
		return reply;
	return bk__str(b.ptr, b.len);
}

/* add_verdict - a record from a verdict and the reply it explains */
static bk_record *
add_verdict(bk__dctx *ctx, bk_str addr, const verdict *v, bk_str line)
{
	bk_record *r = bk__dctx_add(ctx, "sendmail");

	if (r == NULL)
		return NULL;
	r->recipient = addr;
	r->action = bk__cstr(v->code / 100 == 4 ? "delayed" : "failed");
	r->status = v->status;
	/* the verdict's own text, or the whole line for its code */
	r->diagnostic = bk__find_reply_code(v->text) != 0 ? v->text : line;
	return r;
}

/* returned_to - the returned message's recipients in @host's domain */
static int
returned_to(bk__dctx *ctx, const verdict *v, bk_str line)
{
	bk_str to, a;
	const char *p, *end;
	int added = 0, pass;
	bk_record *r;

	if (!ctx->has_orig)
		return 0;
	to = bk__headers_get(&ctx->orig_headers, "to");
	if (to.ptr == NULL)
		return 0;
	/* pass 0: addresses in the host's domain; 1: the first one */
	for (pass = 0; pass < 2 && added == 0; pass++) {
		p = to.ptr;
		end = bk__str_end(to);
		/* loop: p moves past each address found */
		while (p < end && (a = bk__addr_find(p,
		    (size_t)(end - p))).ptr != NULL) {
			p = bk__str_end(a);
			if (pass == 0 && !domain_is(a, v->host))
				continue;
			r = add_verdict(ctx, a, v, line);
			if (r == NULL)
				return ctx->oom ? BK_ENOMEM : added;
			r->diagnostic = v->text.len > 0 ? v->text : line;
			r->reply_code = v->code;
			added++;
			if (pass == 1)
				break;
		}
	}
	return added;
}

/* bk__decode_sendmail - see the comment above struct verdict */
int
bk__decode_sendmail(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str t = ctx->text, line, c, host = BK_STR_NULL;
	bk_str cmd = BK_STR_NULL, addr = BK_STR_NULL;
	bk_str pend = BK_STR_NULL, pcmd = BK_STR_NULL, paddr = BK_STR_NULL;
	bk_str phost = BK_STR_NULL, lastline = BK_STR_NULL;
	const char *p, *end, *ts;
	verdict v, last;
	bk_record *r;
	size_t cut, i;
	int added = 0, have_last = 0;

	if (ctx->dsn != NULL || !bk__dctx_mark(ctx, BK__MARK_TRANSCRIPT))
		return 0;
	cut = bk__dctx_cut(ctx);
	ts = bk__istr(t.ptr, cut, "----- transcript of session follows");
	if (ts == NULL || bk__istr(t.ptr, cut, "final-recipient:") != NULL)
		return 0;
	if (!ctx->has_orig)
		bk__dctx_orig_from_text(ctx, t.ptr + cut, t.len - cut);
	end = t.ptr + cut;
	p = memchr(ts, '\n', (size_t)(end - ts));
	p = p != NULL ? p + 1 : end;
	memset(&last, 0, sizeof(last));
	/* loop: p moves one line forward each pass */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (eol == NULL)
			eol = end;
		line = bk__trim(bk__str(p, (size_t)(eol - p)));
		p = eol < end ? eol + 1 : end;
		if (line.len == 0)
			continue;
		ts = bk__istr(line.ptr, line.len, "while talking to ");
		if (ts != NULL) {
			host = host_of(ts + 17, bk__str_end(line));
			cmd = addr = pend = BK_STR_NULL;
			continue;
		}
		if (line.len > 4 && memcmp(line.ptr, ">>> ", 4) == 0) {
			c = bk__trim(bk__str(line.ptr + 4, line.len - 4));
			cmd = cmd_of(c);
			addr = BK_STR_NULL;
			if (cmd.ptr != NULL && memcmp(cmd.ptr, "RCPT", 4) == 0)
				addr = bk__addr_find(c.ptr, c.len);
			pend = BK_STR_NULL;
			continue;
		}
		if (line.len > 4 && memcmp(line.ptr, "<<< ", 4) == 0) {
			c = bk__trim(bk__str(line.ptr + 4, line.len - 4));
			if (pend.ptr != NULL || c.len < 3 ||
			    (c.ptr[0] != '4' && c.ptr[0] != '5'))
				continue;
			pend = bk__squeeze(msg, c);
			pcmd = cmd.ptr != NULL ? cmd : bk__cstr("CONN");
			paddr = addr;
			phost = host;
			continue;
		}
		if (!read_verdict(line, &v) || v.code / 100 == 2)
			continue;
		if (v.host.ptr != NULL) {
			/* another host's verdict ends the session's reply */
			if (!bk__addr_same(v.host, host))
				pend = BK_STR_NULL;
			last = v;
			lastline = line;
			have_last = 1;
			continue;
		}
		if (bk__dctx_find(ctx, v.addr) != NULL)
			continue;
		r = add_verdict(ctx, v.addr, &v, line);
		if (r == NULL)
			return ctx->oom ? BK_ENOMEM : added;
		added++;
		if (pend.ptr != NULL && bk__find_reply_code(v.text) == 0 &&
		    (paddr.ptr == NULL || bk__addr_same(paddr, v.addr))) {
			r->diagnostic = with_verdict(msg, v.text, pend);
			r->command = pcmd;
			r->remote_mta = phost;
		}
		bk__fill_from_diagnostic(r);
		if (r->reply_code == 0)
			r->reply_code = v.code;
	}
	/* no recipient verdict: the host's, for the returned copy's To */
	if (added == 0 && have_last)
		added = returned_to(ctx, &last, lastline);
	if (added < 0)
		return added;
	for (i = 0; i < ctx->nrec; i++) {
		r = &ctx->rec[i];
		bk__format_hints(r, r->diagnostic);
		bk__format_hints(r, ctx->subject);
	}
	return added;
}
