/*
 * decode_dsn.c - RFC 3464 delivery status notifications (and RFC 6533
 * message/global-delivery-status), RFC 5965 feedback reports and RFC 3834
 * auto-replies.
 *
 * A delivery-status body is a sequence of header-like blocks separated by
 * blank lines (RFC 3464 section 2.1): the per-message fields, then one
 * block per recipient.  Each block is read with the ordinary header
 * parser, which already unfolds and bounds everything.
 */
#include "decode/decode_int.h"

/*
 * type_len - the length of the type of a "type; value" field (RFC 3464
 * 2.3.2: an atom of 1 to 32 bytes, its ';' within the first 40, blanks
 * allowed before it), and in *@semi where its ';' is; 0 when @v does not
 * start with one
 */
static size_t
type_len(bk_str v, size_t *semi)
{
	const char *sc = memchr(v.ptr, ';', v.len < 40 ? v.len : 40);
	size_t n, k;

	if (sc == NULL)
		return 0;
	k = (size_t)(sc - v.ptr);
	n = k;
	while (n > 0 && (v.ptr[n - 1] == ' ' || v.ptr[n - 1] == '\t'))
		n--;
	if (n < 1 || n > 32)
		return 0;
	/* loop: every byte of the type an atom byte (one table load) */
	for (size_t i = 0; i < n; i++)
		if (!bk__is(v.ptr[i], BK_C_ATEXT))
			return 0;
	*semi = k;
	return n;
}

/* value_after_type - "rfc822; addr" -> "addr", "x-local-hostname; me"
 * -> "me" (the value whole when it has no type) */
static bk_str
value_after_type(bk_str v)
{
	size_t semi;

	v = bk__trim(v);
	if (v.ptr == NULL)
		return v;
	if (type_len(v, &semi) > 0) {
		v.len -= semi + 1;
		v.ptr += semi + 1;
	}
	return bk__trim(v);
}

/*
 * mta_name - the host of a Remote-MTA or Reporting-MTA value (its type
 * already dropped): RFC 3464 wants a name, but MTAs add what they know
 * of the connection, "mx.example.org [192.0.2.1]" (Courier),
 * "mx.example.org (TCP|192.0.2.9|25|...)" (Oracle's Messaging Server),
 * "mx.example.org. (2001:db8::1, the server for ...)" (Google).  The
 * first word is the host; an address literal "[192.0.2.1]" loses its
 * brackets and a name its final dot.  Nothing left: an empty slice.
 */
static bk_str
mta_name(bk_str v)
{
	size_t n = 0;

	if (v.ptr == NULL)
		return v;
	while (n < v.len && v.ptr[n] != '(' && v.ptr[n] != '\n' &&
	    v.ptr[n] != '\r' && !bk__is(v.ptr[n], BK_C_SPACE))
		n++;
	v.len = n;
	if (n >= 2 && v.ptr[0] == '[' && v.ptr[n - 1] == ']') {
		v.ptr++;
		v.len -= 2;
	} else if (n >= 2 && v.ptr[n - 1] == '.') {
		v.len--;
	}
	return v;
}

/* type_of - "smtp; 550 ..." -> "SMTP" as a slice of the field */
static bk_str
type_of(bk_str v)
{
	size_t semi, n;

	v = bk__trim(v);
	if (v.ptr == NULL)
		return v;
	n = type_len(v, &semi);
	return n > 0 ? bk__str(v.ptr, n) : BK_STR_NULL;
}

/*
 * relayed_type - the diagnostic type of @diag as typed @type: Postfix
 * before 2.x (and some of its forks) types a remote server's reply as
 * its own ("X-Postfix; host mx[192.0.2.1] said: 550 ..."); the text is
 * an SMTP reply all the same, so it is typed SMTP, as a current Postfix
 * types it.
 */
static bk_str
relayed_type(bk_str type, bk_str diag)
{
	static const char smtp[] = "SMTP";
	const char *said;

	if (type.ptr == NULL || !bk__ieq(type.ptr, type.len, "x-postfix") ||
	    diag.ptr == NULL || !bk__istarts(diag.ptr, diag.len, "host "))
		return type;
	said = bk__imemmem(diag.ptr, diag.len, " said: ", 7);
	if (said == NULL || (size_t)(diag.ptr + diag.len - said) < 10 ||
	    !bk__is(said[7], BK_C_DIGIT))
		return type;
	return bk__str(smtp, sizeof(smtp) - 1);
}

/* status_code - the code part of a Status field ("5.1.1 (bad)") */
static bk_str
status_code(bk_str v)
{
	bk_str s = bk__find_status(bk__trim(v));

	return s;
}

/*
 * The phrases that name the SMTP command a diagnostic blames start with
 * one of seven leads, whose first and third letters make seven
 * different pairs (cmd_pairs, in the order of cmd_leads): one pass over
 * the text (bk__ipairs) finds every place worth comparing.
 */
enum cmd_lead {
	L_REPLY, L_AFTER, L_DOES, L_MOST, L_BUT, L_FAILED, L_REFUSED, NLEADS
};

static const char *const cmd_leads[NLEADS] = {
	"in reply to ", "after ", "does not like recipient",
	"most progress was ", "but sender was rejected", "failed ",
	"refused to talk to me",
};
static const struct bk__ipairs cmd_pairs = {
	NLEADS, 2,
	{ BK_PAIR16('i'), BK_PAIR16('a'), BK_PAIR16('d'), BK_PAIR16('m'),
	  BK_PAIR16('b'), BK_PAIR16('f'), BK_PAIR16('r') },
	{ BK_PAIR16(' '), BK_PAIR16('t'), BK_PAIR16('e'), BK_PAIR16('s'),
	  BK_PAIR16('t'), BK_PAIR16('i'), BK_PAIR16('f') },
};

/* the phrases of the two common leads, the earliest in the table winning */
static const struct {
	enum cmd_lead lead;
	const char *rest;
	const char *cmd;
} cmd_map[] = {
	{ L_REPLY, "rcpt to", "RCPT" },
	{ L_AFTER, "rcpt to", "RCPT" },
	{ L_REPLY, "mail from", "MAIL" },
	{ L_AFTER, "mail from", "MAIL" },
	{ L_REPLY, "end of data", "DATA" },
	{ L_AFTER, "end of data", "DATA" },
	{ L_REPLY, "data", "DATA" },
	{ L_AFTER, "data", "DATA" },
	{ L_REPLY, "helo", "HELO" },
	{ L_REPLY, "ehlo", "EHLO" },
	{ L_AFTER, "helo", "HELO" },
	{ L_AFTER, "ehlo", "EHLO" },
	{ L_REPLY, "starttls", "STARTTLS" },
	{ L_AFTER, "starttls", "STARTTLS" },
	{ L_AFTER, "initial connection", "CONN" },
	{ L_AFTER, "pipelined", "DATA" },
	{ L_REPLY, "auth", "AUTH" },
	{ L_AFTER, "auth", "AUTH" },
	{ L_REPLY, "quit", "QUIT" },
	{ L_REPLY, "lhlo", "LHLO" },
	{ L_AFTER, "lhlo", "LHLO" },
	{ L_AFTER, "sending data", "DATA" },
	{ L_AFTER, "sending message", "DATA" },
	{ L_AFTER, "dot", "DATA" },
};

/*
 * bk__command_in - the SMTP command a diagnostic text blames, from the
 * usual phrasings ("in reply to RCPT TO command", "after end of data",
 * Exim's "SMTP error from remote mail server after RCPT TO:<a>:"): the
 * earliest phrase of cmd_map found anywhere.  Failing those, the step
 * qmail-remote names in its own words, the first of these found
 * anywhere winning: "x does not like recipient." (RCPT), qmail's
 * summary "most progress was RCPT TO" (RCPT), "Connected to x but
 * sender was rejected." or "most progress was MAIL FROM" (MAIL), "x
 * failed on DATA command" or "failed after I sent the message" (DATA);
 * and Postfix's refused greeting, "host x refused to talk to me: 421"
 * (CONN).
 */
bk_str
bk__command_in(bk_str t)
{
	const size_t nmap = sizeof(cmd_map) / sizeof(cmd_map[0]);
	int seen[NLEADS] = { 0 }, most = 0, failed = 0;
	size_t at, i, l, ll, left, best = nmap;

	if (t.ptr == NULL)
		return BK_STR_NULL;
	/* loop: at moves past each place a lead's letter pair starts */
	for (at = 0; (at = bk__ipairs(t.ptr, t.len, at, &cmd_pairs)) <
	    t.len; at++) {
		const char *q = t.ptr + at, *after;

		for (l = 0; l < NLEADS; l++)
			if ((q[0] | 0x20) == cmd_pairs.first[l][0])
				break;
		if (l == NLEADS || !bk__istarts(q, t.len - at, cmd_leads[l]))
			continue;
		seen[l] = 1;
		ll = strlen(cmd_leads[l]);
		after = q + ll;
		left = t.len - at - ll;
		if (l == L_REPLY || l == L_AFTER) {
			for (i = 0; i < best; i++)
				if (cmd_map[i].lead == l && bk__istarts(after,
				    left, cmd_map[i].rest))
					best = i;
		} else if (l == L_MOST) {
			if (bk__istarts(after, left, "rcpt to"))
				most = 1;
			else if (most == 0 && bk__istarts(after, left,
			    "mail from"))
				most = 2;
		} else if (l == L_FAILED) {
			if (bk__istarts(after, left, "on data command") ||
			    bk__istarts(after, left,
			    "after i sent the message"))
				failed = 1;
		}
	}
	if (best < nmap)
		return bk__cstr(cmd_map[best].cmd);
	if (seen[L_DOES] || most == 1)
		return bk__cstr("RCPT");
	if (most == 2 || seen[L_BUT])
		return bk__cstr("MAIL");
	if (failed)
		return bk__cstr("DATA");
	if (seen[L_REFUSED])
		return bk__cstr("CONN");
	return BK_STR_NULL;
}

/*
 * bk__status_prefer - which enhanced code to keep when the report field
 * and the remote's own text @text disagree.  The remote's code is the
 * more specific fact: reporting MTAs often write a generic "5.0.0", or
 * "4.4.7" (queue expired) over a remote "4.7.1".  When the classes
 * differ, the field wins (e.g. a temporary remote reply in a report that
 * finally gave up), unless the field is generic or the remote's reply
 * code in the same text has the class of its enhanced code ("550 5.5.0"
 * under a report's "Status: 4.5.0", Action failed): then the remote's
 * reply and code agree and the field is the odd one out.
 */
bk_str
bk__status_prefer(bk_str field, bk_str text)
{
	bk_str diag = bk__find_status(text);

	if (diag.ptr == NULL)
		return field;
	if (field.ptr == NULL || field.len < 5)
		return diag;
	if (field.ptr[0] != diag.ptr[0] && !(field.len == 5 &&
	    memcmp(field.ptr + 1, ".0.0", 4) == 0)) {
		int rc = bk__reply_code_for(text, diag);

		if (rc == 0 || rc / 100 != diag.ptr[0] - '0')
			return field;
	}
	return diag;
}

/* bk__fill_from_diagnostic - facts derived from the diagnostic text */
void
bk__fill_from_diagnostic(bk_record *r)
{
	if (r->diagnostic.ptr == NULL)
		return;
	if (r->command.ptr == NULL)
		r->command = bk__command_in(r->diagnostic);
	r->status = bk__status_prefer(r->status, r->diagnostic);
	/* "X-Unix; 255" is a program's exit status, not an SMTP reply */
	if (r->reply_code == 0 && !(r->diagnostic_type.ptr != NULL &&
	    bk__istarts(r->diagnostic_type.ptr, r->diagnostic_type.len,
	    "x-unix")))
		r->reply_code = bk__reply_code_for(r->diagnostic, r->status);
}

/* kind_of_action - RFC 3464 2.3.3 action to record kind */
static bk_kind
kind_of_action(bk_str a)
{
	a = bk__trim(a);
	if (a.ptr == NULL)
		return BK_KIND_BOUNCE;
	if (bk__istarts(a.ptr, a.len, "delayed"))
		return BK_KIND_DELAY;
	if (bk__istarts(a.ptr, a.len, "delivered") ||
	    bk__istarts(a.ptr, a.len, "relayed") ||
	    bk__istarts(a.ptr, a.len, "expanded"))
		return BK_KIND_DELIVERED;
	return BK_KIND_BOUNCE;
}

/*
 * generated_by - the address behind a Final-Recipient that is a file or
 * a pipe ("/var/mail/x", "|prog"): Exim names it in its text as
 * "save to /var/mail/x" followed by "generated by who@example.org".
 */
static bk_str
generated_by(bk__dctx *ctx, bk_str v)
{
	const char *at, *g, *end;
	size_t room;

	if (v.ptr == NULL || v.len < 2 || ctx->text.ptr == NULL)
		return BK_STR_NULL;
	at = bk__imemmem(ctx->text.ptr, ctx->text.len, v.ptr, v.len);
	if (at == NULL)
		return BK_STR_NULL;
	end = bk__str_end(ctx->text);
	room = (size_t)(end - at) > 400 ? 400 : (size_t)(end - at);
	g = bk__istr(at, room, "generated by ");
	if (g == NULL)
		return BK_STR_NULL;
	end = memchr(g, '\n', (size_t)(at + room - g));
	if (end == NULL)
		end = at + room;
	return bk__addr_find(g, (size_t)(end - g));
}

/* blank_lines - the blank lines (block ends) in [@p, @end), at most @max */
static size_t
blank_lines(const char *p, const char *end, size_t max)
{
	size_t n = 0;
	const char *q;

	/* loop: one line end a pass, until max blank lines */
	while (n < max && p < end &&
	    (q = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (q + 1 < end && q[1] == '\n')
			n++;
		p = q + 1;
	}
	return n;
}

/*
 * bk__decode_dsn_text - read delivery-status fields from @t and add a
 * record per recipient block.  Shared by the MIME part reader and by
 * vendor formats that paste the fields into plain text.
 */
int bk__decode_dsn_text(bk__dctx *ctx, bk_str t, const char *decoder);

/* the fields of a report block that bk__decode_dsn_text reads */
enum {
	F_FINAL, F_ORIG, F_ACTION, F_STATUS, F_REMOTE, F_DIAG, F_LAST,
	F_ACTUAL, F_REPORTING, F_ARRIVAL, F_SUPP, F_COUNT
};

/*
 * block_fields - the first value of each field of a report block, in
 * one pass over its fields: what bk__headers_get would return for each
 * name, without a scan per name.
 */
static void
block_fields(const bk__headers *h, bk_str out[F_COUNT])
{
	static const struct {
		const char *name;
		size_t len;
	} f[F_COUNT] = {
		{ "final-recipient", 15 }, { "original-recipient", 18 },
		{ "action", 6 }, { "status", 6 }, { "remote-mta", 10 },
		{ "diagnostic-code", 15 }, { "last-attempt-date", 17 },
		{ "x-actual-recipient", 18 }, { "reporting-mta", 13 },
		{ "arrival-date", 12 }, { "x-supplementary-info", 20 }
	};
	size_t i, k;

	for (k = 0; k < F_COUNT; k++)
		out[k] = BK_STR_NULL;
	for (i = 0; i < h->n; i++) {
		for (k = 0; k < F_COUNT; k++) {
			if (out[k].ptr == NULL && h->v[i].name.len ==
			    f[k].len && bk__ieq(h->v[i].name.ptr,
			    h->v[i].name.len, f[k].name)) {
				out[k] = h->v[i].value;
				break;
			}
		}
	}
}

/*
 * supplementary - Exchange's X-Supplementary-Info, "< #5.5.0 smtp;550
 * Requested action not taken: mailbox unavailable (...)>", as the
 * Diagnostic-Code it stands for ("smtp;550 ..."); BK_STR_NULL when it
 * is not of that form
 */
static bk_str
supplementary(bk_message *msg, bk_str v)
{
	const char *p, *end;

	v = bk__trim(bk__unfold(msg, v));
	if (v.len < 2 || v.ptr[0] != '<' || v.ptr[v.len - 1] != '>')
		return BK_STR_NULL;
	p = v.ptr + 1;
	end = v.ptr + v.len - 1;
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '#') {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	if (!bk__istarts(p, (size_t)(end - p), "smtp;"))
		return BK_STR_NULL;
	return bk__trim(bk__str(p, (size_t)(end - p)));
}

/*
 * one_failed - the address of an X-Failed-Recipients field of the bounce
 * that names exactly one (Exim and others write it), else an empty slice
 */
static bk_str
one_failed(bk_message *msg)
{
	return bk__addr_sole(bk__headers_get(&msg->root->headers,
	    "x-failed-recipients"));
}

int
bk__decode_dsn_text(bk__dctx *ctx, bk_str t, const char *decoder)
{
	bk_message *msg = ctx->msg;
	const char *p = t.ptr, *end = bk__str_end(t);
	bk__headers per_msg, blk;
	bk_str reporting = BK_STR_NULL, arrival = BK_STR_NULL, v;
	bk_str fv[F_COUNT], xfailed = BK_STR_NULL;
	int added = 0, blocks = 0, reserved = 0;

	if (p == NULL)
		return 0;
	while (p < end && (*p == '\n' || *p == ' ' || *p == '\t'))
		p++;
	if (bk__headers_parse(msg, &per_msg, &p, end) != 0)
		return BK_ENOMEM;
	xfailed = one_failed(msg);
	block_fields(&per_msg, fv);
	reporting = mta_name(value_after_type(fv[F_REPORTING]));
	arrival = fv[F_ARRIVAL];
	/* a report with no per-message block starts with a recipient */
	blk = per_msg;
	if (fv[F_FINAL].ptr == NULL && fv[F_ORIG].ptr == NULL)
		blk.n = 0;
	/* loop: each pass consumes one block; p only moves forward */
	for (;;) {
		/* a report of many recipients (16 read, more to come): the
		 * rest counted once and their array made for them all, not
		 * grown and copied block after block */
		if (blocks == 16 && !reserved) {
			reserved = 1;
			if (bk__dctx_reserve(ctx, ctx->nrec + blank_lines(p,
			    end, BK_LIMIT_DSN_RECIPIENTS) + 1) != 0)
				return BK_ENOMEM;
		}
		if (blk.n > 0) {
			bk_str fr, orr, diag, addr, la, vfr, vorr;
			bk_record *r;

			block_fields(&blk, fv);
			fr = fv[F_FINAL];
			orr = fv[F_ORIG];

			blocks++;
			if (blocks > BK_LIMIT_DSN_RECIPIENTS) {
				bk__message_damage(msg, BK_SEV_DAMAGED,
				    "too many recipient blocks in one report; "
				    "the rest were not read");
				break;
			}
			vfr = value_after_type(fr);
			vorr = value_after_type(orr);
			addr = bk__addr_only(vfr);
			if (addr.ptr == NULL)
				addr = bk__addr_find(vfr.ptr, vfr.len);
			if (addr.ptr == NULL)
				addr = bk__addr_find(vorr.ptr, vorr.len);
			if (addr.ptr == NULL && fr.ptr != NULL)
				addr = generated_by(ctx, vfr);
			/* a block that lost its recipient fields but states
			 * a failure, where the bounce names one failed
			 * address in its header: that address, once */
			if (addr.ptr == NULL && fr.ptr == NULL &&
			    orr.ptr == NULL && xfailed.ptr != NULL &&
			    (fv[F_ACTION].ptr != NULL ||
			    fv[F_STATUS].ptr != NULL)) {
				addr = xfailed;
				xfailed = BK_STR_NULL;
			}
			if (addr.ptr == NULL && fr.ptr == NULL &&
			    orr.ptr == NULL)
				goto next;
			r = bk__dctx_add(ctx, decoder);
			if (r == NULL)
				break;
			r->recipient = addr;
			if (orr.ptr != NULL)
				r->original_recipient = bk__addr_find(
				    vorr.ptr, vorr.len);
			r->action = bk__trim(fv[F_ACTION]);
			if (r->action.ptr != NULL) {
				/* "failed (bad mailbox)" -> "failed" */
				size_t k = 0;

				while (k < r->action.len &&
				    bk__is(r->action.ptr[k], BK_C_ALPHA))
					k++;
				r->action.len = k;
			}
			r->kind = kind_of_action(r->action);
			r->status = status_code(fv[F_STATUS]);
			v = mta_name(value_after_type(fv[F_REMOTE]));
			r->remote_mta = v.len ? v : BK_STR_NULL;
			r->reporting_mta = reporting.len ? reporting :
			    BK_STR_NULL;
			diag = fv[F_DIAG];
			if (diag.ptr == NULL && fv[F_SUPP].ptr != NULL) {
				/* Exchange's "X-Supplementary-Info: <
				 * #5.5.0 smtp;550 ...>" where the report has
				 * no Diagnostic-Code */
				diag = supplementary(msg, fv[F_SUPP]);
			}
			if (diag.ptr != NULL) {
				r->diagnostic_type = type_of(diag);
				r->diagnostic = bk__squeeze(msg,
				    bk__unfold(msg, value_after_type(diag)));
				if (r->diagnostic.len == 0)
					r->diagnostic = BK_STR_NULL;
				r->diagnostic_type = relayed_type(
				    r->diagnostic_type, r->diagnostic);
			}
			la = fv[F_LAST];
			if (la.ptr == NULL)
				la = arrival;
			if (la.ptr != NULL && bk__parse_date(la,
			    &r->timestamp, &r->tz_offset) == 0)
				r->has_timestamp = 1;
			bk__fill_from_diagnostic(r);
			/* delivery to a program ("|procmail ...") failed */
			v = value_after_type(fv[F_ACTUAL]);
			if (v.ptr == NULL || v.len == 0)
				v = vfr;
			if (v.ptr != NULL && v.len > 0 && v.ptr[0] == '|')
				r->reason_hint = BK_REASON_MAILERERROR;
			added++;
		}
next:
		while (p < end && (*p == '\n' || *p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		{
			const char *before = p;

			if (bk__headers_parse(msg, &blk, &p, end) != 0)
				return BK_ENOMEM;
			if (p == before) {
				/* a non-field line: skip it */
				const char *eol = memchr(p, '\n',
				    (size_t)(end - p));

				p = eol ? eol + 1 : end;
				blk.n = 0;
			}
		}
	}
	return added;
}

/* bk__decode_dsn - the message/delivery-status part */
int
bk__decode_dsn(bk__dctx *ctx)
{
	if (ctx->dsn == NULL)
		return 0;
	return bk__decode_dsn_text(ctx, bk__part_text(ctx->msg, ctx->dsn),
	    "rfc3464");
}

/*
 * bk__decode_dsn_bare - a delivery-status part with per-message fields
 * and no recipient block (Postfix: "--- Delivery report unavailable
 * ---"), when no reader found a recipient elsewhere: one record for the
 * report, its recipient left to the returned message's To.
 */
int
bk__decode_dsn_bare(bk__dctx *ctx)
{
	bk_str t, v;
	const char *p;
	bk__headers h;
	bk_record *r;

	if (ctx->dsn == NULL)
		return 0;
	t = bk__part_text(ctx->msg, ctx->dsn);
	if (t.ptr == NULL)
		return 0;
	p = t.ptr;
	while (p < bk__str_end(t) && (*p == '\n' || *p == ' ' || *p == '\t'))
		p++;
	if (bk__headers_parse(ctx->msg, &h, &p, bk__str_end(t)) != 0)
		return BK_ENOMEM;
	v = mta_name(value_after_type(bk__headers_get(&h, "reporting-mta")));
	if (v.ptr == NULL || v.len == 0)
		return 0;
	r = bk__dctx_add(ctx, "rfc3464");
	if (r == NULL)
		return BK_ENOMEM;
	r->reporting_mta = v;
	v = bk__headers_get(&h, "arrival-date");
	if (v.ptr != NULL && bk__parse_date(v, &r->timestamp,
	    &r->tz_offset) == 0)
		r->has_timestamp = 1;
	return 1;
}

/*
 * arf_like - complaints sent without a feedback-report part:
 * Microsoft's JMRP (the complained-of message attached, its recipient
 * in X-HmXmrOriginalRecipient) and Apple Mail's unsubscribe request
 * (X-Apple-Unsubscribe: true, sent by the recipient to the list's
 * opt-out address).
 */
static int
arf_like(bk__dctx *ctx)
{
	const bk__headers *h = &ctx->msg->root->headers;
	bk_str v = BK_STR_NULL, to;
	bk_record *r;

	if (ctx->has_orig)
		v = bk__headers_get(&ctx->orig_headers,
		    "x-hmxmroriginalrecipient");
	if (v.ptr != NULL) {
		r = bk__dctx_add(ctx, "arf");
		if (r == NULL)
			return BK_ENOMEM;
		r->kind = BK_KIND_FEEDBACK;
		r->reason_hint = BK_REASON_FEEDBACK;
		r->feedback_type = bk__cstr("abuse");
		r->recipient = bk__addr_find(v.ptr, v.len);
		return 1;
	}
	v = bk__trim(bk__headers_get(h, "x-apple-unsubscribe"));
	if (v.ptr == NULL || !bk__istarts(v.ptr, v.len, "true"))
		return 0;
	r = bk__dctx_add(ctx, "arf");
	if (r == NULL)
		return BK_ENOMEM;
	r->kind = BK_KIND_FEEDBACK;
	r->reason_hint = BK_REASON_FEEDBACK;
	r->feedback_type = bk__cstr("opt-out");
	r->recipient = bk__dctx_from_addr(ctx);
	to = bk__headers_value(ctx->msg, h, "to");
	if (to.ptr != NULL)
		r->sender = bk__addr_find(to.ptr, to.len);
	return 1;
}

/*
 * relay_host - the host that handed the report to us: the name after
 * "from" in the topmost Received field ("from fbl.example.net (...)").
 */
static bk_str
relay_host(bk__dctx *ctx)
{
	bk_str v = bk__trim(bk__headers_get(&ctx->msg->root->headers,
	    "received"));
	size_t e;

	if (v.ptr == NULL || !bk__istarts(v.ptr, v.len, "from "))
		return BK_STR_NULL;
	v = bk__trim(bk__str(v.ptr + 5, v.len - 5));
	for (e = 0; e < v.len && !bk__is(v.ptr[e], BK_C_SPACE | BK_C_EOL) &&
	    v.ptr[e] != '(' && v.ptr[e] != ';'; e++)
		;
	return e > 0 && memchr(v.ptr, '.', e) != NULL ? bk__str(v.ptr, e) :
	    BK_STR_NULL;
}

/* bk__decode_arf - RFC 5965 message/feedback-report */
int
bk__decode_arf(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk__headers h;
	bk_str t, v, rcpt;
	const char *p;
	bk_record *r;
	int added = 0;

	if (ctx->arf == NULL)
		return arf_like(ctx);
	t = bk__part_text(msg, ctx->arf);
	p = t.ptr;
	if (bk__headers_parse(msg, &h, &p, bk__str_end(t)) != 0)
		return BK_ENOMEM;
	r = bk__dctx_add(ctx, "arf");
	if (r == NULL)
		return BK_ENOMEM;
	r->kind = BK_KIND_FEEDBACK;
	r->reason_hint = BK_REASON_FEEDBACK;
	v = bk__trim(bk__headers_get(&h, "feedback-type"));
	r->feedback_type = v.ptr ? v : BK_STR_NULL;
	v = mta_name(value_after_type(bk__headers_get(&h, "reporting-mta")));
	r->reporting_mta = v.ptr && v.len ? v : relay_host(ctx);
	/* Source-IP: where the reported message came from */
	v = bk__trim(bk__headers_get(&h, "source-ip"));
	r->remote_mta = v.ptr && v.len ? v : BK_STR_NULL;
	v = bk__headers_get(&h, "original-rcpt-to");
	/* the ARF draft's opt-out report names whom to remove */
	if (v.ptr == NULL)
		v = bk__headers_get(&h, "removal-recipient");
	if (v.ptr != NULL) {
		rcpt = bk__addr_find(v.ptr, v.len);
		r->recipient = rcpt;
	}
	v = bk__headers_get(&h, "original-mail-from");
	if (v.ptr != NULL)
		r->sender = bk__addr_find(v.ptr, v.len);
	v = bk__headers_get(&h, "arrival-date");
	if (v.ptr == NULL)
		v = bk__headers_get(&h, "received-date");
	if (v.ptr != NULL && bk__parse_date(v, &r->timestamp,
	    &r->tz_offset) == 0)
		r->has_timestamp = 1;
	added = 1;
	if (r->recipient.ptr == NULL && ctx->has_orig) {
		v = bk__headers_get(&ctx->orig_headers, "to");
		if (v.ptr != NULL)
			r->recipient = bk__addr_find(v.ptr, v.len);
	}
	/*
	 * A report may name several recipients, one Original-Rcpt-To
	 * field each (RFC 5965 3.2: "may appear multiple times"): one
	 * record per recipient, sharing the report's other facts.
	 */
	if (r->recipient.ptr != NULL) {
		size_t i, first = ctx->nrec - 1;
		int seen = 0;

		for (i = 0; i < h.n; i++) {
			bk_record *nr;

			if (!bk__ieq(h.v[i].name.ptr, h.v[i].name.len,
			    "original-rcpt-to"))
				continue;
			rcpt = bk__addr_find(h.v[i].value.ptr,
			    h.v[i].value.len);
			if (seen++ == 0 || rcpt.ptr == NULL ||
			    bk__dctx_find(ctx, rcpt) != NULL)
				continue;
			nr = bk__dctx_add(ctx, "arf");
			if (nr == NULL)
				break;
			/* ctx->rec may have moved */
			*nr = ctx->rec[first];
			nr->recipient = rcpt;
			added++;
		}
	}
	return added;
}

/*
 * mdn_type - the disposition type of a Disposition field (RFC 8098 3.2.6:
 * "action-mode/sending-mode; type[/modifier]"), lower-case ASCII letters
 * copied into @buf (@cap bytes); "" when there is none
 */
static const char *
mdn_type(bk_str v, char *buf, size_t cap)
{
	const char *semi = v.ptr ? memchr(v.ptr, ';', v.len) : NULL;
	size_t n = 0;
	bk_str t;

	buf[0] = '\0';
	if (semi == NULL)
		return buf;
	t = bk__trim(bk__str(semi + 1, (size_t)(bk__str_end(v) - semi - 1)));
	/* loop: one letter per pass, at most cap - 1 */
	while (n < t.len && n + 1 < cap && bk__is(t.ptr[n], BK_C_ALPHA)) {
		buf[n] = (char)(t.ptr[n] | 0x20);
		n++;
	}
	buf[n] = '\0';
	return buf;
}

/*
 * bk__decode_mdn - a message disposition notification (RFC 8098) about
 * a message: "deleted" (or the older "denied", "failed") is a rejection
 * made after the message arrived, as Sieve's reject (RFC 5429) and
 * Dovecot's LDA send it ("Your message to <a@b> was automatically
 * rejected: ...", tests/mta/dovecot_e2e.sh): kind bounce, the stated
 * reason its diagnostic.  "displayed", "dispatched" or "processed" says
 * the message reached its reader (a read receipt): kind delivered.
 * Another type is left to the other readers.
 */
int
bk__decode_mdn(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk__headers h;
	bk_str t, v, rcpt;
	const char *p, *type, *semi;
	char buf[16];
	bk_record *r;
	int bounce;

	if (ctx->mdn == NULL)
		return 0;
	t = bk__part_text(msg, ctx->mdn);
	p = t.ptr;
	if (p == NULL)
		return 0;
	if (bk__headers_parse(msg, &h, &p, bk__str_end(t)) != 0)
		return BK_ENOMEM;
	v = bk__trim(bk__headers_get(&h, "disposition"));
	type = mdn_type(v, buf, sizeof(buf));
	if (strcmp(type, "deleted") == 0 || strcmp(type, "denied") == 0 ||
	    strcmp(type, "failed") == 0)
		bounce = 1;
	else if (strcmp(type, "displayed") == 0 ||
	    strcmp(type, "dispatched") == 0 || strcmp(type, "processed") == 0)
		bounce = 0;
	else
		return 0;
	rcpt = value_after_type(bk__headers_get(&h, "final-recipient"));
	rcpt = bk__addr_find(rcpt.ptr, rcpt.len);
	if (rcpt.ptr == NULL)
		return 0;
	r = bk__dctx_add(ctx, "mdn");
	if (r == NULL)
		return BK_ENOMEM;
	r->recipient = rcpt;
	v = value_after_type(bk__headers_get(&h, "original-recipient"));
	if (v.ptr != NULL)
		r->original_recipient = bk__addr_find(v.ptr, v.len);
	/* "Reporting-UA: mx.example.org; Dovecot Mail Delivery Agent" */
	v = bk__trim(bk__headers_get(&h, "reporting-ua"));
	semi = v.ptr ? memchr(v.ptr, ';', v.len) : NULL;
	if (semi != NULL)
		v.len = (size_t)(semi - v.ptr);
	v = mta_name(bk__trim(v));
	r->reporting_mta = v.len ? v : BK_STR_NULL;
	v = bk__msgid(bk__headers_get(&h, "original-message-id"));
	r->message_id = v.len ? v : BK_STR_NULL;
	if (bounce) {
		r->kind = BK_KIND_BOUNCE;
		r->action = bk__cstr("failed");
		bk__rejection_notice(ctx);
	} else {
		r->kind = BK_KIND_DELIVERED;
		r->action = bk__cstr("delivered");
		r->reason_hint = BK_REASON_DELIVERED;
	}
	if (r->diagnostic.ptr == NULL) {
		v = bk__trim(bk__headers_get(&h, "disposition"));
		r->diagnostic = v.len ? bk__squeeze(msg, v) : BK_STR_NULL;
	}
	return 1;
}

/* acknowledges - a subject that thanks for the message it answers */
static int
acknowledges(bk_str subj)
{
	static const char *const ack[] = {
		"thank you for your e-mail", "thank you for your email",
		"thank you for your message", "thanks for your e-mail",
		"thanks for your email", "thanks for your message",
		"thank you for contacting", NULL
	};
	size_t i;

	subj = bk__trim(subj);
	/* every phrase starts "thank": most subjects end here */
	if (subj.len < 20 || (subj.ptr[0] | 0x20) != 't' ||
	    !bk__istarts(subj.ptr, subj.len, "thank"))
		return 0;
	for (i = 0; ack[i] != NULL; i++)
		if (bk__istarts(subj.ptr, subj.len, ack[i]))
			return 1;
	return 0;
}

/* null_sender - the bounce's Return-Path is the null path "<>" */
static int
null_sender(const bk__headers *h)
{
	bk_str rp = bk__trim(bk__headers_get(h, "return-path"));

	return rp.ptr != NULL && rp.len == 2 && rp.ptr[0] == '<' &&
	    rp.ptr[1] == '>';
}

/*
 * autoreply - RFC 3834 auto-replies and vacation notices: Auto-Submitted:
 * auto-replied, X-Autoreply, X-Autorespond, Precedence: auto_reply, or a
 * subject that says so, on a message that carries no delivery report.
 * A text that says a message "could not be delivered" is taken for a
 * bounce that carries Auto-Submitted; @late is the second look, once no
 * reader found a bounce in it: then a field and the subject that both
 * say auto-reply, from a mailbox (not a mailer daemon or postmaster),
 * are an auto-reply whatever its words ("Automatic reply: ... Your
 * message could not be delivered to me personally").
 */
static int
autoreply(bk__dctx *ctx, int late)
{
	bk_message *msg = ctx->msg;
	const bk__headers *h = &msg->root->headers;
	/* the filter of the bounce's field names answers most at once */
	bk_str as = bk__trim(bk__vp_header(ctx, "auto-submitted"));
	bk_str subj = ctx->subject;
	int is_auto = 0, by_subject = 0;
	bk_record *r;
	/* with their lengths, shortest first (in bytes): a short Subject
	 * skips the long ones; the search folds ASCII letters only, so a
	 * word in another script is listed as it starts a subject and as
	 * it stands inside one */
#define M(s) { s, sizeof(s) - 1 }
	static const struct {
		const char *s;
		size_t len;
	} subj_marks[] = {
		M("auto:"), M("vacation"), M("autoreply"), M("auto reply"),
		M("auto-reply"), M("abwesenheit"), M("自动回复"),
		M("自動応答"), M("自動返信"), M("자동응답"),
		M("자동회신"), M("auto response"), M("auto-response"),
		M("out of office"), M("자동 회신"), M("automaatvastus"),
		M("automatic reply"), M("automatisk svar"),
		M("otomatik yanıt"), M("automatiskt svar"),
		M("balasan otomatis"), M("răspuns automat"),
		M("balasan automatik"), M("out of the office"),
		M("samodejni odgovor"), M("رد تلقائي"),
		M("automatski odgovor"), M("Автоответ"),
		M("автоответ"), M("automatikus válasz"),
		M("automatiska atbilde"), M("risposta automatica"),
		M("automatisch antwoord"), M("automatische antwort"),
		M("resposta automática"), M("réponse automatique"),
		M("automaattinen vastaus"), M("automatická odpoveď"),
		M("automatinis atsakymas"), M("automatyczna odpowied"),
		M("automātiskā atbilde"), M("respuesta automática"),
		M("automatická odpověď"), M("trả lời tự động"),
		M("Автовідповідь"),
		M("автовідповідь"),
		M("תשובה אוטומטית"),
		M("Αυτόματη απάντηση"),
		M("Автоматичен отговор"),
		M("автоматичен отговор"),
		M("Автоматический ответ"),
		M("автоматический ответ"),
	};
#undef M
	size_t i;

	if (as.ptr != NULL && bk__istarts(as.ptr, as.len, "auto-replied"))
		is_auto = 1;
	/* iCloud's vacation notice: "X-Apple-Action: VACATION" */
	{
		bk_str aa = bk__trim(bk__vp_header(ctx, "x-apple-action"));

		if (aa.ptr != NULL && bk__istarts(aa.ptr, aa.len, "vacation"))
			is_auto = 1;
	}
	if (bk__vp_header(ctx, "x-autoreply").ptr != NULL ||
	    bk__vp_header(ctx, "x-autorespond").ptr != NULL ||
	    bk__vp_header(ctx, "x-autoresponder").ptr != NULL)
		is_auto = 1;
	{
		bk_str prec = bk__trim(bk__vp_header(ctx, "precedence"));

		if (prec.ptr != NULL && bk__istarts(prec.ptr, prec.len,
		    "auto_reply"))
			is_auto = 1;
	}
	if ((!is_auto || late) && subj.ptr != NULL) {
		/* shortest first: none is longer than the subject */
		for (i = 0; i < sizeof(subj_marks) / sizeof(subj_marks[0]) &&
		    subj_marks[i].len <= subj.len; i++) {
			if (bk__imemmem(
			    subj.ptr, subj.len, subj_marks[i].s,
			    subj_marks[i].len) != NULL) {
				by_subject = 1;
				break;
			}
		}
	}
	/*
	 * An acknowledgement ("Thank you for your e-mail") is an automatic
	 * answer only when it was sent as one: with an auto header or with
	 * the null envelope sender that RFC 3834 3.3 asks of responders.
	 * The first look leaves it to the second, after every other reader.
	 */
	if (!is_auto && !by_subject && subj.ptr != NULL && acknowledges(subj)) {
		if (!late) {
			ctx->auto_words = 1;
			return 0;
		}
		if (null_sender(h))
			is_auto = by_subject = 1;
	}
	if (late ? !(is_auto && by_subject) : !(is_auto || by_subject))
		return 0;
	/* a bounce that merely carries Auto-Submitted is not an auto-reply */
	if (ctx->text.ptr != NULL && !late && (bk__istr(ctx->text.ptr,
	    ctx->text.len, "could not be delivered") ||
	    bk__istr(ctx->text.ptr, ctx->text.len, "couldn't be delivered") ||
	    bk__istr(ctx->text.ptr, ctx->text.len, "delivery has failed") ||
	    bk__istr(ctx->text.ptr, ctx->text.len,
	    "following address(es) failed"))) {
		ctx->auto_words = 1;
		return 0;
	}
	if (ctx->text.ptr != NULL && bk__istr(ctx->text.ptr, ctx->text.len,
	    "final-recipient:"))
		return 0;
	/* a postmaster's notice is no one's auto-reply */
	if (ctx->from.ptr != NULL && bk__istr(ctx->from.ptr, ctx->from.len,
	    "postmaster@") != NULL)
		return 0;
	/* nor a Sieve or LDA rejection sent as a disposition notification
	 * (RFC 5429: "auto-replied (rejected)", "Your message to <a@b> was
	 * automatically rejected: Quota exceeded") */
	if (bk__istr(as.ptr, as.len, "(rejected)") != NULL ||
	    bk__dctx_mark(ctx, BK__MARK_REJECTED) != NULL)
		return 0;
	/* nor is a report of the mail system (whose MIME may be broken) */
	if (ctx->from.ptr != NULL && bk__istr(ctx->from.ptr, ctx->from.len,
	    "mailer-daemon@") != NULL)
		return 0;
	/* the auto-replying mailbox is the one that was written to */
	r = bk__auto_record(ctx, "rfc3834", bk__addr_find(ctx->from.ptr,
	    ctx->from.len));
	if (r == NULL)
		return BK_ENOMEM;
	r->reason_hint = BK_REASON_VACATION;
	return 1;
}

/* bk__auto_record - see decode_int.h */
bk_record *
bk__auto_record(bk__dctx *ctx, const char *decoder, bk_str recipient)
{
	bk_message *msg = ctx->msg;
	const bk__headers *h = &msg->root->headers;
	bk_record *r = bk__dctx_add(ctx, decoder);
	bk_str to, irt;

	if (r == NULL)
		return NULL;
	r->kind = BK_KIND_AUTOREPLY;
	r->recipient = recipient;
	to = bk__headers_value(msg, h, "to");
	if (to.ptr != NULL)
		r->sender = bk__addr_find(to.ptr, to.len);
	r->diagnostic = bk__squeeze(msg, bk__str(ctx->text.ptr,
	    ctx->text.len > 400 ? 400 : ctx->text.len));
	if (r->diagnostic.len == 0)
		r->diagnostic = BK_STR_NULL;
	/* the message answered (RFC 3834 3.1.5: In-Reply-To names it) */
	irt = bk__msgid(bk__headers_value(msg, h, "in-reply-to"));
	if (irt.ptr != NULL && irt.len > 0)
		r->message_id = irt;
	return r;
}

/* bk__decode_autoreply - see decode_int.h */
int
bk__decode_autoreply(bk__dctx *ctx)
{
	return autoreply(ctx, 0);
}

/* bk__decode_autoreply_late - see decode_int.h */
int
bk__decode_autoreply_late(bk__dctx *ctx)
{
	/* only what the first look left for its words */
	return ctx->auto_words ? autoreply(ctx, 1) : 0;
}
