/*
 * format.c - JSON Lines, CSV (RFC 4180) and text output of records.
 *
 * JSON: keys in a fixed order, null for unknown, strings valid UTF-8
 * (RFC 8259): invalid sequences become U+FFFD, control characters and
 * DEL are escaped.  Text output escapes non-printable bytes as \xNN.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bouncekit/errors.h"
#include "bouncekit/format.h"
#include "format/format_int.h"
#include "util/util_int.h"

/* utf8_len - length of a valid UTF-8 sequence at @p, 0 if invalid */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n, k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	for (k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	}
	if (c == 0xe0 && p[1] < 0xa0)
		return 0;
	if (c == 0xed && p[1] >= 0xa0)
		return 0;   /* surrogates */
	if (c == 0xf0 && p[1] < 0x90)
		return 0;
	if (c == 0xf4 && p[1] >= 0x90)
		return 0;
	return n;
}

/* bk__fbuf_init - see format_int.h */
void
bk__fbuf_init(bk__fbuf *b, char *stack, size_t cap)
{
	b->p = stack;
	b->cap = stack != NULL ? cap : 0;
	b->len = 0;
	b->owned = 0;
	b->oom = 0;
}

/* bk__fbuf_free - see format_int.h */
void
bk__fbuf_free(bk__fbuf *b)
{
	if (b->owned)
		free(b->p);
	bk__fbuf_init(b, NULL, 0);
}

/* room - make room for @n more bytes and a NUL; 0 or -1 (oom set) */
static int
room(bk__fbuf *b, size_t n)
{
	size_t want, ncap;
	char *np;

	if (b->oom)
		return -1;
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	ncap = b->cap ? 2 * b->cap : 1024;
	/* loop: doubles until it fits */
	while (ncap < want)
		ncap *= 2;
	if (b->owned) {
		np = realloc(b->p, ncap);
	} else {
		np = malloc(ncap);
		if (np != NULL && b->len > 0)
			memcpy(np, b->p, b->len);
	}
	if (np == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	b->owned = 1;
	return 0;
}

/* put - append @n bytes */
static void
put(bk__fbuf *b, const char *s, size_t n)
{
	if (room(b, n) != 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

/* put_int - a decimal integer, as printf's %d / PRId64 writes it */
static void
put_int(bk__fbuf *b, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	/* loop: one digit per pass, at most 20 */
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[--i] = '-';
	put(b, tmp + i, sizeof(tmp) - i);
}

/*
 * esc_table - for each byte: 0 copied as it is, 'U' the start of a UTF-8
 * sequence (checked), else the second character of its two-character
 * escape, or 'u' for \u00XX
 */
#define U8 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U'
static const char esc_table[256] = {
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'u', 't', 'n', 'u', 'u', 'r', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'u',
	U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8, U8,
};
#undef U8

/*
 * word_special - does any of the 8 bytes of @w need more than a copy
 * (< 0x20, '"', '\\', 0x7f, >= 0x80)?  The "has a zero byte" and "has a
 * byte less than n" bit tricks are exact as to whether any byte matches.
 */
static int
word_special(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
	uint64_t del = w ^ (ones * 0x7f);

	return ((w | ((w - ones * 0x20) & ~w) |
	    ((q - ones) & ~q) | ((bs - ones) & ~bs) |
	    ((del - ones) & ~del)) & high) != 0;
}

/*
 * json_str - a JSON string, or null for an absent slice.  Room for the
 * worst case (every byte \u00XX or \ufffd: 6 bytes) is made once; runs
 * of bytes that need no escape are copied with one memcpy.
 */
static void
json_str(bk__fbuf *b, bk_str s)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0, n;
	char *o;

	if (s.ptr == NULL) {
		PUTS(b, "null");
		return;
	}
	if (s.len > ((size_t)-1 - 64) / 6 || room(b, 6 * s.len + 2) != 0) {
		b->oom = 1;
		return;
	}
	o = b->p + b->len;
	*o++ = '"';
	while (i < s.len) {
		unsigned c = p[i];
		size_t run = i;

		/* a run of bytes that are copied as they are: 8 at a time */
		while (s.len - run >= 8) {
			uint64_t w;

			memcpy(&w, p + run, 8);
			if (word_special(w))
				break;
			run += 8;
		}
		while (run < s.len && esc_table[p[run]] == 0)
			run++;
		if (run > i) {
			memcpy(o, p + i, run - i);
			o += run - i;
			i = run;
			continue;
		}
		if (c >= 0x80) {
			n = utf8_len(p + i, s.len - i);
			if (n == 0) {
				memcpy(o, "\\ufffd", 6);
				o += 6;
				i++;
			} else {
				memcpy(o, p + i, n);
				o += n;
				i += n;
			}
			continue;
		}
		*o++ = '\\';
		if (esc_table[c] != 'u') {
			*o++ = esc_table[c];
		} else {
			static const char hex[] = "0123456789abcdef";

			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
		i++;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

static void
json_cstr(bk__fbuf *b, const char *s)
{
	json_str(b, bk__cstr(s));
}

/* rfc3339 - the timestamp in the zone it was written in */
static void
rfc3339(char *buf, size_t size, int64_t t, int tz)
{
	time_t local = (time_t)(t + (int64_t)tz * 60);
	struct tm tm;
	int a = tz < 0 ? -tz : tz;

	gmtime_r(&local, &tm);
	if (tz == 0)
		snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	else
		snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, tz < 0 ? '-' : '+', a / 60, a % 60);
}

/* empty_null - treat empty slices as absent */
static bk_str
nz(bk_str s)
{
	if (s.ptr != NULL && s.len == 0)
		return BK_STR_NULL;
	return s;
}

/* bk_format_header - see format.h */
int
bk_format_header(FILE *fp, bk_format fmt)
{
	if (fmt == BK_FORMAT_CSV)
		fputs("origin,kind,recipient,status,reply_code,reason,hard,"
		    "permanent,command,remote_mta,diagnostic,sender,"
		    "message_id,timestamp,rule\r\n", fp);
	return ferror(fp) ? BK_EIO : 0;
}

/* csv_field - RFC 4180 quoting; control bytes become spaces */
static void
csv_field(FILE *fp, bk_str s, int last)
{
	size_t i;

	if (s.ptr != NULL) {
		fputc('"', fp);
		for (i = 0; i < s.len; i++) {
			unsigned char c = (unsigned char)s.ptr[i];

			if (c == '"')
				fputs("\"\"", fp);
			else if (c < 0x20 || c == 0x7f)
				fputc(' ', fp);
			else
				fputc(c, fp);
		}
		fputc('"', fp);
	}
	fputs(last ? "\r\n" : ",", fp);
}

/* text_str - printable text, other bytes as \xNN (valid UTF-8 kept) */
static void
text_str(FILE *fp, bk_str s)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0, n;

	if (s.ptr == NULL) {
		fputs("-", fp);
		return;
	}
	while (i < s.len) {
		if (p[i] >= 0x80 && (n = utf8_len(p + i, s.len - i)) > 0 &&
		    !(n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			fwrite(p + i, 1, n, fp);
			i += n;
			continue;
		}
		if (p[i] < 0x20 || p[i] >= 0x7f)
			fprintf(fp, "\\x%02x", p[i]);
		else
			fputc(p[i], fp);
		i++;
	}
}

/* two - two decimal digits */
static char *
two(char *o, int v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

/* json_time - rfc3339() as a JSON string, without snprintf */
static void
json_time(bk__fbuf *b, int64_t t, int tz)
{
	time_t local = (time_t)(t + (int64_t)tz * 60);
	struct tm tm;
	int a = tz < 0 ? -tz : tz, year;
	char buf[96], *o = buf;

	if (gmtime_r(&local, &tm) == NULL) {
		rfc3339(buf, sizeof(buf), t, tz);
		json_cstr(b, buf);
		return;
	}
	year = tm.tm_year + 1900;
	if (year < 0 || year > 9999 || a / 60 > 99) {
		/* out of the fixed-width range: as printf writes it */
		rfc3339(buf, sizeof(buf), t, tz);
		json_cstr(b, buf);
		return;
	}
	*o++ = '"';
	o = two(o, year / 100);
	o = two(o, year % 100);
	*o++ = '-';
	o = two(o, tm.tm_mon + 1);
	*o++ = '-';
	o = two(o, tm.tm_mday);
	*o++ = 'T';
	o = two(o, tm.tm_hour);
	*o++ = ':';
	o = two(o, tm.tm_min);
	*o++ = ':';
	o = two(o, tm.tm_sec);
	if (tz == 0) {
		*o++ = 'Z';
	} else {
		*o++ = tz < 0 ? '-' : '+';
		o = two(o, a / 60);
		*o++ = ':';
		o = two(o, a % 60);
	}
	*o++ = '"';
	put(b, buf, (size_t)(o - buf));
}

/*
 * Members.  @key is the literal ",\"name\":" (every member but the first
 * starts with a comma).  With BK__JSON_OMIT_NULL a null value leaves the
 * whole member out.
 */
#define MEMBER_STR(b, fl, key, s) do {                                     \
	bk_str s_ = (s);                                                   \
	if (s_.ptr != NULL || !((fl) & BK__JSON_OMIT_NULL)) {              \
		PUTS((b), key);                                            \
		json_str((b), s_);                                         \
	}                                                                  \
} while (0)
#define MEMBER_CSTR(b, fl, key, s) MEMBER_STR(b, fl, key, bk__cstr(s))
#define MEMBER_INT(b, fl, key, present, v) do {                            \
	if (present) {                                                     \
		PUTS((b), key);                                            \
		put_int((b), (v));                                         \
	} else if (!((fl) & BK__JSON_OMIT_NULL)) {                         \
		PUTS((b), key "null");                                     \
	}                                                                  \
} while (0)

/* bk__format_json - see format_int.h */
int
bk__format_json(bk__fbuf *b, const bk_record *r, const char *origin,
    int fl)
{
	PUTS(b, "{\"format_version\":");
	put_int(b, BK_FORMAT_VERSION);
	MEMBER_CSTR(b, fl, ",\"origin\":", origin);
	MEMBER_CSTR(b, fl, ",\"kind\":", bk_kind_name(r->kind));
	MEMBER_CSTR(b, fl, ",\"decoder\":", r->decoder);
	MEMBER_STR(b, fl, ",\"recipient\":", nz(r->recipient));
	MEMBER_STR(b, fl, ",\"original_recipient\":",
	    nz(r->original_recipient));
	MEMBER_STR(b, fl, ",\"sender\":", nz(r->sender));
	MEMBER_STR(b, fl, ",\"action\":", nz(r->action));
	MEMBER_STR(b, fl, ",\"status\":", nz(r->status));
	MEMBER_INT(b, fl, ",\"reply_code\":", r->reply_code > 0,
	    r->reply_code);
	MEMBER_STR(b, fl, ",\"command\":", nz(r->command));
	MEMBER_STR(b, fl, ",\"diagnostic\":", nz(r->diagnostic));
	MEMBER_STR(b, fl, ",\"diagnostic_type\":", nz(r->diagnostic_type));
	MEMBER_STR(b, fl, ",\"remote_mta\":", nz(r->remote_mta));
	MEMBER_STR(b, fl, ",\"reporting_mta\":", nz(r->reporting_mta));
	if (r->has_timestamp) {
		PUTS(b, ",\"timestamp\":");
		json_time(b, r->timestamp, r->tz_offset);
	} else if (!(fl & BK__JSON_OMIT_NULL)) {
		PUTS(b, ",\"timestamp\":null");
	}
	MEMBER_INT(b, fl, ",\"timestamp_unix\":", r->has_timestamp,
	    r->timestamp);
	MEMBER_STR(b, fl, ",\"message_id\":", nz(r->message_id));
	MEMBER_STR(b, fl, ",\"subject\":", r->subject);
	MEMBER_STR(b, fl, ",\"list_id\":", nz(r->list_id));
	MEMBER_STR(b, fl, ",\"from\":", nz(r->from));
	MEMBER_STR(b, fl, ",\"feedback_type\":", nz(r->feedback_type));
	MEMBER_CSTR(b, fl, ",\"reason\":", bk_reason_name(r->reason));
	MEMBER_STR(b, fl, ",\"category\":", r->category);
	MEMBER_STR(b, fl, ",\"cause\":", r->cause);
	MEMBER_STR(b, fl, ",\"provider\":", r->provider);
	MEMBER_STR(b, fl, ",\"provider_code\":", r->provider_code);
	MEMBER_STR(b, fl, ",\"blocklist\":", r->blocklist);
	if (r->permanent > 0)
		PUTS(b, ",\"permanent\":true");
	else if (r->permanent == 0)
		PUTS(b, ",\"permanent\":false");
	else if (!(fl & BK__JSON_OMIT_NULL))
		PUTS(b, ",\"permanent\":null");
	if (r->hard)
		PUTS(b, ",\"hard\":true");
	else
		PUTS(b, ",\"hard\":false");
	MEMBER_CSTR(b, fl, ",\"responsible\":",
	    bk_responsible_name(r->responsible));
	MEMBER_CSTR(b, fl, ",\"retry\":", bk_retry_name(r->retry));
	MEMBER_INT(b, fl, ",\"retry_after\":", r->retry_after > 0,
	    r->retry_after);
	PUTS(b, ",\"confidence\":");
	put_int(b, r->confidence);
	MEMBER_STR(b, fl, ",\"rule\":", r->rule);
	MEMBER_STR(b, fl, ",\"evidence\":", r->evidence);
	MEMBER_STR(b, fl, ",\"error\":", r->error);
	PUTS(b, "}");
	if (b->oom)
		return BK_ENOMEM;
	b->p[b->len] = '\0';
	return 0;
}

/* bk_format_record - see format.h */
int
bk_format_record(FILE *fp, bk_format fmt, const bk_record *r,
    const char *origin)
{
	char ts[96] = "", code[16] = "";
	bk_str tss = BK_STR_NULL, codes = BK_STR_NULL;

	if (fmt != BK_FORMAT_CSV && fmt != BK_FORMAT_TEXT)
		goto json;
	if (r->has_timestamp) {
		rfc3339(ts, sizeof(ts), r->timestamp, r->tz_offset);
		tss = bk__cstr(ts);
	}
	if (r->reply_code > 0) {
		snprintf(code, sizeof(code), "%d", r->reply_code);
		codes = bk__cstr(code);
	}
	if (fmt == BK_FORMAT_CSV) {
		csv_field(fp, bk__cstr(origin), 0);
		csv_field(fp, bk__cstr(bk_kind_name(r->kind)), 0);
		csv_field(fp, r->recipient, 0);
		csv_field(fp, r->status, 0);
		csv_field(fp, codes, 0);
		csv_field(fp, bk__cstr(bk_reason_name(r->reason)), 0);
		csv_field(fp, bk__cstr(r->hard ? "true" : "false"), 0);
		csv_field(fp, bk__cstr(r->permanent < 0 ? NULL :
		    r->permanent ? "true" : "false"), 0);
		csv_field(fp, r->command, 0);
		csv_field(fp, r->remote_mta, 0);
		csv_field(fp, r->diagnostic, 0);
		csv_field(fp, r->sender, 0);
		csv_field(fp, r->message_id, 0);
		csv_field(fp, tss, 0);
		csv_field(fp, r->rule, 1);
		return ferror(fp) ? BK_EIO : 0;
	}
	if (fmt == BK_FORMAT_TEXT) {
		fputs(origin, fp);
		fputs(": ", fp);
		text_str(fp, r->recipient);
		fprintf(fp, "\n  kind %s, reason %s%s, status ",
		    bk_kind_name(r->kind), bk_reason_name(r->reason),
		    r->hard ? " (address is bad)" : "");
		text_str(fp, r->status);
		fprintf(fp, ", reply %s\n", code[0] ? code : "-");
		if (r->cause.ptr != NULL || r->category.ptr != NULL) {
			fputs("  cause ", fp);
			text_str(fp, r->cause);
			fputs(" (", fp);
			text_str(fp, r->category);
			fputs(")", fp);
			if (r->provider.ptr != NULL) {
				fputs(", provider ", fp);
				text_str(fp, r->provider);
				if (r->provider_code.ptr != NULL) {
					fputc(' ', fp);
					text_str(fp, r->provider_code);
				}
			}
			if (r->blocklist.ptr != NULL) {
				fputs(", blocklist ", fp);
				text_str(fp, r->blocklist);
			}
			fputc('\n', fp);
		}
		if (r->kind != BK_KIND_UNKNOWN)
			fprintf(fp, "  whose move: %s, retry: %s\n",
			    bk_responsible_name(r->responsible),
			    bk_retry_name(r->retry) ? bk_retry_name(r->retry) :
			    "-");
		if (r->diagnostic.ptr != NULL) {
			fputs("  said: ", fp);
			text_str(fp, r->diagnostic);
			fputc('\n', fp);
		}
		if (r->error.ptr != NULL) {
			fputs("  error: ", fp);
			text_str(fp, r->error);
			fputc('\n', fp);
		}
		return ferror(fp) ? BK_EIO : 0;
	}
json:
	{
		char stack[4096];
		bk__fbuf b;
		int rc;

		bk__fbuf_init(&b, stack, sizeof(stack));
		rc = bk__format_json(&b, r, origin, 0);
		if (rc == 0) {
			b.p[b.len++] = '\n';   /* room: the NUL's byte */
			fwrite(b.p, 1, b.len, fp);
		}
		bk__fbuf_free(&b);
		if (rc != 0)
			return rc;
	}
	return ferror(fp) ? BK_EIO : 0;
}
