/*
 * check_spf.c - RFC 7208 check_host() as a resumable state machine.
 *
 * The evaluation keeps an explicit stack of frames, one per record being
 * evaluated (include pushes, redirect replaces the frame, RFC 7208 5.2 and
 * 6.1).  advance() runs until it needs a DNS answer it does not have: it
 * then queues the query (all the queries of one step at once, e.g. the
 * address lookups of every MX host) and returns; the resolver callback
 * stores the answer and, when the last outstanding answer arrived, runs
 * advance() again, which re-enters the same term and now finds its
 * answers in the evaluation's cache.  A term is counted against the
 * DNS-term limit once, when it is first entered (flag in the frame), and
 * a void lookup once, when the term completes.
 *
 * Bounds: the stack depth is at most the DNS-term limit + 1 (every push
 * is an include, which counts); the cache holds at most CACHE_MAX
 * answers; macro expansions are bounded by BK_LIMIT_SPF_EXPAND_BYTES.
 * Include loops are reported as such (the name is already on the stack);
 * redirect loops likewise, per frame.
 *
 * RFC 7208 sections: 4 (check_host), 4.6.4 (limits), 5 (mechanisms),
 * 6 (modifiers), 7 (macros), 8 (results).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "check/check_int.h"
#include "dns/dns_int.h"

#define CACHE_MAX 512
#define NAME_MAX_ 256
#define MAX_PARTS 320

enum { F_FETCH, F_TERMS, F_REDIRECT };
enum { T_PENDING, T_MATCH, T_NOMATCH, T_DONE, T_PUSHED };

struct centry {
	bk_spf *s;
	char name[NAME_MAX_];
	bk_dns_type type;
	int pending;
	bk_dns_answer *ans;
};

struct frame {
	char domain[NAME_MAX_];
	struct spf_record rec;
	int state;
	size_t i;                  /* current term */
	int counted;               /* current term counted already */
	int redirected;            /* reached through redirect= */
	int child_done;            /* the include of term i finished */
	bk_spf_result child;
	const char *seen[BK_LIMIT_SPF_DNS_TERMS + 2];   /* redirect chain */
	size_t nseen;
};

struct bk_spf {
	bk_resolver *r;
	bk__arena *arena;
	unsigned max_terms, max_void;
	const char *receiver;
	const char *default_exp;
	long long now;
	int v6;
	unsigned char ip[16];
	char sender[NAME_MAX_ + 80];
	char local[80];
	char sdomain[NAME_MAX_];
	char helo[NAME_MAX_];
	char domain[NAME_MAX_];
	struct frame *st;          /* max_terms + 2 frames */
	size_t depth, maxdepth;
	struct centry *cache[CACHE_MAX];
	size_t ncache;
	unsigned pending;
	unsigned terms, voids;
	int started, done, driving, finishing;
	bk_spf_result result;
	const char *exp;
	char detail[1024];
	bk_spf_callback cb;
	void *cbarg;
};

static const char *const result_names[] = {
#define X(code, name, text) text,
	BK_SPF_RESULT_LIST(X)
#undef X
};

/* bk_spf_result_name - static name of a result */
const char *
bk_spf_result_name(bk_spf_result res)
{
	if ((unsigned)res >= BK_SPF_RESULT_COUNT_)
		return "unknown";
	return result_names[res];
}

/* copy_str - bounded copy of a NUL-terminated string; 0 if it fit */
static int
copy_str(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap) {
		dst[0] = '\0';
		return -1;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* bk_spf_new - see check.h */
int
bk_spf_new(bk_spf **out, bk_resolver *r, const bk_spf_options *opts,
    const char *ip, const char *sender, const char *helo,
    const char *domain)
{
	bk_spf_options def = BK_SPF_OPTIONS_INIT;
	unsigned char a[16];
	const char *at;
	bk_spf *s;
	int rc;

	if (out == NULL)
		return BK_EINVAL;
	*out = NULL;
	if (r == NULL || ip == NULL)
		return BK_EINVAL;
	if (opts == NULL)
		opts = &def;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return BK_ENOMEM;
	rc = bk__arena_new(&s->arena, 16 * 1024);
	if (rc != 0) {
		free(s);
		return rc;
	}
	s->r = r;
	s->max_terms = opts->max_dns_terms ? opts->max_dns_terms :
	    BK_LIMIT_SPF_DNS_TERMS;
	if (s->max_terms > BK_LIMIT_SPF_DNS_TERMS * 10)
		s->max_terms = BK_LIMIT_SPF_DNS_TERMS * 10;
	s->max_void = opts->max_void_lookups ? opts->max_void_lookups :
	    BK_LIMIT_SPF_VOID_LOOKUPS;
	s->receiver = opts->receiver ? opts->receiver : "unknown";
	s->default_exp = opts->default_explanation;
	s->now = opts->now ? opts->now : (long long)time(NULL);
	s->maxdepth = s->max_terms + 2;
	s->st = bk__arena_zalloc(s->arena, s->maxdepth * sizeof(*s->st));
	if (s->st == NULL)
		goto nomem;
	if (inet_pton(AF_INET, ip, a) == 1) {
		memcpy(s->ip, a, 4);
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(a, mapped, 12) == 0)
			memcpy(s->ip, a + 12, 4);
		else {
			memcpy(s->ip, a, 16);
			s->v6 = 1;
		}
	} else {
		bk_spf_free(s);
		return BK_EINVAL;
	}
	if (helo != NULL)
		copy_str(s->helo, sizeof(s->helo), helo, strlen(helo));
	/* RFC 7208 4.3: empty sender -> postmaster@helo; no local part ->
	 * postmaster */
	if (sender == NULL || sender[0] == '\0') {
		copy_str(s->local, sizeof(s->local), "postmaster", 10);
		copy_str(s->sdomain, sizeof(s->sdomain), s->helo,
		    strlen(s->helo));
	} else if ((at = strrchr(sender, '@')) == NULL) {
		copy_str(s->local, sizeof(s->local), "postmaster", 10);
		copy_str(s->sdomain, sizeof(s->sdomain), sender,
		    strlen(sender));
	} else {
		size_t ll = (size_t)(at - sender);

		if (ll == 0)
			copy_str(s->local, sizeof(s->local), "postmaster",
			    10);
		else if (copy_str(s->local, sizeof(s->local), sender,
		    ll) != 0)
			copy_str(s->local, sizeof(s->local), sender, 63);
		copy_str(s->sdomain, sizeof(s->sdomain), at + 1,
		    strlen(at + 1));
	}
	snprintf(s->sender, sizeof(s->sender), "%s@%s", s->local,
	    s->sdomain);
	if (domain == NULL)
		domain = s->sdomain;
	copy_str(s->domain, sizeof(s->domain), domain, strlen(domain));
	if (s->domain[0] == '\0' && domain[0] != '\0')
		s->domain[0] = '\0';       /* too long: none below */
	*out = s;
	return 0;
nomem:
	bk_spf_free(s);
	return BK_ENOMEM;
}

/* bk_spf_free - answers, arena, handle */
void
bk_spf_free(bk_spf *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->ncache; i++)
		bk_dns_answer_free(s->cache[i]->ans);
	bk__arena_free(s->arena);
	free(s);
}

int
bk_spf_is_done(const bk_spf *s)
{
	return s != NULL && s->done;
}

bk_spf_result
bk_spf_verdict(const bk_spf *s)
{
	return s ? s->result : BK_SPF_NONE;
}

const char *
bk_spf_explanation(const bk_spf *s)
{
	return s ? s->exp : NULL;
}

const char *
bk_spf_detail(const bk_spf *s)
{
	return s ? s->detail : "";
}

unsigned
bk_spf_dns_terms(const bk_spf *s)
{
	return s ? s->terms : 0;
}

unsigned
bk_spf_void_lookups(const bk_spf *s)
{
	return s ? s->voids : 0;
}

const char *
bk_spf_domain(const bk_spf *s)
{
	return s ? s->domain : "";
}

static void drive(bk_spf *s);

/* on_answer - a lookup of the cache arrived */
static void
on_answer(void *arg, bk_dns_answer *ans)
{
	struct centry *e = arg;
	bk_spf *s = e->s;

	if (ans == NULL)
		ans = bk__dns_answer_status(e->name, e->type,
		    BK_DNS_BADRESP);
	e->ans = ans;
	e->pending = 0;
	s->pending--;
	if (s->pending == 0 && !s->done)
		drive(s);
}

/*
 * need - the answer for (name, type): 1 with *out set when known, 0 when
 * queued (come back later), -1 when it cannot be asked (limits, memory).
 */
static int
need(bk_spf *s, const char *name, bk_dns_type type,
    const bk_dns_answer **out)
{
	size_t n = strlen(name), i;
	struct centry *e;

	for (i = 0; i < s->ncache; i++) {
		e = s->cache[i];
		if (e->type == type &&
		    bk__dns_name_eq(e->name, strlen(e->name), name, n)) {
			if (e->pending)
				return 0;
			*out = e->ans;
			return 1;
		}
	}
	if (s->ncache == CACHE_MAX || n >= NAME_MAX_)
		return -1;
	e = bk__arena_zalloc(s->arena, sizeof(*e));
	if (e == NULL)
		return -1;
	e->s = s;
	memcpy(e->name, name, n + 1);
	e->type = type;
	e->pending = 1;
	s->cache[s->ncache++] = e;
	s->pending++;
	if (bk_resolver_query(s->r, name, n, type, on_answer, e) != 0) {
		e->pending = 0;
		s->pending--;
		e->ans = bk__dns_answer_status(name, type, BK_DNS_BADRESP);
		if (e->ans == NULL)
			return -1;
		*out = e->ans;
		return 1;
	}
	return 0;
}

/* finish - the evaluation's result is known (exp may follow) */
static void
finish(bk_spf *s, bk_spf_result res, const char *fmt, const char *a1,
    const char *a2)
{
	s->result = res;
	snprintf(s->detail, sizeof(s->detail), fmt, a1 ? a1 : "",
	    a2 ? a2 : "");
	s->finishing = 1;
}

/* addr_in - does the client address fall in net/prefix */
static int
addr_in(const bk_spf *s, const unsigned char *net, int v6, int prefix)
{
	int bytes = prefix / 8, bits = prefix % 8;

	if (v6 != s->v6)
		return 0;
	if (memcmp(s->ip, net, (size_t)bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	return ((s->ip[bytes] ^ net[bytes]) &
	    (unsigned char)(0xff << (8 - bits))) == 0;
}

/* answer_has_ip - any A/AAAA record of @ans within prefix of the client */
static int
answer_has_ip(const bk_spf *s, const bk_dns_answer *ans, int cidr4,
    int cidr6)
{
	for (size_t i = 0; i < ans->count; i++) {
		const bk_dns_rr *rr = &ans->rr[i];

		if (rr->type == BK_DNS_A && !s->v6 &&
		    addr_in(s, rr->addr, 0, cidr4))
			return 1;
		if (rr->type == BK_DNS_AAAA && s->v6 &&
		    addr_in(s, rr->addr, 1, cidr6))
			return 1;
	}
	return 0;
}

/* ip_text - %{i} (dotted; IPv6 as nibbles) or %{c} (readable) */
static void
ip_text(const bk_spf *s, int readable, char *out, size_t cap)
{
	/* uppercase nibbles, as the OpenSPF suite expects in explanations;
	 * DNS names compare case-insensitively */
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (!s->v6) {
		snprintf(out, cap, "%u.%u.%u.%u", s->ip[0], s->ip[1],
		    s->ip[2], s->ip[3]);
		return;
	}
	if (readable) {
		if (inet_ntop(AF_INET6, s->ip, out, (socklen_t)cap) == NULL)
			out[0] = '\0';
		return;
	}
	for (int i = 0; i < 16 && o + 4 < cap; i++) {
		out[o++] = hex[s->ip[i] >> 4];
		out[o++] = '.';
		out[o++] = hex[s->ip[i] & 15];
		out[o++] = '.';
	}
	out[o ? o - 1 : 0] = '\0';
}

/* is_sub - name equals dom or ends with "." dom (case-insensitive) */
static int
is_sub(const char *name, const char *dom)
{
	size_t n = strlen(name), d = strlen(dom);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (d > 0 && dom[d - 1] == '.')
		d--;
	if (n == d)
		return bk__dns_name_eq(name, n, dom, d);
	if (n > d && name[n - d - 1] == '.')
		return bk__dns_name_eq(name + n - d, d, dom, d);
	return 0;
}

/*
 * validated - RFC 7208 5.5: the PTR names of the client whose address
 * records contain it.  Returns 1 when known (names in @v, count in *nv),
 * 0 when lookups are pending, -1 when they could not be queued.
 */
static int
validated(bk_spf *s, const char **v, size_t *nv)
{
	char rev[160];
	const bk_dns_answer *ptr, *a;
	size_t i, n;
	int rc, waiting = 0;

	*nv = 0;
	{
		char ipt[64];

		ip_text(s, 1, ipt, sizeof(ipt));
		if (bk_dns_reverse_name(rev, sizeof(rev), ipt,
		    s->v6 ? "ip6.arpa" : "in-addr.arpa") != 0)
			return -1;
	}
	rc = need(s, rev, BK_DNS_PTR, &ptr);
	if (rc <= 0)
		return rc;
	if (ptr->status != BK_DNS_OK)
		return 1;
	n = ptr->count < BK_LIMIT_SPF_PTR_NAMES ? ptr->count :
	    BK_LIMIT_SPF_PTR_NAMES;
	/* queue every address lookup before waiting for any */
	for (i = 0; i < n; i++) {
		rc = need(s, ptr->rr[i].data, s->v6 ? BK_DNS_AAAA : BK_DNS_A,
		    &a);
		if (rc < 0)
			return -1;
		if (rc == 0)
			waiting = 1;
	}
	if (waiting)
		return 0;
	for (i = 0; i < n; i++) {
		need(s, ptr->rr[i].data, s->v6 ? BK_DNS_AAAA : BK_DNS_A, &a);
		/* errors skip the name (RFC 7208 5.5) */
		if (a->status == BK_DNS_OK &&
		    answer_has_ip(s, a, 32, 128))
			v[(*nv)++] = ptr->rr[i].data;
	}
	return 1;
}

/* url_escape_into - RFC 7208 7.3: uppercase letters escape the value */
static size_t
url_escape_into(char *out, size_t cap, const char *v, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (bk__is(c, BK_C_ALPHA | BK_C_DIGIT) || c == '-' ||
		    c == '.' || c == '_' || c == '~') {
			if (o + 1 >= cap)
				return (size_t)-1;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= cap)
				return (size_t)-1;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

/*
 * expand - RFC 7208 7: expand a macro-string for frame @f into @out.
 * Returns 1 when done, 0 when %{p} lookups are pending, -1 for a
 * syntax error or a domain-spec over the limit (@cap - 1 bytes; an
 * explanation is cut there instead).
 */
static int
expand(bk_spf *s, struct frame *f, const char *p, size_t len, int explain,
    char *out, size_t cap, size_t *olen)
{
	size_t i = 0, o = 0;

	/* loop: i advances by at least one byte per step */
	while (i < len) {
		char val[BK_LIMIT_SPF_EXPAND_BYTES], tmp[80];
		const char *v;
		size_t vl, parts[MAX_PARTS][2], np = 0, keep = 0, j, st;
		const char *delims = ".";
		char delimbuf[8];
		int upper, rev = 0;
		size_t nd;
		long digits = 0;

		if (p[i] != '%') {
			if (o + 1 >= cap)
				goto full;
			out[o++] = p[i++];
			continue;
		}
		if (i + 1 >= len)
			return -1;
		if (p[i + 1] == '%' || p[i + 1] == '_') {
			if (o + 1 >= cap)
				goto full;
			out[o++] = p[i + 1] == '%' ? '%' : ' ';
			i += 2;
			continue;
		}
		if (p[i + 1] == '-') {
			if (o + 3 >= cap)
				goto full;
			memcpy(out + o, "%20", 3);
			o += 3;
			i += 2;
			continue;
		}
		if (p[i + 1] != '{' || i + 2 >= len)
			return -1;
		i += 2;
		upper = bk__is(p[i], BK_C_UPPER);
		switch (bk__lower(p[i])) {
		case 's':
			v = s->sender;
			break;
		case 'l':
			v = s->local;
			break;
		case 'o':
			v = s->sdomain;
			break;
		case 'd':
			v = f->domain;
			break;
		case 'i':
			ip_text(s, 0, tmp, sizeof(tmp));
			v = tmp;
			break;
		case 'c':
			if (!explain)
				return -1;
			ip_text(s, 1, tmp, sizeof(tmp));
			v = tmp;
			break;
		case 'v':
			v = s->v6 ? "ip6" : "in-addr";
			break;
		case 'h':
			v = s->helo;
			break;
		case 'r':
			if (!explain)
				return -1;
			v = s->receiver;
			break;
		case 't':
			if (!explain)
				return -1;
			snprintf(tmp, sizeof(tmp), "%lld", s->now);
			v = tmp;
			break;
		case 'p': {
			const char *names[BK_LIMIT_SPF_PTR_NAMES];
			size_t nn, k;
			int rc = validated(s, names, &nn);

			if (rc <= 0)
				return rc;
			v = "unknown";
			for (k = 0; k < nn; k++)
				if (is_sub(names[k], f->domain)) {
					v = names[k];
					if (bk__dns_name_eq(names[k],
					    strlen(names[k]), f->domain,
					    strlen(f->domain)))
						break;
				}
			if (nn > 0 && strcmp(v, "unknown") == 0)
				v = names[0];
			break;
		}
		default:
			return -1;
		}
		i++;
		/* transformers (RFC 7208 7.1) */
		for (j = i; j < len && j - i < 4 && bk__is(p[j], BK_C_DIGIT);
		    j++)
			;
		if (j > i) {
			if (bk__digits(p + i, j - i, 1, 999, &digits) == 0)
				return -1;
			i = j;
		}
		if (i < len && (p[i] == 'r' || p[i] == 'R')) {
			rev = 1;
			i++;
		}
		for (nd = 0; i < len && p[i] != '}' &&
		    strchr(".-+,/_=", p[i]) != NULL && p[i] != '\0'; i++)
			if (nd < sizeof(delimbuf) - 1)
				delimbuf[nd++] = p[i];
		if (i >= len || p[i] != '}')
			return -1;
		i++;
		if (nd > 0) {
			delimbuf[nd] = '\0';
			delims = delimbuf;
		}
		vl = strlen(v);
		if (vl >= sizeof(val))
			return -1;
		/* split into parts */
		for (st = 0, j = 0; j <= vl; j++) {
			if (j == vl || strchr(delims, v[j]) != NULL) {
				if (np == MAX_PARTS)
					return -1;
				parts[np][0] = st;
				parts[np][1] = j - st;
				np++;
				st = j + 1;
			}
		}
		if (rev) {
			for (j = 0; j < np / 2; j++) {
				size_t t0 = parts[j][0], t1 = parts[j][1];

				parts[j][0] = parts[np - 1 - j][0];
				parts[j][1] = parts[np - 1 - j][1];
				parts[np - 1 - j][0] = t0;
				parts[np - 1 - j][1] = t1;
			}
		}
		keep = (digits > 0 && (size_t)digits < np) ?
		    np - (size_t)digits : 0;
		vl = 0;
		for (j = keep; j < np; j++) {
			if (vl + parts[j][1] + 2 >= sizeof(val))
				return -1;
			if (j > keep)
				val[vl++] = '.';
			memcpy(val + vl, v + parts[j][0], parts[j][1]);
			vl += parts[j][1];
		}
		if (upper) {
			size_t w = url_escape_into(out + o, cap - o, val, vl);

			if (w == (size_t)-1)
				goto full;
			o += w;
		} else {
			if (o + vl + 1 >= cap) {
				/* what fits, for an explanation cut here */
				memcpy(out + o, val, cap - 1 - o);
				o = cap - 1;
				goto full;
			}
			memcpy(out + o, val, vl);
			o += vl;
		}
	}
	out[o] = '\0';
	*olen = o;
	return 1;
full:
	/* over the bound: a domain-spec is an error, an explanation is
	 * cut at the bound (limits.h) */
	if (!explain)
		return -1;
	out[o] = '\0';
	*olen = o;
	return 1;
}

/*
 * target - expand a domain-spec (or take the frame's domain when absent)
 * into @out as a query name: final dot dropped, left labels removed past
 * 253 octets (RFC 7208 7.3).  Returns as expand().
 */
static int
target(bk_spf *s, struct frame *f, const char *spec, size_t len, char *out)
{
	char buf[BK_LIMIT_SPF_EXPAND_BYTES + 1];
	size_t n = 0, st = 0;
	int rc;

	if (spec == NULL) {
		memcpy(out, f->domain, strlen(f->domain) + 1);
		return 1;
	}
	rc = expand(s, f, spec, len, 0, buf, sizeof(buf), &n);
	if (rc <= 0)
		return rc;
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	/* loop: each step drops one leftmost label */
	while (n - st > 253) {
		const char *dot = memchr(buf + st, '.', n - st);

		if (dot == NULL)
			return -1;
		st = (size_t)(dot - buf) + 1;
	}
	memcpy(out, buf + st, n - st + 1);
	return 1;
}

static bk_spf_result
qual_result(char q)
{
	switch (q) {
	case '-':
		return BK_SPF_FAIL;
	case '~':
		return BK_SPF_SOFTFAIL;
	case '?':
		return BK_SPF_NEUTRAL;
	default:
		return BK_SPF_PASS;
	}
}

/* term_str - the term as written, NUL-terminated in the arena */
static const char *
term_str(bk_spf *s, const struct spf_term *t)
{
	const char *c = bk__arena_memdup(s->arena, t->text,
	    t->textlen < 200 ? t->textlen : 200);

	return c ? c : "?";
}

/* void_lookup - count a lookup without answer; 1 when over the limit */
static int
void_lookup(bk_spf *s, const struct spf_term *t, struct frame *f)
{
	if (++s->voids > s->max_void) {
		finish(s, BK_SPF_PERMERROR,
		    "more than the allowed void lookups at '%s' in %s",
		    term_str(s, t), f->domain);
		return 1;
	}
	return 0;
}

/* dns_error - a lookup could not be made: temperror */
static int
dns_error(bk_spf *s, const bk_dns_answer *a, const char *what)
{
	char buf[300];

	snprintf(buf, sizeof(buf), "%s %s", a->qname,
	    bk_dns_status_text(a->status));
	finish(s, BK_SPF_TEMPERROR, "DNS lookup failed for %s: %s", what,
	    buf);
	return T_DONE;
}

/* eval_term - RFC 7208 5: evaluate term f->i of frame f */
static int
eval_term(bk_spf *s, struct frame *f, const struct spf_term *t)
{
	char name[NAME_MAX_ + BK_LIMIT_SPF_EXPAND_BYTES];
	const bk_dns_answer *a, *b;
	bk_dns_type atype = s->v6 ? BK_DNS_AAAA : BK_DNS_A;
	size_t i, n;
	int rc, waiting;

	switch (t->mech) {
	case SPF_ALL:
		return T_MATCH;
	case SPF_IP4:
		return addr_in(s, t->net, 0, t->cidr4) ? T_MATCH : T_NOMATCH;
	case SPF_IP6:
		return addr_in(s, t->net, 1, t->cidr6) ? T_MATCH : T_NOMATCH;
	default:
		break;
	}
	rc = target(s, f, t->spec, t->speclen, name);
	if (rc == 0)
		return T_PENDING;
	if (rc < 0) {
		finish(s, BK_SPF_PERMERROR, "cannot expand '%s' in %s",
		    term_str(s, t), f->domain);
		return T_DONE;
	}
	if (!bk__dns_name_valid(name, strlen(name))) {
		/* an expansion that is no domain name finds nothing */
		if (t->mech == SPF_INCLUDE) {
			finish(s, BK_SPF_PERMERROR,
			    "'%s' in %s names no valid domain",
			    term_str(s, t), f->domain);
			return T_DONE;
		}
		if (t->mech != SPF_PTR && void_lookup(s, t, f))
			return T_DONE;
		return T_NOMATCH;
	}
	switch (t->mech) {
	case SPF_INCLUDE:
		if (f->child_done) {
			f->child_done = 0;
			switch (f->child) {
			case BK_SPF_PASS:
				return T_MATCH;
			case BK_SPF_FAIL:
			case BK_SPF_SOFTFAIL:
			case BK_SPF_NEUTRAL:
				return T_NOMATCH;
			default:
				return T_DONE;     /* already finished */
			}
		}
		for (i = 0; i < s->depth; i++) {
			if (!bk__dns_name_eq(s->st[i].domain,
			    strlen(s->st[i].domain), name, strlen(name)))
				continue;
			finish(s, BK_SPF_PERMERROR,
			    "include loop: %s includes %s, which is "
			    "already being evaluated", f->domain, name);
			return T_DONE;
		}
		if (s->depth >= s->maxdepth) {
			finish(s, BK_SPF_PERMERROR, "includes nested too deep "
			    "at '%s' in %s", term_str(s, t), f->domain);
			return T_DONE;
		}
		{
			struct frame *c = &s->st[s->depth++];

			memset(c, 0, sizeof(*c));
			memcpy(c->domain, name, strlen(name) + 1);
			c->state = F_FETCH;
		}
		return T_PUSHED;
	case SPF_A:
	case SPF_EXISTS:
		rc = need(s, name, t->mech == SPF_EXISTS ? BK_DNS_A : atype,
		    &a);
		if (rc == 0)
			return T_PENDING;
		if (rc < 0)
			goto toomany;
		if (bk_dns_is_error(a->status))
			return dns_error(s, a, term_str(s, t));
		if (a->status != BK_DNS_OK || a->count == 0)
			return void_lookup(s, t, f) ? T_DONE : T_NOMATCH;
		if (t->mech == SPF_EXISTS)
			return T_MATCH;
		return answer_has_ip(s, a, t->cidr4, t->cidr6) ? T_MATCH :
		    T_NOMATCH;
	case SPF_MX:
		rc = need(s, name, BK_DNS_MX, &a);
		if (rc == 0)
			return T_PENDING;
		if (rc < 0)
			goto toomany;
		if (bk_dns_is_error(a->status))
			return dns_error(s, a, term_str(s, t));
		if (a->status != BK_DNS_OK || a->count == 0)
			return void_lookup(s, t, f) ? T_DONE : T_NOMATCH;
		if (a->count > BK_LIMIT_SPF_MX_NAMES) {
			finish(s, BK_SPF_PERMERROR,
			    "'%s' in %s has more than 10 MX hosts",
			    term_str(s, t), f->domain);
			return T_DONE;
		}
		n = a->count;
		waiting = 0;
		for (i = 0; i < n; i++) {
			if (a->rr[i].len == 0)
				continue;          /* null MX (RFC 7505) */
			rc = need(s, a->rr[i].data, atype, &b);
			if (rc < 0)
				goto toomany;
			if (rc == 0)
				waiting = 1;
		}
		if (waiting)
			return T_PENDING;
		for (i = 0; i < n; i++) {
			if (a->rr[i].len == 0)
				continue;
			need(s, a->rr[i].data, atype, &b);
			if (bk_dns_is_error(b->status))
				return dns_error(s, b, term_str(s, t));
			if (b->status == BK_DNS_OK &&
			    answer_has_ip(s, b, t->cidr4, t->cidr6))
				return T_MATCH;
		}
		return T_NOMATCH;
	case SPF_PTR: {
		const char *names[BK_LIMIT_SPF_PTR_NAMES];
		size_t nv;

		rc = validated(s, names, &nv);
		if (rc == 0)
			return T_PENDING;
		if (rc < 0)
			goto toomany;
		for (i = 0; i < nv; i++)
			if (is_sub(names[i], name))
				return T_MATCH;
		return T_NOMATCH;
	}
	default:
		break;
	}
	return T_NOMATCH;
toomany:
	finish(s, BK_SPF_TEMPERROR, "too many DNS queries in '%s' (%s)",
	    term_str(s, t), f->domain);
	return T_DONE;
}

/* fetch - RFC 7208 4.4/4.5: find and parse the frame's record */
static int
fetch(bk_spf *s, struct frame *f)
{
	const bk_dns_answer *a;
	const bk_dns_rr *rec = NULL;
	char err[256];
	size_t i, found = 0;
	int rc;

	rc = need(s, f->domain, BK_DNS_TXT, &a);
	if (rc == 0)
		return T_PENDING;
	if (rc < 0) {
		finish(s, BK_SPF_TEMPERROR, "too many DNS queries (%s)%s",
		    f->domain, NULL);
		return T_DONE;
	}
	if (a->status == BK_DNS_TOOBIG) {
		/* the record is there and will not shrink on a retry */
		finish(s, BK_SPF_PERMERROR, "the SPF record of %s cannot be "
		    "used: %s", f->domain, bk_dns_status_text(a->status));
		return T_DONE;
	}
	if (bk_dns_is_error(a->status) && a->status != BK_DNS_BADNAME)
		return dns_error(s, a, "the SPF record");
	for (i = 0; a->status == BK_DNS_OK && i < a->count; i++) {
		if (bk__spf_is_record(a->rr[i].data, a->rr[i].len)) {
			rec = &a->rr[i];
			found++;
		}
	}
	if (found > 1) {
		finish(s, BK_SPF_PERMERROR, "%s has more than one SPF record%s",
		    f->domain, NULL);
		return T_DONE;
	}
	if (found == 0) {
		if (s->depth == 1 && !f->redirected)
			finish(s, BK_SPF_NONE, "%s has no SPF record%s",
			    f->domain, NULL);
		else
			finish(s, BK_SPF_PERMERROR,
			    "%s has no SPF record (needed by %s)", f->domain,
			    f->redirected ? "redirect=" : "include:");
		return T_DONE;
	}
	rc = bk__spf_parse(&f->rec, s->arena, rec->data, rec->len, err,
	    sizeof(err));
	if (rc == BK_ENOMEM) {
		finish(s, BK_SPF_TEMPERROR, "out of memory%s%s", NULL, NULL);
		return T_DONE;
	}
	if (rc != 0) {
		finish(s, BK_SPF_PERMERROR, "SPF record of %s: %s", f->domain,
		    err);
		return T_DONE;
	}
	f->state = F_TERMS;
	f->i = 0;
	f->counted = 0;
	return T_NOMATCH;
}

/* count_term - RFC 7208 4.6.4; 1 when the limit is passed */
static int
count_term(bk_spf *s, struct frame *f, const char *what)
{
	if (f->counted)
		return 0;
	f->counted = 1;
	if (++s->terms > s->max_terms) {
		finish(s, BK_SPF_PERMERROR,
		    "more than 10 DNS-querying terms (at '%s' in %s)", what,
		    f->domain);
		return 1;
	}
	return 0;
}

/* pop - frame f has @res; hand it to the include that pushed it */
static void
pop_frame(bk_spf *s, bk_spf_result res, const char *why)
{
	struct frame *f = &s->st[s->depth - 1];

	if (s->depth == 1) {
		finish(s, res, "%s%s", why, NULL);
		return;
	}
	s->depth--;
	f = &s->st[s->depth - 1];
	f->child_done = 1;
	f->child = res;
}

/* advance - run one step; T_PENDING when waiting for DNS */
static int
advance(bk_spf *s)
{
	struct frame *f = &s->st[s->depth - 1];
	const struct spf_term *t;
	char why[512];
	int rc;

	switch (f->state) {
	case F_FETCH:
		return fetch(s, f);
	case F_TERMS:
		if (f->i == f->rec.n) {
			f->state = F_REDIRECT;
			f->counted = 0;
			return T_NOMATCH;
		}
		t = &f->rec.terms[f->i];
		if (SPF_MECH_QUERIES(t->mech) &&
		    count_term(s, f, term_str(s, t)))
			return T_DONE;
		rc = eval_term(s, f, t);
		if (rc == T_MATCH) {
			snprintf(why, sizeof(why), "matched '%.200s' in %s",
			    term_str(s, t), f->domain);
			pop_frame(s, qual_result(t->qual), why);
			return T_DONE;
		}
		if (rc == T_NOMATCH) {
			f->i++;
			f->counted = 0;
		}
		return rc;
	case F_REDIRECT: {
		char name[NAME_MAX_ + BK_LIMIT_SPF_EXPAND_BYTES];
		size_t i;

		if (f->rec.redirect == NULL) {
			snprintf(why, sizeof(why),
			    "no term matched in %s (default neutral)",
			    f->domain);
			pop_frame(s, BK_SPF_NEUTRAL, why);
			return T_DONE;
		}
		if (count_term(s, f, "redirect="))
			return T_DONE;
		rc = target(s, f, f->rec.redirect, f->rec.redirect_len, name);
		if (rc == 0)
			return T_PENDING;
		if (rc < 0 || !bk__dns_name_valid(name, strlen(name))) {
			finish(s, BK_SPF_PERMERROR,
			    "redirect= of %s names no valid domain%s",
			    f->domain, NULL);
			return T_DONE;
		}
		for (i = 0; i < f->nseen; i++)
			if (bk__dns_name_eq(f->seen[i], strlen(f->seen[i]),
			    name, strlen(name))) {
				finish(s, BK_SPF_PERMERROR,
				    "redirect loop: %s redirects to %s again",
				    f->domain, name);
				return T_DONE;
			}
		if (f->nseen < sizeof(f->seen) / sizeof(f->seen[0]))
			f->seen[f->nseen++] = bk__arena_memdup(s->arena,
			    f->domain, strlen(f->domain));
		memcpy(f->domain, name, strlen(name) + 1);
		f->state = F_FETCH;
		f->redirected = 1;
		f->counted = 0;
		memset(&f->rec, 0, sizeof(f->rec));
		return T_NOMATCH;
	}
	}
	return T_DONE;
}

/*
 * explain - RFC 7208 6.2: on fail, the exp= of the record that decided.
 * Returns 0 when done, T_PENDING while its TXT lookup is out.
 */
static int
explain(bk_spf *s)
{
	struct frame *f = &s->st[0];
	char name[NAME_MAX_ + BK_LIMIT_SPF_EXPAND_BYTES];
	char text[BK_LIMIT_SPF_EXPAND_BYTES + 1];
	const bk_dns_answer *a;
	size_t n;
	int rc;

	if (s->result != BK_SPF_FAIL)
		return 0;
	s->exp = s->default_exp;
	if (f->state == F_FETCH || f->rec.exp == NULL)
		return 0;
	rc = target(s, f, f->rec.exp, f->rec.exp_len, name);
	if (rc == 0)
		return T_PENDING;
	if (rc < 0 || !bk__dns_name_valid(name, strlen(name)))
		return 0;
	rc = need(s, name, BK_DNS_TXT, &a);
	if (rc == 0)
		return T_PENDING;
	if (rc < 0 || a->status != BK_DNS_OK || a->count != 1)
		return 0;
	if (!bk__spf_macro_valid(a->rr[0].data, a->rr[0].len, 1, 0))
		return 0;
	rc = expand(s, f, a->rr[0].data, a->rr[0].len, 1, text, sizeof(text),
	    &n);
	if (rc == 0)
		return T_PENDING;
	if (rc < 0)
		return 0;
	s->exp = bk__arena_memdup(s->arena, text, n);
	return 0;
}

/* drive - advance until waiting or done; reports completion once */
static void
drive(bk_spf *s)
{
	if (s->driving)
		return;
	s->driving = 1;
	/* loop: every step moves a term, a frame or the stack forward, or
	 * returns to wait; the DNS-term limit bounds the total work */
	while (!s->done) {
		int rc;

		if (s->finishing) {
			if (explain(s) == T_PENDING && s->pending > 0)
				break;
			s->done = 1;
			break;
		}
		rc = advance(s);
		if (rc == T_PENDING) {
			if (s->pending > 0)
				break;
			/* guard: waiting with nothing queued cannot happen */
			finish(s, BK_SPF_TEMPERROR, "internal: stalled%s%s",
			    NULL, NULL);
		}
	}
	s->driving = 0;
	if (s->done && s->cb != NULL) {
		bk_spf_callback cb = s->cb;

		s->cb = NULL;
		cb(s->cbarg, s);
	}
}

/* bk_spf_start - RFC 7208 4.3 initial processing, then evaluate */
int
bk_spf_start(bk_spf *s, bk_spf_callback done, void *arg)
{
	size_t n;

	if (s == NULL || s->started)
		return BK_EINVAL;
	s->started = 1;
	s->cb = done;
	s->cbarg = arg;
	n = strlen(s->domain);
	if (n > 0 && s->domain[n - 1] == '.')
		s->domain[--n] = '\0';
	if (!bk__dns_name_valid(s->domain, n) ||
	    memchr(s->domain, '.', n) == NULL) {
		finish(s, BK_SPF_NONE, "'%s' is not a valid domain name%s",
		    s->domain, NULL);
		s->done = 1;
		s->finishing = 0;
		if (done != NULL) {
			s->cb = NULL;
			done(arg, s);
		}
		return 0;
	}
	memcpy(s->st[0].domain, s->domain, n + 1);
	s->st[0].state = F_FETCH;
	s->depth = 1;
	drive(s);
	return 0;
}

/* bk_spf_check - start and wait */
int
bk_spf_check(bk_spf *s)
{
	int rc = bk_spf_start(s, NULL, NULL);

	if (rc != 0)
		return rc;
	return bk_resolver_run(s->r);
}
