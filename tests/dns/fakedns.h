/*
 * fakedns.h - an in-memory zone behind the resolver's backend interface
 * (bk_dns_backend), for tests.  It answers like a recursive resolver:
 * CNAMEs are followed inside the zone (at most FZ_CHAIN links, so a loop
 * comes back as a long chain), a name without records is NXDOMAIN, a name
 * without the asked type NODATA, and a TIMEOUT entry makes the name time
 * out for every type not listed before it.  Replies are real DNS
 * messages, with the owner of the first answer compressed to the
 * question, so the resolver's parser is exercised.
 */
#ifndef FAKEDNS_H
#define FAKEDNS_H

#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bouncekit/dns.h"

#define FZ_CHAIN 12
#define FZ_STRINGS 16
#define FZ_SERVFAIL 0x10000        /* type marker: answer SERVFAIL */

struct fz_rr {
	char *name;
	int type;                  /* 0 = TIMEOUT, FZ_SERVFAIL */
	char *s[FZ_STRINGS];
	size_t sl[FZ_STRINGS];
	int ns;
	unsigned pref;
	char *target;
	unsigned char addr[16];
};

struct fz {
	struct fz_rr *rr;
	size_t n, cap;
	unsigned long queries;
};

static int
fz_ieq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	if (la != lb)
		return 0;
	for (size_t i = 0; i < la; i++) {
		int x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return 0;
	}
	return 1;
}

static struct fz_rr *
fz_add(struct fz *z, const char *name, int type)
{
	struct fz_rr *r;

	if (z->n == z->cap) {
		z->cap = z->cap ? z->cap * 2 : 64;
		z->rr = realloc(z->rr, z->cap * sizeof(*z->rr));
	}
	r = &z->rr[z->n++];
	memset(r, 0, sizeof(*r));
	r->name = strdup(name);
	r->type = type;
	return r;
}

static inline void
fz_add_txt(struct fz *z, const char *name, const char *txt, size_t len)
{
	struct fz_rr *r = fz_add(z, name, BK_DNS_TXT);

	r->s[0] = malloc(len + 1);
	memcpy(r->s[0], txt, len);
	r->s[0][len] = '\0';
	r->sl[0] = len;
	r->ns = 1;
}

static inline void
fz_add_addr(struct fz *z, const char *name, const char *ip)
{
	struct fz_rr *r;

	if (strchr(ip, ':') != NULL) {
		r = fz_add(z, name, BK_DNS_AAAA);
		inet_pton(AF_INET6, ip, r->addr);
	} else {
		r = fz_add(z, name, BK_DNS_A);
		inet_pton(AF_INET, ip, r->addr);
	}
}

static inline void
fz_add_name(struct fz *z, const char *name, int type, const char *target,
    unsigned pref)
{
	struct fz_rr *r = fz_add(z, name, type);

	r->target = strdup(target);
	r->pref = pref;
}

static void
fz_clear(struct fz *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->rr[i].name);
		free(z->rr[i].target);
		for (int k = 0; k < z->rr[i].ns; k++)
			free(z->rr[i].s[k]);
	}
	z->n = 0;
}

/* fz_name - wire form of a dotted name; 0 on overflow */
static size_t
fz_name(unsigned char *o, size_t cap, const char *name)
{
	size_t n = 0, len = strlen(name);
	const char *p = name, *end = name + len;

	if (len && name[len - 1] == '.')
		end--;
	while (p < end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t l = dot ? (size_t)(dot - p) : (size_t)(end - p);

		if (l > 63 || n + l + 2 > cap)
			return 0;
		o[n++] = (unsigned char)l;
		memcpy(o + n, p, l);
		n += l;
		p += l + 1;
	}
	if (n + 1 > cap)
		return 0;
	o[n++] = 0;
	return n;
}

static int
fz_put_rr(unsigned char *buf, size_t cap, size_t *off, const struct fz_rr *r,
    int type, int compress_owner)
{
	size_t o = *off, rdl = 0, k, start;

	if (compress_owner) {
		buf[o++] = 0xc0;
		buf[o++] = 12;
	} else {
		size_t n = fz_name(buf + o, cap - o, r->name);

		if (n == 0)
			return -1;
		o += n;
	}
	if (o + 10 > cap)
		return -1;
	buf[o++] = (unsigned char)(type >> 8);
	buf[o++] = (unsigned char)type;
	buf[o++] = 0;
	buf[o++] = 1;
	buf[o++] = 0;
	buf[o++] = 0;
	buf[o++] = 1;
	buf[o++] = 44;             /* TTL 300 */
	start = o;
	o += 2;
	switch (type) {
	case BK_DNS_A:
		memcpy(buf + o, r->addr, 4);
		rdl = 4;
		break;
	case BK_DNS_AAAA:
		memcpy(buf + o, r->addr, 16);
		rdl = 16;
		break;
	case BK_DNS_TXT:
		for (k = 0; k < (size_t)r->ns; k++) {
			size_t left = r->sl[k], p = 0;

			/* split into character-strings of <= 255 octets */
			do {
				size_t l = left > 255 ? 255 : left;

				if (o + rdl + l + 1 > cap)
					return -1;
				buf[o + rdl] = (unsigned char)l;
				memcpy(buf + o + rdl + 1, r->s[k] + p, l);
				rdl += l + 1;
				p += l;
				left -= l;
			} while (left > 0);
		}
		break;
	case BK_DNS_MX:
		buf[o] = (unsigned char)(r->pref >> 8);
		buf[o + 1] = (unsigned char)r->pref;
		rdl = fz_name(buf + o + 2, cap - o - 2, r->target);
		if (rdl == 0)
			return -1;
		rdl += 2;
		break;
	default:
		rdl = fz_name(buf + o, cap - o, r->target);
		if (rdl == 0)
			return -1;
		break;
	}
	buf[start] = (unsigned char)(rdl >> 8);
	buf[start + 1] = (unsigned char)rdl;
	*off = o + rdl;
	return 0;
}

static int
fz_query(void *ctx, const char *name, bk_dns_type type, unsigned char *buf,
    size_t cap, size_t *len)
{
	struct fz *z = ctx;
	char cur[1100];
	size_t off, an = 0, i, q;
	int rcode = 0, chain = 0;

	z->queries++;
	memset(buf, 0, 12);
	buf[2] = 0x81;             /* QR, RD */
	buf[3] = 0x80;             /* RA */
	buf[5] = 1;
	q = fz_name(buf + 12, cap - 12, name);
	if (q == 0)
		return BK_DNS_BADNAME;
	off = 12 + q;
	buf[off++] = (unsigned char)(type >> 8);
	buf[off++] = (unsigned char)type;
	buf[off++] = 0;
	buf[off++] = 1;
	strncpy(cur, name, sizeof(cur) - 1);
	cur[sizeof(cur) - 1] = '\0';
	for (;;) {
		int exists = 0, found = 0;
		const struct fz_rr *cn = NULL;

		for (i = 0; i < z->n; i++) {
			const struct fz_rr *r = &z->rr[i];

			if (!fz_ieq(r->name, cur))
				continue;
			exists = 1;
			if (r->type == 0) {
				if (!found)
					return BK_DNS_TIMEOUT;
				break;
			}
			if (r->type == FZ_SERVFAIL && !found) {
				rcode = 2;
				break;
			}
			if (r->type == (int)type) {
				if (fz_put_rr(buf, cap, &off, r, type,
				    chain == 0) != 0)
					return BK_DNS_BADRESP;
				an++;
				found = 1;
			} else if (r->type == BK_DNS_CNAME)
				cn = r;
		}
		if (rcode != 0 || found)
			break;
		if (!exists) {
			rcode = 3;
			break;
		}
		if (cn == NULL || type == BK_DNS_CNAME)
			break;
		if (fz_put_rr(buf, cap, &off, cn, BK_DNS_CNAME, chain == 0) !=
		    0)
			return BK_DNS_BADRESP;
		an++;
		strncpy(cur, cn->target, sizeof(cur) - 1);
		if (++chain > FZ_CHAIN)
			break;
	}
	buf[3] = (unsigned char)(0x80 | rcode);
	buf[6] = (unsigned char)(an >> 8);
	buf[7] = (unsigned char)an;
	*len = off;
	return BK_DNS_OK;
}

#endif /* FAKEDNS_H */
