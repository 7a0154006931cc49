/*
 * test_limits.c - every limits.h bound of lib/message, lib/source and the
 * recipient bounds of a report, just under, at and over the bound
 * (STYLE.md section 6).  Each row states what must be kept and which
 * diagnostic (severity band and text) must, or must not, be recorded.
 *
 * Rows build their input at run time; the largest (decoded bytes, 4 MB
 * of base64) stays well under a second.
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "bktest.h"
#include "bouncekit/bouncekit.h"
#include "message/message_int.h"

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

BK_TEST_MAIN(
	BKT(test_limits__message_bytes),
	BKT(test_limits__header_count),
	BKT(test_limits__header_bytes),
	BKT(test_limits__mime_parts),
	BKT(test_limits__mime_depth),
	BKT(test_limits__boundary_bytes),
	BKT(test_limits__decoded_bytes),
	BKT(test_limits__recipients),
	BKT(test_limits__source_split))
