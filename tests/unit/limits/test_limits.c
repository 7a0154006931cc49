/*
 * test_limits.c - the limits.h bounds just under, at and over the bound
 * (STYLE.md section 6), through the code path that enforces each:
 * lib/message and lib/source; the recipient and diagnostic bounds of a
 * report (lib/decode); records per DNS answer (bk_dns_answer_parse);
 * blocklist definitions (bk_dnsbl_set_new); the rules-file bounds
 * (bk_classifier_new on a temporary file, user rules only); the store
 * bounds (bk_store_* on a temporary SQLite file); the line and rule-hit
 * bounds of classification (bk_classify_reply, bk_classify); queries a
 * resolver holds at once; the SPF bounds (DNS terms, void lookups, MX
 * and PTR names, macro expansion, the include tree of check domain) and
 * the DKIM bounds (signatures, h= names, selectors, RSA key sizes) over
 * an in-memory zone (tests/dns/fakedns.h, no network).  Each row states
 * what must be kept and which diagnostic or error (severity band or
 * code, and text) must, or must not, result.
 *
 * Where the code does not yet do what limits.h says, the row prints
 * "KNOWN GAP [row]: ..." instead of failing, and names the module that
 * must change; the row turns into an ordinary check once it is fixed.
 *
 * Rows build their input at run time; the largest (three rules files of
 * 16 MB, 20 000 patterns compiled) keep the whole run to a few seconds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "bktest.h"
#include "bouncekit/bouncekit.h"
#include "bouncekit/check.h"
#include "bouncekit/store.h"
#include "message/message_int.h"
#include "../../dns/fakedns.h"

/* growable string for building inputs */
struct sb {
	char *p;
	size_t len, cap;
};

static void
sb_put(struct sb *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t ncap = s->cap ? s->cap : 4096;

		while (ncap < s->len + n + 1)
			ncap *= 2;
		s->p = realloc(s->p, ncap);
		if (s->p == NULL)
			abort();
		s->cap = ncap;
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void
sb_str(struct sb *s, const char *p)
{
	sb_put(s, p, strlen(p));
}

static void
sb_rep(struct sb *s, int c, size_t n)
{
	size_t i;
	char ch = (char)c;

	for (i = 0; i < n; i++)
		sb_put(s, &ch, 1);
}

/* the three positions of every row: bound - 1, bound, bound + 1 */
static const struct pos {
	const char *name;
	int delta;
} positions[] = { { "under", -1 }, { "at", 0 }, { "over", 1 } };

/* expect_diag - severity and text of a message's worst diagnostic */
static void
expect_diag(const char *row, bk_message *msg, bk_severity want_sev,
    const char *want_text)
{
	const char *text = NULL;
	bk_severity sev = bk_message_diagnostic(msg, &text);

	BKT_EQ_INT(row, sev, want_sev);
	if (want_text != NULL)
		BKT_EQ_STR(row, text, text ? strlen(text) : 0, want_text);
}

/* BK_LIMIT_MESSAGE_BYTES through max_bytes: the rest is not read */
static void
test_limits__message_bytes(void)
{
	size_t max = 4096, i;
	bk_message_options o = BK_MESSAGE_OPTIONS_INIT;
	char row[64];

	o.max_bytes = max;
	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t len = max + positions[i].delta;
		bk_message *msg;
		bk_str subj;

		sb_str(&s, "Subject: x\n\n");
		sb_rep(&s, 'a', len - s.len);
		snprintf(row, sizeof(row), "message bytes %s",
		    positions[i].name);
		BKT_EQ_INT(row, bk_message_new(&msg, s.p, s.len, &o), 0);
		BKT_EQ_INT(row, msg->len, len > max ? max : len);
		BKT_EQ_INT(row, msg->truncated, len > max);
		expect_diag(row, msg, len > max ? BK_SEV_DAMAGED : BK_SEV_NONE,
		    len > max ? "message larger than the limit; the rest "
		    "was not read" : NULL);
		/* what was kept still parses */
		BKT_EQ_INT(row, bk_message_header(msg, &subj, "subject"), 0);
		bk_message_free(msg);
		free(s.p);
	}
}

/* BK_LIMIT_HEADER_COUNT: fields past it are skipped, the message flagged */
static void
test_limits__header_count(void)
{
	size_t i, k;
	char row[64], line[64];

	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t n = BK_LIMIT_HEADER_COUNT + positions[i].delta;
		bk_message *msg;
		bk_str last;

		for (k = 0; k < n; k++) {
			snprintf(line, sizeof(line), "X-F%zu: v\n", k);
			sb_str(&s, line);
		}
		sb_str(&s, "\nbody\n");
		snprintf(row, sizeof(row), "header count %s",
		    positions[i].name);
		BKT_EQ_INT(row, bk_message_new(&msg, s.p, s.len, NULL), 0);
		BKT_EQ_INT(row, msg->root->headers.n,
		    n > BK_LIMIT_HEADER_COUNT ? BK_LIMIT_HEADER_COUNT : n);
		expect_diag(row, msg, n > BK_LIMIT_HEADER_COUNT ?
		    BK_SEV_DAMAGED : BK_SEV_NONE, n > BK_LIMIT_HEADER_COUNT ?
		    "too many header fields" : NULL);
		/* the body still starts after the blank line */
		BKT_EQ_STR(row, msg->root->body, msg->root->body_len, "body\n");
		snprintf(line, sizeof(line), "x-f%d", BK_LIMIT_HEADER_COUNT);
		last = bk__headers_get(&msg->root->headers, line);
		BKT_CHECK(last.ptr == NULL);
		bk_message_free(msg);
		free(s.p);
	}
}

/* BK_LIMIT_HEADER_BYTES: a decoded field is cut at the limit, flagged */
static void
test_limits__header_bytes(void)
{
	size_t i;
	char row[64];

	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t n = BK_LIMIT_HEADER_BYTES + positions[i].delta;
		bk_message *msg;
		bk_str v;

		/* one encoded word ("é", 2 bytes) then ASCII up to n bytes */
		sb_str(&s, "Subject: =?UTF-8?Q?=C3=A9?= ");
		sb_rep(&s, 'a', n - 3);
		sb_str(&s, "\n\nbody\n");
		snprintf(row, sizeof(row), "header bytes %s",
		    positions[i].name);
		BKT_EQ_INT(row, bk_message_new(&msg, s.p, s.len, NULL), 0);
		BKT_EQ_INT(row, bk_message_header(msg, &v, "subject"), 0);
		BKT_EQ_INT(row, v.len, n > BK_LIMIT_HEADER_BYTES ?
		    BK_LIMIT_HEADER_BYTES : n);
		expect_diag(row, msg, n > BK_LIMIT_HEADER_BYTES ?
		    BK_SEV_WARNING : BK_SEV_NONE, n > BK_LIMIT_HEADER_BYTES ?
		    "decoded header field truncated at the limit" : NULL);
		bk_message_free(msg);
		free(s.p);
	}
}

/* multipart with @children leaf parts */
static void
flat_multipart(struct sb *s, size_t children)
{
	size_t k;

	sb_str(s, "Subject: parts\nContent-Type: multipart/mixed; "
	    "boundary=\"b\"\n\n");
	for (k = 0; k < children; k++)
		sb_str(s, "--b\nContent-Type: text/plain\n\nx\n");
	sb_str(s, "--b--\n");
}

/* BK_LIMIT_MIME_PARTS (default and through max_parts): no more parts */
static void
test_limits__mime_parts(void)
{
	static const unsigned bounds[] = { BK_LIMIT_MIME_PARTS, 8 };
	size_t b, i;
	char row[64];

	for (b = 0; b < 2; b++) {
		for (i = 0; i < 3; i++) {
			struct sb s = { 0 };
			bk_message_options o = BK_MESSAGE_OPTIONS_INIT;
			/* the root counts: children = total - 1 */
			size_t total = bounds[b] + positions[i].delta;
			bk_message *msg;

			o.max_parts = bounds[b];
			flat_multipart(&s, total - 1);
			snprintf(row, sizeof(row), "mime parts %u %s",
			    bounds[b], positions[i].name);
			BKT_EQ_INT(row, bk_message_new(&msg, s.p, s.len,
			    b ? &o : NULL), 0);
			BKT_EQ_INT(row, bk_message_part_count(msg),
			    total > bounds[b] ? bounds[b] : total);
			expect_diag(row, msg, total > bounds[b] ?
			    BK_SEV_DAMAGED : BK_SEV_NONE, total > bounds[b] ?
			    "too many MIME parts" : NULL);
			bk_message_free(msg);
			free(s.p);
		}
	}
}

/*
 * nested - multiparts nested @levels deep (the root is level 1), the
 * innermost holding one text part; with @rfc822, alternate with
 * message/rfc822 wrappers.
 */
static void
nested(struct sb *s, size_t levels, int rfc822)
{
	size_t k;
	char line[128];

	sb_str(s, "Subject: deep\n");
	for (k = 0; k < levels; k++) {
		if (rfc822 && k % 2 == 1) {
			sb_str(s, "Content-Type: message/rfc822\n\n"
			    "Subject: inner\n");
			continue;
		}
		snprintf(line, sizeof(line), "Content-Type: multipart/mixed; "
		    "boundary=\"b%zu\"\n\n--b%zu\n", k, k);
		sb_str(s, line);
	}
	sb_str(s, "Content-Type: text/plain\n\ndeepest text\n");
	for (k = levels; k-- > 0;) {
		if (rfc822 && k % 2 == 1)
			continue;
		snprintf(line, sizeof(line), "--b%zu--\n", k);
		sb_str(s, line);
	}
}

/* BK_LIMIT_MIME_DEPTH: deeper containers are read as opaque leaves */
static void
test_limits__mime_depth(void)
{
	size_t i, k, rfc;
	char row[64];

	for (rfc = 0; rfc < 2; rfc++) {
		for (i = 0; i < 3; i++) {
			struct sb s = { 0 };
			/*
			 * containers at depths 0..levels-1, the text leaf at
			 * depth levels: a container at depth MIME_DEPTH is
			 * the first one that cannot open.
			 */
			size_t levels = BK_LIMIT_MIME_DEPTH + 1 +
			    positions[i].delta;
			int over = levels > BK_LIMIT_MIME_DEPTH;
			bk_message *msg;
			unsigned deepest = 0;

			nested(&s, levels, (int)rfc);
			snprintf(row, sizeof(row), "mime depth%s %s",
			    rfc ? " rfc822" : "", positions[i].name);
			BKT_EQ_INT(row, bk_message_new(&msg, s.p, s.len, NULL),
			    0);
			for (k = 0; k < msg->nparts; k++) {
				if (msg->parts[k]->depth > deepest)
					deepest = msg->parts[k]->depth;
				if (msg->parts[k]->depth >= BK_LIMIT_MIME_DEPTH)
					BKT_CHECK(!msg->parts[k]->is_multipart
					    && !msg->parts[k]->is_message);
			}
			BKT_EQ_INT(row, deepest, over ? BK_LIMIT_MIME_DEPTH :
			    levels);
			expect_diag(row, msg, over ? BK_SEV_DAMAGED :
			    BK_SEV_NONE, over ? "MIME nesting too deep" : NULL);
			bk_message_free(msg);
			free(s.p);
		}
	}
}

/* BK_LIMIT_BOUNDARY_BYTES: a longer boundary is not a multipart */
static void
test_limits__boundary_bytes(void)
{
	size_t i;
	char row[64];

	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t n = BK_LIMIT_BOUNDARY_BYTES + positions[i].delta;
		int over = n > BK_LIMIT_BOUNDARY_BYTES;
		bk_message *msg;

		sb_str(&s, "Subject: b\nContent-Type: multipart/mixed; "
		    "boundary=\"");
		sb_rep(&s, 'q', n);
		sb_str(&s, "\"\n\n--");
		sb_rep(&s, 'q', n);
		sb_str(&s, "\nContent-Type: text/plain\n\nx\n--");
		sb_rep(&s, 'q', n);
		sb_str(&s, "--\n");
		snprintf(row, sizeof(row), "boundary bytes %s",
		    positions[i].name);
		BKT_EQ_INT(row, bk_message_new(&msg, s.p, s.len, NULL), 0);
		BKT_EQ_INT(row, msg->root->is_multipart, !over);
		BKT_EQ_INT(row, bk_message_part_count(msg), over ? 1 : 2);
		expect_diag(row, msg, over ? BK_SEV_WARNING : BK_SEV_NONE,
		    over ? "multipart without a usable boundary" : NULL);
		bk_message_free(msg);
		free(s.p);
	}
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64_text - base64 of @n bytes of 'a' (wrapped at 76) */
static void
b64_text(struct sb *s, size_t n)
{
	size_t i, col = 0;
	unsigned v;
	char q[4];

	/* "aaa" is "YWFh"; the tail is padded */
	for (i = 0; i + 3 <= n; i += 3) {
		sb_put(s, "YWFh", 4);
		if ((col += 4) >= 76) {
			sb_put(s, "\n", 1);
			col = 0;
		}
	}
	if (n - i == 1) {
		v = 'a' << 16;
		q[0] = b64[(v >> 18) & 63];
		q[1] = b64[(v >> 12) & 63];
		sb_put(s, q, 2);
		sb_str(s, "==");
	} else if (n - i == 2) {
		v = ('a' << 16) | ('a' << 8);
		q[0] = b64[(v >> 18) & 63];
		q[1] = b64[(v >> 12) & 63];
		q[2] = b64[(v >> 6) & 63];
		sb_put(s, q, 3);
		sb_str(s, "=");
	}
	sb_str(s, "\n");
}

/* BK_LIMIT_DECODED_BYTES: base64, quoted-printable and charset paths */
static void
test_limits__decoded_bytes(void)
{
	static const char *const ctes[] = { "base64", "quoted-printable" };
	size_t c, i;
	char row[64];

	for (c = 0; c < 2; c++) {
		for (i = 0; i < 3; i++) {
			struct sb s = { 0 };
			size_t n = BK_LIMIT_DECODED_BYTES + positions[i].delta;
			int over = n > BK_LIMIT_DECODED_BYTES;
			bk_message *msg;
			bk_str t;

			sb_str(&s, "Subject: big\nContent-Transfer-Encoding: ");
			sb_str(&s, ctes[c]);
			sb_str(&s, "\n\n");
			if (c == 0)
				b64_text(&s, n);
			else
				sb_rep(&s, 'a', n);   /* QP: literal bytes */
			snprintf(row, sizeof(row), "decoded bytes %s %s",
			    ctes[c], positions[i].name);
			BKT_EQ_INT(row, bk_message_new(&msg, s.p, s.len, NULL),
			    0);
			t = bk__part_text(msg, msg->root);
			/* QP: the body's final line end is not data */
			BKT_EQ_INT(row, t.len, over ?
			    BK_LIMIT_DECODED_BYTES : n);
			expect_diag(row, msg, over ? BK_SEV_WARNING :
			    BK_SEV_NONE, over ?
			    "decoded part truncated at the limit" : NULL);
			bk_message_free(msg);
			free(s.p);
		}
	}
	/* a non-UTF-8 charset: at most a quarter of the limit is read */
	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t n = BK_LIMIT_DECODED_BYTES / 4 + positions[i].delta;
		int over = n > BK_LIMIT_DECODED_BYTES / 4;
		bk_message *msg;
		bk_str t;

		sb_str(&s, "Subject: l\nContent-Type: text/plain; "
		    "charset=iso-8859-1\n\n");
		sb_rep(&s, 0xe9, n);
		snprintf(row, sizeof(row), "decoded bytes charset %s",
		    positions[i].name);
		BKT_EQ_INT(row, bk_message_new(&msg, s.p, s.len, NULL), 0);
		t = bk__part_text(msg, msg->root);
		/* each é becomes 2 bytes */
		BKT_EQ_INT(row, t.len, 2 * (over ? BK_LIMIT_DECODED_BYTES / 4 :
		    n));
		expect_diag(row, msg, over ? BK_SEV_WARNING : BK_SEV_NONE,
		    over ? "decoded part truncated at the limit" : NULL);
		bk_message_free(msg);
		free(s.p);
	}
}

/* a report with @n per-recipient blocks */
static void
report(struct sb *s, size_t n)
{
	size_t k;
	char line[160];

	sb_str(s, "From: MAILER-DAEMON@mx.example.org\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Date: Tue, 3 Mar 2020 10:00:00 +0900\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nfailed\n"
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.org\n");
	for (k = 0; k < n; k++) {
		snprintf(line, sizeof(line), "\nFinal-Recipient: rfc822; "
		    "u%zu@example.net\nAction: failed\nStatus: 5.1.1\n", k);
		sb_str(s, line);
	}
	sb_str(s, "\n--B--\n");
}

/*
 * BK_LIMIT_RECIPIENTS and BK_LIMIT_DSN_RECIPIENTS (lib/decode): records
 * past the bound are not reported and the message says so.
 */
static void
test_limits__recipients(void)
{
	size_t i;
	char row[64];

	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t n = BK_LIMIT_RECIPIENTS + positions[i].delta;
		int over = n > BK_LIMIT_RECIPIENTS ||
		    n > BK_LIMIT_DSN_RECIPIENTS;
		bk_message *msg;
		bk_record *recs;
		size_t nrec;
		const char *text;

		report(&s, n);
		snprintf(row, sizeof(row), "recipients %s", positions[i].name);
		BKT_EQ_INT(row, bk_message_new(&msg, s.p, s.len, NULL), 0);
		BKT_EQ_INT(row, bk_message_decode(msg, &recs, &nrec), 0);
		BKT_EQ_INT(row, nrec, over ? BK_LIMIT_RECIPIENTS : n);
		/* blocks past the limit are flagged, not dropped silently */
		BKT_EQ_INT(row, bk_message_diagnostic(msg, &text) >=
		    BK_SEV_DAMAGED, over);
		if (nrec > 0)
			BKT_EQ_STR(row, recs[nrec - 1].status.ptr,
			    recs[nrec - 1].status.len, "5.1.1");
		bk_message_free(msg);
		free(s.p);
	}
}

/*
 * BK_LIMIT_DIAGNOSTIC_BYTES (lib/decode): the diagnostic text kept for a
 * recipient, from a Diagnostic-Code field on one line and folded over
 * several.  Text past the bound is cut.
 */
static void
test_limits__diagnostic_bytes(void)
{
	size_t i, fold, k;
	char row[64];

	for (fold = 0; fold < 2; fold++) {
		for (i = 0; i < 3; i++) {
			struct sb s = { 0 };
			size_t n = BK_LIMIT_DIAGNOSTIC_BYTES +
			    positions[i].delta;
			size_t kept = n > BK_LIMIT_DIAGNOSTIC_BYTES ?
			    BK_LIMIT_DIAGNOSTIC_BYTES : n;
			bk_message *msg;
			bk_record *recs;
			size_t nrec;

			report(&s, 0);
			/* drop the closing "\n--B--\n" of the empty report */
			s.len -= strlen("\n--B--\n");
			s.p[s.len] = '\0';
			sb_str(&s, "\nFinal-Recipient: rfc822; u@example.net\n"
			    "Action: failed\nStatus: 5.1.1\n"
			    "Diagnostic-Code: smtp; 550 ");
			/* n bytes of text: "550 " then words of 'd' */
			for (k = 4; k < n; k++) {
				if (fold && k % 64 == 0 && k + 1 < n) {
					/* unfolds to one space */
					sb_str(&s, "\n ");
					continue;
				}
				sb_str(&s, "d");
			}
			sb_str(&s, "\n\n--B--\n");
			snprintf(row, sizeof(row), "diagnostic bytes%s %s",
			    fold ? " folded" : "", positions[i].name);
			BKT_EQ_INT(row, bk_message_new(&msg, s.p, s.len, NULL),
			    0);
			BKT_EQ_INT(row, bk_message_decode(msg, &recs, &nrec),
			    0);
			BKT_EQ_INT(row, nrec, 1);
			if (nrec == 1)
				BKT_EQ_INT(row, recs[0].diagnostic.len, kept);
			bk_message_free(msg);
			free(s.p);
		}
	}
}

/*
 * BK_LIMIT_MESSAGE_BYTES in lib/source: an mbox message is cut at the
 * bound (here through a message just over it would need 256 MB, so the
 * row checks the ordinary case and the separator handling around it:
 * every message comes back whole and nothing is reported truncated).
 */
static void
test_limits__source_split(void)
{
	char path[] = "/tmp/bk-limits-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp;
	bk_source *src;
	const char *m, *origin;
	size_t len, n = 0;
	int rc;
	char *err = NULL;

	BKT_CHECK(fd >= 0);
	if (fd < 0)
		return;
	fp = fdopen(fd, "w");
	fputs("From a Tue Nov 14 22:13:20 2023\nSubject: 1\n\n"
	    ">From quoted\n\nFrom b Tue Nov 14 22:13:21 2023\nSubject: 2\n\n"
	    "x\n", fp);
	fclose(fp);
	BKT_EQ_INT("source", bk_source_new(&src, path, &err), 0);
	while ((rc = bk_source_next(src, &m, &len, &origin)) == 0)
		n++;
	BKT_EQ_INT("source end", rc, BK_EEOF);
	BKT_EQ_INT("source messages", n, 2);
	bk_source_free(src);
	free(err);
	unlink(path);
}

/*
 * BK_LIMIT_DNSBL_LISTS and BK_LIMIT_DNSBL_CODES (lib/check): blocklist
 * definitions past the bounds are refused, BK_ETOOBIG with "line N: why"
 * (bk_dnsbl_set_new in check.h).
 */
static void
test_limits__dnsbl(void)
{
	size_t i, k, per;
	char row[64], line[128], want[64];

	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t n = BK_LIMIT_DNSBL_LISTS + positions[i].delta;
		int over = n > BK_LIMIT_DNSBL_LISTS;
		bk_dnsbl_set *set = NULL;
		char *err = NULL;
		int rc;

		for (k = 0; k < n; k++) {
			snprintf(line, sizeof(line), "list l%zu l%zu.example "
			    "ip List %zu\n", k, k, k);
			sb_str(&s, line);
		}
		snprintf(row, sizeof(row), "dnsbl lists %s", positions[i].name);
		rc = bk_dnsbl_set_new(&set, s.p, s.len, &err);
		BKT_EQ_INT(row, rc, over ? BK_ETOOBIG : 0);
		if (rc == 0)
			BKT_EQ_INT(row, bk_dnsbl_set_count(set), n);
		snprintf(want, sizeof(want), "line %zu: too many lists", n);
		if (over && (err == NULL || strstr(err, want) == NULL))
			BKT_FAIL("[%s] got \"%s\", want \"%s\"", row,
			    err ? err : "NULL", want);
		bk_dnsbl_set_free(set);
		free(err);
		free(s.p);
	}
	/* codes described for one list, then for every list ('*') */
	for (per = 0; per < 2; per++) {
		for (i = 0; i < 3; i++) {
			struct sb s = { 0 };
			size_t n = BK_LIMIT_DNSBL_CODES + positions[i].delta;
			int over = n > BK_LIMIT_DNSBL_CODES;
			bk_dnsbl_set *set = NULL;
			char *err = NULL;
			int rc;

			sb_str(&s, "list a a.example ip A\n");
			for (k = 0; k < n; k++) {
				snprintf(line, sizeof(line),
				    "code %s 127.0.%zu.%zu listed code %zu\n",
				    per ? "*" : "a", k / 200 + 1, k % 200 + 2,
				    k);
				sb_str(&s, line);
			}
			snprintf(row, sizeof(row), "dnsbl codes%s %s",
			    per ? " all" : "", positions[i].name);
			rc = bk_dnsbl_set_new(&set, s.p, s.len, &err);
			BKT_EQ_INT(row, rc, over ? BK_ETOOBIG : 0);
			snprintf(want, sizeof(want), "line %zu: too many "
			    "codes", n + 1);
			if (over && (err == NULL || strstr(err, want) == NULL))
				BKT_FAIL("[%s] got \"%s\", want \"%s\"", row,
				    err ? err : "NULL", want);
			bk_dnsbl_set_free(set);
			free(err);
			free(s.p);
		}
	}
}

/*
 * BK_LIMIT_DNS_RRS (lib/dns): records of an answer past the bound are
 * ignored and the answer says so (truncated), through bk_dns_answer_parse
 * on a reply to "example.org A" with n A records.
 */
static void
test_limits__dns_rrs(void)
{
	static const unsigned char head[] = {
		0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0,   /* an set below */
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0,
		0, 1, 0, 1,
	};
	size_t i, k;
	char row[64];

	for (i = 0; i < 3; i++) {
		size_t n = BK_LIMIT_DNS_RRS + positions[i].delta;
		size_t len = sizeof(head) + 16 * n;
		unsigned char *m = malloc(len), *o;
		bk_dns_answer *a = NULL;

		if (m == NULL)
			abort();
		memcpy(m, head, sizeof(head));
		m[6] = (unsigned char)(n >> 8);
		m[7] = (unsigned char)n;
		o = m + sizeof(head);
		for (k = 0; k < n; k++) {
			static const unsigned char rr[12] = {
				0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4,
			};

			memcpy(o, rr, sizeof(rr));
			o[12] = 192;
			o[13] = (unsigned char)(k >> 8);
			o[14] = 2;
			o[15] = (unsigned char)k;
			o += 16;
		}
		snprintf(row, sizeof(row), "dns rrs %s", positions[i].name);
		BKT_EQ_INT(row, bk_dns_answer_parse(&a, "example.org",
		    BK_DNS_A, m, len), 0);
		if (a != NULL) {
			BKT_EQ_INT(row, a->status, BK_DNS_OK);
			BKT_EQ_INT(row, a->count, n > BK_LIMIT_DNS_RRS ?
			    BK_LIMIT_DNS_RRS : n);
			BKT_EQ_INT(row, a->truncated, n > BK_LIMIT_DNS_RRS);
		}
		bk_dns_answer_free(a);
		free(m);
	}
}

/*
 * Rules files (lib/classify): past any bound the file is refused with
 * BK_ESYNTAX and a "file:line: why" message, never truncated.
 */

/* a rule that loads on its own (a status condition, no patterns) */
#define RULE_OK "rule r\n\treason blocked\n\tpriority 1\n\tstatus 5.7.1\n"

/*
 * rules_classifier - a classifier from @len bytes of rules text, user
 * file only, in *@out (NULL on error)
 */
static int
rules_classifier(bk_classifier **out, const char *text, size_t len,
    char **err)
{
	bk_classify_options opts = BK_CLASSIFY_OPTIONS_INIT;
	char path[] = "/tmp/bk-limits-rules-XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *fp;

	*out = NULL;
	*err = NULL;
	if (fd < 0)
		return BK_EIO;
	fp = fdopen(fd, "w");
	if (fp == NULL || fwrite(text, 1, len, fp) != len) {
		if (fp != NULL)
			fclose(fp);
		unlink(path);
		return BK_EIO;
	}
	fclose(fp);
	opts.rules_path = path;
	opts.no_builtin = 1;
	rc = bk_classifier_new(out, &opts, err);
	BKT_CHECK((rc == 0) == (*out != NULL));
	unlink(path);
	return rc;
}

/* load_rules - load @len bytes of rules text, user file only */
static int
load_rules(const char *text, size_t len, char **err)
{
	bk_classifier *cls;
	int rc = rules_classifier(&cls, text, len, err);

	bk_classifier_free(cls);
	return rc;
}

/*
 * expect_rules - load @s; over the bound BK_ESYNTAX with @want_text in the
 * message, else success
 */
static void
expect_rules(const char *row, const struct sb *s, int over,
    const char *want_text)
{
	char *err = NULL;
	int rc = load_rules(s->p, s->len, &err);

	BKT_EQ_INT(row, rc, over ? BK_ESYNTAX : 0);
	if (over && (err == NULL || strstr(err, want_text) == NULL))
		BKT_FAIL("[%s] got \"%s\", want \"%s\"", row,
		    err ? err : "NULL", want_text);
	if (!over && err != NULL)
		BKT_FAIL("[%s] unexpected error \"%s\"", row, err);
	free(err);
}

/* BK_LIMIT_RULES_FILE_BYTES: a larger file is refused, not cut */
static void
test_limits__rules_file_bytes(void)
{
	size_t i, line = 4000;
	char row[64];

	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t n = BK_LIMIT_RULES_FILE_BYTES + positions[i].delta;
		int over = n > BK_LIMIT_RULES_FILE_BYTES;

		/* the rule, then comment lines up to exactly n bytes */
		sb_str(&s, RULE_OK);
		while (s.len < n) {
			size_t k = n - s.len > line ? line : n - s.len;

			sb_str(&s, "#");
			if (k > 1) {
				sb_rep(&s, 'c', k - 2);
				sb_str(&s, "\n");
			}
		}
		BKT_EQ_INT("rules file size", s.len, n);
		snprintf(row, sizeof(row), "rules file bytes %s",
		    positions[i].name);
		if (n == BK_LIMIT_RULES_FILE_BYTES) {
			char *err = NULL;
			int rc = load_rules(s.p, s.len, &err);

			/* exactly the bound is read whole */
			BKT_EQ_INT(row, rc, 0);
			free(err);
			free(s.p);
			continue;
		}
		expect_rules(row, &s, over, "rules file larger than 16 MB");
		free(s.p);
	}
}

/* BK_LIMIT_RULES_LINE_BYTES: a longer line (CR not counted) is refused */
static void
test_limits__rules_line_bytes(void)
{
	size_t i, crlf;
	char row[64], want[64];

	snprintf(want, sizeof(want), ":2: line longer than %d bytes",
	    BK_LIMIT_RULES_LINE_BYTES);
	for (crlf = 0; crlf < 2; crlf++) {
		for (i = 0; i < 3; i++) {
			struct sb s = { 0 };
			size_t n = BK_LIMIT_RULES_LINE_BYTES +
			    positions[i].delta;

			/* line 2 is a comment of n bytes before its end */
			sb_str(&s, "version 1\n#");
			sb_rep(&s, 'c', n - 1);
			sb_str(&s, crlf ? "\r\n" : "\n");
			sb_str(&s, RULE_OK);
			snprintf(row, sizeof(row), "rules line bytes%s %s",
			    crlf ? " crlf" : "", positions[i].name);
			expect_rules(row, &s, n > BK_LIMIT_RULES_LINE_BYTES,
			    want);
			free(s.p);
		}
	}
}

/* BK_LIMIT_RULES: rules, and knowledge entries, of all files together */
static void
test_limits__rules_count(void)
{
	size_t i, k;
	char row[64], line[160], want[64];

	snprintf(want, sizeof(want), "too many rules (max %d)",
	    BK_LIMIT_RULES);
	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t n = BK_LIMIT_RULES + positions[i].delta;

		for (k = 0; k < n; k++) {
			snprintf(line, sizeof(line), "rule r%zu\n\treason "
			    "blocked\n\tpriority 1\n\tstatus 5.7.%zu\n", k,
			    k % 1000);
			sb_str(&s, line);
		}
		snprintf(row, sizeof(row), "rules %s", positions[i].name);
		expect_rules(row, &s, n > BK_LIMIT_RULES, want);
		free(s.p);
	}
	snprintf(want, sizeof(want), "too many knowledge entries (max %d)",
	    BK_LIMIT_RULES);
	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t n = BK_LIMIT_RULES + positions[i].delta;

		for (k = 0; k < n; k++) {
			snprintf(line, sizeof(line), "define provider p%zu\n"
			    "\tname \"P%zu\"\n\tabout \"a\"\n\tkind mailbox\n"
			    "\thost p%zu.example\n", k, k, k);
			sb_str(&s, line);
		}
		snprintf(row, sizeof(row), "knowledge entries %s",
		    positions[i].name);
		expect_rules(row, &s, n > BK_LIMIT_RULES, want);
		free(s.p);
	}
}

/* BK_LIMIT_RULE_PATTERNS: patterns of all phrase lists and rules */
static void
test_limits__rule_patterns(void)
{
	size_t i, k;
	char row[64], line[64], want[64];

	snprintf(want, sizeof(want), "too many patterns (max %d)",
	    BK_LIMIT_RULE_PATTERNS);
	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t n = BK_LIMIT_RULE_PATTERNS + positions[i].delta;

		sb_str(&s, "phrases p\n");
		for (k = 0; k < n; k++) {
			snprintf(line, sizeof(line), "\ttext \"w%zu\"\n", k);
			sb_str(&s, line);
		}
		sb_str(&s, "rule r\n\treason blocked\n\tpriority 1\n"
		    "\tmatch p\n");
		snprintf(row, sizeof(row), "rule patterns %s",
		    positions[i].name);
		expect_rules(row, &s, n > BK_LIMIT_RULE_PATTERNS, want);
		free(s.p);
	}
}

/* BK_LIMIT_RULE_VALUES: values of one list key, on one line or many */
static void
test_limits__rule_values(void)
{
	size_t i, k, lines;
	char row[64], v[32], want[64];

	snprintf(want, sizeof(want), "too many values for 'status' (max %d)",
	    BK_LIMIT_RULE_VALUES);
	for (lines = 0; lines < 2; lines++) {
		for (i = 0; i < 3; i++) {
			struct sb s = { 0 };
			size_t n = BK_LIMIT_RULE_VALUES + positions[i].delta;

			sb_str(&s, "rule r\n\treason blocked\n\tpriority 1\n"
			    "\tstatus");
			for (k = 0; k < n; k++) {
				if (lines && k > 0 && k % 10 == 0)
					sb_str(&s, "\n\tstatus");
				snprintf(v, sizeof(v), " 5.%zu.%zu", k / 100,
				    k % 100);
				sb_str(&s, v);
			}
			sb_str(&s, "\n");
			snprintf(row, sizeof(row), "rule values%s %s",
			    lines ? " lines" : "", positions[i].name);
			expect_rules(row, &s, n > BK_LIMIT_RULE_VALUES, want);
			free(s.p);
		}
	}
}

/*
 * BK_LIMIT_RULE_SAMPLES: must and mustnot lines of one rule together.
 * Rows: all must, all mustnot, and half of each.
 */
static void
test_limits__rule_samples(void)
{
	static const char *const mixes[] = { "must", "mustnot", "mixed" };
	size_t m, i, k;
	char row[64], want[64];

	snprintf(want, sizeof(want), "too many samples (max %d must and "
	    "mustnot lines together)", BK_LIMIT_RULE_SAMPLES);
	for (m = 0; m < 3; m++) {
		for (i = 0; i < 3; i++) {
			struct sb s = { 0 };
			size_t n = BK_LIMIT_RULE_SAMPLES + positions[i].delta;
			int over = n > BK_LIMIT_RULE_SAMPLES;

			sb_str(&s, RULE_OK);
			for (k = 0; k < n; k++) {
				int must = m == 0 || (m == 2 && k < n / 2);

				sb_str(&s, must ? "\tmust \"550 5.7.1 no\"\n" :
				    "\tmustnot \"550 5.1.1 no\"\n");
			}
			snprintf(row, sizeof(row), "rule samples %s %s",
			    mixes[m], positions[i].name);
			expect_rules(row, &s, over, want);
			free(s.p);
		}
	}
}

/*
 * The suppression store (lib/store), on a temporary SQLite file.
 * BK_LIMIT_STORE_ADDRESS_BYTES: a longer address is malformed
 * (BK_EINVAL) for every call that takes one, and for an import.
 */
static char store_dir[] = "/tmp/bk-limits-store-XXXXXX";

/* store_open - a fresh store file named @name in store_dir */
static bk_store *
store_open(const char *name)
{
	char path[128], *err = NULL;
	bk_store *st = NULL;

	if (store_dir[sizeof(store_dir) - 7] == 'X' &&
	    mkdtemp(store_dir) == NULL) {
		BKT_FAIL("mkdtemp %s", store_dir);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s.db", store_dir, name);
	unlink(path);
	if (bk_store_new(&st, path, NULL, &err) != 0) {
		BKT_FAIL("bk_store_new %s: %s", path, err ? err : "");
		st = NULL;
	}
	free(err);
	return st;
}

/* store_close - free @st and remove its file */
static void
store_close(bk_store *st, const char *name)
{
	char path[128];

	bk_store_free(st);
	snprintf(path, sizeof(path), "%s/%s.db", store_dir, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.db-journal", store_dir, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.db-wal", store_dir, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.db-shm", store_dir, name);
	unlink(path);
}

/* address - "aaa...@example.org" of @n bytes, upper case (normalised) */
static void
address(struct sb *s, size_t n)
{
	sb_rep(s, 'A', n - strlen("@example.org"));
	sb_str(s, "@example.org");
}

static void
test_limits__store_address_bytes(void)
{
	bk_store *st = store_open("address");
	size_t i, k;
	char row[64];

	if (st == NULL)
		return;
	for (i = 0; i < 3; i++) {
		struct sb s = { 0 }, csv = { 0 };
		size_t n = BK_LIMIT_STORE_ADDRESS_BYTES + positions[i].delta;
		int over = n > BK_LIMIT_STORE_ADDRESS_BYTES;
		char norm[BK_STORE_ADDRESS_MAX + 1], *err = NULL;
		bk_store_entry e;
		size_t count = 0;
		int rc;

		address(&s, n);
		snprintf(row, sizeof(row), "store address %s",
		    positions[i].name);
		/* angle brackets are not part of the address */
		sb_str(&csv, "address,reason\n<");
		sb_put(&csv, s.p, s.len);
		sb_str(&csv, ">,imported\n");
		BKT_EQ_INT(row, bk_store_normalize(norm, s.p, s.len),
		    over ? BK_EINVAL : 0);
		BKT_EQ_INT(row, strlen(norm), over ? 0 : n);
		for (k = 0; !over && k < n; k++) {
			if (norm[k] != (k < n - 12 ? 'a' : s.p[k])) {
				BKT_FAIL("[%s] normalised byte %zu", row, k);
				break;
			}
		}
		BKT_EQ_INT(row, bk_store_suppress(st, s.p, s.len, "manual",
		    NULL, 0), over ? BK_EINVAL : 0);
		rc = bk_store_lookup(st, &e, s.p, s.len);
		BKT_EQ_INT(row, rc, over ? BK_EINVAL : 0);
		if (rc == 0) {
			BKT_EQ_INT(row, strlen(e.address), n);
			BKT_EQ_INT(row, e.suppressed, 1);
			BKT_EQ_INT(row, bk_store_unsuppress(st, s.p, s.len,
			    "test", NULL), 0);
		}
		rc = bk_store_import(st, csv.p, csv.len, NULL, &count, &err);
		BKT_EQ_INT(row, rc, over ? BK_EINVAL : 0);
		BKT_EQ_INT(row, count, over ? 0 : 1);
		if (over && (err == NULL || strstr(err, "line 2: ") == NULL ||
		    strstr(err, "malformed address") == NULL))
			BKT_FAIL("[%s] import error \"%s\"", row,
			    err ? err : "NULL");
		free(err);
		free(s.p);
		free(csv.p);
	}
	store_close(st, "address");
}

/* hist_why - the note of the last audit row of an address */
static int
hist_why(void *ctx, const bk_store_history_item *h)
{
	size_t *len = ctx;

	if (h->is_change)
		*len = h->why ? strlen(h->why) : 0;
	return 0;
}

/*
 * BK_LIMIT_STORE_NOTE_BYTES: a reason given by hand is kept up to the
 * bound, on the address and in its audit row; an imported one past the
 * bound refuses the import.
 */
static void
test_limits__store_note_bytes(void)
{
	bk_store *st = store_open("note");
	size_t i;
	char row[64];
	static const char addr[] = "note@example.org";

	if (st == NULL)
		return;
	for (i = 0; i < 3; i++) {
		struct sb s = { 0 }, csv = { 0 };
		size_t n = BK_LIMIT_STORE_NOTE_BYTES + positions[i].delta;
		size_t kept = n > BK_LIMIT_STORE_NOTE_BYTES ?
		    BK_LIMIT_STORE_NOTE_BYTES : n, why = 0, count = 0;
		int over = n > BK_LIMIT_STORE_NOTE_BYTES;
		bk_store_entry e;
		char *err = NULL;
		int rc;

		sb_rep(&s, 'r', n);
		snprintf(row, sizeof(row), "store note %s", positions[i].name);
		BKT_EQ_INT(row, bk_store_suppress(st, addr, strlen(addr), s.p,
		    NULL, 0), 0);
		BKT_EQ_INT(row, bk_store_lookup(st, &e, addr, strlen(addr)),
		    0);
		BKT_EQ_INT(row, strlen(e.reason), kept);
		BKT_EQ_INT(row, bk_store_history(st, addr, strlen(addr),
		    hist_why, &why), 0);
		BKT_EQ_INT(row, why, kept);
		BKT_EQ_INT(row, bk_store_unsuppress(st, addr, strlen(addr),
		    "test", NULL), 0);
		sb_str(&csv, "address,reason\nimported@example.org,");
		sb_put(&csv, s.p, s.len);
		sb_str(&csv, "\n");
		rc = bk_store_import(st, csv.p, csv.len, NULL, &count, &err);
		BKT_EQ_INT(row, rc, over ? BK_EINVAL : 0);
		BKT_EQ_INT(row, count, over ? 0 : 1);
		if (over && (err == NULL || strstr(err,
		    "line 2: reason longer than 255 bytes") == NULL))
			BKT_FAIL("[%s] import error \"%s\"", row,
			    err ? err : "NULL");
		if (!over) {
			BKT_EQ_INT(row, bk_store_lookup(st, &e,
			    "imported@example.org", 20), 0);
			BKT_EQ_INT(row, strlen(e.reason), n);
		}
		free(err);
		free(s.p);
		free(csv.p);
	}
	store_close(st, "note");
	rmdir(store_dir);
}

/*
 * BK_LIMIT_LINE_BYTES (lib/classify): bytes of one line past the bound
 * are not read, whether the line is given to bk_classify_reply() or is
 * a record's diagnostic text given to bk_classify().  A user rule
 * matches a phrase that ends on the line's last byte: it holds while the
 * line is within the bound and not once that byte is past it.
 */
#define LINE_MARK "zqxjmark"

static void
test_limits__line_bytes(void)
{
	static const char rules[] = "rule line.mark\n\treason mailboxfull\n"
	    "\tpriority 100\n\ttext \"" LINE_MARK "\"\n";
	bk_classifier *cls;
	size_t i, path;
	char row[64], *err;

	BKT_EQ_INT("line rules", rules_classifier(&cls, rules,
	    strlen(rules), &err), 0);
	free(err);
	if (cls == NULL)
		return;
	for (path = 0; path < 2; path++) {
		for (i = 0; i < 3; i++) {
			struct sb s = { 0 };
			size_t n = BK_LIMIT_LINE_BYTES + positions[i].delta;
			int over = n > BK_LIMIT_LINE_BYTES, rc, hit;
			bk_record rec;

			sb_rep(&s, 'a', n - strlen(LINE_MARK));
			sb_str(&s, LINE_MARK);
			snprintf(row, sizeof(row), "line bytes %s %s",
			    path ? "record" : "reply", positions[i].name);
			if (path == 0) {
				rc = bk_classify_reply(cls, &rec, s.p, s.len);
			} else {
				memset(&rec, 0, sizeof(rec));
				rec.kind = BK_KIND_BOUNCE;
				rec.diagnostic.ptr = s.p;
				rec.diagnostic.len = s.len;
				rc = bk_classify(cls, &rec);
			}
			BKT_EQ_INT(row, rc, 0);
			hit = rec.rule.ptr != NULL && rec.rule.len == 9 &&
			    memcmp(rec.rule.ptr, "line.mark", 9) == 0;
			BKT_EQ_INT(row, hit, !over);
			BKT_EQ_INT(row, rec.reason == BK_REASON_MAILBOXFULL,
			    !over);
			free(s.p);
		}
	}
	bk_classifier_free(cls);
}

/*
 * BK_LIMIT_RULE_HITS (lib/classify): phrase lists matched per
 * classification; the rest are ignored.  Each filler rule has its own
 * word (its own list), reason blocked; the rule "hits.target" (reason
 * mailboxfull, highest priority) matches the line's last word.  With n
 * words, the target is the n-th list matched: it decides while n is
 * within the bound and is ignored past it (a filler rule decides).
 */
static void
test_limits__rule_hits(void)
{
	struct sb rules = { 0 };
	bk_classifier *cls;
	size_t i, k;
	char row[64], word[64], *err;

	for (k = 0; k < BK_LIMIT_RULE_HITS; k++) {
		snprintf(word, sizeof(word), "rule h%04zu\n\treason blocked\n"
		    "\tpriority 1\n\ttext \"w%04zu\"\n", k, k);
		sb_str(&rules, word);
	}
	sb_str(&rules, "rule hits.target\n\treason mailboxfull\n"
	    "\tpriority 100\n\ttext \"zqtarget\"\n");
	BKT_EQ_INT("hit rules", rules_classifier(&cls, rules.p, rules.len,
	    &err), 0);
	if (err != NULL)
		BKT_FAIL("[hit rules] %s", err);
	free(err);
	free(rules.p);
	if (cls == NULL)
		return;
	for (i = 0; i < 3; i++) {
		struct sb s = { 0 };
		size_t n = BK_LIMIT_RULE_HITS + positions[i].delta;
		int over = n > BK_LIMIT_RULE_HITS;
		bk_record rec;

		/* n - 1 filler words, then the target's */
		for (k = 0; k + 1 < n; k++) {
			snprintf(word, sizeof(word), "w%04zu ", k);
			sb_str(&s, word);
		}
		sb_str(&s, "zqtarget");
		snprintf(row, sizeof(row), "rule hits %s", positions[i].name);
		BKT_EQ_INT(row, bk_classify_reply(cls, &rec, s.p, s.len), 0);
		if (over)
			BKT_EQ_INT(row, rec.reason, BK_REASON_BLOCKED);
		else
			BKT_EQ_STR(row, rec.rule.ptr, rec.rule.len,
			    "hits.target");
		BKT_EQ_INT(row, rec.reason == BK_REASON_MAILBOXFULL, !over);
		free(s.p);
	}
	bk_classifier_free(cls);
}

/*
 * DNS-driven bounds, over an in-memory zone behind the resolver's
 * backend interface (tests/dns/fakedns.h): no network.  TXT queries for
 * the t<N>.tree.example records are counted, to see what the SPF include
 * tree fetched.
 */
static struct fz zone;
static unsigned long tree_fetches;

static int
zone_query(void *ctx, const char *name, bk_dns_type type, unsigned char *buf,
    size_t cap, size_t *len)
{
	static const char sfx[] = ".tree.example";
	size_t n = strlen(name), k = sizeof(sfx) - 1;

	/* t<N>.tree.example, not _dmarc.t0.tree.example and the like */
	if (type == BK_DNS_TXT && n > k && name[0] == 't' &&
	    strcmp(name + n - k, sfx) == 0)
		tree_fetches++;
	return fz_query(ctx, name, type, buf, cap, len);
}

/* zone_resolver - a resolver answering from the zone */
static bk_resolver *
zone_resolver(void)
{
	static bk_dns_backend be;
	bk_dns_options o = BK_DNS_OPTIONS_INIT;
	bk_resolver *r = NULL;

	be.version = 1;
	be.query = zone_query;
	be.ctx = &zone;
	o.backend = &be;
	if (bk_resolver_new(&r, &o, NULL) != 0)
		BKT_FAIL("bk_resolver_new");
	return r;
}

static void
zone_txt(const char *name, const char *text)
{
	fz_add_txt(&zone, name, text, strlen(text));
}

/* on_answer - count a delivered answer */
static void
on_answer(void *arg, bk_dns_answer *ans)
{
	size_t *n = arg;

	(*n)++;
	bk_dns_answer_free(ans);
}

/*
 * BK_LIMIT_DNS_QUERIES (lib/dns): queries queued at once; the one past
 * the bound is refused with BK_ETOOBIG (dns.h), the others are answered,
 * and once they were delivered the resolver takes queries again.
 */
static void
test_limits__dns_queries(void)
{
	size_t i, k;
	char row[64], name[64];

	fz_clear(&zone);
	for (i = 0; i < 3; i++) {
		size_t n = BK_LIMIT_DNS_QUERIES + positions[i].delta;
		size_t kept = n > BK_LIMIT_DNS_QUERIES ? BK_LIMIT_DNS_QUERIES :
		    n, got = 0, refused = 0, bad = 0;
		bk_resolver *r = zone_resolver();

		if (r == NULL)
			return;
		snprintf(row, sizeof(row), "dns queries %s",
		    positions[i].name);
		for (k = 0; k < n; k++) {
			int rc;

			snprintf(name, sizeof(name), "q%zu.example", k);
			rc = bk_resolver_query(r, name, strlen(name),
			    BK_DNS_A, on_answer, &got);
			if (rc == BK_ETOOBIG)
				refused++;
			else if (rc != 0 || k >= BK_LIMIT_DNS_QUERIES)
				bad++;
		}
		BKT_EQ_INT(row, bad, 0);
		BKT_EQ_INT(row, refused, n - kept);
		BKT_EQ_INT(row, bk_resolver_run(r), 0);
		BKT_EQ_INT(row, got, kept);
		/* the bound is on queries at once, not on all of them */
		BKT_EQ_INT(row, bk_resolver_query(r, "again.example", 13,
		    BK_DNS_A, on_answer, &got), 0);
		BKT_EQ_INT(row, bk_resolver_run(r), 0);
		BKT_EQ_INT(row, got, kept + 1);
		bk_resolver_free(r);
	}
}

/* spf_row - check_host(@ip, @sender) against the zone: result, a detail
 * substring (or NULL) and the DNS-querying terms counted */
static void
spf_row(const char *row, const char *ip, const char *sender,
    bk_spf_result want, const char *detail_has)
{
	bk_resolver *r = zone_resolver();
	bk_spf *s = NULL;

	if (r == NULL)
		return;
	if (bk_spf_new(&s, r, NULL, ip, sender, "helo.example", NULL) != 0) {
		BKT_FAIL("[%s] bk_spf_new", row);
		bk_resolver_free(r);
		return;
	}
	BKT_EQ_INT(row, bk_spf_check(s), 0);
	if (bk_spf_verdict(s) != want)
		BKT_FAIL("[%s] got %s, want %s (%s)", row,
		    bk_spf_result_name(bk_spf_verdict(s)),
		    bk_spf_result_name(want), bk_spf_detail(s));
	if (detail_has != NULL && strstr(bk_spf_detail(s), detail_has) ==
	    NULL)
		BKT_FAIL("[%s] detail \"%s\" lacks \"%s\"", row,
		    bk_spf_detail(s), detail_has);
	bk_spf_free(s);
	bk_resolver_free(r);
}

/*
 * BK_LIMIT_SPF_DNS_TERMS (RFC 7208 4.6.4): a chain of n include:s, the
 * last record passing; past the bound, permerror.
 */
static void
test_limits__spf_dns_terms(void)
{
	size_t i, k;
	char row[64], name[64], rec[128];

	for (i = 0; i < 3; i++) {
		size_t n = BK_LIMIT_SPF_DNS_TERMS + positions[i].delta;
		int over = n > BK_LIMIT_SPF_DNS_TERMS;

		fz_clear(&zone);
		for (k = 0; k <= n; k++) {
			snprintf(name, sizeof(name), "i%zu.terms.example", k);
			if (k < n)
				snprintf(rec, sizeof(rec), "v=spf1 "
				    "include:i%zu.terms.example -all", k + 1);
			else
				snprintf(rec, sizeof(rec),
				    "v=spf1 ip4:192.0.2.1 -all");
			zone_txt(name, rec);
		}
		snprintf(row, sizeof(row), "spf dns terms %s",
		    positions[i].name);
		spf_row(row, "192.0.2.1", "a@i0.terms.example", over ?
		    BK_SPF_PERMERROR : BK_SPF_PASS, over ? "more than 10" :
		    NULL);
	}
	fz_clear(&zone);
}

/*
 * BK_LIMIT_SPF_VOID_LOOKUPS (RFC 7208 4.6.4): n a: terms naming nothing,
 * then the term that passes; past the bound, permerror.
 */
static void
test_limits__spf_void_lookups(void)
{
	size_t i, k;
	char row[64], term[64];

	for (i = 0; i < 3; i++) {
		struct sb rec = { 0 };
		size_t n = BK_LIMIT_SPF_VOID_LOOKUPS + positions[i].delta;
		int over = n > BK_LIMIT_SPF_VOID_LOOKUPS;

		fz_clear(&zone);
		sb_str(&rec, "v=spf1");
		for (k = 0; k < n; k++) {
			snprintf(term, sizeof(term), " a:n%zu.void.example",
			    k);
			sb_str(&rec, term);
		}
		sb_str(&rec, " ip4:192.0.2.1 -all");
		zone_txt("void.example", rec.p);
		snprintf(row, sizeof(row), "spf void lookups %s",
		    positions[i].name);
		spf_row(row, "192.0.2.1", "a@void.example", over ?
		    BK_SPF_PERMERROR : BK_SPF_PASS, over ? "void lookups" :
		    NULL);
		free(rec.p);
	}
	fz_clear(&zone);
}

/*
 * BK_LIMIT_SPF_MX_NAMES (RFC 7208 4.6.4): an mx mechanism whose domain
 * has n MX hosts, the client's address on the last one; past the bound
 * the mechanism is a permerror.
 */
static void
test_limits__spf_mx_names(void)
{
	size_t i, k;
	char row[64], name[64], ip[32];

	for (i = 0; i < 3; i++) {
		size_t n = BK_LIMIT_SPF_MX_NAMES + positions[i].delta;
		int over = n > BK_LIMIT_SPF_MX_NAMES;

		fz_clear(&zone);
		zone_txt("mx.example", "v=spf1 mx -all");
		for (k = 0; k < n; k++) {
			snprintf(name, sizeof(name), "m%zu.mx.example", k);
			fz_add_name(&zone, "mx.example", BK_DNS_MX, name,
			    (unsigned)k);
			snprintf(ip, sizeof(ip), "198.51.100.%zu", k + 1);
			fz_add_addr(&zone, name, k + 1 == n ? "192.0.2.1" :
			    ip);
		}
		snprintf(row, sizeof(row), "spf mx names %s",
		    positions[i].name);
		spf_row(row, "192.0.2.1", "a@mx.example", over ?
		    BK_SPF_PERMERROR : BK_SPF_PASS, over ?
		    "more than 10 MX hosts" : "matched 'mx'");
	}
	fz_clear(&zone);
}

/*
 * BK_LIMIT_SPF_PTR_NAMES: names used from a PTR answer, the rest
 * ignored.  192.0.2.1 has n PTR names; only the last, mail.ptr.example,
 * points back to it.  Used by the ptr mechanism and the %{p} macro (RFC
 * 7208 5.5, 7.2) and by the reverse DNS of bk_ipcheck (check.h: at most
 * 10 names kept).
 */
static void
ptr_zone(size_t n)
{
	size_t k;
	char name[64];

	fz_clear(&zone);
	for (k = 0; k < n; k++) {
		if (k + 1 < n)
			snprintf(name, sizeof(name), "p%zu.other.example", k);
		else
			snprintf(name, sizeof(name), "mail.ptr.example");
		fz_add_name(&zone, "1.2.0.192.in-addr.arpa", BK_DNS_PTR, name,
		    0);
		fz_add_addr(&zone, name, k + 1 < n ? "198.51.100.1" :
		    "192.0.2.1");
	}
	zone_txt("ptr.example", "v=spf1 ptr -all");
	zone_txt("macro.ptr.example", "v=spf1 exists:%{p}.m.ptr.example "
	    "-all");
	fz_add_addr(&zone, "mail.ptr.example.m.ptr.example", "127.0.0.2");
}

static void
test_limits__spf_ptr_names(void)
{
	size_t i;
	char row[64];

	for (i = 0; i < 3; i++) {
		size_t n = BK_LIMIT_SPF_PTR_NAMES + positions[i].delta;
		size_t kept = n > BK_LIMIT_SPF_PTR_NAMES ?
		    BK_LIMIT_SPF_PTR_NAMES : n;
		int over = n > BK_LIMIT_SPF_PTR_NAMES;
		bk_resolver *r;
		bk_ipcheck *c = NULL;
		const bk_rdns *d;

		ptr_zone(n);
		snprintf(row, sizeof(row), "spf ptr names %s",
		    positions[i].name);
		spf_row(row, "192.0.2.1", "a@ptr.example", over ? BK_SPF_FAIL :
		    BK_SPF_PASS, over ? NULL : "matched 'ptr'");
		snprintf(row, sizeof(row), "spf ptr names macro %s",
		    positions[i].name);
		spf_row(row, "192.0.2.1", "a@macro.ptr.example", over ?
		    BK_SPF_FAIL : BK_SPF_PASS, NULL);
		snprintf(row, sizeof(row), "rdns ptr names %s",
		    positions[i].name);
		r = zone_resolver();
		if (r == NULL)
			return;
		BKT_EQ_INT(row, bk_ipcheck_new(&c, r, NULL, "192.0.2.1"), 0);
		BKT_EQ_INT(row, bk_ipcheck_start(c), 0);
		BKT_EQ_INT(row, bk_resolver_run(r), 0);
		d = bk_ipcheck_rdns(c);
		BKT_CHECK(d != NULL);
		if (d != NULL) {
			BKT_EQ_INT(row, d->ptr, BK_DNS_OK);
			BKT_EQ_INT(row, d->count, kept);
			BKT_EQ_INT(row, d->fcrdns, !over);
			if (!over) {
				BKT_EQ_STR(row, d->names[n - 1],
				    strlen(d->names[n - 1]),
				    "mail.ptr.example");
				BKT_EQ_INT(row, d->confirmed[n - 1], 1);
			}
		}
		bk_ipcheck_free(c);
		bk_resolver_free(r);
	}
	fz_clear(&zone);
}

/*
 * BK_LIMIT_SPF_EXPAND_BYTES: a macro expansion longer than the bound is
 * an error; a domain name is then cut to 253 octets (RFC 7208 7.3) and
 * an explanation is cut at the bound (limits.h).
 *
 * Domain: "exists:" with a literal domain-spec of n bytes (every byte of
 * a macro-string is expanded): 63-byte labels, the first one shorter,
 * then ok.expand.example; cut, it leaves the last three labels and
 * ok.expand.example, which exists.  Past the bound, permerror.
 *
 * Explanation: a fail whose exp= TXT record is n bytes of text.
 */
static void
expand_spec(struct sb *s, size_t n)
{
	static const char tail[] = "ok.expand.example";
	size_t fill = n - (sizeof(tail) - 1), first = fill % 64;

	/* fill = first + 64 * m: a label of first - 1 bytes and its dot,
	 * then m labels of 63 bytes and their dots */
	if (first > 1) {
		sb_rep(s, 'f', first - 1);
		sb_str(s, ".");
	} else if (first == 1) {
		/* no room for a label and its dot: widen the next one */
		sb_rep(s, 'f', 64);
		sb_str(s, ".");
		fill -= 65;
	}
	for (; fill >= 64; fill -= 64) {
		sb_rep(s, 'a', 63);
		sb_str(s, ".");
	}
	sb_str(s, tail);
}

static void
test_limits__spf_expand_bytes(void)
{
	size_t i, k;
	char row[64], cut[300];

	/* what exists: the last three 63-byte labels, then the tail */
	cut[0] = '\0';
	for (k = 0; k < 3; k++) {
		memset(cut + 64 * k, 'a', 63);
		cut[64 * k + 63] = '.';
	}
	snprintf(cut + 192, sizeof(cut) - 192, "ok.expand.example");
	for (i = 0; i < 3; i++) {
		struct sb spec = { 0 }, rec = { 0 }, exp = { 0 };
		size_t n = BK_LIMIT_SPF_EXPAND_BYTES + positions[i].delta;
		int over = n > BK_LIMIT_SPF_EXPAND_BYTES;
		bk_resolver *r;
		bk_spf *s = NULL;
		const char *e;

		fz_clear(&zone);
		fz_add_addr(&zone, cut, "127.0.0.2");
		expand_spec(&spec, n);
		BKT_EQ_INT("expand spec", spec.len, n);
		sb_str(&rec, "v=spf1 exists:");
		sb_put(&rec, spec.p, spec.len);
		sb_str(&rec, " -all");
		zone_txt("expand.example", rec.p);
		snprintf(row, sizeof(row), "spf expand bytes %s",
		    positions[i].name);
		spf_row(row, "192.0.2.1", "a@expand.example", over ?
		    BK_SPF_PERMERROR : BK_SPF_PASS, over ? "cannot expand" :
		    NULL);
		/* the explanation */
		fz_clear(&zone);
		zone_txt("expand.example",
		    "v=spf1 -all exp=exp.expand.example");
		sb_rep(&exp, 'e', n);
		zone_txt("exp.expand.example", exp.p);
		snprintf(row, sizeof(row), "spf expand bytes exp %s",
		    positions[i].name);
		r = zone_resolver();
		if (r == NULL || bk_spf_new(&s, r, NULL, "192.0.2.1",
		    "a@expand.example", "helo.example", NULL) != 0) {
			BKT_FAIL("[%s] bk_spf_new", row);
		} else {
			BKT_EQ_INT(row, bk_spf_check(s), 0);
			BKT_EQ_INT(row, bk_spf_verdict(s), BK_SPF_FAIL);
			e = bk_spf_explanation(s);
			/* kept whole up to the bound, cut there past it */
			BKT_EQ_INT(row, e ? strlen(e) : 0, over ?
			    BK_LIMIT_SPF_EXPAND_BYTES : n);
		}
		bk_spf_free(s);
		bk_resolver_free(r);
		free(spec.p);
		free(rec.p);
		free(exp.p);
	}
	fz_clear(&zone);
}

/*
 * BK_LIMIT_SPF_TREE_NODES (check domain): SPF records fetched for one
 * include tree.  A chain t0 -> t1 -> ... of n records: the tree holds at
 * most the bound, only those are fetched; every include term is still
 * counted.  limits.h: reaching a limit flags what was left out.
 */
static void
test_limits__spf_tree_nodes(void)
{
	size_t i, k;
	char row[64], name[64], rec[128];

	for (i = 0; i < 3; i++) {
		size_t n = BK_LIMIT_SPF_TREE_NODES + positions[i].delta;
		size_t kept = n > BK_LIMIT_SPF_TREE_NODES ?
		    BK_LIMIT_SPF_TREE_NODES : n, flagged = 0;
		int over = n > BK_LIMIT_SPF_TREE_NODES;
		bk_resolver *r;
		bk_domaincheck *c = NULL;

		fz_clear(&zone);
		for (k = 0; k < n; k++) {
			snprintf(name, sizeof(name), "t%zu.tree.example", k);
			if (k + 1 < n)
				snprintf(rec, sizeof(rec), "v=spf1 "
				    "include:t%zu.tree.example -all", k + 1);
			else
				snprintf(rec, sizeof(rec),
				    "v=spf1 ip4:192.0.2.1 -all");
			zone_txt(name, rec);
		}
		snprintf(row, sizeof(row), "spf tree nodes %s",
		    positions[i].name);
		r = zone_resolver();
		if (r == NULL)
			return;
		tree_fetches = 0;
		BKT_EQ_INT(row, bk_domaincheck_new(&c, r, "t0.tree.example"),
		    0);
		BKT_EQ_INT(row, bk_domaincheck_start(c), 0);
		BKT_EQ_INT(row, bk_resolver_run(r), 0);
		BKT_EQ_INT(row, bk_domaincheck_spf_count(c), kept);
		BKT_EQ_INT(row, tree_fetches, kept);
		BKT_EQ_INT(row, bk_domaincheck_spf_terms(c), n - 1);
		for (k = 0; k < bk_domaincheck_spf_count(c); k++) {
			const bk_spf_node *t = bk_domaincheck_spf_node(c, k);

			snprintf(name, sizeof(name), "t%zu.tree.example", k);
			if (t == NULL || strcmp(t->domain, name) != 0 ||
			    t->depth != k || t->dns != BK_DNS_OK ||
			    t->record == NULL) {
				BKT_FAIL("[%s] node %zu", row, k);
				break;
			}
			if (t->error != NULL)
				flagged++;
		}
		/* past the bound the node whose include was not fetched
		 * says so */
		BKT_EQ_INT(row, flagged, over ? 1 : 0);
		bk_domaincheck_free(c);
		bk_resolver_free(r);
	}
	fz_clear(&zone);
}

/*
 * DKIM (lib/check/check_dkim.c).  Messages are signed relaxed/relaxed
 * over "from:subject" (and any extra h= names), d=example.org s=sel, by
 * an Ed25519 key or by an RSA public key with e = 1: its signature is
 * the padded digest itself (RFC 8017 9.2), so an RSA key of any size
 * "signs" without generating primes (an 8192-bit key takes seconds to
 * minutes to generate).
 */
static EVP_PKEY *dkim_ed;

static void
b64_enc(struct sb *s, const unsigned char *p, size_t n)
{
	char *o = malloc(4 * ((n + 2) / 3) + 1);

	if (o == NULL)
		abort();
	EVP_EncodeBlock((unsigned char *)o, p, (int)n);
	sb_str(s, o);
	free(o);
}

/*
 * rsa_e1 - an RSA public key of exactly @bits bits (n = 2^(bits-1) + 1)
 * with e = 1
 */
static EVP_PKEY *
rsa_e1(unsigned bits)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *n = BN_new(), *e = BN_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY *k = NULL;

	if (bld != NULL && ctx != NULL && n != NULL && e != NULL &&
	    BN_set_bit(n, (int)bits - 1) && BN_set_bit(n, 0) &&
	    BN_set_word(e, 1) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1)
		(void)EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	if (k == NULL)
		BKT_FAIL("RSA key of %u bits", bits);
	return k;
}

/* key_record - "v=DKIM1; k=...; p=..." for @k */
static void
key_record(struct sb *s, EVP_PKEY *k)
{
	unsigned char raw[32], *der = NULL;
	size_t rl = sizeof(raw);
	int l;

	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519) {
		sb_str(s, "v=DKIM1; k=ed25519; p=");
		EVP_PKEY_get_raw_public_key(k, raw, &rl);
		b64_enc(s, raw, rl);
		return;
	}
	sb_str(s, "v=DKIM1; k=rsa; p=");
	l = i2d_PUBKEY(k, &der);
	if (l > 0)
		b64_enc(s, der, (size_t)l);
	OPENSSL_free(der);
}

/*
 * dkim_message - append to @m a message whose last DKIM-Signature (after
 * @pre, other fields) is by @k over h=from:subject@hextra
 */
static void
dkim_message(struct sb *m, EVP_PKEY *k, const char *pre, const char *hextra)
{
	static const unsigned char sha256_info[19] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
	};
	const char *body = "hi\r\n";
	int ed = EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519;
	struct sb val = { 0 }, in = { 0 };
	unsigned char h[32], sig[1100];
	size_t siglen = sizeof(sig);
	unsigned hl;

	EVP_Digest(body, strlen(body), h, &hl, EVP_sha256(), NULL);
	sb_str(&val, ed ? "v=1; a=ed25519-sha256;" : "v=1; a=rsa-sha256;");
	sb_str(&val, " c=relaxed/relaxed; d=example.org; s=sel; "
	    "h=from:subject");
	sb_str(&val, hextra);
	sb_str(&val, "; bh=");
	b64_enc(&val, h, 32);
	sb_str(&val, "; b=");
	sb_str(&in, "from:a@example.org\r\nsubject:test\r\ndkim-signature:");
	sb_put(&in, val.p, val.len);
	EVP_Digest(in.p, in.len, h, &hl, EVP_sha256(), NULL);
	if (ed) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();

		EVP_DigestSignInit(ctx, NULL, NULL, NULL, k);
		EVP_DigestSign(ctx, sig, &siglen, h, 32);
		EVP_MD_CTX_free(ctx);
	} else {
		/* EMSA-PKCS1-v1_5: 00 01 FF.. 00 DigestInfo hash */
		siglen = (size_t)EVP_PKEY_get_size(k);
		memset(sig, 0xff, siglen);
		sig[0] = 0;
		sig[1] = 1;
		sig[siglen - 52] = 0;
		memcpy(sig + siglen - 51, sha256_info, 19);
		memcpy(sig + siglen - 32, h, 32);
	}
	sb_str(m, pre);
	sb_str(m, "DKIM-Signature: ");
	sb_put(m, val.p, val.len);
	b64_enc(m, sig, siglen);
	sb_str(m, "\r\nFrom: a@example.org\r\nSubject: test\r\n\r\n");
	sb_str(m, body);
	free(val.p);
	free(in.p);
}

/*
 * dkim_verify - verify @m against the key record @rec: the verdict, the
 * last signature and the number examined
 */
static size_t dkim_skipped;  /* bk_dkim_skipped() of the last verify */

static bk_dkim_result
dkim_verify(const char *row, const struct sb *m, const struct sb *rec,
    char *detail, size_t cap, unsigned *bits, size_t *count)
{
	bk_resolver *r;
	bk_dkim *d = NULL;
	const bk_dkim_sig *s;
	bk_dkim_result v = BK_DKIM_NONE;

	fz_clear(&zone);
	fz_add_txt(&zone, "sel._domainkey.example.org", rec->p, rec->len);
	detail[0] = '\0';
	*bits = 0;
	*count = 0;
	r = zone_resolver();
	if (r == NULL)
		return v;
	BKT_EQ_INT(row, bk_dkim_new(&d, r, NULL, m->p, m->len), 0);
	BKT_EQ_INT(row, bk_dkim_check(d), 0);
	v = bk_dkim_verdict(d);
	*count = bk_dkim_count(d);
	dkim_skipped = bk_dkim_skipped(d);
	s = *count > 0 ? bk_dkim_signature(d, *count - 1) : NULL;
	if (s != NULL) {
		snprintf(detail, cap, "%s", s->detail ? s->detail : "");
		*bits = s->key.bits;
	}
	bk_dkim_free(d);
	bk_resolver_free(r);
	fz_clear(&zone);
	return v;
}

/* selector_key - the key record @rec as bk_domaincheck reads it */
static void
selector_key(const char *row, const struct sb *rec, unsigned bits,
    int want_usable, const char *problem_has)
{
	bk_resolver *r;
	bk_domaincheck *c = NULL;
	const bk_dkim_key *k;

	fz_clear(&zone);
	fz_add_txt(&zone, "sel._domainkey.example.org", rec->p, rec->len);
	r = zone_resolver();
	if (r == NULL)
		return;
	BKT_EQ_INT(row, bk_domaincheck_new(&c, r, "example.org"), 0);
	BKT_EQ_INT(row, bk_domaincheck_add_selector(c, "sel"), 0);
	BKT_EQ_INT(row, bk_domaincheck_start(c), 0);
	BKT_EQ_INT(row, bk_resolver_run(r), 0);
	k = bk_domaincheck_dkim_key(c, 0);
	BKT_CHECK(k != NULL);
	if (k != NULL) {
		BKT_EQ_INT(row, k->dns, BK_DNS_OK);
		BKT_EQ_INT(row, k->bits, bits);
		BKT_EQ_INT(row, k->usable, want_usable);
		if (problem_has != NULL && (k->problem == NULL ||
		    strstr(k->problem, problem_has) == NULL))
			BKT_FAIL("[%s] problem \"%s\" lacks \"%s\"", row,
			    k->problem ? k->problem : "NULL", problem_has);
	}
	bk_domaincheck_free(c);
	bk_resolver_free(r);
	fz_clear(&zone);
}

/*
 * BK_LIMIT_DKIM_RSA_MAX_BITS and _MIN_BITS: RSA keys of the bound - 1,
 * the bound and the bound + 1 bits, in a verification (a key past the
 * maximum or under the minimum is a permerror, the others verify) and
 * in `check domain` (usable or not, and why).
 */
static void
test_limits__dkim_rsa_bits(void)
{
	static const struct {
		const char *name;
		unsigned bound;
		int is_max;
		const char *dkim_why, *key_why;
	} b[] = {
		{ "max", BK_LIMIT_DKIM_RSA_MAX_BITS, 1, "over the 8192-bit "
		    "limit", "over the 8192-bit limit" },
		{ "min", BK_LIMIT_DKIM_RSA_MIN_BITS, 0, "too short",
		    "under the 1024-bit minimum" },
	};
	size_t j, i, count;
	char row[64], detail[200];

	for (j = 0; j < 2; j++) {
		for (i = 0; i < 3; i++) {
			unsigned bits = b[j].bound + positions[i].delta, got;
			int bad = b[j].is_max ? bits > b[j].bound :
			    bits < b[j].bound;
			EVP_PKEY *k = rsa_e1(bits);
			struct sb m = { 0 }, rec = { 0 };
			bk_dkim_result v;

			if (k == NULL)
				continue;
			key_record(&rec, k);
			dkim_message(&m, k, "", "");
			snprintf(row, sizeof(row), "dkim rsa %s bits %s",
			    b[j].name, positions[i].name);
			v = dkim_verify(row, &m, &rec, detail, sizeof(detail),
			    &got, &count);
			if (v != (bad ? BK_DKIM_PERMERROR : BK_DKIM_PASS))
				BKT_FAIL("[%s] got %s (%s)", row,
				    bk_dkim_result_name(v), detail);
			if (bad && strstr(detail, b[j].dkim_why) == NULL)
				BKT_FAIL("[%s] detail \"%s\" lacks \"%s\"",
				    row, detail, b[j].dkim_why);
			BKT_EQ_INT(row, got, bits);
			snprintf(row, sizeof(row), "dkim rsa %s bits key %s",
			    b[j].name, positions[i].name);
			selector_key(row, &rec, bits, !bad, bad ?
			    b[j].key_why : NULL);
			EVP_PKEY_free(k);
			free(m.p);
			free(rec.p);
		}
	}
}

/*
 * BK_LIMIT_DKIM_SIGNATURES: signatures verified per message, the rest
 * not checked.  n - 1 signatures whose key does not exist, then a good
 * one: it decides while it is within the bound.  Also the results
 * bk_dmarc_add_dkim() takes (BK_ETOOBIG past the bound).
 */
static void
test_limits__dkim_signatures(void)
{
	size_t i, k, count;
	char row[64], line[160], detail[200];
	unsigned bits;

	if (dkim_ed == NULL)
		dkim_ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	for (i = 0; i < 3; i++) {
		struct sb m = { 0 }, pre = { 0 }, rec = { 0 };
		size_t n = BK_LIMIT_DKIM_SIGNATURES + positions[i].delta;
		size_t kept = n > BK_LIMIT_DKIM_SIGNATURES ?
		    BK_LIMIT_DKIM_SIGNATURES : n;
		int over = n > BK_LIMIT_DKIM_SIGNATURES, rc = 0;
		bk_dkim_result v;
		bk_resolver *r;
		bk_dmarc *dm = NULL;

		for (k = 0; k + 1 < n; k++) {
			snprintf(line, sizeof(line), "DKIM-Signature: v=1; "
			    "a=rsa-sha256; d=x%zu.example; s=s; h=from; "
			    "bh=AAAA; b=AAAA\r\n", k);
			sb_str(&pre, line);
		}
		key_record(&rec, dkim_ed);
		dkim_message(&m, dkim_ed, pre.p, "");
		snprintf(row, sizeof(row), "dkim signatures %s",
		    positions[i].name);
		v = dkim_verify(row, &m, &rec, detail, sizeof(detail), &bits,
		    &count);
		if (v != (over ? BK_DKIM_PERMERROR : BK_DKIM_PASS))
			BKT_FAIL("[%s] got %s (%s)", row,
			    bk_dkim_result_name(v), detail);
		/* the ones past the bound are not checked, and counted
		 * as such (bk_dkim_skipped) */
		BKT_EQ_INT(row, count, over ? kept : n);
		BKT_EQ_INT(row, dkim_skipped, over ? n - kept : 0);
		free(m.p);
		free(pre.p);
		free(rec.p);
		/* the DKIM results one DMARC evaluation takes */
		snprintf(row, sizeof(row), "dmarc dkim results %s",
		    positions[i].name);
		r = zone_resolver();
		if (r == NULL)
			return;
		BKT_EQ_INT(row, bk_dmarc_new(&dm, r, "example.org"), 0);
		for (k = 0; k < n; k++) {
			snprintf(line, sizeof(line), "x%zu.example", k);
			rc = bk_dmarc_add_dkim(dm, line, BK_DKIM_FAIL);
			if (k + 1 < n && rc != 0)
				break;
		}
		BKT_EQ_INT(row, k, n);
		BKT_EQ_INT(row, rc, over ? BK_ETOOBIG : 0);
		bk_dmarc_free(dm);
		bk_resolver_free(r);
	}
}

/*
 * BK_LIMIT_DKIM_SIGNED_HEADERS: names in one h= tag (from, subject, and
 * absent x fields); past the bound the signature is a permerror.
 */
static void
test_limits__dkim_signed_headers(void)
{
	size_t i, k, count;
	char row[64], detail[200];
	unsigned bits;

	if (dkim_ed == NULL)
		dkim_ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	for (i = 0; i < 3; i++) {
		struct sb m = { 0 }, h = { 0 }, rec = { 0 };
		size_t n = BK_LIMIT_DKIM_SIGNED_HEADERS + positions[i].delta;
		int over = n > BK_LIMIT_DKIM_SIGNED_HEADERS;
		bk_dkim_result v;

		sb_str(&h, "");
		for (k = 2; k < n; k++)
			sb_str(&h, ":x");
		key_record(&rec, dkim_ed);
		dkim_message(&m, dkim_ed, "", h.p);
		snprintf(row, sizeof(row), "dkim signed headers %s",
		    positions[i].name);
		v = dkim_verify(row, &m, &rec, detail, sizeof(detail), &bits,
		    &count);
		if (v != (over ? BK_DKIM_PERMERROR : BK_DKIM_PASS))
			BKT_FAIL("[%s] got %s (%s)", row,
			    bk_dkim_result_name(v), detail);
		if (over && strstr(detail, "limit") == NULL)
			BKT_FAIL("[%s] detail \"%s\"", row, detail);
		free(m.p);
		free(h.p);
		free(rec.p);
	}
}

/* BK_LIMIT_DKIM_SELECTORS: selectors one `check domain` fetches */
static void
test_limits__dkim_selectors(void)
{
	size_t i, k;
	char row[64], sel[32];

	for (i = 0; i < 3; i++) {
		size_t n = BK_LIMIT_DKIM_SELECTORS + positions[i].delta;
		int over = n > BK_LIMIT_DKIM_SELECTORS, rc = 0;
		bk_resolver *r = zone_resolver();
		bk_domaincheck *c = NULL;

		if (r == NULL)
			return;
		snprintf(row, sizeof(row), "dkim selectors %s",
		    positions[i].name);
		BKT_EQ_INT(row, bk_domaincheck_new(&c, r, "example.org"), 0);
		for (k = 0; k < n; k++) {
			snprintf(sel, sizeof(sel), "s%zu", k);
			rc = bk_domaincheck_add_selector(c, sel);
			if (k + 1 < n && rc != 0)
				break;
		}
		BKT_EQ_INT(row, k, n);
		BKT_EQ_INT(row, rc, over ? BK_ETOOBIG : 0);
		BKT_EQ_INT(row, bk_domaincheck_dkim_count(c), over ?
		    BK_LIMIT_DKIM_SELECTORS : n);
		bk_domaincheck_free(c);
		bk_resolver_free(r);
	}
}

BK_TEST_MAIN(
	BKT(test_limits__message_bytes),
	BKT(test_limits__header_count),
	BKT(test_limits__header_bytes),
	BKT(test_limits__mime_parts),
	BKT(test_limits__mime_depth),
	BKT(test_limits__boundary_bytes),
	BKT(test_limits__decoded_bytes),
	BKT(test_limits__recipients),
	BKT(test_limits__diagnostic_bytes),
	BKT(test_limits__source_split),
	BKT(test_limits__dnsbl),
	BKT(test_limits__dns_rrs),
	BKT(test_limits__rules_file_bytes),
	BKT(test_limits__rules_line_bytes),
	BKT(test_limits__rules_count),
	BKT(test_limits__rule_patterns),
	BKT(test_limits__rule_values),
	BKT(test_limits__rule_samples),
	BKT(test_limits__store_address_bytes),
	BKT(test_limits__store_note_bytes),
	BKT(test_limits__line_bytes),
	BKT(test_limits__rule_hits),
	BKT(test_limits__dns_queries),
	BKT(test_limits__spf_dns_terms),
	BKT(test_limits__spf_void_lookups),
	BKT(test_limits__spf_mx_names),
	BKT(test_limits__spf_ptr_names),
	BKT(test_limits__spf_expand_bytes),
	BKT(test_limits__spf_tree_nodes),
	BKT(test_limits__dkim_rsa_bits),
	BKT(test_limits__dkim_signatures),
	BKT(test_limits__dkim_signed_headers),
	BKT(test_limits__dkim_selectors))
