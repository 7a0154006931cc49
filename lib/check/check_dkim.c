/*
 * check_dkim.c - DKIM signature verification (RFC 6376 6.1) with OpenSSL.
 *
 * bk_dkim_new() copies the message with every bare LF made CRLF and
 * splits the header block into fields (raw bytes, folding kept).
 * bk_dkim_start() parses every DKIM-Signature field (RFC 6376 3.5),
 * checks what can be checked without the key (required tags, v=1, a=,
 * c=, q=, d= and s= as domain names, i= within d=, From in h=, t= and
 * x=) and queues one key lookup per remaining signature, all at once.
 * Each key answer finishes its signature in the callback: key record
 * (3.6.1), RFC 8301 minimums, body hash (3.7, with l=), then the header
 * hash and the signature (RSA PKCS#1 v1.5 or Ed25519 over the SHA-256
 * of the header hash input, RFC 8463 3).
 *
 * Results follow RFC 8601 2.7.1: a signature that does not verify is
 * fail; one that cannot be used (syntax, no key, revoked key, rsa-sha1,
 * short key, expired) is permerror; a key lookup that could not be made
 * is temperror.  The reason is kept in the signature's detail.
 *
 * Bounds: at most BK_LIMIT_DKIM_SIGNATURES signatures, BK_LIMIT_HEADER_
 * COUNT fields, BK_LIMIT_DKIM_SIGNED_HEADERS names per h=, TAGS_MAX tags
 * per tag-list; canonicalization streams over the copy, one pass per
 * signature, with no buffer that grows with the input except the header
 * hash input (bounded by the header block).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "check/check_int.h"
#include "dns/dns_int.h"

#define TAGS_MAX 64
#define DETAIL_MAX 300
/* t= more than this far in the future makes the signature unusable */
#define CLOCK_SKEW (24 * 3600)

struct field {
	const char *p;             /* name start */
	size_t len;                /* whole field, final CRLF included */
	size_t namelen;            /* name without trailing WSP */
	int used;                  /* consumed by the current h= walk */
};

struct tag {
	const char *name, *val;
	size_t nlen, vlen;
};

enum { ALG_RSA_SHA256, ALG_RSA_SHA1, ALG_ED25519_SHA256 };

struct dsig {
	bk_dkim_sig pub;
	struct bk_dkim *d;
	size_t field;              /* index of its DKIM-Signature field */
	int alg;
	int hrelaxed, brelaxed;
	const char *bh, *b;        /* raw values (with FWS) */
	size_t bhlen, blen;
	const char *h;
	size_t hlen;
	char detail[DETAIL_MAX];
	char keyname[300];
	char keyproblem[DETAIL_MAX];
	int done;
};

struct bk_dkim {
	bk_resolver *r;
	bk__arena *a;
	char *msg;                 /* CRLF copy */
	size_t len;
	size_t body;               /* offset of the body */
	struct field *f;
	size_t nf;
	struct dsig *sig[BK_LIMIT_DKIM_SIGNATURES];
	size_t nsig;
	size_t skipped;            /* signature fields past max_sigs */
	size_t pending;
	long long now;
	unsigned max_sigs, min_bits;
	bk_dkim_callback cb;
	void *cbarg;
	int started, finished;
};

static const char *const result_names[] = {
#define RN(code, name, text) text,
	BK_DKIM_RESULT_LIST(RN)
#undef RN
};

/* bk_dkim_result_name - static name of a result */
const char *
bk_dkim_result_name(bk_dkim_result res)
{
	if ((unsigned)res >= BK_DKIM_RESULT_COUNT_)
		return "unknown";
	return result_names[res];
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * tags_parse - an RFC 6376 3.2 tag-list: tag-spec *(";" tag-spec) [";"];
 * tag names are ALPHA *ALNUMPUNC, a name may appear once.  Values are
 * trimmed of surrounding FWS.  Returns the number of tags, or -1 with
 * the reason in @err.
 */
static int
tags_parse(struct tag *t, const char *p, size_t len, char *err, size_t cap)
{
	size_t i = 0;
	int n = 0;

	/* loop: one tag-spec per step; i only moves forward */
	while (i < len) {
		size_t ns, ne, vs, ve;

		while (i < len && is_wsp(p[i]))
			i++;
		if (i == len)
			break;
		ns = i;
		while (i < len && p[i] != '=' && p[i] != ';')
			i++;
		if (i == len || p[i] == ';') {
			/* a bare ';' after the last tag is allowed */
			size_t k = ns;

			while (k < i && is_wsp(p[k]))
				k++;
			if (k == i && i + 1 >= len)
				break;
			snprintf(err, cap, "tag without '=' (\"%.*s\")",
			    (int)(i - ns > 40 ? 40 : i - ns), p + ns);
			return -1;
		}
		ne = i;
		while (ne > ns && is_wsp(p[ne - 1]))
			ne--;
		if (ne == ns || !bk__is(p[ns], BK_C_ALPHA)) {
			snprintf(err, cap, "bad tag name before '='");
			return -1;
		}
		for (size_t k = ns; k < ne; k++)
			if (!bk__is(p[k], BK_C_ALPHA | BK_C_DIGIT) &&
			    p[k] != '_') {
				snprintf(err, cap, "bad tag name \"%.*s\"",
				    (int)(ne - ns > 40 ? 40 : ne - ns),
				    p + ns);
				return -1;
			}
		i++;
		vs = i;
		while (i < len && p[i] != ';')
			i++;
		ve = i;
		if (i < len)
			i++;
		while (vs < ve && is_wsp(p[vs]))
			vs++;
		while (ve > vs && is_wsp(p[ve - 1]))
			ve--;
		for (int k = 0; k < n; k++)
			if (t[k].nlen == ne - ns &&
			    memcmp(t[k].name, p + ns, ne - ns) == 0) {
				snprintf(err, cap, "tag %.*s= appears twice",
				    (int)(ne - ns > 40 ? 40 : ne - ns),
				    p + ns);
				return -1;
			}
		if (n == TAGS_MAX) {
			snprintf(err, cap, "more than %d tags", TAGS_MAX);
			return -1;
		}
		t[n].name = p + ns;
		t[n].nlen = ne - ns;
		t[n].val = p + vs;
		t[n].vlen = ve - vs;
		n++;
	}
	return n;
}

/* tag_get - the tag called @name, or NULL */
static const struct tag *
tag_get(const struct tag *t, int n, const char *name)
{
	size_t l = strlen(name);

	for (int i = 0; i < n; i++)
		if (t[i].nlen == l && memcmp(t[i].name, name, l) == 0)
			return &t[i];
	return NULL;
}

/* tag_is - value equals @s exactly (case-insensitive) */
static int
tag_is(const struct tag *t, const char *s)
{
	return t != NULL && bk__ieq(t->val, t->vlen, s);
}

/*
 * list_has - does a ':'-separated list (FWS allowed around elements)
 * hold @s (case-insensitive)?
 */
static int
list_has(const char *p, size_t len, const char *s)
{
	size_t i = 0;

	while (i <= len) {
		size_t st = i, e;

		while (i < len && p[i] != ':')
			i++;
		e = i;
		while (st < e && is_wsp(p[st]))
			st++;
		while (e > st && is_wsp(p[e - 1]))
			e--;
		if (bk__ieq(p + st, e - st, s))
			return 1;
		i++;
	}
	return 0;
}

/*
 * b64_decode - base64 with FWS ignored (RFC 6376 2.4).  Returns the
 * decoded length, or -1 for a character outside the alphabet, data after
 * padding, or a length that is not a whole number of quanta.
 */
static long
b64_decode(unsigned char *out, size_t cap, const char *p, size_t len)
{
	unsigned acc = 0;
	int bits = 0, pad = 0;
	size_t n = 0, chars = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)p[i], v;

		if (is_wsp(c))
			continue;
		if (c == '=') {
			pad++;
			chars++;
			continue;
		}
		if (pad)
			return -1;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else
			return -1;
		chars++;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (pad > 2 || (pad > 0 && chars % 4 != 0))
		return -1;
	return (long)n;
}

/* valid_domain - LDH labels (and '_'), 1..253 octets (RFC 6376 3.5 d=) */
static int
valid_domain(const char *p, size_t len)
{
	if (len == 0 || !bk__dns_name_valid(p, len))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!bk__is(p[i], BK_C_ALPHA | BK_C_DIGIT) && p[i] != '-' &&
		    p[i] != '.' && p[i] != '_')
			return 0;
	return 1;
}

/* digits64 - a run of 1..18 digits (RFC 6376: up to 12 or 76 allowed;
 * longer values are refused) */
static int
digits64(const struct tag *t, long long *out)
{
	long long v = 0;

	if (t->vlen == 0 || t->vlen > 18)
		return -1;
	for (size_t i = 0; i < t->vlen; i++) {
		if (!bk__is(t->val[i], BK_C_DIGIT))
			return -1;
		v = v * 10 + (t->val[i] - '0');
	}
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The message                                                         */

/* split_headers - fields of the header block; sets d->body */
static int
split_headers(bk_dkim *d)
{
	size_t i = 0, cap = 0;

	/* loop: one field per step; i only moves forward */
	while (i < d->len) {
		size_t st = i;
		struct field *f;

		if (d->len - i >= 2 && d->msg[i] == '\r' &&
		    d->msg[i + 1] == '\n') {
			d->body = i + 2;
			return 0;
		}
		/* the field: this line and every continuation line */
		for (;;) {
			const char *nl = memchr(d->msg + i, '\n', d->len - i);

			i = nl ? (size_t)(nl - d->msg) + 1 : d->len;
			if (i >= d->len || (d->msg[i] != ' ' &&
			    d->msg[i] != '\t'))
				break;
		}
		if (d->nf == BK_LIMIT_HEADER_COUNT)
			continue;
		if (d->nf == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct field *nfv = bk__arena_alloc(d->a,
			    ncap * sizeof(*nfv));

			if (nfv == NULL)
				return BK_ENOMEM;
			if (cap)
				memcpy(nfv, d->f, cap * sizeof(*nfv));
			d->f = nfv;
			cap = ncap;
		}
		f = &d->f[d->nf++];
		f->p = d->msg + st;
		f->len = i - st;
		f->used = 0;
		{
			const char *c = memchr(f->p, ':', f->len);
			size_t nl = c ? (size_t)(c - f->p) : f->len;

			while (nl > 0 && (f->p[nl - 1] == ' ' ||
			    f->p[nl - 1] == '\t'))
				nl--;
			f->namelen = nl;
		}
	}
	d->body = d->len;
	return 0;
}

/* bk_dkim_new - see check.h */
int
bk_dkim_new(bk_dkim **out, bk_resolver *r, const bk_dkim_options *opts,
    const char *msg, size_t len)
{
	bk_dkim *d;
	size_t n = 0, cap;

	if (out == NULL)
		return BK_EINVAL;
	*out = NULL;
	if (r == NULL || (msg == NULL && len > 0))
		return BK_EINVAL;
	if (len > BK_LIMIT_MESSAGE_BYTES)
		len = BK_LIMIT_MESSAGE_BYTES;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return BK_ENOMEM;
	d->r = r;
	d->max_sigs = BK_LIMIT_DKIM_SIGNATURES;
	d->min_bits = BK_LIMIT_DKIM_RSA_MIN_BITS;
	if (opts != NULL) {
		d->now = opts->now;
		if (opts->max_signatures > 0 &&
		    opts->max_signatures < BK_LIMIT_DKIM_SIGNATURES)
			d->max_sigs = opts->max_signatures;
		if (opts->min_rsa_bits > 0)
			d->min_bits = opts->min_rsa_bits;
	}
	if (d->now == 0)
		d->now = (long long)time(NULL);
	/* audit: at most one CR per byte, so 2 * len + 1 bytes suffice;
	 * len <= BK_LIMIT_MESSAGE_BYTES keeps it from overflowing */
	cap = 2 * len + 1;
	if (bk__arena_new(&d->a, 16 * 1024) != 0 ||
	    (d->msg = malloc(cap)) == NULL) {
		bk_dkim_free(d);
		return BK_ENOMEM;
	}
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			d->msg[n++] = '\r';
		d->msg[n++] = msg[i];
	}
	d->len = n;
	if (split_headers(d) != 0) {
		bk_dkim_free(d);
		return BK_ENOMEM;
	}
	*out = d;
	return 0;
}

/* bk_dkim_free - the copy, the arena, the handle */
void
bk_dkim_free(bk_dkim *d)
{
	if (d == NULL)
		return;
	free(d->msg);
	bk__arena_free(d->a);
	free(d);
}

int
bk_dkim_is_done(const bk_dkim *d)
{
	return d != NULL && d->finished;
}

size_t
bk_dkim_count(const bk_dkim *d)
{
	return d ? d->nsig : 0;
}

size_t
bk_dkim_skipped(const bk_dkim *d)
{
	return d ? d->skipped : 0;
}

const bk_dkim_sig *
bk_dkim_signature(const bk_dkim *d, size_t i)
{
	if (d == NULL || i >= d->nsig)
		return NULL;
	return &d->sig[i]->pub;
}

/* rank - the order in which signatures win the message verdict */
static int
rank(bk_dkim_result r)
{
	switch (r) {
	case BK_DKIM_PASS:
		return 4;
	case BK_DKIM_TEMPERROR:
		return 3;
	case BK_DKIM_FAIL:
		return 2;
	case BK_DKIM_PERMERROR:
		return 1;
	default:
		return 0;
	}
}

/* bk_dkim_verdict - the best signature's result */
bk_dkim_result
bk_dkim_verdict(const bk_dkim *d)
{
	bk_dkim_result best = BK_DKIM_NONE;

	for (size_t i = 0; d != NULL && i < d->nsig; i++)
		if (rank(d->sig[i]->pub.result) > rank(best))
			best = d->sig[i]->pub.result;
	return best;
}

/* finish - a signature has its result */
static void
finish(struct dsig *s, bk_dkim_result res, const char *fmt, const char *arg)
{
	bk_dkim *d = s->d;

	if (s->done)
		return;
	s->done = 1;
	s->pub.result = res;
	/* a detail too long for its room ends in "..." where it was cut */
	if (snprintf(s->detail, sizeof(s->detail), fmt, arg ? arg : "") >=
	    (int)sizeof(s->detail))
		memcpy(s->detail + sizeof(s->detail) - 4, "...", 4);
	s->pub.detail = s->detail;
	if (d->pending > 0)
		d->pending--;
	if (d->started && d->pending == 0 && !d->finished) {
		d->finished = 1;
		if (d->cb != NULL)
			d->cb(d->cbarg, d);
	}
}

/* ------------------------------------------------------------------ */
/* Key records (RFC 6376 3.6.1, RFC 8463 4)                            */

/*
 * bk__dkim_key_parse - read a key record into @k.  Strings point into
 * @txt or into @a; @want_hash is "sha256"/"sha1" or NULL (no signature
 * to match).  Returns 0 usable, -1 unusable (k->problem says why).
 * The public key itself, when @pkey is not NULL, is decoded there.
 */
int
bk__dkim_key_parse(bk_dkim_key *k, bk__arena *a, const char *txt,
    size_t len, const char *want_hash, void **pkey_out, char *problem,
    size_t cap)
{
	struct tag t[TAGS_MAX];
	const struct tag *p, *v, *kt, *h, *sv, *fl;
	unsigned char *raw;
	long rawlen;
	EVP_PKEY *pkey = NULL;
	int n;

	if (pkey_out != NULL)
		*pkey_out = NULL;
	k->usable = 0;
	k->problem = problem;
	problem[0] = '\0';
	n = tags_parse(t, txt, len, problem, cap);
	if (n < 0)
		return -1;
	v = tag_get(t, n, "v");
	if (v != NULL && v != &t[0]) {
		snprintf(problem, cap, "v= is not the first tag of the key "
		    "record");
		return -1;
	}
	if (v != NULL && !(v->vlen == 5 && memcmp(v->val, "DKIM1", 5) ==
	    0)) {
		snprintf(problem, cap, "key record v=%.*s is not DKIM1",
		    (int)(v->vlen > 20 ? 20 : v->vlen), v->val);
		return -1;
	}
	kt = tag_get(t, n, "k");
	k->type = "rsa";
	if (kt != NULL) {
		char *ty = bk__arena_memdup(a, kt->val, kt->vlen);

		if (ty == NULL)
			return -1;
		k->type = ty;
	}
	fl = tag_get(t, n, "t");
	if (fl != NULL) {
		k->testing = list_has(fl->val, fl->vlen, "y");
		k->strict = list_has(fl->val, fl->vlen, "s");
	}
	p = tag_get(t, n, "p");
	if (p == NULL) {
		snprintf(problem, cap, "key record has no p= tag");
		return -1;
	}
	if (p->vlen == 0) {
		k->revoked = 1;
		snprintf(problem, cap, "key revoked (empty p=)");
		return -1;
	}
	if (!tag_is(kt, "rsa") && !tag_is(kt, "ed25519") && kt != NULL) {
		snprintf(problem, cap, "unknown key type k=%s", k->type);
		return -1;
	}
	h = tag_get(t, n, "h");
	if (h != NULL && want_hash != NULL &&
	    !list_has(h->val, h->vlen, want_hash)) {
		snprintf(problem, cap, "key h=%.*s does not allow %s",
		    (int)(h->vlen > 40 ? 40 : h->vlen), h->val, want_hash);
		return -1;
	}
	sv = tag_get(t, n, "s");
	if (sv != NULL && !list_has(sv->val, sv->vlen, "*") &&
	    !list_has(sv->val, sv->vlen, "email")) {
		snprintf(problem, cap, "key s=%.*s is not for email",
		    (int)(sv->vlen > 40 ? 40 : sv->vlen), sv->val);
		return -1;
	}
	raw = bk__arena_alloc(a, p->vlen);
	if (raw == NULL)
		return -1;
	rawlen = b64_decode(raw, p->vlen, p->val, p->vlen);
	if (rawlen <= 0) {
		snprintf(problem, cap, "key p= is not valid base64");
		return -1;
	}
	if (strcmp(k->type, "ed25519") == 0) {
		if (rawlen != 32) {
			snprintf(problem, cap, "ed25519 key of %ld octets "
			    "(must be 32)", rawlen);
			return -1;
		}
		pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
		    raw, 32);
		k->bits = 256;
	} else {
		const unsigned char *q = raw;

		pkey = d2i_PUBKEY(NULL, &q, rawlen);
		if (pkey == NULL) {
			/* some old records carry a bare RSAPublicKey */
			q = raw;
			pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, rawlen);
		}
		if (pkey != NULL && EVP_PKEY_get_base_id(pkey) !=
		    EVP_PKEY_RSA) {
			EVP_PKEY_free(pkey);
			snprintf(problem, cap, "k=rsa but p= holds another "
			    "key type");
			return -1;
		}
		if (pkey != NULL)
			k->bits = (unsigned)EVP_PKEY_get_bits(pkey);
	}
	if (pkey == NULL) {
		snprintf(problem, cap, "key p= does not decode as a%s key",
		    strcmp(k->type, "ed25519") == 0 ? "n ed25519" :
		    " public RSA");
		return -1;
	}
	if (strcmp(k->type, "rsa") == 0 &&
	    k->bits > BK_LIMIT_DKIM_RSA_MAX_BITS) {
		EVP_PKEY_free(pkey);
		snprintf(problem, cap, "%u-bit RSA key: over the %u-bit "
		    "limit", k->bits, (unsigned)BK_LIMIT_DKIM_RSA_MAX_BITS);
		return -1;
	}
	k->usable = 1;
	k->problem = NULL;
	if (pkey_out != NULL)
		*pkey_out = pkey;
	else
		EVP_PKEY_free(pkey);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Canonicalization (RFC 6376 3.4)                                     */

struct sink {
	EVP_MD_CTX *md;
	long long left;            /* l= budget, -1 = all */
	unsigned long long total;  /* canonical body length */
};

static void
sink_put(struct sink *s, const char *p, size_t n)
{
	s->total += n;
	if (s->left >= 0) {
		if ((long long)n > s->left)
			n = (size_t)s->left;
		s->left -= (long long)n;
	}
	if (n > 0)
		EVP_DigestUpdate(s->md, p, n);
}

/*
 * body_hash - canonicalize the body (3.4.3 simple, 3.4.4 relaxed) into
 * the digest.  Trailing empty lines are held back (a counter) and
 * written only when a non-empty line follows.
 */
static void
body_hash(const bk_dkim *d, int relaxed, struct sink *s)
{
	const char *p = d->msg + d->body, *end = d->msg + d->len;
	unsigned long long empties = 0;
	int any = 0;

	/* loop: one line per step; p only moves forward */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;   /* line end, CR excluded */
		const char *next = nl ? nl + 1 : end;

		if (le > p && le[-1] == '\r' && nl != NULL)
			le--;
		if (relaxed)
			while (le > p && (le[-1] == ' ' || le[-1] == '\t'))
				le--;
		if (le == p) {
			empties++;
			p = next;
			continue;
		}
		for (; empties > 0; empties--)
			sink_put(s, "\r\n", 2);
		if (!relaxed)
			sink_put(s, p, (size_t)(le - p));
		else {
			const char *q = p;

			while (q < le) {
				const char *w = q;

				if (*q == ' ' || *q == '\t') {
					while (q < le && (*q == ' ' ||
					    *q == '\t'))
						q++;
					sink_put(s, " ", 1);
					continue;
				}
				while (q < le && *q != ' ' && *q != '\t')
					q++;
				sink_put(s, w, (size_t)(q - w));
			}
		}
		sink_put(s, "\r\n", 2);
		any = 1;
		p = next;
	}
	if (!any && !relaxed)
		sink_put(s, "\r\n", 2);
}

/*
 * canon_header - append one field, canonicalized, to @b; @drop_b:
 * [bs, be) is the b= value to leave out; @crlf: end with CRLF.
 */
static void
canon_header(bk__buf *b, const char *p, size_t len, size_t namelen,
    int relaxed, const char *bs, const char *be, int crlf)
{
	const char *end = p + len, *q;
	int sp = 0, started = 0;

	/* the field without its final CRLF */
	if (end - p >= 2 && end[-2] == '\r' && end[-1] == '\n')
		end -= 2;
	if (!relaxed) {
		if (bs != NULL) {
			bk__buf_append(b, p, (size_t)(bs - p));
			bk__buf_append(b, be, (size_t)(end - be));
		} else
			bk__buf_append(b, p, (size_t)(end - p));
		if (crlf)
			bk__buf_append(b, "\r\n", 2);
		return;
	}
	for (size_t i = 0; i < namelen; i++)
		bk__buf_putc(b, bk__lower(p[i]));
	bk__buf_putc(b, ':');
	q = memchr(p, ':', len);
	q = q ? q + 1 : end;
	for (; q < end; q++) {
		if (bs != NULL && q == bs)
			q = be;
		if (q >= end)
			break;
		if (*q == '\r' || *q == '\n')
			continue;
		if (*q == ' ' || *q == '\t') {
			sp = 1;
			continue;
		}
		if (sp && started)
			bk__buf_putc(b, ' ');
		sp = 0;
		started = 1;
		bk__buf_putc(b, *q);
	}
	if (crlf)
		bk__buf_append(b, "\r\n", 2);
}

/* find_b - the b= value in a DKIM-Signature field: [*bs, *be) */
static int
find_b(const char *p, size_t len, const char **bs, const char **be)
{
	const char *c = memchr(p, ':', len), *end = p + len;
	const char *q;

	if (c == NULL)
		return -1;
	if (end - p >= 2 && end[-2] == '\r' && end[-1] == '\n')
		end -= 2;
	q = c + 1;
	/* loop: one tag per step */
	while (q < end) {
		const char *ns, *eq, *semi;

		while (q < end && is_wsp(*q))
			q++;
		ns = q;
		eq = memchr(q, '=', (size_t)(end - q));
		semi = memchr(q, ';', (size_t)(end - q));
		if (semi == NULL)
			semi = end;
		if (eq != NULL && eq < semi) {
			const char *ne = eq;

			while (ne > ns && is_wsp(ne[-1]))
				ne--;
			if (ne - ns == 1 && *ns == 'b') {
				*bs = eq + 1;
				*be = semi;
				return 0;
			}
		}
		q = semi + 1;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Verification                                                        */

static const char *
hash_name(int alg)
{
	return alg == ALG_RSA_SHA1 ? "sha1" : "sha256";
}

/*
 * verify - key in hand: body hash, header hash, signature.  Returns the
 * result; the reason in s->detail.
 */
static void
verify(struct dsig *s, EVP_PKEY *pkey)
{
	bk_dkim *d = s->d;
	const EVP_MD *md = s->alg == ALG_RSA_SHA1 ? EVP_sha1() :
	    EVP_sha256();
	unsigned char bh[64], got[EVP_MAX_MD_SIZE], sig[1024];
	unsigned int gotlen = 0;
	long bhlen, siglen;
	struct sink sk;
	bk__buf hb;
	const char *bs = NULL, *be = NULL;
	EVP_MD_CTX *ctx;
	int ok, bhok;
	size_t i;

	bhlen = b64_decode(bh, sizeof(bh), s->bh, s->bhlen);
	siglen = b64_decode(sig, sizeof(sig), s->b, s->blen);
	if (bhlen <= 0 || siglen <= 0) {
		finish(s, BK_DKIM_PERMERROR, "%s= is not valid base64",
		    bhlen <= 0 ? "bh" : "b");
		return;
	}
	/* body */
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		finish(s, BK_DKIM_TEMPERROR, "out of memory (OpenSSL)", NULL);
		return;
	}
	sk.md = ctx;
	sk.left = s->pub.body_length;
	sk.total = 0;
	body_hash(d, s->brelaxed, &sk);
	EVP_DigestFinal_ex(ctx, got, &gotlen);
	EVP_MD_CTX_free(ctx);
	if (s->pub.body_length >= 0 &&
	    (unsigned long long)s->pub.body_length > sk.total) {
		char n[64];

		snprintf(n, sizeof(n), "%lld > %llu", s->pub.body_length,
		    sk.total);
		finish(s, BK_DKIM_PERMERROR, "l= is longer than the body "
		    "(%s octets)", n);
		return;
	}
	bhok = (long)gotlen == bhlen && memcmp(got, bh, gotlen) == 0;
	if (!bhok && s->alg == ALG_RSA_SHA1) {
		finish(s, BK_DKIM_PERMERROR, "rsa-sha1 must not be "
		    "considered valid (RFC 8301 3.1); the body hash does not "
		    "match either", NULL);
		return;
	}
	if (!bhok) {
		finish(s, BK_DKIM_FAIL, "body hash mismatch (bh=): the body "
		    "was changed after signing", NULL);
		return;
	}
	/* headers: h= from left to right, each name takes the last unused
	 * instance, bottom up (RFC 6376 5.4.2) */
	for (i = 0; i < d->nf; i++)
		d->f[i].used = 0;
	bk__buf_init(&hb, d->a, BK_LIMIT_MESSAGE_BYTES);
	for (const char *q = s->h, *end = s->h + s->hlen; q <= end;) {
		const char *st = q, *e;
		size_t k;

		while (q < end && *q != ':')
			q++;
		e = q;
		q++;
		while (st < e && is_wsp(*st))
			st++;
		while (e > st && is_wsp(e[-1]))
			e--;
		if (e == st)
			continue;
		for (k = d->nf; k > 0; k--) {
			struct field *f = &d->f[k - 1];

			if (!f->used && f->namelen == (size_t)(e - st) &&
			    bk__imemmem(f->p, f->namelen, st,
			    (size_t)(e - st)) == f->p)
				break;
		}
		if (k == 0)
			continue;   /* absent: contributes nothing */
		d->f[k - 1].used = 1;
		canon_header(&hb, d->f[k - 1].p, d->f[k - 1].len,
		    d->f[k - 1].namelen, s->hrelaxed, NULL, NULL, 1);
	}
	{
		const struct field *f = &d->f[s->field];

		if (find_b(f->p, f->len, &bs, &be) != 0) {
			finish(s, BK_DKIM_PERMERROR, "no b= tag", NULL);
			return;
		}
		canon_header(&hb, f->p, f->len, f->namelen, s->hrelaxed, bs,
		    be, 0);
	}
	if (hb.failed || hb.truncated) {
		finish(s, BK_DKIM_TEMPERROR, "out of memory", NULL);
		return;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		finish(s, BK_DKIM_TEMPERROR, "out of memory (OpenSSL)", NULL);
		return;
	}
	if (s->alg == ALG_ED25519_SHA256) {
		unsigned char hh[32];
		unsigned int hl = 0;

		/* RFC 8463 3: Ed25519 signs the SHA-256 of the input */
		EVP_Digest(hb.ptr, hb.len, hh, &hl, EVP_sha256(), NULL);
		ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
		    EVP_DigestVerify(ctx, sig, (size_t)siglen, hh, hl) == 1;
	} else {
		ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
		    EVP_DigestVerifyUpdate(ctx, hb.ptr, hb.len) == 1 &&
		    EVP_DigestVerifyFinal(ctx, sig, (size_t)siglen) == 1;
	}
	EVP_MD_CTX_free(ctx);
	if (s->alg == ALG_RSA_SHA1) {
		finish(s, BK_DKIM_PERMERROR, ok ? "rsa-sha1 must not be "
		    "considered valid (RFC 8301 3.1); the signature itself "
		    "verifies" : "rsa-sha1 must not be considered valid "
		    "(RFC 8301 3.1); the signature does not verify either",
		    NULL);
		return;
	}
	if (!ok) {
		finish(s, BK_DKIM_FAIL, "signature mismatch (b=): a signed "
		    "header field was changed, or the key does not match",
		    NULL);
		return;
	}
	finish(s, BK_DKIM_PASS, "signature verified%s",
	    s->pub.key.testing ? " (key in testing mode, t=y)" : "");
}

/* on_key - the key record arrived */
static void
on_key(void *arg, bk_dns_answer *ans)
{
	struct dsig *s = arg;
	bk_dkim *d = s->d;
	void *pk = NULL;
	EVP_PKEY *pkey;
	const char *id_dom;

	if (ans == NULL) {
		finish(s, BK_DKIM_TEMPERROR, "out of memory", NULL);
		return;
	}
	s->pub.key.dns = ans->status;
	if (ans->status == BK_DNS_TOOBIG) {
		/* a key record we will not read: unusable, not transient */
		finish(s, BK_DKIM_PERMERROR, "key record unusable: %s",
		    bk_dns_status_text(ans->status));
		bk_dns_answer_free(ans);
		return;
	}
	if (bk_dns_is_error(ans->status)) {
		finish(s, BK_DKIM_TEMPERROR, "key lookup failed: %s",
		    bk_dns_status_text(ans->status));
		bk_dns_answer_free(ans);
		return;
	}
	if (ans->status != BK_DNS_OK || ans->count == 0) {
		char m[400];

		snprintf(m, sizeof(m), "%s: %s", s->keyname,
		    bk_dns_status_text(ans->status == BK_DNS_OK ?
		    BK_DNS_NODATA : ans->status));
		finish(s, BK_DKIM_PERMERROR, "no key record (%s)", m);
		bk_dns_answer_free(ans);
		return;
	}
	s->pub.key.record = bk__arena_memdup(d->a, ans->rr[0].data,
	    ans->rr[0].len);
	if (s->pub.key.record == NULL) {
		finish(s, BK_DKIM_TEMPERROR, "out of memory", NULL);
		bk_dns_answer_free(ans);
		return;
	}
	bk_dns_answer_free(ans);
	if (bk__dkim_key_parse(&s->pub.key, d->a, s->pub.key.record,
	    strlen(s->pub.key.record), hash_name(s->alg), &pk,
	    s->keyproblem, sizeof(s->keyproblem)) != 0) {
		finish(s, BK_DKIM_PERMERROR, "%s", s->keyproblem);
		return;
	}
	pkey = pk;
	if ((s->alg == ALG_ED25519_SHA256) !=
	    (strcmp(s->pub.key.type, "ed25519") == 0)) {
		EVP_PKEY_free(pkey);
		finish(s, BK_DKIM_PERMERROR, "the key type (k=%s) does not "
		    "match the signature algorithm", s->pub.key.type);
		return;
	}
	if (s->alg != ALG_ED25519_SHA256 && s->pub.key.bits < d->min_bits) {
		char m[120];

		EVP_PKEY_free(pkey);
		snprintf(m, sizeof(m), "%u-bit RSA key: under the %u-bit "
		    "minimum (RFC 8301 3.2)", s->pub.key.bits, d->min_bits);
		s->pub.key.usable = 0;
		finish(s, BK_DKIM_PERMERROR, "key too short: %s", m);
		return;
	}
	id_dom = strrchr(s->pub.identity, '@');
	id_dom = id_dom ? id_dom + 1 : "";
	if (s->pub.key.strict && !bk__dns_name_eq(id_dom, strlen(id_dom),
	    s->pub.domain, strlen(s->pub.domain))) {
		EVP_PKEY_free(pkey);
		finish(s, BK_DKIM_PERMERROR, "key t=s requires i= in exactly "
		    "d=, not in a subdomain (%s)", s->pub.identity);
		return;
	}
	verify(s, pkey);
	EVP_PKEY_free(pkey);
}

/* qp_decode - dkim-quoted-printable (RFC 6376 2.11) into the arena */
static char *
qp_decode(bk__arena *a, const char *p, size_t len)
{
	char *o = bk__arena_alloc(a, len + 1);
	size_t n = 0;

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (is_wsp(p[i]))
			continue;
		if (p[i] == '=' && i + 2 < len &&
		    bk__is(p[i + 1], BK_C_HEX) && bk__is(p[i + 2], BK_C_HEX)) {
			char hx[3] = { p[i + 1], p[i + 2], 0 };

			o[n++] = (char)strtol(hx, NULL, 16);
			i += 2;
			continue;
		}
		o[n++] = p[i];
	}
	o[n] = '\0';
	return o;
}

/* is_subdomain - @a equals @b or ends with "." @b (case-insensitive) */
static int
is_subdomain(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (bk__dns_name_eq(a, la, b, lb))
		return 1;
	return la > lb && a[la - lb - 1] == '.' &&
	    bk__dns_name_eq(a + la - lb, lb, b, lb);
}

/*
 * sig_parse - check one signature up to the key lookup (RFC 6376 6.1.1);
 * returns 0 when its key should be fetched (s->keyname set), else the
 * signature is finished.
 */
static int
sig_parse(struct dsig *s)
{
	bk_dkim *d = s->d;
	const struct field *f = &d->f[s->field];
	const char *c = memchr(f->p, ':', f->len);
	struct tag t[TAGS_MAX];
	const struct tag *v, *a, *b, *bh, *cc, *dd, *h, *i, *l, *q, *ss, *tt,
	    *x;
	char err[200];
	int n, from = 0;

	s->pub.timestamp = s->pub.expires = s->pub.body_length = -1;
	s->pub.key.dns = BK_DNS_CANCELLED;
	if (c == NULL) {
		/* a field name with no colon carries no tag list at all */
		finish(s, BK_DKIM_PERMERROR, "signature syntax: %s",
		    "no ':' after the field name");
		return -1;
	}
	n = tags_parse(t, c + 1, f->len - (size_t)(c + 1 - f->p), err,
	    sizeof(err));
	if (n < 0) {
		finish(s, BK_DKIM_PERMERROR, "signature syntax: %s", err);
		return -1;
	}
	v = tag_get(t, n, "v");
	a = tag_get(t, n, "a");
	b = tag_get(t, n, "b");
	bh = tag_get(t, n, "bh");
	cc = tag_get(t, n, "c");
	dd = tag_get(t, n, "d");
	h = tag_get(t, n, "h");
	i = tag_get(t, n, "i");
	l = tag_get(t, n, "l");
	q = tag_get(t, n, "q");
	ss = tag_get(t, n, "s");
	tt = tag_get(t, n, "t");
	x = tag_get(t, n, "x");
#define DUP(tg) ((tg) ? bk__arena_memdup(d->a, (tg)->val, (tg)->vlen) : NULL)
	s->pub.algorithm = DUP(a);
	s->pub.domain = DUP(dd);
	s->pub.selector = DUP(ss);
#undef DUP
	if (v == NULL || a == NULL || b == NULL || bh == NULL ||
	    dd == NULL || h == NULL || ss == NULL) {
		snprintf(err, sizeof(err), "%s%s%s%s%s%s%s",
		    v ? "" : " v=", a ? "" : " a=", b ? "" : " b=",
		    bh ? "" : " bh=", dd ? "" : " d=", h ? "" : " h=",
		    ss ? "" : " s=");
		finish(s, BK_DKIM_PERMERROR, "required tag missing:%s", err);
		return -1;
	}
	if (!(v->vlen == 1 && v->val[0] == '1')) {
		finish(s, BK_DKIM_PERMERROR, "unsupported signature version "
		    "v=%s (must be 1)", bk__arena_memdup(d->a, v->val,
		    v->vlen > 20 ? 20 : v->vlen));
		return -1;
	}
	if (tag_is(a, "rsa-sha256"))
		s->alg = ALG_RSA_SHA256;
	else if (tag_is(a, "ed25519-sha256"))
		s->alg = ALG_ED25519_SHA256;
	else if (tag_is(a, "rsa-sha1"))
		s->alg = ALG_RSA_SHA1;
	else {
		finish(s, BK_DKIM_PERMERROR, "unknown algorithm a=%s",
		    s->pub.algorithm);
		return -1;
	}
	s->pub.canon = "simple/simple";
	if (cc != NULL) {
		const char *sl = memchr(cc->val, '/', cc->vlen);
		size_t hl = sl ? (size_t)(sl - cc->val) : cc->vlen;
		const char *bp = sl ? sl + 1 : "";
		size_t bl = sl ? cc->vlen - hl - 1 : 0;

		if (bk__ieq(cc->val, hl, "relaxed"))
			s->hrelaxed = 1;
		else if (!bk__ieq(cc->val, hl, "simple"))
			goto badc;
		if (bk__ieq(bp, bl, "relaxed"))
			s->brelaxed = 1;
		else if (sl != NULL && !bk__ieq(bp, bl, "simple"))
			goto badc;
		s->pub.canon = s->hrelaxed ? (s->brelaxed ? "relaxed/relaxed"
		    : "relaxed/simple") : (s->brelaxed ? "simple/relaxed" :
		    "simple/simple");
	}
	if (q != NULL && !list_has(q->val, q->vlen, "dns/txt")) {
		finish(s, BK_DKIM_PERMERROR, "unsupported query method q=%s",
		    bk__arena_memdup(d->a, q->val, q->vlen));
		return -1;
	}
	if (!valid_domain(dd->val, dd->vlen)) {
		finish(s, BK_DKIM_PERMERROR, "d=%s is not a domain name",
		    s->pub.domain);
		return -1;
	}
	if (!valid_domain(ss->val, ss->vlen)) {
		finish(s, BK_DKIM_PERMERROR, "s=%s is not a selector",
		    s->pub.selector);
		return -1;
	}
	if (i != NULL) {
		char *id = qp_decode(d->a, i->val, i->vlen);
		const char *at;

		if (id == NULL)
			return -1;
		s->pub.identity = id;
		at = strrchr(id, '@');
		if (at == NULL || !is_subdomain(at + 1, s->pub.domain)) {
			finish(s, BK_DKIM_PERMERROR, "i=%s is not within d= "
			    "(RFC 6376 6.1.1)", id);
			return -1;
		}
	} else {
		char *id = bk__arena_alloc(d->a, strlen(s->pub.domain) + 2);

		if (id == NULL)
			return -1;
		id[0] = '@';
		memcpy(id + 1, s->pub.domain, strlen(s->pub.domain) + 1);
		s->pub.identity = id;
	}
	/* h=: names, From among them (RFC 6376 5.4) */
	{
		size_t names = 0;

		for (const char *p = h->val, *end = h->val + h->vlen;
		    p <= end;) {
			const char *st = p, *e;

			while (p < end && *p != ':')
				p++;
			e = p++;
			while (st < e && is_wsp(*st))
				st++;
			while (e > st && is_wsp(e[-1]))
				e--;
			if (e == st) {
				finish(s, BK_DKIM_PERMERROR, "empty name in "
				    "h=", NULL);
				return -1;
			}
			names++;
			if (bk__ieq(st, (size_t)(e - st), "from"))
				from = 1;
		}
		if (names > BK_LIMIT_DKIM_SIGNED_HEADERS) {
			finish(s, BK_DKIM_PERMERROR, "h= names more header "
			    "fields than the limit", NULL);
			return -1;
		}
	}
	if (!from) {
		finish(s, BK_DKIM_PERMERROR, "h= does not include From "
		    "(RFC 6376 5.4)", NULL);
		return -1;
	}
	if (l != NULL && digits64(l, &s->pub.body_length) != 0) {
		finish(s, BK_DKIM_PERMERROR, "l= is not a number", NULL);
		return -1;
	}
	if (tt != NULL && digits64(tt, &s->pub.timestamp) != 0) {
		finish(s, BK_DKIM_PERMERROR, "t= is not a number", NULL);
		return -1;
	}
	if (x != NULL && digits64(x, &s->pub.expires) != 0) {
		finish(s, BK_DKIM_PERMERROR, "x= is not a number", NULL);
		return -1;
	}
	if (x != NULL && tt != NULL && s->pub.expires <= s->pub.timestamp) {
		finish(s, BK_DKIM_PERMERROR, "x= is not after t= (RFC 6376 "
		    "3.5)", NULL);
		return -1;
	}
	if (x != NULL && s->pub.expires < d->now) {
		char m[64];

		snprintf(m, sizeof(m), "%lld", s->pub.expires);
		finish(s, BK_DKIM_PERMERROR, "signature expired (x=%s)", m);
		return -1;
	}
	if (tt != NULL && s->pub.timestamp > d->now + CLOCK_SKEW) {
		finish(s, BK_DKIM_PERMERROR, "t= is in the future", NULL);
		return -1;
	}
	/* a message without From cannot be verified (RFC 6376 6.1.1);
	 * a second From is left to the signature (over-signing covers it) */
	{
		size_t nfrom = 0;

		for (size_t k = 0; k < d->nf; k++)
			if (bk__ieq(d->f[k].p, d->f[k].namelen, "from"))
				nfrom++;
		if (nfrom == 0) {
			finish(s, BK_DKIM_PERMERROR, "no From header field",
			    NULL);
			return -1;
		}
	}
	s->b = b->val;
	s->blen = b->vlen;
	s->bh = bh->val;
	s->bhlen = bh->vlen;
	s->h = h->val;
	s->hlen = h->vlen;
	snprintf(s->keyname, sizeof(s->keyname), "%s._domainkey.%s",
	    s->pub.selector, s->pub.domain);
	s->pub.key.name = s->keyname;
	return 0;
badc:
	finish(s, BK_DKIM_PERMERROR, "unknown canonicalization c=%s",
	    bk__arena_memdup(d->a, cc->val, cc->vlen));
	return -1;
}

/* bk_dkim_start - parse every signature, queue every key lookup */
int
bk_dkim_start(bk_dkim *d, bk_dkim_callback done, void *arg)
{
	size_t k;
	int rc = 0;

	if (d == NULL || d->started)
		return BK_EINVAL;
	d->cb = done;
	d->cbarg = arg;
	for (k = 0; k < d->nf; k++) {
		struct dsig *s;

		if (!bk__ieq(d->f[k].p, d->f[k].namelen, "dkim-signature"))
			continue;
		if (d->nsig == d->max_sigs) {
			/* counted, so that the output can say so */
			d->skipped++;
			continue;
		}
		s = bk__arena_zalloc(d->a, sizeof(*s));
		if (s == NULL)
			return BK_ENOMEM;
		s->d = d;
		s->field = k;
		d->sig[d->nsig++] = s;
		d->pending++;
	}
	for (k = 0; k < d->nsig; k++)
		if (sig_parse(d->sig[k]) != 0 && !d->sig[k]->done)
			finish(d->sig[k], BK_DKIM_TEMPERROR, "out of memory",
			    NULL);
	d->started = 1;
	for (k = 0; k < d->nsig && rc == 0; k++) {
		struct dsig *s = d->sig[k];

		if (s->done)
			continue;
		rc = bk_resolver_query(d->r, s->keyname, strlen(s->keyname),
		    BK_DNS_TXT, on_key, s);
		if (rc != 0)
			finish(s, BK_DKIM_TEMPERROR, "too many lookups", NULL);
	}
	if (d->pending == 0 && !d->finished) {
		d->finished = 1;
		if (d->cb != NULL)
			d->cb(d->cbarg, d);
	}
	return rc == BK_ETOOBIG ? 0 : rc;
}

/* bk_dkim_check - start and run */
int
bk_dkim_check(bk_dkim *d)
{
	int rc = bk_dkim_start(d, NULL, NULL);

	if (rc != 0)
		return rc;
	return bk_resolver_run(d->r);
}
