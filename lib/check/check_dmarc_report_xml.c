/*
 * check_dmarc_report_xml.c - the XML of a DMARC aggregate report
 * (RFC 7489 7.2 and appendix C; RFC 9990, the DMARCbis form with
 * <version>, np, testing, discovery_method and <generator>).
 *
 * expat reads the document (SAX, one linear pass); the handlers keep an
 * explicit stack of element ids bounded by max_depth, and element text
 * in one buffer bounded by max_text.  Only the first <feedback> element
 * is read, wherever it is (a wrapper element around it is tolerated).
 * Element names are matched without their namespace prefix.  No DTD is
 * accepted (a DOCTYPE or an entity declaration ends the parse), so no
 * entity expansion can multiply the input.
 *
 * Lenient mode (the default; docs/checks.md "Strict or lenient") repairs
 * three things a demanding user wants read rather than refused, each
 * with a diagnostic: bytes that are not UTF-8 in a document declared
 * (or defaulting to) UTF-8 are read as Windows-1252; when the document
 * is not well-formed, a '<' that does not start markup and a '&' that
 * does not start a reference are taken as text and the document is read
 * again (once: linear); an error after </feedback> closed is ignored.
 * Strict mode refuses all three.
 *
 * Invariants: every loop over input bytes advances; the repair scanner
 * looks at each byte at most three times (a tag scan stops at the next
 * '<', which XML forbids inside a tag).
 */
#define _GNU_SOURCE 1
#include <expat.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_int.h"

enum el {
	E_OTHER,
	E_FEEDBACK,
	E_VERSION,
	E_REPORT_METADATA,
	E_ORG_NAME,
	E_EMAIL,
	E_EXTRA,
	E_REPORT_ID,
	E_GENERATOR,
	E_DATE_RANGE,
	E_BEGIN,
	E_END,
	E_ERROR,
	E_POLICY_PUBLISHED,
	E_DOMAIN,
	E_ADKIM,
	E_ASPF,
	E_P,
	E_SP,
	E_NP,
	E_PCT,
	E_FO,
	E_TESTING,
	E_DISCOVERY,
	E_RECORD,
	E_ROW,
	E_SOURCE_IP,
	E_COUNT,
	E_POLICY_EVALUATED,
	E_DISPOSITION,
	E_DKIM,
	E_SPF,
	E_REASON,
	E_TYPE,
	E_COMMENT,
	E_IDENTIFIERS,
	E_HEADER_FROM,
	E_ENVELOPE_FROM,
	E_ENVELOPE_TO,
	E_AUTH_RESULTS,
	E_SELECTOR,
	E_SCOPE,
	E_RESULT,
	E_HUMAN_RESULT
};

static const struct {
	const char *name;
	enum el id;
} el_names[] = {
	{ "feedback", E_FEEDBACK }, { "version", E_VERSION },
	{ "report_metadata", E_REPORT_METADATA },
	{ "org_name", E_ORG_NAME }, { "email", E_EMAIL },
	{ "extra_contact_info", E_EXTRA }, { "report_id", E_REPORT_ID },
	{ "generator", E_GENERATOR }, { "date_range", E_DATE_RANGE },
	{ "begin", E_BEGIN }, { "end", E_END }, { "error", E_ERROR },
	{ "policy_published", E_POLICY_PUBLISHED }, { "domain", E_DOMAIN },
	{ "adkim", E_ADKIM }, { "aspf", E_ASPF }, { "p", E_P },
	{ "sp", E_SP }, { "np", E_NP }, { "pct", E_PCT }, { "fo", E_FO },
	{ "testing", E_TESTING }, { "discovery_method", E_DISCOVERY },
	{ "record", E_RECORD }, { "row", E_ROW },
	{ "source_ip", E_SOURCE_IP }, { "count", E_COUNT },
	{ "policy_evaluated", E_POLICY_EVALUATED },
	{ "disposition", E_DISPOSITION }, { "dkim", E_DKIM },
	{ "spf", E_SPF }, { "reason", E_REASON }, { "type", E_TYPE },
	{ "comment", E_COMMENT }, { "identifiers", E_IDENTIFIERS },
	{ "header_from", E_HEADER_FROM },
	{ "envelope_from", E_ENVELOPE_FROM },
	{ "envelope_to", E_ENVELOPE_TO }, { "auth_results", E_AUTH_RESULTS },
	{ "selector", E_SELECTOR }, { "scope", E_SCOPE },
	{ "result", E_RESULT }, { "human_result", E_HUMAN_RESULT },
};

/* Windows-1252 0x80..0x9f (0 = undefined, read as U+FFFD) */
static const unsigned short cp1252_hi[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};

/* cp1252 - the code point of Windows-1252 byte @c */
static unsigned
cp1252(unsigned char c)
{
	if (c >= 0x80 && c <= 0x9f)
		return cp1252_hi[c - 0x80] ? cp1252_hi[c - 0x80] : 0xfffd;
	return c;
}

struct xs {
	struct bk_dmarc_report *r;
	XML_Parser p;
	enum el *stack;            /* max_depth entries */
	unsigned depth;
	unsigned fb_depth;         /* depth of <feedback>, 0 outside */
	int fb_done;               /* </feedback> seen */
	int seen_meta, seen_policy;
	int stopped;               /* a handler ended the parse */
	int in_row;                /* inside a <record> */
	size_t auth_cap;           /* of the current row's auth array */
	char *text;                /* max_text + 1 bytes */
	size_t tlen;
	const char *reason_type, *reason_comment;
	const char *root;          /* the first element's name */
};

/* lookup - the id of a local element name */
static enum el
lookup(const char *name)
{
	const char *colon = strrchr(name, ':');

	if (colon != NULL)
		name = colon + 1;
	for (size_t i = 0; i < sizeof(el_names) / sizeof(el_names[0]); i++)
		if (strcmp(el_names[i].name, name) == 0)
			return el_names[i].id;
	return E_OTHER;
}

/* stop - end the parse from a handler after an error was set */
static void
stop(struct xs *x)
{
	x->stopped = 1;
	XML_StopParser(x->p, XML_FALSE);
}

/* nomem - out of memory inside a handler */
static void
nomem(struct xs *x)
{
	bk__dmarc_report_fail(x->r, BK_ENOMEM, "out of memory");
	stop(x);
}

/* dup_trim - the element text, trimmed, NUL-terminated, in the arena */
static const char *
dup_trim(struct xs *x)
{
	const char *p = x->text, *e = x->text + x->tlen;
	char *s;

	while (p < e && bk__is(*p, BK_C_SPACE | BK_C_EOL))
		p++;
	while (e > p && bk__is(e[-1], BK_C_SPACE | BK_C_EOL))
		e--;
	s = bk__arena_memdup(x->r->arena, p, (size_t)(e - p));
	if (s == NULL)
		nomem(x);
	return s;
}

/* join - "@old; @add" in the arena (@add when @old is NULL) */
static const char *
join(struct xs *x, const char *old, const char *add)
{
	size_t lo, la, n;
	char *s;

	if (old == NULL || add == NULL)
		return old != NULL ? old : add;
	lo = strlen(old);
	la = strlen(add);
	/* audit: both lengths are below max_text times the element count,
	 * far from SIZE_MAX; checked anyway */
	if (bk__size_add(&n, lo, la) != 0 || bk__size_add(&n, n, 3) != 0) {
		nomem(x);
		return old;
	}
	s = bk__arena_alloc(x->r->arena, n);
	if (s == NULL) {
		nomem(x);
		return old;
	}
	memcpy(s, old, lo);
	memcpy(s + lo, "; ", 2);
	memcpy(s + lo + 2, add, la + 1);
	return s;
}

/*
 * number - a run of digits (the text is trimmed already), at most @max;
 * -1 when not one.  A fraction is dropped ("1337270400.0": OpenDMARC's
 * timestamps); @max bounds the value before each multiplication.
 */
static long long
number(const char *s, unsigned long long max)
{
	unsigned long long v = 0;
	size_t i = 0;

	if (s == NULL || s[0] == '\0')
		return -1;
	for (; s[i] != '\0'; i++) {
		unsigned d;

		if (s[i] == '.' && i > 0) {
			for (i++; s[i] >= '0' && s[i] <= '9'; i++)
				;
			return s[i] == '\0' ? (long long)v : -1;
		}
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	return (long long)v;
}

/* cur_row - the record being read */
static bk_dmarc_report_row *
cur_row(struct xs *x)
{
	return x->in_row ? &x->r->rows[x->r->nrows - 1] : NULL;
}

/* new_row - start a <record> */
static void
new_row(struct xs *x)
{
	struct bk_dmarc_report *r = x->r;

	if (r->nrows >= r->max_records) {
		bk__dmarc_report_fail(r, BK_ETOOBIG, "more than %zu records "
		    "(BK_LIMIT_DMARC_REPORT_RECORDS)", r->max_records);
		stop(x);
		return;
	}
	if (r->nrows == r->rows_cap) {
		size_t cap = r->rows_cap ? r->rows_cap * 2 : 16, bytes;
		bk_dmarc_report_row *nr;

		if (bk__size_mul(&bytes, cap, sizeof(*nr)) != 0) {
			nomem(x);
			return;
		}
		nr = bk__arena_alloc(r->arena, bytes);
		if (nr == NULL) {
			nomem(x);
			return;
		}
		if (r->nrows > 0)
			memcpy(nr, r->rows, r->nrows * sizeof(*nr));
		r->rows = nr;
		r->rows_cap = cap;
	}
	memset(&r->rows[r->nrows], 0, sizeof(r->rows[0]));
	r->nrows++;
	x->in_row = 1;
	x->auth_cap = 0;
}

/* new_auth - start an auth_results <dkim> or <spf> */
static void
new_auth(struct xs *x, enum el id)
{
	bk_dmarc_report_row *row = cur_row(x);
	bk_dmarc_report_auth *na;

	if (row == NULL)
		return;
	if (row->nauth >= BK_LIMIT_DMARC_REPORT_AUTH) {
		bk__dmarc_report_fail(x->r, BK_ETOOBIG, "more than %d "
		    "auth_results in record %zu (BK_LIMIT_DMARC_REPORT_AUTH)",
		    BK_LIMIT_DMARC_REPORT_AUTH, x->r->nrows);
		stop(x);
		return;
	}
	if (row->nauth == x->auth_cap) {
		size_t cap = x->auth_cap ? x->auth_cap * 2 : 4;

		na = bk__arena_alloc(x->r->arena, cap * sizeof(*na));
		if (na == NULL) {
			nomem(x);
			return;
		}
		if (row->nauth > 0)
			memcpy(na, row->auth, row->nauth * sizeof(*na));
		row->auth = na;
		x->auth_cap = cap;
	}
	na = (bk_dmarc_report_auth *)(uintptr_t)&row->auth[row->nauth++];
	memset(na, 0, sizeof(*na));
	na->method = id == E_DKIM ? "dkim" : "spf";
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xs *x = ud;
	enum el id, parent;

	(void)atts;
	if (x->stopped)
		return;
	if (x->root == NULL) {
		x->root = bk__arena_memdup(x->r->arena, name, strlen(name));
		if (x->root == NULL) {
			nomem(x);
			return;
		}
	}
	if (x->depth >= x->r->max_depth) {
		bk__dmarc_report_fail(x->r, BK_ETOOBIG, "XML nested deeper "
		    "than %u elements (BK_LIMIT_DMARC_REPORT_XML_DEPTH)",
		    x->r->max_depth);
		stop(x);
		return;
	}
	id = lookup(name);
	x->stack[x->depth++] = id;
	x->tlen = 0;
	if (x->fb_depth == 0) {
		if (id == E_FEEDBACK && !x->fb_done)
			x->fb_depth = x->depth;
		return;
	}
	parent = x->stack[x->depth - 2];
	if (id == E_RECORD && parent == E_FEEDBACK)
		new_row(x);
	else if ((id == E_DKIM || id == E_SPF) && parent == E_AUTH_RESULTS)
		new_auth(x, id);
	else if (id == E_REASON && parent == E_POLICY_EVALUATED) {
		x->reason_type = NULL;
		x->reason_comment = NULL;
	} else if (id == E_REPORT_METADATA && parent == E_FEEDBACK)
		x->seen_meta = 1;
	else if (id == E_POLICY_PUBLISHED && parent == E_FEEDBACK)
		x->seen_policy = 1;
}

/* leaf_meta - a child of report_metadata, date_range or feedback */
static void
leaf_meta(struct xs *x, enum el id, enum el parent, const char *v)
{
	bk_dmarc_report_meta *m = &x->r->meta;

	if (parent == E_FEEDBACK && id == E_VERSION)
		m->version = v;
	else if (parent == E_REPORT_METADATA) {
		switch (id) {
		case E_ORG_NAME: m->org_name = v; break;
		case E_EMAIL: m->email = v; break;
		case E_EXTRA: m->extra_contact_info = v; break;
		case E_REPORT_ID: m->report_id = v; break;
		case E_GENERATOR: m->generator = v; break;
		case E_ERROR: m->errors = join(x, m->errors, v); break;
		default: break;
		}
	} else if (parent == E_DATE_RANGE && (id == E_BEGIN || id == E_END)) {
		long long t = number(v, (unsigned long long)LLONG_MAX);

		if (t < 0)
			bk__dmarc_report_diag(x->r, BK_SEV_WARNING,
			    "date_range %s is not a number",
			    id == E_BEGIN ? "begin" : "end");
		if (id == E_BEGIN)
			m->begin = t;
		else
			m->end = t;
	}
}

/* leaf_policy - a child of policy_published */
static void
leaf_policy(struct xs *x, enum el id, const char *v)
{
	bk_dmarc_report_meta *m = &x->r->meta;

	switch (id) {
	case E_DOMAIN: m->domain = v; break;
	case E_ADKIM: m->adkim = v; break;
	case E_ASPF: m->aspf = v; break;
	case E_P: m->p = v; break;
	case E_SP: m->sp = v; break;
	case E_NP: m->np = v; break;
	case E_PCT: {
		long long n = number(v, 1000);

		m->pct = n >= 0 && n <= 100 ? (int)n : -1;
		break;
	}
	case E_FO: m->fo = v; break;
	case E_TESTING: m->testing = v; break;
	case E_DISCOVERY: m->discovery_method = v; break;
	default: break;
	}
}

/* leaf_row - a leaf inside a <record> */
static void
leaf_row(struct xs *x, enum el id, enum el parent, enum el gp,
    const char *v)
{
	bk_dmarc_report_row *row = cur_row(x);
	bk_dmarc_report_auth *a;

	if (row == NULL)
		return;
	if (parent == E_ROW && id == E_SOURCE_IP)
		row->source_ip = v;
	else if (parent == E_ROW && id == E_COUNT) {
		long long n = number(v, (unsigned long long)LLONG_MAX);

		row->has_count = n >= 0;
		row->count = n >= 0 ? (unsigned long long)n : 0;
		if (n < 0)
			bk__dmarc_report_diag(x->r, BK_SEV_DAMAGED,
			    "record %zu: count is not a number", x->r->nrows);
	} else if (parent == E_POLICY_EVALUATED) {
		if (id == E_DISPOSITION)
			row->disposition = v;
		else if (id == E_DKIM)
			row->dkim = v;
		else if (id == E_SPF)
			row->spf = v;
	} else if (parent == E_REASON && gp == E_POLICY_EVALUATED) {
		if (id == E_TYPE)
			x->reason_type = v;
		else if (id == E_COMMENT)
			x->reason_comment = v;
	} else if (parent == E_IDENTIFIERS) {
		if (id == E_HEADER_FROM)
			row->header_from = v;
		else if (id == E_ENVELOPE_FROM)
			row->envelope_from = v;
		else if (id == E_ENVELOPE_TO)
			row->envelope_to = v;
	} else if ((parent == E_DKIM || parent == E_SPF) &&
	    gp == E_AUTH_RESULTS && row->nauth > 0) {
		a = (bk_dmarc_report_auth *)(uintptr_t)
		    &row->auth[row->nauth - 1];
		switch (id) {
		case E_DOMAIN: a->domain = v; break;
		case E_SELECTOR: a->selector = v; break;
		case E_SCOPE: a->scope = v; break;
		case E_RESULT: a->result = v; break;
		case E_HUMAN_RESULT: a->human_result = v; break;
		default: break;
		}
	}
}

/* end_reason - add "type: comment" to the record's reasons */
static void
end_reason(struct xs *x)
{
	bk_dmarc_report_row *row = cur_row(x);
	const char *t = x->reason_type ? x->reason_type : "";
	const char *c = x->reason_comment;
	size_t lt, lc;
	char *s;

	if (row == NULL || (t[0] == '\0' && (c == NULL || c[0] == '\0')))
		return;
	lt = strlen(t);
	lc = c ? strlen(c) : 0;
	/* audit: both below max_text (16 KiB by default) */
	s = bk__arena_alloc(x->r->arena, lt + lc + 3);
	if (s == NULL) {
		nomem(x);
		return;
	}
	memcpy(s, t, lt);
	if (lc > 0) {
		memcpy(s + lt, ": ", 2);
		memcpy(s + lt + 2, c, lc + 1);
	} else
		s[lt] = '\0';
	row->reasons = join(x, row->reasons, s);
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct xs *x = ud;
	enum el id, parent, gp;

	(void)name;
	if (x->stopped || x->depth == 0)
		return;
	id = x->stack[x->depth - 1];
	parent = x->depth >= 2 ? x->stack[x->depth - 2] : E_OTHER;
	gp = x->depth >= 3 ? x->stack[x->depth - 3] : E_OTHER;
	if (x->fb_depth != 0 && x->depth > x->fb_depth && id != E_OTHER) {
		const char *v = NULL;

		switch (parent) {
		case E_FEEDBACK:
		case E_REPORT_METADATA:
		case E_DATE_RANGE:
		case E_POLICY_PUBLISHED:
		case E_ROW:
		case E_POLICY_EVALUATED:
		case E_REASON:
		case E_IDENTIFIERS:
		case E_DKIM:
		case E_SPF:
			v = dup_trim(x);
			break;
		default:
			break;
		}
		if (v != NULL) {
			if (parent == E_POLICY_PUBLISHED)
				leaf_policy(x, id, v);
			else if (parent == E_FEEDBACK ||
			    parent == E_REPORT_METADATA ||
			    parent == E_DATE_RANGE)
				leaf_meta(x, id, parent, v);
			else
				leaf_row(x, id, parent, gp, v);
		}
		if (id == E_REASON && parent == E_POLICY_EVALUATED)
			end_reason(x);
		if (id == E_RECORD && parent == E_FEEDBACK)
			x->in_row = 0;
	}
	if (x->fb_depth == x->depth) {
		x->fb_depth = 0;
		x->fb_done = 1;
	}
	x->depth--;
	x->tlen = 0;
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct xs *x = ud;

	if (x->stopped || x->fb_depth == 0 || len <= 0)
		return;
	if ((size_t)len > x->r->max_text - x->tlen) {
		bk__dmarc_report_fail(x->r, BK_ETOOBIG, "XML element text "
		    "longer than %zu bytes (BK_LIMIT_DMARC_REPORT_TEXT_BYTES)",
		    x->r->max_text);
		stop(x);
		return;
	}
	memcpy(x->text + x->tlen, s, (size_t)len);
	x->tlen += (size_t)len;
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	struct xs *x = ud;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	if (x->stopped)
		return;
	bk__dmarc_report_fail(x->r, BK_EUNSUPPORTED, "a DOCTYPE (DTD) is "
	    "not accepted in a DMARC report");
	stop(x);
}

static void XMLCALL
on_entity(void *ud, const XML_Char *name, int is_param,
    const XML_Char *value, int vlen, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	struct xs *x = ud;

	(void)name;
	(void)is_param;
	(void)value;
	(void)vlen;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	if (x->stopped)
		return;
	bk__dmarc_report_fail(x->r, BK_EUNSUPPORTED, "an entity declaration "
	    "is not accepted in a DMARC report");
	stop(x);
}

/* on_unknown_enc - Windows-1252, which expat does not know itself */
static int XMLCALL
on_unknown_enc(void *ud, const XML_Char *name, XML_Encoding *info)
{
	(void)ud;
	if (!bk__ieq(name, strlen(name), "windows-1252") &&
	    !bk__ieq(name, strlen(name), "cp1252"))
		return XML_STATUS_ERROR;
	for (int i = 0; i < 256; i++)
		info->map[i] = (int)cp1252((unsigned char)i);
	info->data = NULL;
	info->convert = NULL;
	info->release = NULL;
	return XML_STATUS_OK;
}

/* reset - forget what an earlier attempt read */
static void
reset(struct bk_dmarc_report *r)
{
	memset(&r->meta, 0, sizeof(r->meta));
	r->meta.begin = r->meta.end = -1;
	r->meta.pct = -1;
	r->rows = NULL;
	r->nrows = r->rows_cap = 0;
}

/*
 * run - one expat pass over @xml into @r.  Returns 0 parsed; 1 not
 * well-formed (@errbuf says where; @x.fb_done tells whether the report
 * was complete before); -1 a handler set the error (limit, DTD, OOM).
 */
static int
run(struct bk_dmarc_report *r, struct xs *x, const char *xml, size_t len,
    char *errbuf, size_t cap)
{
	XML_Parser p = XML_ParserCreate(NULL);
	size_t off = 0;
	int rc = 0;

	if (p == NULL) {
		bk__dmarc_report_fail(r, BK_ENOMEM, "out of memory");
		return -1;
	}
	reset(r);
	x->p = p;
	x->depth = x->fb_depth = 0;
	x->fb_done = x->seen_meta = x->seen_policy = x->stopped = 0;
	x->in_row = 0;
	x->tlen = 0;
	x->root = NULL;
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	XML_SetEntityDeclHandler(p, on_entity);
	XML_SetUnknownEncodingHandler(p, on_unknown_enc, NULL);
	/* loop: off grows by a chunk each time until len */
	do {
		size_t n = len - off > (1u << 20) ? (1u << 20) : len - off;
		int final = off + n == len;

		if (XML_Parse(p, xml + off, (int)n, final) != XML_STATUS_OK) {
			if (x->stopped) {
				rc = -1;
			} else {
				snprintf(errbuf, cap, "%s at line %lu column "
				    "%lu", XML_ErrorString(XML_GetErrorCode(p)),
				    (unsigned long)XML_GetCurrentLineNumber(p),
				    (unsigned long)XML_GetCurrentColumnNumber(p)
				    + 1);
				rc = 1;
			}
			break;
		}
		off += n;
	} while (off < len);
	XML_ParserFree(p);
	x->p = NULL;
	return rc;
}


/* first_bad_utf8 - offset of the first byte that is not UTF-8, or @n */
static size_t
first_bad_utf8(const char *s, size_t n)
{
	size_t i = 0, l;

	/* loop: i advances by at least 1 per step */
	while (i < n) {
		l = bk__utf8_len((const unsigned char *)s + i, n - i);
		if (l == 0)
			return i;
		i += l;
	}
	return n;
}

/* declares_utf8 - the XML declaration names UTF-8 or no encoding */
static int
declares_utf8(const char *xml, size_t len)
{
	const char *end, *enc;
	size_t n;

	if (len >= 2 && ((unsigned char)xml[0] == 0xfe ||
	    (unsigned char)xml[0] == 0xff || xml[0] == 0 || xml[1] == 0))
		return 0;              /* UTF-16 */
	if (len >= 3 && memcmp(xml, "\xef\xbb\xbf", 3) == 0) {
		xml += 3;
		len -= 3;
	}
	if (len < 5 || memcmp(xml, "<?xml", 5) != 0)
		return 1;
	end = memchr(xml, '>', len);
	n = end ? (size_t)(end - xml) : len;
	enc = bk__imemmem(xml, n, "encoding", 8);
	if (enc == NULL)
		return 1;
	enc += 8;
	while (enc < xml + n && (*enc == ' ' || *enc == '=' || *enc == '"' ||
	    *enc == '\''))
		enc++;
	return bk__istarts(enc, (size_t)(xml + n - enc), "utf-8") ||
	    bk__istarts(enc, (size_t)(xml + n - enc), "utf8");
}

/* put_cp - append code point @cp as UTF-8 */
static size_t
put_cp(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	o[0] = (char)(0xe0 | (cp >> 12));
	o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

/*
 * utf8_pass - write (or, with @out NULL, measure) the copy where each
 * byte that is not part of valid UTF-8 is read as Windows-1252.
 * Returns its length (at most 3 bytes per input byte).
 */
static size_t
utf8_pass(char *out, const char *s, size_t n, size_t *bad)
{
	size_t i = 0, o = 0, l;
	char cp[4];

	*bad = 0;
	/* loop: i advances by at least 1 per step; o <= 3 * i */
	while (i < n) {
		l = bk__utf8_len((const unsigned char *)s + i, n - i);
		if (l == 0) {
			l = put_cp(cp, cp1252((unsigned char)s[i]));
			if (out != NULL)
				memcpy(out + o, cp, l);
			o += l;
			(*bad)++;
			i++;
		} else {
			if (out != NULL)
				memcpy(out + o, s + i, l);
			o += l;
			i += l;
		}
	}
	return o;
}

/* fix_utf8 - the repaired copy, measured first so that it costs its
 * own size, not 3 times the input */
static char *
fix_utf8(struct bk_dmarc_report *r, const char *s, size_t n, size_t *out_len,
    size_t *bad)
{
	size_t need = utf8_pass(NULL, s, n, bad);
	char *out = bk__arena_alloc(r->arena, need + 1);

	if (out == NULL)
		return NULL;
	*out_len = utf8_pass(out, s, n, bad);
	return out;
}

static int
name_start(unsigned char c)
{
	return bk__is(c, BK_C_ALPHA) || c == '_' || c == ':' || c >= 0x80;
}

static int
name_char(unsigned char c)
{
	return name_start(c) || bk__is(c, BK_C_DIGIT) || c == '-' || c == '.';
}

/* skip_to - offset just past @pat at or after @from, or @n */
static size_t
skip_to(const char *s, size_t n, size_t from, const char *pat)
{
	size_t pl = strlen(pat);
	const char *f = from < n ? memmem(s + from, n - from, pat, pl) : NULL;

	return f ? (size_t)(f - s) + pl : n;
}

/* ref_end - end of a valid entity or character reference at @i, or 0 */
static size_t
ref_end(const char *s, size_t n, size_t i)
{
	size_t j = i + 1, start;

	if (j < n && s[j] == '#') {
		j++;
		if (j < n && s[j] == 'x')
			j++;
	}
	start = j;
	while (j < n && j - i < 32 && (name_char((unsigned char)s[j])))
		j++;
	return j > start && j < n && s[j] == ';' ? j + 1 : 0;
}

/* EMIT - append @len bytes at @src to @out (or only count them) */
#define EMIT(src, len)                                                     \
	do {                                                               \
		if (out != NULL)                                           \
			memcpy(out + o, (src), (len));                     \
		o += (len);                                                \
	} while (0)

/*
 * markup_pass - write (or, with @out NULL, measure) the copy where a '<'
 * that does not start markup and a '&' that does not start a reference
 * are escaped (at most 5 output bytes per input byte).  *fixes counts
 * them, *line is the first one's line.  Returns the length.
 */
static size_t
markup_pass(char *out, const char *s, size_t n, size_t *fixes,
    size_t *line)
{
	size_t i = 0, o = 0, lines = 1;

	*fixes = 0;
	*line = 0;
	/* loop: every branch advances i by at least 1 */
	while (i < n) {
		size_t j, k, e;

		if (s[i] == '&') {
			e = ref_end(s, n, i);
			if (e == 0) {
				EMIT("&amp;", 5);
				i++;
				if ((*fixes)++ == 0)
					*line = lines;
				continue;
			}
			EMIT(s + i, e - i);
			i = e;
			continue;
		}
		if (s[i] != '<') {
			lines += s[i] == '\n';
			EMIT(s + i, 1);
			i++;
			continue;
		}
		if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0)
			e = skip_to(s, n, i + 4, "-->");
		else if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0)
			e = skip_to(s, n, i + 9, "]]>");
		else if (n - i >= 2 && s[i + 1] == '?')
			e = skip_to(s, n, i + 2, "?>");
		else if (n - i >= 2 && s[i + 1] == '!')
			e = skip_to(s, n, i + 2, ">");
		else {
			j = i + 1;
			if (j < n && s[j] == '/')
				j++;
			k = j;
			while (k < n && name_char((unsigned char)s[k]))
				k++;
			e = 0;
			if (k > j && name_start((unsigned char)s[j]) && k < n &&
			    (s[k] == '>' || s[k] == '/' ||
			    bk__is(s[k], BK_C_SPACE | BK_C_EOL))) {
				/* a tag ends at '>'; '<' cannot occur in it */
				for (; k < n && s[k] != '>' && s[k] != '<'; k++)
					;
				if (k < n && s[k] == '>')
					e = k + 1;
			}
			if (e == 0) {
				EMIT("&lt;", 4);
				i++;
				if ((*fixes)++ == 0)
					*line = lines;
				continue;
			}
		}
		for (k = i; k < e; k++)
			lines += s[k] == '\n';
		EMIT(s + i, e - i);
		i = e;
	}
	return o;
}
#undef EMIT

/* fix_markup - the repaired copy, measured first (see fix_utf8) */
static char *
fix_markup(struct bk_dmarc_report *r, const char *s, size_t n,
    size_t *out_len, size_t *fixes, size_t *line)
{
	size_t need = markup_pass(NULL, s, n, fixes, line);
	char *out;

	if (*fixes == 0) {
		*out_len = n;
		return (char *)(uintptr_t)s;
	}
	out = bk__arena_alloc(r->arena, need + 1);
	if (out == NULL)
		return NULL;
	*out_len = markup_pass(out, s, n, fixes, line);
	return out;
}

/* finish - decide aggregate or error after a clean (or accepted) pass */
static void
finish(struct bk_dmarc_report *r, struct xs *x)
{
	if (!x->fb_done) {
		if (x->root == NULL)
			bk__dmarc_report_fail(r, BK_ESYNTAX, "no XML element: "
			    "not a DMARC report");
		else
			bk__dmarc_report_fail(r, BK_ESYNTAX, "no <feedback> "
			    "element (the root is <%.64s>): not a DMARC "
			    "aggregate report", x->root);
		return;
	}
	if (!x->seen_meta) {
		bk__dmarc_report_fail(r, BK_ESYNTAX, "<feedback> without "
		    "<report_metadata>: not a DMARC aggregate report");
		return;
	}
	if (!x->seen_policy) {
		bk__dmarc_report_fail(r, BK_ESYNTAX, "<feedback> without "
		    "<policy_published>: not a DMARC aggregate report");
		return;
	}
	r->kind = BK_DMARC_REPORT_AGGREGATE;
}

/* bk__dmarc_report_xml - see check_int.h */
int
bk__dmarc_report_xml(struct bk_dmarc_report *r, const char *xml, size_t len)
{
	struct xs x;
	char err1[160] = "", err2[160] = "";
	size_t i, bad, fixes, line, flen;
	const char *fixed;
	int rc;

	memset(&x, 0, sizeof(x));
	x.r = r;
	for (i = 0; i < len && bk__is(xml[i], BK_C_SPACE | BK_C_EOL); i++)
		;
	if (i == len) {
		bk__dmarc_report_fail(r, BK_EEOF, len == 0 ? "empty input" :
		    "only white space: no report");
		return 0;
	}
	if (len > (size_t)INT_MAX) {
		bk__dmarc_report_fail(r, BK_ETOOBIG, "XML larger than %d "
		    "bytes", INT_MAX);
		return 0;
	}
	x.stack = bk__arena_alloc(r->arena, r->max_depth * sizeof(*x.stack));
	x.text = bk__arena_alloc(r->arena, r->max_text + 1);
	if (x.stack == NULL || x.text == NULL)
		return BK_ENOMEM;
	if (declares_utf8(xml, len) &&
	    (i = first_bad_utf8(xml, len)) < len) {
		if (r->strict) {
			bk__dmarc_report_fail(r, BK_ESYNTAX, "invalid UTF-8 at "
			    "byte %zu (byte 0x%02x)", i,
			    (unsigned)(unsigned char)xml[i]);
			return 0;
		}
		fixed = fix_utf8(r, xml, len, &flen, &bad);
		if (fixed == NULL)
			return BK_ENOMEM;
		bk__dmarc_report_diag(r, BK_SEV_WARNING, "invalid UTF-8 "
		    "(first at byte %zu): %zu byte(s) read as Windows-1252",
		    i, bad);
		xml = fixed;
		len = flen;
	}
	rc = run(r, &x, xml, len, err1, sizeof(err1));
	if (rc < 0)
		return r->error == BK_ENOMEM ? BK_ENOMEM : 0;
	if (rc == 1 && x.fb_done && !r->strict) {
		bk__dmarc_report_diag(r, BK_SEV_WARNING, "not well-formed "
		    "after </feedback> (ignored): %s", err1);
		rc = 0;
	}
	if (rc == 1 && !r->strict) {
		fixed = fix_markup(r, xml, len, &flen, &fixes, &line);
		if (fixed == NULL)
			return BK_ENOMEM;
		if (fixes > 0) {
			rc = run(r, &x, fixed, flen, err2, sizeof(err2));
			if (rc < 0)
				return r->error == BK_ENOMEM ? BK_ENOMEM : 0;
			if (rc == 1 && x.fb_done) {
				bk__dmarc_report_diag(r, BK_SEV_WARNING,
				    "not well-formed after </feedback> "
				    "(ignored): %s", err2);
				rc = 0;
			}
			if (rc == 0)
				bk__dmarc_report_diag(r, BK_SEV_DAMAGED,
				    "not well-formed XML (%s): %zu stray "
				    "'<' or '&' read as text, the first on "
				    "line %zu", err1, fixes, line);
		}
	}
	if (rc == 1) {
		bk__dmarc_report_fail(r, BK_ESYNTAX, "not well-formed XML: %s",
		    err1);
		return 0;
	}
	finish(r, &x);
	return 0;
}
