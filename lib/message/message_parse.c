/*
 * message_parse.c - RFC 5322 header blocks and the MIME tree (RFC 2045,
 * RFC 2046 section 5).
 *
 * The input is first copied with every CRLF and bare CR turned into LF,
 * so the rest of the library sees one line ending.  The MIME structure is
 * then read in a single pass over the lines with two explicit stacks:
 * the open multipart frames (each with its boundary) and the open parts.
 * A boundary line closes every part opened since its multipart, so a
 * missing or wrong inner boundary cannot make the parser rescan input.
 * Invariant: each input byte is looked at a bounded number of times
 * (at most once per open frame, and there are at most max_depth frames).
 */
#define _GNU_SOURCE 1
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "message/message_int.h"

/* bk__message_damage - remember the worst damage and its first text */
void
bk__message_damage(bk_message *msg, bk_severity sev, const char *text)
{
	if (sev > msg->worst) {
		msg->worst = sev;
		msg->diag_text = text;
	}
}

/* normalise - copy @data turning CRLF and bare CR into LF */
static int
normalise(bk_message *msg, const char *data, size_t len)
{
	char *out, *o;
	const char *p = data, *end = data + len, *cr;

	out = bk__arena_alloc(msg->arena, len + 1);
	if (out == NULL)
		return BK_ENOMEM;
	o = out;
	/* loop: p advances by at least one byte per iteration */
	while (p < end) {
		cr = memchr(p, '\r', (size_t)(end - p));
		if (cr == NULL) {
			memcpy(o, p, (size_t)(end - p));
			o += end - p;
			break;
		}
		memcpy(o, p, (size_t)(cr - p));
		o += cr - p;
		*o++ = '\n';
		p = cr + 1;
		if (p < end && *p == '\n')
			p++;
	}
	*o = '\0';
	msg->data = out;
	msg->len = (size_t)(o - out);
	return 0;
}

/*
 * field_name_len - the length of the field name the line starts with
 * ("name:", RFC 5322 ftext: printable ASCII but ':'), 0 when it does not
 * start with one; *@colon is then left at the colon.  Names are scanned
 * 16 bytes at a time (SSE2 where the compiler has it): the first byte
 * that is ':' or not ftext ends the name.
 */
static size_t
field_name_len(const char *p, const char *eol, const char **colon)
{
	const char *q = p;

#if defined(__SSE2__)
	{
		const __m128i c32 = _mm_set1_epi8(32);
		const __m128i c127 = _mm_set1_epi8(127);
		const __m128i cc = _mm_set1_epi8(':');

		/* loop: q moves 16 bytes a pass while a whole block fits */
		while (eol - q >= 16) {
			__m128i v = _mm_loadu_si128(
			    (const __m128i *)(const void *)q);
			/* signed compares: bytes >= 0x80 are negative, so
			 * not in 33..126 either */
			__m128i ok = _mm_and_si128(_mm_cmpgt_epi8(v, c32),
			    _mm_cmplt_epi8(v, c127));
			unsigned stop = (unsigned)(~_mm_movemask_epi8(ok) |
			    _mm_movemask_epi8(_mm_cmpeq_epi8(v, cc))) & 0xffff;

			if (stop != 0) {
				q += __builtin_ctz(stop);
				goto found;
			}
			q += 16;
		}
	}
#endif
	while (q < eol && *q != ':' && (unsigned char)*q > 32 &&
	    (unsigned char)*q < 127)
		q++;
#if defined(__SSE2__)
found:
#endif
	if (q < eol && *q == ':') {
		*colon = q;
		return (size_t)(q - p);
	}
	/* tolerate "Name :" written by some old mailers */
	if (q < eol && q > p && (*q == ' ' || *q == '\t')) {
		const char *n = q;

		while (n < eol && (*n == ' ' || *n == '\t'))
			n++;
		if (n < eol && *n == ':') {
			*colon = n;
			return (size_t)(q - p);
		}
	}
	return 0;
}

/*
 * is_lost_param - a MIME parameter ("name=value", optionally followed by
 * ';') on a line of its own that its writer forgot to indent.
 */
static int
is_lost_param(const char *p, const char *eol)
{
	const char *q = p;

	while (q < eol && (bk__is(*q, BK_C_ALPHA | BK_C_DIGIT) || *q == '-' ||
	    *q == '*'))
		q++;
	if (q == p || q >= eol || *q != '=')
		return 0;
	return memchr(p, ':', (size_t)(eol - p)) == NULL ||
	    (q + 1 < eol && q[1] == '"');
}

/*
 * bk__headers_parse - read header fields from *pp up to the blank line.
 *
 * A line that is neither a field nor a continuation ends the block (the
 * body starts there).  Fields past BK_LIMIT_HEADER_COUNT are skipped and
 * flagged.  *pp is left at the first body byte.
 */
int
bk__headers_parse(bk_message *msg, bk__headers *out, const char **pp,
    const char *end)
{
	const char *p = *pp, *eol, *colon;
	size_t cap = 0, nlen;
	bk__header *v = NULL, *nv;

	out->v = NULL;
	out->n = 0;
	out->names = 0;
	/* loop: p advances to the next line each time */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (eol == p) {          /* blank line: end of headers */
			p = eol + 1;
			break;
		}
		if ((*p == ' ' || *p == '\t') && out->n > 0) {
			/* continuation: extend the previous field's value */
			bk__header *h = &v[out->n - 1];

			h->value.len = (size_t)(eol - h->value.ptr);
			p = eol < end ? eol + 1 : end;
			continue;
		}
		/* JSON (a web hook event) is not a header block, though a
		 * one-line object looks like '{"name":...' */
		if (out->n == 0 && (*p == '{' || *p == '['))
			break;
		nlen = field_name_len(p, eol, &colon);
		if (nlen == 0) {
			if (out->n == 0 && eol - p >= 5 &&
			    memcmp(p, "From ", 5) == 0) {
				/* mbox separator line before the headers */
				p = eol < end ? eol + 1 : end;
				continue;
			}
			if (*p == ' ' || *p == '\t') {
				/* leading white space before any field */
				p = eol < end ? eol + 1 : end;
				continue;
			}
			if (out->n > 0 && is_lost_param(p, eol)) {
				/* "boundary=..." folded without white space */
				v[out->n - 1].value.len =
				    (size_t)(eol - v[out->n - 1].value.ptr);
				p = eol < end ? eol + 1 : end;
				continue;
			}
			break;          /* not a header: the body starts here */
		}
		if (out->n >= BK_LIMIT_HEADER_COUNT) {
			bk__message_damage(msg, BK_SEV_DAMAGED,
			    "too many header fields");
			p = eol < end ? eol + 1 : end;
			continue;
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 32, bytes;

			if (bk__size_mul(&bytes, ncap, sizeof(*v)) != 0)
				return BK_ETOOBIG;
			nv = bk__arena_alloc(msg->arena, bytes);
			if (nv == NULL)
				return BK_ENOMEM;
			if (out->n)
				memcpy(nv, v, out->n * sizeof(*v));
			v = nv;
			cap = ncap;
		}
		v[out->n].name = bk__str(p, nlen);
		v[out->n].value = bk__str(colon + 1, (size_t)(eol - colon - 1));
		out->names |= bk__header_name_bit(p, nlen);
		out->n++;
		out->v = v;
		p = eol < end ? eol + 1 : end;
	}
	*pp = p;
	return 0;
}

/* bk__headers_getn - see message_int.h */
bk_str
bk__headers_getn(const bk__headers *h, const char *name, size_t len)
{
	size_t i;

	if (h == NULL || len == 0 ||
	    (h->names & bk__header_name_bit(name, len)) == 0)
		return BK_STR_NULL;
	/* the length rules out most fields before any byte is compared */
	for (i = 0; i < h->n; i++) {
		if (h->v[i].name.len == len &&
		    bk__ieq(h->v[i].name.ptr, len, name))
			return h->v[i].value;
	}
	return BK_STR_NULL;
}

/* new_part - allocate a part under @parent (NULL for the root) */
static bk__part *
new_part(bk_message *msg, bk__part *parent, unsigned max_parts)
{
	bk__part *p, **np;

	if (msg->nparts >= max_parts) {
		bk__message_damage(msg, BK_SEV_DAMAGED, "too many MIME parts");
		return NULL;
	}
	if (msg->nparts == msg->parts_cap) {
		size_t ncap = msg->parts_cap ? msg->parts_cap * 2 : 16;

		np = bk__arena_alloc(msg->arena, ncap * sizeof(*np));
		if (np == NULL)
			return NULL;
		if (msg->nparts)
			memcpy(np, msg->parts, msg->nparts * sizeof(*np));
		msg->parts = np;
		msg->parts_cap = ncap;
	}
	p = bk__arena_zalloc(msg->arena, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->index = (unsigned)msg->nparts;
	p->parent = parent;
	p->depth = parent ? parent->depth + 1 : 0;
	if (parent != NULL) {
		if (parent->last_child)
			parent->last_child->next = p;
		else
			parent->first_child = p;
		parent->last_child = p;
	}
	msg->parts[msg->nparts++] = p;
	return p;
}

/* set_type - read Content-Type and Content-Transfer-Encoding of a part */
static void
set_type(bk_message *msg, bk__part *p)
{
	bk_str ct = bk__headers_get(&p->headers, "content-type");
	size_t i, n = 0;
	const char *s;

	p->cte = bk__trim(bk__headers_get(&p->headers,
	    "content-transfer-encoding"));
	if (ct.ptr == NULL) {
		/* RFC 2046 5.1.5: in a multipart/digest the default differs */
		if (p->parent && p->parent->is_multipart &&
		    strcmp(p->parent->type, "multipart/digest") == 0)
			memcpy(p->type, "message/rfc822", 15);
		else
			memcpy(p->type, "text/plain", 11);
		return;
	}
	ct = bk__trim(ct);
	s = ct.ptr;
	for (i = 0; i < ct.len && n < sizeof(p->type) - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '(')
			break;
		p->type[n++] = (char)bk__lower(c);
	}
	p->type[n] = '\0';
	if (memchr(p->type, '/', n) == NULL)
		memcpy(p->type, "text/plain", 11);
	p->charset = bk__ct_param(msg, ct, "charset");
	if (strncmp(p->type, "multipart/", 10) == 0) {
		p->boundary = bk__ct_param(msg, ct, "boundary");
		if (p->boundary.ptr != NULL && p->boundary.len > 0 &&
		    p->boundary.len <= BK_LIMIT_BOUNDARY_BYTES)
			p->is_multipart = 1;
		else {
			/* read the body as text: the report may be inside */
			bk__message_damage(msg, BK_SEV_WARNING,
			    "multipart without a usable boundary");
			memcpy(p->type, "text/plain", 11);
		}
		p->report_type = bk__ct_param(msg, ct, "report-type");
	} else if (strcmp(p->type, "message/rfc822") == 0 ||
	    strcmp(p->type, "message/global") == 0 ||
	    strcmp(p->type, "message/partial") == 0) {
		/* an encoded message part is read as an opaque leaf */
		if (p->cte.ptr == NULL ||
		    bk__ieq(p->cte.ptr, p->cte.len, "7bit") ||
		    bk__ieq(p->cte.ptr, p->cte.len, "8bit") ||
		    bk__ieq(p->cte.ptr, p->cte.len, "binary"))
			p->is_message = strcmp(p->type, "message/partial") != 0;
	}
}

struct frame {
	bk__part *mp;              /* the multipart */
	size_t open_at;            /* its place on the open-part stack */
};

/* boundary_match - 1 delimiter, 2 close delimiter, 0 no match */
static int
boundary_match(const char *line, size_t len, bk_str b)
{
	size_t i = b.len + 2;

	/* what follows the boundary decides most lines without a compare:
	 * the end, "--", or blanks */
	if (len < i || (len > i && line[i] != '-' && line[i] != ' ' &&
	    line[i] != '\t') || memcmp(line + 2, b.ptr, b.len) != 0)
		return 0;
	if (len - i >= 2 && line[i] == '-' && line[i + 1] == '-') {
		i += 2;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		return i == len ? 2 : 0;
	}
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i == len ? 1 : 0;
}

struct mime_state {
	bk_message *msg;
	unsigned max_parts;
	unsigned max_depth;
	struct frame frames[BK_LIMIT_MIME_DEPTH + 2];
	size_t nframes;
	bk__part *open[2 * BK_LIMIT_MIME_DEPTH + 4];
	size_t nopen;
};

/*
 * open_entity - start part @p whose header block begins at *pp: read the
 * headers and, for containers, push the frames and nested entities.
 * Loop bound: each iteration goes one level deeper, at most max_depth.
 */
static int
open_entity(struct mime_state *st, bk__part *p, const char **pp,
    const char *end)
{
	bk_message *msg = st->msg;
	int rc;

	for (;;) {
		rc = bk__headers_parse(msg, &p->headers, pp, end);
		if (rc != 0)
			return rc;
		set_type(msg, p);
		p->body = *pp;
		if (st->nopen >= sizeof(st->open) / sizeof(st->open[0]))
			return BK_ERROR;  /* bounded by depth; cannot happen */
		st->open[st->nopen++] = p;
		if (p->depth >= st->max_depth) {
			if (p->is_multipart || p->is_message)
				bk__message_damage(msg, BK_SEV_DAMAGED,
				    "MIME nesting too deep");
			p->is_multipart = 0;
			p->is_message = 0;
			return 0;
		}
		if (p->is_multipart) {
			st->frames[st->nframes].mp = p;
			st->frames[st->nframes].open_at = st->nopen - 1;
			st->nframes++;
			return 0;
		}
		if (!p->is_message)
			return 0;
		p = new_part(msg, p, st->max_parts);
		if (p == NULL)
			return msg->nparts >= st->max_parts ? 0 : BK_ENOMEM;
	}
}

/* close_to - close open parts above stack index @keep at @at */
static void
close_to(struct mime_state *st, size_t keep, const char *at)
{
	while (st->nopen > keep) {
		bk__part *p = st->open[--st->nopen];

		p->body_len = at > p->body ? (size_t)(at - p->body) : 0;
	}
}

/* parse_mime - the single pass over the body lines (see file comment) */
static int
parse_mime(bk_message *msg, unsigned max_parts, unsigned max_depth)
{
	struct mime_state *st;
	const char *p = msg->data, *end = msg->data + msg->len, *eol;
	const char *body_end;
	size_t k, len;
	int m, rc;

	/* the stacks are read only below their tops: no need to zero them;
	 * the message's arena holds them (freed with it, no malloc) */
	st = bk__arena_alloc(msg->arena, sizeof(*st));
	if (st == NULL)
		return BK_ENOMEM;
	st->nframes = 0;
	st->nopen = 0;
	st->msg = msg;
	st->max_parts = max_parts;
	st->max_depth = max_depth;
	msg->root = new_part(msg, NULL, max_parts);
	if (msg->root == NULL)
		return BK_ENOMEM;
	rc = open_entity(st, msg->root, &p, end);
	/* loop: p moves to the next line every iteration */
	while (rc == 0 && p < end) {
		if (st->nframes == 0)
			break;     /* no boundary left to find */
		if (end - p < 3 || p[0] != '-' || p[1] != '-') {
			/* skip to the next line that starts with "--" */
			const char *q = bk__find_dashes(p, (size_t)(end - p));

			if (q == NULL)
				break;
			p = q + 1;
			continue;
		}
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		len = (size_t)(eol - p);
		m = 0;
		if (len >= 3 && p[0] == '-' && p[1] == '-' && st->nframes > 0) {
			for (k = st->nframes; k-- > 0;) {
				m = boundary_match(p, len,
				    st->frames[k].mp->boundary);
				if (m)
					break;
			}
		}
		if (m == 0) {
			p = eol < end ? eol + 1 : end;
			continue;
		}
		/* the line end before a delimiter belongs to it */
		body_end = (p > msg->data && p[-1] == '\n') ? p - 1 : p;
		if (k + 1 < st->nframes)
			bk__message_damage(msg, BK_SEV_WARNING,
			    "inner multipart not closed");
		close_to(st, st->frames[k].open_at + 1, body_end);
		st->nframes = k + 1;
		p = eol < end ? eol + 1 : end;
		if (m == 2) {
			st->nframes = k;   /* epilogue of the multipart */
			continue;
		}
		{
			bk__part *child = new_part(msg, st->frames[k].mp,
			    max_parts);

			if (child == NULL) {
				if (msg->nparts < max_parts)
					rc = BK_ENOMEM;
				continue;   /* skipped: read as body text */
			}
			rc = open_entity(st, child, &p, end);
		}
	}
	if (st->nframes > 0)
		bk__message_damage(msg, BK_SEV_WARNING,
		    "multipart without a closing boundary");
	close_to(st, 0, end);
	return rc;
}

/* bk_message_new - see message.h */
int
bk_message_new(bk_message **out, const char *data, size_t len,
    const bk_message_options *opts)
{
	bk_message *msg;
	size_t max_bytes = BK_LIMIT_MESSAGE_BYTES;
	unsigned max_parts = BK_LIMIT_MIME_PARTS;
	unsigned max_depth = BK_LIMIT_MIME_DEPTH;
	bk__arena *a;
	int rc;

	*out = NULL;
	if (data == NULL && len > 0)
		return BK_EINVAL;
	if (opts != NULL) {
		if (opts->max_bytes)
			max_bytes = opts->max_bytes;
		if (opts->max_parts)
			max_parts = opts->max_parts;
		if (opts->max_depth && opts->max_depth < max_depth)
			max_depth = opts->max_depth;
	}
	rc = bk__arena_new(&a, 64 * 1024);
	if (rc != 0)
		return rc;
	msg = bk__arena_zalloc(a, sizeof(*msg));
	if (msg == NULL) {
		bk__arena_free(a);
		return BK_ENOMEM;
	}
	msg->arena = a;
	if (len > max_bytes) {
		len = max_bytes;
		msg->truncated = 1;
		bk__message_damage(msg, BK_SEV_DAMAGED,
		    "message larger than the limit; the rest was not read");
	}
	rc = normalise(msg, data ? data : "", len);
	if (rc == 0)
		rc = parse_mime(msg, max_parts, max_depth);
	if (rc != 0) {
		bk__arena_free(a);
		return rc;
	}
	*out = msg;
	return 0;
}

/* bk_message_free - see message.h */
void
bk_message_free(bk_message *msg)
{
	if (msg != NULL)
		bk__arena_free(msg->arena);
}

/* bk_message_header - see message.h */
int
bk_message_header(bk_message *msg, bk_str *out, const char *name)
{
	*out = bk__headers_value(msg, &msg->root->headers, name);
	return out->ptr ? 0 : BK_ENOTFOUND;
}

/* bk_message_part_count - see message.h */
size_t
bk_message_part_count(const bk_message *msg)
{
	return msg->nparts;
}

/* bk_message_diagnostic - see message.h */
bk_severity
bk_message_diagnostic(const bk_message *msg, const char **text)
{
	if (text != NULL)
		*text = msg->diag_text;
	return msg->worst;
}

/* bk_message_returned - see message.h */
int
bk_message_returned(bk_str *out, bk_returned_kind *kind_out,
    bk_message *msg)
{
	bk_record *recs;
	size_t n;
	int rc;

	*out = BK_STR_NULL;
	if (kind_out != NULL)
		*kind_out = BK_MESSAGE_RETURNED_NONE;
	if (!msg->decoded) {
		rc = bk_message_decode(msg, &recs, &n);
		if (rc != 0)
			return rc;
	}
	if (msg->returned_kind == BK_MESSAGE_RETURNED_NONE ||
	    msg->returned.ptr == NULL)
		return BK_ENOTFOUND;
	*out = msg->returned;
	if (kind_out != NULL)
		*kind_out = msg->returned_kind;
	return 0;
}
