/*
 * test_report.c - bk_report: totals and tables from hand-made records,
 * the order values are written in, the BK_LIMIT_REPORT_* bounds just
 * under, at and over, and escaping of hostile values in text, JSON and
 * HTML.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bktest.h"
#include "bouncekit/bouncekit.h"

static bk_str
s(const char *p)
{
	bk_str r;

	r.ptr = p;
	r.len = p != NULL ? strlen(p) : 0;
	return r;
}

/* a classified bounce to @rcpt with @cause, hard or not, whose move */
static bk_record
bounce(const char *rcpt, const char *cause, int hard, bk_responsible who)
{
	bk_record r;

	memset(&r, 0, sizeof(r));
	r.kind = BK_KIND_BOUNCE;
	r.recipient = s(rcpt);
	r.cause = s(cause);
	r.hard = hard;
	r.responsible = who;
	r.reason = hard ? BK_REASON_USERUNKNOWN : BK_REASON_BLOCKED;
	r.status = s(hard ? "5.1.1" : "5.7.1");
	r.diagnostic = s(hard ? "550 5.1.1 no such user" :
	    "554 5.7.1 blocked using zen.spamhaus.org");
	r.permanent = 1;
	return r;
}

/* render - the report in @fmt as a malloc'd string */
static char *
render(const bk_report *rep, bk_report_format fmt, const bk_classifier *cls)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		abort();
	BKT_EQ_INT("write", bk_report_write(rep, fp, fmt, cls), 0);
	fclose(fp);
	return buf;
}

/* count_of - the "count" of @value in the JSON member @dim, or -1 */
static long
count_of(const char *json, const char *dim, const char *value)
{
	char key[BK_LIMIT_REPORT_KEY_BYTES + 64];
	const char *p, *end, *v;

	snprintf(key, sizeof(key), "\"%s\":{\"values\":[", dim);
	p = strstr(json, key);
	if (p == NULL)
		return -1;
	end = strstr(p, "]");
	snprintf(key, sizeof(key), "{\"value\":\"%s\",\"count\":", value);
	v = strstr(p, key);
	if (v == NULL || (end != NULL && v > end))
		return -1;
	return strtol(v + strlen(key), NULL, 10);
}

/* number_after - the whole number after the first @key in @json, or -1 */
static long
number_after(const char *json, const char *key)
{
	const char *p = strstr(json, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void
test_report__totals(void)
{
	bk_report *rep;
	bk_report_totals t;
	bk_record r[3], fb, un;

	BKT_EQ_INT("new", bk_report_new(&rep), 0);
	r[0] = bounce("a@example.org", "user.unknown", 1, BK_RESP_RECIPIENT);
	r[1] = bounce("b@example.org", "blocklist.spamhaus", 0,
	    BK_RESP_SENDER);
	r[2] = r[1];
	r[2].kind = BK_KIND_DELAY;
	r[0].has_timestamp = 1;
	r[0].timestamp = 1700000000;      /* 2023-11-14 */
	r[1].has_timestamp = 1;
	r[1].timestamp = 1600000000;      /* 2020-09-13 */
	BKT_EQ_INT("add 3", bk_report_add(rep, r, 3), 0);
	memset(&fb, 0, sizeof(fb));
	fb.kind = BK_KIND_FEEDBACK;
	fb.feedback_type = s("abuse");
	BKT_EQ_INT("add feedback", bk_report_add(rep, &fb, 1), 0);
	memset(&un, 0, sizeof(un));
	un.kind = BK_KIND_UNKNOWN;
	BKT_EQ_INT("add unknown", bk_report_add(rep, &un, 1), 0);
	BKT_EQ_INT("add nothing", bk_report_add(rep, NULL, 0), 0);
	un.kind = (bk_kind)99;
	BKT_EQ_INT("a kind out of range", bk_report_add(rep, &un, 1),
	    BK_EINVAL);
	bk_report_add_unreadable(rep);
	bk_report_add_quiet(rep);
	bk_report_totals_get(rep, &t);
	BKT_EQ_INT("inputs", t.inputs, 7);
	BKT_EQ_INT("quiet", t.quiet, 1);
	BKT_EQ_INT("unreadable", t.unreadable, 1);
	BKT_EQ_INT("undecodable", t.undecodable, 2);
	BKT_EQ_INT("records", t.records, 5);
	BKT_EQ_INT("bounces", t.kinds[BK_KIND_BOUNCE], 2);
	BKT_EQ_INT("delays", t.kinds[BK_KIND_DELAY], 1);
	BKT_EQ_INT("feedback", t.kinds[BK_KIND_FEEDBACK], 1);
	BKT_EQ_INT("unknown", t.kinds[BK_KIND_UNKNOWN], 1);
	BKT_EQ_INT("hard", t.hard, 1);
	BKT_EQ_INT("soft", t.soft, 1);
	BKT_EQ_INT("sender side (bounce and delay)", t.sender_side, 2);
	BKT_EQ_INT("first", t.first, 1600000000);
	BKT_EQ_INT("last", t.last, 1700000000);
	bk_report_free(rep);
}

static void
test_report__tables(void)
{
	bk_report *rep;
	bk_record r;
	char *js;
	int i;

	BKT_EQ_INT("new", bk_report_new(&rep), 0);
	for (i = 0; i < 3; i++) {
		r = bounce("x@Mail.example", "user.unknown", 1,
		    BK_RESP_RECIPIENT);
		BKT_EQ_INT("add", bk_report_add(rep, &r, 1), 0);
	}
	r = bounce("y@other.example", "blocklist.spamhaus", 0,
	    BK_RESP_SENDER);
	r.blocklist = s("spamhaus-zen");
	BKT_EQ_INT("add", bk_report_add(rep, &r, 1), 0);
	r = bounce("no-at-sign", NULL, 0, BK_RESP_UNKNOWN);
	BKT_EQ_INT("add", bk_report_add(rep, &r, 1), 0);
	js = render(rep, BK_REPORT_JSON, NULL);
	BKT_EQ_INT("cause user.unknown", count_of(js, "cause",
	    "user.unknown"), 3);
	BKT_EQ_INT("cause spamhaus", count_of(js, "cause",
	    "blocklist.spamhaus"), 1);
	BKT_EQ_INT("domain kept as written", count_of(js, "domain",
	    "Mail.example"), 3);
	BKT_EQ_INT("blocklist", count_of(js, "blocklist", "spamhaus-zen"),
	    1);
	BKT_EQ_INT("whose move", count_of(js, "responsible", "sender"), 1);
	BKT_EQ_INT("reason", count_of(js, "reason", "userunknown"), 3);
	BKT_EQ_INT("status", count_of(js, "status", "5.1.1"), 3);
	/* most counted first */
	BKT_CHECK(strstr(js, "\"cause\":{\"values\":[{\"value\":"
	    "\"user.unknown\"") != NULL);
	/* the record without a cause and the one without a domain */
	BKT_EQ_INT("cause none", number_after(strstr(js, "\"cause\":"),
	    "\"none\":"), 1);
	BKT_EQ_INT("domain none", number_after(strstr(js, "\"domain\":"),
	    "\"none\":"), 1);
	/* the first reply seen is the example */
	BKT_CHECK(strstr(js, "\"example\":\"550 5.1.1 no such user\"") !=
	    NULL);
	free(js);
	bk_report_free(rep);
}

/* with the built-in knowledge: names and links of known values */
static void
test_report__knowledge(void)
{
	bk_classify_options o = BK_CLASSIFY_OPTIONS_INIT;
	bk_classifier *cls;
	bk_report *rep;
	bk_record r;
	char *js, *html, *err = NULL;

	BKT_EQ_INT("classifier", bk_classifier_new(&cls, &o, &err), 0);
	BKT_EQ_INT("new", bk_report_new(&rep), 0);
	r = bounce("a@example.org", "user.unknown", 1, BK_RESP_RECIPIENT);
	BKT_EQ_INT("add", bk_report_add(rep, &r, 1), 0);
	r = bounce("b@example.org", "blocklist.spamhaus", 0, BK_RESP_SENDER);
	r.blocklist = s("spamhaus-zen");
	BKT_EQ_INT("add", bk_report_add(rep, &r, 1), 0);
	js = render(rep, BK_REPORT_JSON, cls);
	BKT_CHECK(strstr(js, "\"value\":\"user.unknown\",\"count\":1,"
	    "\"hard\":1,\"sender_side\":0,\"name\":\"") != NULL);
	/* a blocklist links to its delisting page, over https */
	BKT_CHECK(strstr(js, "\"value\":\"spamhaus-zen\"") != NULL);
	BKT_CHECK(strstr(strstr(js, "\"value\":\"spamhaus-zen\""),
	    "\"link\":\"https://") != NULL);
	html = render(rep, BK_REPORT_HTML, cls);
	BKT_CHECK(strstr(html, "<a href=\"https://") != NULL);
	/* the sender's cause carries its fix; the recipient's does not */
	BKT_CHECK(strstr(html, "fix: ") != NULL);
	free(html);
	free(js);
	bk_report_free(rep);
	bk_classifier_free(cls);
}

/* BK_LIMIT_REPORT_KEYS: distinct values kept just under, at and over */
static void
test_report__limit_keys(void)
{
	static const long extra[] = { -1, 0, 5 };
	size_t k;

	for (k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
		long n = BK_LIMIT_REPORT_KEYS + extra[k], i, shown = 0;
		bk_report *rep;
		bk_record r;
		char rcpt[64], *js, *p, *end;

		BKT_EQ_INT("new", bk_report_new(&rep), 0);
		for (i = 0; i < n; i++) {
			snprintf(rcpt, sizeof(rcpt), "u@d%ld.example", i);
			r = bounce(rcpt, "user.unknown", 1,
			    BK_RESP_RECIPIENT);
			BKT_EQ_INT("add", bk_report_add(rep, &r, 1), 0);
		}
		js = render(rep, BK_REPORT_JSON, NULL);
		p = strstr(js, "\"domain\":{\"values\":[");
		end = strchr(p, ']');
		/* loop: one value of the domain member a pass */
		while ((p = strstr(p + 1, "{\"value\":")) != NULL && p < end)
			shown++;
		BKT_EQ_INT("values kept", shown, n < BK_LIMIT_REPORT_KEYS ?
		    n : BK_LIMIT_REPORT_KEYS);
		BKT_EQ_INT("other", number_after(strstr(js, "\"domain\":"),
		    "\"other\":"), extra[k] > 0 ? extra[k] : 0);
		/* the totals lose nothing */
		BKT_EQ_INT("records", number_after(js, "\"records\":"), n);
		free(js);
		bk_report_free(rep);
	}
}

/* BK_LIMIT_REPORT_DAYS: days on the timeline under, at and over */
static void
test_report__limit_days(void)
{
	static const long extra[] = { -1, 0, 3 };
	size_t k;

	for (k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
		long n = BK_LIMIT_REPORT_DAYS + extra[k], i, days = 0;
		bk_report *rep;
		bk_record r;
		char *js, *p;

		BKT_EQ_INT("new", bk_report_new(&rep), 0);
		for (i = 0; i < n; i++) {
			r = bounce("a@example.org", "user.unknown", 1,
			    BK_RESP_RECIPIENT);
			r.has_timestamp = 1;
			r.timestamp = (int64_t)i * 86400 + 3600;
			BKT_EQ_INT("add", bk_report_add(rep, &r, 1), 0);
		}
		js = render(rep, BK_REPORT_JSON, NULL);
		for (p = js; (p = strstr(p, "{\"day\":")) != NULL; p++)
			days++;
		BKT_EQ_INT("days drawn", days, n < BK_LIMIT_REPORT_DAYS ? n :
		    BK_LIMIT_REPORT_DAYS);
		BKT_EQ_INT("not drawn", number_after(js,
		    "\"days_not_drawn\":"), extra[k] > 0 ? extra[k] : 0);
		BKT_CHECK(strstr(js, "{\"day\":\"1970-01-01\",") != NULL);
		free(js);
		/* the HTML timeline has at most 120 columns */
		js = render(rep, BK_REPORT_HTML, NULL);
		BKT_CHECK(strstr(js, "Records per 31 days") != NULL);
		free(js);
		bk_report_free(rep);
	}
}

/* values and examples are cut at their byte bounds */
static void
test_report__limit_bytes(void)
{
	char key[BK_LIMIT_REPORT_KEY_BYTES + 11];
	char ex[BK_LIMIT_REPORT_EXAMPLE_BYTES + 11];
	char want[BK_LIMIT_REPORT_EXAMPLE_BYTES + 40];
	bk_report *rep;
	bk_record r;
	char *js;

	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	memset(ex, 'e', sizeof(ex) - 1);
	ex[sizeof(ex) - 1] = '\0';
	BKT_EQ_INT("new", bk_report_new(&rep), 0);
	r = bounce("a@example.org", key, 1, BK_RESP_RECIPIENT);
	r.diagnostic = s(ex);
	BKT_EQ_INT("add", bk_report_add(rep, &r, 1), 0);
	js = render(rep, BK_REPORT_JSON, NULL);
	key[BK_LIMIT_REPORT_KEY_BYTES] = '\0';
	BKT_EQ_INT("key cut at the bound", count_of(js, "cause", key), 1);
	snprintf(want, sizeof(want), "\"example\":\"%.*s\"",
	    BK_LIMIT_REPORT_EXAMPLE_BYTES, ex);
	BKT_CHECK(strstr(js, want) != NULL);
	free(js);
	bk_report_free(rep);
}

/* hostile values: markup, quotes, control bytes, bytes not UTF-8 */
static void
test_report__escaping(void)
{
	static const char evil[] = "<script>alert(\"x\")</script>&'\x1b[31m"
	    "\x01\xff\xc2\x85";
	bk_report *rep;
	bk_record r;
	char *out;
	const unsigned char *p;
	size_t col = 0;

	BKT_EQ_INT("new", bk_report_new(&rep), 0);
	r = bounce("a@example.org", evil, 1, BK_RESP_RECIPIENT);
	r.provider = s(evil);
	r.diagnostic = s(evil);
	r.status = s("\x1b[31m\x01");
	BKT_EQ_INT("add", bk_report_add(rep, &r, 1), 0);

	out = render(rep, BK_REPORT_HTML, NULL);
	BKT_CHECK(strstr(out, "<script") == NULL);
	BKT_CHECK(strstr(out, "&lt;script&gt;alert(&quot;x&quot;)") !=
	    NULL);
	BKT_CHECK(strstr(out, "&amp;&#39;") != NULL);
	BKT_CHECK(strchr(out, '\x1b') == NULL && strchr(out, '\x01') ==
	    NULL);
	BKT_CHECK(strstr(out, "\xc2\x85") == NULL);   /* C1 NEL */
	BKT_CHECK(bkt_valid_utf8((const unsigned char *)out));
	free(out);

	out = render(rep, BK_REPORT_JSON, NULL);
	BKT_CHECK(strstr(out, "\\u001b[31m\\u0001\\ufffd") != NULL);
	BKT_CHECK(strstr(out, "alert(\\\"x\\\")") != NULL);
	BKT_CHECK(bkt_valid_utf8((const unsigned char *)out));
	free(out);

	out = render(rep, BK_REPORT_TEXT, NULL);
	BKT_CHECK(strchr(out, '\x1b') == NULL && strchr(out, '\x01') ==
	    NULL);
	/* a short value is shown whole, its escape byte as \x1b */
	BKT_CHECK(strstr(out, "\\x1b[31m\\x01") != NULL);
	/* every line fits 80 columns (the output is ASCII here) */
	for (p = (const unsigned char *)out; *p; p++) {
		if (*p == '\n') {
			col = 0;
			continue;
		}
		BKT_CHECK(*p < 0x80);
		if (++col > 80) {
			BKT_FAIL("a text line is wider than 80 columns");
			break;
		}
	}
	free(out);
	bk_report_free(rep);
}

/* how many values text and HTML show: 10, or what bk_report_set_top
 * says; JSON has them all */
static void
test_report__top(void)
{
	bk_report *rep;
	bk_record r;
	char cause[32], *out, *p;
	int i, shown;

	BKT_EQ_INT("new", bk_report_new(&rep), 0);
	for (i = 0; i < 12; i++) {
		snprintf(cause, sizeof(cause), "c.x%02d", i);
		r = bounce("a@example.org", cause, 1, BK_RESP_RECIPIENT);
		BKT_EQ_INT("add", bk_report_add(rep, &r, 1), 0);
	}
	out = render(rep, BK_REPORT_TEXT, NULL);
	BKT_CHECK(strstr(out, "Causes (top 10 of 12)") != NULL);
	free(out);
	bk_report_set_top(rep, 3);
	out = render(rep, BK_REPORT_TEXT, NULL);
	BKT_CHECK(strstr(out, "Causes (top 3 of 12)") != NULL);
	for (shown = 0, p = out; (p = strstr(p, "  c.x")) != NULL; p++)
		shown++;
	BKT_EQ_INT("causes shown", shown, 3);
	free(out);
	out = render(rep, BK_REPORT_HTML, NULL);
	BKT_CHECK(strstr(out, "The 3 most frequent of 12.") != NULL);
	free(out);
	out = render(rep, BK_REPORT_JSON, NULL);
	for (shown = 0, p = out; (p = strstr(p, "\"value\":\"c.x")) != NULL;
	    p++)
		shown++;
	BKT_EQ_INT("json has all", shown, 12);
	free(out);
	bk_report_set_top(rep, 0);
	out = render(rep, BK_REPORT_TEXT, NULL);
	BKT_CHECK(strstr(out, "Causes (top 10 of 12)") != NULL);
	free(out);
	bk_report_free(rep);
}

/* an empty report writes in every format */
static void
test_report__empty(void)
{
	bk_report *rep;
	char *out;

	BKT_EQ_INT("new", bk_report_new(&rep), 0);
	out = render(rep, BK_REPORT_JSON, NULL);
	BKT_CHECK(strstr(out, "\"records\":0") != NULL);
	BKT_CHECK(strstr(out, "\"first_day\":null") != NULL);
	free(out);
	out = render(rep, BK_REPORT_HTML, NULL);
	BKT_CHECK(strstr(out, "</html>") != NULL);
	BKT_CHECK(strstr(out, "<svg role") == NULL);
	free(out);
	out = render(rep, BK_REPORT_TEXT, NULL);
	BKT_CHECK(strstr(out, "0 records from 0 inputs") != NULL);
	free(out);
	bk_report_free(rep);
	bk_report_free(NULL);
}

BK_TEST_MAIN(
	{ "totals", test_report__totals },
	{ "tables", test_report__tables },
	{ "knowledge", test_report__knowledge },
	{ "limit_keys", test_report__limit_keys },
	{ "limit_days", test_report__limit_days },
	{ "limit_bytes", test_report__limit_bytes },
	{ "escaping", test_report__escaping },
	{ "top", test_report__top },
	{ "empty", test_report__empty }
)
