/*
 * test_store.c - the suppression store: policy tables, and every
 * backend-level case (idempotence, decay with an injected clock, delivery
 * reset, expiry, manual changes, audit rows, foreign stores, CSV import,
 * concurrent ingesters) on each backend.
 *
 * Backends: SQLite always; PostgreSQL as well when $BK_TEST_PG_URL names
 * a server (tests/store/pg.sh starts a throwaway one and sets it).  Each
 * case then runs once per backend, failures naming it
 * ("test_store__expiry[postgresql]").  On PostgreSQL every case gets a
 * schema of its own (bkt_<case>, dropped and made again), selected with
 * search_path in the URL.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>
#ifdef BK_HAVE_POSTGRESQL
#include <libpq-fe.h>
#endif

#include "bktest.h"
#include "bouncekit/bouncekit.h"
#include "bouncekit/store.h"
#include "store/store_int.h"

#define DAY 86400
#define T0 ((int64_t)1790000000)   /* 2026-09-21, a fixed "now" */

static char tmpdir[] = "/tmp/bk-store-test-XXXXXX";
static char dbpath[2048];

/* the backend the current case runs on, and the server for PostgreSQL */
static int on_pg;
static const char *pg_url;

#ifdef BK_HAVE_POSTGRESQL
/* pg_side - run fixed SQL on a connection of the test's own; 0 or -1 */
static int
pg_side(const char *text)
{
	PGconn *pg = PQconnectdb(pg_url);
	PGresult *res;
	int rc = -1;

	if (PQstatus(pg) == CONNECTION_OK) {
		res = PQexec(pg, text);
		if (PQresultStatus(res) == PGRES_COMMAND_OK ||
		    PQresultStatus(res) == PGRES_TUPLES_OK)
			rc = 0;
		else
			BKT_FAIL("%s: %s", text, PQerrorMessage(pg));
		PQclear(res);
	} else {
		BKT_FAIL("connect %s: %s", pg_url, PQerrorMessage(pg));
	}
	PQfinish(pg);
	return rc;
}

/* pg_location - the URL of schema bkt_@name, with extra URL parameters */
static const char *
pg_location(const char *name, const char *extra)
{
	snprintf(dbpath, sizeof(dbpath), "%s%soptions=-c%%20search_path%%3D"
	    "bkt_%s%s", pg_url, strchr(pg_url, '?') ? "&" : "?", name,
	    extra ? extra : "");
	return dbpath;
}

/* pg_fresh - an empty schema bkt_@name (names are the test's own) */
static const char *
pg_fresh(const char *name)
{
	char text[300];

	snprintf(text, sizeof(text), "SET client_min_messages = warning; "
	    "DROP SCHEMA IF EXISTS bkt_%s CASCADE; "
	    "CREATE SCHEMA bkt_%s", name, name);
	pg_side(text);
	return pg_location(name, NULL);
}
#endif

/* fresh_db - a new, empty store location for one case */
static const char *
fresh_db(const char *name)
{
#ifdef BK_HAVE_POSTGRESQL
	if (on_pg)
		return pg_fresh(name);
#endif
	snprintf(dbpath, sizeof(dbpath), "%s/%s.db", tmpdir, name);
	unlink(dbpath);
	return dbpath;
}

/*
 * on_backends - run a backend-level case on SQLite, then on PostgreSQL
 * when a server was given.
 */
static void
on_backends(void (*fn)(void))
{
	const char *name = bkt_case;
	char label[128];

	on_pg = 0;
	fn();
	if (pg_url == NULL)
		return;
	snprintf(label, sizeof(label), "%s[postgresql]", name);
	bkt_case = label;
	on_pg = 1;
	fn();
	on_pg = 0;
	bkt_case = name;
}

/* BACKEND_CASE - test_store__NAME runs case_NAME on every backend */
#define BACKEND_CASE(name)                                                 \
	static void test_store__##name(void)                               \
	{                                                                  \
		on_backends(case_##name);                                  \
	}

static bk_str
S(const char *s)
{
	bk_str r = { s, s ? strlen(s) : 0 };

	return r;
}

/* rec - a classified record with just the facts the store reads */
static bk_record
rec(bk_kind kind, bk_reason reason, int hard, const char *rcpt)
{
	bk_record r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.reason = reason;
	r.hard = hard;
	r.permanent = -1;
	r.recipient = S(rcpt);
	return r;
}

/* src - a source whose hash is derived from @tag (distinct messages) */
static bk_store_source
src(const char *tag)
{
	bk_store_source s;

	memset(&s, 0, sizeof(s));
	bk_store_hash(s.hash, tag, strlen(tag));
	s.origin = tag;
	return s;
}

static bk_store *
open_store(const char *path, const bk_store_policy *p)
{
	bk_store_options o = BK_STORE_OPTIONS_INIT;
	bk_store *st = NULL;
	char *err = NULL;
	int rc;

	o.policy = p;
	rc = bk_store_new(&st, path, &o, &err);
	if (rc != 0)
		BKT_FAIL("open %s: %d %s", path, rc, err ? err : "");
	free(err);
	return st;
}

/* ingest - one record at the pinned time, failing the case on error */
static bk_store_outcome
ingest(bk_store *st, int64_t now, bk_record r, const char *tag)
{
	bk_store_source s = src(tag);
	bk_store_outcome o;
	int rc;

	memset(&o, 0, sizeof(o));
	bk_store_set_clock(st, now);
	rc = bk_store_ingest(st, &o, &r, &s);
	if (rc != 0)
		BKT_FAIL("ingest %s: %d %s", tag, rc, bk_store_errmsg(st));
	return o;
}

/* look - lookup at @now; entry zeroed when not found */
static bk_store_entry
look(bk_store *st, int64_t now, const char *addr)
{
	bk_store_entry e;
	int rc;

	bk_store_set_clock(st, now);
	rc = bk_store_lookup(st, &e, addr, strlen(addr));
	if (rc != 0 && rc != BK_ENOTFOUND)
		BKT_FAIL("lookup %s: %d %s", addr, rc, bk_store_errmsg(st));
	return e;
}

struct hist {
	int events, changes;
	char last_actor[64], last_why[256], last_what[32];
};

static int
hist_cb(void *ctx, const bk_store_history_item *h)
{
	struct hist *x = ctx;

	if (h->is_change) {
		x->changes++;
		snprintf(x->last_actor, sizeof(x->last_actor), "%s",
		    h->actor ? h->actor : "");
		snprintf(x->last_why, sizeof(x->last_why), "%s",
		    h->why ? h->why : "");
		snprintf(x->last_what, sizeof(x->last_what), "%s", h->what);
	} else {
		x->events++;
	}
	return 0;
}

static struct hist
history(bk_store *st, const char *addr)
{
	struct hist h;

	memset(&h, 0, sizeof(h));
	if (bk_store_history(st, addr, strlen(addr), hist_cb, &h) != 0)
		BKT_FAIL("history %s: %s", addr, bk_store_errmsg(st));
	return h;
}

/* every reason of a bounce, not hard, and what the policy makes of it */
static void
test_store__decide_reasons(void)
{
	static const struct {
		bk_reason reason;
		bk_store_effect want;
	} rows[] = {
		{ BK_REASON_UNDEFINED, BK_STORE_SOFT },
		{ BK_REASON_AUTHFAILURE, BK_STORE_SENDER },
		{ BK_REASON_BADREPUTATION, BK_STORE_SENDER },
		{ BK_REASON_BLOCKED, BK_STORE_SENDER },
		{ BK_REASON_CONTENTERROR, BK_STORE_SENDER },
		{ BK_REASON_DELIVERED, BK_STORE_IGNORE },
		{ BK_REASON_EXCEEDLIMIT, BK_STORE_SOFT },
		{ BK_REASON_EXPIRED, BK_STORE_SOFT },
		{ BK_REASON_FAILEDSTARTTLS, BK_STORE_SENDER },
		{ BK_REASON_FEEDBACK, BK_STORE_COMPLAINT },
		{ BK_REASON_FILTERED, BK_STORE_SOFT },
		{ BK_REASON_HASMOVED, BK_STORE_SOFT },
		{ BK_REASON_HOSTUNKNOWN, BK_STORE_SOFT },
		{ BK_REASON_MAILBOXFULL, BK_STORE_SOFT },
		{ BK_REASON_MAILERERROR, BK_STORE_SOFT },
		{ BK_REASON_MESGTOOBIG, BK_STORE_SOFT },
		{ BK_REASON_NETWORKERROR, BK_STORE_SOFT },
		{ BK_REASON_NORELAYING, BK_STORE_SENDER },
		{ BK_REASON_NOTACCEPT, BK_STORE_SOFT },
		{ BK_REASON_NOTCOMPLIANTRFC, BK_STORE_SENDER },
		{ BK_REASON_ONHOLD, BK_STORE_SOFT },
		{ BK_REASON_POLICYVIOLATION, BK_STORE_SENDER },
		{ BK_REASON_REJECTED, BK_STORE_SOFT },
		{ BK_REASON_REQUIREPTR, BK_STORE_SENDER },
		{ BK_REASON_SECURITYERROR, BK_STORE_SENDER },
		{ BK_REASON_SPAMDETECTED, BK_STORE_SENDER },
		{ BK_REASON_SPEEDING, BK_STORE_SENDER },
		{ BK_REASON_SUPPRESSED, BK_STORE_SOFT },
		{ BK_REASON_SUSPEND, BK_STORE_SOFT },
		{ BK_REASON_SYNTAXERROR, BK_STORE_SOFT },
		{ BK_REASON_SYSTEMERROR, BK_STORE_SOFT },
		{ BK_REASON_SYSTEMFULL, BK_STORE_SOFT },
		{ BK_REASON_TOOMANYCONN, BK_STORE_SENDER },
		{ BK_REASON_USERUNKNOWN, BK_STORE_SOFT },
		{ BK_REASON_VACATION, BK_STORE_IGNORE },
		{ BK_REASON_VIRUSDETECTED, BK_STORE_SENDER },
	};
	int seen[BK_REASON_COUNT_] = { 0 };
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk_record r = rec(BK_KIND_BOUNCE, rows[i].reason, 0, "a@b.c");

		seen[rows[i].reason]++;
		BKT_EQ_INT(bk_reason_name(rows[i].reason), bk_store_decide(&r),
		    rows[i].want);
	}
	/* the table covers every reason exactly once */
	for (i = 0; i < BK_REASON_COUNT_; i++)
		BKT_EQ_INT(bk_reason_name((bk_reason)i), seen[i], 1);
}

/* record facts other than the reason: kind, hard, responsible */
static void
test_store__decide_facts(void)
{
	static const struct {
		const char *row;
		bk_kind kind;
		bk_reason reason;
		int hard;
		bk_responsible resp;
		bk_store_effect want;
	} rows[] = {
		{ "hard userunknown", BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1,
		  BK_RESP_RECIPIENT, BK_STORE_HARD },
		{ "hard hostunknown", BK_KIND_BOUNCE, BK_REASON_HOSTUNKNOWN, 1,
		  BK_RESP_RECIPIENT, BK_STORE_HARD },
		{ "blocked marked hard stays sender", BK_KIND_BOUNCE,
		  BK_REASON_BLOCKED, 1, BK_RESP_SENDER, BK_STORE_SENDER },
		{ "rejected by sender", BK_KIND_BOUNCE, BK_REASON_REJECTED, 0,
		  BK_RESP_SENDER, BK_STORE_SENDER },
		{ "rejected by recipient, hard", BK_KIND_BOUNCE,
		  BK_REASON_REJECTED, 1, BK_RESP_RECIPIENT, BK_STORE_HARD },
		{ "mailboxfull soft", BK_KIND_BOUNCE, BK_REASON_MAILBOXFULL,
		  0, BK_RESP_RECIPIENT, BK_STORE_SOFT },
		/* the sender's by the classifier's word, whatever the reason */
		{ "message too large", BK_KIND_BOUNCE, BK_REASON_MESGTOOBIG,
		  0, BK_RESP_SENDER, BK_STORE_SENDER },
		{ "not tried after another's refusal", BK_KIND_BOUNCE,
		  BK_REASON_ONHOLD, 0, BK_RESP_SENDER, BK_STORE_SENDER },
		{ "onhold, nobody's", BK_KIND_BOUNCE, BK_REASON_ONHOLD, 0,
		  BK_RESP_UNKNOWN, BK_STORE_SOFT },
		{ "vacation stays ignored", BK_KIND_BOUNCE,
		  BK_REASON_VACATION, 0, BK_RESP_SENDER, BK_STORE_IGNORE },
		{ "delay never counts", BK_KIND_DELAY, BK_REASON_MAILBOXFULL,
		  0, BK_RESP_RECIPIENT, BK_STORE_IGNORE },
		{ "autoreply never counts", BK_KIND_AUTOREPLY,
		  BK_REASON_VACATION, 0, BK_RESP_UNKNOWN, BK_STORE_IGNORE },
		{ "complaint", BK_KIND_FEEDBACK, BK_REASON_FEEDBACK, 0,
		  BK_RESP_UNKNOWN, BK_STORE_COMPLAINT },
		{ "delivery", BK_KIND_DELIVERED, BK_REASON_DELIVERED, 0,
		  BK_RESP_UNKNOWN, BK_STORE_DELIVERED },
		{ "undecodable", BK_KIND_UNKNOWN, BK_REASON_UNDEFINED, 0,
		  BK_RESP_UNKNOWN, BK_STORE_REVIEW },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk_record r = rec(rows[i].kind, rows[i].reason, rows[i].hard,
		    "a@b.c");

		r.responsible = rows[i].resp;
		BKT_EQ_INT(rows[i].row, bk_store_decide(&r), rows[i].want);
	}
}

/* state before, effect, soft count -> state after */
static void
test_store__transition(void)
{
	static const struct {
		const char *row;
		int was;
		const char *cause;
		bk_store_effect eff;
		unsigned soft;
		int want_suppressed;
		const char *want_cause;
		int want_changed;
	} rows[] = {
		{ "hard suppresses", 0, "", BK_STORE_HARD, 0, 1, "hard", 1 },
		{ "hard again: no change", 1, "hard", BK_STORE_HARD, 0, 1,
		  "hard", 0 },
		{ "hard upgrades soft", 1, "soft", BK_STORE_HARD, 0, 1, "hard",
		  1 },
		{ "hard keeps manual", 1, "manual", BK_STORE_HARD, 0, 1,
		  "manual", 0 },
		{ "soft 1 of 3", 0, "", BK_STORE_SOFT, 1, 0, "", 0 },
		{ "soft 2 of 3", 0, "", BK_STORE_SOFT, 2, 0, "", 0 },
		{ "soft 3 of 3", 0, "", BK_STORE_SOFT, 3, 1, "soft", 1 },
		{ "soft 4 already", 1, "soft", BK_STORE_SOFT, 4, 1, "soft", 0 },
		{ "complaint", 0, "", BK_STORE_COMPLAINT, 0, 1, "complaint",
		  1 },
		{ "complaint over soft", 1, "soft", BK_STORE_COMPLAINT, 0, 1,
		  "complaint", 1 },
		{ "delivery lifts soft", 1, "soft", BK_STORE_DELIVERED, 0, 0,
		  "", 1 },
		{ "delivery keeps hard", 1, "hard", BK_STORE_DELIVERED, 0, 1,
		  "hard", 0 },
		{ "delivery keeps complaint", 1, "complaint",
		  BK_STORE_DELIVERED, 0, 1, "complaint", 0 },
		{ "sender never suppresses", 0, "", BK_STORE_SENDER, 0, 0, "",
		  0 },
		{ "ignore", 0, "", BK_STORE_IGNORE, 0, 0, "", 0 },
	};
	bk_store_policy p = BK_STORE_POLICY_INIT;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk__store_row row;
		const char *why;
		int changed;

		memset(&row, 0, sizeof(row));
		row.e.suppressed = rows[i].was;
		snprintf(row.e.cause, sizeof(row.e.cause), "%s",
		    rows[i].cause);
		changed = bk__store_transition(&p, &row, rows[i].eff,
		    BK_REASON_UNDEFINED, rows[i].soft, T0, &why);
		BKT_EQ_INT(rows[i].row, row.e.suppressed,
		    rows[i].want_suppressed);
		BKT_EQ_STR(rows[i].row, row.e.cause, strlen(row.e.cause),
		    rows[i].want_cause);
		BKT_EQ_INT(rows[i].row, changed, rows[i].want_changed);
		BKT_EQ_INT(rows[i].row, why != NULL, changed);
	}
}

/* addresses: normalised, malformed ones refused */
static void
test_store__normalize(void)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
		{ "Jane.Doe@Example.NET", "jane.doe@example.net" },
		{ " <a@b.c> ", "a@b.c" },
		{ "\"q\"@b.c", NULL },
		{ "no-at-sign", NULL },
		{ "@b.c", NULL },
		{ "a@", NULL },
		{ "a b@c.d", NULL },
		{ "a@b@c", NULL },
		{ "", NULL },
	};
	char out[BK_STORE_ADDRESS_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = bk_store_normalize(out, rows[i].in,
		    strlen(rows[i].in));

		if (rows[i].want == NULL)
			BKT_EQ_INT(rows[i].in, rc, BK_EINVAL);
		else
			BKT_EQ_STR(rows[i].in, out, strlen(out), rows[i].want);
	}
}

/* VERP and SRS: the original recipient from the envelope recipient */
static void
test_store__verp(void)
{
	static const struct {
		const char *in, *delims;
		int want_rc;
		bk_store_verp_style want_style;
		int want_srs;
		const char *want;
	} rows[] = {
		/* Postfix XVERP, default and configured delimiters */
		{ "bounces+jane=example.net@example.org", NULL, 0,
		  BK_STORE_VERP_POSTFIX, 0, "jane@example.net" },
		{ "<Bounces+Jane.Doe=Example.NET@example.org>", NULL, 0,
		  BK_STORE_VERP_POSTFIX, 0, "jane.doe@example.net" },
		{ "bounces+a=b=example.net@example.org", NULL, 0,
		  BK_STORE_VERP_POSTFIX, 0, "a=b@example.net" },
		{ "bounces+tag+x=example.net@example.org", NULL, 0,
		  BK_STORE_VERP_POSTFIX, 0, "tag+x@example.net" },
		{ "bounces-jane#example.net@example.org", "-#", 0,
		  BK_STORE_VERP_POSTFIX, 0, "jane@example.net" },
		{ "bounces+jane=example.net@example.org", "-#", BK_ENOTFOUND,
		  BK_STORE_VERP_NONE, 0, "bounces+jane=example.net@example.org" },
		/* qmail / ezmlm */
		{ "list-return-42-jane=example.net@lists.example.org", NULL, 0,
		  BK_STORE_VERP_QMAIL, 0, "jane@example.net" },
		{ "list-return-jane=example.net@lists.example.org", NULL,
		  BK_ENOTFOUND, BK_STORE_VERP_NONE, 0, NULL },
		/* qmail's own VERP (prefix-@[]) is XVERP with "-=" */
		{ "list-jane=example.net@lists.example.org", "-=", 0,
		  BK_STORE_VERP_POSTFIX, 0, "jane@example.net" },
		/* Mailman 2 and 3 */
		{ "team-bounces+jane=example.net@lists.example.org", NULL, 0,
		  BK_STORE_VERP_MAILMAN, 0, "jane@example.net" },
		/* Sympa 6 and the older -owner form */
		{ "bounce+jane==a==example.net==team@lists.example.org", NULL, 0,
		  BK_STORE_VERP_SYMPA, 0, "jane@example.net" },
		{ "team-owner+jane==a==example.net@lists.example.org", NULL, 0,
		  BK_STORE_VERP_SYMPA, 0, "jane@example.net" },
		/* SRS0 around XVERP; SRS1 around SRS0 around XVERP */
		{ "SRS0=HHH=TT=example.org=bounces+jane=example.net@fwd.example",
		  NULL, 0, BK_STORE_VERP_POSTFIX, 1, "jane@example.net" },
		{ "srs0+HHH=TT=example.org=bounces@fwd.example", NULL,
		  BK_ENOTFOUND, BK_STORE_VERP_NONE, 1, "bounces@example.org" },
		{ "SRS1=HHH=fwd1.example==HHH=TT=example.org=team-bounces+jane="
		  "example.net@fwd2.example", NULL, 0, BK_STORE_VERP_MAILMAN, 1,
		  "jane@example.net" },
		/* not VERP; malformed */
		{ "bounces@example.org", NULL, BK_ENOTFOUND, BK_STORE_VERP_NONE,
		  0, "bounces@example.org" },
		{ "user+tag@example.org", NULL, BK_ENOTFOUND,
		  BK_STORE_VERP_NONE, 0, "user+tag@example.org" },
		{ "bounces+jane=@example.org", NULL, BK_ENOTFOUND,
		  BK_STORE_VERP_NONE, 0, "bounces+jane=@example.org" },
		{ "SRS0=broken@fwd.example", NULL, BK_EINVAL,
		  BK_STORE_VERP_NONE, 0, NULL },
		{ "MAILER-DAEMON", NULL, BK_EINVAL, BK_STORE_VERP_NONE, 0,
		  NULL },
		{ "b+j=e.net@x.org", "+", BK_EINVAL, BK_STORE_VERP_NONE, 0,
		  NULL },
	};
	char out[BK_STORE_ADDRESS_MAX + 1];
	bk_store_verp_style style;
	size_t i;
	int srs, rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		rc = bk_store_verp_decode(out, &style, &srs, rows[i].in,
		    strlen(rows[i].in), rows[i].delims);
		BKT_EQ_INT(rows[i].in, rc, rows[i].want_rc);
		BKT_EQ_INT(rows[i].in, style, rows[i].want_style);
		BKT_EQ_INT(rows[i].in, srs, rows[i].want_srs);
		if (rows[i].want != NULL)
			BKT_EQ_STR(rows[i].in, out, strlen(out), rows[i].want);
	}
	/* every style has a name */
	for (i = 0; i < BK_STORE_VERP_COUNT_; i++)
		BKT_CHECK(bk_store_verp_style_name((bk_store_verp_style)i) !=
		    NULL);
	BKT_CHECK(bk_store_verp_style_name(BK_STORE_VERP_COUNT_) == NULL);
}

/* the same message twice counts once */
static void
case_idempotent(void)
{
	bk_store *st = open_store(fresh_db("idem"), NULL);
	bk_store_outcome o;
	bk_store_entry e;

	if (st == NULL)
		return;
	o = ingest(st, T0, rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1,
	    "x@example.net"), "msg-1");
	BKT_EQ_INT("first", o.duplicate, 0);
	BKT_EQ_INT("first", o.changed, 1);
	o = ingest(st, T0 + 5, rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1,
	    "X@Example.net"), "msg-1");
	BKT_EQ_INT("again", o.duplicate, 1);
	e = look(st, T0 + 10, "x@example.net");
	BKT_EQ_INT("hard_count", e.hard_count, 1);
	BKT_EQ_INT("suppressed", e.suppressed, 1);
	BKT_EQ_INT("events", history(st, "x@example.net").events, 1);
	BKT_EQ_INT("changes", history(st, "x@example.net").changes, 1);
	/* the same message for another recipient is another event */
	o = ingest(st, T0, rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1,
	    "y@example.net"), "msg-1");
	BKT_EQ_INT("other recipient", o.duplicate, 0);
	bk_store_free(st);
}
BACKEND_CASE(idempotent)

/* soft bounces: N within D days; older ones decay out of the window */
static void
case_soft_decay(void)
{
	bk_store_policy p = BK_STORE_POLICY_INIT;   /* 3 in 7 days, 30 */
	bk_store *st = open_store(fresh_db("decay"), &p);
	const char *a = "soft@example.net";
	bk_record r = rec(BK_KIND_BOUNCE, BK_REASON_MAILBOXFULL, 0, a);
	bk_store_entry e;

	if (st == NULL)
		return;
	ingest(st, T0, r, "s1");
	ingest(st, T0 + 1 * DAY, r, "s2");
	e = look(st, T0 + 1 * DAY, a);
	BKT_EQ_INT("two soft", e.soft_count, 2);
	BKT_EQ_INT("two soft", e.suppressed, 0);
	/* day 10: the first two are out of the window */
	ingest(st, T0 + 10 * DAY, r, "s3");
	e = look(st, T0 + 10 * DAY, a);
	BKT_EQ_INT("decayed", e.soft_count, 1);
	BKT_EQ_INT("decayed", e.suppressed, 0);
	ingest(st, T0 + 11 * DAY, r, "s4");
	ingest(st, T0 + 12 * DAY, r, "s5");
	e = look(st, T0 + 12 * DAY, a);
	BKT_EQ_INT("three in window", e.soft_count, 3);
	BKT_EQ_INT("three in window", e.suppressed, 1);
	BKT_EQ_STR("cause", e.cause, strlen(e.cause), "soft");
	BKT_EQ_INT("expires", e.expires_at, T0 + 42 * DAY);
	/* a month later the count has decayed; the suppression expired */
	e = look(st, T0 + 43 * DAY, a);
	BKT_EQ_INT("later count", e.soft_count, 0);
	BKT_EQ_INT("later suppressed", e.suppressed, 0);
	BKT_EQ_INT("later expired", e.expired, 1);
	bk_store_free(st);
}
BACKEND_CASE(soft_decay)

/* a delivery resets the count and lifts a soft suppression */
static void
case_delivery_reset(void)
{
	bk_store *st = open_store(fresh_db("reset"), NULL);
	const char *a = "full@example.net";
	bk_record soft = rec(BK_KIND_BOUNCE, BK_REASON_MAILBOXFULL, 0, a);
	bk_record ok = rec(BK_KIND_DELIVERED, BK_REASON_DELIVERED, 0, a);
	bk_store_entry e;
	bk_store_outcome o;

	if (st == NULL)
		return;
	ingest(st, T0, soft, "r1");
	ingest(st, T0 + 100, soft, "r2");
	ingest(st, T0 + 200, ok, "r3");
	ingest(st, T0 + 300, soft, "r4");
	e = look(st, T0 + 300, a);
	BKT_EQ_INT("after delivery", e.soft_count, 1);
	BKT_EQ_INT("after delivery", e.suppressed, 0);
	ingest(st, T0 + 400, soft, "r5");
	o = ingest(st, T0 + 500, soft, "r6");
	BKT_EQ_INT("third", o.suppressed, 1);
	BKT_EQ_INT("third", o.changed, 1);
	o = ingest(st, T0 + 600, ok, "r7");
	BKT_EQ_INT("lifted", o.suppressed, 0);
	BKT_EQ_INT("lifted", o.changed, 1);
	e = look(st, T0 + 600, a);
	BKT_EQ_INT("lifted count", e.soft_count, 0);
	BKT_EQ_INT("changes", history(st, a).changes, 2);
	/* a delivery does not lift a hard suppression */
	ingest(st, T0 + 700, rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1,
	    a), "r8");
	o = ingest(st, T0 + 800, ok, "r9");
	BKT_EQ_INT("hard stays", o.suppressed, 1);
	bk_store_free(st);
}
BACKEND_CASE(delivery_reset)

/* suppressions that expire, and the audit row the expiry leaves */
static void
case_expiry(void)
{
	bk_store_policy p = BK_STORE_POLICY_INIT;
	bk_store *st;
	const char *a = "gone@example.net";
	bk_store_entry e;
	struct hist h;

	p.hard_expire_days = 10;
	st = open_store(fresh_db("expiry"), &p);
	if (st == NULL)
		return;
	ingest(st, T0, rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1, a),
	    "e1");
	e = look(st, T0 + 9 * DAY, a);
	BKT_EQ_INT("day 9", e.suppressed, 1);
	e = look(st, T0 + 11 * DAY, a);
	BKT_EQ_INT("day 11", e.suppressed, 0);
	BKT_EQ_INT("day 11", e.expired, 1);
	/* the next bounce writes the expiry, then suppresses again */
	ingest(st, T0 + 12 * DAY, rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN,
	    1, a), "e2");
	h = history(st, a);
	BKT_EQ_INT("changes", h.changes, 3);
	BKT_EQ_STR("last", h.last_what, strlen(h.last_what), "suppressed");
	e = look(st, T0 + 12 * DAY, a);
	BKT_EQ_INT("again", e.suppressed, 1);
	BKT_EQ_INT("again", e.expires_at, T0 + 22 * DAY);
	bk_store_free(st);
}
BACKEND_CASE(expiry)

/* manual add and remove, with reasons, in the audit trail */
static void
case_manual(void)
{
	bk_store *st = open_store(fresh_db("manual"), NULL);
	const char *a = "Ceo@Example.org";
	bk_store_entry e;
	struct hist h;

	if (st == NULL)
		return;
	bk_store_set_clock(st, T0);
	BKT_EQ_INT("add", bk_store_suppress(st, a, strlen(a),
	    "asked to be removed", "manual:alice", 0), 0);
	e = look(st, T0, "ceo@example.org");
	BKT_EQ_INT("added", e.suppressed, 1);
	BKT_EQ_STR("cause", e.cause, strlen(e.cause), "manual");
	BKT_EQ_STR("reason", e.reason, strlen(e.reason),
	    "asked to be removed");
	BKT_EQ_INT("no reason", bk_store_suppress(st, a, strlen(a), "",
	    NULL, 0), BK_EINVAL);
	BKT_EQ_INT("bad address", bk_store_suppress(st, "x", 1, "r", NULL,
	    0), BK_EINVAL);
	BKT_EQ_INT("remove", bk_store_unsuppress(st, a, strlen(a),
	    "wrote back", "manual:bob"), 0);
	e = look(st, T0, a);
	BKT_EQ_INT("removed", e.suppressed, 0);
	BKT_EQ_INT("remove again", bk_store_unsuppress(st, a, strlen(a),
	    "again", NULL), BK_ENOTFOUND);
	h = history(st, a);
	BKT_EQ_INT("audit rows", h.changes, 2);
	BKT_EQ_STR("actor", h.last_actor, strlen(h.last_actor), "manual:bob");
	BKT_EQ_STR("why", h.last_why, strlen(h.last_why), "wrote back");
	bk_store_free(st);
}
BACKEND_CASE(manual)

struct senders {
	int domain, ip;
};

static int
senders_cb(void *ctx, const bk_store_sender_count *c)
{
	struct senders *s = ctx;

	if (strcmp(c->scope, "domain") == 0 &&
	    strcmp(c->key, "example.com") == 0 &&
	    strcmp(c->reason, "blocked") == 0)
		s->domain = (int)c->count;
	if (strcmp(c->scope, "ip") == 0 &&
	    strcmp(c->key, "198.51.100.9") == 0)
		s->ip = (int)c->count;
	return 0;
}

/* sender-side failures: counted per domain and IP, address untouched */
static void
case_sender_counts(void)
{
	bk_store *st = open_store(fresh_db("sender"), NULL);
	const char *a = "bob@example.net";
	bk_record r = rec(BK_KIND_BOUNCE, BK_REASON_BLOCKED, 0, a);
	struct senders s = { 0, 0 };
	bk_store_outcome o;
	bk_store_entry e;

	if (st == NULL)
		return;
	r.sender = S("alerts@Example.COM");
	r.diagnostic = S("host mx.example.net [203.0.113.7] said: 554 5.7.1 "
	    "Client host [198.51.100.9] blocked using zen.spamhaus.org");
	o = ingest(st, T0, r, "b1");
	BKT_EQ_INT("effect", o.effect, BK_STORE_SENDER);
	ingest(st, T0 + 1, r, "b2");
	ingest(st, T0 + 2, r, "b2");   /* duplicate: not counted */
	BKT_EQ_INT("senders", bk_store_senders(st, senders_cb, &s), 0);
	BKT_EQ_INT("domain count", s.domain, 2);
	BKT_EQ_INT("ip count", s.ip, 2);
	BKT_EQ_INT("not stored", bk_store_lookup(st, &e, a, strlen(a)),
	    BK_ENOTFOUND);
	bk_store_free(st);
}
BACKEND_CASE(sender_counts)

struct evs {
	int n, bad, stop_after;
	int64_t last_at;
	char rcpts[256];
};

/* ev_cb - each event's record reads back; note its recipient */
static int
ev_cb(void *ctx, int64_t at, const char *json, size_t len)
{
	struct evs *x = ctx;
	char *scratch = malloc(len + 1);
	bk_record r;
	size_t n = strlen(x->rcpts);

	if (scratch == NULL)
		abort();
	if (bk_format_read_json(&r, NULL, json, len, scratch) != 0 ||
	    r.recipient.ptr == NULL)
		x->bad++;
	else
		snprintf(x->rcpts + n, sizeof(x->rcpts) - n, "%s%.*s",
		    n ? " " : "", (int)r.recipient.len, r.recipient.ptr);
	free(scratch);
	x->n++;
	x->last_at = at;
	return x->stop_after && x->n == x->stop_after ? 42 : 0;
}

/* events: every stored event once, its record readable, since honoured */
static void
case_events(void)
{
	bk_store *st = open_store(fresh_db("events"), NULL);
	struct evs x;
	bk_record r;

	if (st == NULL)
		return;
	memset(&x, 0, sizeof(x));
	BKT_EQ_INT("empty store", bk_store_events(st, 0, ev_cb, &x), 0);
	BKT_EQ_INT("no events", x.n, 0);
	r = rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1, "a@example.net");
	ingest(st, T0, r, "e1");
	ingest(st, T0 + 5, r, "e1");   /* the same message: one event */
	r = rec(BK_KIND_BOUNCE, BK_REASON_BLOCKED, 0, "b@example.net");
	r.sender = S("alerts@example.com");
	ingest(st, T0 + DAY, r, "e2");
	r = rec(BK_KIND_DELAY, BK_REASON_EXPIRED, 0, "c@example.net");
	ingest(st, T0 + 2 * DAY, r, "e3");
	memset(&x, 0, sizeof(x));
	BKT_EQ_INT("all", bk_store_events(st, 0, ev_cb, &x), 0);
	BKT_EQ_INT("events", x.n, 3);
	BKT_EQ_INT("readable", x.bad, 0);
	BKT_EQ_STR("in stored order", x.rcpts, strlen(x.rcpts),
	    "a@example.net b@example.net c@example.net");
	BKT_EQ_INT("last at", x.last_at, T0 + 2 * DAY);
	memset(&x, 0, sizeof(x));
	BKT_EQ_INT("since", bk_store_events(st, T0 + DAY, ev_cb, &x), 0);
	BKT_EQ_STR("since", x.rcpts, strlen(x.rcpts),
	    "b@example.net c@example.net");
	/* a callback that stops: its value comes back, the store stays
	 * usable */
	memset(&x, 0, sizeof(x));
	x.stop_after = 1;
	BKT_EQ_INT("stopped", bk_store_events(st, 0, ev_cb, &x), 42);
	BKT_EQ_INT("one seen", x.n, 1);
	memset(&x, 0, sizeof(x));
	BKT_EQ_INT("after a stop", bk_store_events(st, 0, ev_cb, &x), 0);
	BKT_EQ_INT("after a stop", x.n, 3);
	bk_store_free(st);
}
BACKEND_CASE(events)

/* at - a soft bounce that happened at @t (its own timestamp) */
static bk_record
soft_at(const char *rcpt, int64_t t)
{
	bk_record r = rec(BK_KIND_BOUNCE, BK_REASON_MAILBOXFULL, 0, rcpt);

	r.has_timestamp = 1;
	r.timestamp = t;
	return r;
}

/*
 * A batch keeps addresses, soft windows and sender counters in memory
 * until it commits: the outcomes must equal one transaction per record,
 * also with bounces out of time order (the window reaching back past
 * what is kept), a lookup in the middle, and sender counters summed.
 */
static void
case_batch_cache(void)
{
	static const struct {
		int day;                   /* when the bounce happened */
		int want_suppressed, want_changed;
	} rows[] = {
		{ 10, 0, 0 },
		{ 2, 0, 0 },               /* older, out of order */
		{ 11, 0, 0 },              /* (4, 11]: days 10, 11 */
		{ 12, 1, 1 },              /* (5, 12]: 10, 11, 12 */
		{ 3, 1, 0 },               /* (-4, 3]: 2, 3; reaches back */
		{ 13, 1, 0 },
	};
	const char *a = "cache@example.net";
	bk_store *one = open_store(fresh_db("cache1"), NULL);
	bk_store *bat = open_store(fresh_db("cache2"), NULL);
	struct senders s1 = { 0, 0 }, s2 = { 0, 0 };
	bk_record blk = rec(BK_KIND_BOUNCE, BK_REASON_BLOCKED, 0,
	    "bob@example.net");
	bk_store_entry e1, e2;
	bk_store_outcome o1, o2;
	char tag[32];
	size_t i;

	if (one == NULL || bat == NULL)
		goto out;
	blk.sender = S("alerts@example.com");
	blk.diagnostic = S("Client host [198.51.100.9] blocked using x");
	BKT_EQ_INT("begin", bk_store_begin(bat), 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk_record r = soft_at(a, T0 + rows[i].day * DAY);

		snprintf(tag, sizeof(tag), "c%zu", i);
		o1 = ingest(one, T0 + 30 * DAY, r, tag);
		o2 = ingest(bat, T0 + 30 * DAY, r, tag);
		BKT_EQ_INT(tag, o1.suppressed, rows[i].want_suppressed);
		BKT_EQ_INT(tag, o1.changed, rows[i].want_changed);
		BKT_EQ_INT(tag, o2.suppressed, o1.suppressed);
		BKT_EQ_INT(tag, o2.changed, o1.changed);
		snprintf(tag, sizeof(tag), "b%zu", i);
		ingest(one, T0 + 30 * DAY, blk, tag);
		ingest(bat, T0 + 30 * DAY, blk, tag);
		if (i == 3) {
			/* a read in the batch sees the batch */
			e2 = look(bat, T0 + 12 * DAY, a);
			BKT_EQ_INT("mid-batch", e2.suppressed, 1);
			BKT_EQ_INT("mid-batch soft", e2.soft_count, 3);
		}
	}
	BKT_EQ_INT("commit", bk_store_commit(bat), 0);
	e1 = look(one, T0 + 13 * DAY, a);
	e2 = look(bat, T0 + 13 * DAY, a);
	BKT_EQ_INT("suppressed", e2.suppressed, e1.suppressed);
	BKT_EQ_INT("soft_count", e2.soft_count, e1.soft_count);
	BKT_EQ_INT("first_bounce", e2.first_bounce, e1.first_bounce);
	BKT_EQ_INT("last_bounce", e2.last_bounce, e1.last_bounce);
	BKT_EQ_INT("changes", history(bat, a).changes,
	    history(one, a).changes);
	BKT_EQ_INT("senders", bk_store_senders(one, senders_cb, &s1), 0);
	BKT_EQ_INT("senders", bk_store_senders(bat, senders_cb, &s2), 0);
	BKT_EQ_INT("domain count", s2.domain, 6);
	BKT_EQ_INT("ip count", s2.ip, s1.ip);
	/* a rolled-back batch leaves nothing, cached or not */
	BKT_EQ_INT("begin", bk_store_begin(bat), 0);
	ingest(bat, T0 + 30 * DAY, soft_at("gone@example.net", T0), "g1");
	ingest(bat, T0 + 30 * DAY, blk, "g2");
	BKT_EQ_INT("rollback", bk_store_rollback(bat), 0);
	BKT_EQ_INT("rolled back", bk_store_lookup(bat, &e2,
	    "gone@example.net", 16), BK_ENOTFOUND);
	memset(&s2, 0, sizeof(s2));
	bk_store_senders(bat, senders_cb, &s2);
	BKT_EQ_INT("rolled back count", s2.domain, 6);
out:
	bk_store_free(one);
	bk_store_free(bat);
}
BACKEND_CASE(batch_cache)

/*
 * Addresses cached by one batch serve the next only if no other writer
 * committed in between (SQLite's data_version) and nothing but ingests
 * ran: another handle's soft bounce between two batches counts in the
 * window, its row is not overwritten with a stale one, and a manual
 * removal in between is not undone.
 */
static void
case_batch_cache_shared(void)
{
	const char *x = "shared@example.net";
	char loc[sizeof(dbpath)];
	bk_store *a, *b;
	bk_store_entry e;
	bk_store_outcome o;

	snprintf(loc, sizeof(loc), "%s", fresh_db("cache_shared"));
	a = open_store(loc, NULL);
	b = open_store(loc, NULL);
	if (a == NULL || b == NULL)
		goto out;
	BKT_EQ_INT("begin 1", bk_store_begin(a), 0);
	o = ingest(a, T0 + 30 * DAY, soft_at(x, T0 + 10 * DAY), "s1");
	BKT_EQ_INT("1 of 3", o.suppressed, 0);
	BKT_EQ_INT("commit 1", bk_store_commit(a), 0);
	/* another writer between a's batches */
	o = ingest(b, T0 + 30 * DAY, soft_at(x, T0 + 11 * DAY), "s2");
	BKT_EQ_INT("2 of 3 (b)", o.suppressed, 0);
	BKT_EQ_INT("begin 2", bk_store_begin(a), 0);
	o = ingest(a, T0 + 30 * DAY, soft_at(x, T0 + 12 * DAY), "s3");
	BKT_EQ_INT("3 of 3 sees b's", o.suppressed, 1);
	BKT_EQ_INT("3 of 3 changed", o.changed, 1);
	BKT_EQ_INT("commit 2", bk_store_commit(a), 0);
	e = look(b, T0 + 12 * DAY, x);
	BKT_EQ_INT("b sees suppressed", e.suppressed, 1);
	BKT_EQ_INT("b sees 3 soft", e.soft_count, 3);
	/* no other writer: a's cache goes on */
	BKT_EQ_INT("begin 3", bk_store_begin(a), 0);
	o = ingest(a, T0 + 30 * DAY, soft_at(x, T0 + 13 * DAY), "s4");
	BKT_EQ_INT("4: still suppressed", o.suppressed, 1);
	BKT_EQ_INT("4: no change", o.changed, 0);
	BKT_EQ_INT("commit 3", bk_store_commit(a), 0);
	/* a manual removal by a itself, then a batch: not undone */
	bk_store_set_clock(a, T0 + 14 * DAY);
	BKT_EQ_INT("remove", bk_store_unsuppress(a, x, strlen(x), "test",
	    "tester"), 0);
	BKT_EQ_INT("begin 4", bk_store_begin(a), 0);
	o = ingest(a, T0 + 30 * DAY, soft_at(x, T0 + 14 * DAY - 60), "s5");
	BKT_EQ_INT("before the removal: clear", o.suppressed, 0);
	BKT_EQ_INT("commit 4", bk_store_commit(a), 0);
	e = look(b, T0 + 14 * DAY, x);
	BKT_EQ_INT("b sees clear", e.suppressed, 0);
	BKT_EQ_INT("b: five events", history(b, x).events, 5);
out:
	bk_store_free(a);
	bk_store_free(b);
}
BACKEND_CASE(batch_cache_shared)

/* file_bytes - the whole file, for before/after comparisons */
static char *
file_bytes(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* files that are not ours: refused, unchanged; PostgreSQL not built */
static void
test_store__not_ours(void)
{
	const char *path;
	bk_store *st = NULL;
	sqlite3 *db;
	char *err = NULL, *before, *after, wal[2100];
	size_t n1, n2;
	FILE *fp;
	int rc;

	/* a text file */
	path = fresh_db("text");
	fp = fopen(path, "w");
	fputs("this is somebody's notes file, not a database\n", fp);
	fclose(fp);
	before = file_bytes(path, &n1);
	rc = bk_store_new(&st, path, NULL, &err);
	BKT_EQ_INT("text file", rc, BK_EINVAL);
	BKT_CHECK(err != NULL && strstr(err, "not a bouncekit store"));
	free(err);
	err = NULL;
	after = file_bytes(path, &n2);
	BKT_CHECK(before && after && n1 == n2 && memcmp(before, after, n1)
	    == 0);
	free(before);
	free(after);

	/* somebody else's SQLite database */
	path = fresh_db("foreign");
	BKT_EQ_INT("make foreign", sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_exec(db, "CREATE TABLE invoices (id INTEGER, total REAL);"
	    "INSERT INTO invoices VALUES (1, 9.5);", NULL, NULL, NULL);
	sqlite3_close(db);
	before = file_bytes(path, &n1);
	rc = bk_store_new(&st, path, NULL, &err);
	BKT_EQ_INT("foreign db", rc, BK_EINVAL);
	BKT_CHECK(err != NULL && strstr(err, "not a bouncekit store"));
	free(err);
	err = NULL;
	after = file_bytes(path, &n2);
	BKT_CHECK(before && after && n1 == n2 && memcmp(before, after, n1)
	    == 0);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	BKT_EQ_INT("no wal made", access(wal, F_OK), -1);
	free(before);
	free(after);

#ifndef BK_HAVE_POSTGRESQL
	/* PostgreSQL not built in: recognised, refused clearly */
	rc = bk_store_new(&st, "postgresql://u@127.0.0.1/db", NULL, &err);
	BKT_EQ_INT("postgresql", rc, BK_EUNSUPPORTED);
	BKT_CHECK(err != NULL && strstr(err, "without the PostgreSQL"));
	free(err);
#endif

	/* ours, reopened: fine */
	path = fresh_db("ours");
	st = open_store(path, NULL);
	bk_store_free(st);
	st = open_store(path, NULL);
	bk_store_free(st);
}

/* CSV import: all or nothing, line-numbered errors */
static void
case_import(void)
{
	static const struct {
		const char *row, *csv;
		int want;
		const char *want_err;
		size_t want_n;
	} rows[] = {
		{ "good", "address,reason\r\na@x.org,old list\r\n"
		  "\"b@x.org\",\"said \"\"stop\"\"\"\r\n", 0, NULL, 2 },
		{ "export columns", "address,cause,reason,first_bounce,"
		  "last_bounce,expires_at\nc@x.org,hard,userunknown,,,\n"
		  "d@x.org,manual,x,,,2030-01-01T00:00:00Z\n", 0, NULL, 2 },
		{ "bom, blank line", "\xef\xbb\xbf" "address\ne@x.org\n\n", 0,
		  NULL, 1 },
		{ "no address column", "email,reason\na@x.org,r\n", BK_ESYNTAX,
		  "line 1: unknown column \"email\"", 0 },
		{ "wrong field count", "address,reason\nf@x.org,r\ng@x.org\n",
		  BK_ESYNTAX, "line 3: 1 fields, the header has 2", 0 },
		{ "bad address", "address\nh@x.org\nnot-an-address\n",
		  BK_EINVAL, "line 3: malformed address", 0 },
		{ "latin-1", "address,reason\ni@x.org,caf\xe9\n", BK_ESYNTAX,
		  "line 2: field 2 is not valid UTF-8", 0 },
		{ "bad cause", "address,cause\nj@x.org,gone\n", BK_EINVAL,
		  "line 2: cause \"gone\"", 0 },
		{ "open quote", "address\n\"k@x.org\n", BK_ESYNTAX,
		  "line 2: quoted field never closed", 0 },
		{ "empty", "", BK_ESYNTAX, "line 1: empty file", 0 },
	};
	bk_store *st = open_store(fresh_db("import"), NULL);
	size_t i, n;

	if (st == NULL)
		return;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *err = NULL;
		int rc = bk_store_import(st, rows[i].csv, strlen(rows[i].csv),
		    NULL, &n, &err);

		BKT_EQ_INT(rows[i].row, rc, rows[i].want);
		if (rows[i].want_err != NULL && (err == NULL ||
		    strncmp(err, rows[i].want_err,
		    strlen(rows[i].want_err)) != 0))
			BKT_FAIL("[%s] error \"%s\", want \"%s...\"",
			    rows[i].row, err ? err : "(none)",
			    rows[i].want_err);
		if (rc == 0)
			BKT_EQ_INT(rows[i].row, n, rows[i].want_n);
		free(err);
	}
	/* nothing of a failed import was written */
	BKT_EQ_INT("f not imported", look(st, T0, "f@x.org").suppressed, 0);
	BKT_EQ_INT("h not imported", look(st, T0, "h@x.org").suppressed, 0);
	BKT_EQ_INT("b imported", look(st, T0, "b@x.org").suppressed, 1);
	bk_store_free(st);
}
BACKEND_CASE(import)

/* policy files: defaults, overrides, line-numbered errors */
static void
test_store__policy_file(void)
{
	char path[700], *err = NULL;
	bk_store_policy p = BK_STORE_POLICY_INIT;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/policy.conf", tmpdir);
	fp = fopen(path, "w");
	fputs("# ours\nsoft_limit = 5\n\nsoft_expire_days=0  # forever\n", fp);
	fclose(fp);
	BKT_EQ_INT("good", bk_store_policy_parse(&p, path, &err), 0);
	BKT_EQ_INT("soft_limit", p.soft_limit, 5);
	BKT_EQ_INT("window kept", p.soft_window_days, 7);
	BKT_EQ_INT("expire", p.soft_expire_days, 0);
	fp = fopen(path, "w");
	fputs("soft_limit = 2\nsoft_limt = 4\n", fp);
	fclose(fp);
	BKT_EQ_INT("typo", bk_store_policy_parse(&p, path, &err),
	    BK_ESYNTAX);
	BKT_CHECK(err != NULL && strstr(err, ":2: unknown key soft_limt"));
	BKT_EQ_INT("unchanged on error", p.soft_limit, 5);
	free(err);
}

/* child - one ingester: batches of 50, its own and shared messages */
static int
child(const char *path, int id)
{
	bk_store *st = NULL;
	char tag[64], addr[64];
	int i, rc;
	char *err = NULL;

	if (bk_store_new(&st, path, NULL, &err) != 0) {
		fprintf(stderr, "child %d: %s\n", id, err ? err : "?");
		return 10;
	}
	for (i = 0; i < 400; i++) {
		bk_record r;
		bk_store_source s;

		if (i % 50 == 0 && (rc = bk_store_begin(st)) != 0) {
			fprintf(stderr, "child %d: begin: %s\n", id,
			    bk_store_errmsg(st));
			return 11;
		}
		/* 300 messages of our own, 100 both children send */
		if (i < 300)
			snprintf(tag, sizeof(tag), "child%d-%d", id, i);
		else
			snprintf(tag, sizeof(tag), "shared-%d", i);
		snprintf(addr, sizeof(addr), "user%d@example.net", i % 10);
		r = rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1, addr);
		s = src(tag);
		if (bk_store_ingest(st, NULL, &r, &s) != 0) {
			fprintf(stderr, "child %d: %s\n", id,
			    bk_store_errmsg(st));
			return 12;
		}
		if (i % 50 == 49 && bk_store_commit(st) != 0) {
			fprintf(stderr, "child %d: commit: %s\n", id,
			    bk_store_errmsg(st));
			return 13;
		}
	}
	bk_store_free(st);
	return 0;
}

/*
 * concurrent ingesters, racing to create the store too: two on one SQLite
 * file, four on PostgreSQL.  Exact counts.
 */
static void
case_concurrent(void)
{
	const char *path = fresh_db("concurrent");
	int n = on_pg ? 4 : 2;
	bk_store *st;
	pid_t pid[4];
	int k, status;

	for (k = 0; k < n; k++) {
		pid[k] = fork();
		if (pid[k] == 0)
			_exit(child(path, k));
	}
	for (k = 0; k < n; k++) {
		waitpid(pid[k], &status, 0);
		BKT_EQ_INT("child exit", WIFEXITED(status) ?
		    WEXITSTATUS(status) : 100 + WTERMSIG(status), 0);
	}
	st = open_store(path, NULL);
	if (st == NULL)
		return;
	for (k = 0; k < 10; k++) {
		char addr[64];
		bk_store_entry e;

		snprintf(addr, sizeof(addr), "user%d@example.net", k);
		e = look(st, T0 + 400 * DAY, addr);
		/* n x 30 own + 10 shared, each counted once */
		BKT_EQ_INT(addr, e.hard_count, n * 30 + 10);
		BKT_EQ_INT(addr, history(st, addr).events, n * 30 + 10);
		BKT_EQ_INT(addr, history(st, addr).changes, 1);
	}
	bk_store_free(st);
}
BACKEND_CASE(concurrent)

#ifdef BK_HAVE_POSTGRESQL
/* pg_skip - PostgreSQL-only cases say so when no server was given */
static int
pg_skip(void)
{
	if (pg_url != NULL)
		return 0;
	printf("%s: skipped (set BK_TEST_PG_URL, or run tests/store/pg.sh)\n",
	    bkt_case);
	return 1;
}

/*
 * libpq is loaded when the first PostgreSQL store opens: without it the
 * open says which package is missing, and once it is there the next open
 * loads it.  This case runs first, before any other opens such a store.
 */
static void
test_store__pg_no_libpq(void)
{
	const char *loc = "postgresql://u@127.0.0.1:1/db";
	const char *was = bk__pq_soname;
	bk_store *st = NULL;
	char *err = NULL;
	int rc;

	bk__pq_soname = "libpq-bkt-missing.so.5";
	rc = bk_store_new(&st, loc, NULL, &err);
	BKT_EQ_INT("no libpq", rc, BK_EUNSUPPORTED);
	BKT_CHECK(st == NULL);
	BKT_CHECK(err != NULL && strstr(err, "libpq5") != NULL &&
	    strstr(err, "libpq-bkt-missing.so.5") != NULL);
	free(err);
	err = NULL;
	/* installed now: loaded, and the absent server is temporary */
	bk__pq_soname = was;
	rc = bk_store_new(&st, loc, NULL, &err);
	BKT_EQ_INT("libpq back", rc, BK_EAGAIN);
	BKT_CHECK(err != NULL && strstr(err, "cannot connect") != NULL);
	free(err);
}

/* schemas that are not ours: refused, nothing written; bad locations */
static void
test_store__pg_not_ours(void)
{
	bk_store *st = NULL;
	char *err = NULL;
	int rc;

	if (pg_skip())
		return;
	/* somebody else's tables under our names */
	pg_fresh("foreign");
	pg_side("CREATE TABLE bkt_foreign.addresses (id int);"
	    "CREATE TABLE bkt_foreign.invoices (id int)");
	rc = bk_store_new(&st, pg_location("foreign", NULL), NULL, &err);
	BKT_EQ_INT("foreign tables", rc, BK_EINVAL);
	BKT_CHECK(err != NULL && strstr(err, "not a bouncekit store"));
	free(err);
	err = NULL;
	/* unchanged: still two tables, no schema_version */
	pg_side("DO $$ BEGIN IF (SELECT count(*) FROM pg_tables WHERE "
	    "schemaname = 'bkt_foreign') <> 2 THEN RAISE 'changed'; END IF; "
	    "END $$");
	/* a schema_version that is not ours */
	pg_fresh("foreign2");
	pg_side("CREATE TABLE bkt_foreign2.schema_version (v int)");
	rc = bk_store_new(&st, pg_location("foreign2", NULL), NULL, &err);
	BKT_EQ_INT("foreign schema_version", rc, BK_EINVAL);
	free(err);
	err = NULL;
	/* ours, from a newer bouncekit */
	st = open_store(pg_fresh("newer"), NULL);
	bk_store_free(st);
	pg_side("INSERT INTO bkt_newer.schema_version VALUES (99, 0)");
	rc = bk_store_new(&st, pg_location("newer", NULL), NULL, &err);
	BKT_EQ_INT("newer", rc, BK_EINVAL);
	BKT_CHECK(err != NULL && strstr(err, "newer"));
	free(err);
	err = NULL;
	/* ours, reopened: fine */
	st = open_store(pg_fresh("ours"), NULL);
	bk_store_free(st);
	st = open_store(pg_location("ours", NULL), NULL);
	bk_store_free(st);
	/* a malformed URL is a usage error, an absent server temporary */
	rc = bk_store_new(&st, "postgresql://u@[::1/db", NULL, &err);
	BKT_EQ_INT("bad url", rc, BK_EINVAL);
	free(err);
	err = NULL;
	rc = bk_store_new(&st, "postgresql://u@127.0.0.1:1/db", NULL, &err);
	BKT_EQ_INT("no server", rc, BK_EAGAIN);
	free(err);
}

/*
 * the server ends our session in the middle of a batch (as when it is
 * stopped): BK_EAGAIN, and nothing of the batch is kept
 */
static void
test_store__pg_connection_lost(void)
{
	bk_store *st;
	bk_record r;
	bk_store_source s;
	bk_store_entry e;
	int rc;

	if (pg_skip())
		return;
	pg_fresh("lost");
	st = open_store(pg_location("lost", "&application_name=bkt_lost"),
	    NULL);
	if (st == NULL)
		return;
	BKT_EQ_INT("begin", bk_store_begin(st), 0);
	ingest(st, T0, rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1,
	    "first@example.net"), "lost-1");
	pg_side("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	    "WHERE application_name = 'bkt_lost'");
	r = rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1, "second@example.net");
	s = src("lost-2");
	rc = bk_store_ingest(st, NULL, &r, &s);
	BKT_EQ_INT("after the server went", rc, BK_EAGAIN);
	BKT_CHECK(strstr(bk_store_errmsg(st), "connection") != NULL);
	BKT_EQ_INT("rollback", bk_store_rollback(st), 0);
	BKT_EQ_INT("lookup on a dead connection", bk_store_lookup(st, &e,
	    "first@example.net", 17), BK_EAGAIN);
	bk_store_free(st);
	/* nothing half-written */
	st = open_store(pg_location("lost", NULL), NULL);
	if (st == NULL)
		return;
	BKT_EQ_INT("first not kept", bk_store_lookup(st, &e,
	    "first@example.net", 17), BK_ENOTFOUND);
	BKT_EQ_INT("no events", history(st, "first@example.net").events, 0);
	bk_store_free(st);
}

/* another writer holds the store longer than busy_ms: BK_EAGAIN */
static void
test_store__pg_busy(void)
{
	bk_store_options o = BK_STORE_OPTIONS_INIT;
	bk_store *st = NULL;
	PGconn *pg;
	PGresult *res;
	bk_record r;
	bk_store_source s;
	char *err = NULL;

	if (pg_skip())
		return;
	o.busy_ms = 200;
	if (bk_store_new(&st, pg_fresh("busy"), &o, &err) != 0) {
		BKT_FAIL("open: %s", err ? err : "?");
		free(err);
		return;
	}
	pg = PQconnectdb(pg_url);
	res = PQexec(pg, "BEGIN; SELECT pg_advisory_xact_lock(1651209076, "
	    "hashtext('bkt_busy'))");
	BKT_EQ_INT("side lock", PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	r = rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1, "x@example.net");
	s = src("busy-1");
	BKT_EQ_INT("busy", bk_store_ingest(st, NULL, &r, &s), BK_EAGAIN);
	PQfinish(pg);
	BKT_EQ_INT("free again", bk_store_ingest(st, NULL, &r, &s), 0);
	bk_store_free(st);
}

/*
 * Writes queued in pipeline mode (audit rows, addresses, counters) that
 * fail: the failure comes back at the next statement or at COMMIT, the
 * batch is rolled back whole, and the connection works afterwards.
 */
static void
test_store__pg_queued_failure(void)
{
	bk_store *st = NULL;
	bk_store_entry e;
	bk_record bad, good;
	bk_store_source s;
	struct hist h;
	char *err = NULL;
	int rc;

	if (pg_skip())
		return;
	if (bk_store_new(&st, pg_fresh("queued"), NULL, &err) != 0) {
		BKT_FAIL("open: %s", err ? err : "?");
		free(err);
		return;
	}
	/* the audit row of bad@ (written queued) violates a constraint */
	BKT_EQ_INT("constraint", pg_side("ALTER TABLE bkt_queued.audit "
	    "ADD CONSTRAINT bkt_no_bad CHECK (address <> "
	    "'bad@example.net')"), 0);
	bad = rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1,
	    "bad@example.net");
	good = rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1,
	    "good@example.net");

	/* the failure surfaces at COMMIT */
	BKT_EQ_INT("begin", bk_store_begin(st), 0);
	s = src("q-good-1");
	BKT_EQ_INT("good", bk_store_ingest(st, NULL, &good, &s), 0);
	s = src("q-bad-1");
	BKT_EQ_INT("bad (queued)", bk_store_ingest(st, NULL, &bad, &s), 0);
	rc = bk_store_commit(st);
	BKT_EQ_INT("commit fails", rc, BK_EIO);
	BKT_CHECK(strstr(bk_store_errmsg(st), "bkt_no_bad") != NULL);
	BKT_EQ_INT("good rolled back", bk_store_lookup(st, &e,
	    "good@example.net", 16), BK_ENOTFOUND);

	/* the failure surfaces at the next event INSERT */
	BKT_EQ_INT("begin 2", bk_store_begin(st), 0);
	s = src("q-bad-2");
	BKT_EQ_INT("bad (queued) 2", bk_store_ingest(st, NULL, &bad, &s), 0);
	s = src("q-good-2");
	rc = bk_store_ingest(st, NULL, &good, &s);
	BKT_EQ_INT("next statement fails", rc, BK_EIO);
	BKT_CHECK(strstr(bk_store_errmsg(st), "bkt_no_bad") != NULL);
	BKT_CHECK(bk_store_commit(st) != 0);

	/* alone (own transaction): refused, nothing kept */
	s = src("q-bad-3");
	BKT_EQ_INT("alone", bk_store_ingest(st, NULL, &bad, &s), BK_EIO);
	memset(&h, 0, sizeof(h));
	BKT_EQ_INT("no events", bk_store_history(st, "bad@example.net", 15,
	    hist_cb, &h), 0);
	BKT_EQ_INT("no events kept", h.events, 0);

	/* and the connection works on */
	BKT_EQ_INT("begin 3", bk_store_begin(st), 0);
	s = src("q-good-3");
	BKT_EQ_INT("good 3", bk_store_ingest(st, NULL, &good, &s), 0);
	BKT_EQ_INT("commit 3", bk_store_commit(st), 0);
	BKT_EQ_INT("good kept", bk_store_lookup(st, &e, "good@example.net",
	    16), 0);
	BKT_EQ_INT("good suppressed", e.suppressed, 1);
	bk_store_free(st);
}
#endif

/*
 * Schema version 3 (docs/store.md, "Schema"): a version-2 store made with
 * the version-2 SQL as it was, filled with real rows, then opened by this
 * code; and the compact events.record.
 */

/* schema version 2 on SQLite, exactly as lib/store/store_sqlite.c had it (1fbb84b) */
static const char *const v2_sqlite[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE schema_version ("
	"  version INTEGER PRIMARY KEY,"
	"  applied_at INTEGER NOT NULL);"
	"CREATE TABLE addresses ("
	"  address TEXT PRIMARY KEY,"
	"  state TEXT NOT NULL CHECK (state IN ('clear', 'suppressed')),"
	"  cause TEXT,"
	"  reason TEXT,"
	"  soft_count INTEGER NOT NULL DEFAULT 0,"
	"  hard_count INTEGER NOT NULL DEFAULT 0,"
	"  complaint_count INTEGER NOT NULL DEFAULT 0,"
	"  first_bounce INTEGER,"
	"  last_bounce INTEGER,"
	"  expires_at INTEGER,"
	"  reset_at INTEGER,"
	"  updated_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX addresses_suppressed ON addresses (state, address);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  message_hash TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  origin TEXT,"
	"  kind TEXT NOT NULL,"
	"  reason TEXT,"
	"  status TEXT,"
	"  hard INTEGER NOT NULL,"
	"  effect TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  ingested_at INTEGER NOT NULL,"
	"  sender_domain TEXT,"
	"  sender_ip TEXT,"
	"  env_sender TEXT,"
	"  env_recipient TEXT,"
	"  record TEXT NOT NULL,"
	"  UNIQUE (message_hash, recipient));"
	"CREATE INDEX events_recipient ON events (recipient, at);"
	"CREATE TABLE sender_counters ("
	"  scope TEXT NOT NULL CHECK (scope IN ('domain', 'ip')),"
	"  key TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  PRIMARY KEY (scope, key, reason)) WITHOUT ROWID;"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  address TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  old_state TEXT,"
	"  new_state TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  why TEXT NOT NULL,"
	"  event_id INTEGER REFERENCES events (id));"
	"CREATE INDEX audit_address ON audit (address, at);"
	"PRAGMA application_id = 1651209076;",
	/*
	 * 1 -> 2: the soft bounces of an address by time, from the index
	 * alone (the policy's window count and soft_times)
	 */
	"CREATE INDEX events_soft ON events (recipient, at) "
	"WHERE effect = 'soft';",
};

#ifdef BK_HAVE_POSTGRESQL
/* the same on PostgreSQL (lib/store/store_pg.c, 1fbb84b) */
#define STORE_MARK "bouncekit store"
static const char *const v2_pg[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE schema_version ("
	"  version INTEGER PRIMARY KEY,"
	"  applied_at BIGINT NOT NULL);"
	"COMMENT ON TABLE schema_version IS '" STORE_MARK "';"
	"CREATE TABLE addresses ("
	"  address TEXT PRIMARY KEY,"
	"  state TEXT NOT NULL CHECK (state IN ('clear', 'suppressed')),"
	"  cause TEXT,"
	"  reason TEXT,"
	"  soft_count BIGINT NOT NULL DEFAULT 0,"
	"  hard_count BIGINT NOT NULL DEFAULT 0,"
	"  complaint_count BIGINT NOT NULL DEFAULT 0,"
	"  first_bounce BIGINT,"
	"  last_bounce BIGINT,"
	"  expires_at BIGINT,"
	"  reset_at BIGINT,"
	"  updated_at BIGINT NOT NULL);"
	"CREATE INDEX addresses_suppressed ON addresses (state, address);"
	"CREATE TABLE events ("
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  message_hash TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  origin TEXT,"
	"  kind TEXT NOT NULL,"
	"  reason TEXT,"
	"  status TEXT,"
	"  hard INTEGER NOT NULL,"
	"  effect TEXT NOT NULL,"
	"  at BIGINT NOT NULL,"
	"  ingested_at BIGINT NOT NULL,"
	"  sender_domain TEXT,"
	"  sender_ip TEXT,"
	"  env_sender TEXT,"
	"  env_recipient TEXT,"
	"  record TEXT NOT NULL,"
	"  UNIQUE (message_hash, recipient));"
	"CREATE INDEX events_recipient ON events (recipient, at);"
	"CREATE TABLE sender_counters ("
	"  scope TEXT NOT NULL CHECK (scope IN ('domain', 'ip')),"
	"  key TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  count BIGINT NOT NULL,"
	"  first_seen BIGINT NOT NULL,"
	"  last_seen BIGINT NOT NULL,"
	"  PRIMARY KEY (scope, key, reason));"
	"CREATE TABLE audit ("
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  address TEXT NOT NULL,"
	"  at BIGINT NOT NULL,"
	"  old_state TEXT,"
	"  new_state TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  why TEXT NOT NULL,"
	"  event_id BIGINT REFERENCES events (id));"
	"CREATE INDEX audit_address ON audit (address, at);",
	/* 1 -> 2: the soft bounces of an address by time, index only */
	"CREATE INDEX events_soft ON events (recipient, at) "
	"WHERE effect = 'soft';",
};
#endif

/* BY_BACKEND - the SQLite text or the PostgreSQL text of a side query */
#define BY_BACKEND(sqlite_text, pg_text) (on_pg ? (pg_text) : (sqlite_text))

/* first_cb - sqlite3_exec callback: keep the first value of the first row */
static int
first_cb(void *ctx, int n, char **val, char **col)
{
	char **out = ctx;

	(void)col;
	if (*out == NULL)
		*out = strdup(n > 0 && val[0] != NULL ? val[0] : "");
	return 0;
}

/*
 * side - run @text (one or more statements) on a connection of the test's
 * own to the store at @loc, an SQLite file or a postgresql:// URL.  The
 * first value of the last result (PostgreSQL) or of the first row of any
 * statement (SQLite) into @out ("" for none or NULL); 0 or -1.
 */
static int
side(const char *loc, const char *text, char *out, size_t cap)
{
	sqlite3 *db = NULL;
	char *got = NULL, *err = NULL;
	int rc = -1;

	out[0] = '\0';
#ifdef BK_HAVE_POSTGRESQL
	if (on_pg) {
		PGconn *pg = PQconnectdb(loc);
		PGresult *res;

		if (PQstatus(pg) != CONNECTION_OK) {
			BKT_FAIL("connect %s: %s", loc, PQerrorMessage(pg));
			PQfinish(pg);
			return -1;
		}
		res = PQexec(pg, text);
		if (PQresultStatus(res) == PGRES_TUPLES_OK ||
		    PQresultStatus(res) == PGRES_COMMAND_OK) {
			if (PQntuples(res) > 0 && PQnfields(res) > 0)
				snprintf(out, cap, "%s", PQgetvalue(res, 0, 0));
			rc = 0;
		} else {
			BKT_FAIL("%.200s: %s", text, PQerrorMessage(pg));
		}
		PQclear(res);
		PQfinish(pg);
		return rc;
	}
#endif
	if (sqlite3_open(loc, &db) != SQLITE_OK) {
		BKT_FAIL("open %s: %s", loc, sqlite3_errmsg(db));
	} else if (sqlite3_exec(db, text, first_cb, &got, &err) !=
	    SQLITE_OK) {
		BKT_FAIL("%.200s: %s", text, err ? err : "?");
	} else {
		snprintf(out, cap, "%s", got ? got : "");
		rc = 0;
	}
	sqlite3_free(err);
	free(got);
	sqlite3_close(db);
	return rc;
}

/* side_int - side() of a query with one integer value */
static long long
side_int(const char *loc, const char *text)
{
	char v[64];

	if (side(loc, text, v, sizeof(v)) != 0)
		return -1;
	return atoll(v);
}

/*
 * make_v2 - at @loc (empty), a version-2 store: the version-2 SQL, its
 * schema_version rows, and the rows of the store in schema (PostgreSQL)
 * or file (SQLite, attached) bkt_migsrc, with every event id changed to
 * id * 7 + 3 (and audit.event_id with it) so that kept ids are told from
 * renumbered ones.  As the old code wrote it, the first event's record is
 * in the old full form, with a null member.
 */
static int
make_v2(const char *loc, const char *src_file)
{
	static const char copy[] =
	    "INSERT INTO schema_version VALUES (1, 1789990000), "
	    "(2, 1789995000);"
	    "INSERT INTO addresses SELECT * FROM bkt_migsrc.addresses;"
	    "INSERT INTO events SELECT id * 7 + 3, message_hash, recipient, "
	    "origin, kind, reason, status, hard, effect, at, ingested_at, "
	    "sender_domain, sender_ip, env_sender, env_recipient, record "
	    "FROM bkt_migsrc.events ORDER BY id;"
	    "INSERT INTO sender_counters SELECT * FROM "
	    "bkt_migsrc.sender_counters;"
	    "INSERT INTO audit SELECT id, address, at, old_state, new_state, "
	    "actor, why, event_id * 7 + 3 FROM bkt_migsrc.audit ORDER BY id;"
	    "UPDATE events SET record = substr(record, 1, length(record) - 1)"
	    " || ',\"error\":null}' WHERE id = (SELECT min(id) FROM events);";
	char text[16384], v[16];
	int n;

#ifdef BK_HAVE_POSTGRESQL
	if (on_pg) {
		/* identity columns given explicit ids: move them on, as use would */
		n = snprintf(text, sizeof(text), "%s%s%s"
		    "SELECT setval(pg_get_serial_sequence('events', 'id'), "
		    "(SELECT max(id) FROM events));"
		    "SELECT setval(pg_get_serial_sequence('audit', 'id'), "
		    "(SELECT max(id) FROM audit));", v2_pg[0], v2_pg[1], copy);
		(void)src_file;
		return n < (int)sizeof(text) ? side(loc, text, v, sizeof(v)) : -1;
	}
#endif
	n = snprintf(text, sizeof(text), "%s%sATTACH '%s' AS bkt_migsrc;%s",
	    v2_sqlite[0], v2_sqlite[1], src_file, copy);
	return n < (int)sizeof(text) ? side(loc, text, v, sizeof(v)) : -1;
}

/* a store's facts that a migration must keep */
struct facts {
	bk_store_entry e[5];
	struct hist h[5];
	struct senders s;
};

static const char *const mig_addr[5] = {
	"hard@example.net", "soft@example.net", "back@example.net",
	"boss@example.org", "bob@example.net",
};

static void
facts_of(bk_store *st, struct facts *f)
{
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 5; i++) {
		/* the last one is sender-side: no address row */
		if (i < 4)
			f->e[i] = look(st, T0 + 5 * DAY, mig_addr[i]);
		f->h[i] = history(st, mig_addr[i]);
	}
	bk_store_senders(st, senders_cb, &f->s);
}

static void
facts_same(const char *what, const struct facts *a, const struct facts *b)
{
	char row[96];
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(row, sizeof(row), "%s %s", what, mig_addr[i]);
		BKT_EQ_INT(row, a->e[i].suppressed, b->e[i].suppressed);
		BKT_EQ_INT(row, a->e[i].hard_count, b->e[i].hard_count);
		BKT_EQ_INT(row, a->e[i].soft_count, b->e[i].soft_count);
		BKT_EQ_INT(row, a->e[i].expires_at, b->e[i].expires_at);
		BKT_EQ_INT(row, a->e[i].last_bounce, b->e[i].last_bounce);
		BKT_EQ_INT(row, a->h[i].events, b->h[i].events);
		BKT_EQ_INT(row, a->h[i].changes, b->h[i].changes);
	}
	BKT_EQ_INT(what, a->s.domain, b->s.domain);
	BKT_EQ_INT(what, a->s.ip, b->s.ip);
}

/*
 * A version-2 store opened by this code: migrated once to 3, in place;
 * event ids, audit links, records, counts and history kept; the key is
 * (recipient, message_hash), events_recipient gone; a message seen before
 * the migration is still a duplicate; opened again, nothing changes.
 */
static void
case_migrate_v2(void)
{
	const char *ids = "SELECT count(*) || ':' || sum(id) || ':' || "
	    "max(id) || ':' || sum(length(record)) FROM events";
	const char *dangling = "SELECT count(*) FROM audit a LEFT JOIN events "
	    "e ON e.id = a.event_id WHERE a.event_id IS NOT NULL AND e.id IS "
	    "NULL";
	const char *indexes = BY_BACKEND(
	    "SELECT group_concat(name, ',') FROM (SELECT name FROM "
	    "sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
	    "ORDER BY name)",
	    "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM "
	    "pg_indexes WHERE schemaname = current_schema() AND tablename = "
	    "'events'");
	const char *key = BY_BACKEND(
	    "SELECT group_concat(c, ',') FROM (SELECT i.name AS c FROM "
	    "pragma_index_list('events') l, pragma_index_info(l.name) i "
	    "WHERE l.origin = 'u' ORDER BY l.name, i.seqno)",
	    "SELECT string_agg(pg_get_constraintdef(oid), ';') FROM "
	    "pg_constraint WHERE conrelid = 'events'::regclass AND contype = "
	    "'u'");
	const char *shape = BY_BACKEND(
	    "SELECT group_concat(sql, ';') FROM (SELECT sql FROM "
	    "sqlite_master ORDER BY name)",
	    "SELECT string_agg(indexdef, ';' ORDER BY indexname) FROM "
	    "pg_indexes WHERE schemaname = current_schema()");
	const char *versions = "SELECT count(*) || ':' || max(version) || ':' "
	    "|| sum(applied_at) FROM schema_version";
	char src_loc[2048], loc[2048], before[256], after[256], v[8192];
	char shape3[8192];
	bk_store *st;
	bk_store_outcome o;
	bk_record r;
	struct facts f_src, f_mig;
	long long max_before, linked;

	/* the rows: a store of this code, filled as ingest fills one */
	snprintf(src_loc, sizeof(src_loc), "%s", fresh_db("migsrc"));
	st = open_store(src_loc, NULL);
	if (st == NULL)
		return;
	r = rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1, mig_addr[0]);
	r.status = S("5.1.1");
	r.diagnostic = S("550 5.1.1 <hard@example.net>: no such user");
	ingest(st, T0, r, "m-hard");
	ingest(st, T0, soft_at(mig_addr[1], T0), "m-soft1");
	ingest(st, T0 + DAY, soft_at(mig_addr[1], T0 + DAY), "m-soft2");
	ingest(st, T0 + 2 * DAY, soft_at(mig_addr[1], T0 + 2 * DAY),
	    "m-soft3");
	ingest(st, T0, soft_at(mig_addr[2], T0), "m-back1");
	ingest(st, T0 + DAY, rec(BK_KIND_DELIVERED, BK_REASON_DELIVERED, 0,
	    mig_addr[2]), "m-back2");
	bk_store_set_clock(st, T0);
	BKT_EQ_INT("manual", bk_store_suppress(st, mig_addr[3],
	    strlen(mig_addr[3]), "asked", "manual:test", 0), 0);
	r = rec(BK_KIND_BOUNCE, BK_REASON_BLOCKED, 0, mig_addr[4]);
	r.sender = S("alerts@example.com");
	r.diagnostic = S("Client host [198.51.100.9] blocked using x");
	ingest(st, T0, r, "m-blocked");
	facts_of(st, &f_src);
	bk_store_free(st);
	BKT_EQ_INT("source suppressed", f_src.e[0].suppressed +
	    f_src.e[1].suppressed + f_src.e[3].suppressed, 3);

	/* the version-2 store */
	snprintf(loc, sizeof(loc), "%s", fresh_db("mig2"));
	if (make_v2(loc, src_loc) != 0)
		return;
	BKT_EQ_INT("v2 version", side_int(loc, "SELECT max(version) FROM "
	    "schema_version"), 2);
	side(loc, ids, before, sizeof(before));
	max_before = side_int(loc, "SELECT max(id) FROM events");
	linked = side_int(loc, "SELECT count(*) FROM audit WHERE event_id "
	    "IS NOT NULL");
	BKT_CHECK(linked >= 2);
	BKT_EQ_INT("ids renumbered", max_before % 7, 3);
	side(loc, indexes, v, sizeof(v));
	BKT_EQ_STR("v2 indexes", v, strlen(v), BY_BACKEND(
	    "events_recipient,events_soft,sqlite_autoindex_events_1",
	    "events_message_hash_recipient_key,events_pkey,events_recipient,"
	    "events_soft"));
	if (!on_pg)
		BKT_EQ_INT("v2 page size", side_int(loc, "PRAGMA page_size"),
		    4096);

	/* opened by this code: migrated */
	st = open_store(loc, NULL);
	if (st == NULL)
		return;
	side(loc, versions, v, sizeof(v));
	BKT_CHECK(strncmp(v, "3:3:", 4) == 0);
	side(loc, ids, after, sizeof(after));
	BKT_EQ_STR("ids, records kept", after, strlen(after), before);
	BKT_EQ_INT("audit links kept", side_int(loc, dangling), 0);
	BKT_EQ_INT("audit links", side_int(loc, "SELECT count(*) FROM audit "
	    "WHERE event_id IS NOT NULL"), linked);
	side(loc, indexes, v, sizeof(v));
	BKT_EQ_STR("v3 indexes", v, strlen(v), BY_BACKEND(
	    "events_soft,sqlite_autoindex_events_1",
	    "events_pkey,events_recipient_message_hash_key,events_soft"));
	side(loc, key, v, sizeof(v));
	BKT_EQ_STR("v3 key", v, strlen(v), BY_BACKEND(
	    "recipient,message_hash", "UNIQUE (recipient, message_hash)"));
	side(loc, "SELECT substr(record, length(record) - 13) FROM events "
	    "ORDER BY id LIMIT 1", v, sizeof(v));
	BKT_EQ_STR("old record as it was", v, strlen(v), ",\"error\":null}");
	if (!on_pg) {
		/* an existing store keeps its page size; all else is sound */
		BKT_EQ_INT("page size kept", side_int(loc,
		    "PRAGMA page_size"), 4096);
		side(loc, "PRAGMA integrity_check", v, sizeof(v));
		BKT_EQ_STR("integrity", v, strlen(v), "ok");
		side(loc, "PRAGMA foreign_key_check", v, sizeof(v));
		BKT_EQ_STR("foreign keys", v, strlen(v), "");
		BKT_EQ_INT("new store page size", side_int(src_loc,
		    "PRAGMA page_size"), 16384);
	}
	facts_of(st, &f_mig);
	facts_same("migrated", &f_mig, &f_src);

	/* seen before the migration: still a duplicate, nothing counted */
	r = rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1, mig_addr[0]);
	r.status = S("5.1.1");
	o = ingest(st, T0 + 3 * DAY, r, "m-hard");
	BKT_EQ_INT("re-ingest", o.duplicate, 1);
	o = ingest(st, T0 + 3 * DAY, soft_at(mig_addr[1], T0 + DAY),
	    "m-soft2");
	BKT_EQ_INT("re-ingest soft", o.duplicate, 1);
	r = rec(BK_KIND_BOUNCE, BK_REASON_BLOCKED, 0, mig_addr[4]);
	r.sender = S("alerts@example.com");
	r.diagnostic = S("Client host [198.51.100.9] blocked using x");
	o = ingest(st, T0 + 3 * DAY, r, "m-blocked");
	BKT_EQ_INT("re-ingest sender", o.duplicate, 1);
	facts_of(st, &f_mig);
	facts_same("after re-ingest", &f_mig, &f_src);
	side(loc, ids, after, sizeof(after));
	BKT_EQ_STR("no event added", after, strlen(after), before);

	/* a new message: a new event after the kept ids */
	o = ingest(st, T0 + 3 * DAY, rec(BK_KIND_BOUNCE,
	    BK_REASON_USERUNKNOWN, 1, "new@example.net"), "m-new");
	BKT_EQ_INT("new", o.duplicate, 0);
	BKT_EQ_INT("new suppressed", o.suppressed, 1);
	BKT_CHECK(side_int(loc, "SELECT max(id) FROM events") > max_before);
	BKT_EQ_INT("new history", history(st, "new@example.net").events, 1);
	bk_store_free(st);

	/* a version-3 store opened again: nothing to do, nothing changed */
	side(loc, versions, before, sizeof(before));
	side(loc, shape, shape3, sizeof(shape3));
	st = open_store(loc, NULL);
	if (st == NULL)
		return;
	BKT_EQ_INT("reopened", ingest(st, T0 + 4 * DAY, rec(BK_KIND_BOUNCE,
	    BK_REASON_USERUNKNOWN, 1, "new@example.net"), "m-new").duplicate,
	    1);
	bk_store_free(st);
	side(loc, versions, after, sizeof(after));
	BKT_EQ_STR("no second migration", after, strlen(after), before);
	side(loc, shape, v, sizeof(v));
	BKT_EQ_STR("schema unchanged", v, strlen(v), shape3);
}
BACKEND_CASE(migrate_v2)

/* strip_nulls - @json without its ",\"name\":null" members, in place */
static void
strip_nulls(char *json)
{
	char *p = json, *q;

	while ((p = strstr(p, ",\"")) != NULL) {
		q = strchr(p + 2, '"');
		if (q != NULL && strncmp(q, "\":null", 6) == 0 &&
		    (q[6] == ',' || q[6] == '}'))
			memmove(p, q + 6, strlen(q + 6) + 1);
		else
			p += 2;
	}
}

struct one_hist {
	char line[512];
};

static int
one_hist_cb(void *ctx, const bk_store_history_item *h)
{
	struct one_hist *x = ctx;

	if (!h->is_change)
		snprintf(x->line, sizeof(x->line), "%s|%s|%s|%s|%lld",
		    h->kind ? h->kind : "-", h->why ? h->why : "-",
		    h->status ? h->status : "-", h->origin ? h->origin : "-",
		    (long long)h->at);
	return 0;
}

/*
 * events.record in the compact form: the record's JSON (bk_format_record)
 * with its null members left out and nothing else changed; valid JSON
 * that the database's own parser reads back; what history shows of an
 * event is what the record says, a null there a member left out here.
 */
static void
case_record_compact(void)
{
	const char *valid = BY_BACKEND(
	    "SELECT min(json_valid(record)) FROM events",
	    "SELECT min((record::jsonb IS NOT NULL)::int) FROM events");
	const char *nulls = BY_BACKEND(
	    "SELECT count(*) FROM events, json_each(events.record) "
	    "WHERE json_each.type = 'null'",
	    "SELECT count(*) FROM events, jsonb_each(record::jsonb) m "
	    "WHERE jsonb_typeof(m.value) = 'null'");
	const char *shown = BY_BACKEND(
	    "SELECT coalesce(json_extract(record, '$.kind'), '-') || '|' || "
	    "coalesce(json_extract(record, '$.reason'), '-') || '|' || "
	    "coalesce(json_extract(record, '$.status'), '-') || '|' || "
	    "coalesce(json_extract(record, '$.origin'), '-') || '|' || "
	    "coalesce(json_extract(record, '$.timestamp_unix'), at) "
	    "FROM events WHERE recipient = '%s'",
	    "SELECT concat_ws('|', coalesce(r->>'kind', '-'), "
	    "coalesce(r->>'reason', '-'), coalesce(r->>'status', '-'), "
	    "coalesce(r->>'origin', '-'), coalesce(r->>'timestamp_unix', "
	    "at::text)) FROM (SELECT record::jsonb AS r, at FROM events WHERE "
	    "recipient = '%s') x");
	static const char *const addr[2] = { "quote@example.net",
	    "bare@example.net" };
	char loc[2048], q[1024], got[8192], *full = NULL;
	size_t flen = 0;
	bk_store *st;
	bk_record r[2];
	FILE *fp;
	int i;

	snprintf(loc, sizeof(loc), "%s", fresh_db("compact"));
	st = open_store(loc, NULL);
	if (st == NULL)
		return;
	/* many members, escapes, UTF-8; and one with almost all null */
	r[0] = rec(BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 1, addr[0]);
	r[0].status = S("5.1.1");
	r[0].reply_code = 550;
	r[0].diagnostic = S("550 5.1.1 <quote@example.net>: \"no\" such\\"
	    "user\there \xc3\xbc \x01");
	r[0].remote_mta = S("mx.example.net");
	r[0].sender = S("alerts@example.com");
	r[0].has_timestamp = 1;
	r[0].timestamp = T0 - 60;
	r[0].tz_offset = 120;
	r[0].permanent = 1;
	r[1] = rec(BK_KIND_BOUNCE, BK_REASON_MAILBOXFULL, 0, addr[1]);
	for (i = 0; i < 2; i++) {
		struct one_hist h;
		char tag[16];

		snprintf(tag, sizeof(tag), "cmp-%d", i);
		ingest(st, T0, r[i], tag);
		/* what the record is without the store */
		fp = open_memstream(&full, &flen);
		if (fp == NULL || bk_format_record(fp, BK_FORMAT_JSON, &r[i],
		    tag) != 0 || fclose(fp) != 0) {
			BKT_FAIL("formatting %s", tag);
			break;
		}
		while (flen > 0 && full[flen - 1] == '\n')
			full[--flen] = '\0';
		BKT_CHECK(strstr(full, ":null") != NULL);
		strip_nulls(full);
		snprintf(q, sizeof(q), "SELECT record FROM events WHERE "
		    "recipient = '%s'", addr[i]);
		side(loc, q, got, sizeof(got));
		BKT_EQ_STR(tag, got, strlen(got), full);
		BKT_CHECK(strstr(got, ":null") == NULL);
		free(full);
		full = NULL;
		/* history shows what the record holds */
		memset(&h, 0, sizeof(h));
		BKT_EQ_INT("history", bk_store_history(st, addr[i],
		    strlen(addr[i]), one_hist_cb, &h), 0);
		snprintf(q, sizeof(q), shown, addr[i]);
		side(loc, q, got, sizeof(got));
		BKT_EQ_STR(tag, got, strlen(got), h.line);
	}
	BKT_EQ_INT("valid JSON", side_int(loc, valid), 1);
	BKT_EQ_INT("no null members", side_int(loc, nulls), 0);
	bk_store_free(st);
}
BACKEND_CASE(record_compact)

/* cleanup - remove the case files (kept with BK_TEST_KEEP set) */
static void
cleanup(void)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (getenv("BK_TEST_KEEP") == NULL && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static void setup(void) __attribute__((constructor));

static void
setup(void)
{
	pg_url = getenv("BK_TEST_PG_URL");
	if (pg_url != NULL && pg_url[0] == '\0')
		pg_url = NULL;
#ifndef BK_HAVE_POSTGRESQL
	if (pg_url != NULL) {
		fprintf(stderr, "BK_TEST_PG_URL is set but this build has no "
		    "PostgreSQL backend\n");
		exit(1);
	}
#endif
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(cleanup);
}

#ifdef BK_HAVE_POSTGRESQL
#define PG_FIRST BKT(test_store__pg_no_libpq),
#define PG_CASES                                                           \
	, BKT(test_store__pg_not_ours),                                    \
	BKT(test_store__pg_connection_lost),                               \
	BKT(test_store__pg_busy),                                          \
	BKT(test_store__pg_queued_failure)
#else
#define PG_FIRST
#define PG_CASES
#endif

BK_TEST_MAIN(
	PG_FIRST
	BKT(test_store__decide_reasons),
	BKT(test_store__decide_facts),
	BKT(test_store__transition),
	BKT(test_store__normalize),
	BKT(test_store__verp),
	BKT(test_store__idempotent),
	BKT(test_store__soft_decay),
	BKT(test_store__delivery_reset),
	BKT(test_store__expiry),
	BKT(test_store__manual),
	BKT(test_store__sender_counts),
	BKT(test_store__events),
	BKT(test_store__batch_cache),
	BKT(test_store__batch_cache_shared),
	BKT(test_store__not_ours),
	BKT(test_store__import),
	BKT(test_store__policy_file),
	BKT(test_store__concurrent),
	BKT(test_store__migrate_v2),
	BKT(test_store__record_compact)
	PG_CASES
)
