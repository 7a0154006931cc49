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

int bk__decode_dsn_text(bk__dctx *ctx, bk_str t, const char *decoder);

/* markers that introduce the returned message or its headers */
static const char *const orig_markers[] = {
	"below this line is a copy of the message",
	"this is a copy of the message",
	"original message follows",
	"----- original message -----",
	"-----original message-----",
	"original message headers",
	"------ this is a copy of",
	"undelivered message headers",
	"the original message was received",
	"--- the header of the original message is following",
	"message headers follow",
	"----- transcript of session follows",
	"the headers of the original message",
	"------- returned message --------",
	"returned mail follows",
	"original message:",
	"unsent message below",
	"your message reads",
	NULL
};

/* bk__text_cut - length of the notification before the returned copy */
size_t bk__text_cut(bk_str t);

size_t
bk__text_cut(bk_str t)
{
	size_t best = t.len, i;
	const char *m;

	for (i = 0; orig_markers[i] != NULL; i++) {
		if (i == 10 || i == 8)
			continue;  /* transcript and "received" stay in */
		m = bk__istr(t.ptr, best, orig_markers[i]);
		if (m != NULL) {
			/* cut at the start of the marker's line */
			while (m > t.ptr && m[-1] != '\n')
				m--;
			best = (size_t)(m - t.ptr);
		}
	}
	return best;
}

/*
 * recipient_line - is this line a recipient heading?  Returns the address
 * and sets *rest to what follows it on the line (error text, if any).
 */
static bk_str
recipient_line(bk_str line, bk_str *rest)
{
	bk_str t = bk__trim(line), a;
	const char *e;
	size_t k;

	*rest = BK_STR_NULL;
	if (t.len < 3 || t.len > 1000)
		return BK_STR_NULL;
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
	if (a.ptr > t.ptr + 1 || (a.ptr == t.ptr + 1 && t.ptr[0] != '<'))
		return BK_STR_NULL;
	e = a.ptr + a.len;
	if (e < t.ptr + t.len && *e == '>')
		e++;
	if (e >= t.ptr + t.len)
		return a;
	if (*e == ':' || (t.ptr + t.len - e >= 3 && memcmp(e, "...", 3) == 0)) {
		while (e < t.ptr + t.len && (*e == ':' || *e == '.' ||
		    *e == ' '))
			e++;
		*rest = bk__str(e, (size_t)(t.ptr + t.len - e));
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

/* add_diag - collect diagnostic lines following a recipient heading */
static bk_str
collect(bk__dctx *ctx, const char *p, const char *end, const char **stop)
{
	const char *start = NULL, *last = NULL, *eol;
	bk_str rest;
	int blank = 0;

	/* loop: p moves one line forward each time */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (bk__trim(bk__str(p, (size_t)(eol - p))).len == 0) {
			if (start != NULL)
				blank++;
			if (blank >= 1 && start != NULL)
				break;
		} else {
			if (recipient_line(bk__str(p, (size_t)(eol - p)),
			    &rest).ptr != NULL && start != NULL)
				break;
			if (recipient_line(bk__str(p, (size_t)(eol - p)),
			    &rest).ptr != NULL && start == NULL)
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

/* bk__decode_text - see file comment */
int
bk__decode_text(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str t = ctx->text, region, rest, a, fr;
	const char *p, *end, *eol, *stop;
	int added = 0;
	size_t cut;
	bk_record *r;

	if (t.ptr == NULL || t.len == 0)
		return 0;
	cut = bk__text_cut(t);
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
		    (size_t)(region.ptr + region.len - f)), "text");
		if (added != 0)
			return added;
	}
	p = region.ptr;
	end = region.ptr + region.len;
	/* loop: p moves forward at least one line per pass */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		a = recipient_line(bk__str(p, (size_t)(eol - p)), &rest);
		if (a.ptr == NULL || is_own_address(ctx, a) ||
		    bk__dctx_find(ctx, a) != NULL) {
			p = eol < end ? eol + 1 : end;
			continue;
		}
		r = bk__dctx_add(ctx, "text");
		if (r == NULL)
			break;
		r->recipient = a;
		r->diagnostic = collect(ctx, eol < end ? eol + 1 : end, end,
		    &stop);
		if (rest.len > 0) {
			if (r->diagnostic.ptr == NULL)
				r->diagnostic = rest;
			else
				r->diagnostic = bk__squeeze(msg, bk__str(
				    rest.ptr, (size_t)(r->diagnostic.ptr +
				    r->diagnostic.len - rest.ptr)));
		}
		added++;
		p = eol < end ? eol + 1 : end;
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
	for (cut = 0; cut < ctx->nrec; cut++) {
		r = &ctx->rec[cut];
		if (r->diagnostic.ptr == NULL)
			continue;
		r->status = bk__find_status(r->diagnostic);
		r->reply_code = bk__find_reply_code(r->diagnostic);
	}
	return added;
}
