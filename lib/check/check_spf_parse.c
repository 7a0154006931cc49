/*
 * check_spf_parse.c - SPF record syntax (RFC 7208 4.5, 4.6, 5, 6, 7.1, 12).
 *
 * The whole record is checked before any term is evaluated: RFC 7208
 * 4.6 makes a syntax error anywhere a permerror, even after a term that
 * would have matched.  Terms are separated by SP only; any other byte
 * outside %x21-7E is a syntax error.
 *
 * Invariants: every loop walks a bounded slice forward; nothing here
 * allocates except the term array in the caller's arena.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "check/check_int.h"

#define ALNUM(c) (bk__is((c), BK_C_ALPHA | BK_C_DIGIT))

/* bk__spf_is_record - "v=spf1" then SP or the end */
int
bk__spf_is_record(const char *txt, size_t len)
{
	if (len < 6 || !bk__istarts(txt, len, "v=spf1"))
		return 0;
	return len == 6 || txt[6] == ' ';
}

/* toplabel_ok - RFC 7208 12 toplabel */
static int
toplabel_ok(const char *p, size_t len)
{
	int alpha = 0, dash = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (bk__is(p[i], BK_C_ALPHA))
			alpha = 1;
		else if (p[i] == '-')
			dash = 1;
		else if (!bk__is(p[i], BK_C_DIGIT))
			return 0;
	}
	if (dash)
		return p[0] != '-' && p[len - 1] != '-';
	return alpha;
}

/* bk__spf_macro_valid - macro-string / explain-string / domain-spec */
int
bk__spf_macro_valid(const char *p, size_t len, int explain, int domain_end)
{
	size_t i = 0, tail = 0;    /* tail: where the last macro ended */
	int ends_expand = 0;

	/* loop: i advances by at least one byte per step */
	while (i < len) {
		unsigned char c = (unsigned char)p[i];

		if (c == '%') {
			unsigned char n;
			size_t d;

			if (i + 1 >= len)
				return 0;
			n = (unsigned char)p[i + 1];
			if (n == '%' || n == '_' || n == '-') {
				i += 2;
				tail = i;
				ends_expand = 1;
				continue;
			}
			if (n != '{' || i + 2 >= len)
				return 0;
			i += 2;
			c = (unsigned char)bk__lower(p[i]);
			if (strchr("slodiphv", c) == NULL &&
			    !(explain && strchr("crt", c) != NULL))
				return 0;
			i++;
			/* transformers: *DIGIT ["r"] (RFC 7208 7.1) */
			for (d = 0; i < len && bk__is(p[i], BK_C_DIGIT); d++)
				i++;
			if (d > 3)
				return 0;
			if (d > 0) {
				long v;

				if (bk__digits(p + i - d, d, 1, 999, &v) == 0)
					return 0;
			}
			if (i < len && (p[i] == 'r' || p[i] == 'R'))
				i++;
			while (i < len && strchr(".-+,/_=", p[i]) != NULL &&
			    p[i] != '\0')
				i++;
			if (i >= len || p[i] != '}')
				return 0;
			i++;
			tail = i;
			ends_expand = 1;
			continue;
		}
		if (c == ' ' && explain) {
			i++;
			ends_expand = 0;
			continue;
		}
		if (c < 0x21 || c > 0x7e)
			return 0;
		i++;
		ends_expand = 0;
	}
	if (!domain_end || ends_expand)
		return 1;
	/* domain-end = "." toplabel ["."] after the last macro */
	{
		size_t end = len, dot;

		if (end > tail && p[end - 1] == '.')
			end--;
		dot = end;
		while (dot > tail && p[dot - 1] != '.')
			dot--;
		if (dot == tail || dot == 0)
			return 0;
		return toplabel_ok(p + dot, end - dot);
	}
}

/* cidr_len - "0" or a number without leading zero, at most @max */
static int
cidr_len(const char *p, size_t len, int max)
{
	long v;

	if (len == 0 || (len > 1 && p[0] == '0'))
		return -1;
	if (bk__digits(p, len, 0, max, &v) != len)
		return -1;
	return (int)v;
}

/* trailing_digits - start of the digit run that ends at @end */
static size_t
trailing_digits(const char *p, size_t end)
{
	while (end > 0 && bk__is(p[end - 1], BK_C_DIGIT))
		end--;
	return end;
}

/*
 * dual_cidr - strip "/n", "//n" or "/n//m" from the end of @rest
 * (RFC 7208 5.6); returns the remaining length or -1 for a bad length.
 */
static long
dual_cidr(struct spf_term *t, const char *rest, size_t len)
{
	size_t q = trailing_digits(rest, len);

	if (q < len && q >= 2 && rest[q - 1] == '/' && rest[q - 2] == '/') {
		t->cidr6 = cidr_len(rest + q, len - q, 128);
		if (t->cidr6 < 0)
			return -1;
		len = q - 2;
		q = trailing_digits(rest, len);
	}
	if (q < len && q >= 1 && rest[q - 1] == '/' &&
	    (q < 2 || rest[q - 2] != '/')) {
		t->cidr4 = cidr_len(rest + q, len - q, 32);
		if (t->cidr4 < 0)
			return -1;
		len = q - 1;
	}
	return (long)len;
}

static const struct {
	const char *name;
	enum spf_mech mech;
} mechs[] = {
	{ "all", SPF_ALL }, { "include", SPF_INCLUDE }, { "a", SPF_A },
	{ "mx", SPF_MX }, { "ptr", SPF_PTR }, { "ip4", SPF_IP4 },
	{ "ip6", SPF_IP6 }, { "exists", SPF_EXISTS },
};

/* parse_term - one directive or modifier; 0, or -1 with @err set */
static int
parse_term(struct spf_record *rec, struct spf_term *t, const char *p,
    size_t len, char *err, size_t errcap)
{
	size_t k = 0, j, m;
	int has_q = 0;
	const char *rest;
	size_t rlen;
	long l;

	memset(t, 0, sizeof(*t));
	t->text = p;
	t->textlen = len;
	t->qual = '+';
	t->cidr4 = 32;
	t->cidr6 = 128;
	for (j = 0; j < len; j++) {
		unsigned char c = (unsigned char)p[j];

		if (c < 0x21 || c > 0x7e) {
			snprintf(err, errcap, "invalid byte 0x%02x in a term",
			    c);
			return -1;
		}
	}
	if (strchr("+-~?", p[0]) != NULL) {
		t->qual = p[0];
		k = 1;
		has_q = 1;
	}
	for (j = k; j < len && (ALNUM(p[j]) || p[j] == '-' || p[j] == '_' ||
	    p[j] == '.'); j++)
		;
	if (j < len && p[j] == '=') {
		const char *v = p + j + 1;
		size_t vl = len - j - 1;

		if (has_q || j == k || !bk__is(p[k], BK_C_ALPHA)) {
			snprintf(err, errcap, "bad modifier name");
			return -1;
		}
		if (bk__ieq(p + k, j - k, "redirect") ||
		    bk__ieq(p + k, j - k, "exp")) {
			int redir = bk__ieq(p + k, j - k, "redirect");

			if ((redir ? rec->redirect : rec->exp) != NULL) {
				snprintf(err, errcap, "%s= given twice",
				    redir ? "redirect" : "exp");
				return -1;
			}
			if (vl == 0 || !bk__spf_macro_valid(v, vl, 0, 1)) {
				snprintf(err, errcap, "bad domain in %s=",
				    redir ? "redirect" : "exp");
				return -1;
			}
			if (redir) {
				rec->redirect = v;
				rec->redirect_len = vl;
			} else {
				rec->exp = v;
				rec->exp_len = vl;
			}
			return 1;
		}
		/* unknown modifiers are ignored, but must parse (6) */
		if (!bk__spf_macro_valid(v, vl, 0, 0)) {
			snprintf(err, errcap, "bad macro in a modifier");
			return -1;
		}
		return 1;
	}
	for (m = 0; m < sizeof(mechs) / sizeof(mechs[0]); m++)
		if (bk__ieq(p + k, j - k, mechs[m].name))
			break;
	if (m == sizeof(mechs) / sizeof(mechs[0])) {
		snprintf(err, errcap, "unknown mechanism");
		return -1;
	}
	t->mech = mechs[m].mech;
	rest = p + j;
	rlen = len - j;
	switch (t->mech) {
	case SPF_ALL:
		if (rlen != 0)
			goto bad;
		break;
	case SPF_A:
	case SPF_MX:
		l = dual_cidr(t, rest, rlen);
		if (l < 0) {
			snprintf(err, errcap, "bad CIDR length");
			return -1;
		}
		rlen = (size_t)l;
		/* FALLTHROUGH */
	case SPF_PTR:
		if (rlen == 0)
			break;
		/* FALLTHROUGH */
	case SPF_INCLUDE:
	case SPF_EXISTS:
		if (rlen < 2 || rest[0] != ':' ||
		    !bk__spf_macro_valid(rest + 1, rlen - 1, 0, 1))
			goto bad;
		t->spec = rest + 1;
		t->speclen = rlen - 1;
		break;
	case SPF_IP4:
	case SPF_IP6: {
		char buf[64];
		size_t slash;
		int v6 = t->mech == SPF_IP6;

		if (rlen < 2 || rest[0] != ':')
			goto bad;
		for (slash = 1; slash < rlen && rest[slash] != '/'; slash++)
			;
		if (slash - 1 >= sizeof(buf))
			goto bad;
		memcpy(buf, rest + 1, slash - 1);
		buf[slash - 1] = '\0';
		if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, t->net) != 1)
			goto bad;
		if (slash < rlen) {
			int c = cidr_len(rest + slash + 1, rlen - slash - 1,
			    v6 ? 128 : 32);

			if (c < 0) {
				snprintf(err, errcap, "bad CIDR length");
				return -1;
			}
			if (v6)
				t->cidr6 = c;
			else
				t->cidr4 = c;
		}
		break;
	}
	}
	return 0;
bad:
	snprintf(err, errcap, "bad argument to %s", mechs[m].name);
	return -1;
}

/* bk__spf_parse - see check_int.h */
int
bk__spf_parse(struct spf_record *out, bk__arena *a, const char *txt,
    size_t len, char *err, size_t errcap)
{
	size_t i, nterms = 0, cap;

	memset(out, 0, sizeof(*out));
	if (!bk__spf_is_record(txt, len)) {
		snprintf(err, errcap, "not an SPF record");
		return BK_ESYNTAX;
	}
	/* count terms: an upper bound for the array */
	for (i = 6; i < len; i++)
		if (txt[i] != ' ' && (i == 6 || txt[i - 1] == ' '))
			nterms++;
	cap = nterms ? nterms : 1;
	out->terms = bk__arena_zalloc(a, cap * sizeof(struct spf_term));
	if (out->terms == NULL)
		return BK_ENOMEM;
	i = 6;
	/* loop: each step consumes spaces and one term */
	while (i < len) {
		size_t j;
		int rc;
		char why[160];

		while (i < len && txt[i] == ' ')
			i++;
		if (i >= len)
			break;
		for (j = i; j < len && txt[j] != ' '; j++)
			;
		rc = parse_term(out, &out->terms[out->n], txt + i, j - i,
		    why, sizeof(why));
		if (rc < 0) {
			size_t tl = j - i;
			char shown[64];
			size_t k, o = 0;

			/* escape the term: it is untrusted */
			for (k = 0; k < tl && o + 5 < sizeof(shown); k++) {
				unsigned char c = (unsigned char)txt[i + k];

				if (c < 0x20 || c > 0x7e)
					o += (size_t)snprintf(shown + o,
					    sizeof(shown) - o, "\\x%02x", c);
				else
					shown[o++] = (char)c;
			}
			shown[o] = '\0';
			snprintf(err, errcap, "syntax error in '%s%s': %s",
			    shown, k < tl ? "..." : "", why);
			return BK_ESYNTAX;
		}
		if (rc == 0)
			out->n++;
		i = j;
	}
	return 0;
}
