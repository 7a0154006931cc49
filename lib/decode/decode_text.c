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

/* is_own_address - the bounce's own To/From: not a failed recipient */
static int
is_own_address(bk__dctx *ctx, bk_str a)
{
	bk_message *msg = ctx->msg;
	bk_str to = bk__headers_get(&msg->root->headers, "to");

	if (to.ptr != NULL && a.len > 0 && bk__imemmem(to.ptr, to.len,
	    a.ptr, a.len) != NULL)
		return 1;
	if (ctx->from.ptr != NULL && bk__imemmem(ctx->from.ptr,
	    ctx->from.len, a.ptr, a.len) != NULL)
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
	size_t cnt = 0, cap = 0, k, ind;
	bk_str a, rest, d;

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
		for (k = 0; k < cnt; k++) {
			if (v[k].addr.len == a.len && bk__imemmem(v[k].addr.ptr,
			    a.len, a.ptr, a.len) != NULL)
				break;
		}
		if (k < cnt) {
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
		if (rest.len > 0) {
			if (d.ptr == NULL)
				d = rest;
			else
				d = bk__squeeze(msg, bk__str(rest.ptr,
				    (size_t)(stop - rest.ptr)));
		}
		v[cnt].diag = d.ptr != NULL && d.len > 0 ? d : BK_STR_NULL;
		cnt++;
		p = eol < end ? eol + 1 : end;
	}
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
	const char *p = region.ptr, *end = bk__str_end(region), *eol;
	const char *start = NULL, *last = NULL;
	bk_str l;

	if (p == NULL)
		return BK_STR_NULL;
	/* loop: p moves one line forward each pass */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		l = bk__trim(bk__str(p, (size_t)(eol - p)));
		p = eol < end ? eol + 1 : end;
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
		r->command = bk__command_in(blk[i].raw);
		bk__fill_from_diagnostic(r);
		added++;
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
