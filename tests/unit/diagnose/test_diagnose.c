/*
 * test_diagnose.c - bouncekit diagnose: the sending-IP rules (reply text
 * and Received chains, as tables) and the verdict logic, with the DNS
 * answered by an in-memory zone behind the resolver interface
 * (tests/dns/fakedns.h).  The bounces are the .eml files of
 * tests/dns/bounces/, the same the knot integration test uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bktest.h"
#include "bouncekit/bouncekit.h"
#include "bouncekit/diagnose.h"
#include "../../dns/fakedns.h"

/* ---------------------------------------------------------------- */
/* the sending IP named in the reply text                            */

static const struct {
	const char *name;
	const char *text;
	const char *want;          /* NULL: not found */
} text_rows[] = {
	{ "postfix-rbl", "554 5.7.1 Service unavailable; Client host "
	    "[198.51.100.9] blocked using zen.spamhaus.org", "198.51.100.9" },
	{ "exim-receiver-first", "host mx.example.net [203.0.113.7] SMTP "
	    "error from remote mail server after RCPT TO:<bob@example.net>: "
	    "554 5.7.1 Service unavailable; Client host [198.51.100.9] "
	    "blocked using zen.spamhaus.org", "198.51.100.9" },
	{ "bare-blocked-using", "550 [198.51.100.7] blocked using "
	    "bl.spamcop.net", "198.51.100.7" },
	{ "microsoft-s3150", "550 5.7.1 Unfortunately, messages from "
	    "[203.0.113.44] weren't sent. Please contact your Internet "
	    "service provider since part of their network is on our block "
	    "list (S3150).", "203.0.113.44" },
	{ "yahoo-tss04", "421 4.7.0 [TSS04] Messages from 198.51.100.9 "
	    "temporarily deferred due to unexpected volume or user "
	    "complaints", "198.51.100.9" },
	{ "gmail-ptr", "550-5.7.25 [198.51.100.11] The IP address sending "
	    "this message does not have a PTR record setup", "198.51.100.11" },
	{ "gmail-spaces", "421-4.7.0 [198.51.100.12      15] Our system has "
	    "detected an unusual rate", "198.51.100.12" },
	{ "postfix-reverse", "450 4.7.1 Client host rejected: cannot find "
	    "your reverse hostname, [198.51.100.13]", "198.51.100.13" },
	{ "spamhaus-url", "550 5.7.1 rejected: see "
	    "https://www.spamhaus.org/query/ip/203.0.113.50", "203.0.113.50" },
	{ "barracuda-url", "554 rejected, see "
	    "http://www.barracudanetworks.com/reputation/?pr=1&ip=203.0.113.51",
	    "203.0.113.51" },
	{ "ipv6-literal", "550 5.7.1 Client host [IPv6:2001:db8::25] "
	    "blocked using zen.spamhaus.org", "2001:db8::25" },
	{ "your-ip", "554 Your IP 203.0.113.52 is listed on our blocklist.",
	    "203.0.113.52" },
	{ "only-receiver", "host mx.example.net[203.0.113.7] said: 550 5.1.1 "
	    "<bob@example.net>: user unknown", NULL },
	{ "only-receiver-exim", "host mx.example.net [203.0.113.7]: 550 "
	    "blocked", NULL },
	{ "private-ip", "554 Client host [10.1.2.3] blocked using "
	    "zen.spamhaus.org", NULL },
	{ "loopback", "554 Client host [127.0.0.1] blocked", NULL },
	{ "one-bracketed", "554 5.7.1 rejected [198.51.100.30] policy",
	    "198.51.100.30" },
	{ "two-bracketed", "554 5.7.1 rejected [198.51.100.30] and "
	    "[198.51.100.31]", NULL },
	{ "no-address", "550 5.7.1 Service unavailable", NULL },
	{ "version-number", "554 filter 10.2.3.4.5 said no", NULL },
	{ "timestamp", "[AM4PEPF00027A5F.eurprd04.prod.outlook.com "
	    "2025-05-13T09:14:04.331Z 08DD91C2A5F3B1E4]", NULL },
};

/* test_diagnose__ip_from_text - the table above */
static void
test_diagnose__ip_from_text(void)
{
	size_t i;

	for (i = 0; i < sizeof(text_rows) / sizeof(text_rows[0]); i++) {
		char ip[64];
		int rc = bk_diagnose_ip_from_text(ip, sizeof(ip),
		    text_rows[i].text, strlen(text_rows[i].text));

		if (text_rows[i].want == NULL) {
			if (rc != BK_ENOTFOUND)
				BKT_FAIL("[%s] got %s, want not found",
				    text_rows[i].name, rc == 0 ? ip : "error");
			continue;
		}
		if (rc != 0)
			BKT_FAIL("[%s] got rc %d, want %s", text_rows[i].name,
			    rc, text_rows[i].want);
		else
			BKT_EQ_STR(text_rows[i].name, ip, strlen(ip),
			    text_rows[i].want);
	}
}

/* ---------------------------------------------------------------- */
/* the sending IP from the returned message's Received fields        */

#define MAXR 4

static const struct {
	const char *name;
	const char *rcvd[MAXR];    /* topmost first */
	const char *remote, *rcpt, *sender;
	const char *want;
	size_t which;
} rcvd_rows[] = {
	{ "receiver-hop-on-top",
	    { "from mail.example.org (mail.example.org [198.51.100.9]) by "
	    "mx.example.net (Postfix) with ESMTPS id 4X; Tue, 13 May 2025",
	    "from client.example.org (client.example.org [192.168.1.20]) by "
	    "mail.example.org (Postfix) with ESMTPSA id 4V" },
	    "mx.example.net", "example.net", "example.org", "198.51.100.9",
	    0 },
	{ "microsoft-internal-hops",
	    { "from AM0PR01.eurprd01.prod.outlook.com (2603:10a6:208::1) by "
	    "AM9PR02.eurprd02.prod.outlook.com (2603:10a6:20b::2) with "
	    "Microsoft SMTP Server",
	    "from mail.example.org (198.51.100.9) by "
	    "AM4PEPF00027A5F.mail.protection.outlook.com (10.167.16.1) with "
	    "Microsoft SMTP Server id 15.20",
	    "from client ([192.168.1.20]) by mail.example.org with ESMTPSA" },
	    "example-org.mail.protection.outlook.com", "example.com",
	    "example.org", "198.51.100.9", 1 },
	{ "exim-receiver",
	    { "from [198.51.100.9] (helo=mail.example.org) by mx1.example.net "
	    "with esmtps (Exim 4.96) id 1u", "from client by mail.example.org "
	    "with local" }, "mx1.example.net", "example.net", "example.org",
	    "198.51.100.9", 0 },
	{ "recipient-domain-only",
	    { "from out.example.org ([IPv6:2001:db8::25]) by "
	    "in.example.net with ESMTP" }, NULL, "example.net", "example.org",
	    "2001:db8::25", 0 },
	{ "our-hops-by-literal",
	    { "from client.example.org (client.example.org [192.168.1.20]) "
	    "by mail.example.org ([198.51.100.25]) with ESMTPSA id 4V" },
	    "aspmx.l.google.com", "example.com", "example.org",
	    "198.51.100.25", 0 },
	{ "our-hops-exchange-by",
	    { "from EXCH01.corp.example.org (10.0.0.5) by "
	    "EDGE01.example.org (198.51.100.26) with Microsoft SMTP Server" },
	    "mx.example.net", "example.net", "example.org", "198.51.100.26",
	    0 },
	{ "our-hops-no-literal",
	    { "from client.example.org (client.example.org [203.0.113.80]) "
	    "by mail.example.org (Postfix) with ESMTPSA id 4V" },
	    "mx.example.net", "example.net", "example.org", NULL, 0 },
	{ "loopback-filter-on-top",
	    { "from localhost (localhost [127.0.0.1]) by mail.example.org "
	    "(Postfix) with ESMTP id 1", "from client ([192.168.1.4]) by "
	    "mail.example.org (Postfix) with ESMTPSA id 2" },
	    "mx.example.net", "example.net", "example.org", NULL, 0 },
	{ "receiver-private-then-ours",
	    { "from gw.example.net ([10.9.9.9]) by mx.example.net with SMTP",
	    "from client ([192.168.1.4]) by mail.example.org ([198.51.100.27]) "
	    "with ESMTPSA" }, "mx.example.net", "example.net", "example.org",
	    "198.51.100.27", 1 },
	{ "same-org-send-to-self",
	    { "from client ([192.168.1.4]) by mail.example.org with ESMTPSA" },
	    "mail.example.org", "example.org", "example.org", NULL, 0 },
	{ "no-fields", { NULL }, "mx.example.net", "example.net",
	    "example.org", NULL, 0 },
};

/* test_diagnose__ip_from_received - the table above */
static void
test_diagnose__ip_from_received(void)
{
	size_t i, k;

	for (i = 0; i < sizeof(rcvd_rows) / sizeof(rcvd_rows[0]); i++) {
		const char *v[MAXR];
		size_t l[MAXR], n = 0, which = 99;
		char ip[64];
		int rc;

		for (k = 0; k < MAXR && rcvd_rows[i].rcvd[k] != NULL; k++) {
			v[n] = rcvd_rows[i].rcvd[k];
			l[n] = strlen(v[n]);
			n++;
		}
		rc = bk_diagnose_ip_from_received(ip, sizeof(ip), v, l, n,
		    rcvd_rows[i].remote, rcvd_rows[i].rcpt,
		    rcvd_rows[i].sender, &which);
		if (rcvd_rows[i].want == NULL) {
			if (rc != BK_ENOTFOUND)
				BKT_FAIL("[%s] got %s, want not found",
				    rcvd_rows[i].name, rc == 0 ? ip : "error");
			continue;
		}
		if (rc != 0) {
			BKT_FAIL("[%s] got rc %d, want %s", rcvd_rows[i].name,
			    rc, rcvd_rows[i].want);
			continue;
		}
		BKT_EQ_STR(rcvd_rows[i].name, ip, strlen(ip),
		    rcvd_rows[i].want);
		BKT_EQ_INT(rcvd_rows[i].name, which, rcvd_rows[i].which);
	}
}

/* ---------------------------------------------------------------- */
/* verdicts, with a fake resolver                                    */

static const char lists[] =
    "list spamhaus-zen zen.spamhaus.org ip Spamhaus ZEN\n"
    "code spamhaus-zen 127.0.0.2 listed SBL\n"
    "list other other.test ip4 Other list\n";

/* read_file - a test bounce, NUL-terminated (heap) */
static char *
read_file(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;

	snprintf(path, sizeof(path), "%s/dns/bounces/%s", BK_TEST_DATA,
	    name);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	buf = calloc(1, 1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

/* the sending side of the fake zone: like tests/dns/zones/example.org */
static void
zone_base(struct fz *z)
{
	static const char spf[] = "v=spf1 ip4:192.0.2.10 -all";
	static const char dmarc[] = "v=DMARC1; p=reject; "
	    "rua=mailto:d@example.org";
	static const char key[] = "v=DKIM1; k=ed25519; "
	    "p=0MlYtrK7XCDwpMS1LzL5smB1TP0vFDVPDkZS0g7X3J0=";

	fz_add_txt(z, "example.org", spf, strlen(spf));
	fz_add_txt(z, "_dmarc.example.org", dmarc, strlen(dmarc));
	fz_add_txt(z, "s1._domainkey.example.org", key, strlen(key));
	fz_add_addr(z, "mail.example.org", "198.51.100.10");
	fz_add_name(z, "10.100.51.198.in-addr.arpa", BK_DNS_PTR,
	    "mail.example.org", 0);
	fz_add_addr(z, "9.100.51.198.zen.spamhaus.org", "127.0.0.2");
}

struct run {
	bk_classifier *cls;
	bk_resolver *r;
	bk_message *msg;
	bk_diagnosis *d;
	char *data;
};

/* diag - decode @file, diagnose its first record with the fake zone */
static int
diag(struct run *x, struct fz *z, const char *file,
    const bk_diagnose_options *opts, const char *edit_from,
    const char *edit_to)
{
	static bk_dns_backend be;
	bk_dns_options o = BK_DNS_OPTIONS_INIT;
	bk_record *recs;
	size_t n, len;
	int rc;

	memset(x, 0, sizeof(*x));
	be.version = 1;
	be.query = fz_query;
	be.ctx = z;
	o.backend = &be;
	x->data = read_file(file, &len);
	if (x->data == NULL)
		return -1;
	if (edit_from != NULL) {
		/* insert or replace text: a variant of the bounce */
		char *at = strstr(x->data, edit_from), *nb;
		size_t fl = strlen(edit_from), tl = strlen(edit_to);

		if (at == NULL)
			return -1;
		nb = calloc(1, len + tl + 1);
		memcpy(nb, x->data, (size_t)(at - x->data));
		memcpy(nb + (at - x->data), edit_to, tl);
		memcpy(nb + (at - x->data) + tl, at + fl,
		    len - (size_t)(at - x->data) - fl);
		len = len + tl - fl;
		free(x->data);
		x->data = nb;
	}
	if (bk_classifier_new(&x->cls, NULL, NULL) != 0 ||
	    bk_resolver_new(&x->r, &o, NULL) != 0 ||
	    bk_message_new(&x->msg, x->data, len, NULL) != 0 ||
	    bk_message_decode(x->msg, &recs, &n) != 0 ||
	    bk_classify(x->cls, &recs[0]) != 0)
		return -1;
	rc = bk_diagnosis_new(&x->d, x->r, x->cls, x->msg, &recs[0], opts);
	if (rc != 0)
		return rc;
	return bk_diagnosis_run(x->d);
}

static void
done(struct run *x)
{
	bk_diagnosis_free(x->d);
	bk_message_free(x->msg);
	bk_resolver_free(x->r);
	bk_classifier_free(x->cls);
	free(x->data);
}

/* state_of - the state of the first check of @kind (id @id if given) */
static int
state_of(const bk_diagnosis *d, const char *kind, const char *id)
{
	size_t i;

	for (i = 0; i < bk_diagnosis_count(d); i++) {
		const bk_diag_check *c = bk_diagnosis_check(d, i);

		if (strcmp(c->kind, kind) == 0 && (id == NULL ||
		    (c->id != NULL && strcmp(c->id, id) == 0)))
			return (int)c->state;
	}
	return -1;
}

static int
starts(const char *s, const char *p)
{
	return s != NULL && strncmp(s, p, strlen(p)) == 0;
}

/* test_diagnose__blocklist - listed, not listed, lookup timed out */
static void
test_diagnose__blocklist(void)
{
	bk_diagnose_options o = BK_DIAGNOSE_OPTIONS_INIT;
	struct fz z = { 0 };
	struct run x;
	const bk_diag_check *c;

	o.lists = lists;
	o.lists_len = strlen(lists);
	zone_base(&z);
	BKT_EQ_INT("listed", diag(&x, &z, "blocklisted.eml", &o, NULL, NULL),
	    0);
	c = bk_diagnosis_check(x.d, 0);
	BKT_CHECK(c != NULL && c->named && strcmp(c->id, "spamhaus-zen") ==
	    0);
	BKT_EQ_INT("listed", state_of(x.d, "blocklist", "spamhaus-zen"),
	    BK_DIAG_WRONG);
	BKT_EQ_INT("listed", state_of(x.d, "blocklist", "other"),
	    BK_DIAG_FIXED);
	BKT_EQ_INT("listed", bk_diagnosis_verdict(x.d), BK_DIAG_WRONG);
	BKT_CHECK(starts(bk_diagnosis_summary(x.d), "Still listed on "
	    "Spamhaus ZEN"));
	BKT_CHECK(strstr(bk_diagnosis_summary(x.d),
	    "https://check.spamhaus.org/") != NULL);
	done(&x);

	BKT_EQ_INT("unlisted", diag(&x, &z, "unlisted.eml", &o, NULL, NULL),
	    0);
	BKT_EQ_INT("unlisted", state_of(x.d, "blocklist", "spamhaus-zen"),
	    BK_DIAG_FIXED);
	BKT_EQ_INT("unlisted", bk_diagnosis_verdict(x.d), BK_DIAG_FIXED);
	BKT_CHECK(starts(bk_diagnosis_summary(x.d), "Not listed on "));
	done(&x);

	/* the named list times out: could not check, never "fixed" */
	fz_add(&z, "10.100.51.198.zen.spamhaus.org", 0);
	fz_add(&z, "10.100.51.198.other.test", 0);
	BKT_EQ_INT("timeout", diag(&x, &z, "unlisted.eml", &o, NULL, NULL),
	    0);
	BKT_EQ_INT("timeout", state_of(x.d, "blocklist", "spamhaus-zen"),
	    BK_DIAG_UNCHECKED);
	BKT_EQ_INT("timeout", bk_diagnosis_verdict(x.d), BK_DIAG_UNCHECKED);
	BKT_CHECK(starts(bk_diagnosis_summary(x.d), "Could not check"));
	done(&x);
	fz_clear(&z);
	free(z.rr);
}

/* test_diagnose__text_width - no line of the text output is wider than
 * asked, long words (the Spamhaus URL) included */
static void
test_diagnose__text_width(void)
{
	bk_diagnose_options o = BK_DIAGNOSE_OPTIONS_INIT;
	struct fz z = { 0 };
	struct run x;
	char *buf = NULL, *line, *next;
	size_t len = 0, widest = 0;
	FILE *fp;

	o.lists = lists;
	o.lists_len = strlen(lists);
	zone_base(&z);
	BKT_EQ_INT("run", diag(&x, &z, "blocklisted.eml", &o, NULL, NULL),
	    0);
	fp = open_memstream(&buf, &len);
	BKT_CHECK(fp != NULL);
	BKT_EQ_INT("format", bk_diagnosis_format(fp, x.d, 0, 40), 0);
	fclose(fp);
	BKT_CHECK(strstr(buf, "Diagnosis") != NULL);
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		size_t c = 0;
		const char *q;

		next = strchr(line, '\n');
		for (q = line; *q != '\0' && *q != '\n'; q++)
			if (((unsigned char)*q & 0xc0) != 0x80)
				c++;
		if (c > widest)
			widest = c;
		if (next != NULL)
			next++;
	}
	BKT_CHECK(widest <= 40);
	/* the URL is still all there, cut into pieces */
	BKT_CHECK(strstr(buf, "https://check.spamhaus") != NULL);
	free(buf);
	done(&x);
	fz_clear(&z);
	free(z.rr);
}

/* test_diagnose__builtin_named_zone - the list the bounce names is
 * queried even when the caller's set lacks it */
static void
test_diagnose__builtin_named_zone(void)
{
	static const char other[] = "list other other.test ip4 Other\n";
	bk_diagnose_options o = BK_DIAGNOSE_OPTIONS_INIT;
	struct fz z = { 0 };
	struct run x;

	o.lists = other;
	o.lists_len = strlen(other);
	zone_base(&z);
	BKT_EQ_INT("added", diag(&x, &z, "blocklisted.eml", &o, NULL, NULL),
	    0);
	BKT_EQ_INT("added", state_of(x.d, "blocklist", "spamhaus-zen"),
	    BK_DIAG_WRONG);
	done(&x);
	fz_clear(&z);
	free(z.rr);
}

/* check_for - the check of @kind for @target (NULL: the first with no
 * target), or NULL */
static const bk_diag_check *
check_for(const bk_diagnosis *d, const char *kind, const char *target)
{
	size_t i;

	for (i = 0; i < bk_diagnosis_count(d); i++) {
		const bk_diag_check *c = bk_diagnosis_check(d, i);

		if (strcmp(c->kind, kind) != 0)
			continue;
		if (target == NULL ? c->target == NULL : (c->target != NULL &&
		    strcmp(c->target, target) == 0))
			return c;
	}
	return NULL;
}

/* test_diagnose__link_domains - a listed link: the link hosts and their
 * registered domains, then the sending domains, asked of the domain
 * lists; the limit, a set without domain lists, headers only */
static void
test_diagnose__link_domains(void)
{
	static const char dlists[] =
	    "list zen zen.spamhaus.org ip Spamhaus ZEN\n"
	    "list test-dbl dbl.test domain Test domain list\n"
	    "code test-dbl 127.0.1.2 listed spam domain\n";
	bk_diagnose_options o = BK_DIAGNOSE_OPTIONS_INIT;
	struct fz z = { 0 };
	struct run x;
	const bk_diag_check *c;
	size_t k;

	o.lists = dlists;
	o.lists_len = strlen(dlists);
	zone_base(&z);
	fz_add_addr(&z, "bad.example.dbl.test", "127.0.1.2");
	BKT_EQ_INT("uri", diag(&x, &z, "uri-listed.eml", &o, NULL, NULL), 0);
	BKT_EQ_INT("uri", (int)bk_diagnosis_plan(x.d),
	    (int)BK_DIAG_PLAN_DOMAINS);
	c = check_for(x.d, "domain-blocklist", "bad.example");
	BKT_CHECK(c != NULL && c->state == BK_DIAG_WRONG &&
	    strcmp(c->id, "test-dbl") == 0);
	c = check_for(x.d, "domain-blocklist", "www.bad.example");
	BKT_CHECK(c != NULL && c->state == BK_DIAG_FIXED);
	BKT_CHECK(check_for(x.d, "domain-blocklist", "shop.example.org") !=
	    NULL);
	BKT_CHECK(check_for(x.d, "domain-blocklist", "example.org") != NULL);
	/* mailto: names no site; no address list is asked */
	BKT_CHECK(check_for(x.d, "domain-blocklist", "help@example.org") ==
	    NULL);
	BKT_CHECK(check_for(x.d, "blocklist", NULL) == NULL);
	BKT_EQ_INT("uri", bk_diagnosis_verdict(x.d), BK_DIAG_WRONG);
	BKT_CHECK(starts(bk_diagnosis_summary(x.d), "bad.example is still "
	    "listed"));
	done(&x);

	/* the limit: the message already links to 4 domains
	 * (shop.example.org, example.org - also the From domain -,
	 * www.bad.example, bad.example); 3 more links are under it, 4 at
	 * it (all asked), 5 over (the first 8 asked, a check names the
	 * rest) */
	for (k = BK_LIMIT_DIAG_DOMAINS - 5; k <= BK_LIMIT_DIAG_DOMAINS - 3;
	    k++) {
		char many[512], host[32];
		size_t n = 0, j;
		int over = k + 4 > BK_LIMIT_DIAG_DOMAINS;

		n += (size_t)snprintf(many, sizeof(many), "Questions: ");
		for (j = 1; j <= k; j++)
			n += (size_t)snprintf(many + n, sizeof(many) - n,
			    "https://a%zu.example/ ", j);
		snprintf(many + n, sizeof(many) - n, "mailto:");
		BKT_EQ_INT("limit", diag(&x, &z, "uri-listed.eml", &o,
		    "Questions: mailto:", many), 0);
		snprintf(host, sizeof(host), "a%zu.example", k);
		BKT_CHECK(check_for(x.d, "domain-blocklist", "a1.example") !=
		    NULL);
		BKT_CHECK((check_for(x.d, "domain-blocklist", host) != NULL) ==
		    !over);
		BKT_CHECK(check_for(x.d, "domain-blocklist", "bad.example") !=
		    NULL);
		c = check_for(x.d, "domain-blocklist", NULL);
		BKT_CHECK((c != NULL && c->state == BK_DIAG_UNCHECKED &&
		    strstr(c->detail, "more domains were found") != NULL) ==
		    over);
		done(&x);
	}

	/* headers only came back: only the sending domains are known */
	BKT_EQ_INT("headers", diag(&x, &z, "uri-listed.eml", &o,
	    "Content-Type: message/rfc822", "Content-Type: "
	    "text/rfc822-headers"), 0);
	BKT_CHECK(check_for(x.d, "domain-blocklist", "bad.example") == NULL);
	c = check_for(x.d, "domain-blocklist", "example.org");
	BKT_CHECK(c != NULL && c->state == BK_DIAG_FIXED);
	BKT_EQ_INT("headers", bk_diagnosis_verdict(x.d), BK_DIAG_FIXED);
	done(&x);

	/* a set without domain lists: said, not silently empty */
	o.lists = lists;
	o.lists_len = strlen(lists);
	BKT_EQ_INT("nolists", diag(&x, &z, "uri-listed.eml", &o, NULL,
	    NULL), 0);
	c = check_for(x.d, "domain-blocklist", NULL);
	BKT_CHECK(c != NULL && strstr(c->detail, "no domain list") != NULL);
	BKT_EQ_INT("nolists", bk_diagnosis_verdict(x.d), BK_DIAG_UNCHECKED);
	done(&x);
	fz_clear(&z);
	free(z.rr);
}

/* test_diagnose__auth - DMARC rejection: SPF, DKIM, DMARC verdicts */
static void
test_diagnose__auth(void)
{
	static const char *const sel[] = { "s1", "missing" };
	bk_diagnose_options o = BK_DIAGNOSE_OPTIONS_INIT;
	struct fz z = { 0 };
	struct run x;
	const char *ip;
	bk_diag_ip_source src;

	zone_base(&z);
	/* whole message, unsigned, IP outside SPF: all still wrong */
	BKT_EQ_INT("whole", diag(&x, &z, "dmarc-reject.eml", &o, NULL, NULL),
	    0);
	ip = bk_diagnosis_ip(x.d, &src, NULL);
	BKT_CHECK(ip != NULL && strcmp(ip, "198.51.100.25") == 0);
	BKT_EQ_INT("whole", src, BK_DIAG_IP_RECEIVED);
	BKT_EQ_INT("whole", bk_diagnosis_returned(x.d),
	    BK_DIAG_RETURNED_WHOLE);
	BKT_EQ_INT("whole", state_of(x.d, "spf", NULL), BK_DIAG_WRONG);
	BKT_EQ_INT("whole", state_of(x.d, "dkim", NULL), BK_DIAG_WRONG);
	BKT_EQ_INT("whole", state_of(x.d, "dmarc", NULL), BK_DIAG_WRONG);
	BKT_EQ_INT("whole", bk_diagnosis_verdict(x.d), BK_DIAG_WRONG);
	done(&x);

	/* headers only, IP covered now: SPF and DMARC fixed, DKIM of the
	 * message not checkable, keys by selector */
	o.sender_ip = "192.0.2.10";
	o.selectors = sel;
	o.nselectors = 2;
	BKT_EQ_INT("fixed", diag(&x, &z, "dmarc-reject-headers.eml", &o,
	    NULL, NULL), 0);
	BKT_EQ_INT("fixed", state_of(x.d, "spf", NULL), BK_DIAG_FIXED);
	BKT_EQ_INT("fixed", state_of(x.d, "dmarc", NULL), BK_DIAG_FIXED);
	BKT_EQ_INT("fixed", state_of(x.d, "dkim", NULL), BK_DIAG_UNCHECKED);
	BKT_EQ_INT("fixed", state_of(x.d, "dkim-key",
	    "s1._domainkey.example.org"), BK_DIAG_FIXED);
	BKT_EQ_INT("fixed", state_of(x.d, "dkim-key",
	    "missing._domainkey.example.org"), BK_DIAG_WRONG);
	BKT_CHECK(starts(bk_diagnosis_summary(x.d), "The DKIM key "
	    "missing._domainkey.example.org"));
	done(&x);
	o.selectors = NULL;
	o.nselectors = 0;
	BKT_EQ_INT("spf-now", diag(&x, &z, "dmarc-reject-headers.eml", &o,
	    NULL, NULL), 0);
	BKT_EQ_INT("spf-now", bk_diagnosis_verdict(x.d), BK_DIAG_FIXED);
	BKT_CHECK(starts(bk_diagnosis_summary(x.d), "SPF now passes for "
	    "192.0.2.10"));
	done(&x);

	/* SPF fails, but an aligned DKIM signature is in the headers and
	 * the body did not come back: DMARC cannot be decided */
	o.sender_ip = "198.51.100.25";
	BKT_EQ_INT("aligned-sig", diag(&x, &z, "dmarc-reject-headers.eml",
	    &o, "From: Alice Sender", "DKIM-Signature: v=1; "
	    "a=ed25519-sha256; c=relaxed/relaxed; d=example.org; s=s1;\n"
	    "\th=from:to:subject; bh=AAAA; b=BBBB\nFrom: Alice Sender"), 0);
	BKT_EQ_INT("aligned-sig", state_of(x.d, "spf", NULL), BK_DIAG_WRONG);
	BKT_EQ_INT("aligned-sig", state_of(x.d, "dmarc", NULL),
	    BK_DIAG_UNCHECKED);
	BKT_EQ_INT("aligned-sig", state_of(x.d, "dkim-key",
	    "s1._domainkey.example.org"), BK_DIAG_FIXED);
	done(&x);

	/* no IP anywhere: SPF cannot be checked, DMARC neither */
	o.sender_ip = NULL;
	BKT_EQ_INT("no-ip", diag(&x, &z, "dmarc-reject-headers.eml", &o,
	    NULL, NULL), 0);
	BKT_CHECK(bk_diagnosis_ip(x.d, NULL, NULL) == NULL);
	BKT_EQ_INT("no-ip", state_of(x.d, "spf", NULL), BK_DIAG_UNCHECKED);
	BKT_EQ_INT("no-ip", state_of(x.d, "dmarc", NULL), BK_DIAG_UNCHECKED);
	BKT_EQ_INT("no-ip", bk_diagnosis_verdict(x.d), BK_DIAG_UNCHECKED);
	done(&x);
	fz_clear(&z);
	free(z.rr);
}

/* test_diagnose__rdns - PTR missing, confirmed, lookup failed */
static void
test_diagnose__rdns(void)
{
	struct fz z = { 0 };
	struct run x;

	zone_base(&z);
	BKT_EQ_INT("noptr", diag(&x, &z, "requireptr-noptr.eml", NULL, NULL,
	    NULL), 0);
	BKT_EQ_INT("noptr", bk_diagnosis_plan(x.d), BK_DIAG_PLAN_RDNS);
	BKT_EQ_INT("noptr", state_of(x.d, "rdns", NULL), BK_DIAG_WRONG);
	BKT_EQ_INT("noptr", bk_diagnosis_verdict(x.d), BK_DIAG_WRONG);
	done(&x);
	BKT_EQ_INT("ptr", diag(&x, &z, "requireptr-ptr.eml", NULL, NULL,
	    NULL), 0);
	BKT_EQ_INT("ptr", state_of(x.d, "rdns", NULL), BK_DIAG_FIXED);
	BKT_CHECK(starts(bk_diagnosis_summary(x.d), "198.51.100.10 now has "
	    "forward-confirmed"));
	done(&x);
	fz_add(&z, "11.100.51.198.in-addr.arpa", FZ_SERVFAIL);
	BKT_EQ_INT("servfail", diag(&x, &z, "requireptr-noptr.eml", NULL,
	    NULL, NULL), 0);
	BKT_EQ_INT("servfail", state_of(x.d, "rdns", NULL),
	    BK_DIAG_UNCHECKED);
	done(&x);
	fz_clear(&z);
	free(z.rr);
}

/* test_diagnose__not_applicable - a dead address calls for no check */
static void
test_diagnose__not_applicable(void)
{
	struct fz z = { 0 };
	struct run x;

	BKT_EQ_INT("userunknown", diag(&x, &z, "../../../samples/"
	    "postfix-user-unknown.eml", NULL, NULL, NULL), 0);
	BKT_EQ_INT("userunknown", bk_diagnosis_plan(x.d), 0);
	BKT_EQ_INT("userunknown", bk_diagnosis_count(x.d), 0);
	BKT_EQ_INT("userunknown", bk_diagnosis_verdict(x.d),
	    BK_DIAG_UNCHECKED);
	BKT_CHECK(starts(bk_diagnosis_summary(x.d), "Nothing to check"));
	BKT_EQ_INT("userunknown", z.queries, 0);
	done(&x);
	free(z.rr);
}

/* test_diagnose__bad_options - a bad IP or selector is refused */
static void
test_diagnose__bad_options(void)
{
	bk_diagnose_options o = BK_DIAGNOSE_OPTIONS_INIT;
	struct fz z = { 0 };
	struct run x;

	o.sender_ip = "not-an-ip";
	BKT_EQ_INT("ip", diag(&x, &z, "blocklisted.eml", &o, NULL, NULL),
	    BK_EINVAL);
	BKT_CHECK(strstr(bk_diagnosis_errmsg(x.d), "not an IP") != NULL);
	done(&x);
	o.sender_ip = NULL;
	o.lists = "bogus line\n";
	o.lists_len = strlen(o.lists);
	BKT_EQ_INT("lists", diag(&x, &z, "blocklisted.eml", &o, NULL, NULL),
	    BK_ESYNTAX);
	done(&x);
	free(z.rr);
}

/* test_diagnose__state_names - every state has an id and a text */
static void
test_diagnose__state_names(void)
{
	int i;

	for (i = 0; i < BK_DIAG_STATE_COUNT_; i++) {
		BKT_CHECK(strcmp(bk_diag_state_id((bk_diag_state)i), "?") !=
		    0);
		BKT_CHECK(strcmp(bk_diag_state_text((bk_diag_state)i), "?") !=
		    0);
	}
	BKT_CHECK(strcmp(bk_diag_state_id(BK_DIAG_STATE_COUNT_), "?") == 0);
}

BK_TEST_MAIN(
	BKT(test_diagnose__ip_from_text),
	BKT(test_diagnose__ip_from_received),
	BKT(test_diagnose__blocklist),
	BKT(test_diagnose__builtin_named_zone),
	BKT(test_diagnose__link_domains),
	BKT(test_diagnose__text_width),
	BKT(test_diagnose__auth),
	BKT(test_diagnose__rdns),
	BKT(test_diagnose__not_applicable),
	BKT(test_diagnose__bad_options),
	BKT(test_diagnose__state_names)
)
