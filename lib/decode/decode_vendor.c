/*
 * decode_vendor.c - formats that need their own reader, recognised by
 * their markers before the generic readers run, and the enrichment of
 * RFC 3464 records from the notification text.
 */
#include "decode/decode_int.h"

_Static_assert(BK__MARK_N <= 63, "BK__VR_ANY must be no marker's bit");

/*
 * bk__decode_vendor - try the vendor readers of each family table in
 * turn; the first that adds records wins.  Each reader checks its own
 * markers first and returns 0 quickly when the message is not its kind;
 * a reader whose gate (bk__vendor_reader) the message does not pass is
 * not called at all, as it would return 0 before any other work.  The
 * markers are scanned once here (the first reader would scan them
 * anyway); the text does not change while the readers run.
 */
int
bk__decode_vendor(bk__dctx *ctx)
{
	const bk__vendor_reader *const tables[] = {
		bk__vendor_mta, bk__vendor_provider
	};
	const bk__vendor_reader *d;
	/* the gates this message passes, and the one it fails */
	uint64_t pass = bk__dctx_marks(ctx)->seen | BK__VR_ANY;
	/* a report part that names no recipient (emptied on its way, as
	 * some archives do) leaves the notice to the readers of text */
	unsigned fail = ctx->dsn_named ? BK__VR_NO_DSN : BK__VR_DSN;
	size_t t;
	int rc;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		/* loop: d walks the table up to its NULL-named end */
		for (d = tables[t]; d->name != NULL; d++) {
			if ((pass & d->marks) == 0 || (d->need & fail) != 0)
				continue;
			rc = d->decode(ctx);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/*
 * message_phrases - the first occurrences of the three expiry phrases of
 * bk__format_hints that hold the word "message", found in one search
 * for that word: @mp[2] "cannot send message for", @mp[3] "message
 * could not be delivered for", @mp[5] "message is too old".
 */
static void
message_phrases(bk_str raw, const char *mp[6])
{
	static const char c2[] = "cannot send message for";
	static const char c3[] = "message could not be delivered for";
	static const char c5[] = "message is too old";
	const char *p = raw.ptr, *end = bk__str_end(raw), *q;

	/* loop: p moves past each occurrence of "message" */
	while (p < end && (q = bk__imemmem(p, (size_t)(end - p), "message",
	    7)) != NULL) {
		if (mp[2] == NULL && q - raw.ptr >= 12 && bk__istarts(q - 12,
		    (size_t)(end - q + 12), c2))
			mp[2] = q - 12;
		if (mp[3] == NULL && bk__istarts(q, (size_t)(end - q), c3))
			mp[3] = q;
		if (mp[5] == NULL && bk__istarts(q, (size_t)(end - q), c5))
			mp[5] = q;
		p = q + 1;
	}
}

/*
 * bk__format_hints - reasons that an MTA states in its own words, about
 * its own queue or local delivery, which no remote reply carries:
 * Exim's "retry timeout exceeded" and "all hosts ... have been failing
 * for a long time", Sendmail's "Cannot send message for 5 days",
 * qmail's "this message has been in the queue too long", OpenSMTPD's
 * "Envelope expired" (its queue's lifetime ran out), Postfix's
 * "delivery temporarily suspended" at expiry; and a local delivery to
 * a pipe or program that failed.  An expiry stated after a cause
 * ("mailbox is full: retry timeout exceeded") leaves the cause to the
 * classifier, and so does a permanent remote reply: the remote said
 * why.  A temporary one ("421 ... Deferred") only said why an attempt
 * failed; the message came back because its time in the queue ran out.
 */
void
bk__format_hints(bk_record *r, bk_str raw)
{
	static const char *const expired[] = {
		"retry timeout exceeded",
		"have been failing for a long time",
		"cannot send message for",
		"message could not be delivered for",
		"has been in the queue too long",
		"message is too old",
		"could not be delivered within",
		"envelope expired",
		NULL
	};
	static const char *const program[] = {
		"pipe to |", "unknown mailer error", NULL
	};
	const char *m, *c, *mp[6] = { NULL };
	size_t i;

	if (raw.ptr == NULL || r->reason_hint != BK_REASON_UNDEFINED)
		return;
	for (i = 0; program[i] != NULL; i++) {
		if (bk__istr(raw.ptr, raw.len, program[i]) != NULL) {
			r->reason_hint = BK_REASON_MAILERERROR;
			return;
		}
	}
	for (i = 0; expired[i] != NULL; i++) {
		if (i == 2)
			message_phrases(raw, mp);
		m = (i == 2 || i == 3 || i == 5) ? mp[i] :
		    bk__istr(raw.ptr, raw.len, expired[i]);
		if (m == NULL)
			continue;
		/* "<cause>: retry timeout exceeded" names its cause */
		c = m;
		while (c > raw.ptr && c[-1] == ' ')
			c--;
		if (c > raw.ptr && c[-1] == ':' && bk__find_reply_code(
		    bk__str(raw.ptr, (size_t)(c - raw.ptr))) == 0 &&
		    i == 0)
			return;
		if (r->reply_code / 100 != 5)
			r->reason_hint = BK_REASON_EXPIRED;
		return;
	}
}

/*
 * bk__rejection_notice - Dovecot's LDA and Sieve "reject" write the reason
 * for refusing a message as the whole notice:
 *
 *	Your message to <who@example.org> was automatically rejected:
 *	Not enough disk space
 *
 * That statement is the deliverer's own verdict, made after whatever a
 * report part says, so it is the diagnostic of a lone recipient and
 * the only source of its reply code (it has none here).
 */
void
bk__rejection_notice(bk__dctx *ctx)
{
	static const char mark[] = "was automatically rejected:";
	bk_str t = ctx->text, why, line;
	const char *m, *p, *end, *start, *last, *eol;
	bk_record *r;

	if (ctx->nrec != 1 || !bk__dctx_mark(ctx, BK__MARK_REJECTED))
		return;
	m = bk__istr(t.ptr, t.len, mark);
	if (m == NULL || bk__istr(t.ptr, (size_t)(m - t.ptr),
	    "your message to") == NULL)
		return;
	end = bk__str_end(t);
	/* the reason: the rest of the line, then lines to a blank one */
	start = m + sizeof(mark) - 1;
	last = start;
	p = start;
	/* loop: p moves one line forward per pass */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		line = bk__trim(bk__str(p, (size_t)(eol - p)));
		p = eol < end ? eol + 1 : end;
		if (line.len == 0 && last > start)
			break;
		if (line.len > 0)
			last = bk__str_end(line);
	}
	why = bk__squeeze(ctx->msg, bk__str(start, (size_t)(last - start)));
	if (why.len == 0)
		return;
	r = &ctx->rec[0];
	r->diagnostic = why;
	r->reply_code = bk__reply_code_for(why, r->status);
}

/*
 * bk__vendor_enrich - complete report records from the notification
 * text.  Many MTAs write the remote reply and the failed command only
 * in the human-readable part (Postfix: "<a@b>: host x said: 550 ...
 * (in reply to RCPT TO command)"; Exim: "SMTP error from remote mail
 * server after RCPT TO:"; Sendmail: its session transcript).  Each
 * record takes the paragraph that names its address; gaps only are
 * filled, except that a specific enhanced code in the text replaces a
 * generic one of the report (bk__status_prefer).
 */
void
bk__vendor_enrich(bk__dctx *ctx)
{
	bk_str t = ctx->text, region;
	bk__tblock *blk;
	size_t nblk, i, k;

	if (t.ptr == NULL || t.len == 0)
		return;
	bk__exim_enrich(ctx);
	region = bk__str(t.ptr, bk__dctx_cut(ctx));
	if (bk__dctx_blocks(ctx, &blk, &nblk) != 0)
		return;
	for (i = 0; i < ctx->nrec && nblk > 0; i++) {
		bk_record *r = &ctx->rec[i];
		long f = bk__dctx_block_find(ctx, r->recipient);

		if (f < 0)
			continue;
		k = (size_t)f;
		/* the text reader's own record of this block: it has all the
		 * block gives already, but the format's hints */
		if (strcmp(r->decoder, "text") == 0 &&
		    r->diagnostic.ptr == blk[k].diag.ptr &&
		    r->diagnostic.len == blk[k].diag.len) {
			bk__format_hints(r, blk[k].raw);
			continue;
		}
		if (r->command.ptr == NULL)
			r->command = bk__command_in(blk[k].raw);
		if (r->diagnostic.ptr == NULL) {
			r->diagnostic = blk[k].diag;
		} else if (blk[k].diag.ptr != NULL) {
			/* the text may hold the code the report lacks */
			r->status = bk__status_prefer(r->status,
			    blk[k].diag);
			if (r->reply_code == 0)
				r->reply_code = bk__reply_code_for(
				    blk[k].diag, r->status);
		}
		bk__fill_from_diagnostic(r);
		bk__format_hints(r, blk[k].raw);
	}
	bk__transcript_enrich(ctx, region);
	bk__rejection_notice(ctx);
}
