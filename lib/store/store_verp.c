/*
 * store_verp.c - the original recipient from a bounce's envelope
 * recipient: SRS unwrapping, then VERP decoding.
 *
 * A bounce comes back to the return path the sender chose.  With VERP
 * (variable envelope return path) that address carries the recipient the
 * message was for, so the address that bounced is known even when the
 * report is undecodable or names a forwarded-to address.  Forwarders
 * that rewrite the return path with SRS wrap it first:
 *
 *   SRS0=HHH=TT=orig.example=bounces+jane=example.net@fwd.example
 *     -> bounces+jane=example.net@orig.example          (SRS0: one hop)
 *   SRS1=HHH=fwd1.example==HHH=TT=orig.example=local@fwd2.example
 *     -> SRS0=HHH=TT=orig.example=local@fwd1.example   (SRS1: two hops)
 *
 * (the hash and timestamp are not checked: the secret is the forwarder's;
 * SRS only tells us where the address came from).  Then, on the local
 * part of the unwrapped address, in this order:
 *
 *   sympa     bounce+jane==a==example.net==list@lists.example.org
 *             list-owner+jane==a==example.net@lists.example.org
 *   mailman   list-bounces+jane=example.net@lists.example.org
 *   qmail     list-return-42-jane=example.net@lists.example.org
 *             (ezmlm; NN is the message number)
 *   postfix   bounces+jane=example.net@example.org  (XVERP; the two
 *             delimiters, "+=" by default, are configurable: the first
 *             ends the prefix, the second stands for the '@')
 *
 * The encoded '@' is the LAST delimiter: a domain never contains '=',
 * a local part may.  The result must be a valid address
 * (bk_store_normalize), else the address is not VERP.
 */
#include <string.h>
#include <strings.h>

#include "store/store_int.h"

/* Longest address handled while unwrapping (two SRS hops add ~60). */
#define VERP_WORK_MAX 512

/* style_names - index by bk_store_verp_style */
static const char *const style_names[] = {
#define BK_STORE_VERP_NAME(e, name) name,
	BK_STORE_VERP_LIST(BK_STORE_VERP_NAME)
#undef BK_STORE_VERP_NAME
};

const char *
bk_store_verp_style_name(bk_store_verp_style s)
{
	if ((unsigned)s >= sizeof(style_names) / sizeof(style_names[0]))
		return NULL;
	return style_names[s];
}

/* prefix_ci - does @s (length @n) start with @p, ignoring ASCII case? */
static int
prefix_ci(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && strncasecmp(s, p, k) == 0;
}

/* find - first @needle in @s[0, n), or NULL */
static const char *
find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	if (k == 0 || n < k)
		return NULL;
	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return s + i;
	return NULL;
}

/* rfind_ch - last @ch in @s[0, n), or NULL */
static const char *
rfind_ch(const char *s, size_t n, char ch)
{
	while (n > 0) {
		n--;
		if (s[n] == ch)
			return s + n;
	}
	return NULL;
}

/* join - "local@domain" into @out; 0, or -1 when it is no address */
static int
join(char out[BK_STORE_ADDRESS_MAX + 1], const char *local, size_t llen,
    const char *domain, size_t dlen)
{
	char tmp[VERP_WORK_MAX];

	if (llen == 0 || dlen == 0 || llen + dlen + 1 >= sizeof(tmp))
		return -1;
	memcpy(tmp, local, llen);
	tmp[llen] = '@';
	memcpy(tmp + llen + 1, domain, dlen);
	return bk_store_normalize(out, tmp, llen + 1 + dlen) == 0 ? 0 : -1;
}

/*
 * srs_unwrap - one SRS hop of @a (local part @llen, whole @n) into @dst;
 * 1 unwrapped, 0 not SRS, -1 malformed.
 */
static int
srs_unwrap(char *dst, size_t cap, const char *a, size_t llen)
{
	const char *p = a + 4, *end = a + llen, *f[3];
	size_t i, n;

	if (llen < 5 || (a[4] != '=' && a[4] != '+' && a[4] != '-'))
		return 0;
	if (prefix_ci(a, llen, "SRS1")) {
		/* SRS1=HHH=fwd1==<SRS0 tail>@fwd2 -> SRS0<SRS0 tail>@fwd1 */
		const char *h, *fwd, *sep;

		h = p + 1;
		sep = memchr(h, '=', (size_t)(end - h));
		if (sep == NULL)
			return -1;
		fwd = sep + 1;
		sep = find(fwd, (size_t)(end - fwd), "==");
		if (sep == NULL || sep == fwd)
			return -1;
		n = 4 + (size_t)(end - (sep + 1)) + 1 + (size_t)(sep - fwd);
		if (n >= cap)
			return -1;
		memcpy(dst, "SRS0", 4);
		memcpy(dst + 4, sep + 1, (size_t)(end - (sep + 1)));
		dst[4 + (end - (sep + 1))] = '@';
		memcpy(dst + 5 + (end - (sep + 1)), fwd, (size_t)(sep - fwd));
		dst[n] = '\0';
		return 1;
	}
	if (!prefix_ci(a, llen, "SRS0"))
		return 0;
	/* SRS0=HHH=TT=domain=local: three '='-ended fields, then local */
	p++;
	for (i = 0; i < 3; i++) {
		const char *eq = memchr(p, '=', (size_t)(end - p));

		if (eq == NULL || eq == p)
			return -1;
		f[i] = p;
		p = eq + 1;
	}
	/* f[2] is the domain, from f[2] to the '=' before p */
	if (p >= end)
		return -1;
	n = (size_t)(end - p) + 1 + (size_t)(p - 1 - f[2]);
	if (n >= cap)
		return -1;
	memcpy(dst, p, (size_t)(end - p));
	dst[end - p] = '@';
	memcpy(dst + (end - p) + 1, f[2], (size_t)(p - 1 - f[2]));
	dst[n] = '\0';
	return 1;
}

/* bk_store_verp_decode - see store.h */
int
bk_store_verp_decode(char out[BK_STORE_ADDRESS_MAX + 1],
    bk_store_verp_style *style_out, int *srs_out, const char *addr,
    size_t len, const char *delimiters)
{
	char work[2][VERP_WORK_MAX];
	const char *a, *at, *l, *p, *q;
	size_t n, llen, i;
	int hops, cur = 0, r;
	char d1 = '+', d2 = '=';

	out[0] = '\0';
	if (style_out != NULL)
		*style_out = BK_STORE_VERP_NONE;
	if (srs_out != NULL)
		*srs_out = 0;
	if (delimiters != NULL && delimiters[0] != '\0') {
		if (strlen(delimiters) != 2 || delimiters[0] == '@' ||
		    delimiters[1] == '@')
			return BK_EINVAL;
		d1 = delimiters[0];
		d2 = delimiters[1];
	}
	if (bk_store_normalize(work[0], addr, len) != 0)
		return BK_EINVAL;
	/* SRS first: at most two hops (SRS1 -> SRS0 -> the address) */
	for (hops = 0; hops < 2; hops++) {
		a = work[cur];
		at = strrchr(a, '@');
		r = srs_unwrap(work[1 - cur], sizeof(work[0]), a,
		    (size_t)(at - a));
		if (r < 0)
			return BK_EINVAL;
		if (r == 0)
			break;
		cur = 1 - cur;
		if (srs_out != NULL)
			*srs_out = 1;
	}
	a = work[cur];
	n = strlen(a);
	at = strrchr(a, '@');
	l = a;
	llen = (size_t)(at - a);

	/* Sympa: ...+local==a==domain[==list]@host */
	p = find(l, llen, "==a==");
	if (p != NULL) {
		q = memchr(l, '+', (size_t)(p - l));
		if (q != NULL) {
			const char *dom = p + 5, *dend;

			dend = find(dom, (size_t)(at - dom), "==");
			if (dend == NULL)
				dend = at;
			if (join(out, q + 1, (size_t)(p - q - 1), dom,
			    (size_t)(dend - dom)) == 0) {
				if (style_out != NULL)
					*style_out = BK_STORE_VERP_SYMPA;
				return 0;
			}
		}
	}
	/* Mailman: list-bounces+local=domain@host */
	p = find(l, llen, "-bounces+");
	if (p != NULL) {
		const char *enc = p + 9;
		const char *eq = rfind_ch(enc, (size_t)(at - enc), '=');

		if (eq != NULL && join(out, enc, (size_t)(eq - enc), eq + 1,
		    (size_t)(at - eq - 1)) == 0) {
			if (style_out != NULL)
				*style_out = BK_STORE_VERP_MAILMAN;
			return 0;
		}
	}
	/* qmail/ezmlm: list-return-NN-local=domain@host */
	p = find(l, llen, "-return-");
	if (p != NULL) {
		const char *digits = p + 8, *enc, *eq;

		for (i = 0; digits + i < at && digits[i] >= '0' &&
		    digits[i] <= '9'; i++)
			;
		enc = digits + i + 1;
		if (i > 0 && digits + i < at && digits[i] == '-' && enc < at) {
			eq = rfind_ch(enc, (size_t)(at - enc), '=');
			if (eq != NULL && join(out, enc, (size_t)(eq - enc),
			    eq + 1, (size_t)(at - eq - 1)) == 0) {
				if (style_out != NULL)
					*style_out = BK_STORE_VERP_QMAIL;
				return 0;
			}
		}
	}
	/* Postfix XVERP: prefix<d1>local<d2>domain@host */
	p = memchr(l, d1, llen);
	if (p != NULL) {
		const char *enc = p + 1;
		const char *eq = rfind_ch(enc, (size_t)(at - enc), d2);

		if (eq != NULL && join(out, enc, (size_t)(eq - enc), eq + 1,
		    (size_t)(at - eq - 1)) == 0) {
			if (style_out != NULL)
				*style_out = BK_STORE_VERP_POSTFIX;
			return 0;
		}
	}
	/* not VERP: the (unwrapped) return path itself */
	if (n > BK_STORE_ADDRESS_MAX)
		return BK_EINVAL;
	memcpy(out, a, n + 1);
	return BK_ENOTFOUND;
}
