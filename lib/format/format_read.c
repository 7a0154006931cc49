/*
 * format_read.c - a JSON record read back (bk_format_read_json), for
 * tools that keep records: the store's events, JSON Lines files.
 *
 * A record is one flat JSON object (DESIGN.md section 3).  The reader is
 * a strict RFC 8259 scanner for one object, UTF-8 only: it takes the
 * members of the record contract, skips members it does not know (nested
 * values too, to a bounded depth, so that a later format version can add
 * them), and refuses anything that is not JSON.  One pass, no
 * allocation: strings are unescaped into the caller's scratch buffer,
 * which a JSON text's own length always bounds (every string loses its
 * two quotes, and no escape grows when decoded).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bouncekit/errors.h"
#include "bouncekit/format.h"
#include "util/util_int.h"

/* Nesting skipped inside a member this reader does not know. */
#define SKIP_DEPTH 32

/* Times a record can hold: 0001-01-02 to 9999-12-30 (Unix seconds). */
#define TIME_MIN (-62135596800LL + 86400)
#define TIME_MAX (253402300799LL - 86400)

struct rd {
	const unsigned char *p, *end;
	char *out;                 /* next free byte of the scratch */
};

static void
ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int
hex4(const unsigned char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		unsigned c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

static char *
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/*
 * string - the string at r->p (its opening quote), unescaped into the
 * scratch and NUL-terminated when @keep, else only checked; a lone
 * surrogate becomes U+FFFD (three bytes, under the six of "\uD800")
 */
static int
string(struct rd *r, bk_str *out, int keep)
{
	char *o = r->out, *start = r->out;

	if (r->p >= r->end || *r->p != '"')
		return BK_ESYNTAX;
	r->p++;
	/* loop: r->p moves on by at least one byte each pass */
	while (r->p < r->end && *r->p != '"') {
		unsigned c = *r->p, cp, lo;

		if (c < 0x20)
			return BK_ESYNTAX;
		if (c >= 0x80) {
			/* JSON text is UTF-8 (RFC 8259 section 8.1); the
			 * writer never emits anything else */
			size_t n = bk__utf8_len(r->p, (size_t)(r->end - r->p));

			if (n == 0)
				return BK_ESYNTAX;
			if (keep) {
				memcpy(o, r->p, n);
				o += n;
			}
			r->p += n;
			continue;
		}
		if (c != '\\') {
			if (keep)
				*o++ = (char)c;
			r->p++;
			continue;
		}
		if (r->end - r->p < 2)
			return BK_ESYNTAX;
		c = r->p[1];
		r->p += 2;
		switch (c) {
		case '"': case '\\': case '/':
			break;
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u':
			if (r->end - r->p < 4 || hex4(r->p, &cp) != 0)
				return BK_ESYNTAX;
			r->p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff &&
			    r->end - r->p >= 6 && r->p[0] == '\\' &&
			    r->p[1] == 'u' &&
			    hex4(r->p + 2, &lo) == 0 && lo >= 0xdc00 &&
			    lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				r->p += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			if (keep)
				o = put_utf8(o, cp);
			continue;
		default:
			return BK_ESYNTAX;
		}
		if (keep)
			*o++ = (char)c;
	}
	if (r->p >= r->end)
		return BK_ESYNTAX;
	r->p++;
	if (keep) {
		*o++ = '\0';
		out->ptr = start;
		out->len = (size_t)(o - start - 1);
		r->out = o;
	}
	return 0;
}

/* number - a JSON number; *@v its value when it is a whole number that
 * fits, *@whole 0 otherwise */
static int
number(struct rd *r, int64_t *v, int *whole)
{
	const unsigned char *q = r->p;
	int neg = 0, over = 0;
	uint64_t u = 0;

	*whole = 1;
	if (q < r->end && *q == '-') {
		neg = 1;
		q++;
	}
	if (q >= r->end || !bk__is(*q, BK_C_DIGIT))
		return BK_ESYNTAX;
	if (*q == '0' && q + 1 < r->end && bk__is(q[1], BK_C_DIGIT))
		return BK_ESYNTAX;
	while (q < r->end && bk__is(*q, BK_C_DIGIT)) {
		if (u > (UINT64_C(1) << 62))
			over = 1;
		u = u * 10 + (uint64_t)(*q - '0');
		q++;
	}
	if (q < r->end && *q == '.') {
		*whole = 0;
		q++;
		if (q >= r->end || !bk__is(*q, BK_C_DIGIT))
			return BK_ESYNTAX;
		while (q < r->end && bk__is(*q, BK_C_DIGIT))
			q++;
	}
	if (q < r->end && (*q == 'e' || *q == 'E')) {
		*whole = 0;
		q++;
		if (q < r->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= r->end || !bk__is(*q, BK_C_DIGIT))
			return BK_ESYNTAX;
		while (q < r->end && bk__is(*q, BK_C_DIGIT))
			q++;
	}
	if (over)
		*whole = 0;
	*v = neg ? -(int64_t)u : (int64_t)u;
	r->p = q;
	return 0;
}

static int
literal(struct rd *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return BK_ESYNTAX;
	r->p += n;
	return 0;
}

/* skip - any JSON value, nested to SKIP_DEPTH, without keeping it */
static int
skip(struct rd *r)
{
	int depth = 0, whole;
	int64_t v;
	bk_str s;

	/* loop: each pass consumes one token */
	for (;;) {
		ws(r);
		if (r->p >= r->end)
			return BK_ESYNTAX;
		switch (*r->p) {
		case '{': case '[':
			if (++depth > SKIP_DEPTH)
				return BK_ETOOBIG;
			r->p++;
			continue;
		case '}': case ']':
			if (depth == 0)
				return BK_ESYNTAX;
			depth--;
			r->p++;
			break;
		case ',': case ':':
			if (depth == 0)
				return BK_ESYNTAX;
			r->p++;
			continue;
		case '"':
			if (string(r, &s, 0) != 0)
				return BK_ESYNTAX;
			break;
		case 't':
			if (literal(r, "true") != 0)
				return BK_ESYNTAX;
			break;
		case 'f':
			if (literal(r, "false") != 0)
				return BK_ESYNTAX;
			break;
		case 'n':
			if (literal(r, "null") != 0)
				return BK_ESYNTAX;
			break;
		default:
			if (number(r, &v, &whole) != 0)
				return BK_ESYNTAX;
			break;
		}
		if (depth == 0)
			return 0;
	}
}

/* What a member of the contract is read into. */
enum ftype { F_STR, F_INT, F_BOOL, F_KIND, F_REASON, F_RESP, F_RETRY,
	F_PERM, F_DECODER, F_TIME, F_ORIGIN, F_VERSION };

struct field {
	const char *name;
	enum ftype type;
	size_t off;                /* in bk_record; unused for some types */
};

#define STR(m) { #m, F_STR, offsetof(bk_record, m) }

static const struct field fields[] = {
	{ "format_version", F_VERSION, 0 },
	{ "origin", F_ORIGIN, 0 },
	{ "kind", F_KIND, 0 },
	{ "decoder", F_DECODER, 0 },
	STR(recipient), STR(original_recipient), STR(sender), STR(action),
	STR(status),
	{ "reply_code", F_INT, offsetof(bk_record, reply_code) },
	STR(command), STR(diagnostic), STR(diagnostic_type),
	STR(remote_mta), STR(reporting_mta),
	{ "timestamp", F_TIME, 0 },
	{ "timestamp_unix", F_INT, 0 },
	STR(message_id), STR(subject), STR(list_id), STR(from),
	STR(feedback_type),
	{ "reason", F_REASON, 0 },
	STR(category), STR(cause), STR(provider), STR(provider_code),
	STR(blocklist),
	{ "permanent", F_PERM, 0 },
	{ "hard", F_BOOL, offsetof(bk_record, hard) },
	{ "responsible", F_RESP, 0 },
	{ "retry", F_RETRY, 0 },
	{ "retry_after", F_INT, offsetof(bk_record, retry_after) },
	{ "confidence", F_INT, offsetof(bk_record, confidence) },
	STR(rule), STR(evidence), STR(error),
};

#undef STR

/* tz_of - minutes east of UTC at the end of an RFC 3339 time, or 0 */
static int
tz_of(bk_str t)
{
	const char *p;

	if (t.len < 6)
		return 0;
	p = t.ptr + t.len - 6;
	if ((p[0] != '+' && p[0] != '-') || p[3] != ':' ||
	    !bk__is(p[1], BK_C_DIGIT) || !bk__is(p[2], BK_C_DIGIT) ||
	    !bk__is(p[4], BK_C_DIGIT) || !bk__is(p[5], BK_C_DIGIT))
		return 0;
	return (p[0] == '-' ? -1 : 1) * (((p[1] - '0') * 10 + p[2] - '0') *
	    60 + (p[4] - '0') * 10 + p[5] - '0');
}

/* name_is - the string @s is @name (both given in full) */
static int
name_is(bk_str s, const char *name)
{
	return s.len == strlen(name) && memcmp(s.ptr, name, s.len) == 0;
}

/* member - the value of member @f at r->p into @rec */
static int
member(struct rd *r, const struct field *f, bk_record *rec, bk_str *origin)
{
	bk_str s = BK_STR_NULL;
	int64_t v;
	int whole, isnull = 0, rc;

	if (r->p < r->end && *r->p == 'n') {
		if (literal(r, "null") != 0)
			return BK_ESYNTAX;
		isnull = 1;
	}
	switch (f->type) {
	case F_INT: case F_VERSION:
		if (isnull) {
			if (strcmp(f->name, "timestamp_unix") == 0)
				rec->has_timestamp = 0;
			return 0;
		}
		if (number(r, &v, &whole) != 0 || !whole)
			return BK_ESYNTAX;
		if (f->type == F_VERSION)
			return v == BK_FORMAT_VERSION ? 0 : BK_EUNSUPPORTED;
		if (strcmp(f->name, "timestamp_unix") == 0) {
			/* years 1 to 9999, as RFC 3339 writes them, with a
			 * day to spare for any zone */
			if (v < TIME_MIN || v > TIME_MAX)
				return BK_ESYNTAX;
			rec->timestamp = v;
			rec->has_timestamp = 1;
			return 0;
		}
		if (v < INT32_MIN || v > INT32_MAX)
			return BK_ESYNTAX;
		*(int *)(void *)((char *)rec + f->off) = (int)v;
		return 0;
	case F_BOOL: case F_PERM:
		if (isnull) {
			if (f->type == F_PERM)
				rec->permanent = -1;
			return 0;
		}
		if (literal(r, "true") == 0)
			v = 1;
		else if (literal(r, "false") == 0)
			v = 0;
		else
			return BK_ESYNTAX;
		if (f->type == F_PERM)
			rec->permanent = (int)v;
		else
			*(int *)(void *)((char *)rec + f->off) = (int)v;
		return 0;
	default:
		break;
	}
	if (!isnull && (rc = string(r, &s, 1)) != 0)
		return rc;
	switch (f->type) {
	case F_STR:
		*(bk_str *)(void *)((char *)rec + f->off) = s;
		return 0;
	case F_ORIGIN:
		if (origin != NULL)
			*origin = s;
		return 0;
	case F_DECODER:
		rec->decoder = s.ptr;   /* NUL-terminated in the scratch */
		return 0;
	case F_TIME:
		rec->tz_offset = s.ptr ? tz_of(s) : 0;
		return 0;
	case F_KIND:
		return s.ptr && bk_kind_lookup(&rec->kind, s.ptr, s.len) == 0 ?
		    0 : BK_ESYNTAX;
	case F_REASON:
		return s.ptr && bk_reason_lookup(&rec->reason, s.ptr,
		    s.len) == 0 ? 0 : BK_ESYNTAX;
	case F_RESP:
		/* a name from a later version reads as unknown */
		if (s.ptr == NULL || bk_responsible_lookup(&rec->responsible,
		    s.ptr, s.len) != 0)
			rec->responsible = BK_RESP_UNKNOWN;
		return 0;
	case F_RETRY:
		if (s.ptr == NULL || bk_retry_lookup(&rec->retry, s.ptr,
		    s.len) != 0)
			rec->retry = BK_RETRY_UNKNOWN;
		return 0;
	default:
		return BK_ESYNTAX;
	}
}

/* bk_format_read_json - see format.h */
int
bk_format_read_json(bk_record *rec, bk_str *origin, const char *json,
    size_t len, char *scratch)
{
	struct rd r;
	size_t i;
	int rc, first = 1;

	memset(rec, 0, sizeof(*rec));
	rec->permanent = -1;
	if (origin != NULL)
		*origin = BK_STR_NULL;
	r.p = (const unsigned char *)json;
	r.end = r.p + len;
	r.out = scratch;
	ws(&r);
	if (r.p >= r.end || *r.p != '{')
		return BK_ESYNTAX;
	r.p++;
	/* loop: one member a pass */
	for (;;) {
		bk_str key;
		char *mark = r.out;

		ws(&r);
		if (r.p < r.end && *r.p == '}' && first) {
			r.p++;
			break;
		}
		if (string(&r, &key, 1) != 0)
			return BK_ESYNTAX;
		/* the key's bytes are not kept */
		r.out = mark;
		ws(&r);
		if (r.p >= r.end || *r.p != ':')
			return BK_ESYNTAX;
		r.p++;
		ws(&r);
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (name_is(key, fields[i].name))
				break;
		rc = i < sizeof(fields) / sizeof(fields[0]) ?
		    member(&r, &fields[i], rec, origin) : skip(&r);
		if (rc != 0)
			return rc;
		ws(&r);
		first = 0;
		if (r.p < r.end && *r.p == ',') {
			r.p++;
			continue;
		}
		if (r.p < r.end && *r.p == '}') {
			r.p++;
			break;
		}
		return BK_ESYNTAX;
	}
	ws(&r);
	return r.p == r.end ? 0 : BK_ESYNTAX;
}
