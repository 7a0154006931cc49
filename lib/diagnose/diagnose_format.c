/*
 * diagnose_format.c - a diagnosis for people (text, wrapped at a width,
 * colour only when asked) and for machines (one JSON object).
 *
 * Invariant: every string that can come from the bounce, from DNS or
 * from a rules file passes through esc() (text: control bytes, escape
 * sequences and invalid UTF-8 become \xNN) or json_str() (JSON escapes,
 * U+FFFD for invalid UTF-8) before it is written.  The explanation is
 * written by bk_explain_format(), which keeps the same invariant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncekit/diagnose.h"
#include "bouncekit/errors.h"
#include "bouncekit/explain.h"
#include "diagnose/diagnose_int.h"
#include "util/util_int.h"

#define SGR_HEAD "\033[1;36m"
#define SGR_BAD "\033[1;31m"
#define SGR_OK "\033[1;32m"
#define SGR_WARN "\033[1;33m"
#define SGR_OFF "\033[0m"

/* Bytes of one escaped text that are written (then "..."). */
#define TEXT_MAX 2000

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
 * esc - @s made safe for a terminal into @out (always NUL-terminated):
 * printable ASCII and valid UTF-8 kept, white space runs made one space,
 * everything else \xNN.
 */
static void
esc(char *out, size_t cap, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0, len, n;

	out[0] = '\0';
	if (s == NULL)
		return;
	len = strlen(s);
	if (len > TEXT_MAX)
		len = TEXT_MAX;
	/* invariant: o + 5 <= cap before every write */
	while (i < len && o + 8 < cap) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
		    p[i] == '\r') {
			if (o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
			i++;
		} else if (p[i] >= 0x80 && (n = utf8_len(p + i, len - i)) >
		    0) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else if (p[i] < 0x20 || p[i] >= 0x7f) {
			snprintf(out + o, cap - o, "\\x%02x", p[i]);
			o += 4;
			i++;
		} else
			out[o++] = (char)p[i++];
	}
	if (i < len && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* cols - display columns of an escaped string (one per code point) */
static size_t
cols(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/*
 * wrap - untrusted @text escaped and word-wrapped: the first line goes on
 * after @used columns already written, the others start at @indent.
 */
static void
wrap(FILE *fp, const char *text, size_t used, size_t indent, size_t width)
{
	char buf[TEXT_MAX * 4 + 16];
	const char *p = buf;
	size_t col = used;
	int first = 1;

	esc(buf, sizeof(buf), text);
	/* loop: p advances past one word per iteration */
	while (*p != '\0') {
		size_t wl = strcspn(p, " "), wc = cols(p, wl);

		if (!first && col + 1 + wc > width && col > indent) {
			fprintf(fp, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', fp);
			col++;
		}
		/* a word wider than the line (a URL, a hash) is cut at the
		 * width, between code points */
		while (col + wc > width && col < width) {
			size_t k = 0, c = 0;

			while (k < wl && c < width - col) {
				k++;
				while (k < wl && ((unsigned char)p[k] & 0xc0) ==
				    0x80)
					k++;
				c++;
			}
			fwrite(p, 1, k, fp);
			fprintf(fp, "\n%*s", (int)indent, "");
			col = indent;
			p += k;
			wl -= k;
			wc -= c;
		}
		fwrite(p, 1, wl, fp);
		col += wc;
		p += wl;
		while (*p == ' ')
			p++;
		first = 0;
	}
	fputc('\n', fp);
}

/* json_str - C string @s as a JSON string, or null */
static void
json_str(FILE *fp, const char *s)
{
	bk__json_fput(fp, s, s != NULL ? strlen(s) : 0);
}

/* the plan bits, in the order they are shown: words, JSON ids */
static const struct {
	unsigned bit;
	const char *words, *id;
} plan_names[] = {
	{ BK_DIAG_PLAN_BLOCKLIST, "blocklists", "blocklist" },
	{ BK_DIAG_PLAN_DOMAINS, "domain blocklists", "domain-blocklist" },
	{ BK_DIAG_PLAN_AUTH, "SPF, DKIM, DMARC", "authentication" },
	{ BK_DIAG_PLAN_RDNS, "reverse DNS", "reverse-dns" },
};

/* plan_list - the plan bits as words ("blocklists, reverse DNS") or as
 * JSON strings ("blocklist","reverse-dns") */
static void
plan_list(char *out, size_t cap, unsigned plan, int as_json)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(plan_names) / sizeof(plan_names[0]); i++) {
		int w;

		if (!(plan & plan_names[i].bit))
			continue;
		w = snprintf(out + n, cap - n, as_json ? "%s\"%s\"" : "%s%s",
		    n ? (as_json ? "," : ", ") : "", as_json ?
		    plan_names[i].id : plan_names[i].words);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
}

/* plan_words - the plan as "blocklists, SPF, DKIM, DMARC" */
static void
plan_words(char *out, size_t cap, unsigned plan)
{
	plan_list(out, cap, plan, 0);
}

static const char *
returned_words(bk_diag_returned r)
{
	switch (r) {
	case BK_DIAG_RETURNED_WHOLE:
		return "whole (message/rfc822)";
	case BK_DIAG_RETURNED_HEADERS:
		return "headers only";
	case BK_DIAG_RETURNED_INLINE:
		return "a copy inside the notification text";
	default:
		return "not returned";
	}
}

static const char *
ip_source_id(bk_diag_ip_source s)
{
	switch (s) {
	case BK_DIAG_IP_OPTION:
		return "option";
	case BK_DIAG_IP_DIAGNOSTIC:
		return "diagnostic";
	case BK_DIAG_IP_RECEIVED:
		return "received";
	default:
		return NULL;
	}
}

/* heading - a section title */
static void
heading(FILE *fp, unsigned flags, const char *title)
{
	if (flags & BK_DIAGNOSE_COLOR)
		fprintf(fp, "\n%s%s%s\n", SGR_HEAD, title, SGR_OFF);
	else
		fprintf(fp, "\n%s\n", title);
}

/* label - "  Label       " then the wrapped value */
static void
label(FILE *fp, const char *l, const char *value, size_t width)
{
	fprintf(fp, "  %-12s", l);
	wrap(fp, value, 14, 14, width);
}

/* format_text - explanation, then the diagnosis */
static int
format_text(FILE *fp, const bk_diagnosis *d, unsigned flags, size_t width)
{
	const char *ip, *ipdetail;
	bk_diag_ip_source src;
	char buf[512];
	size_t i;
	int rc;

	rc = bk_explain_format(fp, bk__diagnosis_classifier(d),
	    bk__diagnosis_record(d), flags & BK_DIAGNOSE_COLOR ?
	    BK_EXPLAIN_COLOR : 0, (int)width);
	if (rc != 0)
		return rc;
	heading(fp, flags, "Diagnosis");
	if (bk_diagnosis_plan(d) != 0) {
		char line[1024];

		plan_words(buf, sizeof(buf), bk_diagnosis_plan(d));
		snprintf(line, sizeof(line), "%s: %s", buf,
		    bk_diagnosis_plan_why(d));
		label(fp, "Checks", line, width);
	} else
		label(fp, "Checks", bk_diagnosis_plan_why(d), width);
	ip = bk_diagnosis_ip(d, &src, &ipdetail);
	if (ip != NULL) {
		snprintf(buf, sizeof(buf), "%s, %s", ip, ipdetail);
		label(fp, "Sending IP", buf, width);
	} else if (bk_diagnosis_plan(d) != 0)
		label(fp, "Sending IP", "unknown (pass --sender-ip)", width);
	label(fp, "Returned", returned_words(bk_diagnosis_returned(d)),
	    width);
	if (bk_diagnosis_plan(d) & BK_DIAG_PLAN_AUTH) {
		snprintf(buf, sizeof(buf), "envelope %s, From %s",
		    bk_diagnosis_spf_domain(d) ? bk_diagnosis_spf_domain(d) :
		    "unknown", bk_diagnosis_from_domain(d) ?
		    bk_diagnosis_from_domain(d) : "unknown");
		label(fp, "Domains", buf, width);
	}
	if (bk_diagnosis_count(d) > 0)
		heading(fp, flags, "Verdict");
	for (i = 0; i < bk_diagnosis_count(d); i++) {
		const bk_diag_check *c = bk_diagnosis_check(d, i);
		const char *col = c->state == BK_DIAG_WRONG ? SGR_BAD :
		    c->state == BK_DIAG_FIXED ? SGR_OK : SGR_WARN;

		fputs("  ", fp);
		if (flags & BK_DIAGNOSE_COLOR)
			fprintf(fp, "%s%-17s%s", col,
			    bk_diag_state_text(c->state), SGR_OFF);
		else
			fprintf(fp, "%-17s", bk_diag_state_text(c->state));
		snprintf(buf, sizeof(buf), "%s%s", c->title, c->named ?
		    ", named in the bounce" : "");
		wrap(fp, buf, 19, 19, width);
		fprintf(fp, "%*s", 19, "");
		wrap(fp, c->detail, 19, 19, width);
	}
	heading(fp, flags, "Overall");
	fputs("  ", fp);
	if (flags & BK_DIAGNOSE_COLOR)
		fputs(bk_diagnosis_verdict(d) == BK_DIAG_WRONG ? SGR_BAD :
		    bk_diagnosis_verdict(d) == BK_DIAG_FIXED ? SGR_OK :
		    SGR_WARN, fp);
	wrap(fp, bk_diagnosis_summary(d), 2, 2, width);
	if (flags & BK_DIAGNOSE_COLOR)
		fputs(SGR_OFF, fp);
	return 0;
}

/* format_json - {"format":1,"explanation":{...},"diagnosis":{...}} */
static int
format_json(FILE *fp, const bk_diagnosis *d)
{
	char *ex = NULL;
	size_t exlen = 0, i;
	FILE *mem;
	const char *ip, *ipdetail;
	bk_diag_ip_source src;
	unsigned plan = bk_diagnosis_plan(d);
	int rc;

	mem = open_memstream(&ex, &exlen);
	if (mem == NULL)
		return BK_ENOMEM;
	rc = bk_explain_format(mem, bk__diagnosis_classifier(d),
	    bk__diagnosis_record(d), BK_EXPLAIN_JSON, 80);
	if (fclose(mem) != 0 && rc == 0)
		rc = BK_ENOMEM;
	if (rc != 0) {
		free(ex);
		return rc;
	}
	while (exlen > 0 && (ex[exlen - 1] == '\n' || ex[exlen - 1] == ' '))
		exlen--;
	fprintf(fp, "{\"format\":%d,\"explanation\":", BK_DIAGNOSE_FORMAT);
	if (exlen > 0)
		fwrite(ex, 1, exlen, fp);
	else
		fputs("null", fp);
	free(ex);
	fputs(",\"diagnosis\":{\"plan\":[", fp);
	{
		char pl[160];

		plan_list(pl, sizeof(pl), plan, 1);
		fputs(pl, fp);
	}
	fputs("],\"plan_why\":", fp);
	json_str(fp, bk_diagnosis_plan_why(d));
	ip = bk_diagnosis_ip(d, &src, &ipdetail);
	fputs(",\"sending_ip\":", fp);
	json_str(fp, ip);
	fputs(",\"sending_ip_source\":", fp);
	json_str(fp, ip_source_id(src));
	fputs(",\"sending_ip_detail\":", fp);
	json_str(fp, ipdetail);
	fputs(",\"returned_message\":", fp);
	json_str(fp, bk_diag_returned_name(bk_diagnosis_returned(d)));
	fputs(",\"spf_domain\":", fp);
	json_str(fp, bk_diagnosis_spf_domain(d));
	fputs(",\"from_domain\":", fp);
	json_str(fp, bk_diagnosis_from_domain(d));
	fputs(",\"checks\":[", fp);
	for (i = 0; i < bk_diagnosis_count(d); i++) {
		const bk_diag_check *c = bk_diagnosis_check(d, i);

		fputs(i ? ",{\"kind\":" : "{\"kind\":", fp);
		json_str(fp, c->kind);
		fputs(",\"id\":", fp);
		json_str(fp, c->id);
		fputs(",\"title\":", fp);
		json_str(fp, c->title);
		fputs(",\"target\":", fp);
		json_str(fp, c->target);
		fprintf(fp, ",\"state\":\"%s\",\"named\":%s,\"detail\":",
		    bk_diag_state_id(c->state), c->named ? "true" : "false");
		json_str(fp, c->detail);
		fputc('}', fp);
	}
	fprintf(fp, "],\"verdict\":\"%s\",\"summary\":",
	    plan == 0 ? "not-applicable" :
	    bk_diag_state_id(bk_diagnosis_verdict(d)));
	json_str(fp, bk_diagnosis_summary(d));
	fputs("}}\n", fp);
	return 0;
}

/* bk_diagnosis_format - see diagnose.h */
int
bk_diagnosis_format(FILE *fp, const bk_diagnosis *d, unsigned flags,
    int width)
{
	size_t w;
	int rc;

	if (fp == NULL || d == NULL)
		return BK_EINVAL;
	w = width <= 0 ? 80 : width < 40 ? 40 : (size_t)width;
	if (flags & BK_DIAGNOSE_JSON)
		rc = format_json(fp, d);
	else
		rc = format_text(fp, d, flags, w);
	if (rc == 0 && ferror(fp))
		rc = BK_EIO;
	return rc;
}
