/*
 * explain.c - a classified record explained for people (text) and for
 * machines (JSON), from the classifier's knowledge.
 *
 * Invariants: every byte that comes from the bounce (diagnostic, evidence,
 * addresses, host names) passes through put_text() or put_json(), which
 * never emit a control byte, an escape sequence or invalid UTF-8: those
 * become \xNN (text) or JSON escapes / U+FFFD.  Knowledge texts go through
 * the same writers (a user's rules file is not trusted either).  Text is
 * wrapped at the requested width, counting one column per code point.
 * Nothing is allocated.
 */
#include <stdio.h>
#include <string.h>

#include "bouncekit/errors.h"
#include "bouncekit/explain.h"

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
};

/* utf8_len - length of a valid UTF-8 sequence at @p, 0 if invalid */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n, k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	for (k = 1; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
		return 0;
	/* C1 controls (U+0080..U+009F) are controls too */
	if (c == 0xc2 && p[1] < 0xa0)
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

/* word_cols - columns of the word at @p (up to white space) */
static size_t
word_len(const char *p, size_t left, size_t *cols)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, n;

	*cols = 0;
	while (i < left && u[i] != ' ' && u[i] != '\n' && u[i] != '\t') {
		n = u[i] >= 0x80 ? utf8_len(u + i, left - i) : 1;
		if (n == 0 || u[i] < 0x20 || u[i] == 0x7f) {
			*cols += 4;
			n = 1;
		} else
			*cols += 1;
		i += n;
	}
	return i;
}

/*
 * wrap - @text as a paragraph: the first line starts after @first (already
 * written, @used columns), the others with @indent spaces.
 */
static void
wrap(struct out *o, const char *text, size_t used, int indent)
{
	size_t len, i = 0, col = used, wl, wc;
	int first = 1;

	if (text == NULL)
		return;
	len = strlen(text);
	/* invariant: text[0..i) is written, col is the current column */
	while (i < len) {
		while (i < len && (text[i] == ' ' || text[i] == '\n' ||
		    text[i] == '\t'))
			i++;
		if (i >= len)
			break;
		wl = word_len(text + i, len - i, &wc);
		if (!first && col + 1 + wc > (size_t)o->width &&
		    col > (size_t)indent) {
			fprintf(o->fp, "\n%*s", indent, "");
			col = (size_t)indent;
		} else if (!first) {
			fputc(' ', o->fp);
			col++;
		}
		put_text(o->fp, text + i, wl, 0);
		col += wc;
		i += wl;
		first = 0;
	}
	fputc('\n', o->fp);
}

/* heading - a section title */
static void
heading(struct out *o, const char *title)
{
	if (o->flags & BK_EXPLAIN_COLOR)
		fprintf(o->fp, "\n%s%s%s\n", SGR_HEAD, title, SGR_OFF);
	else
		fprintf(o->fp, "\n%s\n", title);
}

/* item - "  - text" or "  N. text", wrapped under itself */
static void
item(struct out *o, int n, const char *text)
{
	if (n > 0) {
		fprintf(o->fp, "  %d. ", n);
		wrap(o, text, 5 + (n >= 10), 5 + (n >= 10));
	} else {
		fputs("  - ", o->fp);
		wrap(o, text, 4, 4);
	}
}

/*
 * quoted - 'LABEL "untrusted text"', wrapped at the width.  The text is
 * escaped into a buffer first (put_text through a memory stream), so the
 * wrapping sees only printable characters.
 */
static void
quoted(struct out *o, int indent, const char *label, bk_str s)
{
	char buf[QUOTE_MAX * 4 + 16];
	FILE *mem;
	size_t used;

	if (s.ptr == NULL || s.len == 0)
		return;
	mem = fmemopen(buf, sizeof(buf), "w");
	if (mem == NULL)
		return;
	fputc('"', mem);
	put_text(mem, s.ptr, s.len, QUOTE_MAX);
	fputc('"', mem);
	fputc('\0', mem);
	fclose(mem);
	buf[sizeof(buf) - 1] = '\0';
	used = (size_t)fprintf(o->fp, "%*s%s ", indent, "", label);
	wrap(o, buf, used, indent + 2);
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
		return "answered automatically";
	case BK_KIND_DELAY:
		return "deferred (still queued)";
	case BK_KIND_UNKNOWN:
		return "not decoded";
	default:
		break;
	}
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
	char buf[1024];
	FILE *mem;

	mem = fmemopen(buf, sizeof(buf), "w");
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
	if (rec->kind == BK_KIND_BOUNCE || rec->kind == BK_KIND_DELAY) {
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
	fputc('\0', mem);
	fclose(mem);
	buf[sizeof(buf) - 1] = '\0';
	if (o->flags & BK_EXPLAIN_COLOR)
		fputs(rec->kind == BK_KIND_DELIVERED ||
		    rec->kind == BK_KIND_AUTOREPLY ? SGR_BOLD :
		    rec->permanent == 0 ? SGR_WARN : SGR_BAD, o->fp);
	wrap(o, buf, 0, 2);
	if (o->flags & BK_EXPLAIN_COLOR)
		fputs(SGR_OFF, o->fp);
}

/* explain_text - the text explanation */
static void
explain_text(struct out *o, const bk_record *rec, const struct know *k)
{
	char buf[128];
	size_t i;
	int n = 0;

	headline(o, rec, k);

	heading(o, "What it means");
	fputs("  ", o->fp);
	if (k->has_category)
		wrap(o, k->category.about, 2, 2);
	else
		wrap(o, "No explanation is known for this bounce.", 2, 2);
	if (k->has_cause) {
		fputs("  ", o->fp);
		wrap(o, k->cause.about, 2, 2);
	}
	if (k->has_provider) {
		fputs("  ", o->fp);
		wrap(o, k->provider.about, 2, 2);
	}

	heading(o, "Evidence");
	fprintf(o->fp, "  status ");
	if (rec->status.ptr != NULL)
		put_text(o->fp, rec->status.ptr, rec->status.len, 32);
	else
		fputs("-", o->fp);
	if (rec->reply_code > 0)
		fprintf(o->fp, ", reply %d", rec->reply_code);
	if (rec->provider_code.ptr != NULL) {
		fputs(", provider code ", o->fp);
		put_text(o->fp, rec->provider_code.ptr, rec->provider_code.len,
		    32);
	}
	fprintf(o->fp, ", reason %s\n", bk_reason_name(rec->reason));
	if (rec->remote_mta.ptr != NULL) {
		fputs("  remote server ", o->fp);
		put_text(o->fp, rec->remote_mta.ptr, rec->remote_mta.len, 120);
		fputc('\n', o->fp);
	}
	quoted(o, 2, "said", rec->diagnostic);

	heading(o, "Likely causes");
	if (k->has_cause) {
		fprintf(o->fp, "  %d. ", ++n);
		put_text(o->fp, k->cause.name, strlen(k->cause.name), 0);
		fputs(" [", o->fp);
		put_text(o->fp, k->cause.id, strlen(k->cause.id), 0);
		fprintf(o->fp, "], confidence %d%%\n", rec->confidence);
		if (rec->evidence.ptr != NULL)
			quoted(o, 5, "matched", rec->evidence);
	}
	if (k->has_bcause) {
		fprintf(o->fp, "  %d. ", ++n);
		put_text(o->fp, k->bcause.name, strlen(k->bcause.name), 0);
		fputs(" (the text names this list)\n", o->fp);
	}
	for (i = 0; k->has_category && i < k->category.nrelated && i < 2;
	    i++) {
		const char *rel = k->category.related[i];
		bk_knowledge rk;

		if (bk_classifier_lookup(&rk, o->cls, BK_KNOW_CATEGORY, rel,
		    strlen(rel)) == 0)
			rel = rk.name;
		fprintf(o->fp, "  %d. less likely: ", ++n);
		put_text(o->fp, rel, strlen(rel), 0);
		fputs("\n", o->fp);
	}
	if (n == 0)
		fputs("  not determined\n", o->fp);

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
		fputs("  ", o->fp);
		wrap(o, k->blocklist.name, 2, 2);
		fputs("  ", o->fp);
		wrap(o, k->blocklist.about, 2, 2);
		if (k->blocklist.delist != NULL) {
			fputs("  Removal: ", o->fp);
			wrap(o, k->blocklist.delist, 11, 4);
		}
	}

	heading(o, "Retry");
	retry_words(buf, sizeof(buf), rec);
	fputs("  ", o->fp);
	fputs(buf, o->fp);
	if (k->has_category && k->category.retry_advice != NULL) {
		fputc(' ', o->fp);
		wrap(o, k->category.retry_advice, 3 + strlen(buf), 2);
	} else
		fputc('\n', o->fp);

	n = 0;
	for (i = 0; k->has_provider && i < k->provider.nlinks; i++, n++) {
		if (n == 0)
			heading(o, "Links");
		fputs("  ", o->fp);
		wrap(o, k->provider.links[i], 2, 4);
	}
	if (k->has_blocklist && k->blocklist.lookup != NULL) {
		if (n++ == 0)
			heading(o, "Links");
		fputs("  ", o->fp);
		wrap(o, k->blocklist.lookup, 2, 4);
	}
	for (i = 0; k->has_category && i < k->category.nlinks; i++, n++) {
		if (n == 0)
			heading(o, "Links");
		fputs("  ", o->fp);
		wrap(o, k->category.links[i], 2, 4);
	}
}

/* put_json - a JSON string (RFC 8259); invalid UTF-8 becomes U+FFFD */
static void
put_json(FILE *fp, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	while (i < len) {
		unsigned c = p[i];

		if (c >= 0x80) {
			n = utf8_len(p + i, len - i);
			if (n == 0 && c == 0xc2 && i + 1 < len &&
			    (p[i + 1] & 0xc0) == 0x80) {
				fprintf(fp, "\\u%04x", p[i + 1]);
				i += 2;
				continue;
			}
			if (n == 0) {
				fputs("\\ufffd", fp);
				i++;
			} else {
				fwrite(p + i, 1, n, fp);
				i += n;
			}
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c == '\t')
			fputs("\\t", fp);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc((int)c, fp);
		i++;
	}
	fputc('"', fp);
}

static void
jc(FILE *fp, const char *s)
{
	put_json(fp, s, s ? strlen(s) : 0);
}

static void
js(FILE *fp, bk_str s)
{
	put_json(fp, s.ptr, s.ptr ? s.len : 0);
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
	fputs(",\"cause\":", fp);
	if (k->has_cause) {
		fputs("{\"id\":", fp);
		jc(fp, k->cause.id);
		fputs(",\"name\":", fp);
		jc(fp, k->cause.name);
		fputs(",\"about\":", fp);
		jc(fp, k->cause.about);
		fputc('}', fp);
	} else
		js(fp, rec->cause);
	fputs(",\"category\":", fp);
	if (k->has_category) {
		fputs("{\"id\":", fp);
		jc(fp, k->category.id);
		fputs(",\"name\":", fp);
		jc(fp, k->category.name);
		fputs(",\"about\":", fp);
		jc(fp, k->category.about);
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
		fputs("{\"id\":", fp);
		jc(fp, k->blocklist.id);
		fputs(",\"name\":", fp);
		jc(fp, k->blocklist.name);
		fputs(",\"about\":", fp);
		jc(fp, k->blocklist.about);
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
	lookup_all(&k, cls, rec);
	if (flags & BK_EXPLAIN_JSON)
		explain_json(&o, rec, &k);
	else
		explain_text(&o, rec, &k);
	return ferror(fp) ? BK_EIO : 0;
}
