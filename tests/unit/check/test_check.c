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

/* ------------------------------------------------------------------ */
/* DKIM: a small relaxed/relaxed signer here, the verifier under test  */

#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

static EVP_PKEY *key_ed, *key_rsa1024, *key_rsa1023, *key_rsa2048;

static void
b64(char *out, const unsigned char *p, size_t n)
{
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

/* pubrec - the p= value of a key */
static void
pubrec(char *out, EVP_PKEY *k)
{
	unsigned char der[1200], *q = der;
	size_t n = sizeof(der);

	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519) {
		EVP_PKEY_get_raw_public_key(k, der, &n);
		b64(out, der, n);
	} else {
		int l = i2d_PUBKEY(k, &q);

		b64(out, der, (size_t)l);
	}
}

/*
 * dkim_sign - a message "DKIM-Signature + From + Subject + body" signed
 * relaxed/relaxed over h=@hlist with @extra tags; headers are written
 * already in relaxed form apart from the name case.
 */
static void
dkim_sign(char *out, size_t cap, EVP_PKEY *k, const char *extra,
    const char *hlist, const char *body)
{
	const char *from = "a@example.org", *subj = "test";
	int ed = EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519;
	unsigned char h[32], sig[600];
	char bh[64], bsig[900], val[2000], input[4000];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned hl;

	EVP_Digest(body, strlen(body), h, &hl, EVP_sha256(), NULL);
	b64(bh, h, 32);
	snprintf(val, sizeof(val), "v=1; a=%s; c=relaxed/relaxed; "
	    "d=example.org; s=sel;%s h=%s; bh=%s; b=", ed ? "ed25519-sha256" :
	    "rsa-sha256", extra, hlist, bh);
	snprintf(input, sizeof(input), "from:%s\r\nsubject:%s\r\n"
	    "dkim-signature:%s", from, subj, val);
	if (ed) {
		EVP_Digest(input, strlen(input), h, &hl, EVP_sha256(), NULL);
		EVP_DigestSignInit(ctx, NULL, NULL, NULL, k);
		EVP_DigestSign(ctx, sig, &siglen, h, 32);
	} else {
		EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k);
		EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)input,
		    strlen(input));
	}
	EVP_MD_CTX_free(ctx);
	b64(bsig, sig, siglen);
	snprintf(out, cap, "DKIM-Signature: %s%s\r\nFrom: %s\r\n"
	    "Subject: %s\r\n\r\n%s", val, bsig, from, subj, body);
}

static EVP_PKEY *
rsa_key(unsigned bits)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
	EVP_PKEY *k = NULL;

	EVP_PKEY_keygen_init(c);
	EVP_PKEY_CTX_set_rsa_keygen_bits(c, (int)bits);
	EVP_PKEY_keygen(c, &k);
	EVP_PKEY_CTX_free(c);
	return k;
}

static void
dkim_keys(void)
{
	if (key_ed != NULL)
		return;
	key_ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	key_rsa1024 = rsa_key(1024);
	key_rsa1023 = rsa_key(1023);
	key_rsa2048 = rsa_key(2048);
}

/* dkim_row - verify @msg against key record @rec and compare */
static void
dkim_row(const char *row, const char *msg, const char *rec, int fault,
    bk_dkim_result want, const char *detail_has)
{
	bk_resolver *r;
	bk_dkim *d = NULL;
	const bk_dkim_sig *s;

	fz_clear(&zone);
	if (rec != NULL)
		txt("sel._domainkey.example.org", rec);
	if (fault)
		fz_add(&zone, "sel._domainkey.example.org", fault == 1 ? 0 :
		    FZ_SERVFAIL);
	r = fake_resolver();
	BKT_EQ_INT(row, bk_dkim_new(&d, r, NULL, msg, strlen(msg)), 0);
	BKT_EQ_INT(row, bk_dkim_check(d), 0);
	if (bk_dkim_verdict(d) != want)
		BKT_FAIL("[%s] got %s, want %s", row,
		    bk_dkim_result_name(bk_dkim_verdict(d)),
		    bk_dkim_result_name(want));
	s = bk_dkim_signature(d, 0);
	if (detail_has != NULL && (s == NULL ||
	    strstr(s->detail, detail_has) == NULL))
		BKT_FAIL("[%s] detail \"%s\" lacks \"%s\"", row,
		    s ? s->detail : "(no signature)", detail_has);
	bk_dkim_free(d);
	bk_resolver_free(r);
	fz_clear(&zone);
}

static void
test_check__dkim_verify(void)
{
	static char m[8000], rec[1200], rec2[1200], p[1000], extra[200];
	const char *body = "Hello\r\nworld\r\n";
	long long now = (long long)time(NULL);

	dkim_keys();
	pubrec(p, key_ed);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; p=%s", p);
	dkim_sign(m, sizeof(m), key_ed, "", "from:subject", body);
	dkim_row("ed25519 pass", m, rec, 0, BK_DKIM_PASS, "verified");
	dkim_row("no key", m, NULL, 0, BK_DKIM_PERMERROR, "no key record");
	dkim_row("key timeout", m, NULL, 1, BK_DKIM_TEMPERROR, "timed out");
	dkim_row("key servfail", m, NULL, 2, BK_DKIM_TEMPERROR, "SERVFAIL");
	dkim_row("revoked", m, "v=DKIM1; k=ed25519; p=", 0,
	    BK_DKIM_PERMERROR, "revoked");
	dkim_row("k=rsa for ed25519", m, "v=DKIM1; k=rsa; p=MDAw", 0,
	    BK_DKIM_PERMERROR, NULL);
	snprintf(rec2, sizeof(rec2), "v=DKIM1; k=ed25519; t=y; p=%s", p);
	dkim_row("testing", m, rec2, 0, BK_DKIM_PASS, "t=y");
	/* tampering */
	memcpy(strstr(m, "world"), "World", 5);
	dkim_row("body changed", m, rec, 0, BK_DKIM_FAIL, "body hash");
	dkim_sign(m, sizeof(m), key_ed, "", "from:subject", body);
	memcpy(strstr(m, "Subject: test"), "Subject: Test", 13);
	dkim_row("subject changed", m, rec, 0, BK_DKIM_FAIL, "signature");
	/* relaxed header canonicalization: case, folding, spaces */
	dkim_sign(m, sizeof(m), key_ed, "", "from:subject", body);
	{
		char *q = strstr(m, "Subject: test");
		char tmp[8000];

		snprintf(tmp, sizeof(tmp), "%.*sSUBJECT :\r\n\t  test  %s",
		    (int)(q - m), m, q + strlen("Subject: test"));
		dkim_row("relaxed header", tmp, rec, 0, BK_DKIM_PASS, NULL);
	}
	/* LF line ends are read as CRLF */
	{
		char lf[8000];
		size_t n = 0;

		for (const char *q = m; *q; q++)
			if (*q != '\r')
				lf[n++] = *q;
		lf[n] = '\0';
		dkim_row("LF only", lf, rec, 0, BK_DKIM_PASS, NULL);
	}
	/* l=: at the body length, appended text ignored; over: permerror */
	dkim_sign(m, sizeof(m), key_ed, " l=14;", "from:subject", body);
	strncat(m, "appended\r\n", sizeof(m) - strlen(m) - 1);
	dkim_row("l= at length + appended", m, rec, 0, BK_DKIM_PASS, NULL);
	dkim_sign(m, sizeof(m), key_ed, " l=15;", "from:subject", body);
	dkim_row("l= over length", m, rec, 0, BK_DKIM_PERMERROR, "l=");
	/* x= expiry */
	snprintf(extra, sizeof(extra), " t=%lld; x=%lld;", now - 7200,
	    now - 3600);
	dkim_sign(m, sizeof(m), key_ed, extra, "from:subject", body);
	dkim_row("expired", m, rec, 0, BK_DKIM_PERMERROR, "expired");
	snprintf(extra, sizeof(extra), " t=%lld; x=%lld;", now - 7200,
	    now + 3600);
	dkim_sign(m, sizeof(m), key_ed, extra, "from:subject", body);
	dkim_row("not expired", m, rec, 0, BK_DKIM_PASS, NULL);
	/* From must be signed */
	dkim_sign(m, sizeof(m), key_ed, "", "subject", body);
	dkim_row("h= without from", m, rec, 0, BK_DKIM_PERMERROR, "From");
	/* t=s and an i= in a subdomain */
	snprintf(rec2, sizeof(rec2), "v=DKIM1; k=ed25519; t=s; p=%s", p);
	dkim_sign(m, sizeof(m), key_ed, " i=@sub.example.org;",
	    "from:subject", body);
	dkim_row("i= subdomain", m, rec, 0, BK_DKIM_PASS, NULL);
	dkim_row("i= subdomain, t=s", m, rec2, 0, BK_DKIM_PERMERROR, "t=s");
	dkim_sign(m, sizeof(m), key_ed, " i=@other.example;",
	    "from:subject", body);
	dkim_row("i= outside d=", m, rec, 0, BK_DKIM_PERMERROR, "i=");
	/* RFC 8301 3.2: RSA key sizes under, at and over 1024 bits */
	pubrec(p, key_rsa1023);
	snprintf(rec, sizeof(rec), "v=DKIM1; p=%s", p);
	dkim_sign(m, sizeof(m), key_rsa1023, "", "from:subject", body);
	dkim_row("rsa 1023", m, rec, 0, BK_DKIM_PERMERROR, "too short");
	pubrec(p, key_rsa1024);
	snprintf(rec, sizeof(rec), "v=DKIM1; p=%s", p);
	dkim_sign(m, sizeof(m), key_rsa1024, "", "from:subject", body);
	dkim_row("rsa 1024", m, rec, 0, BK_DKIM_PASS, NULL);
	snprintf(rec2, sizeof(rec2), "v=DKIM1; h=sha1; p=%s", p);
	dkim_row("key h=sha1", m, rec2, 0, BK_DKIM_PERMERROR, "h=sha1");
	pubrec(p, key_rsa2048);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=%s", p);
	dkim_sign(m, sizeof(m), key_rsa2048, "", "from:subject", body);
	dkim_row("rsa 2048", m, rec, 0, BK_DKIM_PASS, NULL);
	dkim_row("unsigned", "From: a@b.example\r\n\r\nhi\r\n", NULL, 0,
	    BK_DKIM_NONE, NULL);
}

/* the h= bound: BK_LIMIT_DKIM_SIGNED_HEADERS names, and one more */
static void
test_check__dkim_limits(void)
{
	static char m[8000], rec[200], h[2000], p[100];
	size_t n = 0;

	dkim_keys();
	pubrec(p, key_ed);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; p=%s", p);
	/* from:subject then x-none entries, which are absent (hash
	 * nothing) */
	n += (size_t)snprintf(h, sizeof(h), "from:subject");
	for (int i = 2; i < BK_LIMIT_DKIM_SIGNED_HEADERS; i++)
		n += (size_t)snprintf(h + n, sizeof(h) - n, ":x");
	dkim_sign(m, sizeof(m), key_ed, "", h, "hi\r\n");
	dkim_row("h= at limit", m, rec, 0, BK_DKIM_PASS, NULL);
	snprintf(h + n, sizeof(h) - n, ":x");
	dkim_sign(m, sizeof(m), key_ed, "", h, "hi\r\n");
	dkim_row("h= over limit", m, rec, 0, BK_DKIM_PERMERROR, "limit");
	for (int i = 0; i < BK_DKIM_RESULT_COUNT_; i++)
		BKT_CHECK(strcmp(bk_dkim_result_name((bk_dkim_result)i),
		    "unknown") != 0);
}

/* dmarc_row - evaluate From @from with SPF @spf_dom pass and DKIM
 * @dkim_dom pass (either may be NULL) */
static void
dmarc_row(const char *row, const char *from, const char *spf_dom,
    const char *dkim_dom, bk_dmarc_result want, const char *want_pd,
    const char *want_disp)
{
	bk_resolver *r = fake_resolver();
	bk_dmarc *m = NULL;
	const char *pd;

	BKT_EQ_INT(row, bk_dmarc_new(&m, r, from), 0);
	if (spf_dom != NULL)
		bk_dmarc_add_spf(m, spf_dom, BK_SPF_PASS);
	if (dkim_dom != NULL)
		bk_dmarc_add_dkim(m, dkim_dom, BK_DKIM_PASS);
	BKT_EQ_INT(row, bk_dmarc_check(m), 0);
	pd = bk_dmarc_policy_domain(m);
	if (bk_dmarc_verdict(m) != want || strcmp(pd ? pd : "-", want_pd) !=
	    0 || strcmp(bk_dmarc_disposition(m), want_disp) != 0)
		BKT_FAIL("[%s] got %s %s %s, want %s %s %s (%s)", row,
		    bk_dmarc_result_name(bk_dmarc_verdict(m)), pd ? pd : "-",
		    bk_dmarc_disposition(m), bk_dmarc_result_name(want),
		    want_pd, want_disp, bk_dmarc_detail(m));
	bk_dmarc_free(m);
	bk_resolver_free(r);
}

static void
test_check__dmarc(void)
{
	static const struct {
		const char *rec;
		int usable, errors;
	} recs[] = {
		{ "v=DMARC1; p=reject", 1, 0 },
		{ "v=DMARC1; p=reject; pct=100", 1, 0 },
		{ "v=DMARC1; p=reject; pct=101", 1, 1 },
		{ "v=DMARC1; p=reject; pct=0", 1, 0 },
		{ "v=DMARC1; p=reject; pct=-1", 1, 1 },
		{ "v=DMARC1; rua=mailto:a@example.org", 1, 1 },
		{ "v=DMARC1; rua=mailto:a@example.org; p=bad", 1, 1 },
		{ "v=DMARC1; p=bad", 0, 1 },
		{ "p=reject; v=DMARC1", 0, 1 },
		{ "v=DMARC1; p=reject; adkim=x", 1, 1 },
		{ "", 0, 1 },
	};
	char out[256];

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		int u = -1, e = -1;

		BKT_EQ_INT(recs[i].rec, bk_dmarc_record_check(&u, &e, NULL,
		    0, recs[i].rec, strlen(recs[i].rec)), 0);
		BKT_EQ_INT(recs[i].rec, u, recs[i].usable);
		BKT_EQ_INT(recs[i].rec, e, recs[i].errors);
	}
	BKT_EQ_INT("org", bk_dmarc_org_domain(out, sizeof(out),
	    "a.b.example.co.uk"), 0);
	BKT_CHECK(strcmp(out, "example.co.uk") == 0);
	BKT_EQ_INT("suffix", bk_dmarc_org_domain(out, sizeof(out), "co.uk"),
	    BK_ENOTFOUND);
	{
		const char *f = "\"x@y.example\" (c@d.example) "
		    "<Joe@Mail.Example.ORG>";

		BKT_EQ_INT("from", bk_dmarc_from_domain(out, sizeof(out), f,
		    strlen(f)), 0);
	}
	BKT_CHECK(strcmp(out, "mail.example.org") == 0);
	fz_clear(&zone);
	txt("_dmarc.org.example", "v=DMARC1; p=reject; sp=quarantine");
	txt("_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s; aspf=s");
	txt("_dmarc.pct.example", "v=DMARC1; p=reject; pct=0");
	txt("_dmarc.two.example", "v=DMARC1; p=reject");
	txt("_dmarc.two.example", "v=DMARC1; p=none");
	fz_add(&zone, "_dmarc.fault.example", FZ_SERVFAIL);
	dmarc_row("spf aligned", "org.example", "org.example", NULL,
	    BK_DMARC_PASS, "org.example", "none");
	dmarc_row("relaxed dkim", "org.example", NULL, "mail.org.example",
	    BK_DMARC_PASS, "org.example", "none");
	dmarc_row("unaligned", "org.example", "other.example", NULL,
	    BK_DMARC_FAIL, "org.example", "reject");
	dmarc_row("subdomain sp=", "a.org.example", "other.example", NULL,
	    BK_DMARC_FAIL, "org.example", "quarantine");
	dmarc_row("strict", "strict.example", "b.strict.example",
	    "c.strict.example", BK_DMARC_FAIL, "strict.example", "reject");
	/* RFC 9989 (the default) ignores pct=; the RFC 7489 reading
	 * (quarantine) is tested in test_dmarc_policy.c */
	dmarc_row("pct=0", "pct.example", NULL, NULL, BK_DMARC_FAIL,
	    "pct.example", "reject");
	dmarc_row("two records", "two.example", NULL, NULL, BK_DMARC_NONE,
	    "-", "none");
	dmarc_row("servfail", "fault.example", NULL, NULL,
	    BK_DMARC_TEMPERROR, "-", "none");
	dmarc_row("no record", "none.example", NULL, NULL, BK_DMARC_NONE,
	    "-", "none");
	fz_clear(&zone);
}

static void
on_dmarc_done(void *arg, bk_dmarc *m)
{
	(void)m;
	(*(int *)arg)++;
}

/* bk_dmarc_prefetch: the records are asked before the results are
 * known; results added afterwards decide the verdict; the callback runs
 * once, from bk_dmarc_start() when the answers are already in */
static void
test_check__dmarc_prefetch(void)
{
	bk_resolver *r;
	bk_dmarc *m = NULL;
	int calls = 0;

	fz_clear(&zone);
	txt("_dmarc.org.example", "v=DMARC1; p=reject");
	r = fake_resolver();
	BKT_EQ_INT("new", bk_dmarc_new(&m, r, "a.org.example"), 0);
	/* RFC 7489: two record lookups, none added by the results (the
	 * RFC 9989 walk also asks the SPF domain's: test_dmarc_policy.c) */
	BKT_EQ_INT("rules", bk_dmarc_set_rules(m, BK_DMARC_RFC7489), 0);
	BKT_EQ_INT("prefetch", bk_dmarc_prefetch(m), 0);
	BKT_EQ_INT("prefetch twice", bk_dmarc_prefetch(m), BK_EINVAL);
	BKT_EQ_INT("run", bk_resolver_run(r), 0);
	BKT_EQ_INT("queries", bk_resolver_queries(r), 2);
	BKT_CHECK(!bk_dmarc_is_done(m));
	/* results arrive after the records */
	BKT_EQ_INT("add spf", bk_dmarc_add_spf(m, "b.org.example",
	    BK_SPF_PASS), 0);
	BKT_EQ_INT("start", bk_dmarc_start(m, on_dmarc_done, &calls), 0);
	BKT_EQ_INT("callback from start", calls, 1);
	BKT_EQ_INT("run again", bk_resolver_run(r), 0);
	BKT_EQ_INT("callback once", calls, 1);
	BKT_EQ_INT("no more queries", bk_resolver_queries(r), 2);
	BKT_EQ_INT("verdict", bk_dmarc_verdict(m), BK_DMARC_PASS);
	BKT_CHECK(strcmp(bk_dmarc_policy_domain(m), "org.example") == 0);
	BKT_EQ_INT("add after start", bk_dmarc_add_dkim(m, "org.example",
	    BK_DKIM_PASS), BK_EINVAL);
	bk_dmarc_free(m);
	/* started before the answers: decided while the resolver runs */
	m = NULL;
	calls = 0;
	BKT_EQ_INT("new 2", bk_dmarc_new(&m, r, "org.example"), 0);
	BKT_EQ_INT("prefetch 2", bk_dmarc_prefetch(m), 0);
	BKT_EQ_INT("start 2", bk_dmarc_start(m, on_dmarc_done, &calls), 0);
	BKT_EQ_INT("not yet", calls, 0);
	BKT_EQ_INT("run 2", bk_resolver_run(r), 0);
	BKT_EQ_INT("called", calls, 1);
	BKT_EQ_INT("fail", bk_dmarc_verdict(m), BK_DMARC_FAIL);
	BKT_CHECK(strcmp(bk_dmarc_disposition(m), "reject") == 0);
	bk_dmarc_free(m);
	bk_resolver_free(r);
	fz_clear(&zone);
}

/* BK_LIMIT_DKIM_SIGNATURES and BK_LIMIT_DKIM_SELECTORS: at and over */
static void
test_check__dkim_counts(void)
{
	static char m[16384];
	size_t n = 0;
	bk_resolver *r;
	bk_dkim *d = NULL;
	bk_domaincheck *c = NULL;
	char sel[16];

	fz_clear(&zone);
	for (int i = 0; i <= BK_LIMIT_DKIM_SIGNATURES; i++)
		n += (size_t)snprintf(m + n, sizeof(m) - n,
		    "DKIM-Signature: v=1; a=rsa-sha256; d=x%d.example; "
		    "s=s; h=from; bh=AAAA; b=AAAA\r\n", i);
	snprintf(m + n, sizeof(m) - n, "From: a@x0.example\r\n\r\nhi\r\n");
	r = fake_resolver();
	BKT_EQ_INT("new", bk_dkim_new(&d, r, NULL, m, strlen(m)), 0);
	BKT_EQ_INT("check", bk_dkim_check(d), 0);
	BKT_EQ_INT("signatures kept", bk_dkim_count(d),
	    BK_LIMIT_DKIM_SIGNATURES);
	BKT_EQ_INT("verdict", bk_dkim_verdict(d), BK_DKIM_PERMERROR);
	bk_dkim_free(d);
	BKT_EQ_INT("domaincheck", bk_domaincheck_new(&c, r, "x.example"), 0);
	for (int i = 0; i < BK_LIMIT_DKIM_SELECTORS; i++) {
		snprintf(sel, sizeof(sel), "s%d", i);
		BKT_EQ_INT("selector at limit",
		    bk_domaincheck_add_selector(c, sel), 0);
	}
	BKT_EQ_INT("selector over limit",
	    bk_domaincheck_add_selector(c, "one-more"), BK_ETOOBIG);
	BKT_EQ_INT("bad selector", bk_domaincheck_add_selector(c, "a..b"),
	    BK_EINVAL);
	bk_domaincheck_free(c);
	bk_resolver_free(r);
}

/* dbl_row - check domain @d against the domain lists of @set: the one
 * domain list's state, code and meaning (substring); address lists are
 * left out */
static void
dbl_row(const char *row, const bk_dnsbl_set *set, const char *d,
    bk_dnsbl_state want, const char *code, const char *meaning)
{
	bk_resolver *r = fake_resolver();
	bk_domaincheck *c = NULL;
	const bk_dnsbl_result *x;

	BKT_EQ_INT(row, bk_domaincheck_new(&c, r, d), 0);
	BKT_EQ_INT(row, bk_domaincheck_dnsbl_count(c), 0);
	BKT_EQ_INT(row, bk_domaincheck_set_lists(c, set), 0);
	BKT_EQ_INT(row, bk_domaincheck_start(c), 0);
	BKT_EQ_INT(row, bk_domaincheck_set_lists(c, set), BK_EINVAL);
	BKT_EQ_INT(row, bk_resolver_run(r), 0);
	BKT_EQ_INT(row, bk_domaincheck_dnsbl_count(c), 1);
	BKT_CHECK(bk_domaincheck_dnsbl_result(c, 1) == NULL);
	x = bk_domaincheck_dnsbl_result(c, 0);
	if (x == NULL) {
		BKT_FAIL("%s", row);
	} else {
		BKT_CHECK(strcmp(x->id, "dbl") == 0);
		BKT_EQ_INT(row, x->state, want);
		if (code == NULL)
			BKT_CHECK(x->code == NULL);
		else
			BKT_CHECK(x->code != NULL &&
			    strcmp(x->code, code) == 0);
		if (meaning != NULL)
			BKT_CHECK(x->meaning != NULL &&
			    strstr(x->meaning, meaning) != NULL);
	}
	/* MX, SPF, DMARC... ran on the same resolver run */
	BKT_CHECK(bk_domaincheck_spf_count(c) == 1);
	bk_domaincheck_free(c);
	bk_resolver_free(r);
}

/* domain blocklists of check domain: listed, not listed, error codes
 * (never a listing), a failed lookup, a name too long to ask */
static void
test_check__domain_dnsbl(void)
{
	static const char defs[] =
	    "code * 127.255.255.254 error the list refused the query\n"
	    "list bl bl.example ip Address list\n"
	    "list dbl dbl.example domain Domain list\n"
	    "code dbl 127.0.1.2 listed spam domain\n";
	bk_dnsbl_set *set = NULL;
	char longd[260];

	fz_clear(&zone);
	BKT_EQ_INT("set", bk_dnsbl_set_new(&set, defs, strlen(defs), NULL),
	    0);
	fz_add_addr(&zone, "spam.example.dbl.example", "127.0.1.2");
	fz_add_addr(&zone, "odd.example.dbl.example", "127.0.1.9");
	fz_add_addr(&zone, "refused.example.dbl.example", "127.255.255.254");
	fz_add_addr(&zone, "q.example.dbl.example", "127.255.255.252");
	fz_add_addr(&zone, "one.example.dbl.example", "127.0.0.1");
	fz_add_addr(&zone, "web.example.dbl.example", "192.0.2.1");
	fz_add(&zone, "fault.example.dbl.example", FZ_SERVFAIL);
	txt("spam.example.dbl.example", "see https://example/spam");
	dbl_row("listed", set, "spam.example", BK_DNSBL_LISTED, "127.0.1.2",
	    "spam domain");
	dbl_row("undocumented code", set, "odd.example", BK_DNSBL_LISTED,
	    "127.0.1.9", "not documented");
	dbl_row("not listed", set, "clean.example", BK_DNSBL_NOT_LISTED,
	    NULL, NULL);
	dbl_row("defined error", set, "refused.example", BK_DNSBL_ERROR,
	    "127.255.255.254", "refused");
	dbl_row("127.255.255.x", set, "q.example", BK_DNSBL_ERROR,
	    "127.255.255.252", "error code");
	dbl_row("127.0.0.1", set, "one.example", BK_DNSBL_ERROR, "127.0.0.1",
	    "never a listing");
	dbl_row("outside 127/8", set, "web.example", BK_DNSBL_ERROR,
	    "192.0.2.1", "outside");
	dbl_row("servfail", set, "fault.example", BK_DNSBL_FAILED, NULL,
	    NULL);
	/* 63+1+63+1+63+1+50 = 242 characters: _smtp._tls.DOMAIN is 253,
	 * DOMAIN.dbl.example 254: that list cannot be asked, the rest of
	 * the check runs */
	memset(longd, 'a', sizeof(longd));
	longd[63] = longd[127] = longd[191] = '.';
	longd[242] = '\0';
	dbl_row("too long", set, longd, BK_DNSBL_FAILED, NULL, "253");
	bk_dnsbl_set_free(set);
	fz_clear(&zone);
}

BK_TEST_MAIN(
	BKT(test_check__spf_term_limit),
	BKT(test_check__spf_void_limit),
	BKT(test_check__spf_loops),
	BKT(test_check__spf_faults),
	BKT(test_check__spf_mechanisms),
	BKT(test_check__spf_macros),
	BKT(test_check__spf_bad_input),
	BKT(test_check__dkim_verify),
	BKT(test_check__dkim_limits),
	BKT(test_check__dmarc),
	BKT(test_check__dmarc_prefetch),
	BKT(test_check__dkim_counts),
	BKT(test_check__domain_dnsbl)
)
