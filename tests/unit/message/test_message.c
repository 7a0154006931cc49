/*
 * test_message.c - MIME parsing, decoding helpers and hostile input.
 *
 * The hostile cases check outcomes (records or a clear unknown record,
 * flagged damage, bounded parts), never timings: speed lives in bench/.
 */
#include <stdint.h>

#include "bktest.h"
#include "bouncekit/bouncekit.h"
#include "message/message_int.h"

static const char dsn_msg[] =
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\n"
    "To: sender@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Date: Tue, 3 Mar 2020 10:00:00 +0900\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"B1\"\n"
    "\n"
    "preamble\n"
    "--B1\n"
    "Content-Type: text/plain\n"
    "\n"
    "I could not deliver your message.\n"
    "--B1\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "\n"
    "Final-Recipient: rfc822; user@example.net\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.example.net\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <user@example.net>: Recipient\n"
    "    address rejected: User unknown\n"
    "\n"
    "--B1\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: sender@example.com\n"
    "To: user@example.net\n"
    "Subject: =?UTF-8?B?SGVsbG8gd29ybGQ=?=\n"
    "Message-ID: <abc@example.com>\n"
    "\n"
    "body\n"
    "--B1--\n";

/* with_eol - a copy of @s with every LF replaced by @eol */
static char *
with_eol(const char *s, const char *eol, size_t *len)
{
	size_t n = 0, el = strlen(eol), i;
	char *out = malloc(strlen(s) * el + 1);

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\n') {
			memcpy(out + n, eol, el);
			n += el;
		} else {
			out[n++] = s[i];
		}
	}
	*len = n;
	return out;
}

static void
test_message__dsn_line_endings(void)
{
	static const char *const eols[] = { "\n", "\r\n", "\r" };
	size_t i, len, n;

	for (i = 0; i < 3; i++) {
		char *m = with_eol(dsn_msg, eols[i], &len);
		bk_message *msg;
		bk_record *r;

		BKT_EQ_INT("new", bk_message_new(&msg, m, len, NULL), 0);
		BKT_EQ_INT("decode", bk_message_decode(msg, &r, &n), 0);
		BKT_EQ_INT("n", n, 1);
		BKT_EQ_STR(eols[i], r->recipient.ptr, r->recipient.len,
		    "user@example.net");
		BKT_EQ_STR(eols[i], r->status.ptr, r->status.len, "5.1.1");
		BKT_EQ_INT(eols[i], r->reply_code, 550);
		BKT_EQ_STR(eols[i], r->diagnostic.ptr, r->diagnostic.len,
		    "550 5.1.1 <user@example.net>: Recipient address "
		    "rejected: User unknown");
		BKT_EQ_STR(eols[i], r->remote_mta.ptr, r->remote_mta.len,
		    "mx.example.net");
		BKT_EQ_STR(eols[i], r->subject.ptr, r->subject.len,
		    "Hello world");
		BKT_EQ_STR(eols[i], r->message_id.ptr, r->message_id.len,
		    "abc@example.com");
		BKT_EQ_INT(eols[i], r->kind, BK_KIND_BOUNCE);
		BKT_EQ_INT(eols[i], r->timestamp, 1583197200);
		BKT_EQ_INT("parts", bk_message_part_count(msg), 5);
		bk_message_free(msg);
		free(m);
	}
}

/* decode_one - parse and decode, returning the first record's kind */
static bk_kind
decode_kind(const char *m, size_t len, size_t *nrec, const char **err)
{
	bk_message *msg;
	bk_record *r;
	bk_kind k;

	if (bk_message_new(&msg, m, len, NULL) != 0)
		return (bk_kind)-1;
	if (bk_message_decode(msg, &r, nrec) != 0) {
		bk_message_free(msg);
		return (bk_kind)-1;
	}
	k = r[0].kind;
	if (err != NULL)
		*err = r[0].error.ptr ? "set" : NULL;
	bk_message_free(msg);
	return k;
}

static void
test_message__empty_and_garbage(void)
{
	const char *err = NULL;
	size_t n = 0;
	static const char nul[] = "\0\0\0\0From: x\0y\n\n\0\0";

	BKT_EQ_INT("empty", decode_kind("", 0, &n, &err), BK_KIND_UNKNOWN);
	BKT_EQ_INT("empty n", n, 1);
	BKT_CHECK(err != NULL);
	BKT_EQ_INT("nul", decode_kind(nul, sizeof(nul) - 1, &n, &err),
	    BK_KIND_UNKNOWN);
	BKT_EQ_INT("text", decode_kind("hello\nworld\n", 12, &n, &err),
	    BK_KIND_UNKNOWN);
}

static void
test_message__truncated_everywhere(void)
{
	size_t len = strlen(dsn_msg), cut, n;
	bk_message *msg;
	bk_record *r;

	/* every prefix parses and decodes to at least one record */
	for (cut = 0; cut <= len; cut++) {
		if (bk_message_new(&msg, dsn_msg, cut, NULL) != 0) {
			BKT_FAIL("new failed at %zu", cut);
			continue;
		}
		if (bk_message_decode(msg, &r, &n) != 0 || n < 1)
			BKT_FAIL("decode failed at %zu", cut);
		bk_message_free(msg);
	}
}

static void
test_message__boundaries(void)
{
	static const char wrong[] =
	    "From: MAILER-DAEMON@example.org\nTo: a@example.com\n"
	    "Content-Type: multipart/report; boundary=\"X\"\n\n"
	    "--Y\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; b@example.net\nAction: failed\n"
	    "Status: 5.2.2\n";
	static const char unclosed[] =
	    "From: MAILER-DAEMON@example.org\nTo: a@example.com\n"
	    "Content-Type: multipart/report; boundary=\"X\"\n\n"
	    "--X\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; b@example.net\nAction: failed\n"
	    "Status: 5.2.2\n";
	bk_message *msg;
	bk_record *r;
	size_t n;
	const char *text;

	/* a wrong boundary: one part, nothing decodable, said so */
	BKT_EQ_INT("new", bk_message_new(&msg, wrong, sizeof(wrong) - 1,
	    NULL), 0);
	BKT_EQ_INT("parts", bk_message_part_count(msg), 1);
	BKT_EQ_INT("decode", bk_message_decode(msg, &r, &n), 0);
	BKT_CHECK(n >= 1);
	bk_message_free(msg);
	/* an unclosed multipart still yields its report */
	BKT_EQ_INT("new", bk_message_new(&msg, unclosed,
	    sizeof(unclosed) - 1, NULL), 0);
	BKT_EQ_INT("decode", bk_message_decode(msg, &r, &n), 0);
	BKT_EQ_INT("n", n, 1);
	BKT_EQ_STR("unclosed", r->status.ptr, r->status.len, "5.2.2");
	BKT_EQ_INT("damage", bk_message_diagnostic(msg, &text),
	    BK_SEV_WARNING);
	bk_message_free(msg);
}

/* build_nested - @depth nested multiparts around a DSN */
static char *
build_nested(unsigned depth, size_t *len)
{
	size_t cap = (size_t)depth * 160 + 4096, n = 0;
	char *m = malloc(cap);
	unsigned i;

	n += (size_t)snprintf(m + n, cap - n,
	    "From: MAILER-DAEMON@example.org\nTo: a@example.com\n"
	    "Content-Type: multipart/mixed; boundary=\"b0\"\n\n");
	for (i = 1; i <= depth; i++)
		n += (size_t)snprintf(m + n, cap - n,
		    "--b%u\nContent-Type: multipart/mixed; boundary=\"b%u\"\n\n",
		    i - 1, i);
	n += (size_t)snprintf(m + n, cap - n,
	    "--b%u\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; deep@example.net\nAction: failed\n"
	    "Status: 5.1.1\n\n", depth);
	for (i = depth + 1; i-- > 0;)
		n += (size_t)snprintf(m + n, cap - n, "--b%u--\n", i);
	*len = n;
	return m;
}

static void
test_message__deep_nesting(void)
{
	size_t len, n;
	char *m;
	bk_message *msg;
	bk_record *r;
	const char *text;

	/* within the limit: the report is found */
	m = build_nested(BK_LIMIT_MIME_DEPTH - 2, &len);
	BKT_EQ_INT("new", bk_message_new(&msg, m, len, NULL), 0);
	BKT_EQ_INT("decode", bk_message_decode(msg, &r, &n), 0);
	BKT_EQ_STR("shallow", r->recipient.ptr, r->recipient.len,
	    "deep@example.net");
	bk_message_free(msg);
	free(m);
	/* 1000 deep: parsed as far as the limit, flagged, no crash */
	m = build_nested(1000, &len);
	BKT_EQ_INT("new", bk_message_new(&msg, m, len, NULL), 0);
	BKT_CHECK(bk_message_part_count(msg) <= BK_LIMIT_MIME_DEPTH + 2);
	BKT_EQ_INT("damage", bk_message_diagnostic(msg, &text),
	    BK_SEV_DAMAGED);
	BKT_EQ_INT("decode", bk_message_decode(msg, &r, &n), 0);
	BKT_CHECK(n >= 1);
	bk_message_free(msg);
	free(m);
}

static void
test_message__many_parts(void)
{
	size_t cap = 10001 * 40 + 1024, n = 0, nrec;
	char *m = malloc(cap);
	unsigned i;
	bk_message *msg;
	bk_record *r;

	n += (size_t)snprintf(m + n, cap - n,
	    "From: MAILER-DAEMON@example.org\nTo: a@example.com\n"
	    "Content-Type: multipart/report; boundary=\"P\"\n\n"
	    "--P\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; many@example.net\nAction: failed\n"
	    "Status: 4.2.2\n\n");
	for (i = 0; i < 10000; i++)
		n += (size_t)snprintf(m + n, cap - n, "--P\n\npart %u\n", i);
	n += (size_t)snprintf(m + n, cap - n, "--P--\n");
	BKT_EQ_INT("new", bk_message_new(&msg, m, n, NULL), 0);
	BKT_EQ_INT("parts", bk_message_part_count(msg), BK_LIMIT_MIME_PARTS);
	BKT_EQ_INT("decode", bk_message_decode(msg, &r, &nrec), 0);
	BKT_EQ_STR("many", r->recipient.ptr, r->recipient.len,
	    "many@example.net");
	bk_message_free(msg);
	free(m);
}

static void
test_message__huge_header_line(void)
{
	size_t big = 1024 * 1024, n = 0, nrec;
	char *m = malloc(big + 4096);
	bk_message *msg;
	bk_record *r;
	bk_str subj;

	n += (size_t)snprintf(m, 4096, "From: MAILER-DAEMON@example.org\n"
	    "X-Long: ");
	memset(m + n, 'a', big);
	n += big;
	n += (size_t)snprintf(m + n, 4096,
	    "\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; long@example.net\nAction: failed\n"
	    "Status: 5.1.1\n");
	BKT_EQ_INT("new", bk_message_new(&msg, m, n, NULL), 0);
	BKT_EQ_INT("decode", bk_message_decode(msg, &r, &nrec), 0);
	BKT_EQ_INT("header", bk_message_header(msg, &subj, "x-long"), 0);
	BKT_EQ_INT("len", subj.len, big);
	bk_message_free(msg);
	free(m);
}

static void
test_message__encodings(void)
{
	static const char b64[] =
	    "From: MAILER-DAEMON@example.org\nTo: a@example.com\n"
	    "Content-Type: multipart/report; boundary=\"E\"\n\n"
	    "--E\nContent-Type: message/delivery-status\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    /* "Final-Recipient: rfc822; b64@example.net\nAction: failed\n
	     * Status: 5.2.1\n" with a stray '!' and a line break inside */
	    "RmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGI2NEBleGFtcGxlLm5ldApBY3Rp!\n"
	    "b246IGZhaWxlZApTdGF0dXM6IDUuMi4xCg==\n"
	    "--E--\n";
	bk_message *msg;
	bk_record *r;
	size_t n;

	BKT_EQ_INT("new", bk_message_new(&msg, b64, sizeof(b64) - 1, NULL),
	    0);
	BKT_EQ_INT("decode", bk_message_decode(msg, &r, &n), 0);
	BKT_EQ_STR("b64", r->recipient.ptr, r->recipient.len,
	    "b64@example.net");
	BKT_EQ_STR("b64", r->status.ptr, r->status.len, "5.2.1");
	bk_message_free(msg);
}

static void
test_message__header_decoding(void)
{
	static const struct {
		const char *raw;
		const char *want;
	} rows[] = {
		{ "=?UTF-8?Q?caf=C3=A9_au_lait?=", "café au lait" },
		{ "=?ISO-8859-1?Q?caf=E9?= =?ISO-8859-1?Q?_noir?=",
		    "café noir" },
		{ "plain\n folded", "plain folded" },
		{ "=?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=", "テスト" },
		{ "=?UTF-8?B?broken", "=?UTF-8?B?broken" },
		{ "caf\xe9", "café" },   /* raw Latin-1 */
	};
	size_t i;
	bk_message *msg;

	BKT_EQ_INT("new", bk_message_new(&msg, "a: b\n\n", 6, NULL), 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk_str got = bk__header_decode(msg, bk__cstr(rows[i].raw));

		BKT_EQ_STR(rows[i].raw, got.ptr, got.len, rows[i].want);
	}
	bk_message_free(msg);
}

/*
 * A folded line break or a raw Latin-1 byte at every offset of values of
 * every length up to 40: values are first checked 16 (or 8) bytes at a
 * time for anything to decode, so each split is covered.  Each value is
 * a heap copy of exactly its length.
 */
static void
test_message__header_decoding_offsets(void)
{
	static const struct {
		const char *name, *in, *out;
	} marks[] = {
		{ "fold", "\n ", " " },
		{ "latin1", "\xe9", "\xc3\xa9" },
		{ "utf8", "\xc3\xa9", "\xc3\xa9" },
	};
	size_t len, at, k, i;
	bk_message *msg;

	BKT_EQ_INT("new", bk_message_new(&msg, "a: b\n\n", 6, NULL), 0);
	/* loop: lengths, offsets inside the value, marks */
	for (len = 2; len <= 40; len++) {
		for (at = 1; at < len; at++) {
			for (k = 0; k < sizeof(marks) / sizeof(marks[0]);
			    k++) {
				size_t ml = strlen(marks[k].in);
				char *raw = malloc(len + ml), want[64];
				bk_str got;

				for (i = 0; i < len; i++)
					raw[i < at ? i : i + ml] =
					    (char)('a' + i % 26);
				memcpy(raw + at, marks[k].in, ml);
				memcpy(want, raw, at);
				strcpy(want + at, marks[k].out);
				for (i = at; i < len; i++)
					want[i + strlen(marks[k].out)] =
					    (char)('a' + i % 26);
				want[len + strlen(marks[k].out)] = '\0';
				got = bk__header_decode(msg,
				    bk__str(raw, len + ml));
				if (got.len != strlen(want) ||
				    memcmp(got.ptr, want, got.len) != 0)
					BKT_FAIL("[%s len %zu at %zu] got %.*s",
					    marks[k].name, len, at,
					    (int)got.len, got.ptr);
				free(raw);
			}
		}
	}
	/* and none: the value comes back as it is */
	for (len = 1; len <= 40; len++) {
		char *raw = malloc(len);
		bk_str got;

		memset(raw, 'x', len);
		got = bk__header_decode(msg, bk__str(raw, len));
		BKT_CHECK(got.ptr == raw && got.len == len);
		free(raw);
	}
	bk_message_free(msg);
}

/*
 * Field lookups with the block's name filter give what a scan of every
 * field gives: names that share length and end bytes, names in other
 * cases, absent names, a name with a byte >= 0x80 in it.
 */
static void
test_message__header_lookup(void)
{
	static const char *const names[] = {
		"Subject", "X-Failed-Recipients", "x-mailer", "Content-Type",
		"Received", "X-Spam", "X-Scam", "List-Id", "Auto-Submitted",
		"X-\xc3\xa9t\xc3\xa9", "From", "Date", "X-Postfix-Queue-ID",
		"A", "ab", "Ab", "X-MS-Exchange-Organization-SCL",
	};
	static const char *const asks[] = {
		"subject", "SUBJECT", "x-failed-recipients", "X-MAILER",
		"content-type", "received", "x-spam", "X-SCAM", "x-sram",
		"list-id", "auto-submitted", "X-\xc3\xa9t\xc3\xa9", "from",
		"date", "to", "cc", "x-postfix-queue-id", "a", "AB", "b",
		"message-id", "x-ms-exchange-organization-scl", "precedence",
	};
	char text[2048];
	size_t i, j, len = 0;
	bk_message *msg;

	/* loop: one field per name, then a body */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%s: value %zu\n", names[i], i);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "\nbody\n");
	BKT_EQ_INT("new", bk_message_new(&msg, text, len, NULL), 0);
	for (i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		const bk__headers *h = &msg->root->headers;
		bk_str got = bk__headers_get(h, asks[i]), want = BK_STR_NULL;

		/* loop: the plain scan, the definition */
		for (j = 0; j < h->n && want.ptr == NULL; j++) {
			if (h->v[j].name.len == strlen(asks[i]) &&
			    bk__ieq(h->v[j].name.ptr, h->v[j].name.len,
			    asks[i]))
				want = h->v[j].value;
		}
		if (got.ptr != want.ptr || got.len != want.len)
			BKT_FAIL("[%s] got %.*s, want %.*s", asks[i],
			    (int)got.len, got.ptr ? got.ptr : "",
			    (int)want.len, want.ptr ? want.ptr : "");
	}
	bk_message_free(msg);
}

static void
test_message__ct_params(void)
{
	static const struct {
		const char *ct;
		const char *name;
		const char *want;
	} rows[] = {
		{ "multipart/report; boundary=\"a;b\"; report-type=x",
		    "report-type", "x" },
		{ "multipart/report; boundary=\"a;b\"", "boundary", "a;b" },
		{ "text/plain; charset*=utf-8''caf%C3%A9", "charset",
		    "café" },
		{ "text/plain; name*0=\"ab\"; name*1=\"cd\"", "name", "abcd" },
		{ "text/plain", "charset", NULL },
	};
	size_t i;
	bk_message *msg;

	BKT_EQ_INT("new", bk_message_new(&msg, "a: b\n\n", 6, NULL), 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bk_str got = bk__ct_param(msg, bk__cstr(rows[i].ct),
		    rows[i].name);

		BKT_EQ_STR(rows[i].ct, got.ptr, got.len, rows[i].want);
	}
	bk_message_free(msg);
}

static void
test_message__big_attachment(void)
{
	/* a 50 MB base64 attachment in the returned message */
	size_t big = 50u * 1024 * 1024, n = 0, cap = big + 8192, nrec, i;
	char *m = malloc(cap);
	bk_message *msg;
	bk_record *r;

	n += (size_t)snprintf(m, cap, "%.*s", (int)(strstr(dsn_msg,
	    "--B1--") - dsn_msg), dsn_msg);
	n += (size_t)snprintf(m + n, cap - n,
	    "--B1\nContent-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n");
	for (i = 0; i + 77 < big; i += 77) {
		memset(m + n, 'Q', 76);
		m[n + 76] = '\n';
		n += 77;
	}
	n += (size_t)snprintf(m + n, cap - n, "--B1--\n");
	BKT_EQ_INT("new", bk_message_new(&msg, m, n, NULL), 0);
	BKT_EQ_INT("decode", bk_message_decode(msg, &r, &nrec), 0);
	BKT_EQ_INT("n", nrec, 1);
	BKT_EQ_STR("big", r->status.ptr, r->status.len, "5.1.1");
	bk_message_free(msg);
	free(m);
}

static void
test_message__size_limit(void)
{
	bk_message_options o = BK_MESSAGE_OPTIONS_INIT;
	bk_message *msg;
	const char *text;

	o.max_bytes = 100;
	BKT_EQ_INT("new", bk_message_new(&msg, dsn_msg, strlen(dsn_msg),
	    &o), 0);
	BKT_EQ_INT("damaged", bk_message_diagnostic(msg, &text),
	    BK_SEV_DAMAGED);
	bk_message_free(msg);
	o.max_bytes = strlen(dsn_msg);
	BKT_EQ_INT("new", bk_message_new(&msg, dsn_msg, strlen(dsn_msg),
	    &o), 0);
	BKT_EQ_INT("at limit", bk_message_diagnostic(msg, &text),
	    BK_SEV_NONE);
	bk_message_free(msg);
}

static void
test_message__unindented_parameter(void)
{
	/* a boundary parameter on its own, unindented line still counts */
	static const char m[] =
	    "From: MAILER-DAEMON@example.org\nTo: a@example.com\n"
	    "Content-Type: multipart/report;\n"
	    "boundary=\"U\"\n\n"
	    "--U\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; lost@example.net\nAction: failed\n"
	    "Status: 5.1.1\n\n--U--\n";
	bk_message *msg;
	bk_record *r;
	size_t n;

	BKT_EQ_INT("new", bk_message_new(&msg, m, sizeof(m) - 1, NULL), 0);
	BKT_EQ_INT("parts", bk_message_part_count(msg), 2);
	BKT_EQ_INT("decode", bk_message_decode(msg, &r, &n), 0);
	BKT_EQ_STR("lost", r->recipient.ptr, r->recipient.len,
	    "lost@example.net");
	bk_message_free(msg);
}

/* A DSN whose third part is @ct, with @cte and @body as its content. */
#define RET_DSN(ct, cte, body)                                             \
    "From: MAILER-DAEMON@mx.example.org\n"                                 \
    "To: sender@example.com\n"                                             \
    "Subject: Undelivered Mail Returned to Sender\n"                       \
    "MIME-Version: 1.0\n"                                                  \
    "Content-Type: multipart/report; report-type=delivery-status;\n"       \
    "\tboundary=\"B1\"\n"                                                  \
    "\n"                                                                   \
    "--B1\n"                                                               \
    "Content-Type: text/plain\n"                                           \
    "\n"                                                                   \
    "I could not deliver your message.\n"                                  \
    "--B1\n"                                                               \
    "Content-Type: message/delivery-status\n"                              \
    "\n"                                                                   \
    "Reporting-MTA: dns; mx.example.org\n"                                 \
    "\n"                                                                   \
    "Final-Recipient: rfc822; user@example.net\n"                          \
    "Action: failed\n"                                                     \
    "Status: 5.1.1\n"                                                      \
    "\n"                                                                   \
    "--B1\n"                                                               \
    "Content-Type: " ct "\n"                                               \
    cte                                                                    \
    "\n"                                                                   \
    body                                                                   \
    "--B1--\n"

/* slice_has - does @s contain the C string @c */
static int
slice_has(bk_str s, const char *c)
{
	size_t i, n = strlen(c);

	for (i = 0; i + n <= s.len; i++)
		if (memcmp(s.ptr + i, c, n) == 0)
			return 1;
	return 0;
}

/*
 * test_message__returned - bk_message_returned() for each way the
 * original comes back (whole, transfer-encoded whole, headers only,
 * inline after a marker) and for none; asked before and after
 * bk_message_decode(), with and without kind_out.
 */
static void
test_message__returned(void)
{
	static const struct {
		const char *name, *in;
		int rc;
		bk_returned_kind kind;
		const char *starts, *has, *lacks;
	} rows[] = {
		{ "whole", dsn_msg, 0, BK_MESSAGE_RETURNED_WHOLE,
		    "From: sender@example.com\nTo: user@example.net\n",
		    "Message-ID: <abc@example.com>\n\nbody", "--B1" },
		{ "whole, base64", RET_DSN("message/rfc822",
		    "Content-Transfer-Encoding: base64\n",
		    "RnJvbTogYUBleGFtcGxlLmNvbQpTdWJqZWN0OiBoaQoKYm9keQo=\n"),
		    0, BK_MESSAGE_RETURNED_WHOLE,
		    "From: a@example.com\nSubject: hi\n", "\nbody", "--B1" },
		{ "headers only", RET_DSN("text/rfc822-headers", "",
		    "Return-Path: <a@example.com>\n"
		    "Received: from h by mx.example.com; "
		    "Tue, 3 Mar 2020 10:00:00 +0900\n"
		    "From: a@example.com\n"
		    "Message-ID: <m1@example.com>\n"),
		    0, BK_MESSAGE_RETURNED_HEADERS,
		    "Return-Path: <a@example.com>\nReceived: from h",
		    "Message-ID: <m1@example.com>", "--B1" },
		{ "inline", "From: Mail Delivery System "
		    "<Mailer-Daemon@relay.example.com>\n"
		    "To: alerts@example.com\n"
		    "Subject: Mail delivery failed: returning message to "
		    "sender\n"
		    "X-Failed-Recipients: bob@example.net\n"
		    "\n"
		    "This message was created automatically by mail delivery "
		    "software.\n\n"
		    "A message that you sent could not be delivered to one or "
		    "more of its\nrecipients. This is a permanent error. The "
		    "following address(es) failed:\n\n"
		    "  bob@example.net\n"
		    "    SMTP error from remote mail server after RCPT "
		    "TO:<bob@example.net>:\n"
		    "    550 5.1.1 user unknown\n\n"
		    "------ This is a copy of the message, including all the "
		    "headers. ------\n\n"
		    "Return-path: <alerts@example.com>\n"
		    "Received: from app by relay.example.com with local\n"
		    "\tid 1vQxYw-000Aba-1C\n"
		    "From: alerts@example.com\n"
		    "Subject: Disk usage alert\n"
		    "\n"
		    "The disk is full.\n",
		    0, BK_MESSAGE_RETURNED_INLINE,
		    "Return-path: <alerts@example.com>\nReceived: from app",
		    "\n\nThe disk is full.\n", "This is a copy" },
		{ "none", RET_DSN("text/plain", "", "Nothing came back.\n"),
		    BK_ENOTFOUND, BK_MESSAGE_RETURNED_NONE, NULL, NULL, NULL },
		{ "not a bounce", "Subject: hi\n\nhello\n", BK_ENOTFOUND,
		    BK_MESSAGE_RETURNED_NONE, NULL, NULL, NULL },
		{ "empty", "", BK_ENOTFOUND, BK_MESSAGE_RETURNED_NONE, NULL,
		    NULL, NULL },
	};
	size_t i, n;
	int pass, rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* pass 0: not decoded yet; 1: decoded; 2: no kind_out */
		for (pass = 0; pass < 3; pass++) {
			bk_message *msg = NULL;
			bk_record *recs;
			bk_returned_kind kind = (bk_returned_kind)99;
			bk_str got = { "x", 1 };
			const char *row = rows[i].name;

			if (bk_message_new(&msg, rows[i].in,
			    strlen(rows[i].in), NULL) != 0) {
				BKT_FAIL("[%s] bk_message_new", row);
				continue;
			}
			if (pass == 1)
				BKT_EQ_INT(row, bk_message_decode(msg, &recs,
				    &n), 0);
			rc = bk_message_returned(&got, pass == 2 ? NULL :
			    &kind, msg);
			BKT_EQ_INT(row, rc, rows[i].rc);
			if (pass < 2)
				BKT_EQ_INT(row, kind, rows[i].kind);
			if (rows[i].starts == NULL) {
				BKT_CHECK(got.ptr == NULL && got.len == 0);
			} else if (got.ptr == NULL) {
				BKT_FAIL("[%s] no slice", row);
			} else {
				if (got.len < strlen(rows[i].starts) ||
				    memcmp(got.ptr, rows[i].starts,
				    strlen(rows[i].starts)) != 0)
					BKT_FAIL("[%s] got \"%.*s\", want "
					    "it to start \"%s\"", row,
					    (int)got.len, got.ptr,
					    rows[i].starts);
				if (!slice_has(got, rows[i].has))
					BKT_FAIL("[%s] got \"%.*s\", want "
					    "\"%s\" in it", row, (int)got.len,
					    got.ptr, rows[i].has);
				if (slice_has(got, rows[i].lacks))
					BKT_FAIL("[%s] got \"%.*s\", want no "
					    "\"%s\" in it", row, (int)got.len,
					    got.ptr, rows[i].lacks);
			}
			bk_message_free(msg);
		}
	}
}

BK_TEST_MAIN(
    BKT(test_message__unindented_parameter),
    BKT(test_message__dsn_line_endings),
    BKT(test_message__empty_and_garbage),
    BKT(test_message__truncated_everywhere),
    BKT(test_message__boundaries),
    BKT(test_message__deep_nesting),
    BKT(test_message__many_parts),
    BKT(test_message__huge_header_line),
    BKT(test_message__encodings),
    BKT(test_message__header_decoding),
    BKT(test_message__header_decoding_offsets),
    BKT(test_message__header_lookup),
    BKT(test_message__ct_params),
    BKT(test_message__big_attachment),
    BKT(test_message__size_limit),
    BKT(test_message__returned))
