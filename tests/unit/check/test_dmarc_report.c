/*
 * test_dmarc_report.c - DMARC report reading (bk_dmarc_report_*): the
 * fixtures in dmarc_report/ (xml, RFC 9990 xml, gz, zip, eml, ARF and
 * plain-text failure reports), containers built here (zip and gzip
 * bombs, truncations, eml wrappers), every BK_LIMIT_DMARC_REPORT_* bound
 * under, at and over, and strict against lenient reading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "bktest.h"
#include "bouncekit/check.h"
#include "bouncekit/errors.h"

#define FIX BK_TEST_DATA "/unit/check/dmarc_report/"

struct blob {
	char *p;
	size_t n;
};

/* slurp - a fixture file (exits the case on failure) */
static struct blob
slurp(const char *name)
{
	struct blob b = { NULL, 0 };
	char path[512];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), FIX "%s", name);
	f = fopen(path, "rb");
	if (f == NULL) {
		BKT_FAIL("cannot open %s", path);
		return b;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b.p = malloc((size_t)n + 1);
	if (b.p != NULL && fread(b.p, 1, (size_t)n, f) == (size_t)n)
		b.n = (size_t)n;
	fclose(f);
	return b;
}

/* deflate_to - gzip (@wbits 31) or raw deflate (-15) of @len bytes */
static struct blob
deflate_to(const char *data, size_t len, int wbits)
{
	struct blob b = { NULL, 0 };
	z_stream z;
	uLong cap;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, wbits, 9,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return b;
	cap = deflateBound(&z, (uLong)len) + 64;
	b.p = malloc(cap);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)b.p;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) == Z_STREAM_END)
		b.n = z.total_out;
	deflateEnd(&z);
	return b;
}

static void
le16(char *p, unsigned v)
{
	p[0] = (char)(v & 0xff);
	p[1] = (char)(v >> 8);
}

static void
le32(char *p, unsigned long v)
{
	le16(p, (unsigned)(v & 0xffff));
	le16(p + 2, (unsigned)(v >> 16));
}

/*
 * make_zip - one member @name (deflate, or stored when @stored), with a
 * central directory unless @no_cd; @usize_lie replaces the declared
 * uncompressed size when not 0.
 */
static struct blob
make_zip(const char *name, const char *data, size_t len, int stored,
    int no_cd, unsigned long usize_lie)
{
	struct blob z = { NULL, 0 }, c;
	size_t nl = strlen(name), at = 0, cd;
	unsigned long crc = crc32(0L, (const Bytef *)data, (uInt)len);
	unsigned long usize = usize_lie ? usize_lie : (unsigned long)len;

	if (stored) {
		c.p = malloc(len + 1);
		memcpy(c.p, data, len);
		c.n = len;
	} else
		c = deflate_to(data, len, -15);
	z.p = calloc(1, 30 + nl + c.n + 46 + nl + 22);
	memcpy(z.p, "PK\3\4", 4);
	le16(z.p + 4, 20);
	le16(z.p + 8, stored ? 0 : 8);
	le32(z.p + 14, crc);
	le32(z.p + 18, (unsigned long)c.n);
	le32(z.p + 22, usize);
	le16(z.p + 26, (unsigned)nl);
	memcpy(z.p + 30, name, nl);
	memcpy(z.p + 30 + nl, c.p, c.n);
	at = 30 + nl + c.n;
	free(c.p);
	if (!no_cd) {
		cd = at;
		memcpy(z.p + at, "PK\1\2", 4);
		le16(z.p + at + 4, 20);
		le16(z.p + at + 6, 20);
		le16(z.p + at + 10, stored ? 0 : 8);
		le32(z.p + at + 16, crc);
		le32(z.p + at + 20, (unsigned long)(cd - 30 - nl));
		le32(z.p + at + 24, usize);
		le16(z.p + at + 28, (unsigned)nl);
		le32(z.p + at + 42, 0);
		memcpy(z.p + at + 46, name, nl);
		at += 46 + nl;
		memcpy(z.p + at, "PK\5\6", 4);
		le16(z.p + at + 8, 1);
		le16(z.p + at + 10, 1);
		le32(z.p + at + 12, (unsigned long)(46 + nl));
		le32(z.p + at + 16, (unsigned long)cd);
		at += 22;
	}
	z.n = at;
	return z;
}

/* b64 - base64 in lines of 76 */
static struct blob
b64(const char *data, size_t len)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789+/";
	struct blob b;
	size_t i, o = 0;

	b.p = malloc(len / 3 * 4 + len / 57 + 8);
	for (i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)data[i] << 16;

		if (i + 1 < len)
			v |= (unsigned char)data[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)data[i + 2];
		b.p[o++] = al[v >> 18];
		b.p[o++] = al[(v >> 12) & 63];
		b.p[o++] = i + 1 < len ? al[(v >> 6) & 63] : '=';
		b.p[o++] = i + 2 < len ? al[v & 63] : '=';
		if ((i / 3 + 1) % 19 == 0)
			b.p[o++] = '\n';
	}
	b.n = o;
	return b;
}

/* email - a one-part email carrying @body as @type, base64 */
static struct blob
email(const char *type, const char *body, size_t len)
{
	struct blob e, enc = b64(body, len);
	int h;

	e.p = malloc(enc.n + 512);
	h = snprintf(e.p, 512, "From: r@receiver.example\nTo: d@sender."
	    "example\nSubject: Report domain: sender.example\nMIME-Version: "
	    "1.0\nContent-Type: %s\nContent-Transfer-Encoding: base64\n\n",
	    type);
	memcpy(e.p + h, enc.p, enc.n);
	e.n = (size_t)h + enc.n;
	free(enc.p);
	return e;
}

/* parse - read @data with @strict and the bounds given (0: default) */
static bk_dmarc_report *
parse_with(const char *data, size_t len, int strict, size_t max_bytes,
    size_t max_records, unsigned max_depth, size_t max_text)
{
	bk_dmarc_report_options o = BK_DMARC_REPORT_OPTIONS_INIT;
	bk_dmarc_report *r = NULL;

	o.strict = strict;
	o.max_bytes = max_bytes;
	o.max_records = max_records;
	o.max_depth = max_depth;
	o.max_text = max_text;
	if (bk_dmarc_report_parse(&r, data, len, &o) != 0)
		BKT_FAIL("bk_dmarc_report_parse failed");
	return r;
}

static bk_dmarc_report *
parse(const char *data, size_t len)
{
	return parse_with(data, len, 0, 0, 0, 0, 0);
}

/* expect - kind (and error code, and a message substring) */
static void
expect(const char *row, bk_dmarc_report *r, bk_dmarc_report_kind kind,
    int code, const char *msg_has)
{
	const char *msg = NULL;
	int got;

	if (r == NULL)
		return;
	got = bk_dmarc_report_error(r, &msg);
	if (bk_dmarc_report_kind_of(r) != kind)
		BKT_FAIL("[%s] kind %s, want %s (%s)", row,
		    bk_dmarc_report_kind_name(bk_dmarc_report_kind_of(r)),
		    bk_dmarc_report_kind_name(kind), msg ? msg : "");
	BKT_EQ_INT(row, got, code);
	if (msg_has != NULL && (msg == NULL || strstr(msg, msg_has) == NULL))
		BKT_FAIL("[%s] error \"%s\" lacks \"%s\"", row,
		    msg ? msg : "(none)", msg_has);
}

#define S(x) (x)
/* EQS - a NUL-terminated string (or NULL) against want */
#define EQS(row, got, want)                                                \
	do {                                                               \
		const char *g__ = (got);                                   \
		BKT_EQ_STR(row, g__, g__ != NULL ? strlen(g__) : 0, want); \
	} while (0)

/* check_fixture_report - the content of report.xml, however delivered */
static void
check_fixture_report(const char *row, bk_dmarc_report *r,
    const char *container)
{
	const bk_dmarc_report_meta *m = bk_dmarc_report_metadata(r);
	const bk_dmarc_report_row *w;

	expect(row, r, BK_DMARC_REPORT_AGGREGATE, 0, NULL);
	if (m == NULL)
		return;
	EQS(row, S(bk_dmarc_report_container(r)), container);
	EQS(row, S(m->org_name), "receiver.example");
	EQS(row, S(m->email), "noreply-dmarc@receiver.example");
	EQS(row, S(m->report_id), "rid-0001");
	BKT_EQ_INT(row, m->begin, 1700000000);
	BKT_EQ_INT(row, m->end, 1700086399);
	EQS(row, S(m->domain), "sender.example");
	EQS(row, S(m->adkim), "r");
	EQS(row, S(m->aspf), "s");
	EQS(row, S(m->p), "quarantine");
	EQS(row, S(m->sp), "none");
	BKT_EQ_INT(row, m->pct, 50);
	BKT_CHECK(m->np == NULL && m->version == NULL);
	BKT_EQ_INT(row, bk_dmarc_report_count(r), 2);
	w = bk_dmarc_report_row_at(r, 0);
	EQS(row, S(w->source_ip), "192.0.2.10");
	BKT_EQ_INT(row, w->count, 12);
	BKT_EQ_INT(row, w->has_count, 1);
	EQS(row, S(w->disposition), "none");
	EQS(row, S(w->dkim), "pass");
	EQS(row, S(w->spf), "fail");
	EQS(row, S(w->header_from), "sender.example");
	EQS(row, S(w->envelope_from), "bounce.sender.example");
	BKT_EQ_INT(row, w->nauth, 2);
	if (w->nauth == 2) {
		EQS(row, S(w->auth[0].method), "dkim");
		EQS(row, S(w->auth[0].domain), "sender.example");
		EQS(row, S(w->auth[0].selector), "s2023");
		EQS(row, S(w->auth[0].result), "pass");
		EQS(row, S(w->auth[1].method), "spf");
		EQS(row, S(w->auth[1].scope), "mfrom");
		EQS(row, S(w->auth[1].domain),
		    "bounce.sender.example");
	}
	w = bk_dmarc_report_row_at(r, 1);
	EQS(row, S(w->source_ip), "2001:db8::25");
	BKT_EQ_INT(row, w->count, 3);
	EQS(row, S(w->reasons), "sampled_out: pct=50");
	BKT_EQ_INT(row, w->nauth, 1);
	BKT_CHECK(bk_dmarc_report_row_at(r, 2) == NULL);
	BKT_CHECK(bk_dmarc_report_failure(r) == NULL);
	BKT_EQ_INT(row, bk_dmarc_report_diagnostic(r, NULL), BK_SEV_NONE);
}

static void
test_dmarc_report__xml(void)
{
	struct blob b = slurp("report.xml");
	bk_dmarc_report *r = parse(b.p, b.n);

	check_fixture_report("xml", r, "xml");
	bk_dmarc_report_free(r);
	r = parse_with(b.p, b.n, 1, 0, 0, 0, 0);
	check_fixture_report("xml strict", r, "xml");
	bk_dmarc_report_free(r);
	free(b.p);
}

static void
test_dmarc_report__rfc9990(void)
{
	struct blob b = slurp("report-rfc9990.xml");
	bk_dmarc_report *r = parse(b.p, b.n);
	const bk_dmarc_report_meta *m = bk_dmarc_report_metadata(r);

	expect("9990", r, BK_DMARC_REPORT_AGGREGATE, 0, NULL);
	if (m != NULL) {
		EQS("9990", S(m->version), "1.0");
		EQS("9990", S(m->generator), "bouncekit test");
		EQS("9990", S(m->np), "reject");
		EQS("9990", S(m->testing), "n");
		EQS("9990", S(m->discovery_method), "treewalk");
		BKT_EQ_INT("9990", m->pct, -1);
		BKT_EQ_INT("9990", bk_dmarc_report_count(r), 1);
		EQS("9990", S(bk_dmarc_report_row_at(r, 0)->auth[0]
		    .selector), "x");
	}
	bk_dmarc_report_free(r);
	free(b.p);
}

static void
test_dmarc_report__gz_zip_eml(void)
{
	static const struct {
		const char *file, *container;
	} rows[] = {
		{ "report.xml.gz", "gzip" },
		{ "report.xml.zip", "zip" },
		{ "report-zip.eml", "email/zip" },
	};
	struct blob x = slurp("report.xml"), g, z, e;
	bk_dmarc_report *r;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct blob b = slurp(rows[i].file);

		r = parse(b.p, b.n);
		check_fixture_report(rows[i].file, r, rows[i].container);
		bk_dmarc_report_free(r);
		free(b.p);
	}
	/* our own containers: gzip, stored zip, emails of each */
	g = deflate_to(x.p, x.n, 31);
	r = parse(g.p, g.n);
	check_fixture_report("gzip (zlib)", r, "gzip");
	bk_dmarc_report_free(r);
	e = email("application/gzip", g.p, g.n);
	r = parse(e.p, e.n);
	check_fixture_report("eml gzip", r, "email/gzip");
	bk_dmarc_report_free(r);
	free(e.p);
	z = make_zip("a.xml", x.p, x.n, 1, 0, 0);
	r = parse(z.p, z.n);
	check_fixture_report("stored zip", r, "zip");
	bk_dmarc_report_free(r);
	free(z.p);
	e = email("text/xml; charset=utf-8", x.p, x.n);
	r = parse(e.p, e.n);
	check_fixture_report("eml xml", r, "email/xml");
	bk_dmarc_report_free(r);
	free(e.p);
	/* a gzip of two members is one report */
	{
		struct blob h1 = deflate_to(x.p, 100, 31);
		struct blob h2 = deflate_to(x.p + 100, x.n - 100, 31);
		char *two = malloc(h1.n + h2.n);

		memcpy(two, h1.p, h1.n);
		memcpy(two + h1.n, h2.p, h2.n);
		r = parse_with(two, h1.n + h2.n, 1, 0, 0, 0, 0);
		check_fixture_report("gzip two members", r, "gzip");
		bk_dmarc_report_free(r);
		free(two);
		free(h1.p);
		free(h2.p);
	}
	free(g.p);
	free(x.p);
}

static void
test_dmarc_report__failure(void)
{
	struct blob b = slurp("failure-arf.eml");
	bk_dmarc_report *r = parse(b.p, b.n);
	const bk_dmarc_failure_info *f = bk_dmarc_report_failure(r);

	expect("arf", r, BK_DMARC_REPORT_FAILURE, 0, NULL);
	if (f != NULL) {
		BKT_EQ_INT("arf", f->arf, 1);
		EQS("arf", S(f->feedback_type), "auth-failure");
		EQS("arf", S(f->auth_failure), "dmarc");
		EQS("arf", S(f->source_ip), "203.0.113.9");
		EQS("arf", S(f->reported_domain), "sender.example");
		EQS("arf", S(f->original_mail_from),
		    "<bounce@forger.example>");
		EQS("arf", S(f->original_rcpt_to),
		    "<user@receiver.example>");
		EQS("arf", S(f->delivery_result), "reject");
		EQS("arf", S(f->dkim_domain), "sender.example");
		EQS("arf", S(f->dkim_selector), "s2023");
		EQS("arf", S(f->arrival_date),
		    "Wed, 15 Nov 2023 09:59:58 +0000");
		EQS("arf", S(f->identity_alignment), "none");
		EQS("arf", S(f->from),
		    "Caf\xc3\xa9 <news@sender.example>");
		EQS("arf", S(f->subject), "Welcome \xe2\x9c\x93");
	}
	BKT_CHECK(bk_dmarc_report_metadata(r) == NULL);
	BKT_EQ_INT("arf", bk_dmarc_report_count(r), 0);
	bk_dmarc_report_free(r);
	free(b.p);

	b = slurp("failure-plain.eml");
	r = parse(b.p, b.n);
	f = bk_dmarc_report_failure(r);
	expect("plain", r, BK_DMARC_REPORT_FAILURE, 0, NULL);
	if (f != NULL) {
		BKT_EQ_INT("plain", f->arf, 0);
		EQS("plain", S(f->reported_domain), "sender.example");
		EQS("plain", S(f->source_ip), "203.0.113.68");
		EQS("plain", S(f->arrival_date),
		    "Mon, 07 Apr 2025 23:16:09 +0200");
		EQS("plain", S(f->from), "<ceo@sender.example>");
		EQS("plain", S(f->subject), "Urgent payment");
	}
	bk_dmarc_report_free(r);
	free(b.p);

	/* a feedback report of another type is not a DMARC report */
	{
		static const char abuse[] = "From: a@b.example\nSubject: x\n"
		    "MIME-Version: 1.0\nContent-Type: multipart/report; "
		    "report-type=feedback-report; boundary=q\n\n--q\n"
		    "Content-Type: message/feedback-report\n\n"
		    "Feedback-Type: abuse\nVersion: 1\n\n--q--\n";

		r = parse(abuse, sizeof(abuse) - 1);
		expect("abuse", r, BK_DMARC_REPORT_ERROR, BK_EUNSUPPORTED,
		    "auth-failure");
		bk_dmarc_report_free(r);
	}
}

static void
test_dmarc_report__errors(void)
{
	static const struct {
		const char *row, *in;
		int code;
		const char *msg;
	} rows[] = {
		{ "empty", "", BK_EEOF, "empty" },
		{ "blanks", " \n\t\n", BK_EEOF, "white space" },
		{ "text", "hello, world", BK_ESYNTAX, "neither XML" },
		{ "html", "<html><body>x</body></html>", BK_ESYNTAX,
		    "<feedback>" },
		{ "no metadata", "<feedback><policy_published/></feedback>",
		    BK_ESYNTAX, "report_metadata" },
		{ "no policy", "<feedback><report_metadata/></feedback>",
		    BK_ESYNTAX, "policy_published" },
		{ "unclosed", "<feedback><report_metadata>", BK_ESYNTAX,
		    "not well-formed" },
		{ "doctype", "<?xml version=\"1.0\"?><!DOCTYPE feedback ["
		    "<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
		    "<feedback>&b;</feedback>", BK_EUNSUPPORTED, "DOCTYPE" },
		{ "email without report", "From: a@b.example\nSubject: hi\n\n"
		    "hello\n", BK_ESYNTAX, "without a DMARC report" },
		{ "empty zip", "PK\5\6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
		    BK_ESYNTAX, "empty zip" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk_dmarc_report *r = parse(rows[i].in, strlen(rows[i].in));

		expect(rows[i].row, r, BK_DMARC_REPORT_ERROR, rows[i].code,
		    rows[i].msg);
		BKT_CHECK(bk_dmarc_report_metadata(r) == NULL);
		BKT_EQ_INT(rows[i].row, bk_dmarc_report_count(r), 0);
		bk_dmarc_report_free(r);
	}
	{
		bk_dmarc_report *r = NULL;

		BKT_EQ_INT("null out", bk_dmarc_report_parse(NULL, "", 0,
		    NULL), BK_EINVAL);
		BKT_EQ_INT("null data", bk_dmarc_report_parse(&r, NULL, 3,
		    NULL), BK_EINVAL);
		bk_dmarc_report_free(NULL);
	}
}

static void
test_dmarc_report__broken_containers(void)
{
	struct blob x = slurp("report.xml"), g, z;
	bk_dmarc_report *r;

	g = deflate_to(x.p, x.n, 31);
	/* cut inside the deflate data, and inside the trailer */
	r = parse(g.p, g.n / 2);
	expect("gzip cut", r, BK_DMARC_REPORT_ERROR, BK_EEOF, "truncated");
	bk_dmarc_report_free(r);
	r = parse(g.p, g.n - 3);
	expect("gzip trailer cut", r, BK_DMARC_REPORT_ERROR, BK_EEOF,
	    "truncated");
	bk_dmarc_report_free(r);
	/* a wrong CRC */
	g.p[g.n - 6] ^= 0x55;
	r = parse(g.p, g.n);
	expect("gzip crc", r, BK_DMARC_REPORT_ERROR, BK_ESYNTAX, "corrupt");
	bk_dmarc_report_free(r);
	g.p[g.n - 6] ^= 0x55;
	/* garbage after complete data: a warning, or strict an error */
	{
		char *p = malloc(g.n + 2);

		memcpy(p, g.p, g.n);
		memcpy(p + g.n, "\r\n", 2);
		r = parse(p, g.n + 2);
		expect("gzip garbage", r, BK_DMARC_REPORT_AGGREGATE, 0, NULL);
		BKT_EQ_INT("gzip garbage", bk_dmarc_report_diagnostic(r,
		    NULL), BK_SEV_WARNING);
		bk_dmarc_report_free(r);
		r = parse_with(p, g.n + 2, 1, 0, 0, 0, 0);
		expect("gzip garbage strict", r, BK_DMARC_REPORT_ERROR,
		    BK_ESYNTAX, "garbage");
		bk_dmarc_report_free(r);
		free(p);
	}
	z = make_zip("r.xml", x.p, x.n, 0, 0, 0);
	r = parse(z.p, z.n / 2);
	expect("zip cut", r, BK_DMARC_REPORT_ERROR, BK_EEOF, NULL);
	bk_dmarc_report_free(r);
	r = parse_with(z.p, z.n / 2, 1, 0, 0, 0, 0);
	expect("zip cut strict", r, BK_DMARC_REPORT_ERROR, BK_EEOF, NULL);
	bk_dmarc_report_free(r);
	free(z.p);
	/* no central directory: lenient reads the local header */
	z = make_zip("r.xml", x.p, x.n, 0, 1, 0);
	r = parse(z.p, z.n);
	expect("zip no cd", r, BK_DMARC_REPORT_AGGREGATE, 0, NULL);
	BKT_EQ_INT("zip no cd", bk_dmarc_report_diagnostic(r, NULL),
	    BK_SEV_DAMAGED);
	bk_dmarc_report_free(r);
	r = parse_with(z.p, z.n, 1, 0, 0, 0, 0);
	expect("zip no cd strict", r, BK_DMARC_REPORT_ERROR, BK_EEOF,
	    "central directory");
	bk_dmarc_report_free(r);
	free(z.p);
	/* a gzip that is not XML */
	{
		struct blob t = deflate_to("plain text", 10, 31);

		r = parse(t.p, t.n);
		expect("gzip text", r, BK_DMARC_REPORT_ERROR, BK_ESYNTAX,
		    "not XML");
		bk_dmarc_report_free(r);
		free(t.p);
	}
	free(g.p);
	free(x.p);
}

/* zeros - a report followed by @pad bytes of spaces (compresses well) */
static struct blob
padded(size_t pad)
{
	struct blob x = slurp("report.xml"), b;

	b.p = malloc(x.n + pad);
	memcpy(b.p, x.p, x.n);
	memset(b.p + x.n, ' ', pad);
	b.n = x.n + pad;
	free(x.p);
	return b;
}

static void
test_dmarc_report__limit_bytes(void)
{
	struct blob x = slurp("report.xml"), g, z, big;
	size_t n = x.n;
	bk_dmarc_report *r;

	/* under, at and over a lowered bound: gzip, zip and bare */
	for (int d = -1; d <= 1; d++) {
		size_t max = (size_t)((long)n - d);
		bk_dmarc_report_kind want = d <= 0 ? BK_DMARC_REPORT_AGGREGATE :
		    BK_DMARC_REPORT_ERROR;
		int code = d <= 0 ? 0 : BK_ETOOBIG;
		char row[64];

		g = deflate_to(x.p, x.n, 31);
		z = make_zip("r.xml", x.p, x.n, 0, 0, 0);
		snprintf(row, sizeof(row), "gzip max %+d", -d);
		r = parse_with(g.p, g.n, 0, max, 0, 0, 0);
		expect(row, r, want, code, d > 0 ? "BK_LIMIT_DMARC_REPORT_BYTES"
		    : NULL);
		bk_dmarc_report_free(r);
		snprintf(row, sizeof(row), "zip max %+d", -d);
		r = parse_with(z.p, z.n, 0, max, 0, 0, 0);
		expect(row, r, want, code, d > 0 ? "BK_LIMIT_DMARC_REPORT_BYTES"
		    : NULL);
		bk_dmarc_report_free(r);
		snprintf(row, sizeof(row), "xml max %+d", -d);
		r = parse_with(x.p, x.n, 0, max, 0, 0, 0);
		expect(row, r, want, code, d > 0 ? "BK_LIMIT_DMARC_REPORT_BYTES"
		    : NULL);
		bk_dmarc_report_free(r);
		free(g.p);
		free(z.p);
	}
	/* a zip whose declared size lies: the inflate bound still holds */
	z = make_zip("r.xml", x.p, x.n, 0, 0, 100);
	r = parse_with(z.p, z.n, 0, 1000, 0, 0, 0);
	expect("zip size lie", r, BK_DMARC_REPORT_ERROR, BK_ETOOBIG,
	    "bomb");
	bk_dmarc_report_free(r);
	free(z.p);
	/* the default bound: a gzip and a zip bomb one byte over 64 MiB */
	big = padded(BK_LIMIT_DMARC_REPORT_BYTES + 1 - n);
	g = deflate_to(big.p, big.n, 31);
	z = make_zip("bomb.xml", big.p, big.n, 0, 0, 0);
	BKT_CHECK(g.n < 1024 * 1024 && z.n < 1024 * 1024);
	r = parse(g.p, g.n);
	expect("gzip bomb", r, BK_DMARC_REPORT_ERROR, BK_ETOOBIG,
	    "BK_LIMIT_DMARC_REPORT_BYTES");
	bk_dmarc_report_free(r);
	r = parse(z.p, z.n);
	expect("zip bomb", r, BK_DMARC_REPORT_ERROR, BK_ETOOBIG,
	    "BK_LIMIT_DMARC_REPORT_BYTES");
	bk_dmarc_report_free(r);
	free(g.p);
	free(z.p);
	/* exactly at the default bound: read */
	g = deflate_to(big.p, big.n - 1, 31);
	r = parse(g.p, g.n);
	expect("gzip at 64 MiB", r, BK_DMARC_REPORT_AGGREGATE, 0, NULL);
	bk_dmarc_report_free(r);
	free(g.p);
	free(big.p);
	free(x.p);
}

/* records - a report of @n records */
static struct blob
records(size_t n)
{
	static const char head[] = "<feedback><report_metadata><org_name>o"
	    "</org_name></report_metadata><policy_published><domain>d"
	    "</domain></policy_published>";
	static const char rec[] = "<record><row><source_ip>192.0.2.1"
	    "</source_ip><count>1</count></row></record>";
	struct blob b;
	size_t at;

	b.p = malloc(sizeof(head) + n * (sizeof(rec) - 1) + 16);
	memcpy(b.p, head, sizeof(head) - 1);
	at = sizeof(head) - 1;
	for (size_t i = 0; i < n; i++) {
		memcpy(b.p + at, rec, sizeof(rec) - 1);
		at += sizeof(rec) - 1;
	}
	memcpy(b.p + at, "</feedback>", 11);
	b.n = at + 11;
	return b;
}

static void
test_dmarc_report__limit_records(void)
{
	bk_dmarc_report *r;
	struct blob b;

	for (size_t n = 2; n <= 4; n++) {
		char row[32];

		b = records(n);
		snprintf(row, sizeof(row), "%zu records, max 3", n);
		r = parse_with(b.p, b.n, 0, 0, 3, 0, 0);
		if (n <= 3) {
			expect(row, r, BK_DMARC_REPORT_AGGREGATE, 0, NULL);
			BKT_EQ_INT(row, bk_dmarc_report_count(r), n);
		} else
			expect(row, r, BK_DMARC_REPORT_ERROR, BK_ETOOBIG,
			    "more than 3 records");
		bk_dmarc_report_free(r);
		free(b.p);
	}
	b = records(BK_LIMIT_DMARC_REPORT_RECORDS);
	r = parse(b.p, b.n);
	expect("default at", r, BK_DMARC_REPORT_AGGREGATE, 0, NULL);
	BKT_EQ_INT("default at", bk_dmarc_report_count(r),
	    BK_LIMIT_DMARC_REPORT_RECORDS);
	bk_dmarc_report_free(r);
	free(b.p);
	b = records(BK_LIMIT_DMARC_REPORT_RECORDS + 1);
	r = parse(b.p, b.n);
	expect("default over", r, BK_DMARC_REPORT_ERROR, BK_ETOOBIG,
	    "BK_LIMIT_DMARC_REPORT_RECORDS");
	bk_dmarc_report_free(r);
	free(b.p);
}

/* nested - report.xml inside @wrap wrapper elements */
static struct blob
nested(size_t wrap)
{
	struct blob x = slurp("report.xml"), b;
	const char *body = strstr(x.p, "<feedback>");
	size_t bl = x.n - (size_t)(body - x.p), at = 0;

	b.p = malloc(bl + wrap * 7 + 16);
	for (size_t i = 0; i < wrap; i++) {
		memcpy(b.p + at, "<w>", 3);
		at += 3;
	}
	memcpy(b.p + at, body, bl);
	at += bl;
	for (size_t i = 0; i < wrap; i++) {
		memcpy(b.p + at, "</w>", 4);
		at += 4;
	}
	b.n = at;
	free(x.p);
	return b;
}

static void
test_dmarc_report__limit_depth(void)
{
	/* report.xml is 6 deep: feedback record row policy_evaluated
	 * reason type */
	for (size_t w = BK_LIMIT_DMARC_REPORT_XML_DEPTH - 7;
	    w <= BK_LIMIT_DMARC_REPORT_XML_DEPTH - 5; w++) {
		struct blob b = nested(w);
		bk_dmarc_report *r = parse(b.p, b.n);
		char row[32];

		snprintf(row, sizeof(row), "depth %zu", w + 6);
		if (w + 6 <= BK_LIMIT_DMARC_REPORT_XML_DEPTH)
			check_fixture_report(row, r, "xml");
		else
			expect(row, r, BK_DMARC_REPORT_ERROR, BK_ETOOBIG,
			    "BK_LIMIT_DMARC_REPORT_XML_DEPTH");
		bk_dmarc_report_free(r);
		free(b.p);
	}
	/* deep nesting with no report at all, and a lowered bound */
	{
		struct blob b;
		bk_dmarc_report *r;

		b.n = 100000 * 3;
		b.p = malloc(b.n);
		for (size_t i = 0; i < b.n; i += 3)
			memcpy(b.p + i, "<a>", 3);
		r = parse(b.p, b.n);
		expect("100000 deep", r, BK_DMARC_REPORT_ERROR, BK_ETOOBIG,
		    "nested deeper");
		bk_dmarc_report_free(r);
		free(b.p);
		b = nested(0);
		r = parse_with(b.p, b.n, 0, 0, 0, 5, 0);
		expect("max depth 5", r, BK_DMARC_REPORT_ERROR, BK_ETOOBIG,
		    "deeper than 5");
		bk_dmarc_report_free(r);
		r = parse_with(b.p, b.n, 0, 0, 0, 6, 0);
		expect("max depth 6", r, BK_DMARC_REPORT_AGGREGATE, 0, NULL);
		bk_dmarc_report_free(r);
		free(b.p);
	}
}

static void
test_dmarc_report__limit_text_auth(void)
{
	static const char pre[] = "<feedback><report_metadata><org_name>";
	static const char post[] = "</org_name></report_metadata>"
	    "<policy_published/></feedback>";
	size_t max = BK_LIMIT_DMARC_REPORT_TEXT_BYTES;

	for (size_t n = max - 1; n <= max + 1; n++) {
		struct blob b;
		bk_dmarc_report *r;
		char row[32];

		b.p = malloc(sizeof(pre) + sizeof(post) + n);
		memcpy(b.p, pre, sizeof(pre) - 1);
		memset(b.p + sizeof(pre) - 1, 'x', n);
		memcpy(b.p + sizeof(pre) - 1 + n, post, sizeof(post) - 1);
		b.n = sizeof(pre) - 1 + n + sizeof(post) - 1;
		snprintf(row, sizeof(row), "text %zu", n);
		r = parse(b.p, b.n);
		if (n <= max) {
			expect(row, r, BK_DMARC_REPORT_AGGREGATE, 0, NULL);
			BKT_EQ_INT(row, strlen(bk_dmarc_report_metadata(r)
			    ->org_name), n);
		} else
			expect(row, r, BK_DMARC_REPORT_ERROR, BK_ETOOBIG,
			    "BK_LIMIT_DMARC_REPORT_TEXT_BYTES");
		bk_dmarc_report_free(r);
		free(b.p);
	}
	for (size_t n = BK_LIMIT_DMARC_REPORT_AUTH - 1;
	    n <= BK_LIMIT_DMARC_REPORT_AUTH + 1; n++) {
		static const char h[] = "<feedback><report_metadata/>"
		    "<policy_published/><record><row><count>1</count></row>"
		    "<auth_results>";
		static const char a[] = "<spf><domain>d</domain></spf>";
		static const char t[] = "</auth_results></record></feedback>";
		char *p = malloc(sizeof(h) + sizeof(t) + n * sizeof(a));
		size_t at = sizeof(h) - 1;
		bk_dmarc_report *r;
		char row[32];

		memcpy(p, h, at);
		for (size_t i = 0; i < n; i++, at += sizeof(a) - 1)
			memcpy(p + at, a, sizeof(a) - 1);
		memcpy(p + at, t, sizeof(t) - 1);
		at += sizeof(t) - 1;
		snprintf(row, sizeof(row), "auth %zu", n);
		r = parse(p, at);
		if (n <= BK_LIMIT_DMARC_REPORT_AUTH) {
			expect(row, r, BK_DMARC_REPORT_AGGREGATE, 0, NULL);
			BKT_EQ_INT(row, bk_dmarc_report_row_at(r, 0)->nauth,
			    n);
		} else
			expect(row, r, BK_DMARC_REPORT_ERROR, BK_ETOOBIG,
			    "BK_LIMIT_DMARC_REPORT_AUTH");
		bk_dmarc_report_free(r);
		free(p);
	}
}

static void
test_dmarc_report__strict_lenient(void)
{
	static const struct {
		const char *row, *in;
		bk_severity lenient;       /* diagnostic when read */
		const char *strict_msg;
		const char *org;           /* org_name when read */
	} rows[] = {
		{ "latin-1 byte", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		    "<feedback><report_metadata><org_name>Caf\xe9 \x91q\x92"
		    "</org_name></report_metadata><policy_published/>"
		    "</feedback>", BK_SEV_WARNING, "invalid UTF-8",
		    "Caf\xc3\xa9 \xe2\x80\x98q\xe2\x80\x99" },
		{ "stray <", "<feedback><report_metadata><org_name>a<b.c"
		    "</org_name><email><x@y.example></email>"
		    "</report_metadata><policy_published/></feedback>",
		    BK_SEV_DAMAGED, "not well-formed", "a<b.c" },
		{ "stray &", "<feedback><report_metadata><org_name>A & B"
		    "</org_name></report_metadata><policy_published/>"
		    "</feedback>", BK_SEV_DAMAGED, "not well-formed",
		    "A & B" },
		{ "after feedback", "<x><feedback><report_metadata><org_name>"
		    "o</org_name></report_metadata><policy_published/>"
		    "</feedback>", BK_SEV_WARNING, "no element found", "o" },
		{ "windows-1252 declared", "<?xml version=\"1.0\" encoding="
		    "\"windows-1252\"?><feedback><report_metadata><org_name>"
		    "\x80</org_name></report_metadata><policy_published/>"
		    "</feedback>", BK_SEV_NONE, NULL, "\xe2\x82\xac" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk_dmarc_report *r = parse(rows[i].in, strlen(rows[i].in));
		const bk_dmarc_report_meta *m;

		expect(rows[i].row, r, BK_DMARC_REPORT_AGGREGATE, 0, NULL);
		BKT_EQ_INT(rows[i].row, bk_dmarc_report_diagnostic(r, NULL),
		    rows[i].lenient);
		m = bk_dmarc_report_metadata(r);
		if (m != NULL)
			EQS(rows[i].row, S(m->org_name), rows[i].org);
		bk_dmarc_report_free(r);
		r = parse_with(rows[i].in, strlen(rows[i].in), 1, 0, 0, 0, 0);
		if (rows[i].strict_msg != NULL)
			expect(rows[i].row, r, BK_DMARC_REPORT_ERROR,
			    BK_ESYNTAX, rows[i].strict_msg);
		else
			expect(rows[i].row, r, BK_DMARC_REPORT_AGGREGATE, 0,
			    NULL);
		bk_dmarc_report_free(r);
	}
	/* what no repair makes a report: a report cut before </feedback> */
	{
		static const char cut[] = "<feedback><report_metadata>"
		    "<org_name>o</org_name></report_metadata>"
		    "<policy_published/><record><row>";
		bk_dmarc_report *r = parse(cut, sizeof(cut) - 1);

		expect("cut", r, BK_DMARC_REPORT_ERROR, BK_ESYNTAX,
		    "not well-formed");
		bk_dmarc_report_free(r);
	}
}

static void
test_dmarc_report__names_and_psl(void)
{
	char out[256], path[] = "/tmp/bk-psl-XXXXXX";
	FILE *f;
	int fd;

	/* every kind has exactly one name */
	EQS("kind", S(bk_dmarc_report_kind_name(
	    BK_DMARC_REPORT_ERROR)), "error");
	EQS("kind", S(bk_dmarc_report_kind_name(
	    BK_DMARC_REPORT_AGGREGATE)), "aggregate");
	EQS("kind", S(bk_dmarc_report_kind_name(
	    BK_DMARC_REPORT_FAILURE)), "failure");
	BKT_EQ_INT("kind count", BK_DMARC_REPORT_KIND_COUNT_, 3);
	/* a PSL file of our own */
	fd = mkstemp(path);
	BKT_CHECK(fd >= 0);
	f = fdopen(fd, "w");
	fputs("// test list\nexample\nco.example\n*.wild.example\n", f);
	fclose(f);
	BKT_EQ_INT("psl", bk_dmarc_org_domain_psl(out, sizeof(out),
	    "A.B.Sender.CO.Example.", path), 0);
	EQS("psl", S(out), "sender.co.example");
	BKT_EQ_INT("psl wild", bk_dmarc_org_domain_psl(out, sizeof(out),
	    "a.b.c.wild.example", path), 0);
	EQS("psl wild", S(out), "b.c.wild.example");
	BKT_EQ_INT("psl suffix", bk_dmarc_org_domain_psl(out, sizeof(out),
	    "co.example", path), BK_ENOTFOUND);
	BKT_EQ_INT("psl small", bk_dmarc_org_domain_psl(out, 4,
	    "x.y.co.example", path), BK_ETOOBIG);
	unlink(path);
	BKT_EQ_INT("psl missing", bk_dmarc_org_domain_psl(out, sizeof(out),
	    "a.example", "/nonexistent/psl.dat"), BK_EIO);
}

BK_TEST_MAIN(
	BKT(test_dmarc_report__xml),
	BKT(test_dmarc_report__rfc9990),
	BKT(test_dmarc_report__gz_zip_eml),
	BKT(test_dmarc_report__failure),
	BKT(test_dmarc_report__errors),
	BKT(test_dmarc_report__broken_containers),
	BKT(test_dmarc_report__limit_bytes),
	BKT(test_dmarc_report__limit_records),
	BKT(test_dmarc_report__limit_depth),
	BKT(test_dmarc_report__limit_text_auth),
	BKT(test_dmarc_report__strict_lenient),
	BKT(test_dmarc_report__names_and_psl)
)
