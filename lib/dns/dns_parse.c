/*
 * dns_parse.c - a bounded parser for DNS reply messages (RFC 1035 4.1).
 *
 * Invariants: every read is checked against the message length; a
 * compression pointer must point strictly before the label it replaces
 * (RFC 1035 4.1.4), so name decoding terminates; at most
 * BK_LIMIT_DNS_RRS records of the answer section are examined and at most
 * BK_LIMIT_DNS_CNAME_CHAIN CNAME links followed.  The result is one heap
 * block (answer, records, strings) released with bk_dns_answer_free().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"
#include "util/util_int.h"

/* the text of BK_DNS_TOOBIG names the number */
_Static_assert(BK_LIMIT_DNS_TXT_BYTES == 64512,
    "update the BK_DNS_TOOBIG text in dns.h");

#define HDR 12

struct rrref {
	size_t owner;              /* offset of the owner name */
	unsigned type;
	unsigned klass;
	uint32_t ttl;
	size_t rdata;              /* offset of the RDATA */
	size_t rdlen;
};

static const char *const status_text[] = {
#define X(code, name, text) text,
	BK_DNS_STATUS_LIST(X)
#undef X
};
static const char *const status_name[] = {
#define X(code, name, text) #name,
	BK_DNS_STATUS_LIST(X)
#undef X
};

/* bk_dns_status_text - static text of a status */
const char *
bk_dns_status_text(bk_dns_status st)
{
	if ((unsigned)st >= BK_DNS_STATUS_COUNT_)
		return "unknown DNS status";
	return status_text[st];
}

/* bk_dns_status_name - static symbolic name of a status */
const char *
bk_dns_status_name(bk_dns_status st)
{
	if ((unsigned)st >= BK_DNS_STATUS_COUNT_)
		return "BK_DNS_UNKNOWN";
	return status_name[st];
}

/* bk_dns_answer_free - the answer is one block */
void
bk_dns_answer_free(bk_dns_answer *ans)
{
	free(ans);
}

/* get16 - big-endian 16 bits at p */
static unsigned
get16(const unsigned char *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

/*
 * read_name - decode the name at @off into @out (presentation form, no
 * final dot, special bytes as \DDD).  *@next receives the offset after
 * the name in the record (not after a pointer target).  Returns the text
 * length, or -1 for a malformed name.
 */
static long
read_name(const unsigned char *m, size_t len, size_t off, char *out,
    size_t cap, size_t *next)
{
	size_t o = off, olen = 0, wire = 0;
	size_t limit = off;        /* pointers must go below this */
	int jumped = 0;

	/* loop: each step consumes a label or a pointer; o only moves
	 * forward within a run and pointers strictly decrease */
	for (;;) {
		unsigned l;

		if (o >= len)
			return -1;
		l = m[o];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (o + 1 >= len)
				return -1;
			target = ((l & 0x3f) << 8) | m[o + 1];
			if (target >= limit || target >= o)
				return -1;
			if (!jumped)
				*next = o + 2;
			jumped = 1;
			limit = target;
			o = target;
			continue;
		}
		if ((l & 0xc0) != 0)
			return -1;
		if (l == 0) {
			if (!jumped)
				*next = o + 1;
			break;
		}
		if (o + 1 + l > len)
			return -1;
		wire += l + 1;
		if (wire > 255)
			return -1;
		if (olen > 0) {
			if (olen + 1 >= cap)
				return -1;
			out[olen++] = '.';
		}
		for (unsigned i = 0; i < l; i++) {
			unsigned char c = m[o + 1 + i];

			if (olen + 5 >= cap)
				return -1;
			if (c <= 0x20 || c >= 0x7f || c == '.' || c == '\\') {
				out[olen++] = '\\';
				out[olen++] = (char)('0' + c / 100);
				out[olen++] = (char)('0' + c / 10 % 10);
				out[olen++] = (char)('0' + c % 10);
			} else
				out[olen++] = (char)c;
		}
		o += 1 + l;
		if (!jumped)
			limit = o;
	}
	out[olen] = '\0';
	return (long)olen;
}

/*
 * escape_name - a query name in the presentation form read_name()
 * produces (bytes outside %x21-7E and '\\' as \\DDD), final dot dropped
 */
static int
escape_name(char *out, size_t cap, const char *name, size_t len)
{
	size_t o = 0;

	if (len > 0 && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (o + 5 >= cap)
			return -1;
		if (c <= 0x20 || c >= 0x7f || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)('0' + c / 100);
			out[o++] = (char)('0' + c / 10 % 10);
			out[o++] = (char)('0' + c % 10);
		} else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* skip_name - offset after the name at @off, or 0 when malformed */
static size_t
skip_name(const unsigned char *m, size_t len, size_t off)
{
	char tmp[BK__DNS_NAME_TEXT];
	size_t next = 0;

	if (read_name(m, len, off, tmp, sizeof(tmp), &next) < 0)
		return 0;
	return next;
}

/* owner_is - does the RR's owner equal @name */
static int
owner_is(const unsigned char *m, size_t len, const struct rrref *r,
    const char *name)
{
	char tmp[BK__DNS_NAME_TEXT];
	size_t next;
	long n = read_name(m, len, r->owner, tmp, sizeof(tmp), &next);

	return n >= 0 && bk__dns_name_eq(tmp, (size_t)n, name, strlen(name));
}

/* bk__dns_name_eq - case-insensitive, final dots ignored */
int
bk__dns_name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen > 0 && a[alen - 1] == '.')
		alen--;
	if (blen > 0 && b[blen - 1] == '.')
		blen--;
	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++)
		if (bk__lower(a[i]) != bk__lower(b[i]))
			return 0;
	return 1;
}

/* bk__dns_name_valid - 1..253 octets, labels 1..63 */
int
bk__dns_name_valid(const char *name, size_t len)
{
	size_t label = 0;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (++label > 63)
			return 0;
	}
	return label > 0;
}

/* a small bump allocator over the answer block */
struct bump {
	char *p;
	size_t left;
};

static void *
bump(struct bump *b, size_t n, size_t align)
{
	size_t pad = (align - ((uintptr_t)b->p % align)) % align;
	void *r;

	if (pad > b->left || n > b->left - pad)
		return NULL;
	b->p += pad;
	b->left -= pad;
	r = b->p;
	b->p += n;
	b->left -= n;
	return r;
}

static char *
bump_str(struct bump *b, const char *s, size_t n)
{
	char *r = bump(b, n + 1, 1);

	if (r != NULL) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

/* bk__dns_answer_status - an empty answer carrying a status */
bk_dns_answer *
bk__dns_answer_status(const char *qname, bk_dns_type type, bk_dns_status st)
{
	size_t n = strlen(qname);
	size_t size;
	bk_dns_answer *a;
	char *s;

	/* audit: n is a NUL-terminated string length; + struct is small */
	if (bk__size_add(&size, sizeof(*a) + 1, n) != 0)
		return NULL;
	a = calloc(1, size);
	if (a == NULL)
		return NULL;
	s = (char *)(a + 1);
	memcpy(s, qname, n);
	s[n] = '\0';
	a->status = st;
	a->type = type;
	a->qname = s;
	a->cname = s;
	a->rcode = -1;
	return a;
}

/* bk_dns_answer_parse - see dns.h */
int
bk_dns_answer_parse(bk_dns_answer **out, const char *qname, bk_dns_type type,
    const unsigned char *m, size_t len)
{
	return bk__dns_answer_parse(out, qname, qname, type, m, len);
}

/* bk__dns_answer_parse - parse a reply to @qname, reported as @asked */
int
bk__dns_answer_parse(bk_dns_answer **out, const char *asked,
    const char *qname, bk_dns_type type, const unsigned char *m, size_t len)
{
	struct rrref rrs[BK_LIMIT_DNS_RRS];
	size_t nrr = 0, off, i, match[BK_LIMIT_DNS_RRS], nmatch = 0;
	unsigned qd, an, ns, rcode, links = 0;
	char cur[BK__DNS_NAME_TEXT], tmp[BK__DNS_NAME_TEXT];
	uint32_t minttl = UINT32_MAX, soattl = UINT32_MAX;
	bk_dns_status st;
	int truncated = 0, toobig = 0;
	size_t size, next;
	bk_dns_answer *a;
	bk_dns_rr *rr;
	struct bump b;
	size_t qlen;

	if (out == NULL || qname == NULL || asked == NULL)
		return BK_EINVAL;
	*out = NULL;
	qlen = strlen(qname);
	if (qlen >= sizeof(cur))
		return BK_EINVAL;
	if (escape_name(cur, sizeof(cur), qname, qlen) != 0)
		return BK_EINVAL;
	if (len < HDR || !(m[2] & 0x80)) {
		*out = bk__dns_answer_status(asked, type, BK_DNS_BADRESP);
		return *out ? 0 : BK_ENOMEM;
	}
	rcode = m[3] & 0x0f;
	qd = get16(m + 4);
	an = get16(m + 6);
	ns = get16(m + 8);
	off = HDR;
	for (i = 0; i < qd; i++) {
		off = skip_name(m, len, off);
		if (off == 0 || off + 4 > len)
			goto bad;
		off += 4;
	}
	/* loop: at most an + ns records, each advancing off */
	for (i = 0; i < (size_t)an + ns; i++) {
		struct rrref r;

		r.owner = off;
		off = skip_name(m, len, off);
		if (off == 0 || off + 10 > len)
			goto bad;
		r.type = get16(m + off);
		r.klass = get16(m + off + 2);
		r.ttl = ((uint32_t)get16(m + off + 4) << 16) |
		    get16(m + off + 6);
		r.rdlen = get16(m + off + 8);
		r.rdata = off + 10;
		if (r.rdata + r.rdlen > len)
			goto bad;
		off = r.rdata + r.rdlen;
		if (i >= an) {
			if (r.type == BK_DNS_SOA && r.ttl < soattl)
				soattl = r.ttl;
			continue;
		}
		if (r.klass != 1)
			continue;
		if (nrr == BK_LIMIT_DNS_RRS) {
			truncated = 1;
			continue;
		}
		rrs[nrr++] = r;
	}

	switch (rcode) {
	case 0:
		st = BK_DNS_OK;
		break;
	case 2:
		st = BK_DNS_SERVFAIL;
		break;
	case 3:
		st = BK_DNS_NXDOMAIN;
		break;
	case 5:
		st = BK_DNS_REFUSED;
		break;
	default:
		st = BK_DNS_BADRESP;
		break;
	}

	/* follow CNAMEs from the query name (RFC 1034 3.6.2) */
	if (st == BK_DNS_OK || st == BK_DNS_NXDOMAIN) {
		/* loop: bounded by the CNAME chain limit */
		for (;;) {
			int moved = 0;

			nmatch = 0;
			for (i = 0; i < nrr; i++)
				if (rrs[i].type == (unsigned)type &&
				    owner_is(m, len, &rrs[i], cur))
					match[nmatch++] = i;
			if (nmatch > 0 || type == BK_DNS_CNAME)
				break;
			for (i = 0; i < nrr; i++) {
				if (rrs[i].type != BK_DNS_CNAME ||
				    !owner_is(m, len, &rrs[i], cur))
					continue;
				if (read_name(m, len, rrs[i].rdata, tmp,
				    sizeof(tmp), &next) < 0)
					goto bad;
				if (rrs[i].ttl < minttl)
					minttl = rrs[i].ttl;
				memcpy(cur, tmp, strlen(tmp) + 1);
				moved = 1;
				break;
			}
			if (!moved)
				break;
			if (++links > BK_LIMIT_DNS_CNAME_CHAIN) {
				st = BK_DNS_CNAME_LOOP;
				nmatch = 0;
				break;
			}
		}
		if (st == BK_DNS_OK && nmatch == 0 && links == 0)
			st = BK_DNS_NODATA;
		if (st == BK_DNS_NXDOMAIN)
			nmatch = 0;
	}

	/* size the block: an upper bound, audited below */
	size = sizeof(*a) + 16 + nmatch * sizeof(bk_dns_rr) + 16 +
	    2 * (sizeof(cur) + 1);
	for (i = 0; i < nmatch; i++) {
		/* audit: rdlen < 65536 and nmatch <= BK_LIMIT_DNS_RRS, so
		 * the sum stays far below SIZE_MAX */
		size += BK__DNS_NAME_TEXT + rrs[match[i]].rdlen + 2;
	}
	a = calloc(1, size);
	if (a == NULL)
		return BK_ENOMEM;
	b.p = (char *)(a + 1);
	b.left = size - sizeof(*a);
	a->status = st;
	a->type = type;
	a->rcode = (int)rcode;
	a->truncated = truncated;
	a->qname = bump_str(&b, asked, strlen(asked));
	a->cname = bump_str(&b, cur, strlen(cur));
	rr = nmatch ? bump(&b, nmatch * sizeof(bk_dns_rr),
	    sizeof(void *)) : NULL;
	a->rr = rr;
	for (i = 0; i < nmatch; i++) {
		const struct rrref *r = &rrs[match[i]];
		bk_dns_rr *o = &rr[a->count];
		const unsigned char *d = m + r->rdata;
		long n;

		o->type = type;
		o->ttl = r->ttl;
		switch (type) {
		case BK_DNS_A:
		case BK_DNS_AAAA:
			if (r->rdlen != (type == BK_DNS_A ? 4u : 16u))
				goto bad_free;
			memcpy(o->addr, d, r->rdlen);
			o->len = r->rdlen;
			break;
		case BK_DNS_MX:
			if (r->rdlen < 3)
				goto bad_free;
			o->pref = get16(d);
			n = read_name(m, r->rdata + r->rdlen, r->rdata + 2,
			    tmp, sizeof(tmp), &next);
			if (n < 0 || next != r->rdata + r->rdlen)
				goto bad_free;
			o->data = bump_str(&b, tmp, (size_t)n);
			o->len = (size_t)n;
			break;
		case BK_DNS_PTR:
		case BK_DNS_CNAME:
		case BK_DNS_NS:
			n = read_name(m, r->rdata + r->rdlen, r->rdata, tmp,
			    sizeof(tmp), &next);
			if (n < 0 || next != r->rdata + r->rdlen)
				goto bad_free;
			o->data = bump_str(&b, tmp, (size_t)n);
			o->len = (size_t)n;
			break;
		case BK_DNS_TXT: {
			char *t = bump(&b, r->rdlen + 1, 1);
			size_t p = 0, tl = 0;

			if (t == NULL)
				goto bad_free;
			/* loop: each step consumes one character-string */
			while (p < r->rdlen) {
				size_t sl = d[p];

				if (p + 1 + sl > r->rdlen)
					goto bad_free;
				if (tl + sl > BK_LIMIT_DNS_TXT_BYTES) {
					/* never cut a record: refuse it */
					sl = BK_LIMIT_DNS_TXT_BYTES - tl;
					toobig = 1;
				}
				memcpy(t + tl, d + p + 1, sl);
				tl += sl;
				p += 1 + d[p];
				o->nstrings++;
			}
			t[tl] = '\0';
			o->data = t;
			o->len = tl;
			break;
		}
		default:
			o->data = NULL;
			break;
		}
		if (r->ttl < minttl)
			minttl = r->ttl;
		a->count++;
	}
	if (toobig) {
		a->status = BK_DNS_TOOBIG;
		a->count = 0;
	}
	if (a->count == 0 && soattl != UINT32_MAX)
		minttl = soattl;
	a->ttl = minttl == UINT32_MAX ? 0 : minttl;
	*out = a;
	return 0;

bad_free:
	free(a);
bad:
	*out = bk__dns_answer_status(asked, type, BK_DNS_BADRESP);
	return *out ? 0 : BK_ENOMEM;
}
