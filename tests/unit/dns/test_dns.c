/*
 * test_dns.c - the DNS reply parser and the resolver's backend path.
 */
#include <string.h>

#include "bktest.h"
#include "bouncekit/dns.h"
#include "bouncekit/errors.h"
#include "../../dns/fakedns.h"

/* a reply header: id 0, QR RD RA, rcode, qd=1, an */
static size_t
hdr(unsigned char *m, int rcode, int an, const char *qname, int type)
{
	size_t o;

	memset(m, 0, 12);
	m[2] = 0x81;
	m[3] = (unsigned char)(0x80 | rcode);
	m[5] = 1;
	m[7] = (unsigned char)an;
	o = 12 + fz_name(m + 12, 500, qname);
	m[o++] = 0;
	m[o++] = (unsigned char)type;
	m[o++] = 0;
	m[o++] = 1;
	return o;
}

/* rr - owner as a pointer to @ptr, then type, class IN, ttl 60 */
static size_t
rr(unsigned char *m, size_t o, unsigned ptr, int type, const void *rd,
    size_t rdlen)
{
	m[o++] = (unsigned char)(0xc0 | (ptr >> 8));
	m[o++] = (unsigned char)ptr;
	m[o++] = 0;
	m[o++] = (unsigned char)type;
	m[o++] = 0;
	m[o++] = 1;
	m[o++] = 0;
	m[o++] = 0;
	m[o++] = 0;
	m[o++] = 60;
	m[o++] = (unsigned char)(rdlen >> 8);
	m[o++] = (unsigned char)rdlen;
	memcpy(m + o, rd, rdlen);
	return o + rdlen;
}

static void
test_dns__txt_joined(void)
{
	unsigned char m[600];
	static const unsigned char rd[] = "\x05hello\x06 world";
	size_t o = hdr(m, 0, 1, "t.example", 16);
	bk_dns_answer *a;

	o = rr(m, o, 12, 16, rd, sizeof(rd) - 1);
	BKT_EQ_INT("txt", bk_dns_answer_parse(&a, "t.example", BK_DNS_TXT, m,
	    o), 0);
	BKT_EQ_INT("txt", a->status, BK_DNS_OK);
	BKT_EQ_INT("txt", a->count, 1);
	BKT_EQ_STR("txt", a->rr[0].data, a->rr[0].len, "hello world");
	BKT_EQ_INT("txt", a->rr[0].nstrings, 2);
	BKT_EQ_INT("txt", a->ttl, 60);
	bk_dns_answer_free(a);
}

/* txt_of - a reply with one TXT record of @n bytes in 255-byte strings;
 * returns the message length */
static size_t
txt_of(unsigned char *m, size_t n)
{
	static unsigned char rd[66000];
	size_t o = hdr(m, 0, 1, "big.example", 16), r = 0;

	while (n > 0) {
		size_t k = n > 255 ? 255 : n;

		rd[r++] = (unsigned char)k;
		memset(rd + r, 'a', k);
		r += k;
		n -= k;
	}
	return rr(m, o, 12, 16, rd, r);
}

/* BK_LIMIT_DNS_TXT_BYTES: under, at and over in one DNS message (the
 * same sizes are served by knot over TCP in tests/dns/knot_test.sh) */
static void
test_dns__txt_limit(void)
{
	static unsigned char m[70000];
	static const struct {
		size_t n;
		bk_dns_status want;
	} rows[] = {
		{ 60000, BK_DNS_OK },
		{ BK_LIMIT_DNS_TXT_BYTES - 1, BK_DNS_OK },
		{ BK_LIMIT_DNS_TXT_BYTES, BK_DNS_OK },
		{ BK_LIMIT_DNS_TXT_BYTES + 1, BK_DNS_TOOBIG },
		{ 65000, BK_DNS_TOOBIG },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk_dns_answer *a = NULL;
		size_t len = txt_of(m, rows[i].n);

		BKT_CHECK(len <= 65535);
		BKT_EQ_INT("parse", bk_dns_answer_parse(&a, "big.example",
		    BK_DNS_TXT, m, len), 0);
		BKT_EQ_INT("status", a->status, rows[i].want);
		if (rows[i].want == BK_DNS_OK) {
			BKT_EQ_INT("count", a->count, 1);
			BKT_EQ_INT("length", a->rr[0].len, rows[i].n);
			BKT_EQ_INT("strings", a->rr[0].nstrings,
			    (rows[i].n + 254) / 255);
		} else {
			BKT_EQ_INT("no records", a->count, 0);
			BKT_CHECK(bk_dns_is_error(a->status));
		}
		bk_dns_answer_free(a);
	}
}

static void
test_dns__rcodes(void)
{
	static const struct {
		int rcode, an;
		bk_dns_status want;
	} rows[] = {
		{ 0, 0, BK_DNS_NODATA },
		{ 3, 0, BK_DNS_NXDOMAIN },
		{ 2, 0, BK_DNS_SERVFAIL },
		{ 5, 0, BK_DNS_REFUSED },
		{ 4, 0, BK_DNS_BADRESP },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		unsigned char m[600];
		size_t o = hdr(m, rows[i].rcode, rows[i].an, "x.example", 1);
		bk_dns_answer *a;
		char row[32];

		snprintf(row, sizeof(row), "rcode %d", rows[i].rcode);
		BKT_EQ_INT(row, bk_dns_answer_parse(&a, "x.example",
		    BK_DNS_A, m, o), 0);
		BKT_EQ_INT(row, a->status, rows[i].want);
		BKT_EQ_INT(row, bk_dns_is_error(a->status),
		    rows[i].want >= BK_DNS_TIMEOUT);
		bk_dns_answer_free(a);
	}
}

/* a pointer that does not go strictly backwards is malformed */
static void
test_dns__pointer_forward_or_self(void)
{
	unsigned char m[600];
	size_t o = hdr(m, 0, 1, "p.example", 12);
	bk_dns_answer *a;
	unsigned char rd[2];
	size_t at = o + 12;        /* where the RDATA will start */

	/* PTR whose target points at itself */
	rd[0] = (unsigned char)(0xc0 | (at >> 8));
	rd[1] = (unsigned char)at;
	o = rr(m, o, 12, 12, rd, 2);
	BKT_EQ_INT("self", bk_dns_answer_parse(&a, "p.example", BK_DNS_PTR,
	    m, o), 0);
	BKT_EQ_INT("self", a->status, BK_DNS_BADRESP);
	bk_dns_answer_free(a);

	/* owner pointing forward */
	o = hdr(m, 0, 1, "p.example", 12);
	o = rr(m, o, 200, 12, "\x01x\x00", 3);
	BKT_EQ_INT("fwd", bk_dns_answer_parse(&a, "p.example", BK_DNS_PTR,
	    m, o), 0);
	BKT_EQ_INT("fwd", a->status, BK_DNS_BADRESP);
	bk_dns_answer_free(a);

	/* truncated message */
	o = hdr(m, 0, 1, "p.example", 12);
	o = rr(m, o, 12, 12, "\x01x\x00", 3);
	BKT_EQ_INT("short", bk_dns_answer_parse(&a, "p.example", BK_DNS_PTR,
	    m, o - 2), 0);
	BKT_EQ_INT("short", a->status, BK_DNS_BADRESP);
	bk_dns_answer_free(a);
}

static struct fz zone;

static int
backend_query(void *ctx, const char *name, bk_dns_type type,
    unsigned char *buf, size_t cap, size_t *len)
{
	return fz_query(ctx, name, type, buf, cap, len);
}

static bk_resolver *
fake_resolver(void)
{
	static bk_dns_backend be;
	bk_dns_options o = BK_DNS_OPTIONS_INIT;
	bk_resolver *r = NULL;

	be.version = 1;
	be.query = backend_query;
	be.ctx = &zone;
	o.backend = &be;
	if (bk_resolver_new(&r, &o, NULL) != 0)
		BKT_FAIL("bk_resolver_new");
	return r;
}

struct got {
	int n;
	bk_dns_status st[8];
	size_t count[8];
};

static void
collect(void *arg, bk_dns_answer *a)
{
	struct got *g = arg;

	g->st[g->n] = a->status;
	g->count[g->n] = a->count;
	g->n++;
	bk_dns_answer_free(a);
}

/* several queries queued, answered in one run; CNAMEs and faults */
static void
test_dns__resolver_backend(void)
{
	bk_resolver *r;
	struct got g = { 0 };

	fz_clear(&zone);
	fz_add_addr(&zone, "a.example", "192.0.2.1");
	fz_add_addr(&zone, "a.example", "192.0.2.2");
	fz_add_name(&zone, "c.example", BK_DNS_CNAME, "a.example", 0);
	fz_add_name(&zone, "loop1.example", BK_DNS_CNAME, "loop2.example", 0);
	fz_add_name(&zone, "loop2.example", BK_DNS_CNAME, "loop1.example", 0);
	fz_add(&zone, "slow.example", 0);
	fz_add(&zone, "broken.example", FZ_SERVFAIL);
	r = fake_resolver();
	bk_resolver_query(r, "a.example", 9, BK_DNS_A, collect, &g);
	bk_resolver_query(r, "c.example.", 10, BK_DNS_A, collect, &g);
	bk_resolver_query(r, "loop1.example", 13, BK_DNS_A, collect, &g);
	bk_resolver_query(r, "slow.example", 12, BK_DNS_A, collect, &g);
	bk_resolver_query(r, "broken.example", 14, BK_DNS_A, collect, &g);
	bk_resolver_query(r, "none.example", 12, BK_DNS_A, collect, &g);
	bk_resolver_query(r, "a..example", 10, BK_DNS_A, collect, &g);
	BKT_EQ_INT("run", bk_resolver_run(r), 0);
	BKT_EQ_INT("n", g.n, 7);
	/* the invalid name is answered first, without a query */
	BKT_EQ_INT("badname", g.st[0], BK_DNS_BADNAME);
	BKT_EQ_INT("a", g.st[1], BK_DNS_OK);
	BKT_EQ_INT("a", g.count[1], 2);
	BKT_EQ_INT("cname", g.st[2], BK_DNS_OK);
	BKT_EQ_INT("cname", g.count[2], 2);
	BKT_EQ_INT("loop", g.st[3], BK_DNS_CNAME_LOOP);
	BKT_EQ_INT("timeout", g.st[4], BK_DNS_TIMEOUT);
	BKT_EQ_INT("servfail", g.st[5], BK_DNS_SERVFAIL);
	BKT_EQ_INT("nxdomain", g.st[6], BK_DNS_NXDOMAIN);
	bk_resolver_free(r);
	fz_clear(&zone);
}

/* BK_LIMIT_DNS_CNAME_CHAIN: under, at and over the bound (the fake
 * zone follows up to 12 links inside one reply) */
static void
test_dns__cname_chain_limit(void)
{
	static const int links[] = { BK_LIMIT_DNS_CNAME_CHAIN - 1,
	    BK_LIMIT_DNS_CNAME_CHAIN, BK_LIMIT_DNS_CNAME_CHAIN + 1 };
	static const bk_dns_status want[] = { BK_DNS_OK, BK_DNS_OK,
	    BK_DNS_CNAME_LOOP };

	for (int k = 0; k < 3; k++) {
		bk_resolver *r;
		struct got g = { 0 };
		char name[32], target[32];

		fz_clear(&zone);
		for (int i = 0; i < links[k]; i++) {
			snprintf(name, sizeof(name), "c%d.example", i);
			snprintf(target, sizeof(target), "c%d.example", i + 1);
			fz_add_name(&zone, name, BK_DNS_CNAME, target, 0);
		}
		snprintf(name, sizeof(name), "c%d.example", links[k]);
		fz_add_addr(&zone, name, "192.0.2.1");
		r = fake_resolver();
		bk_resolver_query(r, "c0.example", 10, BK_DNS_A, collect, &g);
		BKT_EQ_INT("run", bk_resolver_run(r), 0);
		if (g.st[0] != want[k])
			BKT_FAIL("[%d links] got %s, want %s", links[k],
			    bk_dns_status_name(g.st[0]),
			    bk_dns_status_name(want[k]));
		bk_resolver_free(r);
	}
	fz_clear(&zone);
}

static void
test_dns__reverse_name(void)
{
	char buf[160];

	BKT_EQ_INT("v4", bk_dns_reverse_name(buf, sizeof(buf), "192.0.2.99",
	    "zen.example"), 0);
	BKT_EQ_STR("v4", buf, strlen(buf), "99.2.0.192.zen.example");
	BKT_EQ_INT("v6", bk_dns_reverse_name(buf, sizeof(buf),
	    "2001:db8::1", "ip6.arpa"), 0);
	BKT_EQ_STR("v6", buf, strlen(buf),
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	    ".ip6.arpa");
	BKT_EQ_INT("bad", bk_dns_reverse_name(buf, sizeof(buf), "1.2.3",
	    NULL), BK_EINVAL);
	BKT_EQ_INT("small", bk_dns_reverse_name(buf, 8, "192.0.2.99", NULL),
	    BK_ETOOBIG);
}

/* the status table has one row per value */
static void
test_dns__status_table(void)
{
	for (int i = 0; i < BK_DNS_STATUS_COUNT_; i++)
		BKT_CHECK(strcmp(bk_dns_status_text((bk_dns_status)i),
		    "unknown DNS status") != 0);
	BKT_CHECK(strcmp(bk_dns_status_name(BK_DNS_TIMEOUT),
	    "BK_DNS_TIMEOUT") == 0);
}

BK_TEST_MAIN(
	BKT(test_dns__txt_joined),
	BKT(test_dns__txt_limit),
	BKT(test_dns__rcodes),
	BKT(test_dns__pointer_forward_or_self),
	BKT(test_dns__resolver_backend),
	BKT(test_dns__cname_chain_limit),
	BKT(test_dns__reverse_name),
	BKT(test_dns__status_table)
)
