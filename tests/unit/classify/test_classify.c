/*
 * test_classify.c - classifier: reply lines, precedence, rule samples,
 * rules-file errors and hostile input.  Fixtures live in this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bktest.h"
#include "bouncekit/classify.h"
#include "bouncekit/errors.h"
#include "classify/classify_int.h"
#include "kb_cases.h"

static bk_classifier *
builtin(void)
{
	static bk_classifier *cls;
	char *err = NULL;

	if (cls == NULL && bk_classifier_new(&cls, NULL, &err) != 0) {
		fprintf(stderr, "built-in rules: %s\n", err ? err : "?");
		free(err);
		exit(1);
	}
	return cls;
}

struct reply_case {
	const char *name;
	const char *line;
	const char *reason;
	const char *status;     /* NULL: none expected */
	int hard;
	int permanent;
};

static const struct reply_case reply_cases[] = {
	{ "postfix user unknown",
	  "550 5.1.1 <x@example.org>: Recipient address rejected: User "
	  "unknown in local recipient table",
	  "userunknown", "5.1.1", 1, 1 },
	{ "postfix log line",
	  "Jan  1 00:00:00 mx postfix/smtp[123]: 4F0: to=<x@example.org>, "
	  "relay=mx.example.org[192.0.2.1]:25, delay=1, dsn=5.1.1, "
	  "status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 "
	  "<x@example.org>: Recipient address rejected: User unknown (in "
	  "reply to RCPT TO command))",
	  "userunknown", "5.1.1", 1, 1 },
	{ "gmail unsolicited is not a bad address",
	  "host gmail-smtp-in.l.google.com[142.250.1.26] said: 550-5.7.1 "
	  "[192.0.2.1] Our system has detected that this message is likely "
	  "unsolicited mail. To reduce the amount of spam sent to Gmail, this "
	  "message has been blocked. (in reply to end of DATA command)",
	  "spamdetected", "5.7.1", 0, 1 },
	{ "gmail unknown account",
	  "host aspmx.l.google.com[108.177.97.26] said: 550-5.1.1 The email "
	  "account that you tried to reach does not exist. (in reply to RCPT "
	  "TO command)",
	  "userunknown", "5.1.1", 1, 1 },
	{ "gmail dmarc",
	  "550 5.7.26 Unauthenticated email from example.com is not accepted "
	  "due to domain's DMARC policy",
	  "authfailure", "5.7.26", 0, 1 },
	{ "spamhaus listing is blocked, not hard",
	  "550 5.7.1 Service unavailable; client host [203.0.113.5] blocked "
	  "using zen.spamhaus.org",
	  "blocked", "5.7.1", 0, 1 },
	{ "office 365 access denied is user unknown (as Sisimai)",
	  "host example-org.mail.protection.outlook.com[198.51.100.2] said: "
	  "550 5.4.1 [x@example.org]: Recipient address rejected: Access "
	  "denied (in reply to RCPT TO command)",
	  "userunknown", "5.4.1", 1, 1 },
	{ "godaddy rate limit sent as 5.1.1",
	  "host smtp.secureserver.net[192.0.2.9] said: 550 5.1.1 "
	  "<x@example.com> - 203.0.113.222 has sent to too many recipients "
	  "this hour. IB607 <http://x.co/rlbounce> (in reply to RCPT TO "
	  "command)",
	  "speeding", "5.1.1", 0, 1 },
	{ "yahoo tss04 without the yahoo host (Sisimai)",
	  "421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred "
	  "due to unexpected volume or user complaints",
	  "badreputation", "4.7.0", 0, 0 },
	{ "relay denied",
	  "554 5.7.1 <x@example.org>: Relay access denied",
	  "norelaying", "5.7.1", 0, 1 },
	{ "mailbox full",
	  "552 5.2.2 <x@example.jp>... Mailbox Full",
	  "mailboxfull", "5.2.2", 0, 1 },
	{ "null mx",
	  "550 5.1.10 <x@example.net>: example.net does not accept mail "
	  "(nullMX)",
	  "notaccept", "5.1.10", 1, 1 },
	{ "status inside the text",
	  "smtp; 550 #5.1.1 bad address x@example.org",
	  "userunknown", "5.1.1", 1, 1 },
	{ "delivered",
	  "250 2.0.0 Ok: queued as 4F0ABC",
	  "delivered", "2.0.0", 0, -1 },
	{ "deferred log line (Sisimai's expired; cause network.connect)",
	  "Jan  1 00:00:00 mx postfix/smtp[1]: 4F0: to=<x@example.org>, "
	  "relay=none, delay=3600, dsn=4.4.1, status=deferred (connect to "
	  "mx.example.org[192.0.2.1]:25: Connection timed out)",
	  "expired", "4.4.1", 0, 0 },
	{ "pseudo status from the reason",
	  "host mx3.qq.com[103.7.30.40] said: 550 Connection frequency "
	  "limited. (in reply to end of DATA command)",
	  "toomanyconn", "5.0.945", 0, 1 },
	{ "no text rule: onhold",
	  "550 zzz",
	  "onhold", "5.0.901", 0, 1 },
};

/* test_classify__replies - reply and log lines to verdicts */
static void
test_classify__replies(void)
{
	bk_classifier *cls = builtin();
	size_t i;

	for (i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		const struct reply_case *c = &reply_cases[i];
		bk_record rec;
		int rc;

		rc = bk_classify_reply(cls, &rec, c->line, strlen(c->line));
		BKT_EQ_INT(c->name, rc, 0);
		BKT_EQ_STR(c->name, bk_reason_name(rec.reason),
		    strlen(bk_reason_name(rec.reason)), c->reason);
		BKT_EQ_STR(c->name, rec.status.ptr, rec.status.len, c->status);
		BKT_EQ_INT(c->name, rec.hard, c->hard);
		BKT_EQ_INT(c->name, rec.permanent, c->permanent);
		BKT_CHECK(rec.rule.ptr != NULL && rec.rule.len > 0);
	}
}

/*
 * test_classify__log_times - the time stamp a log line starts with is the
 * record's time: an ISO one with its zone; syslog's, which has neither
 * year nor zone, as local time in the year that puts it in the past
 * (here: an hour ago, in a fixed POSIX zone); a reply has none.
 */
static void
test_classify__log_times(void)
{
	static const char iso[] = "2026-11-28T06:35:12.5+01:00 mx "
	    "postfix/smtp[1]: 4F0: to=<e@example.net>, dsn=4.4.1, "
	    "status=deferred (connect timeout)";
	static const char reply[] = "550 5.1.1 user unknown since "
	    "2026-11-28 06:35:12";
	bk_classifier *cls = builtin();
	char *old;
	time_t ago = time(NULL) - 3600;
	struct tm tm;
	char line[256], stamp[32];
	bk_record rec;

	old = bkt_tz_set("CET-1CEST,M3.5.0,M10.5.0/3");
	BKT_EQ_INT("iso", bk_classify_reply(cls, &rec, iso, strlen(iso)), 0);
	BKT_EQ_INT("iso has", rec.has_timestamp, 1);
	BKT_EQ_INT("iso time", rec.timestamp, 1795844112);
	BKT_EQ_INT("iso zone", rec.tz_offset, 60);

	localtime_r(&ago, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	snprintf(line, sizeof(line), "%s mx postfix/smtp[1]: 4F0: "
	    "to=<e@example.net>, dsn=5.1.1, status=bounced (host "
	    "mx.example.net said: 550 5.1.1 unknown)", stamp);
	BKT_EQ_INT("syslog", bk_classify_reply(cls, &rec, line, strlen(line)),
	    0);
	BKT_EQ_INT(stamp, rec.has_timestamp, 1);
	BKT_EQ_INT(stamp, rec.timestamp, ago);
	BKT_EQ_INT(stamp, rec.tz_offset, tm.tm_gmtoff / 60);

	BKT_EQ_INT("reply", bk_classify_reply(cls, &rec, reply,
	    strlen(reply)), 0);
	BKT_EQ_INT("reply has none", rec.has_timestamp, 0);
	bkt_tz_restore(old);
}

/*
 * test_classify__log_lines - MTA log lines: what happened to which
 * recipient, and lines that say nothing of a delivery reported as such
 * (kind unknown with an error), never classified as bounces
 */
static void
test_classify__log_lines(void)
{
	static const struct {
		const char *name, *line;
		bk_kind kind;
		const char *rcpt, *status, *reason;
	} rows[] = {
		{ "postfix connect",
		  "Nov 28 06:35:12 mx postfix/smtpd[19214]: connect from "
		  "unknown[127.0.0.1]",
		  BK_KIND_UNKNOWN, NULL, NULL, "undefined" },
		{ "postfix queue entry",
		  "Nov 28 06:35:12 mx postfix/qmgr[19170]: E446FA800A2: "
		  "from=<a@example.org>, size=356, nrcpt=1 (queue active)",
		  BK_KIND_UNKNOWN, NULL, NULL, "undefined" },
		{ "postfix sent",
		  "Nov 28 06:35:13 mx postfix/smtp[1]: 00B1C: "
		  "to=<b@example.net>, relay=mx.example.net[192.0.2.7]:25, "
		  "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4F0)",
		  BK_KIND_DELIVERED, "b@example.net", "2.0.0", "delivered" },
		{ "sendmail user unknown",
		  "Nov 28 06:35:12 mx sm-mta[4242]: 5ASxxA: to=<c@example.net>, "
		  "delay=00:00:01, mailer=esmtp, relay=mx.example.net. "
		  "[192.0.2.7], dsn=5.1.1, stat=User unknown",
		  BK_KIND_BOUNCE, "c@example.net", "5.1.1", "userunknown" },
		{ "sendmail deferred",
		  "Nov 28 06:35:12 mx sm-mta[4242]: 5ASxxA: to=<c@example.net>, "
		  "delay=00:10:00, mailer=esmtp, dsn=4.0.0, stat=Deferred: "
		  "Connection timed out with mx.example.net.",
		  BK_KIND_DELAY, "c@example.net", "4.0.0", NULL },
		{ "sendmail sent",
		  "Nov 28 06:35:12 mx sm-mta[4242]: 5ASxxA: to=<c@example.net>, "
		  "mailer=esmtp, dsn=2.0.0, stat=Sent (Ok: queued as 4F0)",
		  BK_KIND_DELIVERED, "c@example.net", "2.0.0", "delivered" },
		{ "sendmail sender line",
		  "Nov 28 06:35:12 mx sm-mta[4242]: 5ASxxA: from=<a@example.org>,"
		  " size=2048, class=0, nrcpts=1, proto=ESMTP",
		  BK_KIND_UNKNOWN, NULL, NULL, "undefined" },
		{ "exim failed",
		  "2026-11-28 06:35:13 1vAbCd-000123-AB ** d@example.net "
		  "R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.7]: SMTP "
		  "error from remote mail server after RCPT TO:<d@example.net>: "
		  "550 5.1.1 User unknown",
		  BK_KIND_BOUNCE, "d@example.net", "5.1.1", "userunknown" },
		{ "exim deferred",
		  "2026-11-28 06:35:13 1vAbCd-000123-AB == d@example.net "
		  "R=dnslookup T=remote_smtp defer (-44) H=mx.example.net "
		  "[192.0.2.7]: SMTP error from remote mail server after RCPT "
		  "TO:<d@example.net>: 451 4.7.1 Greylisted, try again later",
		  BK_KIND_DELAY, "d@example.net", "4.7.1", NULL },
		{ "exim delivered",
		  "2026-11-28 06:35:13 1vAbCd-000123-AB => d@example.net "
		  "R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.7] "
		  "C=\"250 2.0.0 OK\"",
		  BK_KIND_DELIVERED, "d@example.net", "2.0.0", "delivered" },
		{ "exim arrival",
		  "2026-11-28 06:35:12 1vAbCd-000123-AB <= a@example.org "
		  "H=localhost [127.0.0.1] P=esmtp S=1234",
		  BK_KIND_UNKNOWN, NULL, NULL, "undefined" },
		{ "exim completed",
		  "2026-11-28 06:35:14 1vAbCd-000123-AB Completed",
		  BK_KIND_UNKNOWN, NULL, NULL, "undefined" },
		{ "postfix, ISO time stamp (rsyslog, journald short-iso)",
		  "2026-11-28T06:35:12.123456+01:00 mx postfix/smtp[1]: 4F0: "
		  "to=<e@example.net>, relay=none, delay=30, dsn=4.4.1, "
		  "status=deferred (connect to mx.example.net[192.0.2.7]:25: "
		  "Connection timed out)",
		  BK_KIND_DELAY, "e@example.net", "4.4.1", NULL },
		{ "postfix connect, ISO time stamp",
		  "2026-11-28T06:35:12+01:00 mx postfix/smtpd[1]: connect from "
		  "unknown[192.0.2.1]",
		  BK_KIND_UNKNOWN, NULL, NULL, "undefined" },
		{ "a bare reply without codes is still a reply",
		  "Mailbox full",
		  BK_KIND_BOUNCE, NULL, "5.0.922", "mailboxfull" },
		{ "a date inside a reply does not make it a log line",
		  "550 5.1.1 user unknown since 2026-11-28 06:35:12",
		  BK_KIND_BOUNCE, NULL, "5.1.1", "userunknown" },
	};
	bk_classifier *cls = builtin();
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk_record rec;

		BKT_EQ_INT(rows[i].name, bk_classify_reply(cls, &rec,
		    rows[i].line, strlen(rows[i].line)), 0);
		BKT_EQ_INT(rows[i].name, rec.kind, rows[i].kind);
		BKT_EQ_STR(rows[i].name, rec.recipient.ptr, rec.recipient.len,
		    rows[i].rcpt);
		BKT_EQ_STR(rows[i].name, rec.status.ptr, rec.status.len,
		    rows[i].status);
		if (rows[i].reason != NULL)
			BKT_EQ_STR(rows[i].name, bk_reason_name(rec.reason),
			    strlen(bk_reason_name(rec.reason)),
			    rows[i].reason);
		if (rows[i].kind == BK_KIND_UNKNOWN)
			BKT_CHECK(rec.error.ptr != NULL);
		else
			BKT_CHECK(rec.error.ptr == NULL);
	}
}

/*
 * test_classify__marks_shift - a log line's markers found wherever they
 * fall: a filler of 0 to 40 bytes moves " to=<", " relay=", " dsn=" and
 * " stat=" across every offset of the reader's 16-byte blocks (and its
 * byte-at-a-time tail); an empty "dsn=" sets no status
 */
static void
test_classify__marks_shift(void)
{
	static const char head[] = "Nov 28 06:35:12 mx sm-mta[4242]: 5ASx",
	    tail[] = "A: to=<c@example.net>, delay=00:00:01, "
	    "mailer=esmtp, relay=mx.example.net. [192.0.2.7], dsn=5.1.1, "
	    "stat=User unknown";
	bk_classifier *cls = builtin();
	char line[256];
	size_t k;

	for (k = 0; k <= 40; k++) {
		size_t n = strlen(head);
		bk_record rec;

		memcpy(line, head, n);
		memset(line + n, 'x', k);
		memcpy(line + n + k, tail, sizeof(tail));
		n += k + sizeof(tail) - 1;
		BKT_EQ_INT("shift", bk_classify_reply(cls, &rec, line, n), 0);
		BKT_EQ_STR("shift rcpt", rec.recipient.ptr, rec.recipient.len,
		    "c@example.net");
		BKT_EQ_STR("shift status", rec.status.ptr, rec.status.len,
		    "5.1.1");
		BKT_EQ_STR("shift relay", rec.remote_mta.ptr,
		    rec.remote_mta.len, "mx.example.net.");
	}
	{
		static const char empty[] = "Nov 28 06:35:12 mx sm-mta[1]: "
		    "5ASxxA: to=<c@example.net>, dsn=, stat=Deferred";
		bk_record rec;

		BKT_EQ_INT("empty dsn", bk_classify_reply(cls, &rec, empty,
		    sizeof(empty) - 1), 0);
		BKT_CHECK(rec.status.ptr == NULL || rec.status.len > 0);
	}
}

/* test_classify__evidence - the matched text and the deciding rule */
static void
test_classify__evidence(void)
{
	static const char line[] = "550 5.7.1 Service unavailable; client "
	    "host [203.0.113.5] blocked using zen.spamhaus.org";
	bk_record rec;

	BKT_EQ_INT("evidence", bk_classify_reply(builtin(), &rec, line,
	    strlen(line)), 0);
	BKT_EQ_STR("evidence", rec.rule.ptr, rec.rule.len, "blocked.text");
	BKT_CHECK(rec.evidence.ptr != NULL && rec.evidence.len >= 13 &&
	    memcmp(rec.evidence.ptr + rec.evidence.len - 13, "blocked using",
	    13) == 0);
	BKT_CHECK(rec.evidence.ptr >= rec.diagnostic.ptr &&
	    rec.evidence.ptr + rec.evidence.len <=
	    rec.diagnostic.ptr + rec.diagnostic.len);
}

/* fill - a record with the facts a decoder would give */
static void
fill(bk_record *rec, bk_kind kind, const char *status, int reply,
    const char *command, const char *text, bk_reason hint)
{
	memset(rec, 0, sizeof(*rec));
	rec->kind = kind;
	if (status)
		rec->status = bk__cstr(status);
	rec->reply_code = reply;
	if (command)
		rec->command = bk__cstr(command);
	if (text)
		rec->diagnostic = bk__cstr(text);
	rec->reason_hint = hint;
}

/* test_classify__records - kinds, hints, derived status and reply */
static void
test_classify__records(void)
{
	bk_classifier *cls = builtin();
	bk_record rec;

	fill(&rec, BK_KIND_FEEDBACK, NULL, 0, NULL, "abuse report", 0);
	bk_classify(cls, &rec);
	BKT_EQ_INT("feedback", rec.reason, BK_REASON_FEEDBACK);
	BKT_EQ_INT("feedback hard", rec.hard, 0);

	fill(&rec, BK_KIND_AUTOREPLY, NULL, 0, NULL, "I am away", 0);
	bk_classify(cls, &rec);
	BKT_EQ_INT("autoreply", rec.reason, BK_REASON_VACATION);

	fill(&rec, BK_KIND_DELIVERED, "2.1.5", 250, NULL, "250 ok", 0);
	bk_classify(cls, &rec);
	BKT_EQ_INT("delivered", rec.reason, BK_REASON_DELIVERED);

	/* a strong hint from the decoder stands */
	fill(&rec, BK_KIND_BOUNCE, NULL, 0, NULL,
	    "Command died with status 1: procmail", BK_REASON_MAILERERROR);
	bk_classify(cls, &rec);
	BKT_EQ_INT("strong hint", rec.reason, BK_REASON_MAILERERROR);
	BKT_EQ_STR("strong hint", rec.rule.ptr, rec.rule.len, "decoder");

	/* a weak hint gives way to what the text says before it */
	fill(&rec, BK_KIND_BOUNCE, "5.1.1", 550, "RCPT",
	    "550 5.1.1 mailbox full", BK_REASON_USERUNKNOWN);
	bk_classify(cls, &rec);
	BKT_EQ_INT("weak hint", rec.reason, BK_REASON_MAILBOXFULL);

	/* a weak hint still beats the generic "filtered" reading */
	fill(&rec, BK_KIND_BOUNCE, NULL, 0, NULL, "550 No such user",
	    BK_REASON_USERUNKNOWN);
	bk_classify(cls, &rec);
	BKT_EQ_INT("weak hint stands", rec.reason, BK_REASON_USERUNKNOWN);
	BKT_EQ_STR("pseudo status", rec.status.ptr, rec.status.len, "5.0.911");
	BKT_EQ_INT("reply from text", rec.reply_code, 550);
	BKT_EQ_INT("hard", rec.hard, 1);

	/* the reply was about another recipient of the notice */
	fill(&rec, BK_KIND_BOUNCE, "5.1.1", 550, "RCPT",
	    "550 5.1.1 <x@example.net>: User unknown", 0);
	rec.other_reply = 1;
	bk_classify(cls, &rec);
	BKT_EQ_INT("other recipient", rec.reason, BK_REASON_ONHOLD);
	BKT_EQ_STR("other recipient", rec.rule.ptr, rec.rule.len,
	    "other-recipient");
	BKT_EQ_INT("other recipient hard", rec.hard, 0);
	BKT_EQ_STR("other recipient cause", rec.cause.ptr, rec.cause.len,
	    "delivery.abandoned");
	BKT_EQ_INT("other recipient responsible", rec.responsible,
	    BK_RESP_SENDER);
	rec.other_reply = 0;
	bk_classify(cls, &rec);
	BKT_EQ_INT("own recipient", rec.reason, BK_REASON_USERUNKNOWN);
	BKT_EQ_INT("own recipient hard", rec.hard, 1);

	/* nothing at all */
	fill(&rec, BK_KIND_BOUNCE, NULL, 0, NULL, NULL, 0);
	bk_classify(cls, &rec);
	BKT_EQ_INT("nothing", rec.reason, BK_REASON_UNDEFINED);
	BKT_EQ_INT("nothing permanent", rec.permanent, 1);

	/* temporary null MX is not a hard bounce */
	fill(&rec, BK_KIND_BOUNCE, "4.3.2", 453, NULL,
	    "453 4.3.2 System not accepting network messages", 0);
	bk_classify(cls, &rec);
	BKT_EQ_INT("notaccept temporary", rec.reason, BK_REASON_NOTACCEPT);
	BKT_EQ_INT("notaccept temporary hard", rec.hard, 0);

	/* a delay is still being retried: never a failure-class code */
	fill(&rec, BK_KIND_DELAY, NULL, 0, NULL,
	    "Message will be retried for 2 more day(s)", BK_REASON_EXPIRED);
	bk_classify(cls, &rec);
	BKT_EQ_INT("delay no cause", rec.reason, BK_REASON_EXPIRED);
	BKT_EQ_STR("delay pseudo status", rec.status.ptr, rec.status.len,
	    "4.0.947");
	BKT_EQ_INT("delay not permanent", rec.permanent, 0);

	/*
	 * ... its reason is Sisimai's (expired), its cause the failed
	 * connection; "no route to host" is networkerror in Sisimai too
	 */
	fill(&rec, BK_KIND_DELAY, NULL, 0, NULL, "The recipient server did "
	    "not accept our requests to connect.", BK_REASON_EXPIRED);
	bk_classify(cls, &rec);
	BKT_EQ_INT("delay reason", rec.reason, BK_REASON_EXPIRED);
	BKT_EQ_STR("delay cause", rec.cause.ptr, rec.cause.len,
	    "network.connect");
	BKT_EQ_STR("delay cause status", rec.status.ptr, rec.status.len,
	    "4.0.947");
	fill(&rec, BK_KIND_DELAY, "4.4.1", 0, NULL, "connect to "
	    "mx.example.net[192.0.2.25]:25: Connection timed out", 0);
	bk_classify(cls, &rec);
	BKT_EQ_INT("delay timeout", rec.reason, BK_REASON_EXPIRED);
	BKT_EQ_STR("delay timeout cause", rec.cause.ptr, rec.cause.len,
	    "network.connect");
	fill(&rec, BK_KIND_DELAY, "4.4.1", 0, NULL, "connect to "
	    "mx.example.net[192.0.2.25]:25: No route to host", 0);
	bk_classify(cls, &rec);
	BKT_EQ_INT("delay no route", rec.reason, BK_REASON_NETWORKERROR);
	BKT_EQ_STR("delay no route cause", rec.cause.ptr, rec.cause.len,
	    "network.connect");
	/* the same words in a bounce: the queue time ran out */
	fill(&rec, BK_KIND_BOUNCE, "4.4.1", 0, NULL, "connect to "
	    "mx.example.net[192.0.2.25]:25: Connection timed out", 0);
	bk_classify(cls, &rec);
	BKT_EQ_INT("bounce timeout", rec.reason, BK_REASON_EXPIRED);

	/* OpenSMTPD's x.0.0 is a placeholder; other decoders keep it */
	fill(&rec, BK_KIND_BOUNCE, "5.0.0", 0, NULL, "Domain does not exist",
	    0);
	rec.decoder = "opensmtpd";
	bk_classify(cls, &rec);
	BKT_EQ_INT("opensmtpd reason", rec.reason, BK_REASON_HOSTUNKNOWN);
	BKT_EQ_STR("opensmtpd status", rec.status.ptr, rec.status.len,
	    "5.0.912");
	fill(&rec, BK_KIND_DELAY, "4.0.0", 0, NULL, "No MX found for domain",
	    0);
	rec.decoder = "opensmtpd";
	bk_classify(cls, &rec);
	BKT_EQ_STR("opensmtpd delay", rec.status.ptr, rec.status.len,
	    "4.0.932");
	BKT_EQ_INT("opensmtpd delay hard", rec.hard, 0);
	fill(&rec, BK_KIND_BOUNCE, "5.0.0", 0, NULL, "Domain does not exist",
	    0);
	rec.decoder = "rfc3464";
	bk_classify(cls, &rec);
	BKT_EQ_STR("x.0.0 kept", rec.status.ptr, rec.status.len, "5.0.0");

	/* Exim's class-4 stand-in for its retry timeout is Exim's only */
	fill(&rec, BK_KIND_BOUNCE, NULL, 0, NULL, "retry timeout exceeded",
	    BK_REASON_EXPIRED);
	rec.decoder = "exim";
	rec.action = bk__cstr("failed");
	bk_classify(cls, &rec);
	BKT_EQ_STR("exim expiry", rec.status.ptr, rec.status.len, "4.0.947");
	fill(&rec, BK_KIND_BOUNCE, NULL, 0, NULL, "retry timeout exceeded",
	    BK_REASON_EXPIRED);
	rec.decoder = "mailru";
	rec.action = bk__cstr("failed");
	bk_classify(cls, &rec);
	BKT_EQ_STR("mailru expiry", rec.status.ptr, rec.status.len, "5.0.947");

	/*
	 * Google's NXDOMAIN: Sisimai's reason (networkerror, a "DNS Error"),
	 * our cause (the domain does not exist)
	 */
	fill(&rec, BK_KIND_BOUNCE, "4.0.0", 0, NULL, "DNS Error: 80335577 DNS "
	    "type 'mx' lookup of example.jp responded with code NXDOMAIN "
	    "Domain name not found: example.jp", 0);
	bk_classify(cls, &rec);
	BKT_EQ_INT("nxdomain", rec.reason, BK_REASON_NETWORKERROR);
	BKT_EQ_INT("nxdomain hard", rec.hard, 0);
	BKT_EQ_STR("nxdomain cause", rec.cause.ptr, rec.cause.len,
	    "domain.unknown");

	/*
	 * Yahoo's TSS04: rejected from a *.yahoodns.net host, badreputation
	 * elsewhere (Sisimai); the cause is the sender's reputation
	 */
	fill(&rec, BK_KIND_BOUNCE, "4.7.0", 421, "MAIL", "421 4.7.0 [TSS04] "
	    "Messages from 192.0.2.1 temporarily deferred due to unexpected "
	    "volume or user complaints - 4.16.55.1", 0);
	rec.remote_mta = bk__cstr("mta6.am0.yahoodns.net");
	bk_classify(cls, &rec);
	BKT_EQ_INT("tss04 yahoo host", rec.reason, BK_REASON_REJECTED);
	BKT_CHECK(rec.cause.ptr != NULL && rec.cause.len > 11 &&
	    memcmp(rec.cause.ptr, "reputation.", 11) == 0);
	BKT_EQ_STR("tss04 code", rec.provider_code.ptr,
	    rec.provider_code.len, "TSS04");

	/* Exim: a failure after MAIL FROM is x.0.901 whatever the reason */
	fill(&rec, BK_KIND_BOUNCE, NULL, 0, "MAIL", "host mail.example.edu "
	    "[192.0.2.222] SMTP error from remote mail server after MAIL "
	    "FROM:<a@example.com> SIZE=1024: 550 Unroutable sender address",
	    0);
	rec.decoder = "exim";
	bk_classify(cls, &rec);
	BKT_EQ_INT("exim mail reason", rec.reason, BK_REASON_REJECTED);
	BKT_EQ_STR("exim mail status", rec.status.ptr, rec.status.len,
	    "5.0.901");
	fill(&rec, BK_KIND_BOUNCE, NULL, 0, "MAIL", "host mail.example.edu "
	    "[192.0.2.222] SMTP error from remote mail server after MAIL "
	    "FROM:<a@example.com> SIZE=1024: 550 Unroutable sender address",
	    0);
	rec.decoder = "postfix";
	bk_classify(cls, &rec);
	BKT_EQ_STR("other mail status", rec.status.ptr, rec.status.len,
	    "5.0.918");

	/* a weak expired hint yields to a phrase list (Sisimai re-checks) */
	fill(&rec, BK_KIND_BOUNCE, "4.4.7", 0, NULL, "Deferred: Name server: "
	    "example.jp.: host name lookup failure Message could not be "
	    "delivered for 8 hours", BK_REASON_EXPIRED);
	bk_classify(cls, &rec);
	BKT_EQ_INT("weak hint", rec.reason, BK_REASON_NETWORKERROR);
	/* ... but not to a bare status code */
	fill(&rec, BK_KIND_BOUNCE, "4.4.2", 0, NULL, "Message could not be "
	    "delivered for 8 hours", BK_REASON_EXPIRED);
	bk_classify(cls, &rec);
	BKT_EQ_INT("weak hint status", rec.reason, BK_REASON_EXPIRED);

	/* a plain-text notice with no error text: onhold (Sisimai) */
	fill(&rec, BK_KIND_BOUNCE, NULL, 0, NULL, NULL, 0);
	rec.decoder = "text";
	bk_classify(cls, &rec);
	BKT_EQ_INT("text no error", rec.reason, BK_REASON_ONHOLD);
	BKT_EQ_STR("text no error status", rec.status.ptr, rec.status.len,
	    "5.0.901");

	/* undecodable: nothing invented, whatever the text says */
	fill(&rec, BK_KIND_UNKNOWN, NULL, 0, NULL, "550 5.1.1 user unknown",
	    BK_REASON_USERUNKNOWN);
	bk_classify(cls, &rec);
	BKT_EQ_INT("unknown reason", rec.reason, BK_REASON_UNDEFINED);
	BKT_CHECK(rec.status.ptr == NULL);
	BKT_EQ_INT("unknown permanent", rec.permanent, -1);
	BKT_EQ_INT("unknown hard", rec.hard, 0);
	BKT_EQ_STR("unknown rule", rec.rule.ptr, rec.rule.len, "undecodable");
	fill(&rec, BK_KIND_UNKNOWN, NULL, 0, NULL, NULL, 0);
	bk_classify(cls, &rec);
	BKT_CHECK(rec.status.ptr == NULL);
	BKT_EQ_INT("unknown bare permanent", rec.permanent, -1);
}

/*
 * walk_all - the rule a walk over every rule finds (the reference for the
 * candidate index).
 */
static const struct bk__classify_rule *
walk_all(bk_classifier *cls, const struct bk__classify_facts *f)
{
	size_t i;

	bk__classify_scan(cls, f->text.ptr, f->text.len);
	for (i = 0; i < cls->nrules; i++)
		if (!cls->rules[i].detail &&
		    bk__classify_rule_holds(cls, &cls->rules[i], f))
			return &cls->rules[i];
	return NULL;
}

/* index_case - decide() and walk_all() agree on one record */
static void
index_case(bk_classifier *cls, const bk_record *rec, const char *text)
{
	struct bk__classify_facts f;
	const struct bk__classify_rule *a, *b;

	bk__classify_facts_init(&f, rec, 0);
	a = bk__classify_decide(cls, &f);
	b = walk_all(cls, &f);
	if (a != b)
		BKT_FAIL("index: \"%s\": got %s, want %s", text,
		    a ? a->id : "none", b ? b->id : "none");
}

/*
 * test_classify__index - only candidate rules are tried; the result is the
 * walk's, for every sample line with its facts, as a bare reply line, and
 * with hosts, decoders and statuses the rules name.
 */
static void
test_classify__index(void)
{
	static const char *const hosts[] = { "mx.GMAIL.com", "gmail.com.",
		"[192.0.2.1]", "a.b.c.yahoo.co.jp", "outlook.com", "x.jp",
		"example.org", NULL };
	static const char *const decoders[] = { "Exchange2003", "gmail",
		"mcafee", "reply", "nosuch", NULL };
	static const char *const statuses[] = { "5.7.1", "4.2.2", "5.1.1",
		"2.0.0", "5.0.0", "5.7.26", "4.4.7", NULL };
	bk_classifier *cls = builtin();
	bk_record rec;
	size_t i, j, k;

	BKT_CHECK(strcmp(bk__classify_db_source(cls), "embedded") == 0);
	for (i = 0; i < cls->nrules; i++) {
		const struct bk__classify_rule *r = &cls->rules[i];

		for (j = 0; j < r->nmust + r->nmustnot; j++) {
			const struct bk__classify_sample *s = j < r->nmust ?
			    &r->must[j] : &r->mustnot[j - r->nmust];

			(void)bk__classify_parse_reply(&rec, s->text, s->len);
			index_case(cls, &rec, s->text);
			for (k = 0; hosts[k] != NULL; k++) {
				rec.remote_mta = bk__cstr(hosts[k]);
				rec.recipient = bk__cstr(k % 2 ?
				    "u@Yahoo.co.jp" : "u@sub.gmail.com");
				rec.decoder = decoders[k % 5];
				rec.status = statuses[k] ?
				    bk__cstr(statuses[k]) : BK_STR_NULL;
				rec.kind = (bk_kind)(k % BK_KIND_COUNT_);
				index_case(cls, &rec, s->text);
			}
		}
	}
}

/*
 * gate_case - the gated scan of @text against the reference (every
 * pattern in one database, as before the gate): the same lists hit, each
 * with the same first match.
 */
static void
gate_case(bk_classifier *cls, const char *text, size_t len, size_t *nhits)
{
	uint64_t *hit;
	size_t *from, *to, i;
	unsigned hits;

	hit = calloc(cls->hitwords, sizeof(*hit));
	from = calloc(cls->ngroups, sizeof(*from));
	to = calloc(cls->ngroups, sizeof(*to));
	if (hit == NULL || from == NULL || to == NULL) {
		BKT_FAIL("out of memory");
		goto out;
	}
	cls->no_gate = 1;
	bk__classify_scan(cls, text, len);
	cls->no_gate = 0;
	hits = cls->hits;
	memcpy(hit, cls->hit, cls->hitwords * sizeof(*hit));
	for (i = 0; i < cls->ngroups; i++)
		if (hit[i / 64] & ((uint64_t)1 << (i % 64))) {
			from[i] = cls->hit_from[i];
			to[i] = cls->hit_to[i];
		}
	bk__classify_scan(cls, text, len);
	*nhits += hits;
	if (hits != cls->hits ||
	    memcmp(hit, cls->hit, cls->hitwords * sizeof(*hit)) != 0) {
		BKT_FAIL("gate: \"%.*s\": %u lists hit, want %u", (int)len,
		    text, cls->hits, hits);
		goto out;
	}
	for (i = 0; i < cls->ngroups; i++)
		if ((hit[i / 64] & ((uint64_t)1 << (i % 64))) &&
		    (from[i] != cls->hit_from[i] || to[i] != cls->hit_to[i]))
			BKT_FAIL("gate: \"%.*s\": list %s at %zu-%zu, want "
			    "%zu-%zu", (int)len, text, cls->groups[i].name ?
			    cls->groups[i].name : "?", cls->hit_from[i],
			    cls->hit_to[i], from[i], to[i]);
out:
	free(hit);
	free(from);
	free(to);
}

/*
 * test_classify__gate - the literal gate changes nothing: every sample,
 * alone and joined to the next one (so that lists match twice), scans to
 * the same lists and first matches as one database of all the patterns.
 */
static void
test_classify__gate(void)
{
	bk_classifier *cls = builtin();
	const struct bk__classify_sample **all = NULL;
	size_t n = 0, cap = 0, i, j, nhits = 0;
	char buf[2 * 4096 + 8];

	BKT_CHECK(cls->ngated > 0 && cls->db_all != NULL);
	for (i = 0; i < cls->nrules + cls->ngroups; i++) {
		const struct bk__classify_sample *m, *mn;
		size_t nm, nmn;

		if (i < cls->nrules) {
			m = cls->rules[i].must;
			nm = cls->rules[i].nmust;
			mn = cls->rules[i].mustnot;
			nmn = cls->rules[i].nmustnot;
		} else {
			m = cls->groups[i - cls->nrules].must;
			nm = cls->groups[i - cls->nrules].nmust;
			mn = cls->groups[i - cls->nrules].mustnot;
			nmn = cls->groups[i - cls->nrules].nmustnot;
		}
		for (j = 0; j < nm + nmn; j++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				all = realloc(all, cap * sizeof(*all));
				if (all == NULL) {
					BKT_FAIL("out of memory");
					return;
				}
			}
			all[n++] = j < nm ? &m[j] : &mn[j - nm];
		}
	}
	for (i = 0; i < n; i++) {
		const struct bk__classify_sample *a = all[i];
		const struct bk__classify_sample *b = all[(i * 7 + 1) % n];

		gate_case(cls, a->text, a->len, &nhits);
		if (a->len + b->len + 3 < sizeof(buf)) {
			memcpy(buf, a->text, a->len);
			memcpy(buf + a->len, " - ", 3);
			memcpy(buf + a->len + 3, b->text, b->len);
			gate_case(cls, buf, a->len + 3 + b->len, &nhits);
		}
	}
	BKT_CHECK(n > 500 && nhits > n);
	free(all);
}

/* report - print one sample failure */
static void
report(void *ctx, const char *msg)
{
	(void)ctx;
	BKT_FAIL("%s", msg);
}

/* test_classify__samples - every rule matches its must and not its mustnot */
static void
test_classify__samples(void)
{
	bk_classifier *cls = builtin();
	size_t i, nsamples = 0;

	BKT_CHECK(bk_classifier_rule_count(cls) > 100);
	BKT_EQ_INT("samples", bk__classify_check_samples(cls, report, NULL),
	    0);
	/* every rule and every named phrase list carries samples */
	for (i = 0; i < cls->nrules; i++) {
		const struct bk__classify_rule *r = &cls->rules[i];

		if (r->nmust == 0 || r->nmustnot == 0)
			BKT_FAIL("rule %s needs must and mustnot samples",
			    r->id);
		nsamples += r->nmust + r->nmustnot;
	}
	for (i = 0; i < cls->ngroups; i++) {
		const struct bk__classify_group *g = &cls->groups[i];

		if (!g->anonymous && g->name != NULL && g->nmust == 0)
			BKT_FAIL("phrases %s needs a must sample", g->name);
	}
	BKT_CHECK(nsamples > 2 * cls->nrules - 1);
}

/* load_text - classifier from rules text only; errmsg in *err */
static int
load_text(bk_classifier **out, const char *text, char **err)
{
	bk_classify_options opts = BK_CLASSIFY_OPTIONS_INIT;
	char path[] = "/tmp/bk_test_rulesXXXXXX";
	int fd, rc;
	FILE *fp;

	fd = mkstemp(path);
	if (fd < 0)
		return BK_EIO;
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	opts.rules_path = path;
	opts.no_builtin = 1;
	rc = bk_classifier_new(out, &opts, err);
	unlink(path);
	return rc;
}

struct syntax_case {
	const char *name;
	const char *text;
	unsigned line;
	const char *msg;
};

static const struct syntax_case syntax_cases[] = {
	{ "unknown key", "# x\nrule a\n\tfoo bar\n", 3, "unknown key 'foo'" },
	{ "unknown reason", "rule a\n\treason nosuch\n", 2, "'reason'" },
	{ "no priority", "rule a\n\treason blocked\n\tstatus 5.7.1\n", 1,
	  "has no priority" },
	{ "no condition", "rule a\n\treason blocked\n\tpriority 1\n", 1,
	  "has no condition" },
	{ "unterminated quote", "phrases p\n\ttext \"abc\n", 2,
	  "unterminated" },
	{ "unknown list", "rule a\n\treason blocked\n\tpriority 1\n"
	  "\tmatch nolist\n", 1, "unknown phrase list 'nolist'" },
	{ "bad status", "rule a\n\treason blocked\n\tpriority 1\n"
	  "\tstatus 5.x.1\n", 4, "bad status code" },
	{ "bad reply", "rule a\n\treason blocked\n\tpriority 1\n"
	  "\treply 650\n", 4, "bad reply code" },
	{ "key outside", "status 5.1.1\n", 1, "outside a rule" },
	{ "duplicate id", "rule a\n\treason blocked\n\tpriority 1\n"
	  "\tstatus 5.7.1\nrule a\n\treason blocked\n\tpriority 1\n"
	  "\tstatus 5.7.1\n", 5, "duplicate rule id" },
	{ "bad regex", "rule a\n\treason blocked\n\tpriority 1\n"
	  "\tregex \"(unclosed\"\n", 4, "does not compile" },
	{ "bad escape", "rule a\n\ttext \"\\q\"\n", 2, "unknown escape" },
};

/* test_classify__syntax - rules-file errors carry file and line */
static void
test_classify__syntax(void)
{
	size_t i;

	for (i = 0; i < sizeof(syntax_cases) / sizeof(syntax_cases[0]); i++) {
		const struct syntax_case *c = &syntax_cases[i];
		bk_classifier *cls = NULL;
		char *err = NULL, want[32];
		int rc;

		rc = load_text(&cls, c->text, &err);
		BKT_EQ_INT(c->name, rc, BK_ESYNTAX);
		BKT_CHECK(cls == NULL);
		if (err == NULL) {
			BKT_FAIL("[%s] no error message", c->name);
			continue;
		}
		snprintf(want, sizeof(want), ":%u: ", c->line);
		if (strstr(err, want) == NULL || strstr(err, c->msg) == NULL)
			BKT_FAIL("[%s] got \"%s\", want line %u and \"%s\"",
			    c->name, err, c->line, c->msg);
		if (strncmp(err, "/tmp/bk_test_rules", 18) != 0)
			BKT_FAIL("[%s] no file name in \"%s\"", c->name, err);
		free(err);
	}
}

/* test_classify__user_rules - a user file extends and overrides */
static void
test_classify__user_rules(void)
{
	static const char text[] =
	    "version 1\n"
	    "phrases my.list\n"
	    "\ttext \"custom reject phrase\"\n"
	    "\tmust \"550 custom reject phrase\"\n"
	    "rule my.rule\n"
	    "\treason policyviolation\n"
	    "\tpriority 960\n"
	    "\tmatch my.list\n"
	    "\tcause policy.custom\n"
	    "\tmust \"550 5.1.1 custom reject phrase\"\n"
	    "\tmustnot \"550 5.1.1 user unknown\"\n";
	bk_classify_options opts = BK_CLASSIFY_OPTIONS_INIT;
	char path[] = "/tmp/bk_test_rulesXXXXXX";
	bk_classifier *cls = NULL;
	bk_record rec;
	char *err = NULL;
	FILE *fp;
	int fd;

	fd = mkstemp(path);
	BKT_CHECK(fd >= 0);
	if (fd < 0)
		return;
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	opts.rules_path = path;
	BKT_EQ_INT("user rules", bk_classifier_new(&cls, &opts, &err), 0);
	unlink(path);
	if (cls == NULL) {
		BKT_FAIL("user rules: %s", err ? err : "?");
		free(err);
		return;
	}
	BKT_EQ_INT("count", bk_classifier_rule_count(cls),
	    bk_classifier_rule_count(builtin()) + 1);
	bk_classify_reply(cls, &rec, "550 5.1.1 custom reject phrase", 30);
	BKT_EQ_INT("user rule wins", rec.reason, BK_REASON_POLICYVIOLATION);
	BKT_EQ_STR("cause", rec.cause.ptr, rec.cause.len, "policy.custom");
	BKT_EQ_INT("user samples", bk__classify_check_samples(cls, report,
	    NULL), 0);
	bk_classifier_free(cls);

	opts.rules_path = "/nonexistent/bk.rules";
	err = NULL;
	BKT_EQ_INT("missing file", bk_classifier_new(&cls, &opts, &err),
	    BK_EIO);
	free(err);
	bk_classifier_free(NULL);
}

/* test_classify__hostile - empty, huge, binary, invalid UTF-8 */
static void
test_classify__hostile(void)
{
	bk_classifier *cls = builtin();
	size_t big = BK_LIMIT_LINE_BYTES + 4096, i;
	bk_record rec;
	char *buf;

	BKT_EQ_INT("empty", bk_classify_reply(cls, &rec, "", 0), BK_EINVAL);
	BKT_EQ_INT("blank", bk_classify_reply(cls, &rec, " \r\n", 3),
	    BK_EINVAL);
	BKT_EQ_INT("null", bk_classify_reply(cls, &rec, NULL, 5), BK_EINVAL);

	buf = malloc(big);
	BKT_CHECK(buf != NULL);
	if (buf == NULL)
		return;
	/* 1 MB of text with a reason at the start */
	memset(buf, 'a', big);
	memcpy(buf, "550 5.1.1 user unknown ", 23);
	BKT_EQ_INT("huge", bk_classify_reply(cls, &rec, buf, big), 0);
	BKT_EQ_INT("huge reason", rec.reason, BK_REASON_USERUNKNOWN);

	/* every byte value, NULs included */
	for (i = 0; i < big; i++)
		buf[i] = (char)(i * 7 + 3);
	BKT_EQ_INT("binary", bk_classify_reply(cls, &rec, buf, big), 0);
	BKT_CHECK((unsigned)rec.reason < BK_REASON_COUNT_);

	/* invalid UTF-8 around a phrase */
	memcpy(buf, "550 \xff\xfe\xc0\x80 mailbox full \xed\xa0\x80", 26);
	BKT_EQ_INT("utf8", bk_classify_reply(cls, &rec, buf, 26), 0);
	BKT_EQ_INT("utf8 reason", rec.reason, BK_REASON_MAILBOXFULL);

	/* many codes and repeated phrases (regex repeats are dropped) */
	for (i = 0; i + 24 <= big; i += 24)
		memcpy(buf + i, "550-5.1.1 mailbox x q o ", 24);
	BKT_EQ_INT("repeats", bk_classify_reply(cls, &rec, buf, big), 0);
	free(buf);
}

/* sv - a slice as a C string for messages (static buffer) */
static const char *
sv(bk_str s)
{
	static char buf[4][256];
	static int k;
	size_t n;

	if (s.ptr == NULL)
		return "(null)";
	k = (k + 1) % 4;
	n = s.len < 255 ? s.len : 255;
	memcpy(buf[k], s.ptr, n);
	buf[k][n] = '\0';
	return buf[k];
}

/* eqs - slice equals C string (NULL: absent) */
static int
eqs(bk_str s, const char *want)
{
	if (want == NULL)
		return s.ptr == NULL;
	return s.ptr != NULL && strlen(want) == s.len &&
	    memcmp(s.ptr, want, s.len) == 0;
}

/* classify_at - a reply line as if @host had said it */
static int
classify_at(bk_classifier *cls, bk_record *rec, const char *line,
    const char *host)
{
	int rc = bk_classify_reply(cls, rec, line, strlen(line));

	if (rc == 0 && host != NULL) {
		rec->remote_mta = bk__cstr(host);
		rc = bk_classify(cls, rec);
	}
	return rc;
}

/*
 * test_classify__kb_codes - every code entry of the providers knowledge
 * (rules/55-providers.rules, table in kb_cases.h), as a reply line from
 * its provider's host, is explained with its category and provider.
 */
static void
test_classify__kb_codes(void)
{
	bk_classifier *cls = builtin();
	size_t i, n = sizeof(kb_cases) / sizeof(kb_cases[0]);
	bk_record rec;

	BKT_CHECK(n >= 200);
	for (i = 0; i < n; i++) {
		const struct kb_case *c = &kb_cases[i];

		BKT_EQ_INT(c->id, classify_at(cls, &rec, c->line, c->host), 0);
		if (!eqs(rec.category, c->category) ||
		    !eqs(rec.provider, c->provider))
			BKT_FAIL("[%s] \"%s\" host=%s: got %s/%s, want %s/%s",
			    c->id, c->line, c->host, sv(rec.category),
			    sv(rec.provider), c->category, c->provider);
	}
}

struct prec_case {
	const char *name, *line, *host;
	const char *reason, *cause, *category, *provider, *code, *blocklist;
	int hard;
};

/* Precedence: a provider's own words beat the generic reading of a code. */
static const struct prec_case prec_cases[] = {
	{ "microsoft S3150 is the sender's IP, not a bad address",
	  "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. "
	  "Please contact your Internet service provider since part of their "
	  "network is on our block list (S3150).",
	  "hotmail-com.olc.protection.outlook.com", "blocked",
	  "blocklist.microsoft", "blocklist", "microsoft-outlook-com", NULL,
	  NULL, 0 },
	{ "gmail likely unsolicited is content, not a dead address",
	  "550-5.7.1 [192.0.2.1] Our system has detected that this message is "
	  "likely unsolicited mail. To reduce the amount of spam sent to "
	  "Gmail, this message has been blocked.",
	  "gmail-smtp-in.l.google.com", "spamdetected", "content.spam",
	  "content-spam", "google-gmail", NULL, NULL, 0 },
	{ "godaddy rate limit sent as 5.1.1",
	  "550 5.1.1 <x@example.com> - 203.0.113.222 has sent to too many "
	  "recipients this hour. IB607 <http://x.co/rlbounce>",
	  "smtp.secureserver.net", "speeding", "rate.limit", "rate-limit",
	  "godaddy", NULL, NULL, 0 },
	{ "office 365 5.4.1 access denied is an invalid recipient",
	  "550 5.4.1 [x@example.org]: Recipient address rejected: Access "
	  "denied", "example-org.mail.protection.outlook.com", "userunknown",
	  "user.unknown", "invalid-recipient", "microsoft-exchange-online",
	  "5.4.1", NULL, 1 },
	{ "spamhaus named without a provider",
	  "554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked "
	  "using zen.spamhaus.org", NULL, "blocked", "blocklist.spamhaus",
	  "blocklist", NULL, NULL, "spamhaus-zen", 0 },
	{ "spamhaus PBL is the PBL, not ZEN",
	  "554 5.7.1 Client host [203.0.113.5] blocked using "
	  "pbl.spamhaus.org", NULL, "blocked", "blocklist.spamhaus",
	  "blocklist", NULL, NULL, "spamhaus-pbl", 0 },
	{ "yahoo TSS04 recognised by its marker, no host",
	  "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred "
	  "due to unexpected volume or user complaints", NULL, NULL,
	  "reputation.ip", "reputation", "yahoo-aol", "TSS04", NULL, 0 },
	{ "plain user unknown keeps the generic cause",
	  "550 5.1.1 <x@example.org>: Recipient address rejected: User "
	  "unknown", "mx.example.org", "userunknown", "user.unknown",
	  "invalid-recipient", NULL, NULL, NULL, 1 },
	{ "mailbox full: the recipient's side, retry later",
	  "452 4.2.2 The email account that you tried to reach is over "
	  "quota.", "gmail-smtp-in.l.google.com", "mailboxfull",
	  "mailbox.full", "mailbox-full", "google-gmail", NULL, NULL, 0 },
	{ "postfix no reverse hostname: Sisimai's blocked, cause rdns",
	  "450 4.7.1 Client host rejected: cannot find your reverse "
	  "hostname, [192.0.2.1]", "mx.example.org", "blocked",
	  "network.rdns", "reverse-dns", NULL, NULL, NULL, 0 },
	{ "DMARC policy rejection: cause DMARC, not authentication",
	  "550 5.7.1 Email rejected per DMARC policy for example.com",
	  "mx.example.org", "authfailure", "auth.dmarc",
	  "authentication-dmarc", NULL, NULL, NULL, 0 },
};

/* test_classify__precedence - the table above */
static void
test_classify__precedence(void)
{
	bk_classifier *cls = builtin();
	size_t i;
	bk_record rec;

	for (i = 0; i < sizeof(prec_cases) / sizeof(prec_cases[0]); i++) {
		const struct prec_case *c = &prec_cases[i];

		BKT_EQ_INT(c->name, classify_at(cls, &rec, c->line, c->host),
		    0);
		if (c->reason != NULL &&
		    strcmp(bk_reason_name(rec.reason), c->reason) != 0)
			BKT_FAIL("[%s] reason: got %s, want %s", c->name,
			    bk_reason_name(rec.reason), c->reason);
		if (!eqs(rec.cause, c->cause))
			BKT_FAIL("[%s] cause: got %s, want %s", c->name,
			    sv(rec.cause), c->cause);
		if (!eqs(rec.category, c->category))
			BKT_FAIL("[%s] category: got %s, want %s", c->name,
			    sv(rec.category), c->category);
		if (c->provider != NULL && !eqs(rec.provider, c->provider))
			BKT_FAIL("[%s] provider: got %s, want %s", c->name,
			    sv(rec.provider), c->provider);
		if (c->code != NULL && !eqs(rec.provider_code, c->code))
			BKT_FAIL("[%s] provider code: got %s, want %s",
			    c->name, sv(rec.provider_code), c->code);
		if (c->blocklist != NULL && !eqs(rec.blocklist, c->blocklist))
			BKT_FAIL("[%s] blocklist: got %s, want %s", c->name,
			    sv(rec.blocklist), c->blocklist);
		BKT_EQ_INT(c->name, rec.hard, c->hard);
		BKT_CHECK(rec.responsible != BK_RESP_UNKNOWN);
		BKT_CHECK(rec.retry != BK_RETRY_UNKNOWN);
	}
}

/*
 * test_classify__knowledge - the built-in knowledge is complete: every
 * cause a rule names is defined, every reason has a default cause, and
 * the counts the knowledge base promises are there.
 */
static void
test_classify__knowledge(void)
{
	bk_classifier *cls = builtin();
	size_t i, count[5] = { 0 };
	bk_knowledge k;

	for (i = 0; bk_classifier_knowledge(&k, cls, i) == 0; i++) {
		count[k.type]++;
		if (k.type == BK_KNOW_CAUSE) {
			bk_knowledge c;

			if (bk_classifier_lookup(&c, cls, BK_KNOW_CATEGORY,
			    k.category, strlen(k.category)) != 0)
				BKT_FAIL("cause %s: no category %s", k.id,
				    k.category);
		}
		if (k.type == BK_KNOW_CATEGORY)
			BKT_CHECK(k.nfixes > 0 && k.retry_advice != NULL);
		if (k.type == BK_KNOW_BLOCKLIST)
			BKT_CHECK(k.delist != NULL);
	}
	BKT_CHECK(count[BK_KNOW_PROVIDER] >= 25);
	BKT_CHECK(count[BK_KNOW_BLOCKLIST] >= 23);
	BKT_CHECK(count[BK_KNOW_CATEGORY] >= 30);
	for (i = 0; i < cls->nrules; i++) {
		const struct bk__classify_rule *r = &cls->rules[i];

		if (r->cause != NULL && bk_classifier_lookup(&k, cls,
		    BK_KNOW_CAUSE, r->cause, strlen(r->cause)) != 0)
			BKT_FAIL("%s:%u: rule %s: cause %s is not defined",
			    r->file, r->line, r->id, r->cause);
		if (r->provider != NULL && bk_classifier_lookup(&k, cls,
		    BK_KNOW_PROVIDER, r->provider, strlen(r->provider)) != 0)
			BKT_FAIL("%s:%u: rule %s: provider %s is not defined",
			    r->file, r->line, r->id, r->provider);
	}
	for (i = 0; i < BK_REASON_COUNT_; i++)
		if (cls->reason_cause[i] < 0)
			BKT_FAIL("reason %s has no default cause",
			    bk_reason_name((bk_reason)i));
	BKT_EQ_INT("lookup", bk_classifier_lookup(&k, cls, BK_KNOW_CAUSE,
	    "no.such", 7), BK_ENOTFOUND);
}

/* slice_is - does slice @v hold exactly @want (NULL: absent) */
static int
slice_is(bk_str v, const char *want)
{
	if (want == NULL)
		return v.ptr == NULL;
	return v.ptr != NULL && v.len == strlen(want) &&
	    memcmp(v.ptr, want, v.len) == 0;
}

/*
 * test_classify__acct - PowerMTA accounting files through one log
 * reader: the header names the columns (in any order, "#type" too),
 * rows are read by name (a quoted field holds commas and "" quotes),
 * the category names the reason when there is no reply, a receipt is no
 * outcome, a row before any header and any other line are read as a
 * reply line, and a new header changes the columns.
 */
static void
test_classify__acct(void)
{
	static const struct {
		const char *line;
		bk_kind kind;
		const char *decoder, *rcpt, *status, *diag, *mta;
		bk_reason reason;
	} t[] = {
		/* before any header: a reply line like any other */
		{ "b,x,550 5.1.1 user unknown", BK_KIND_BOUNCE, "reply", NULL,
		  "5.1.1", NULL, NULL, BK_REASON_USERUNKNOWN },
		{ "type,timeLogged,orig,rcpt,dsnAction,dsnStatus,dsnDiag,"
		  "dsnMta,bounceCat", BK_KIND_UNKNOWN, "pmta-acct", NULL, NULL,
		  NULL, NULL, BK_REASON_UNDEFINED },
		{ "b,2025-11-17 12:00:02-0800,s@example.com,bob@example.org,"
		  "failed,5.1.1 (bad destination mailbox address),\"smtp;550 "
		  "5.1.1 <bob@example.org>: unknown, \"\"bob\"\"\","
		  "mx.example.org (198.51.100.7),bad-mailbox", BK_KIND_BOUNCE,
		  "pmta-acct", "bob@example.org", "5.1.1",
		  "550 5.1.1 <bob@example.org>: unknown, \"bob\"",
		  "mx.example.org", BK_REASON_USERUNKNOWN },
		{ "t,2025-11-17 12:00:03-0800,s@example.com,cat@example.com,"
		  "delayed,4.2.2 (mailbox full),smtp;452 4.2.2 Mailbox full,"
		  "mx.example.com. (203.0.113.9),quota-issues", BK_KIND_DELAY,
		  "pmta-acct", "cat@example.com", "4.2.2",
		  "452 4.2.2 Mailbox full", "mx.example.com",
		  BK_REASON_MAILBOXFULL },
		/* no reply: PowerMTA's category names the reason */
		{ "b,2025-11-17 12:00:04-0800,s@example.com,dan@example.net,"
		  "failed,,,,bad-domain", BK_KIND_BOUNCE, "pmta-acct",
		  "dan@example.net", NULL, NULL, NULL, BK_REASON_HOSTUNKNOWN },
		{ "d,2025-11-17 12:00:05-0800,s@example.com,eve@example.org,"
		  "relayed,2.0.0 (success),smtp;250 2.0.0 OK,mx.example.org,",
		  BK_KIND_DELIVERED, "pmta-acct", "eve@example.org", "2.0.0",
		  "250 2.0.0 OK", "mx.example.org", BK_REASON_DELIVERED },
		{ "r,2025-11-17 12:00:06-0800,s@example.com,fay@example.org,,,,,",
		  BK_KIND_UNKNOWN, "pmta-acct", NULL, NULL, NULL, NULL,
		  BK_REASON_UNDEFINED },
		/* another log's line in between */
		{ "Nov 28 06:35:12 mx postfix/smtp[1]: 4ABC: "
		  "to=<gil@example.net>, relay=mx.example.net[192.0.2.1]:25, "
		  "dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.1] "
		  "said: 550 5.1.1 unknown (in reply to RCPT TO command))",
		  BK_KIND_BOUNCE, "reply", "gil@example.net", "5.1.1", NULL,
		  "mx.example.net", BK_REASON_USERUNKNOWN },
		/* a new header, other columns: the rows follow it */
		{ "#type,rcpt,dsnDiag", BK_KIND_UNKNOWN, "pmta-acct", NULL,
		  NULL, NULL, NULL, BK_REASON_UNDEFINED },
		{ "rb,hal@example.net,smtp;552 5.2.2 over quota",
		  BK_KIND_BOUNCE, "pmta-acct", "hal@example.net", "5.2.2",
		  "552 5.2.2 over quota", NULL, BK_REASON_MAILBOXFULL },
	};
	bk_classifier *cls = builtin();
	bk_log_reader *lr = NULL;
	size_t i;

	BKT_EQ_INT("new", bk_log_reader_new(&lr), 0);
	for (i = 0; lr != NULL && i < sizeof(t) / sizeof(t[0]); i++) {
		bk_record r;
		char name[32];

		snprintf(name, sizeof(name), "row %zu", i);
		BKT_EQ_INT(name, bk_classify_log_line(cls, lr, &r, t[i].line,
		    strlen(t[i].line)), 0);
		BKT_EQ_INT(name, (int)r.kind, (int)t[i].kind);
		BKT_CHECK(r.decoder != NULL &&
		    strcmp(r.decoder, t[i].decoder) == 0);
		if (t[i].kind == BK_KIND_UNKNOWN) {
			BKT_CHECK(r.error.ptr != NULL);
			continue;
		}
		BKT_CHECK(t[i].rcpt == NULL || slice_is(r.recipient,
		    t[i].rcpt));
		BKT_CHECK(slice_is(r.status, t[i].status) ||
		    (t[i].status == NULL && r.status.ptr != NULL));
		BKT_CHECK(t[i].diag == NULL || slice_is(r.diagnostic,
		    t[i].diag));
		BKT_CHECK(t[i].mta == NULL || slice_is(r.remote_mta,
		    t[i].mta));
		BKT_EQ_INT(name, (int)r.reason, (int)t[i].reason);
	}
	bk_log_reader_free(lr);
	/* no reader: a reply line */
	{
		bk_record r;
		static const char l[] = "550 5.1.1 user unknown";

		BKT_EQ_INT("no reader", bk_classify_log_line(cls, NULL, &r,
		    l, sizeof(l) - 1), 0);
		BKT_EQ_INT("no reader", (int)r.reason,
		    (int)BK_REASON_USERUNKNOWN);
	}
}

/*
 * test_classify__acct_bounds - a header of more columns than are kept,
 * a row of more fields than the header, an unclosed quote and a line at
 * the length limit: records, never a read past the line
 */
static void
test_classify__acct_bounds(void)
{
	bk_classifier *cls = builtin();
	bk_log_reader *lr = NULL;
	bk_record r;
	char *big;
	size_t i, n = 0, cap = 300 * 12 + 64;

	if (bk_log_reader_new(&lr) != 0) {
		BKT_FAIL("new");
		return;
	}
	big = malloc(cap);
	if (big == NULL)
		abort();
	n = (size_t)snprintf(big, cap, "type,rcpt");
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(big + n, cap - n, ",x%zu", i);
	n += (size_t)snprintf(big + n, cap - n, ",dsnDiag");
	BKT_EQ_INT("wide header", bk_classify_log_line(cls, lr, &r, big, n),
	    0);
	/* dsnDiag is past the kept columns: the row has no reply */
	BKT_EQ_INT("wide row", bk_classify_log_line(cls, lr, &r,
	    "b,ivy@example.net,1,2", 21), 0);
	BKT_CHECK(slice_is(r.recipient, "ivy@example.net"));
	BKT_CHECK(r.diagnostic.ptr == NULL);
	free(big);
	BKT_EQ_INT("header", bk_classify_log_line(cls, lr, &r,
	    "type,rcpt,dsnDiag", 17), 0);
	BKT_EQ_INT("open quote", bk_classify_log_line(cls, lr, &r,
	    "b,jon@example.net,\"smtp;550 5.1.1 no", 36), 0);
	BKT_CHECK(slice_is(r.diagnostic, "550 5.1.1 no"));
	BKT_EQ_INT("more fields", bk_classify_log_line(cls, lr, &r,
	    "b,kim@example.net,smtp;550 5.1.1 no,extra,more", 46), 0);
	BKT_CHECK(slice_is(r.recipient, "kim@example.net"));
	big = malloc(BK_LIMIT_LINE_BYTES + 10);
	if (big == NULL)
		abort();
	memset(big, 'a', BK_LIMIT_LINE_BYTES + 10);
	memcpy(big, "b,lou@example.net,smtp;550 ", 27);
	BKT_EQ_INT("long row", bk_classify_log_line(cls, lr, &r, big,
	    BK_LIMIT_LINE_BYTES + 10), 0);
	BKT_CHECK(r.diagnostic.len <= BK_LIMIT_LINE_BYTES);
	free(big);
	bk_log_reader_free(lr);
}

BK_TEST_MAIN(
	BKT(test_classify__replies),
	BKT(test_classify__log_lines),
	BKT(test_classify__log_times),
	BKT(test_classify__marks_shift),
	BKT(test_classify__evidence),
	BKT(test_classify__records),
	BKT(test_classify__index),
	BKT(test_classify__samples),
	BKT(test_classify__syntax),
	BKT(test_classify__gate),
	BKT(test_classify__user_rules),
	BKT(test_classify__hostile),
	BKT(test_classify__kb_codes),
	BKT(test_classify__precedence),
	BKT(test_classify__knowledge),
	BKT(test_classify__acct),
	BKT(test_classify__acct_bounds)
)
