/*
 * check_dmarc_report.c - DMARC reports a domain receives: how they are
 * delivered, and failure reports.
 *
 * bk_dmarc_report_parse() sniffs the bytes (never a file name): zip
 * ("PK\3\4", APPNOTE 4.3: the central directory names the member, the
 * local header locates its data), gzip (RFC 1952, 1f 8b; members in a
 * row are read as one), XML (the aggregate report itself, read by
 * check_dmarc_report_xml.c), or an email (RFC 5322, MIME through the
 * library's message parser).  In an email, a message/feedback-report
 * part makes it a failure report (RFC 6591, fields of RFC 5965 3.1 and
 * RFC 6591 3.1); otherwise the first attachment that can hold an
 * aggregate report (zip, gzip, XML, octet-stream) is read as above; an
 * email without either is a failure report when its text has the
 * fields of the plain-text reports some MTAs send (Exim: "Sender
 * Domain:", "Sender IP Address:") or its Subject says so.
 *
 * Bounds: the input and every decompressed member are at most max_bytes
 * (a zip or gzip bomb is an error naming BK_LIMIT_DMARC_REPORT_BYTES);
 * an email carries one layer of container, never a nested email.
 * Decompression is zlib's inflate into one buffer that doubles up to
 * the bound (amortised linear).
 */
#include <libpsl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check/check_int.h"
#include "message/message_int.h"

/* bk_dmarc_report_kind_name - see check.h */
const char *
bk_dmarc_report_kind_name(bk_dmarc_report_kind kind)
{
	switch (kind) {
#define KIND_CASE(code, name, text) case name: return text;
	BK_DMARC_REPORT_KIND_LIST(KIND_CASE)
#undef KIND_CASE
	default:
		return "unknown";
	}
}

/* bk__dmarc_report_fail - see check_int.h */
void
bk__dmarc_report_fail(struct bk_dmarc_report *r, int code, const char *fmt,
    ...)
{
	va_list ap;

	if (r->error != 0)
		return;
	r->kind = BK_DMARC_REPORT_ERROR;
	r->error = code;
	va_start(ap, fmt);
	vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
	va_end(ap);
}

/* bk__dmarc_report_diag - see check_int.h */
void
bk__dmarc_report_diag(struct bk_dmarc_report *r, bk_severity sev,
    const char *fmt, ...)
{
	va_list ap;

	if (sev <= r->worst)
		return;
	r->worst = sev;
	va_start(ap, fmt);
	vsnprintf(r->diag, sizeof(r->diag), fmt, ap);
	va_end(ap);
}

static uint32_t
u16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/*
 * inflate_all - inflate @len bytes (@wbits: 16 + 15 gzip, -15 raw
 * deflate) into a heap buffer of at most max_bytes.  gzip members in a
 * row are all read; bytes after the last member are garbage (an error
 * in strict mode, a warning otherwise).  NULL when @r got an error.
 */
static char *
inflate_all(struct bk_dmarc_report *r, const char *data, size_t len,
    int wbits, size_t *out_len, const char *what)
{
	z_stream z;
	char *buf = NULL;
	size_t cap = 0, olen = 0;
	int ret;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, wbits) != Z_OK) {
		bk__dmarc_report_fail(r, BK_ENOMEM, "out of memory");
		return NULL;
	}
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;            /* len <= max_bytes, checked */
	/* loop: each pass consumes input or fills the buffer, which grows
	 * until max_bytes; a pass that does neither ends it */
	for (;;) {
		if (olen == cap) {
			size_t ncap = cap ? cap * 2 : 64 * 1024;
			char *nb;

			if (cap >= r->max_bytes) {
				bk__dmarc_report_fail(r, BK_ETOOBIG, "%s data "
				    "decompresses to over %zu bytes "
				    "(BK_LIMIT_DMARC_REPORT_BYTES): a "
				    "decompression bomb?", what, r->max_bytes);
				goto fail;
			}
			if (ncap > r->max_bytes)
				ncap = r->max_bytes;
			nb = realloc(buf, ncap + 1);
			if (nb == NULL) {
				bk__dmarc_report_fail(r, BK_ENOMEM, "out of "
				    "memory");
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		z.next_out = (Bytef *)buf + olen;
		z.avail_out = (uInt)(cap - olen > (1u << 30) ? (1u << 30) :
		    cap - olen);
		{
			uInt before_out = z.avail_out;

			ret = inflate(&z, Z_NO_FLUSH);
			olen += before_out - z.avail_out;
		}
		if (ret == Z_STREAM_END) {
			if (z.avail_in == 0)
				break;
			if (wbits > 0 && z.avail_in >= 2 &&
			    z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
				inflateReset(&z);
				continue;
			}
			if (r->strict) {
				bk__dmarc_report_fail(r, BK_ESYNTAX, "%u "
				    "byte(s) of garbage after the %s data",
				    z.avail_in, what);
				goto fail;
			}
			bk__dmarc_report_diag(r, BK_SEV_WARNING, "%u byte(s) "
			    "after the complete %s data ignored", z.avail_in,
			    what);
			break;
		}
		if (ret == Z_MEM_ERROR) {
			bk__dmarc_report_fail(r, BK_ENOMEM, "out of memory");
			goto fail;
		}
		if (ret == Z_DATA_ERROR || ret == Z_STREAM_ERROR ||
		    ret == Z_NEED_DICT) {
			bk__dmarc_report_fail(r, BK_ESYNTAX, "corrupt %s data: "
			    "%s", what, z.msg ? z.msg : "inflate failed");
			goto fail;
		}
		if (z.avail_out == 0)
			continue;
		if (z.avail_in == 0) {
			bk__dmarc_report_fail(r, BK_EEOF, "truncated %s data "
			    "(%zu bytes decompressed before the end)", what,
			    olen);
			goto fail;
		}
	}
	inflateEnd(&z);
	buf[olen] = '\0';
	*out_len = olen;
	return buf;
fail:
	inflateEnd(&z);
	free(buf);
	return NULL;
}

/* ends_with - case-insensitive suffix test on a slice */
static int
ends_with(const char *s, size_t n, const char *suf)
{
	size_t l = strlen(suf);

	return n >= l && bk__ieq(s + n - l, l, suf);
}

/*
 * unzip - the report member of a zip archive (APPNOTE 4.3.6): the first
 * file named *.xml in the central directory, else the first file.
 */
static char *
unzip(struct bk_dmarc_report *r, const char *data, size_t len,
    size_t *out_len)
{
	const unsigned char *d = (const unsigned char *)data;
	size_t eocd = len, i, lo, start, csize, usize;
	uint32_t flags = 0, method = 0, crc = 0;
	int have_cd = 0, pick = -1;
	char *out;

	/* EOCD: 22 bytes plus a comment of at most 65535, from the end */
	for (i = len >= 22 ? len - 22 : 0; len >= 22; i--) {
		if (memcmp(d + i, "PK\5\6", 4) == 0) {
			eocd = i;
			break;
		}
		if (i == 0 || len - i > 22 + 65535)
			break;
	}
	lo = 0;
	csize = usize = 0;
	if (eocd < len) {
		size_t cdoff = u32(d + eocd + 16), cdsize = u32(d + eocd + 12);
		size_t n = u16(d + eocd + 10), p, e;

		if (cdoff == 0xffffffffu) {
			bk__dmarc_report_fail(r, BK_EUNSUPPORTED, "zip64 "
			    "archive");
			return NULL;
		}
		if (cdoff > eocd || cdsize > eocd - cdoff) {
			bk__dmarc_report_fail(r, BK_EEOF, "zip central "
			    "directory outside the file (truncated?)");
			return NULL;
		}
		/* loop: at most n entries, each at least 46 bytes */
		for (p = cdoff, e = 0; e < n && p + 46 <= cdoff + cdsize; e++) {
			size_t nl = u16(d + p + 28), xl = u16(d + p + 30);
			size_t cl = u16(d + p + 32);
			const char *name = data + p + 46;
			int better;

			if (memcmp(d + p, "PK\1\2", 4) != 0 ||
			    p + 46 + nl > cdoff + cdsize)
				break;
			better = !ends_with(name, nl, "/") && (pick < 0 ||
			    (pick == 0 && ends_with(name, nl, ".xml")));
			if (better) {
				pick = ends_with(name, nl, ".xml");
				flags = u16(d + p + 8);
				method = u16(d + p + 10);
				crc = u32(d + p + 16);
				csize = u32(d + p + 20);
				usize = u32(d + p + 24);
				lo = u32(d + p + 42);
				have_cd = 1;
				if (pick == 1)
					break;
			}
			p += 46 + nl + xl + cl;
		}
		if (!have_cd) {
			bk__dmarc_report_fail(r, BK_ESYNTAX, "zip archive "
			    "without a file");
			return NULL;
		}
	} else if (r->strict) {
		bk__dmarc_report_fail(r, BK_EEOF, "zip archive without its "
		    "central directory (truncated?)");
		return NULL;
	} else {
		bk__dmarc_report_diag(r, BK_SEV_DAMAGED, "zip archive without "
		    "its central directory: the first member read from its "
		    "local header");
	}
	if (lo > len || len - lo < 30 || memcmp(d + lo, "PK\3\4", 4) != 0) {
		bk__dmarc_report_fail(r, BK_ESYNTAX, "zip member header "
		    "missing at offset %zu", lo);
		return NULL;
	}
	if (!have_cd) {
		flags = u16(d + lo + 6);
		method = u16(d + lo + 8);
		crc = u32(d + lo + 14);
		csize = u32(d + lo + 18);
		usize = u32(d + lo + 22);
	}
	start = lo + 30 + u16(d + lo + 26) + u16(d + lo + 28);
	if (start > len) {
		bk__dmarc_report_fail(r, BK_EEOF, "zip member truncated");
		return NULL;
	}
	if (!have_cd && (flags & 8) != 0)
		csize = len - start;       /* sizes follow the data */
	if (flags & 1) {
		bk__dmarc_report_fail(r, BK_EUNSUPPORTED, "encrypted zip "
		    "member");
		return NULL;
	}
	if (csize == 0xffffffffu || usize == 0xffffffffu) {
		bk__dmarc_report_fail(r, BK_EUNSUPPORTED, "zip64 member");
		return NULL;
	}
	if (csize > len - start) {
		bk__dmarc_report_fail(r, BK_EEOF, "zip member truncated (%zu "
		    "of %zu bytes)", len - start, csize);
		return NULL;
	}
	if (usize > r->max_bytes) {
		bk__dmarc_report_fail(r, BK_ETOOBIG, "zip member of %zu bytes "
		    "is over %zu (BK_LIMIT_DMARC_REPORT_BYTES)", usize,
		    r->max_bytes);
		return NULL;
	}
	if (method == 0) {
		out = malloc(csize + 1);
		if (out == NULL) {
			bk__dmarc_report_fail(r, BK_ENOMEM, "out of memory");
			return NULL;
		}
		memcpy(out, data + start, csize);
		out[csize] = '\0';
		*out_len = csize;
	} else if (method == 8) {
		out = inflate_all(r, data + start, csize, -MAX_WBITS, out_len,
		    "zip");
		if (out == NULL)
			return NULL;
	} else {
		bk__dmarc_report_fail(r, BK_EUNSUPPORTED, "zip compression "
		    "method %u (only stored and deflate)", (unsigned)method);
		return NULL;
	}
	if ((have_cd || (flags & 8) == 0) &&
	    (crc32(0L, (const Bytef *)out, (uInt)*out_len) != crc ||
	    *out_len != usize)) {
		if (r->strict) {
			bk__dmarc_report_fail(r, BK_ESYNTAX, "zip member "
			    "damaged (CRC or size mismatch)");
			free(out);
			return NULL;
		}
		bk__dmarc_report_diag(r, BK_SEV_DAMAGED, "zip member damaged "
		    "(CRC or size mismatch)");
	}
	return out;
}

/* looks_xml - after a BOM and blanks, '<' */
static int
looks_xml(const char *d, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	if (len >= 2 && (((unsigned char)d[0] == 0xfe &&
	    (unsigned char)d[1] == 0xff) || ((unsigned char)d[0] == 0xff &&
	    (unsigned char)d[1] == 0xfe)))
		return 1;
	while (i < len && bk__is(d[i], BK_C_SPACE | BK_C_EOL))
		i++;
	return i < len && d[i] == '<';
}

/* looks_email - the first line is a header field or an mbox From_ */
static int
looks_email(const char *d, size_t len)
{
	size_t i = 0;

	if (len >= 5 && memcmp(d, "From ", 5) == 0)
		return 1;
	while (i < len && i < 998 && (unsigned char)d[i] > 32 &&
	    (unsigned char)d[i] < 127 && d[i] != ':')
		i++;
	return i > 0 && i < len && d[i] == ':';
}

static int parse_email(struct bk_dmarc_report *r, const char *d, size_t len);

/*
 * parse_blob - one layer: zip, gzip or XML; an email only at the top
 * (@in_email 0).  Returns 0 (the result is in @r) or BK_ENOMEM.
 */
static int
parse_blob(struct bk_dmarc_report *r, const char *d, size_t len,
    int in_email)
{
	char *plain;
	size_t plen;
	int rc;

	if (len > r->max_bytes) {
		bk__dmarc_report_fail(r, BK_ETOOBIG, "input of %zu bytes is "
		    "over %zu (BK_LIMIT_DMARC_REPORT_BYTES)", len,
		    r->max_bytes);
		return 0;
	}
	if (len >= 4 && memcmp(d, "PK\3\4", 4) == 0) {
		r->container = in_email ? "email/zip" : "zip";
		plain = unzip(r, d, len, &plen);
	} else if (len >= 4 && memcmp(d, "PK\5\6", 4) == 0) {
		r->container = in_email ? "email/zip" : "zip";
		bk__dmarc_report_fail(r, BK_ESYNTAX, "empty zip archive");
		return 0;
	} else if (len >= 2 && (unsigned char)d[0] == 0x1f &&
	    (unsigned char)d[1] == 0x8b) {
		r->container = in_email ? "email/gzip" : "gzip";
		plain = inflate_all(r, d, len, 16 + MAX_WBITS, &plen, "gzip");
	} else if (looks_xml(d, len) || !looks_email(d, len) || in_email) {
		if (looks_xml(d, len))
			r->container = in_email ? "email/xml" : "xml";
		else {
			size_t i = 0;

			r->container = in_email ? "email" : "unknown";
			while (i < len && bk__is(d[i], BK_C_SPACE | BK_C_EOL))
				i++;
			if (i == len)
				bk__dmarc_report_fail(r, BK_EEOF, len == 0 ?
				    "empty input" : "only white space: no "
				    "report");
			else
				bk__dmarc_report_fail(r, BK_ESYNTAX, "not a "
				    "DMARC report: neither XML, gzip, zip "
				    "nor an email");
			return 0;
		}
		return bk__dmarc_report_xml(r, d, len);
	} else {
		r->container = "email";
		return parse_email(r, d, len);
	}
	if (plain == NULL)
		return r->error == BK_ENOMEM ? BK_ENOMEM : 0;
	if (!looks_xml(plain, plen)) {
		if (plen == 0)
			bk__dmarc_report_fail(r, BK_EEOF, "the compressed "
			    "member is empty");
		else
			bk__dmarc_report_fail(r, BK_ESYNTAX, "the compressed "
			    "member is not XML");
		free(plain);
		return 0;
	}
	rc = bk__dmarc_report_xml(r, plain, plen);
	free(plain);
	return rc;
}

static const signed char b64v[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27,
	['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
	['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,
	['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,
	['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
	['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62,
	['+'] = 63, ['/'] = 64,
};

/*
 * part_bytes - the body of @p with its transfer encoding undone, as
 * bytes (no charset conversion): base64 decoded here (characters outside
 * the alphabet skipped, RFC 2045 6.8), quoted-printable by the message
 * module, anything else as it is.  *heap is set when the caller frees.
 */
static const char *
part_bytes(struct bk_dmarc_report *r, bk_message *msg, bk__part *p,
    size_t *n, char **heap)
{
	bk_str cte = bk__trim(p->cte);
	unsigned acc = 0, k = 0;
	size_t o = 0;
	char *out;

	*heap = NULL;
	if (cte.ptr != NULL && bk__ieq(cte.ptr, cte.len, "quoted-printable")) {
		bk_str s = bk__decode_body(msg, p->body, p->body_len, cte,
		    bk__cstr("utf-8"));

		*n = s.len;
		return s.ptr ? s.ptr : "";
	}
	if (cte.ptr == NULL || !bk__ieq(cte.ptr, cte.len, "base64")) {
		*n = p->body_len;
		return p->body ? p->body : "";
	}
	if (p->body_len / 4 > r->max_bytes / 3 + 1) {
		bk__dmarc_report_fail(r, BK_ETOOBIG, "attachment over %zu "
		    "bytes (BK_LIMIT_DMARC_REPORT_BYTES)", r->max_bytes);
		return NULL;
	}
	/* audit: body_len / 4 * 3 + 3 <= max_bytes + 6 */
	out = malloc(p->body_len / 4 * 3 + 4);
	if (out == NULL) {
		bk__dmarc_report_fail(r, BK_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < p->body_len && p->body[i] != '='; i++) {
		int v = b64v[(unsigned char)p->body[i]];

		if (v == 0)
			continue;
		acc = (acc << 6) | (unsigned)(v - 1);
		if (++k == 4) {
			out[o++] = (char)(acc >> 16);
			out[o++] = (char)(acc >> 8);
			out[o++] = (char)acc;
			acc = 0;
			k = 0;
		}
	}
	if (k == 2)
		out[o++] = (char)(acc >> 4);
	else if (k == 3) {
		out[o++] = (char)(acc >> 10);
		out[o++] = (char)(acc >> 2);
	}
	*heap = out;
	*n = o;
	return out;
}

/* in_message - is @p inside an attached message (message/rfc822) */
static int
in_message(const bk__part *p)
{
	unsigned guard = 0;

	/* loop: bounded by the MIME depth limit */
	for (p = p->parent; p != NULL && guard++ <= BK_LIMIT_MIME_DEPTH + 2;
	    p = p->parent)
		if (p->is_message)
			return 1;
	return 0;
}

/* holds_aggregate - can @p be an aggregate report attachment */
static int
holds_aggregate(bk_message *msg, bk__part *p)
{
	static const char *const types[] = {
		"application/zip", "application/x-zip-compressed",
		"application/x-zip", "application/gzip", "application/x-gzip",
		"application/x-gunzip", "application/gzip-compressed",
		"application/xml", "text/xml", "application/octet-stream",
		NULL
	};
	bk_str fn = BK_STR_NULL, cd, ct;

	for (size_t i = 0; types[i] != NULL; i++)
		if (strcmp(p->type, types[i]) == 0)
			return 1;
	/* bk__ct_param wants a header that exists */
	cd = bk__headers_get(&p->headers, "content-disposition");
	ct = bk__headers_get(&p->headers, "content-type");
	if (cd.ptr != NULL)
		fn = bk__ct_param(msg, cd, "filename");
	if (fn.ptr == NULL && ct.ptr != NULL)
		fn = bk__ct_param(msg, ct, "name");
	return fn.ptr != NULL && (ends_with(fn.ptr, fn.len, ".xml") ||
	    ends_with(fn.ptr, fn.len, ".gz") ||
	    ends_with(fn.ptr, fn.len, ".zip"));
}

/* keep - a NUL-terminated copy of @s in the report's arena */
static const char *
keep(struct bk_dmarc_report *r, bk_str s)
{
	char *c, *o;
	size_t i;

	s = bk__trim(s);
	if (s.ptr == NULL)
		return NULL;
	c = bk__arena_alloc(r->arena, s.len + 1);
	if (c == NULL)
		return NULL;
	/* unfold: line ends dropped, the blanks after them kept */
	for (i = 0, o = c; i < s.len; i++)
		if (s.ptr[i] != '\r' && s.ptr[i] != '\n')
			*o++ = s.ptr[i];
	*o = '\0';
	return c;
}

/*
 * next_field - the header field at *pos of a header block in [t, t+n):
 * name and raw value (with its continuation lines).  Returns 0 at the
 * end of the block (a blank line or the end), 1 otherwise; a line that
 * is not a field is skipped (name.len == 0).
 */
static int
next_field(const char *t, size_t n, size_t *pos, bk_str *name, bk_str *value)
{
	size_t i = *pos, e, c;

	if (i >= n)
		return 0;
	e = i;
	while (e < n && t[e] != '\n')
		e++;
	if (e == i || (e == i + 1 && t[i] == '\r'))
		return 0;
	/* continuation lines */
	c = e;
	while (c + 1 < n && (t[c + 1] == ' ' || t[c + 1] == '\t')) {
		c++;
		while (c < n && t[c] != '\n')
			c++;
	}
	*pos = c < n ? c + 1 : n;
	name->ptr = t + i;
	name->len = 0;
	value->ptr = NULL;
	value->len = 0;
	for (size_t k = i; k < e; k++) {
		if (t[k] == ':') {
			name->len = k - i;
			value->ptr = t + k + 1;
			value->len = c - k - 1;
			break;
		}
		if (t[k] == ' ' || t[k] == '\t')
			break;
	}
	return 1;
}

/* returned_from_text - From and Subject of the header block in @t */
static void
returned_from_text(struct bk_dmarc_report *r, bk_message *msg, const char *t,
    size_t n)
{
	bk_str name, value;
	size_t pos = 0;
	unsigned guard = 0;

	/* skip blank lines before the block */
	while (pos < n && (t[pos] == '\n' || t[pos] == '\r'))
		pos++;
	/* loop: pos advances each field; at most the header count limit */
	while (guard++ < BK_LIMIT_HEADER_COUNT &&
	    next_field(t, n, &pos, &name, &value)) {
		if (bk__ieq(name.ptr, name.len, "from") &&
		    r->failure.from == NULL)
			r->failure.from = keep(r, bk__header_decode(msg,
			    value));
		else if (bk__ieq(name.ptr, name.len, "subject") &&
		    r->failure.subject == NULL)
			r->failure.subject = keep(r, bk__header_decode(msg,
			    value));
	}
}

/* returned_headers - From and Subject of the returned message part */
static void
returned_headers(struct bk_dmarc_report *r, bk_message *msg, bk__part *ret)
{
	if (ret == NULL)
		return;
	if (ret->is_message && ret->first_child != NULL) {
		bk_str f = bk__headers_value(msg, &ret->first_child->headers,
		    "from");
		bk_str s = bk__headers_value(msg, &ret->first_child->headers,
		    "subject");

		r->failure.from = keep(r, f);
		r->failure.subject = keep(r, s);
		return;
	}
	{
		bk_str t = bk__part_text(msg, ret);

		returned_from_text(r, msg, t.ptr, t.len);
	}
}

/* the ARF fields read (RFC 5965 3.1, RFC 6591 3.1) */
#define ARF_FIELDS(X)                                                      \
	X("feedback-type", feedback_type)                                  \
	X("auth-failure", auth_failure)                                    \
	X("source-ip", source_ip)                                          \
	X("reported-domain", reported_domain)                              \
	X("original-mail-from", original_mail_from)                        \
	X("original-rcpt-to", original_rcpt_to)                            \
	X("delivery-result", delivery_result)                              \
	X("dkim-domain", dkim_domain)                                      \
	X("dkim-selector", dkim_selector)                                  \
	X("arrival-date", arrival_date)                                    \
	X("received-date", arrival_date)                                   \
	X("identity-alignment", identity_alignment)                        \
	X("authentication-results", authentication_results)                \
	X("user-agent", user_agent)

/* failure_arf - a message/feedback-report part */
static void
failure_arf(struct bk_dmarc_report *r, bk_message *msg, bk__part *fb,
    bk__part *ret)
{
	bk_dmarc_failure_info *f = &r->failure;
	bk_str t = bk__part_text(msg, fb), name, value;
	size_t pos = 0;
	unsigned guard = 0;

	f->arf = 1;
	/* loop: pos advances each field; at most the header count limit */
	while (guard++ < BK_LIMIT_HEADER_COUNT &&
	    next_field(t.ptr, t.len, &pos, &name, &value)) {
		if (name.len == 0)
			continue;
#define ARF_MATCH(fname, member)                                           \
		if (bk__ieq(name.ptr, name.len, fname)) {                  \
			if (f->member == NULL)                             \
				f->member = keep(r, value);                \
			continue;                                          \
		}
		ARF_FIELDS(ARF_MATCH)
#undef ARF_MATCH
	}
	if (f->feedback_type == NULL) {
		bk__dmarc_report_fail(r, BK_ESYNTAX, "feedback report without "
		    "a Feedback-Type field (RFC 5965 3.1)");
		return;
	}
	if (!bk__ieq(f->feedback_type, strlen(f->feedback_type),
	    "auth-failure")) {
		bk__dmarc_report_fail(r, BK_EUNSUPPORTED, "feedback report of "
		    "type \"%.64s\", not a DMARC failure report (RFC 6591 "
		    "auth-failure)", f->feedback_type);
		return;
	}
	returned_headers(r, msg, ret);
	r->kind = BK_DMARC_REPORT_FAILURE;
}

/* line_value - the rest of the line after @label in @t, or BK_STR_NULL */
static bk_str
line_value(const char *t, size_t n, const char *label)
{
	const char *p = bk__istr(t, n, label), *e;

	if (p == NULL)
		return BK_STR_NULL;
	p += strlen(label);
	e = memchr(p, '\n', (size_t)(t + n - p));
	return bk__trim(bk__str(p, e ? (size_t)(e - p) : (size_t)(t + n - p)));
}

/*
 * failure_text - a plain-text failure report without an ARF part (Exim's
 * "DMARC Forensic Report": "Sender Domain:", "Sender IP Address:",
 * "Received date:", then a copy of the headers after a marker line).
 * Returns 1 when it is one.
 */
static int
failure_text(struct bk_dmarc_report *r, bk_message *msg, bk__part *ret)
{
	bk_dmarc_failure_info *f = &r->failure;
	bk_str subj = BK_STR_NULL, t = BK_STR_NULL;
	int fields = 0, said = 0;
	static const char *const markers[] = {
		"copy of the headers", "copy of the message", NULL
	};

	(void)bk_message_header(msg, &subj, "subject");
	if (subj.ptr != NULL && bk__istr(subj.ptr, subj.len, "dmarc") &&
	    (bk__istr(subj.ptr, subj.len, "failure report") ||
	    bk__istr(subj.ptr, subj.len, "forensic report")))
		said = 1;
	for (size_t i = 0; i < msg->nparts; i++) {
		bk__part *p = msg->parts[i];

		if (p->is_multipart || in_message(p) ||
		    strncmp(p->type, "text/plain", 10) != 0)
			continue;
		t = bk__part_text(msg, p);
		if (bk__istr(t.ptr, t.len, "sender domain:") != NULL &&
		    bk__istr(t.ptr, t.len, "sender ip address:") != NULL) {
			fields = 1;
			break;
		}
		if (t.ptr != NULL && said)
			break;
	}
	if (!fields && !said)
		return 0;
	f->arf = 0;
	f->feedback_type = "auth-failure";
	if (t.ptr != NULL && t.len > 0) {
		f->reported_domain = keep(r, line_value(t.ptr, t.len,
		    "sender domain:"));
		f->source_ip = keep(r, line_value(t.ptr, t.len,
		    "sender ip address:"));
		f->arrival_date = keep(r, line_value(t.ptr, t.len,
		    "received date:"));
		if (bk__istr(t.ptr, t.len, "dmarc") != NULL)
			f->auth_failure = "dmarc";
	}
	if (ret != NULL)
		returned_headers(r, msg, ret);
	else if (t.ptr != NULL) {
		for (size_t m = 0; markers[m] != NULL; m++) {
			const char *at = bk__istr(t.ptr, t.len, markers[m]);
			const char *nl;

			if (at == NULL)
				continue;
			nl = memchr(at, '\n', (size_t)(t.ptr + t.len - at));
			if (nl != NULL)
				returned_from_text(r, msg, nl + 1,
				    (size_t)(t.ptr + t.len - nl - 1));
			break;
		}
	}
	r->kind = BK_DMARC_REPORT_FAILURE;
	return 1;
}

/* parse_email - a report delivered by email */
static int
parse_email(struct bk_dmarc_report *r, const char *d, size_t len)
{
	bk_message *msg = NULL;
	bk__part *fb = NULL, *att = NULL, *ret = NULL;
	int rc = 0;

	if (bk_message_new(&msg, d, len, NULL) != 0)
		return BK_ENOMEM;
	for (size_t i = 0; i < msg->nparts; i++) {
		bk__part *p = msg->parts[i];

		if (p->is_multipart || in_message(p))
			continue;
		if (strcmp(p->type, "message/feedback-report") == 0) {
			if (fb == NULL)
				fb = p;
		} else if (p->is_message ||
		    strcmp(p->type, "message/rfc822") == 0 ||
		    strcmp(p->type, "message/global") == 0 ||
		    strcmp(p->type, "text/rfc822-headers") == 0) {
			if (ret == NULL)
				ret = p;
		} else if (att == NULL && holds_aggregate(msg, p))
			att = p;
	}
	if (fb != NULL) {
		r->container = "email";
		failure_arf(r, msg, fb, ret);
	} else if (att != NULL) {
		char *heap;
		size_t n;
		const char *b = part_bytes(r, msg, att, &n, &heap);

		if (b != NULL)
			rc = parse_blob(r, b, n, 1);
		free(heap);
	} else if (!failure_text(r, msg, ret))
		bk__dmarc_report_fail(r, BK_ESYNTAX, "an email without a DMARC "
		    "report: no zip, gzip or XML attachment, no feedback "
		    "report");
	if (r->kind == BK_DMARC_REPORT_ERROR && r->error == 0)
		bk__dmarc_report_fail(r, BK_ERROR, "no report found");
	bk_message_free(msg);
	return rc;
}

/* bk_dmarc_report_parse - see check.h */
int
bk_dmarc_report_parse(bk_dmarc_report **out, const char *data, size_t len,
    const bk_dmarc_report_options *opts)
{
	struct bk_dmarc_report *r;
	bk__arena *a;
	int rc;

	if (out == NULL)
		return BK_EINVAL;
	*out = NULL;
	if (data == NULL && len > 0)
		return BK_EINVAL;
	if (bk__arena_new(&a, 16 * 1024) != 0)
		return BK_ENOMEM;
	r = bk__arena_zalloc(a, sizeof(*r));
	if (r == NULL) {
		bk__arena_free(a);
		return BK_ENOMEM;
	}
	r->arena = a;
	r->kind = BK_DMARC_REPORT_ERROR;
	r->container = "unknown";
	r->meta.begin = r->meta.end = -1;
	r->meta.pct = -1;
	r->max_bytes = BK_LIMIT_DMARC_REPORT_BYTES;
	r->max_records = BK_LIMIT_DMARC_REPORT_RECORDS;
	r->max_depth = BK_LIMIT_DMARC_REPORT_XML_DEPTH;
	r->max_text = BK_LIMIT_DMARC_REPORT_TEXT_BYTES;
	if (opts != NULL && opts->version >= 1) {
		r->strict = opts->strict != 0;
		if (opts->max_bytes != 0)
			r->max_bytes = opts->max_bytes;
		if (opts->max_records != 0)
			r->max_records = opts->max_records;
		if (opts->max_depth != 0)
			r->max_depth = opts->max_depth;
		if (opts->max_text != 0)
			r->max_text = opts->max_text;
	}
	/* zlib counts in uInt: one report is never near 4 GiB */
	if (r->max_bytes > (size_t)UINT32_MAX / 2)
		r->max_bytes = (size_t)UINT32_MAX / 2;
	rc = parse_blob(r, data ? data : "", len, 0);
	if (rc == BK_ENOMEM || r->error == BK_ENOMEM) {
		bk__arena_free(a);
		return BK_ENOMEM;
	}
	if (r->kind == BK_DMARC_REPORT_ERROR && r->error == 0)
		bk__dmarc_report_fail(r, BK_ERROR, "no report found");
	if (r->kind != BK_DMARC_REPORT_AGGREGATE) {
		r->rows = NULL;
		r->nrows = 0;
	}
	*out = r;
	return 0;
}

/* bk_dmarc_report_free - see check.h */
void
bk_dmarc_report_free(bk_dmarc_report *r)
{
	if (r != NULL)
		bk__arena_free(r->arena);
}

/* bk_dmarc_report_kind_of - see check.h */
bk_dmarc_report_kind
bk_dmarc_report_kind_of(const bk_dmarc_report *r)
{
	return r ? r->kind : BK_DMARC_REPORT_ERROR;
}

/* bk_dmarc_report_error - see check.h */
int
bk_dmarc_report_error(const bk_dmarc_report *r, const char **msg_out)
{
	if (msg_out != NULL)
		*msg_out = r && r->kind == BK_DMARC_REPORT_ERROR ? r->errmsg :
		    NULL;
	if (r == NULL)
		return BK_EINVAL;
	return r->kind == BK_DMARC_REPORT_ERROR ? r->error : 0;
}

/* bk_dmarc_report_diagnostic - see check.h */
bk_severity
bk_dmarc_report_diagnostic(const bk_dmarc_report *r, const char **text)
{
	if (text != NULL)
		*text = r && r->worst != BK_SEV_NONE ? r->diag : NULL;
	return r ? r->worst : BK_SEV_NONE;
}

/* bk_dmarc_report_container - see check.h */
const char *
bk_dmarc_report_container(const bk_dmarc_report *r)
{
	return r ? r->container : "unknown";
}

/* bk_dmarc_report_metadata - see check.h */
const bk_dmarc_report_meta *
bk_dmarc_report_metadata(const bk_dmarc_report *r)
{
	return r && r->kind == BK_DMARC_REPORT_AGGREGATE ? &r->meta : NULL;
}

/* bk_dmarc_report_count - see check.h */
size_t
bk_dmarc_report_count(const bk_dmarc_report *r)
{
	return r ? r->nrows : 0;
}

/* bk_dmarc_report_row_at - see check.h */
const bk_dmarc_report_row *
bk_dmarc_report_row_at(const bk_dmarc_report *r, size_t i)
{
	return r && i < r->nrows ? &r->rows[i] : NULL;
}

/* bk_dmarc_report_failure - see check.h */
const bk_dmarc_failure_info *
bk_dmarc_report_failure(const bk_dmarc_report *r)
{
	return r && r->kind == BK_DMARC_REPORT_FAILURE ? &r->failure : NULL;
}

/*
 * bk_dmarc_org_domain_psl - see check.h.  Kept here, beside the other
 * report-side helpers, so that check_dmarc.c is untouched; the
 * normalisation is the same (case, outer dots).
 */
int
bk_dmarc_org_domain_psl(char *out, size_t cap, const char *domain,
    const char *psl_path)
{
	char n[256];
	size_t s = 0, e;
	psl_ctx_t *psl;
	const char *reg;
	int rc = 0;

	if (out == NULL || domain == NULL || psl_path == NULL)
		return BK_EINVAL;
	e = strlen(domain);
	while (s < e && domain[s] == '.')
		s++;
	while (e > s && domain[e - 1] == '.')
		e--;
	if (e == s)
		return BK_EINVAL;
	if (e - s >= sizeof(n))
		return BK_ETOOBIG;
	for (size_t i = s; i < e; i++)
		n[i - s] = (char)bk__lower(domain[i]);
	n[e - s] = '\0';
	psl = psl_load_file(psl_path);
	if (psl == NULL)
		return BK_EIO;
	reg = psl_registrable_domain(psl, n);
	if (reg == NULL)
		rc = BK_ENOTFOUND;
	else if (strlen(reg) >= cap)
		rc = BK_ETOOBIG;
	else
		snprintf(out, cap, "%s", reg);
	psl_free(psl);
	return rc;
}
