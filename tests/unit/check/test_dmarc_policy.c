/*
 * test_dmarc_policy.c - DMARC evaluation of a message under RFC 9989
 * (the default) and RFC 7489 over an in-memory zone: the tree walk and
 * its BK_LIMIT_DMARC_WALK_QUERIES bound just under, at and over it,
 * psd=y/n in the organizational domain, np= for a non-existent From
 * domain, t=y and pct=, lookup failures, prefetch.  (The suite's 19
 * policy cases under both rule sets run in tests/dns/dmarc_suite.c.)
 */
#include <stdio.h>
#include <string.h>

#include "bktest.h"
#include "bouncekit/check.h"
#include "bouncekit/errors.h"
#include "bouncekit/limits.h"
#include "../../dns/fakedns.h"

static struct fz zone;

static bk_resolver *
fake_resolver(void)
{
	static bk_dns_backend be;
	bk_dns_options o = BK_DNS_OPTIONS_INIT;
	bk_resolver *r = NULL;

	be.version = 1;
	be.query = fz_query;
	be.ctx = &zone;
	o.backend = &be;
	if (bk_resolver_new(&r, &o, NULL) != 0)
		BKT_FAIL("bk_resolver_new");
	return r;
}

static void
txt(const char *name, const char *text)
{
	fz_add_txt(&zone, name, text, strlen(text));
}

static void
reset(void)
{
	fz_clear(&zone);
	zone.queries = 0;
}

/* one row: From domain, an SPF pass domain and a DKIM pass d= (NULL:
 * none), the rules, and the wanted "result policy-domain disposition" */
struct row {
	const char *name;
	const char *from, *spf, *dkim;
	bk_dmarc_rules rules;
	const char *want;
};

/* eval - evaluate one row; the DNS queries it cost in *queries */
static void
eval(const struct row *w, unsigned long *queries)
{
	bk_resolver *r = fake_resolver();
	bk_dmarc *m = NULL;
	char got[512];
	const char *pd;

	zone.queries = 0;
	if (bk_dmarc_new(&m, r, w->from) != 0 ||
	    bk_dmarc_set_rules(m, w->rules) != 0) {
		BKT_FAIL("[%s] bk_dmarc_new", w->name);
		bk_dmarc_free(m);
		bk_resolver_free(r);
		return;
	}
	if (w->spf != NULL)
		BKT_EQ_INT(w->name, bk_dmarc_add_spf(m, w->spf, BK_SPF_PASS), 0);
	if (w->dkim != NULL)
		BKT_EQ_INT(w->name, bk_dmarc_add_dkim(m, w->dkim,
		    BK_DKIM_PASS), 0);
	BKT_EQ_INT(w->name, bk_dmarc_check(m), 0);
	BKT_EQ_INT(w->name, bk_dmarc_is_done(m), 1);
	BKT_EQ_INT(w->name, bk_dmarc_rules_of(m), w->rules);
	pd = bk_dmarc_policy_domain(m);
	snprintf(got, sizeof(got), "%s %s %s",
	    bk_dmarc_result_name(bk_dmarc_verdict(m)), pd ? pd : "null",
	    bk_dmarc_disposition(m));
	if (strcmp(got, w->want) != 0)
		BKT_FAIL("[%s] got \"%s\", want \"%s\" (%s)", w->name, got,
		    w->want, bk_dmarc_detail(m));
	if (queries != NULL)
		*queries = zone.queries;
	bk_dmarc_free(m);
	bk_resolver_free(r);
}

static void
run(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		eval(&rows[i], NULL);
}

#define R9 BK_DMARC_RFC9989
#define R7 BK_DMARC_RFC7489

static void
test_dmarc_policy__rules(void)
{
	bk_dmarc_rules ru = BK_DMARC_RFC7489;
	bk_resolver *r = fake_resolver();
	bk_dmarc *m = NULL;

	reset();
	BKT_EQ_INT("parse", bk_dmarc_rules_parse(&ru, "9989"), 0);
	BKT_EQ_INT("parse", ru, BK_DMARC_RFC9989);
	BKT_EQ_INT("parse", bk_dmarc_rules_parse(&ru, "RFC7489"), 0);
	BKT_EQ_INT("parse", ru, BK_DMARC_RFC7489);
	BKT_EQ_INT("parse", bk_dmarc_rules_parse(&ru, "rfc9989"), 0);
	BKT_EQ_INT("parse", ru, BK_DMARC_RFC9989);
	BKT_EQ_INT("bad", bk_dmarc_rules_parse(&ru, "9990"), BK_EINVAL);
	BKT_EQ_INT("bad", bk_dmarc_rules_parse(&ru, ""), BK_EINVAL);
	BKT_EQ_INT("bad", bk_dmarc_rules_parse(&ru, "rfc"), BK_EINVAL);
	BKT_EQ_INT("bad", bk_dmarc_rules_parse(NULL, "9989"), BK_EINVAL);
	BKT_CHECK(strcmp(bk_dmarc_rules_name(BK_DMARC_RFC9989),
	    "rfc9989") == 0);
	BKT_CHECK(strcmp(bk_dmarc_rules_name(BK_DMARC_RFC7489),
	    "rfc7489") == 0);
	BKT_CHECK(strcmp(bk_dmarc_rules_name(BK_DMARC_RULES_COUNT_),
	    "unknown") == 0);
	BKT_EQ_INT("null", bk_dmarc_set_rules(NULL, R7), BK_EINVAL);
	BKT_EQ_INT("new", bk_dmarc_new(&m, r, "x.example"), 0);
	BKT_EQ_INT("default", bk_dmarc_rules_of(m), BK_DMARC_RFC9989);
	BKT_EQ_INT("range", bk_dmarc_set_rules(m, BK_DMARC_RULES_COUNT_),
	    BK_EINVAL);
	BKT_EQ_INT("set", bk_dmarc_set_rules(m, R7), 0);
	BKT_EQ_INT("prefetch", bk_dmarc_prefetch(m), 0);
	BKT_EQ_INT("after prefetch", bk_dmarc_set_rules(m, R9), BK_EINVAL);
	BKT_EQ_INT("kept", bk_dmarc_rules_of(m), BK_DMARC_RFC7489);
	bk_dmarc_free(m);
	bk_resolver_free(r);
}

/*
 * The walk: a From domain of n labels costs min(n, 8) TXT queries; from
 * 8 labels on, the labels between the From domain and its rightmost 7
 * are skipped, so a record there is not found.
 */
static void
test_dmarc_policy__walk_limit(void)
{
	static const struct {
		const char *from;
		unsigned long queries;
	} q[] = {
		{ "a.b.c.d.e.walk.example", 7 },        /* under */
		{ "a.b.c.d.e.f.walk.example", 8 },      /* at */
		{ "a.b.c.d.e.f.g.walk.example", 8 },    /* over */
		{ "a.b.c.d.e.f.g.h.i.j.walk.example", 8 },
		{ "walk.example", 2 },
		{ "example", 1 },
	};
	static const struct row rows[] = {
		/* 9 labels: the walk goes on at the rightmost 7, so the
		 * record of the 8-label parent is never asked */
		{ "skip", "x1.x2.x3.d.e.f.g.long.example", NULL, NULL, R9,
		  "fail e.f.g.long.example quarantine" },
		{ "8 labels: own", "x2.x3.d.e.f.g.long.example", NULL, NULL,
		  R9, "fail x2.x3.d.e.f.g.long.example none" },
		{ "skip rfc7489", "x1.x2.x3.d.e.f.g.long.example", NULL, NULL,
		  R7, "none null none" },
		{ "tld record", "a.b.tld", NULL, NULL, R9,
		  "fail tld reject" },
		{ "tld rfc7489", "a.b.tld", NULL, NULL, R7, "none null none" },
	};
	unsigned long n;

	reset();
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		struct row w = { q[i].from, q[i].from, NULL, NULL, R9,
		    "none null none" };

		eval(&w, &n);
		BKT_EQ_INT(q[i].from, n, q[i].queries);
		BKT_CHECK(n <= BK_LIMIT_DMARC_WALK_QUERIES);
	}
	txt("_dmarc.x2.x3.d.e.f.g.long.example", "v=DMARC1; p=none");
	txt("_dmarc.e.f.g.long.example", "v=DMARC1; p=quarantine");
	txt("_dmarc.tld", "v=DMARC1; p=reject; psd=y");
	run(rows, sizeof(rows) / sizeof(rows[0]));
}

/*
 * psd=: the organizational domain that relaxed alignment compares.
 * psd.example publishes psd=y: its children are organizations of their
 * own.  n.example publishes psd=n below a record at "example": it is
 * the organizational domain, not "example" (the fewest labels).
 */
static void
test_dmarc_policy__psd(void)
{
	static const struct row rows[] = {
		{ "psd=y same org", "a.org.psd.example", NULL,
		  "b.org.psd.example", R9, "pass psd.example none" },
		{ "psd=y other org", "a.org.psd.example", NULL,
		  "other.psd.example", R9, "fail psd.example quarantine" },
		{ "psd=y rfc7489 psl", "a.org.psd.example", NULL,
		  "other.psd.example", R7, "pass psd.example none" },
		{ "psd=n", "x.n.example", "other.example", NULL, R9,
		  "fail n.example none" },
		{ "psd=n sibling", "x.n.example", NULL, "y.n.example", R9,
		  "pass n.example none" },
		{ "fewest labels", "x.u.example", "other.example", NULL, R9,
		  "pass u.example none" },
		{ "own org, no parent record", "sub.lone.test2", NULL,
		  "lone.test2", R9, "fail sub.lone.test2 reject" },
		{ "strict", "s.strict.example", NULL, "x.s.strict.example",
		  R9, "fail s.strict.example reject" },
	};

	reset();
	txt("_dmarc.psd.example", "v=DMARC1; p=reject; sp=quarantine; "
	    "psd=y");
	txt("_dmarc.n.example", "v=DMARC1; p=none; psd=n");
	txt("_dmarc.u.example", "v=DMARC1; p=none");
	txt("_dmarc.example", "v=DMARC1; p=reject; psd=u");
	txt("_dmarc.sub.lone.test2", "v=DMARC1; p=reject");
	txt("_dmarc.s.strict.example", "v=DMARC1; p=reject; adkim=s");
	run(rows, sizeof(rows) / sizeof(rows[0]));
}

/*
 * np=: only for a record found above the From domain, and only when the
 * From domain does not exist: A, AAAA and MX all NXDOMAIN or NODATA.
 */
static void
test_dmarc_policy__np(void)
{
	static const struct row rows[] = {
		{ "nxdomain", "ghost.np.example", NULL, NULL, R9,
		  "fail np.example reject" },
		{ "nodata", "txtonly.np.example", NULL, NULL, R9,
		  "fail np.example reject" },
		{ "has A", "host.np.example", NULL, NULL, R9,
		  "fail np.example quarantine" },
		{ "has MX only", "mx.np.example", NULL, NULL, R9,
		  "fail np.example quarantine" },
		{ "own record: p=", "np.example", NULL, NULL, R9,
		  "fail np.example none" },
		{ "rfc7489: sp=", "ghost.np.example", NULL, NULL, R7,
		  "fail np.example quarantine" },
		{ "no sp: np", "ghost.nosp.example", NULL, NULL, R9,
		  "fail nosp.example quarantine" },
		{ "no sp, exists: p", "host.nosp.example", NULL, NULL, R9,
		  "fail nosp.example none" },
		{ "no np: sp", "ghost.nonp.example", NULL, NULL, R9,
		  "fail nonp.example quarantine" },
		{ "servfail: exists", "sf.np.example", NULL, NULL, R9,
		  "fail np.example quarantine" },
	};
	unsigned long n;

	reset();
	txt("_dmarc.np.example", "v=DMARC1; p=none; sp=quarantine; "
	    "np=reject");
	txt("_dmarc.nosp.example", "v=DMARC1; p=none; np=quarantine");
	txt("_dmarc.nonp.example", "v=DMARC1; p=none; sp=quarantine");
	txt("txtonly.np.example", "hello");
	fz_add_addr(&zone, "host.np.example", "192.0.2.1");
	fz_add_addr(&zone, "host.nosp.example", "192.0.2.1");
	fz_add_name(&zone, "mx.np.example", BK_DNS_MX, "mail.example", 10);
	fz_add(&zone, "sf.np.example", FZ_SERVFAIL);
	run(rows, sizeof(rows) / sizeof(rows[0]));
	/* the A, AAAA and MX lookups are made only when np= may apply */
	eval(&rows[0], &n);
	BKT_EQ_INT("nxdomain queries", n, 3 + 3);
	eval(&rows[8], &n);
	BKT_EQ_INT("no np queries", n, 3);
}

/* t=y: one step less strict under RFC 9989, unknown under RFC 7489;
 * pct= the other way round */
static void
test_dmarc_policy__testing_pct(void)
{
	static const struct row rows[] = {
		{ "t=y reject", "r.t.example", NULL, NULL, R9,
		  "fail r.t.example quarantine" },
		{ "t=y quarantine", "q.t.example", NULL, NULL, R9,
		  "fail q.t.example none" },
		{ "t=y none", "n.t.example", NULL, NULL, R9,
		  "fail n.t.example none" },
		{ "t=n", "tn.t.example", NULL, NULL, R9,
		  "fail tn.t.example reject" },
		{ "t=y sp", "sub.s.t.example", NULL, NULL, R9,
		  "fail s.t.example quarantine" },
		{ "t=y rfc7489", "r.t.example", NULL, NULL, R7,
		  "fail r.t.example reject" },
		{ "pct=0", "p0.t.example", NULL, NULL, R9,
		  "fail p0.t.example quarantine" },
		{ "pct=0 rfc7489", "p0.t.example", NULL, NULL, R7,
		  "fail p0.t.example none" },
		{ "pass with t=y", "r.t.example", "r.t.example", NULL, R9,
		  "pass r.t.example none" },
	};

	reset();
	txt("_dmarc.r.t.example", "v=DMARC1; p=reject; t=y");
	txt("_dmarc.q.t.example", "v=DMARC1; p=quarantine; t=y");
	txt("_dmarc.n.t.example", "v=DMARC1; p=none; t=y");
	txt("_dmarc.tn.t.example", "v=DMARC1; p=reject; t=n");
	txt("_dmarc.s.t.example", "v=DMARC1; p=none; sp=reject; t=y");
	txt("_dmarc.p0.t.example", "v=DMARC1; p=quarantine; pct=0");
	fz_add_addr(&zone, "sub.s.t.example", "192.0.2.1");
	run(rows, sizeof(rows) / sizeof(rows[0]));
}

/* a failed lookup before the first record is a temperror; above it the
 * level only does not count for the organizational domain */
static void
test_dmarc_policy__faults(void)
{
	static const struct row rows[] = {
		{ "servfail below record", "a.b.f.example", NULL, NULL, R9,
		  "temperror null none" },
		{ "servfail above record", "c.f2.example", NULL, NULL, R9,
		  "fail c.f2.example reject" },
		{ "two records", "two.example", NULL, NULL, R9,
		  "none null none" },
		{ "unusable", "bad.example", NULL, NULL, R9,
		  "none null none" },
	};

	reset();
	fz_add(&zone, "_dmarc.b.f.example", FZ_SERVFAIL);
	txt("_dmarc.f.example", "v=DMARC1; p=reject");
	txt("_dmarc.c.f2.example", "v=DMARC1; p=reject");
	fz_add(&zone, "_dmarc.f2.example", FZ_SERVFAIL);
	txt("_dmarc.two.example", "v=DMARC1; p=reject");
	txt("_dmarc.two.example", "v=DMARC1; p=none");
	txt("_dmarc.bad.example", "v=DMARC1; p=bogus");
	run(rows, sizeof(rows) / sizeof(rows[0]));
}

static int called;

static void
on_done(void *arg, bk_dmarc *m)
{
	(void)arg;
	(void)m;
	called++;
}

/* prefetch: the walk first, results and the alignment walks after */
static void
test_dmarc_policy__prefetch(void)
{
	bk_resolver *r = fake_resolver();
	bk_dmarc *m = NULL;

	reset();
	txt("_dmarc.pre.example", "v=DMARC1; p=reject");
	called = 0;
	BKT_EQ_INT("new", bk_dmarc_new(&m, r, "a.pre.example"), 0);
	BKT_EQ_INT("prefetch", bk_dmarc_prefetch(m), 0);
	BKT_EQ_INT("run", bk_resolver_run(r), 0);
	BKT_EQ_INT("not done", bk_dmarc_is_done(m), 0);
	BKT_EQ_INT("dkim", bk_dmarc_add_dkim(m, "mail.pre.example",
	    BK_DKIM_PASS), 0);
	BKT_EQ_INT("start", bk_dmarc_start(m, on_done, NULL), 0);
	BKT_EQ_INT("run", bk_resolver_run(r), 0);
	BKT_EQ_INT("called", called, 1);
	BKT_EQ_INT("verdict", bk_dmarc_verdict(m), BK_DMARC_PASS);
	BKT_CHECK(strcmp(bk_dmarc_record(m)->org_domain, "pre.example") ==
	    0);
	bk_dmarc_free(m);
	/* everything in before the start: decided inside start */
	called = 0;
	BKT_EQ_INT("new", bk_dmarc_new(&m, r, "a.pre.example"), 0);
	BKT_EQ_INT("prefetch", bk_dmarc_prefetch(m), 0);
	BKT_EQ_INT("run", bk_resolver_run(r), 0);
	BKT_EQ_INT("start", bk_dmarc_start(m, on_done, NULL), 0);
	BKT_EQ_INT("called", called, 1);
	BKT_EQ_INT("verdict", bk_dmarc_verdict(m), BK_DMARC_FAIL);
	bk_dmarc_free(m);
	bk_resolver_free(r);
}

/* record fields RFC 9989 adds */
static void
test_dmarc_policy__record_fields(void)
{
	bk_resolver *r = fake_resolver();
	bk_dmarc *m = NULL;
	const bk_dmarc_info *d;

	reset();
	txt("_dmarc.fields.example", "v=DMARC1; p=reject; t=y; psd=N");
	BKT_EQ_INT("new", bk_dmarc_new(&m, r, "fields.example"), 0);
	BKT_EQ_INT("check", bk_dmarc_check(m), 0);
	d = bk_dmarc_record(m);
	BKT_EQ_INT("t", d->testing, 1);
	BKT_EQ_INT("psd", d->psd, 'n');
	bk_dmarc_free(m);
	bk_resolver_free(r);
}

static void
test_dmarc_policy__cleanup(void)
{
	fz_clear(&zone);
	free(zone.rr);
	zone.rr = NULL;
	zone.cap = 0;
}

BK_TEST_MAIN(
	BKT(test_dmarc_policy__rules),
	BKT(test_dmarc_policy__walk_limit),
	BKT(test_dmarc_policy__psd),
	BKT(test_dmarc_policy__np),
	BKT(test_dmarc_policy__testing_pct),
	BKT(test_dmarc_policy__faults),
	BKT(test_dmarc_policy__prefetch),
	BKT(test_dmarc_policy__record_fields),
	BKT(test_dmarc_policy__cleanup)
)
