/*
 * decode_text.c - the generic reader of notification text.
 *
 * Most MTAs that do not write RFC 3464 still follow one shape: a preface,
 * then for each failed recipient a line naming the address (bare, in
 * angle brackets, or followed by a colon or "..."), then the error text,
 * then a marker and a copy of the message.  This reader finds that shape
 * without knowing the MTA: it cuts the text before the returned message,
 * takes address lines as recipients and the lines after each as its
 * diagnostic.  Vendor decoders handle what this cannot.
 */
#include "decode/decode_int.h"

bk_str bk__vp_line(const char **pp, const char *end);


/*
 * bk__text_cut - length of the notification before the returned copy:
 * the start of the line holding the earliest cut marker (BK__MARKS).
 */
size_t
bk__text_cut(bk_str t)
{
	bk__marks m;

	if (t.ptr == NULL || t.len == 0)
		return t.len;
	bk__marks_scan(&m, t);
	return bk__marks_cut(&m, t);
}

/*
 * recipient_line - is this line a recipient heading?  Returns the address
 * and sets *rest to what follows it on the line (error text, if any).
 */
static bk_str
recipient_line(bk_str line, bk_str *rest)
{
	bk_str t, a;
	const char *e;
	size_t k;

	*rest = BK_STR_NULL;
	/* every form below holds an address, so an '@' */
	if (line.ptr == NULL || memchr(line.ptr, '@', line.len) == NULL)
		return BK_STR_NULL;
	t = bk__trim(line);
	/* a forwarded bounce quoted with "> " reads as the original */
	while (t.len > 0 && t.ptr[0] == '>' && (t.len == 1 ||
	    t.ptr[1] == ' ' || t.ptr[1] == '>'))
		t = bk__trim(bk__str(t.ptr + 1, t.len - 1));
	if (t.len < 3 || t.len > 1000)
		return BK_STR_NULL;
	/*
	 * Sendmail's own verdict lines put the reply first:
	 * "550 <a@b>... User unknown", "554 5.0.0 <a@b>... text".
	 */
	if (t.len > 6 && bk__is(t.ptr[0], BK_C_DIGIT) &&
	    bk__is(t.ptr[1], BK_C_DIGIT) && bk__is(t.ptr[2], BK_C_DIGIT) &&
	    t.ptr[3] == ' ') {
		bk_str s = bk__find_status(bk__str(t.ptr + 4,
		    t.len - 4 > 12 ? 12 : t.len - 4));
		size_t skip = 4;

		if (s.ptr == t.ptr + 4)
			skip += s.len;
		while (skip < t.len && t.ptr[skip] == ' ')
			skip++;
		if (skip < t.len && t.ptr[skip] == '<') {
			t.ptr += skip;
			t.len -= skip;
		}
	}
	/* "<addr>:" "addr:" "<addr>" "addr" alone */
	k = t.len;
	while (k > 0 && (t.ptr[k - 1] == ':' || t.ptr[k - 1] == ' '))
		k--;
	a = bk__addr_only(bk__str(t.ptr, k));
	if (a.ptr != NULL)
		return a;
	/* "<addr>: text" / "<addr>... text" / "addr (text)" */
	a = bk__addr_find(t.ptr, t.len);
	if (a.ptr == NULL)
		return BK_STR_NULL;
	/*
	 * "Mailbox is full: <a@b>": a sentence, then the address closing
	 * the line.  A header field ("From: <a@b>") has no blank in its
	 * name, so the text before ": " must hold one.
	 */
	if (a.ptr > t.ptr + 3 && a.ptr[-1] == '<' && bk__str_end(a) + 1 ==
	    bk__str_end(t) && t.ptr[t.len - 1] == '>' && a.ptr[-2] == ' ' &&
	    a.ptr[-3] == ':' && memchr(t.ptr, ' ', (size_t)(a.ptr - 3 -
	    t.ptr)) != NULL && memchr(t.ptr, '@', (size_t)(a.ptr -
	    t.ptr)) == NULL) {
		*rest = bk__str(t.ptr, (size_t)(a.ptr - 3 - t.ptr));
		return a;
	}
	/*
	 * "Did not reach the following recipient: a@b": a sentence that
	 * names the recipient, then the bare address closing the line.
	 */
	if (a.ptr > t.ptr + 2 && bk__str_end(a) == bk__str_end(t) &&
	    a.ptr[-1] == ' ' && a.ptr[-2] == ':' && memchr(t.ptr, ' ',
	    (size_t)(a.ptr - 2 - t.ptr)) != NULL && bk__istr(t.ptr,
	    (size_t)(a.ptr - t.ptr), "recipient") != NULL &&
	    memchr(t.ptr, '@', (size_t)(a.ptr - t.ptr)) == NULL) {
		*rest = BK_STR_NULL;
		return a;
	}
	/*
	 * "Failed to deliver to '<a@b>'" (CommuniGate Pro): the address,
	 * quoted or not, closes the line; the reason is the next line.
	 */
	if (bk__istarts(t.ptr, t.len, "failed to deliver to ") &&
	    memchr(t.ptr, '@', (size_t)(a.ptr - t.ptr)) == NULL) {
		e = bk__str_end(a);
		if (e < bk__str_end(t) && *e == '>')
			e++;
		if (e < bk__str_end(t) && (*e == '\'' || *e == '"'))
			e++;
		if (e == bk__str_end(t))
			return a;
	}
	if (a.ptr > t.ptr + 1 || (a.ptr == t.ptr + 1 && t.ptr[0] != '<'))
		return BK_STR_NULL;
	e = bk__str_end(a);
	if (e < bk__str_end(t) && *e == '>')
		e++;
	if (e >= bk__str_end(t))
		return a;
	/* "a@b ... unknown host" */
	if (*e == ' ' && bk__str_end(t) - e >= 4 && memcmp(e, " ...", 4) == 0)
		e++;
	if (*e == ':' ||
	    (bk__str_end(t) - e >= 3 && memcmp(e, "...", 3) == 0)) {
		while (e < bk__str_end(t) && (*e == ':' || *e == '.' ||
		    *e == ' '))
			e++;
		*rest = bk__str(e, (size_t)(bk__str_end(t) - e));
		return a;
	}
	return BK_STR_NULL;
}

/*
 * is_own_address - the bounce's own To/From: not a failed recipient.
 * The addresses are read once a message (From's, then To's, the first
 * BK__OWN_MAX in all), so that each question costs a few compares of the
 * address's own length, not a search of the fields: a notice may ask it
 * for thousands of lines.
 */
static int
is_own_address(bk__dctx *ctx, bk_str a)
{
	size_t i;

	if (!ctx->own_done) {
		bk_str f[2];
		size_t j;

		/* every address of From (its display name may look like
		 * one), then of To */
		f[0] = ctx->from;
		f[1] = bk__headers_get(&ctx->msg->root->headers, "to");
		ctx->own_done = 1;
		for (j = 0; j < 2; j++) {
			const char *p = f[j].ptr, *end = bk__str_end(f[j]);
			bk_str o;

			/* loop: p moves past one address each time */
			while (p != NULL && p < end &&
			    ctx->nown < BK__OWN_MAX) {
				o = bk__addr_find(p, (size_t)(end - p));
				if (o.ptr == NULL)
					break;
				ctx->own[ctx->nown++] = o;
				p = bk__str_end(o);
			}
		}
	}
	for (i = 0; i < ctx->nown; i++)
		if (bk__addr_same(ctx->own[i], a))
			return 1;
	return 0;
}

/*
 * is_section - a line that titles a section of the notification,
 * set between runs of dashes ("   ----- Transcript of session follows
 * -----"): it ends the recipient paragraph before it.
 */
static int
is_section(bk_str line)
{
	bk_str t = bk__trim(line);

	return t.len >= 10 && memcmp(t.ptr, "---", 3) == 0 &&
	    memcmp(bk__str_end(t) - 3, "---", 3) == 0 &&
	    bk__is(t.ptr[t.len / 2], BK_C_ALPHA | BK_C_SPACE);
}

/*
 * collect - the diagnostic lines following the heading of @addr.  A
 * line naming another recipient ends them; one starting with @addr
 * again is the error text wrapped ("said: 550 5.2.1\n<a@b>... User
 * Unknown"), while a verdict line ("554 <a@b>... text") is not.
 */
static bk_str
collect(bk__dctx *ctx, const char *p, const char *end, const char **stop,
    size_t indent, bk_str addr)
{
	const char *start = NULL, *last = NULL, *eol;
	bk_str rest, a;
	size_t ind;

	/* loop: p moves one line forward each time */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (bk__trim(bk__str(p, (size_t)(eol - p))).len == 0) {
			if (start != NULL)
				break;
		} else if (is_section(bk__str(p, (size_t)(eol - p)))) {
			/*
			 * "----- Transcript of session follows -----" after
			 * the paragraph starts the next section; before it,
			 * a title, not part of the error text.
			 */
			if (start != NULL)
				break;
		} else {
			/* a line indented deeper than the heading goes on */
			for (ind = 0; p + ind < eol && (p[ind] == ' ' ||
			    p[ind] == '\t'); ind++)
				;
			a = ind <= indent ? recipient_line(bk__str(p,
			    (size_t)(eol - p)), &rest) : BK_STR_NULL;
			if (a.ptr != NULL && (a.len != addr.len ||
			    bk__imemmem(a.ptr, a.len, addr.ptr,
			    addr.len) == NULL || a.ptr > p + ind + 1))
				break;
			if (start == NULL)
				start = p;
			last = eol;
		}
		p = eol < end ? eol + 1 : end;
	}
	*stop = p;
	if (start == NULL)
		return BK_STR_NULL;
	return bk__squeeze(ctx->msg, bk__str(start, (size_t)(last - start)));
}

/*
 * The blocks' address index: from BLK_HASH_MIN blocks on, an open-
 * addressing table of block indexes (plus one; 0 is empty) on a hash of
 * the address with ASCII case folded, at most half full.  A report of
 * thousands of recipients then finds each address in a few compares: a
 * list searched for every new block and every record made decoding it
 * quadratic.
 */
#define BLK_HASH_MIN 16

/* blk_put - file block @k of @v in @slot (its empty slots end a probe) */
static void
blk_put(uint32_t *slot, size_t mask, const bk__tblock *v, size_t k)
{
	size_t s;

	/* invariant: at most half full, so an empty slot ends the probe */
	for (s = bk__addr_hash(v[k].addr) & mask; slot[s] != 0;
	    s = (s + 1) & mask)
		;
	slot[s] = (uint32_t)(k + 1);
}

/* blk_index - index @v[0..n) afresh in a table of @size (a power of two,
 * at least 2 n) slots from the arena; NULL when out of memory */
static uint32_t *
blk_index(bk_message *msg, const bk__tblock *v, size_t n, size_t size)
{
	uint32_t *slot = bk__arena_zalloc(msg->arena, size * sizeof(*slot));
	size_t k;

	for (k = 0; slot != NULL && k < n; k++)
		blk_put(slot, size - 1, v, k);
	return slot;
}

/* blk_find - the index of @a among @v[0..n), or -1 */
static long
blk_find(const bk__tblock *v, size_t n, const uint32_t *slot, size_t mask,
    bk_str a)
{
	size_t s, k;

	if (slot == NULL) {
		for (k = 0; k < n; k++)
			if (bk__addr_same(v[k].addr, a))
				return (long)k;
		return -1;
	}
	/* invariant: the table is at most half full: an empty slot ends */
	for (s = bk__addr_hash(a) & mask; slot[s] != 0; s = (s + 1) & mask)
		if (bk__addr_same(v[slot[s] - 1].addr, a))
			return (long)(slot[s] - 1);
	return -1;
}

/* bk__dctx_block_find - see decode_int.h */
long
bk__dctx_block_find(bk__dctx *ctx, bk_str addr)
{
	bk__tblock *blk;
	size_t n;

	if (addr.ptr == NULL || bk__dctx_blocks(ctx, &blk, &n) != 0)
		return -1;
	return blk_find(blk, n, ctx->blk_slot, ctx->blk_mask, addr);
}

/* diag_of - a paragraph's error text: the rest of its heading line
 * (@rest), then the lines under it (@d, ending at @stop) */
static bk_str
diag_of(bk_message *msg, bk_str d, bk_str rest, const char *stop)
{
	if (rest.len == 0)
		return d;
	if (d.ptr == NULL)
		return rest;
	return bk__squeeze(msg, bk__str(rest.ptr, (size_t)(stop - rest.ptr)));
}

/*
 * bk__text_blocks - the recipient paragraphs of a notification: each
 * heading line naming an address, with what follows it on the line and
 * on the next non-blank lines.  An address seen twice keeps its first
 * paragraph.  The array lives in the arena.
 */
int
bk__text_blocks(bk__dctx *ctx, bk_str region, bk__tblock **out, size_t *n)
{
	bk_message *msg = ctx->msg;
	const char *p, *end, *eol, *stop, *at;
	bk__tblock *v = NULL, *nv;
	size_t cnt = 0, cap = 0, ind, mask = 0;
	uint32_t *slot = NULL;
	bk_str a, rest, d, dd;
	long k;

	*out = NULL;
	*n = 0;
	if (region.ptr == NULL)
		return 0;
	p = region.ptr;
	end = bk__str_end(region);
	/* loop: p moves forward at least one line per pass */
	while (p < end && cnt < BK_LIMIT_RECIPIENTS) {
		/* a heading holds an '@': go to the next line with one */
		at = memchr(p, '@', (size_t)(end - p));
		if (at == NULL)
			break;
		while (at > p && at[-1] != '\n')
			at--;
		p = at;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		a = recipient_line(bk__str(p, (size_t)(eol - p)), &rest);
		if (a.ptr == NULL) {
			p = eol < end ? eol + 1 : end;
			continue;
		}
		for (ind = 0; p + ind < eol && (p[ind] == ' ' ||
		    p[ind] == '\t'); ind++)
			;
		d = collect(ctx, eol < end ? eol + 1 : end, end, &stop, ind,
		    a);
		/*
		 * The bounce's own To/From is not a failed recipient, unless
		 * the line is a heading of its own ("<a@b>:", qmail and Exim)
		 * with an error under it: a mailbox bouncing to itself.
		 */
		if (is_own_address(ctx, a)) {
			bk_str ln = bk__trim(bk__str(p, (size_t)(eol - p)));

			if (!(rest.len == 0 && ln.len > 0 &&
			    ln.ptr[ln.len - 1] == ':' && d.ptr != NULL &&
			    d.len > 0)) {
				p = eol < end ? eol + 1 : end;
				continue;
			}
		}
		k = blk_find(v, cnt, slot, mask, a);
		if (k >= 0) {
			/* the same recipient further on (Exchange's "Diagnostic
			 * information for administrators"): a remote reply
			 * there says more than the first paragraph's words */
			if (v[k].coded == 0)
				v[k].coded = v[k].diag.ptr != NULL &&
				    bk__find_reply_code(v[k].diag) != 0 ?
				    1 : -1;
			if (v[k].coded < 0 &&
			    (d.ptr != NULL || rest.len > 0)) {
				dd = diag_of(msg, d, rest, stop);
				if (bk__find_reply_code(dd) != 0) {
					v[k].diag = dd;
					v[k].coded = 1;
					v[k].raw = bk__squeeze(msg, bk__str(p,
					    (size_t)(stop - p)));
				}
			}
			p = eol < end ? eol + 1 : end;
			continue;
		}
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 8;

			nv = bk__arena_alloc(msg->arena, ncap * sizeof(*nv));
			if (nv == NULL) {
				ctx->oom = 1;
				return BK_ENOMEM;
			}
			if (cnt)
				memcpy(nv, v, cnt * sizeof(*nv));
			v = nv;
			cap = ncap;
		}
		v[cnt].addr = a;
		v[cnt].raw = bk__squeeze(msg, bk__str(p, (size_t)(stop - p)));
		dd = diag_of(msg, d, rest, stop);
		v[cnt].diag = dd.ptr != NULL && dd.len > 0 ? dd : BK_STR_NULL;
		v[cnt].coded = 0;
		cnt++;
		if (cnt >= BLK_HASH_MIN && 2 * cnt > mask) {
			/* (re)index, the table at least four times cnt */
			size_t size = 64;

			while (size < 4 * cnt)
				size *= 2;
			slot = blk_index(msg, v, cnt, size);
			if (slot == NULL) {
				ctx->oom = 1;
				return BK_ENOMEM;
			}
			mask = size - 1;
		} else if (slot != NULL) {
			blk_put(slot, mask, v, cnt - 1);
		}
		p = eol < end ? eol + 1 : end;
	}
	ctx->blk_slot = slot;
	ctx->blk_mask = mask;
	*out = v;
	*n = cnt;
	return 0;
}

/* bk__dctx_cut - see decode_int.h */
size_t
bk__dctx_cut(bk__dctx *ctx)
{
	if (!ctx->cut_done) {
		/* the scan for the readers' markers finds the cut too */
		ctx->cut = bk__marks_cut(bk__dctx_marks(ctx), ctx->text);
		ctx->cut_done = 1;
	}
	return ctx->cut;
}

/* bk__dctx_from_addr - see decode_int.h */
bk_str
bk__dctx_from_addr(bk__dctx *ctx)
{
	if (!ctx->from_addr_done) {
		ctx->from_addr = bk__addr_find(ctx->from.ptr, ctx->from.len);
		ctx->from_addr_done = 1;
	}
	return ctx->from_addr;
}

/* bk__dctx_blocks - see decode_int.h */
int
bk__dctx_blocks(bk__dctx *ctx, bk__tblock **out, size_t *n)
{
	int rc;

	if (!ctx->blk_done) {
		rc = bk__text_blocks(ctx, bk__str(ctx->text.ptr,
		    bk__dctx_cut(ctx)), &ctx->blk, &ctx->nblk);
		if (rc != 0) {
			*out = NULL;
			*n = 0;
			return rc;
		}
		ctx->blk_done = 1;
	}
	*out = ctx->blk;
	*n = ctx->nblk;
	return 0;
}

/*
 * because - the reason a notification gives for all its recipients in
 * a paragraph of its own, after a line ending "because:" or "because
 * of" (Lotus Domino: "was not delivered to: / a@b / because: / User
 * ... not listed"; MailMarshal: "Could not be delivered because of /
 * 550 5.1.1 User unknown / The following recipients were affected:").
 */
static bk_str
because(bk_message *msg, bk_str region)
{
	const char *p = region.ptr, *end = bk__str_end(region);
	const char *start = NULL, *last = NULL;
	bk_str l;

	if (p == NULL)
		return BK_STR_NULL;
	/* loop: bk__vp_line moves p one line forward each pass */
	while (p < end) {
		l = bk__trim(bk__vp_line(&p, end));
		if (start == NULL) {
			if (l.len >= 8 && (bk__ieq(bk__str_end(l) - 8, 8,
			    "because:") || (l.len >= 10 && bk__ieq(l.ptr +
			    l.len - 10, 10, "because of"))))
				start = p;
			continue;
		}
		if (l.len == 0) {
			if (last != NULL)
				break;
			start = p;
			continue;
		}
		last = bk__str_end(l);
	}
	if (start == NULL || last == NULL || last <= start)
		return BK_STR_NULL;
	return bk__squeeze(msg, bk__str(start, (size_t)(last - start)));
}

/*
 * lone_reply - the one line of @region that is an SMTP error reply
 * ("535 Invalid login: ..."), when there is exactly one: the notice's
 * only statement of what went wrong, wherever it stands ("Remote server
 * returned:\n535 ...\n\nFailed recipient: a@b").  An empty slice when
 * there is none or more than one.
 */
static bk_str
lone_reply(bk_message *msg, bk_str region)
{
	const char *p = region.ptr, *end = bk__str_end(region);
	bk_str l, found = BK_STR_NULL;

	if (p == NULL)
		return BK_STR_NULL;
	/* loop: bk__vp_line moves p one line forward each pass */
	while (p < end) {
		l = bk__trim(bk__vp_line(&p, end));
		if (l.len < 8 || (l.ptr[0] != '4' && l.ptr[0] != '5') ||
		    !bk__is(l.ptr[1], BK_C_DIGIT) ||
		    !bk__is(l.ptr[2], BK_C_DIGIT) ||
		    (l.ptr[3] != ' ' && l.ptr[3] != '-'))
			continue;
		if (found.ptr != NULL)
			return BK_STR_NULL;
		found = l;
	}
	return found.ptr != NULL ? bk__squeeze(msg, found) : found;
}

/*
 * warns - does the notice say the message is still being tried?  A
 * warning names the recipient in the same shape as a failure, so only
 * its words tell them apart: Exim's and Postfix's delay warnings, most
 * gateways' "this is a warning" and the subject line of such notices.
 */
static int
warns(bk__dctx *ctx, bk_str region)
{
	static const bk__mark_id text[] = {
		BK__MARK_WARN_CONTINUE, BK__MARK_WARN_JUST, BK__MARK_WARN_ONLY,
		BK__MARK_WARN_ATTEMPT, BK__MARK_WARN_RETRIED,
		BK__MARK_WARN_NOTYET
	};
	static const char *const subj[] = {
		"warning: message",
		"delayed mail",
		"delivery delayed",
		"(delay)",
		"delivery status notification (delay",
		"delivery warning",
		NULL
	};
	bk_str subject = ctx->subject;
	const char *at;
	size_t i;

	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		at = bk__dctx_mark(ctx, text[i]);
		if (at != NULL && at < bk__str_end(region))
			return 1;
	}
	for (i = 0; subject.ptr != NULL && subj[i] != NULL; i++)
		if (bk__istr(subject.ptr, subject.len, subj[i]) != NULL)
			return 1;
	return 0;
}

/*
 * expanded - Sendmail names an alias's address under the one it was
 * expanded to: "a@b\n    (expanded from: <alias@c>)".  That line is
 * the original recipient, not an error text; the error is then the
 * transcript's first reply line ("<<< 550 ..." or Sendmail's own verdict
 * "554 Too many hops 26 (25 max): ...").
 */
static void
expanded(bk__dctx *ctx, bk_record *r, bk_str region)
{
	bk_str d = r->diagnostic, a;
	const char *t, *p, *end = bk__str_end(region), *eol;

	if (d.ptr == NULL || !bk__istarts(d.ptr, d.len, "(expanded from"))
		return;
	a = bk__addr_find(d.ptr, d.len);
	if (a.ptr != NULL && r->original_recipient.ptr == NULL)
		r->original_recipient = a;
	if (bk__find_reply_code(d) != 0)
		return;
	r->diagnostic = BK_STR_NULL;
	t = bk__dctx_mark(ctx, BK__MARK_TRANSCRIPT);
	if (t == NULL || t >= end)
		return;
	/* loop: p moves one line forward each time */
	for (p = t; p < end; p = eol < end ? eol + 1 : end) {
		const char *c = p;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		/* the server's own words ("<<< 550 ...") or the verdict */
		if (eol - c > 4 && memcmp(c, "<<< ", 4) == 0)
			c += 4;
		if (eol - c > 4 && (c[0] == '4' || c[0] == '5') &&
		    bk__is(c[1], BK_C_DIGIT) && bk__is(c[2], BK_C_DIGIT) &&
		    (c[3] == ' ' || c[3] == '-')) {
			r->diagnostic = bk__squeeze(ctx->msg,
			    bk__str(c, (size_t)(eol - c)));
			return;
		}
	}
}

/* bk__decode_text - see file comment */
int
bk__decode_text(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str t = ctx->text, region, a, fr, why = BK_STR_NULL;
	bk__tblock *blk;
	size_t nblk, i, cut;
	int added = 0;
	bk_record *r;

	if (t.ptr == NULL || t.len == 0)
		return 0;
	cut = bk__dctx_cut(ctx);
	if (!ctx->has_orig)
		bk__dctx_orig_from_text(ctx, t.ptr + cut, t.len - cut);
	region = bk__str(t.ptr, cut);
	/* RFC 3464 fields pasted into the text */
	if (bk__istr(region.ptr, region.len, "final-recipient:") != NULL) {
		const char *f = bk__istr(region.ptr, region.len,
		    "reporting-mta:");

		if (f == NULL)
			f = bk__istr(region.ptr, region.len,
			    "final-recipient:");
		while (f > region.ptr && f[-1] != '\n')
			f--;
		added = bk__decode_dsn_text(ctx, bk__str(f,
		    (size_t)(bk__str_end(region) - f)), "text");
		if (added != 0)
			return added;
	}
	if (bk__dctx_blocks(ctx, &blk, &nblk) != 0)
		return BK_ENOMEM;
	for (i = 0; i < nblk; i++) {
		r = bk__dctx_add(ctx, "text");
		if (r == NULL)
			break;
		r->recipient = blk[i].addr;
		r->diagnostic = blk[i].diag;
		/*
		 * The paragraph under the address may be the "because:"
		 * line itself or an unrelated trailer ("Additional
		 * Information"): the stated reason is better then.
		 */
		if (i == 0)
			why = because(msg, region);
		if (why.ptr != NULL && (r->diagnostic.ptr == NULL ||
		    bk__istarts(r->diagnostic.ptr, r->diagnostic.len,
		    "because") || (bk__find_reply_code(r->diagnostic) == 0 &&
		    bk__find_reply_code(why) != 0)))
			r->diagnostic = why;
		expanded(ctx, r, region);
		/* a lone recipient whose paragraph states no code: the
		 * notice's one reply line, wherever it stands */
		if (nblk == 1 && (r->diagnostic.ptr == NULL ||
		    (bk__find_reply_code(r->diagnostic) == 0 &&
		    bk__find_status(r->diagnostic).ptr == NULL))) {
			bk_str lone = lone_reply(msg, region);

			if (lone.ptr != NULL)
				r->diagnostic = lone;
		}
		r->command = bk__command_in(blk[i].raw);
		bk__fill_from_diagnostic(r);
		added++;
	}
	if (added > 0 && warns(ctx, region))
		for (i = 0; i < (size_t)added; i++) {
			r = &ctx->rec[ctx->nrec - (size_t)added + i];
			r->kind = BK_KIND_DELAY;
			r->action = bk__cstr("delayed");
		}
	if (added == 0) {
		/* X-Failed-Recipients (Exim and others) */
		fr = bk__headers_get(&msg->root->headers,
		    "x-failed-recipients");
		if (fr.ptr != NULL) {
			a = bk__addr_find(fr.ptr, fr.len);
			if (a.ptr != NULL) {
				r = bk__dctx_add(ctx, "text");
				if (r == NULL)
					return BK_ENOMEM;
				r->recipient = a;
				added++;
			}
		}
	}
	return added;
}

/*
 * The last resort, bk__decode_notice: a notice that plainly reports a
 * failed delivery (its sender is a mailer daemon or postmaster, or its
 * subject says so) but names the recipient only inside a sentence
 * ("Sorry, unable to deliver your message to a@b for the following
 * reason", "Local mailbox a@b is unavailable", "(Originally addressed to
 * a@b)").  The addresses of the notice, before the returned copy, are
 * the failed recipients, but for the bounce's own To and From, mailer
 * daemons and postmasters, and the fields of a quoted header block.  A
 * notice naming more than NOTICE_MAX such addresses is not read this
 * way: a list of them is no statement about any one; nor is a notice
 * naming more than NOTICE_SEEN_MAX addresses of any kind.
 */
#define NOTICE_MAX 4
/* addresses looked at, skipped ones included: each costs a search of the
 * bounce's To and From, so a notice cannot make that quadratic */
#define NOTICE_SEEN_MAX 64
#define NOTICE_DIAG_LINES 6
#define NOTICE_DIAG_BYTES 400

/* notice_sender - is the bounce from a delivery system, by its From or
 * subject? */
static int
notice_sender(const bk__dctx *ctx)
{
	static const char *const from[] = {
		"mailer-daemon", "mailer_daemon", "postmaster",
		"mail delivery", "delivery subsystem", "mdaemon", NULL
	};
	static const char *const subj[] = {
		"undeliver", "delivery fail", "failure notice",
		"returned mail", "not delivered", "could not be delivered",
		"non-delivery", "nondeliver", "delivery status",
		"delivery problem", "delivery failure", "mail failure",
		"user unknown", "returned to sender", NULL
	};
	size_t i;

	for (i = 0; ctx->from.ptr != NULL && from[i] != NULL; i++)
		if (bk__istr(ctx->from.ptr, ctx->from.len, from[i]) != NULL)
			return 1;
	for (i = 0; ctx->subject.ptr != NULL && subj[i] != NULL; i++)
		if (bk__istr(ctx->subject.ptr, ctx->subject.len,
		    subj[i]) != NULL)
			return 1;
	return 0;
}

/* quoted_field - a line of a header block quoted in the notice */
static int
quoted_field(bk_str line)
{
	static const char *const names[] = {
		"from:", "to:", "cc:", "bcc:", "reply-to:", "sender:",
		"return-path:", "message-id:", "received:", "date:",
		"subject:", "in-reply-to:", "references:", "delivered-to:",
		"x-", "envelope-to:", NULL
	};
	bk_str t = bk__trim(line);
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (bk__istarts(t.ptr, t.len, names[i]))
			return 1;
	return 0;
}

/*
 * cued - do the words around an address speak of a failed delivery?
 * @win is the address's line with the two non-blank lines before it and
 * the line after it.  "address" alone is no cue: notices also explain
 * address forms ("the standard form of address here is a@b").
 */
static int
cued(bk_str win)
{
	static const char *const cue[] = {
		"deliver", "recipient", "mailbox", "addressed", "unknown",
		"fail", "reject", "unavailable", "quota", "no such",
		"not found", "error", "valid", "bounce", "returned", NULL
	};
	size_t i;

	for (i = 0; cue[i] != NULL; i++)
		if (bk__istr(win.ptr, win.len, cue[i]) != NULL)
			return 1;
	return 0;
}

/* not_recipient - an address the notice names that failed nothing */
static int
not_recipient(bk__dctx *ctx, bk_str a, const char *line)
{
	static const char *const system[] = {
		"postmaster@", "mailer-daemon@", "mailer_daemon@", NULL
	};
	size_t i, run = 0;
	const char *w;

	for (i = 0; system[i] != NULL; i++)
		if (bk__istarts(a.ptr, a.len, system[i]))
			return 1;
	/* in a link: "https://example.net/x/a@b" */
	if (a.ptr > line && a.ptr[-1] == '/')
		return 1;
	/* the sender: "not accepting mail from a@b", but not an alias's
	 * origin ("(generated from a@b)", "expanded from") */
	w = a.ptr;
	while (w > line && (w[-1] == ' ' || w[-1] == '<' || w[-1] == '\t'))
		w--;
	if (w - line >= 5 && bk__istarts(w - 5, 5, " from") &&
	    !(w - line >= 14 && bk__istarts(w - 14, 10, "generated ")) &&
	    !(w - line >= 13 && bk__istarts(w - 13, 9, "expanded ")))
		return 1;
	/* a message identifier: a long run of digits in the local part */
	for (i = 0; i < a.len && a.ptr[i] != '@'; i++) {
		run = bk__is(a.ptr[i], BK_C_DIGIT) ? run + 1 : 0;
		if (run >= 8 || a.ptr[i] == '$')
			return 1;
	}
	return is_own_address(ctx, a);
}

/*
 * notice_diag - the text about the address on the line at @p: that line
 * and the lines after it, up to NOTICE_DIAG_LINES lines in at most two
 * paragraphs (a line ending in "reason:" is often followed by a blank
 * line, then the reason) and NOTICE_DIAG_BYTES bytes.
 */
static bk_str
notice_diag(bk_message *msg, const char *p, const char *end)
{
	const char *start = p, *last = p, *eol;
	size_t lines = 0, paras = 1;
	int blank = 0;

	/* loop: p moves one line forward each time */
	while (p < end && lines < NOTICE_DIAG_LINES &&
	    (size_t)(p - start) < NOTICE_DIAG_BYTES) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (bk__trim(bk__str(p, (size_t)(eol - p))).len == 0) {
			blank = 1;
		} else {
			if (blank && ++paras > 2)
				break;
			blank = 0;
			last = eol;
			lines++;
		}
		p = eol < end ? eol + 1 : end;
	}
	if ((size_t)(last - start) > NOTICE_DIAG_BYTES)
		last = start + NOTICE_DIAG_BYTES;
	return bk__squeeze(msg, bk__str(start, (size_t)(last - start)));
}

/*
 * strip_route - an address written with its transport before it, as
 * X.400 and Exchange name one ("dda:SMTP=a@b", "SMTP:a@b"): the address
 */
static bk_str
strip_route(bk_str a)
{
	if (a.len > 5 && (bk__istarts(a.ptr, a.len, "smtp=") ||
	    bk__istarts(a.ptr, a.len, "smtp:"))) {
		a.ptr += 5;
		a.len -= 5;
	}
	return a;
}

/* bk__decode_notice - see above */
int
bk__decode_notice(bk__dctx *ctx)
{
	bk_str t = ctx->text, region, a, addr[NOTICE_MAX];
	const char *p, *end, *eol, *q, *at[NOTICE_MAX];
	const char *back1 = NULL, *back2 = NULL;
	size_t n = 0, i, cut, seen = 0;
	bk_record *r;
	int delayed;

	if (t.ptr == NULL || t.len == 0)
		return 0;
	cut = bk__dctx_cut(ctx);
	region = bk__str(t.ptr, cut);
	/* no address in the notice: nothing to read (most non-bounces) */
	if (memchr(region.ptr, '@', region.len) == NULL || !notice_sender(ctx))
		return 0;
	p = region.ptr;
	end = bk__str_end(region);
	/* loop: p moves one line forward each time; q along the line */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (memchr(p, '@', (size_t)(eol - p)) != NULL &&
		    !quoted_field(bk__str(p, (size_t)(eol - p)))) {
			/* the window: two non-blank lines back, one on */
			const char *we = eol < end ? memchr(eol + 1, '\n',
			    (size_t)(end - eol - 1)) : NULL;
			bk_str win = bk__str(back2 ? back2 : back1 ? back1 : p,
			    0);

			int cue = -1;  /* the window's cue, read once */

			win.len = (size_t)((we != NULL ? we : end) - win.ptr);
			for (q = p; q < eol; q = bk__str_end(a)) {
				a = bk__addr_find(q, (size_t)(eol - q));
				if (a.ptr == NULL)
					break;
				if (++seen > NOTICE_SEEN_MAX)
					return 0;  /* a list: see above */
				a = strip_route(a);
				if (not_recipient(ctx, a, p))
					continue;
				if (cue < 0)
					cue = cued(win);
				if (!cue)
					break;
				/* the same address again (any case) */
				for (i = 0; i < n; i++)
					if (bk__addr_same(addr[i], a))
						break;
				if (i < n)
					continue;
				if (n == NOTICE_MAX)
					return 0;  /* a list: see above */
				addr[n] = a;
				at[n++] = p;
			}
		}
		if (bk__trim(bk__str(p, (size_t)(eol - p))).len > 0) {
			back2 = back1;
			back1 = p;
		}
		p = eol < end ? eol + 1 : end;
	}
	if (n == 0)
		return 0;
	delayed = warns(ctx, region);
	for (i = 0; i < n; i++) {
		r = bk__dctx_add(ctx, "text");
		if (r == NULL)
			return ctx->oom ? BK_ENOMEM : (int)i;
		r->recipient = addr[i];
		r->diagnostic = notice_diag(ctx->msg, at[i], end);
		if (r->diagnostic.len == 0)
			r->diagnostic = BK_STR_NULL;
		r->command = bk__command_in(r->diagnostic);
		bk__fill_from_diagnostic(r);
		if (delayed) {
			r->kind = BK_KIND_DELAY;
			r->action = bk__cstr("delayed");
		}
	}
	return (int)n;
}
