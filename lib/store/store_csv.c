/*
 * store_csv.c - suppression lists as CSV (RFC 4180): export and import.
 *
 * Import reads the whole document and checks every line before anything
 * is written, so a bad line anywhere means nothing changes.  Fields may
 * be quoted ("a,b", "say ""hi"""); lines end in LF or CRLF; a UTF-8 byte
 * order mark is skipped; every field must be valid UTF-8 without control
 * characters.  Columns are named by the header line, in any order.
 */
#define _GNU_SOURCE 1  /* strptime, timegm */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"

/* Fields kept per line; more is an error, not a truncation. */
#define CSV_MAX_FIELDS 16
/* Bytes per field: an address or a reason fits with room to spare. */
#define CSV_FIELD_MAX 1024

enum col { C_ADDRESS, C_CAUSE, C_REASON, C_FIRST, C_LAST, C_EXPIRES,
	C_COUNT_ };

static const char *const col_names[C_COUNT_] = {
	"address", "cause", "reason", "first_bounce", "last_bounce",
	"expires_at",
};

/* bk__store_time_format - see store_int.h */
void
bk__store_time_format(char *dst, size_t cap, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		dst[0] = '\0';
		return;
	}
	strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* csv_put - one field, quoted when it needs to be */
static void
csv_put(FILE *fp, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n") != NULL) {
		fputc('"', fp);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', fp);
			fputc(*s, fp);
		}
		fputc('"', fp);
	} else {
		fputs(s, fp);
	}
	fputc(last ? '\n' : ',', fp);
}

static int
export_row(void *ctx, const bk_store_entry *e)
{
	FILE *fp = ctx;
	char t[40];

	csv_put(fp, e->address, 0);
	csv_put(fp, e->cause, 0);
	csv_put(fp, e->reason, 0);
	bk__store_time_format(t, sizeof(t), e->first_bounce);
	csv_put(fp, t, 0);
	bk__store_time_format(t, sizeof(t), e->last_bounce);
	csv_put(fp, t, 0);
	bk__store_time_format(t, sizeof(t), e->expires_at);
	csv_put(fp, t, 1);
	return ferror(fp) ? BK_EIO : 0;
}

/* bk_store_export - see store.h */
int
bk_store_export(bk_store *st, FILE *fp)
{
	int rc;

	fputs("address,cause,reason,first_bounce,last_bounce,expires_at\n",
	    fp);
	rc = bk_store_list(st, export_row, fp);
	if (rc == 0 && (fflush(fp) != 0 || ferror(fp)))
		rc = BK_EIO;
	return rc;
}

/* lerr - an allocated "line N: ..." message */
static int
lerr(char **errmsg_out, int rc, unsigned long line, const char *fmt, ...)
{
	char buf[600];
	int n;
	va_list ap;

	if (errmsg_out == NULL)
		return rc;
	n = snprintf(buf, sizeof(buf), "line %lu: ", line);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	*errmsg_out = strdup(buf);
	return rc;
}

/* utf8_ok - valid UTF-8 without control characters (tab allowed) */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k, more;
		unsigned cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= more)
			return 0;
		for (k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* overlong, surrogate, beyond U+10FFFF */
		if ((more == 2 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (more == 3 && (cp < 0x10000 ||
		    cp > 0x10ffff)))
			return 0;
		i += more + 1;
	}
	return 1;
}

/*
 * read_line - split one CSV record starting at *pos into fields.
 * Fields are copied into @buf (NUL-terminated, CSV_FIELD_MAX each).
 * Returns the number of fields, or a negative code with the message.
 * *line counts physical lines (a quoted field may span several).
 */
static int
read_line(const char *d, size_t len, size_t *pos, unsigned long *line,
    char buf[CSV_MAX_FIELDS][CSV_FIELD_MAX], char **errmsg_out)
{
	size_t p = *pos, fl = 0;
	int nf = 0, quoted = 0, started = 0;
	unsigned long first = *line;

	/* loop invariant: p < len or the record ends; each pass eats a byte */
	for (;;) {
		int end = p >= len;
		char ch = end ? '\n' : d[p];

		if (!end && ch == '\0')
			return lerr(errmsg_out, BK_ESYNTAX, *line,
			    "NUL byte (not a text file?)");
		if (quoted) {
			if (end)
				return lerr(errmsg_out, BK_ESYNTAX, first,
				    "quoted field never closed");
			if (ch == '"') {
				if (p + 1 < len && d[p + 1] == '"') {
					p++;
				} else {
					quoted = 0;
					p++;
					continue;
				}
			} else if (ch == '\n') {
				(*line)++;
			}
		} else if (ch == '"' && fl == 0 && !started) {
			quoted = 1;
			started = 1;
			p++;
			continue;
		} else if (ch == ',' || ch == '\n' || (ch == '\r' &&
		    p + 1 < len && d[p + 1] == '\n')) {
			if (nf >= CSV_MAX_FIELDS)
				return lerr(errmsg_out, BK_ESYNTAX, first,
				    "more than %d fields", CSV_MAX_FIELDS);
			buf[nf][fl] = '\0';
			if (!utf8_ok((const unsigned char *)buf[nf], fl))
				return lerr(errmsg_out, BK_ESYNTAX, first,
				    "field %d is not valid UTF-8 text",
				    nf + 1);
			nf++;
			fl = 0;
			started = 0;
			if (ch == '\r')
				p++;
			if (ch != ',') {
				p++;
				(*line)++;
				break;
			}
			p++;
			continue;
		} else if (started) {
			return lerr(errmsg_out, BK_ESYNTAX, first,
			    "text after a closing quote in field %d", nf + 1);
		}
		if (fl + 1 >= CSV_FIELD_MAX)
			return lerr(errmsg_out, BK_ESYNTAX, first,
			    "field %d longer than %d bytes", nf + 1,
			    CSV_FIELD_MAX - 1);
		if (nf >= CSV_MAX_FIELDS)
			return lerr(errmsg_out, BK_ESYNTAX, first,
			    "more than %d fields", CSV_MAX_FIELDS);
		buf[nf][fl++] = ch;
		p++;
	}
	*pos = p;
	return nf;
}

/* parse_time - "" (never), Unix seconds, or RFC 3339 UTC/offset */
static int
parse_time(int64_t *out, const char *s)
{
	struct tm tm;
	const char *end;
	long long v = 0;

	*out = 0;
	if (*s == '\0')
		return 0;
	if (strspn(s, "0123456789") == strlen(s)) {
		if (strlen(s) > 12)
			return -1;
		for (; *s; s++)
			v = v * 10 + (*s - '0');
		*out = v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (end == NULL) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		if (end == NULL || *end != '\0')
			return -1;
	} else if (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0 &&
	    *end != '\0') {
		return -1;
	}
	*out = (int64_t)timegm(&tm);
	return 0;
}

/* parse_all - the header, then every line, into a checked array */
static int
parse_all(bk__store_import_row **rows_out, size_t *n_out,
    char buf[CSV_MAX_FIELDS][CSV_FIELD_MAX], const char *data, size_t len,
    char **errmsg_out)
{
	int map[CSV_MAX_FIELDS];
	int have[C_COUNT_];
	bk__store_import_row *rows = NULL;
	size_t n = 0, cap = 0, pos = 0;
	unsigned long line = 1;
	int nf, ncols, i, rc;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	if (pos >= len)
		return lerr(errmsg_out, BK_ESYNTAX, 1,
		    "empty file: expected a header line such as "
		    "\"address,reason\"");
	ncols = read_line(data, len, &pos, &line, buf, errmsg_out);
	if (ncols < 0)
		return ncols;
	memset(have, 0, sizeof(have));
	for (i = 0; i < ncols; i++) {
		int k;

		for (k = 0; k < C_COUNT_; k++)
			if (strcasecmp(buf[i], col_names[k]) == 0)
				break;
		if (k == C_COUNT_)
			return lerr(errmsg_out, BK_ESYNTAX, 1,
			    "unknown column \"%s\" (known: address, reason, "
			    "cause, expires_at, first_bounce, last_bounce)",
			    buf[i]);
		if (have[k])
			return lerr(errmsg_out, BK_ESYNTAX, 1,
			    "column \"%s\" given twice", buf[i]);
		have[k] = 1;
		map[i] = k;
	}
	if (!have[C_ADDRESS])
		return lerr(errmsg_out, BK_ESYNTAX, 1,
		    "no \"address\" column in the header");
	/* loop: each pass consumes one record; pos only grows */
	while (pos < len) {
		unsigned long here = line;
		bk__store_import_row *r;

		nf = read_line(data, len, &pos, &line, buf, errmsg_out);
		if (nf < 0) {
			rc = nf;
			goto bad;
		}
		if (nf == 1 && buf[0][0] == '\0')
			continue;      /* blank line */
		if (nf != ncols) {
			rc = lerr(errmsg_out, BK_ESYNTAX, here,
			    "%d fields, the header has %d", nf, ncols);
			goto bad;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p;

			if (ncap > SIZE_MAX / sizeof(*rows)) {
				rc = BK_ENOMEM;
				goto bad;
			}
			p = realloc(rows, ncap * sizeof(*rows));
			if (p == NULL) {
				rc = BK_ENOMEM;
				goto bad;
			}
			rows = p;
			cap = ncap;
		}
		r = &rows[n];
		memset(r, 0, sizeof(*r));
		snprintf(r->cause, sizeof(r->cause), "import");
		snprintf(r->reason, sizeof(r->reason), "imported");
		for (i = 0; i < nf; i++) {
			const char *f = buf[i];

			switch (map[i]) {
			case C_ADDRESS:
				if (bk_store_normalize(r->address, f,
				    strlen(f)) != 0) {
					rc = lerr(errmsg_out, BK_EINVAL, here,
					    "malformed address \"%s\"", f);
					goto bad;
				}
				break;
			case C_CAUSE:
				if (*f == '\0')
					break;
				if (strcmp(f, "hard") != 0 &&
				    strcmp(f, "soft") != 0 &&
				    strcmp(f, "complaint") != 0 &&
				    strcmp(f, "manual") != 0 &&
				    strcmp(f, "import") != 0) {
					rc = lerr(errmsg_out, BK_EINVAL, here,
					    "cause \"%s\" is not hard, soft, "
					    "complaint, manual or import", f);
					goto bad;
				}
				snprintf(r->cause, sizeof(r->cause), "%s", f);
				break;
			case C_REASON:
				if (strlen(f) > BK_STORE_NOTE_MAX) {
					rc = lerr(errmsg_out, BK_EINVAL, here,
					    "reason longer than %d bytes",
					    BK_STORE_NOTE_MAX);
					goto bad;
				}
				if (*f != '\0')
					snprintf(r->reason, sizeof(r->reason),
					    "%s", f);
				break;
			case C_EXPIRES:
				if (parse_time(&r->expires_at, f) != 0) {
					rc = lerr(errmsg_out, BK_EINVAL, here,
					    "expires_at \"%s\" is not a time "
					    "(2027-01-31T00:00:00Z or Unix "
					    "seconds)", f);
					goto bad;
				}
				break;
			default:
				break;     /* informational columns */
			}
		}
		n++;
	}
	*rows_out = rows;
	*n_out = n;
	return 0;
bad:
	free(rows);
	return rc;
}

/* bk__store_csv_parse - see store_int.h */
int
bk__store_csv_parse(bk__store_import_row **rows_out, size_t *n_out,
    const char *data, size_t len, char **errmsg_out)
{
	char (*buf)[CSV_FIELD_MAX];
	bk__store_import_row *rows = NULL;
	size_t n = 0;
	int rc;

	*rows_out = NULL;
	*n_out = 0;
	if (errmsg_out != NULL)
		*errmsg_out = NULL;
	buf = malloc(CSV_MAX_FIELDS * sizeof(*buf));
	if (buf == NULL)
		return BK_ENOMEM;
	rc = parse_all(&rows, &n, buf, data, len, errmsg_out);
	free(buf);
	if (rc != 0)
		return rc;
	*rows_out = rows;
	*n_out = n;
	return 0;
}
