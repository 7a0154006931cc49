/*
 * test_webhook.c - ESP web hook events decoded as messages of JSON: the
 * bounds (events per message, bytes and nesting of one event) under, at
 * and over, JSON that does not parse, JSON of no known provider, and the
 * SNS envelope.  The providers' formats themselves are in the golden
 * corpus (tests/corpus/webhook).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bktest.h"
#include "bouncekit/bouncekit.h"

/* growable text */
struct sb {
	char *p;
	size_t len, cap;
};

static void
put(struct sb *s, const char *t, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->p = realloc(s->p, s->cap);
		if (s->p == NULL)
			abort();
	}
	memcpy(s->p + s->len, t, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void
puts_(struct sb *s, const char *t)
{
	put(s, t, strlen(t));
}

struct result {
	size_t n;
	bk_kind kind0;
	char rcpt0[64];
	char error0[160];
	bk_severity sev;
};

/* decode - @json as a message: records, first record, diagnostic */
static struct result
decode(const char *json, size_t len)
{
	struct result r;
	bk_message *m;
	bk_record *recs;
	const char *text = NULL;

	memset(&r, 0, sizeof(r));
	if (bk_message_new(&m, json, len, NULL) != 0 ||
	    bk_message_decode(m, &recs, &r.n) != 0) {
		BKT_FAIL("decode failed");
		return r;
	}
	if (r.n > 0) {
		r.kind0 = recs[0].kind;
		snprintf(r.rcpt0, sizeof(r.rcpt0), "%.*s",
		    (int)recs[0].recipient.len,
		    recs[0].recipient.ptr ? recs[0].recipient.ptr : "");
		snprintf(r.error0, sizeof(r.error0), "%.*s",
		    (int)recs[0].error.len,
		    recs[0].error.ptr ? recs[0].error.ptr : "");
	}
	r.sev = bk_message_diagnostic(m, &text);
	bk_message_free(m);
	return r;
}

static const char ev[] = "{\"email\":\"a@example.org\",\"event\":\"bounce\","
    "\"status\":\"5.1.1\",\"reason\":\"550 5.1.1 user unknown\"}";

/* BK_LIMIT_DSN_RECIPIENTS events per message: under, at, over */
static void
test_webhook__events_limit(void)
{
	static const long extra[] = { -1, 0, 1 };
	size_t k;

	for (k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
		long n = BK_LIMIT_DSN_RECIPIENTS + extra[k], i;
		struct sb s = { NULL, 0, 0 };
		struct result r;

		puts_(&s, "[");
		for (i = 0; i < n; i++) {
			if (i > 0)
				puts_(&s, ",\n");
			puts_(&s, ev);
		}
		puts_(&s, "]");
		r = decode(s.p, s.len);
		BKT_EQ_INT("records", r.n, n <= BK_LIMIT_DSN_RECIPIENTS ? n :
		    BK_LIMIT_DSN_RECIPIENTS);
		BKT_EQ_INT("flagged only over", r.sev >= BK_SEV_DAMAGED,
		    extra[k] > 0);
		BKT_EQ_INT("kind", r.kind0, BK_KIND_BOUNCE);
		free(s.p);
	}
}

/* one event of 1 MiB at most, 32 levels deep at most */
static void
test_webhook__event_bounds(void)
{
	static const long extra[] = { -1, 0, 1 };
	size_t k;

	for (k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
		struct sb s = { NULL, 0, 0 };
		/* the event's own bytes around the filler */
		static const char head[] = "{\"email\":\"a@example.org\","
		    "\"event\":\"bounce\",\"reason\":\"550 5.1.1 ";
		size_t fill = 1024 * 1024 - (sizeof(head) - 1) - 2 +
		    (size_t)extra[k], i;
		struct result r;

		puts_(&s, head);
		for (i = 0; i < fill; i++)
			put(&s, "x", 1);
		puts_(&s, "\"}");
		r = decode(s.p, s.len);
		BKT_EQ_INT("size: kind", r.kind0, extra[k] <= 0 ?
		    BK_KIND_BOUNCE : BK_KIND_UNKNOWN);
		if (extra[k] > 0)
			BKT_CHECK(strstr(r.error0, "too large") != NULL);
		free(s.p);
	}
	for (k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
		struct sb s = { NULL, 0, 0 };
		long depth = 32 + extra[k], i;
		struct result r;

		/* the event is level 1; "x" holds the rest */
		puts_(&s, "{\"email\":\"a@example.org\",\"event\":\"bounce\","
		    "\"x\":");
		for (i = 1; i < depth; i++)
			puts_(&s, "[");
		for (i = 1; i < depth; i++)
			puts_(&s, "]");
		puts_(&s, "}");
		r = decode(s.p, s.len);
		BKT_EQ_INT("depth: kind", r.kind0, extra[k] <= 0 ?
		    BK_KIND_BOUNCE : BK_KIND_UNKNOWN);
		free(s.p);
	}
}

/* test_webhook__times - an event's time: digits, a number, a real; too
 * many digits or a real out of range give no time (and no overflow) */
static void
test_webhook__times(void)
{
	static const struct {
		const char *raw;
		int has;
		int64_t want;
	} t[] = {
		{ "\"1763372100\"", 1, 1763372100 },
		{ "1763372100", 1, 1763372100 },
		{ "1763372100.75", 1, 1763372100 },
		{ "\"176337832150921904138\"", 0, 0 },
		/* 13 digits are milliseconds (Brevo's ts_epoch) */
		{ "\"1763378321509\"", 1, 1763378321 },
		{ "1763378321509", 1, 1763378321 },
		{ "\"17633783215090\"", 0, 0 },
		{ "176337832150900", 0, 0 },
		{ "1e300", 0, 0 },
		{ "-1e300", 0, 0 },
		{ "253402300800.5", 0, 0 },
	};
	char buf[512];
	size_t i, n;
	bk_message *m;
	bk_record *recs;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"msys\":{\"message_event\":{"
		    "\"type\":\"bounce\",\"bounce_class\":\"10\","
		    "\"rcpt_to\":\"leo@example.net\",\"raw_reason\":"
		    "\"550 5.1.1 unknown\",\"timestamp\":%s}}}", t[i].raw);
		if (bk_message_new(&m, buf, strlen(buf), NULL) != 0 ||
		    bk_message_decode(m, &recs, &n) != 0) {
			BKT_FAIL("[%s] decode failed", t[i].raw);
			continue;
		}
		BKT_EQ_INT(t[i].raw, (int)n, 1);
		if (n == 1) {
			BKT_EQ_INT(t[i].raw, recs[0].kind, BK_KIND_BOUNCE);
			BKT_EQ_INT(t[i].raw, recs[0].has_timestamp, t[i].has);
			if (t[i].has)
				BKT_CHECK(recs[0].timestamp == t[i].want);
		}
		bk_message_free(m);
	}
}

/* what is not a web hook event gives one record that says why */
static void
test_webhook__not_events(void)
{
	static const struct {
		const char *name, *json, *error;
	} rows[] = {
		{ "not closed", "[{\"event\":\"bounce\",", "not closed" },
		{ "bad JSON", "{\"event\":bounce}", "does not parse" },
		{ "not UTF-8", "{\"email\":\"a@example.org\",\"event\":"
		    "\"bounce\",\"reason\":\"caf\xe9\"}", "does not parse" },
		{ "no provider", "{\n\"hello\": \"world\"\n}",
		    "no bounce, delay, delivery or complaint event" },
		{ "only opens", "[{\"email\":\"a@example.org\",\"event\":"
		    "\"open\"}]", "no bounce, delay, delivery or complaint" },
		{ "SNS, Message not JSON", "{\"Type\":\"Notification\","
		    "\"Message\":\"hello\"}", "no bounce, delay" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct result r = decode(rows[i].json, strlen(rows[i].json));

		BKT_EQ_INT(rows[i].name, r.n, 1);
		BKT_EQ_INT(rows[i].name, r.kind0, BK_KIND_UNKNOWN);
		if (strstr(r.error0, rows[i].error) == NULL)
			BKT_FAIL("[%s] error \"%s\", want \"%s\"",
			    rows[i].name, r.error0, rows[i].error);
	}
}

/*
 * Mandrill's form body: the events percent-encoded after
 * "mandrill_events="; a broken escape is kept as it is, the next field
 * ends the value, and a form that does not hold events says why.
 */
static void
test_webhook__mandrill_form(void)
{
	static const struct {
		const char *name, *body;
		size_t n;
		int kind;
		const char *rcpt, *error;
	} rows[] = {
		{ "one event", "mandrill_events=%5B%7B%22event%22%3A%22hard_"
		    "bounce%22%2C%22msg%22%3A%7B%22email%22%3A%22a%40example."
		    "org%22%7D%7D%5D", 1, BK_KIND_BOUNCE, "a@example.org",
		    NULL },
		{ "plus is a space, next field ends it",
		    "mandrill_events=%7B%22event%22%3A+%22deferral%22%2C+%22"
		    "msg%22%3A+%7B%22email%22%3A+%22b%40example.org%22%7D%7D"
		    "&other=%5B", 1, BK_KIND_DELAY, "b@example.org", NULL },
		{ "broken escape", "mandrill_events=%5B%7B%22event%22%3A%22"
		    "send%22%2C%22msg%22%3A%7B%22email%22%3A%22c%4", 1,
		    BK_KIND_UNKNOWN, "", "not closed" },
		{ "empty", "mandrill_events=", 1, BK_KIND_UNKNOWN, "",
		    NULL },
		{ "not events", "mandrill_events=%7B%22hello%22%3A1%7D", 1,
		    BK_KIND_UNKNOWN, "", "no bounce, delay, delivery" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct result r = decode(rows[i].body, strlen(rows[i].body));

		BKT_EQ_INT(rows[i].name, r.n, rows[i].n);
		BKT_EQ_INT(rows[i].name, r.kind0, rows[i].kind);
		BKT_EQ_STR(rows[i].name, r.rcpt0, strlen(r.rcpt0),
		    rows[i].rcpt);
		if (rows[i].error != NULL &&
		    strstr(r.error0, rows[i].error) == NULL)
			BKT_FAIL("[%s] error \"%s\", want \"%s\"",
			    rows[i].name, r.error0, rows[i].error);
	}
}

/* JSON Lines and a mail message that mentions JSON stay apart */
static void
test_webhook__lines_and_mail(void)
{
	struct sb s = { NULL, 0, 0 };
	struct result r;
	static const char mail[] = "From: a@example.org\nSubject: {\"event\":"
	    "\"bounce\"}\n\n[{\"email\":\"b@example.org\",\"event\":"
	    "\"bounce\"}]\n";

	puts_(&s, ev);
	puts_(&s, "\n");
	puts_(&s, ev);
	puts_(&s, "\n\n");
	r = decode(s.p, s.len);
	BKT_EQ_INT("two lines, two records", r.n, 2);
	BKT_EQ_STR("recipient", r.rcpt0, strlen(r.rcpt0), "a@example.org");
	free(s.p);
	r = decode(mail, sizeof(mail) - 1);
	BKT_CHECK(strcmp(r.rcpt0, "b@example.org") != 0);
}

BK_TEST_MAIN(
	BKT(test_webhook__events_limit),
	BKT(test_webhook__event_bounds),
	BKT(test_webhook__times),
	BKT(test_webhook__not_events),
	BKT(test_webhook__mandrill_form),
	BKT(test_webhook__lines_and_mail)
)
