/*
 * explain.c - a classified record explained for people (text) and for
 * machines (JSON), from the classifier's knowledge.
 *
 * Invariants: every byte that comes from the bounce (diagnostic, evidence,
 * addresses, host names) passes through put_text() or bk__json_fput(), which
 * never emit a control byte, an escape sequence or invalid UTF-8: those
 * become \xNN (text) or JSON escapes / U+FFFD.  Knowledge texts go through
 * the same writers (a user's rules file is not trusted either).  Text is
 * wrapped at the requested width and no line is wider: display columns
 * are counted per code point (East Asian wide ones 2, \xNN 4), words
 * longer than a line (URLs, host names, base64) are cut at the width,
 * never inside a UTF-8 sequence or an escape, and continue indented.
 * Nothing is allocated.
 */
#include <stdio.h>
#include <string.h>

#include "bouncekit/errors.h"
#include "bouncekit/explain.h"
#include "util/util_int.h"

/* Bytes of untrusted text quoted in an explanation. */
#define QUOTE_MAX 240

/* ANSI styles, used only with BK_EXPLAIN_COLOR. */
#define SGR_BOLD "\033[1m"
#define SGR_HEAD "\033[1;36m"
#define SGR_BAD "\033[1;31m"
#define SGR_WARN "\033[1;33m"
#define SGR_OFF "\033[0m"

struct out {
	const bk_classifier *cls;
	FILE *fp;
	unsigned flags;
	int width;
	size_t col;                /* columns written on the current line */
};

/* utf8_len - length of a UTF-8 character at @p that may go to a
 * terminal (bk__utf8_len, and the C1 controls U+0080..U+009F are
 * controls too), 0 if not */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	size_t n = bk__utf8_len(p, left);

	if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
		return 0;
	return n;
}

/*
 * put_text - untrusted bytes for a terminal: printable ASCII and valid
 * UTF-8 as they are, everything else as \xNN; at most @max bytes of input
 * (then "..."); white space runs become one space.  Returns the columns
 * written.
 */
static size_t
put_text(FILE *fp, const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, cols = 0;
	int space = 0;

	if (s == NULL)
		return 0;
	if (max > 0 && len > max)
		len = max;
	else
		max = 0;
	/* invariant: p[0..i) has been written */
	while (i < len) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
		    p[i] == '\r') {
			if (!space && cols > 0) {
				fputc(' ', fp);
				cols++;
			}
			space = 1;
			i++;
			continue;
		}
		space = 0;
		if (p[i] >= 0x80 && (n = utf8_len(p + i, len - i)) > 0) {
			fwrite(p + i, 1, n, fp);
			i += n;
			cols++;
			continue;
		}
		if (p[i] < 0x20 || p[i] >= 0x7f) {
			fprintf(fp, "\\x%02x", p[i]);
			cols += 4;
		} else {
			fputc(p[i], fp);
			cols++;
		}
		i++;
	}
	if (max > 0) {
		fputs("...", fp);
		cols += 3;
	}
	return cols;
}

/*
 * Wide code points: East Asian Wide and Fullwidth (UAX #11) blocks and the
 * emoji that terminals draw two columns wide.  The main ranges only: a
 * code point missing here is counted one column, so the table errs on the
 * narrow side only for rare scripts.
 */
static const struct {
	unsigned lo, hi;
} wide[] = {
	{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a },
	{ 0x23e9, 0x23ec }, { 0x25fd, 0x25fe }, { 0x2614, 0x2615 },
	{ 0x2648, 0x2653 }, { 0x26aa, 0x26ab }, { 0x26bd, 0x26be },
	{ 0x26f5, 0x26f5 }, { 0x26fa, 0x26fa }, { 0x2705, 0x2705 },
	{ 0x270a, 0x270b }, { 0x2728, 0x2728 }, { 0x274c, 0x274c },
	{ 0x2753, 0x2755 }, { 0x2795, 0x2797 }, { 0x2b1b, 0x2b1c },
	{ 0x2b50, 0x2b50 }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff },
	{ 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
	{ 0xa960, 0xa97f }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff },
	{ 0xfe10, 0xfe19 }, { 0xfe30, 0xfe6f }, { 0xff00, 0xff60 },
	{ 0xffe0, 0xffe6 }, { 0x16fe0, 0x18cff }, { 0x1b000, 0x1b2ff },
	{ 0x1f004, 0x1f004 }, { 0x1f0cf, 0x1f0cf }, { 0x1f18e, 0x1f18e },
	{ 0x1f191, 0x1f19a }, { 0x1f200, 0x1f251 }, { 0x1f300, 0x1f64f },
	{ 0x1f680, 0x1f6ff }, { 0x1f7e0, 0x1f7eb }, { 0x1f90c, 0x1f9ff },
	{ 0x1fa70, 0x1faff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
};

/* cp_cols - display columns of the valid UTF-8 sequence at @p (@n bytes) */
static size_t
cp_cols(const unsigned char *p, size_t n)
{
	unsigned cp;
	size_t lo = 0, hi = sizeof(wide) / sizeof(wide[0]), mid;

	if (n < 3)
		return 1;
	if (n == 3)
		cp = (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 |
		    (p[2] & 0x3fu);
	else
		cp = (p[0] & 0x07u) << 18 | (p[1] & 0x3fu) << 12 |
		    (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu);
	/* binary search; invariant: the range, if any, is in [lo, hi) */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cp < wide[mid].lo)
			hi = mid;
		else if (cp > wide[mid].hi)
			lo = mid + 1;
		else
			return 2;
	}
	return 1;
}

/* is_hex - an ASCII hex digit */
static int
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/*
 * unit - the smallest piece of text that is never split: one valid UTF-8
 * code point (1 or 2 columns), one byte that put_text() shows as \xNN (4
 * columns), or an escape put_text() already wrote ("\x1b", 4 columns, so
 * that quoted text is not split inside its escapes).  Returns its bytes.
 */
static size_t
unit(const unsigned char *p, size_t left, size_t *cols)
{
	size_t n;

	if (p[0] == '\\' && left >= 4 && p[1] == 'x' && is_hex(p[2]) &&
	    is_hex(p[3])) {
		*cols = 4;
		return 4;
	}
	n = p[0] >= 0x80 ? utf8_len(p, left) : 0;
	if (n > 0) {
		*cols = cp_cols(p, n);
		return n;
	}
	*cols = p[0] < 0x20 || p[0] >= 0x7f ? 4 : 1;
	return 1;
}

/* is_blank - white space that separates words */
static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* word_len - bytes of the word at @p (up to white space); its columns */
static size_t
word_len(const char *p, size_t left, size_t *cols)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, c;

	*cols = 0;
	/* loop: i grows by one unit (at least one byte) per pass */
	while (i < left && !is_blank(u[i])) {
		i += unit(u + i, left - i, &c);
		*cols += c;
	}
	return i;
}

/* newline - end the line, indent the next one */
static void
newline(struct out *o, size_t indent)
{
	fprintf(o->fp, "\n%*s", (int)indent, "");
	o->col = indent;
}

/*
 * put_word - write one word unit by unit; a unit that does not fit goes
 * on a new line at @indent, so an overlong token (URL, host name, base64)
 * is cut at the width and never exceeds it.
 */
static void
put_word(struct out *o, const char *s, size_t len, size_t indent)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n, c;

	/* loop: i grows by one unit per pass */
	while (i < len) {
		n = unit(u + i, len - i, &c);
		if (o->col + c > (size_t)o->width && o->col > indent)
			newline(o, indent);
		put_text(o->fp, s + i, n, 0);
		o->col += c;
		i += n;
	}
}

/* The shortest piece of an overlong word left at the end of a line. */
#define CUT_MIN 8

/*
 * wrap_n - @len bytes of @text as a paragraph: the first line goes on
 * after what is already written (o->col columns), the others start with
 * @indent spaces; no line is wider than o->width.  Text is escaped as
 * put_text() does and white space runs become one space.  Ends the line.
 */
static void
wrap_n(struct out *o, const char *text, size_t len, size_t indent)
{
	size_t i = 0, wl, wc, w = (size_t)o->width;
	int sol = 1;               /* nothing written since the line began */

	if (text == NULL)
		len = 0;
	/* invariant: text[0..i) is written, o->col is the current column */
	while (i < len) {
		while (i < len && is_blank((unsigned char)text[i]))
			i++;
		if (i >= len)
			break;
		wl = word_len(text + i, len - i, &wc);
		if (o->col + !sol + wc <= w) {
			if (!sol)
				fputc(' ', o->fp);
			o->col += !sol;
		} else if (wc <= w - indent && (!sol || o->col > indent)) {
			/* fits on a line of its own */
			newline(o, indent);
		} else if (!sol && o->col + 1 + CUT_MIN <= w) {
			/* overlong: cut, starting on this line */
			fputc(' ', o->fp);
			o->col++;
		} else if (!sol)
			newline(o, indent);
		put_word(o, text + i, wl, indent);
		sol = 0;
		i += wl;
	}
	fputc('\n', o->fp);
	o->col = 0;
}

/* wrap - wrap_n() of a NUL-terminated string */
static void
wrap(struct out *o, const char *text, size_t indent)
{
	wrap_n(o, text, text != NULL ? strlen(text) : 0, indent);
}

/* lead - start a line with @s (trusted ASCII, narrower than the width) */
static void
lead(struct out *o, const char *s)
{
	fputs(s, o->fp);
	o->col += strlen(s);
}

/* heading - a section title */
static void
heading(struct out *o, const char *title)
{
	if (o->flags & BK_EXPLAIN_COLOR)
		fprintf(o->fp, "\n%s%s%s\n", SGR_HEAD, title, SGR_OFF);
	else
		fprintf(o->fp, "\n%s\n", title);
	o->col = 0;
}

/* item - "  - text" or "  N. text", wrapped under itself */
static void
item(struct out *o, int n, const char *text)
{
	char num[16];

	if (n > 0) {
		snprintf(num, sizeof(num), "  %d. ", n);
		lead(o, num);
		wrap(o, text, strlen(num));
	} else {
		lead(o, "  - ");
		wrap(o, text, 4);
	}
}

/*
 * A line assembled from trusted words and escaped untrusted text before
 * it is wrapped: a memory stream into a fixed buffer.  What does not fit
 * is cut (a cut UTF-8 sequence shows as \xNN, never raw).
 */
struct line {
	char buf[QUOTE_MAX * 4 + 512];
	FILE *mem;
};

/* line_open - start assembling; NULL when no stream could be made */
static FILE *
line_open(struct line *l)
{
	l->buf[0] = '\0';
	l->mem = fmemopen(l->buf, sizeof(l->buf), "w");
	return l->mem;
}

/* line_close - finish; the text is in l->buf */
static const char *
line_close(struct line *l)
{
	fputc('\0', l->mem);
	fclose(l->mem);
	l->buf[sizeof(l->buf) - 1] = '\0';
	return l->buf;
}

/*
 * quoted - 'LABEL "untrusted text"', wrapped at the width.  The text is
 * escaped into a buffer first (at most QUOTE_MAX bytes of it, then "...").
 */
static void
quoted(struct out *o, size_t indent, const char *label, bk_str s)
{
	struct line l;

	if (s.ptr == NULL || s.len == 0 || line_open(&l) == NULL)
		return;
	fputc('"', l.mem);
	put_text(l.mem, s.ptr, s.len, QUOTE_MAX);
	fputc('"', l.mem);
	fprintf(o->fp, "%*s%s ", (int)indent, "", label);
	o->col = indent + strlen(label) + 1;
	wrap(o, line_close(&l), indent + 2);
}

/* sv_eq - does slice @s equal the C string @c */
static int
sv_eq(bk_str s, const char *c)
{
	return s.ptr != NULL && c != NULL && strlen(c) == s.len &&
	    memcmp(s.ptr, c, s.len) == 0;
}

/* The knowledge the record names. */
struct know {
	bk_knowledge cause, category, provider, blocklist, bcause;
	int has_cause, has_category, has_provider, has_blocklist, has_bcause;
};

/* lookup_all - the entries for the record's ids */
static void
lookup_all(struct know *k, const bk_classifier *cls, const bk_record *rec)
{
	memset(k, 0, sizeof(*k));
	if (rec->cause.ptr != NULL)
		k->has_cause = bk_classifier_lookup(&k->cause, cls,
		    BK_KNOW_CAUSE, rec->cause.ptr, rec->cause.len) == 0;
	if (rec->category.ptr != NULL)
		k->has_category = bk_classifier_lookup(&k->category, cls,
		    BK_KNOW_CATEGORY, rec->category.ptr,
		    rec->category.len) == 0;
	else if (k->has_cause)
		k->has_category = bk_classifier_lookup(&k->category, cls,
		    BK_KNOW_CATEGORY, k->cause.category,
		    strlen(k->cause.category)) == 0;
	if (rec->provider.ptr != NULL)
		k->has_provider = bk_classifier_lookup(&k->provider, cls,
		    BK_KNOW_PROVIDER, rec->provider.ptr,
		    rec->provider.len) == 0;
	if (rec->blocklist.ptr != NULL)
		k->has_blocklist = bk_classifier_lookup(&k->blocklist, cls,
		    BK_KNOW_BLOCKLIST, rec->blocklist.ptr,
		    rec->blocklist.len) == 0;
	if (k->has_blocklist && !sv_eq(rec->cause, k->blocklist.cause))
		k->has_bcause = bk_classifier_lookup(&k->bcause, cls,
		    BK_KNOW_CAUSE, k->blocklist.cause,
		    strlen(k->blocklist.cause)) == 0;
}

/* verb - what the receiver did */
static const char *
verb(const bk_record *rec)
{
	switch (rec->kind) {
	case BK_KIND_DELIVERED:
		return "delivered";
	case BK_KIND_FEEDBACK:
		return "reported as spam";
	case BK_KIND_AUTOREPLY:
		/* a challenge-response filter's answer (kind.challenge) */
		if (rec->reason == BK_REASON_ONHOLD)
			return "not delivered until its challenge is answered";
		return "answered automatically";
	case BK_KIND_DELAY:
		return "deferred (still queued)";
	case BK_KIND_UNKNOWN:
		return "not decoded";
	default:
		break;
	}
	if (rec->other_reply)
		return "given up with the rest of the message";
	if (rec->permanent == 0)
		return "deferred";
	return "refused";
}

/* whose - whose move it is, in words */
static const char *
whose(bk_responsible r)
{
	switch (r) {
	case BK_RESP_SENDER:
		return "your move (sender side)";
	case BK_RESP_RECIPIENT:
		return "the recipient's side";
	case BK_RESP_NETWORK:
		return "a network problem";
	default:
		return "whose move is not clear";
	}
}

/* retry_words - the retry verdict in words */
static void
retry_words(char *buf, size_t size, const bk_record *rec)
{
	switch (rec->retry) {
	case BK_RETRY_NO:
		snprintf(buf, size, "Do not retry.");
		break;
	case BK_RETRY_AFTER_FIX:
		snprintf(buf, size, "Retry only after the fix.");
		break;
	case BK_RETRY_LATER:
		if (rec->retry_after >= 3600)
			snprintf(buf, size, "Retry later (in about %d h).",
			    rec->retry_after / 3600);
		else if (rec->retry_after > 0)
			snprintf(buf, size, "Retry later (in about %d min).",
			    (rec->retry_after + 59) / 60);
		else
			snprintf(buf, size, "Retry later.");
		break;
	default:
		snprintf(buf, size, "Retry advice unknown.");
	}
}

/* headline - what happened, who refused it, whose move: one paragraph */
static void
headline(struct out *o, const bk_record *rec, const struct know *k)
{
	struct line l;
	FILE *mem = line_open(&l);

	if (mem == NULL)
		return;
	if (k->has_cause)
		put_text(mem, k->cause.name, strlen(k->cause.name), 0);
	else
		fputs(bk_reason_name(rec->reason), mem);
	fputs(": ", mem);
	if (rec->recipient.ptr != NULL) {
		put_text(mem, rec->recipient.ptr, rec->recipient.len, 80);
		fputc(' ', mem);
	}
	fputs(verb(rec), mem);
	if (rec->other_reply) {
		fputs(" -- ", mem);
		fputs(whose(rec->responsible), mem);
	} else if (rec->kind == BK_KIND_BOUNCE ||
	    rec->kind == BK_KIND_DELAY) {
		fputs(" by ", mem);
		if (k->has_provider)
			put_text(mem, k->provider.name,
			    strlen(k->provider.name), 0);
		else if (rec->remote_mta.ptr != NULL)
			put_text(mem, rec->remote_mta.ptr, rec->remote_mta.len,
			    80);
		else
			fputs("the receiving side", mem);
		fputs(" -- ", mem);
		fputs(whose(rec->responsible), mem);
	}
	line_close(&l);
	if (o->flags & BK_EXPLAIN_COLOR)
		fputs(rec->kind == BK_KIND_DELIVERED ||
		    rec->kind == BK_KIND_AUTOREPLY ? SGR_BOLD :
		    rec->permanent == 0 ? SGR_WARN : SGR_BAD, o->fp);
	o->col = 0;
	wrap(o, l.buf, 2);
	if (o->flags & BK_EXPLAIN_COLOR)
		fputs(SGR_OFF, o->fp);
}

/* para - "  text" wrapped under itself */
static void
para(struct out *o, const char *text)
{
	lead(o, "  ");
	wrap(o, text, 2);
}

/* evidence - status, codes and reason; the remote server; its words */
static void
evidence(struct out *o, const bk_record *rec)
{
	struct line l;
	FILE *mem = line_open(&l);

	if (mem != NULL) {
		fputs("status ", mem);
		if (rec->status.ptr != NULL)
			put_text(mem, rec->status.ptr, rec->status.len, 32);
		else
			fputs("-", mem);
		if (rec->reply_code > 0)
			fprintf(mem, ", reply %d", rec->reply_code);
		if (rec->provider_code.ptr != NULL) {
			fputs(", provider code ", mem);
			put_text(mem, rec->provider_code.ptr,
			    rec->provider_code.len, 32);
		}
		fprintf(mem, ", reason %s", bk_reason_name(rec->reason));
		lead(o, "  ");
		wrap(o, line_close(&l), 4);
	}
	if (rec->remote_mta.ptr != NULL && line_open(&l) != NULL) {
		put_text(l.mem, rec->remote_mta.ptr, rec->remote_mta.len, 120);
		lead(o, "  remote server ");
		wrap(o, line_close(&l), 4);
	}
	quoted(o, 2, "said", rec->diagnostic);
}

/* numbered - "  N. " and a line assembled in @l, wrapped under itself */
static void
numbered(struct out *o, int n, struct line *l)
{
	char num[16];

	line_close(l);
	snprintf(num, sizeof(num), "  %d. ", n);
	lead(o, num);
	wrap(o, l->buf, strlen(num));
}

/* causes - the likely causes, ranked, with the evidence quoted */
static void
causes(struct out *o, const bk_record *rec, const struct know *k)
{
	struct line l;
	size_t i;
	int n = 0;

	if (k->has_cause && line_open(&l) != NULL) {
		put_text(l.mem, k->cause.name, strlen(k->cause.name), 0);
		fputs(" [", l.mem);
		put_text(l.mem, k->cause.id, strlen(k->cause.id), 0);
		fprintf(l.mem, "], confidence %d%%", rec->confidence);
		numbered(o, ++n, &l);
		if (rec->evidence.ptr != NULL)
			quoted(o, 5, "matched", rec->evidence);
	}
	if (k->has_bcause && line_open(&l) != NULL) {
		put_text(l.mem, k->bcause.name, strlen(k->bcause.name), 0);
		fputs(" (the text names this list)", l.mem);
		numbered(o, ++n, &l);
	}
	for (i = 0; k->has_category && i < k->category.nrelated && i < 2;
	    i++) {
		const char *rel = k->category.related[i];
		bk_knowledge rk;

		if (bk_classifier_lookup(&rk, o->cls, BK_KNOW_CATEGORY, rel,
		    strlen(rel)) == 0)
			rel = rk.name;
		if (line_open(&l) == NULL)
			continue;
		fputs("less likely: ", l.mem);
		put_text(l.mem, rel, strlen(rel), 0);
		numbered(o, ++n, &l);
	}
	if (n == 0)
		para(o, "not determined");
}

/* links - the provider's, the blocklist's and the category's links */
static void
links(struct out *o, const struct know *k)
{
	size_t i;
	int n = 0;

	for (i = 0; k->has_provider && i < k->provider.nlinks; i++, n++) {
		if (n == 0)
			heading(o, "Links");
		lead(o, "  ");
		wrap(o, k->provider.links[i], 4);
	}
	if (k->has_blocklist && k->blocklist.lookup != NULL) {
		if (n++ == 0)
			heading(o, "Links");
		lead(o, "  ");
		wrap(o, k->blocklist.lookup, 4);
	}
	for (i = 0; k->has_category && i < k->category.nlinks; i++, n++) {
		if (n == 0)
			heading(o, "Links");
		lead(o, "  ");
		wrap(o, k->category.links[i], 4);
	}
}

/* explain_text - the text explanation */
static void
explain_text(struct out *o, const bk_record *rec, const struct know *k)
{
	char buf[128];
	struct line l;
	size_t i;

	headline(o, rec, k);

	heading(o, "What it means");
	if (k->has_category) {
		para(o, k->category.about);
	} else if (rec->error.ptr != NULL) {
		/* why the input was not decoded, in the decoder's words */
		char why[512];

		snprintf(why, sizeof(why), "Not decoded: %.*s.",
		    (int)(rec->error.len < 400 ? rec->error.len : 400),
		    rec->error.ptr);
		para(o, why);
	} else {
		para(o, "No explanation is known for this bounce.");
	}
	if (k->has_cause)
		para(o, k->cause.about);
	if (k->has_provider)
		para(o, k->provider.about);

	heading(o, "Evidence");
	evidence(o, rec);

	heading(o, "Likely causes");
	causes(o, rec, k);

	if (k->has_category && k->category.nchecks > 0) {
		heading(o, "What to check");
		for (i = 0; i < k->category.nchecks; i++)
			item(o, 0, k->category.checks[i]);
	}
	if (k->has_category && k->category.nfixes > 0) {
		heading(o, "How to fix");
		for (i = 0; i < k->category.nfixes; i++)
			item(o, (int)i + 1, k->category.fixes[i]);
	}
	if (k->has_blocklist) {
		heading(o, "Blocklist");
		para(o, k->blocklist.name);
		para(o, k->blocklist.about);
		if (k->blocklist.delist != NULL) {
			lead(o, "  Removal: ");
			wrap(o, k->blocklist.delist, 4);
		}
	}

	heading(o, "Retry");
	retry_words(buf, sizeof(buf), rec);
	if (k->has_category && k->category.retry_advice != NULL &&
	    line_open(&l) != NULL) {
		fprintf(l.mem, "%s ", buf);
		put_text(l.mem, k->category.retry_advice,
		    strlen(k->category.retry_advice), 0);
		para(o, line_close(&l));
	} else
		para(o, buf);

	links(o, k);
}

static void
jc(FILE *fp, const char *s)
{
	bk__json_fput(fp, s, s ? strlen(s) : 0);
}

/* jentry - the members a knowledge entry always has: id, name, about */
static void
jentry(FILE *fp, const char *id, const char *name, const char *about)
{
	fputs("{\"id\":", fp);
	jc(fp, id);
	fputs(",\"name\":", fp);
	jc(fp, name);
	fputs(",\"about\":", fp);
	jc(fp, about);
}

static void
js(FILE *fp, bk_str s)
{
	bk__json_fput(fp, s.ptr, s.ptr ? s.len : 0);
}

/* jlist - a JSON array of strings */
static void
jlist(FILE *fp, const char *const *v, size_t n)
{
	size_t i;

	fputc('[', fp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', fp);
		jc(fp, v[i]);
	}
	fputc(']', fp);
}

/* explain_json - the same explanation as one JSON object */
static void
explain_json(struct out *o, const bk_record *rec, const struct know *k)
{
	FILE *fp = o->fp;
	char buf[128];
	int rank = 0;

	fputs("{\"recipient\":", fp);
	js(fp, rec->recipient);
	fputs(",\"kind\":", fp);
	jc(fp, bk_kind_name(rec->kind));
	fputs(",\"outcome\":", fp);
	jc(fp, verb(rec));
	fputs(",\"reason\":", fp);
	jc(fp, bk_reason_name(rec->reason));
	fputs(",\"status\":", fp);
	js(fp, rec->status);
	fputs(",\"reply_code\":", fp);
	if (rec->reply_code > 0)
		fprintf(fp, "%d", rec->reply_code);
	else
		fputs("null", fp);
	fputs(",\"remote_mta\":", fp);
	js(fp, rec->remote_mta);
	fputs(",\"diagnostic\":", fp);
	js(fp, rec->diagnostic);
	fputs(",\"error\":", fp);
	js(fp, rec->error);
	fputs(",\"cause\":", fp);
	if (k->has_cause) {
		jentry(fp, k->cause.id, k->cause.name, k->cause.about);
		fputc('}', fp);
	} else
		js(fp, rec->cause);
	fputs(",\"category\":", fp);
	if (k->has_category) {
		jentry(fp, k->category.id, k->category.name,
		    k->category.about);
		fputc('}', fp);
	} else
		js(fp, rec->category);
	fputs(",\"provider\":", fp);
	if (k->has_provider) {
		fputs("{\"id\":", fp);
		jc(fp, k->provider.id);
		fputs(",\"name\":", fp);
		jc(fp, k->provider.name);
		fputs(",\"kind\":", fp);
		jc(fp, k->provider.kind);
		fputs(",\"code\":", fp);
		js(fp, rec->provider_code);
		fputs(",\"links\":", fp);
		jlist(fp, k->provider.links, k->provider.nlinks);
		fputc('}', fp);
	} else
		js(fp, rec->provider);
	fputs(",\"provider_code\":", fp);
	js(fp, rec->provider_code);
	fputs(",\"blocklist\":", fp);
	if (k->has_blocklist) {
		jentry(fp, k->blocklist.id, k->blocklist.name,
		    k->blocklist.about);
		fputs(",\"lookup\":", fp);
		jc(fp, k->blocklist.lookup);
		fputs(",\"delist\":", fp);
		jc(fp, k->blocklist.delist);
		fputc('}', fp);
	} else
		js(fp, rec->blocklist);
	fputs(",\"responsible\":", fp);
	jc(fp, bk_responsible_name(rec->responsible));
	fputs(",\"whose_move\":", fp);
	jc(fp, whose(rec->responsible));
	fputs(",\"retry\":", fp);
	jc(fp, bk_retry_name(rec->retry));
	fputs(",\"retry_after\":", fp);
	if (rec->retry_after > 0)
		fprintf(fp, "%d", rec->retry_after);
	else
		fputs("null", fp);
	retry_words(buf, sizeof(buf), rec);
	fputs(",\"retry_text\":", fp);
	jc(fp, buf);
	fputs(",\"retry_advice\":", fp);
	jc(fp, k->has_category ? k->category.retry_advice : NULL);
	fputs(",\"likely_causes\":[", fp);
	if (k->has_cause) {
		fprintf(fp, "{\"rank\":%d,\"id\":", ++rank);
		jc(fp, k->cause.id);
		fputs(",\"name\":", fp);
		jc(fp, k->cause.name);
		fprintf(fp, ",\"confidence\":%d,\"evidence\":",
		    rec->confidence);
		js(fp, rec->evidence);
		fputs(",\"rule\":", fp);
		js(fp, rec->rule);
		fputc('}', fp);
	}
	if (k->has_bcause) {
		fprintf(fp, "%s{\"rank\":%d,\"id\":", rank ? "," : "",
		    rank + 1);
		rank++;
		jc(fp, k->bcause.id);
		fputs(",\"name\":", fp);
		jc(fp, k->bcause.name);
		fputs(",\"confidence\":null,\"evidence\":null,\"rule\":null}",
		    fp);
	}
	fputs("],\"checks\":", fp);
	jlist(fp, k->has_category ? k->category.checks : NULL,
	    k->has_category ? k->category.nchecks : 0);
	fputs(",\"fixes\":", fp);
	jlist(fp, k->has_category ? k->category.fixes : NULL,
	    k->has_category ? k->category.nfixes : 0);
	fputs(",\"links\":", fp);
	jlist(fp, k->has_category ? k->category.links : NULL,
	    k->has_category ? k->category.nlinks : 0);
	fputs("}\n", fp);
}

/* bk_explain_format - see explain.h */
int
bk_explain_format(FILE *fp, const bk_classifier *cls, const bk_record *rec,
    unsigned flags, int width)
{
	struct out o;
	struct know k;

	if (fp == NULL || cls == NULL || rec == NULL)
		return BK_EINVAL;
	o.cls = cls;
	o.fp = fp;
	o.flags = flags;
	o.width = width <= 0 ? 80 : width < 40 ? 40 : width;
	o.col = 0;
	lookup_all(&k, cls, rec);
	if (flags & BK_EXPLAIN_JSON)
		explain_json(&o, rec, &k);
	else
		explain_text(&o, rec, &k);
	return ferror(fp) ? BK_EIO : 0;
}
