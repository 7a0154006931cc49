/*
 * test_check.c - SPF evaluation over an in-memory zone: the RFC 7208
 * limits just under, at and over their bounds, loops, macros, faults.
 * (The full OpenSPF suite runs in tests/dns/spf_suite.c.)
 */
#include <stdio.h>
#include <string.h>

#include "bktest.h"
#include "bouncekit/check.h"
#include "bouncekit/errors.h"
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

/* spf - evaluate and compare result (and detail substring) */
static void
spf(const char *row, const char *ip, const char *sender,
    bk_spf_result want, const char *detail_has, const char *exp)
{
	bk_resolver *r = fake_resolver();
	bk_spf *s = NULL;
	bk_spf_result got;

	if (bk_spf_new(&s, r, NULL, ip, sender, "helo.example", NULL) != 0) {
		BKT_FAIL("[%s] bk_spf_new", row);
		bk_resolver_free(r);
		return;
	}
	BKT_EQ_INT(row, bk_spf_check(s), 0);
	got = bk_spf_verdict(s);
	if (got != want)
		BKT_FAIL("[%s] got %s, want %s (%s)", row,
		    bk_spf_result_name(got), bk_spf_result_name(want),
		    bk_spf_detail(s));
	if (detail_has != NULL && strstr(bk_spf_detail(s), detail_has) ==
	    NULL)
		BKT_FAIL("[%s] detail \"%s\" lacks \"%s\"", row,
		    bk_spf_detail(s), detail_has);
	if (exp != NULL) {
		const char *e = bk_spf_explanation(s);

		BKT_EQ_STR(row, e, e ? strlen(e) : 0, exp);
	}
	bk_spf_free(s);
	bk_resolver_free(r);
}

/* a chain of n includes: d0 -> d1 -> ... -> d(n-1) which passes */
static void
chain(int n)
{
	char name[64], rec[128];

	fz_clear(&zone);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "d%d.example", i);
		if (i + 1 < n)
			snprintf(rec, sizeof(rec),
			    "v=spf1 include:d%d.example -all", i + 1);
		else
			snprintf(rec, sizeof(rec), "v=spf1 ip4:192.0.2.1 -all");
		txt(name, rec);
	}
}

/* RFC 7208 4.6.4: 10 DNS-querying terms pass, 11 is permerror */
static void
test_check__spf_term_limit(void)
{
	chain(11);                 /* 10 includes */
	spf("10 terms", "192.0.2.1", "a@d0.example", BK_SPF_PASS, NULL,
	    NULL);
	chain(12);                 /* 11 includes */
	spf("11 terms", "192.0.2.1", "a@d0.example", BK_SPF_PERMERROR,
	    "more than 10", NULL);
	fz_clear(&zone);
}

/* RFC 7208 4.6.4: two void lookups are fine, the third is permerror */
static void
test_check__spf_void_limit(void)
{
	fz_clear(&zone);
	txt("v2.example", "v=spf1 a:n1.example a:n2.example "
	    "ip4:192.0.2.1 -all");
	txt("v3.example", "v=spf1 a:n1.example a:n2.example "
	    "exists:n3.example ip4:192.0.2.1 -all");
	spf("2 void", "192.0.2.1", "a@v2.example", BK_SPF_PASS, NULL, NULL);
	spf("3 void", "192.0.2.1", "a@v3.example", BK_SPF_PERMERROR,
	    "void lookups", NULL);
	fz_clear(&zone);
}

static void
test_check__spf_loops(void)
{
	fz_clear(&zone);
	txt("l1.example", "v=spf1 include:l2.example -all");
	txt("l2.example", "v=spf1 include:l1.example -all");
	txt("r1.example", "v=spf1 redirect=r2.example");
	txt("r2.example", "v=spf1 redirect=r1.example");
	txt("self.example", "v=spf1 ip4:192.0.2.1 include:self.example -all");
	spf("include loop", "192.0.2.9", "a@l1.example", BK_SPF_PERMERROR,
	    "include loop", NULL);
	spf("redirect loop", "192.0.2.9", "a@r1.example", BK_SPF_PERMERROR,
	    "redirect loop", NULL);
	/* a match before the loop decides first */
	spf("match first", "192.0.2.1", "a@self.example", BK_SPF_PASS, NULL,
	    NULL);
	fz_clear(&zone);
}

static void
test_check__spf_faults(void)
{
	fz_clear(&zone);
	fz_add(&zone, "slow.example", 0);
	fz_add(&zone, "bad.example", FZ_SERVFAIL);
	txt("inc.example", "v=spf1 include:slow.example -all");
	txt("ex.example", "v=spf1 exists:bad.example -all");
	txt("two.example", "v=spf1 -all");
	txt("two.example", "v=spf1 +all");
	txt("syn.example", "v=spf1 ip4:192.0.2.1 foo:bar -all");
	spf("timeout", "192.0.2.1", "a@slow.example", BK_SPF_TEMPERROR,
	    "timed out", NULL);
	spf("include timeout", "192.0.2.1", "a@inc.example",
	    BK_SPF_TEMPERROR, NULL, NULL);
	spf("servfail", "192.0.2.1", "a@ex.example", BK_SPF_TEMPERROR,
	    "SERVFAIL", NULL);
	spf("none", "192.0.2.1", "a@nothing.example", BK_SPF_NONE, NULL,
	    NULL);
	spf("two records", "192.0.2.1", "a@two.example", BK_SPF_PERMERROR,
	    "more than one", NULL);
	spf("syntax after match", "192.0.2.1", "a@syn.example",
	    BK_SPF_PERMERROR, "unknown mechanism", NULL);
	fz_clear(&zone);
}

static void
test_check__spf_mechanisms(void)
{
	fz_clear(&zone);
	txt("m.example", "v=spf1 mx/24 -all");
	fz_add_name(&zone, "m.example", BK_DNS_MX, "mx1.m.example", 10);
	fz_add_addr(&zone, "mx1.m.example", "198.51.100.7");
	txt("six.example", "v=spf1 ip6:2001:db8::/32 a -all");
	fz_add_addr(&zone, "six.example", "2001:db8:1::1");
	txt("p.example", "v=spf1 ptr ~all");
	fz_add_name(&zone, "7.100.51.198.in-addr.arpa", BK_DNS_PTR,
	    "host.p.example", 0);
	fz_add_addr(&zone, "host.p.example", "198.51.100.7");
	spf("mx cidr", "198.51.100.200", "a@m.example", BK_SPF_PASS,
	    "mx/24", NULL);
	spf("mx miss", "203.0.113.1", "a@m.example", BK_SPF_FAIL, "-all",
	    NULL);
	spf("ip6", "2001:db8:ffff::1", "a@six.example", BK_SPF_PASS, NULL,
	    NULL);
	spf("mapped v4", "::ffff:198.51.100.7", "a@m.example", BK_SPF_PASS,
	    NULL, NULL);
	spf("ptr", "198.51.100.7", "a@p.example", BK_SPF_PASS, NULL, NULL);
	spf("ptr miss", "198.51.100.8", "a@p.example", BK_SPF_SOFTFAIL, NULL,
	    NULL);
	fz_clear(&zone);
}

static void
test_check__spf_macros(void)
{
	fz_clear(&zone);
	txt("mac.example", "v=spf1 exists:%{ir}.%{l1r-}.x.%{d2} -all "
	    "exp=why.%{d}");
	fz_add_addr(&zone, "1.2.0.192.jill.x.mac.example", "127.0.0.2");
	txt("why.mac.example", "%{i} is not allowed for %{s} (%{L})");
	spf("exists macro", "192.0.2.1", "jill-jack@mac.example",
	    BK_SPF_PASS, NULL, NULL);
	spf("exp", "192.0.2.9", "a b@mac.example", BK_SPF_FAIL, NULL,
	    "192.0.2.9 is not allowed for a b@mac.example (a%20b)");
	fz_clear(&zone);
}

static void
test_check__spf_bad_input(void)
{
	bk_resolver *r = fake_resolver();
	bk_spf *s;

	BKT_EQ_INT("bad ip", bk_spf_new(&s, r, NULL, "1.2.3", "a@b.c", NULL,
	    NULL), BK_EINVAL);
	BKT_EQ_INT("ok", bk_spf_new(&s, r, NULL, "1.2.3.4", "a@nodot", NULL,
	    NULL), 0);
	BKT_EQ_INT("ok", bk_spf_check(s), 0);
	BKT_EQ_INT("single label", bk_spf_verdict(s), BK_SPF_NONE);
	bk_spf_free(s);
	bk_resolver_free(r);
	for (int i = 0; i < BK_SPF_RESULT_COUNT_; i++)
		BKT_CHECK(strcmp(bk_spf_result_name((bk_spf_result)i),
		    "unknown") != 0);
}

BK_TEST_MAIN(
	BKT(test_check__spf_term_limit),
	BKT(test_check__spf_void_limit),
	BKT(test_check__spf_loops),
	BKT(test_check__spf_faults),
	BKT(test_check__spf_mechanisms),
	BKT(test_check__spf_macros),
	BKT(test_check__spf_bad_input)
)
