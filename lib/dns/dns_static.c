/*
 * dns_static.c - an offline backend: TXT records given by the caller,
 * and "not looked up (offline)" for every other query.
 *
 * Used by `bouncekit check --offline --record ...`: the checks run the
 * same code as online, over real DNS messages built here and parsed by
 * the same bounded parser; whatever needs a record that was not given
 * says BK_DNS_OFFLINE instead of asking the network.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"
#include "util/util_int.h"

#define STATIC_MAX 64              /* records one table holds */

struct srec {
	char name[256];
	char *text;
	size_t len;
};

struct bk_dns_static {
	struct srec rec[STATIC_MAX];
	size_t n;
};

/* bk_dns_static_new - an empty table */
int
bk_dns_static_new(bk_dns_static **out)
{
	if (out == NULL)
		return BK_EINVAL;
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : BK_ENOMEM;
}

/* bk_dns_static_free - NULL is accepted */
void
bk_dns_static_free(bk_dns_static *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->rec[i].text);
	free(s);
}

/* bk_dns_static_add_txt - one TXT record at @name */
int
bk_dns_static_add_txt(bk_dns_static *s, const char *name, const char *text,
    size_t len)
{
	size_t nl;
	struct srec *r;

	if (s == NULL || name == NULL || (text == NULL && len > 0))
		return BK_EINVAL;
	nl = strlen(name);
	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (nl == 0 || nl >= sizeof(r->name) ||
	    !bk__dns_name_valid(name, nl) || memchr(name, '\\', nl) != NULL)
		return BK_EINVAL;
	if (len > BK_LIMIT_DNS_TXT_BYTES || s->n == STATIC_MAX)
		return BK_ETOOBIG;
	r = &s->rec[s->n];
	r->text = malloc(len + 1);
	if (r->text == NULL)
		return BK_ENOMEM;
	memcpy(r->text, text, len);
	r->text[len] = '\0';
	r->len = len;
	memcpy(r->name, name, nl);
	r->name[nl] = '\0';
	s->n++;
	return 0;
}

/* put_name - @name as wire labels; 0 on overflow */
static size_t
put_name(unsigned char *b, size_t cap, const char *name)
{
	size_t o = 0, n = strlen(name);
	const char *p = name, *end = name + n;

	/* loop: one label per step, bounded by the name's length */
	while (p < end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t l = dot ? (size_t)(dot - p) : (size_t)(end - p);

		if (l == 0 || l > 63 || o + 1 + l + 1 > cap)
			return 0;
		b[o++] = (unsigned char)l;
		memcpy(b + o, p, l);
		o += l;
		p += l + (dot ? 1 : 0);
	}
	if (o + 1 > cap)
		return 0;
	b[o++] = 0;
	return o;
}

/* static_query - the bk_dns_backend callback */
static int
static_query(void *ctx, const char *name, bk_dns_type type,
    unsigned char *buf, size_t cap, size_t *len)
{
	bk_dns_static *s = ctx;
	size_t o, an = 0, nl = strlen(name), qn;

	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (type != BK_DNS_TXT)
		return BK_DNS_OFFLINE;
	for (size_t i = 0; i < s->n; i++)
		if (bk__dns_name_eq(s->rec[i].name, strlen(s->rec[i].name),
		    name, nl))
			an++;
	if (an == 0 || cap < 12)
		return BK_DNS_OFFLINE;
	memset(buf, 0, 12);
	buf[2] = 0x84;                 /* QR, AA */
	buf[5] = 1;
	buf[6] = (unsigned char)(an >> 8);
	buf[7] = (unsigned char)an;
	qn = put_name(buf + 12, cap - 12, name);
	if (qn == 0 || 12 + qn + 4 > cap)
		return BK_DNS_BADNAME;
	o = 12 + qn;
	buf[o++] = 0;
	buf[o++] = BK_DNS_TXT;
	buf[o++] = 0;
	buf[o++] = 1;
	for (size_t i = 0; i < s->n; i++) {
		const struct srec *r = &s->rec[i];
		size_t rd = r->len + (r->len + 254) / 255 + (r->len == 0);

		if (!bk__dns_name_eq(r->name, strlen(r->name), name, nl))
			continue;
		if (rd > 65535 || o + 12 + rd > cap)
			return BK_DNS_TOOBIG;
		buf[o++] = 0xc0;       /* the question name */
		buf[o++] = 12;
		buf[o++] = 0;
		buf[o++] = BK_DNS_TXT;
		buf[o++] = 0;
		buf[o++] = 1;
		memset(buf + o, 0, 4); /* TTL 0 */
		o += 4;
		buf[o++] = (unsigned char)(rd >> 8);
		buf[o++] = (unsigned char)rd;
		if (r->len == 0)
			buf[o++] = 0;
		/* loop: 255-octet character-strings */
		for (size_t k = 0; k < r->len; k += 255) {
			size_t l = r->len - k > 255 ? 255 : r->len - k;

			buf[o++] = (unsigned char)l;
			memcpy(buf + o, r->text + k, l);
			o += l;
		}
	}
	*len = o;
	return BK_DNS_OK;
}

/* bk_dns_static_backend - fill @out to answer from @s */
void
bk_dns_static_backend(bk_dns_static *s, bk_dns_backend *out)
{
	out->version = 1;
	out->query = static_query;
	out->ctx = s;
}
