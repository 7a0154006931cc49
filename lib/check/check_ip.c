/*
 * check_ip.c - DNS blocklists (RFC 5782) and reverse DNS of an address.
 *
 * All lookups of one bk_ipcheck go out at once: for every list an A and
 * a TXT query; for an address also its PTR, and, when the PTR answer
 * arrives, the forward lookups of its names (RFC 1912 2.1, FCrDNS).
 *
 * An answer is a listing only when it is a code in 127.0.0.0/8 other
 * than 127.0.0.1 and the definitions do not call it an error (RFC 5782
 * 2.1, 5); Spamhaus's 127.255.255.x and URIBL's 127.0.0.1 are resolver
 * errors.  Definition text is parsed line by line, bounded by
 * BK_LIMIT_DNSBL_LISTS and BK_LIMIT_DNSBL_CODES.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "check/check_int.h"
#include "dns/dns_int.h"

enum { K_IP, K_IP4, K_DOMAIN };

struct code {
	unsigned char addr[4];
	int error;
	char *meaning;
	int list;                  /* index, -1 = every list */
};

struct list {
	char *id, *zone, *name;
	int kind;
	size_t ncodes;             /* code lines for this list */
};

struct bk_dnsbl_set {
	struct list lists[BK_LIMIT_DNSBL_LISTS];
	size_t nlists;
	struct code *codes;
	size_t ncodes;
	size_t nglobal;            /* code lines for every list ('*') */
};

static const char *const state_names[] = {
#define X(code, name, text) text,
	BK_DNSBL_STATE_LIST(X)
#undef X
};

/* bk_dnsbl_state_name - static name */
const char *
bk_dnsbl_state_name(bk_dnsbl_state st)
{
	if ((unsigned)st >= BK_DNSBL_STATE_COUNT_)
		return "unknown";
	return state_names[st];
}

/* bk_dnsbl_set_free - every string is a strdup */
void
bk_dnsbl_set_free(bk_dnsbl_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->nlists; i++) {
		free(set->lists[i].id);
		free(set->lists[i].zone);
		free(set->lists[i].name);
	}
	for (size_t i = 0; i < set->ncodes; i++)
		free(set->codes[i].meaning);
	free(set->codes);
	free(set);
}

size_t
bk_dnsbl_set_count(const bk_dnsbl_set *set)
{
	return set ? set->nlists : 0;
}

/* word - next space-separated word of [*p, end); NULL at the end */
static char *
word(const char **p, const char *end, int rest)
{
	const char *s = *p, *e;
	char *w;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= end)
		return NULL;
	if (rest) {
		e = end;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r'))
			e--;
	} else
		for (e = s; e < end && *e != ' ' && *e != '\t' && *e != '\r';
		    e++)
			;
	w = malloc((size_t)(e - s) + 1);
	if (w != NULL) {
		memcpy(w, s, (size_t)(e - s));
		w[e - s] = '\0';
	}
	*p = e;
	return w;
}

static int
set_err(char **errmsg_out, unsigned line, const char *why)
{
	if (errmsg_out != NULL) {
		char buf[200];

		snprintf(buf, sizeof(buf), "line %u: %s", line, why);
		*errmsg_out = strdup(buf);
	}
	return BK_ESYNTAX;
}

/* parse_line - one definition line; 0, or an error code */
static int
parse_line(bk_dnsbl_set *set, const char *p, const char *end,
    unsigned lineno, char **errmsg_out)
{
	char *kw = word(&p, end, 0), *a = NULL, *b = NULL, *c = NULL;
	char *d = NULL;
	int rc = 0;

	if (kw == NULL || kw[0] == '#')
		goto out;
	a = word(&p, end, 0);
	b = word(&p, end, 0);
	c = word(&p, end, 0);
	d = word(&p, end, 1);
	if (strcmp(kw, "list") == 0) {
		struct list *l;

		if (a == NULL || b == NULL || c == NULL) {
			rc = set_err(errmsg_out, lineno,
			    "want: list ID ZONE ip|ip4|domain NAME");
			goto out;
		}
		if (set->nlists == BK_LIMIT_DNSBL_LISTS) {
			rc = BK_ETOOBIG;
			set_err(errmsg_out, lineno, "too many lists");
			goto out;
		}
		if (!bk__dns_name_valid(b, strlen(b))) {
			rc = set_err(errmsg_out, lineno, "bad zone name");
			goto out;
		}
		l = &set->lists[set->nlists];
		if (strcmp(c, "ip") == 0)
			l->kind = K_IP;
		else if (strcmp(c, "ip4") == 0)
			l->kind = K_IP4;
		else if (strcmp(c, "domain") == 0)
			l->kind = K_DOMAIN;
		else {
			rc = set_err(errmsg_out, lineno,
			    "kind must be ip, ip4 or domain");
			goto out;
		}
		l->id = a;
		l->zone = b;
		l->name = d ? d : strdup(a);
		a = b = d = NULL;
		set->nlists++;
	} else if (strcmp(kw, "code") == 0) {
		struct code *cd;
		int list = -1;

		if (a == NULL || b == NULL || c == NULL) {
			rc = set_err(errmsg_out, lineno,
			    "want: code ID|* VALUE listed|error MEANING");
			goto out;
		}
		if (strcmp(a, "*") != 0) {
			size_t i;

			for (i = 0; i < set->nlists; i++)
				if (strcmp(set->lists[i].id, a) == 0)
					break;
			if (i == set->nlists) {
				rc = set_err(errmsg_out, lineno,
				    "code for a list not defined above");
				goto out;
			}
			list = (int)i;
		}
		if ((list < 0 ? set->nglobal : set->lists[list].ncodes) ==
		    BK_LIMIT_DNSBL_CODES) {
			rc = BK_ETOOBIG;
			set_err(errmsg_out, lineno, "too many codes for one "
			    "list");
			goto out;
		}
		if (set->ncodes % 16 == 0) {
			struct code *n = realloc(set->codes,
			    (set->ncodes + 16) * sizeof(*n));

			if (n == NULL) {
				rc = BK_ENOMEM;
				goto out;
			}
			set->codes = n;
		}
		cd = &set->codes[set->ncodes];
		if (inet_pton(AF_INET, b, cd->addr) != 1) {
			rc = set_err(errmsg_out, lineno, "bad IPv4 code");
			goto out;
		}
		if (strcmp(c, "listed") != 0 && strcmp(c, "error") != 0) {
			rc = set_err(errmsg_out, lineno,
			    "want listed or error");
			goto out;
		}
		cd->error = strcmp(c, "error") == 0;
		cd->list = list;
		cd->meaning = d ? d : strdup(c);
		d = NULL;
		set->ncodes++;
		if (list < 0)
			set->nglobal++;
		else
			set->lists[list].ncodes++;
	} else
		rc = set_err(errmsg_out, lineno, "unknown keyword");
out:
	free(kw);
	free(a);
	free(b);
	free(c);
	free(d);
	return rc;
}

/* bk_dnsbl_set_new - see check.h */
int
bk_dnsbl_set_new(bk_dnsbl_set **out, const char *text, size_t len,
    char **errmsg_out)
{
	bk_dnsbl_set *set;
	const char *p, *end;
	unsigned lineno = 0;

	if (errmsg_out != NULL)
		*errmsg_out = NULL;
	if (out == NULL)
		return BK_EINVAL;
	*out = NULL;
	if (text == NULL) {
		text = bk__dnsbl_default;
		len = strlen(text);
	}
	set = calloc(1, sizeof(*set));
	if (set == NULL)
		return BK_ENOMEM;
	p = text;
	end = text + len;
	/* loop: one line per step */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		int rc;

		lineno++;
		rc = parse_line(set, p, le, lineno, errmsg_out);
		if (rc != 0) {
			bk_dnsbl_set_free(set);
			return rc;
		}
		p = nl ? nl + 1 : end;
	}
	*out = set;
	return 0;
}

struct slot {
	bk_ipcheck *c;
	size_t i;
	bk_dns_answer *a, *txt;
	bk_dnsbl_result res;
	char query[300];
	char code[16];
};

struct fwd {
	bk_ipcheck *c;
	size_t i;
};

struct bk_ipcheck {
	bk_resolver *r;
	const bk_dnsbl_set *set;
	char target[256];
	int is_ip, v6;
	unsigned char ip[16];
	struct slot *slots;
	size_t n;
	bk_rdns rdns;
	int has_rdns;
	bk_dns_answer *ptr;
	bk_dns_answer *fwd[BK_LIMIT_SPF_PTR_NAMES];
	struct fwd fwdarg[BK_LIMIT_SPF_PTR_NAMES];
	int started;
};

/* bk_ipcheck_new - see check.h */
int
bk_ipcheck_new(bk_ipcheck **out, bk_resolver *r, const bk_dnsbl_set *set,
    const char *target)
{
	bk_ipcheck *c;
	size_t tl;

	if (out == NULL)
		return BK_EINVAL;
	*out = NULL;
	if (r == NULL || target == NULL)
		return BK_EINVAL;
	tl = strlen(target);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return BK_ENOMEM;
	c->r = r;
	c->set = set;
	if (inet_pton(AF_INET, target, c->ip) == 1) {
		c->is_ip = 1;
	} else if (inet_pton(AF_INET6, target, c->ip) == 1) {
		c->is_ip = 1;
		c->v6 = 1;
	} else if (!bk__dns_name_valid(target, tl) || tl >= 256) {
		free(c);
		return BK_EINVAL;
	}
	memcpy(c->target, target, tl + 1);
	if (tl > 0 && c->target[tl - 1] == '.')
		c->target[tl - 1] = '\0';
	*out = c;
	return 0;
}

/* bk_ipcheck_free - answers and slots */
void
bk_ipcheck_free(bk_ipcheck *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		bk_dns_answer_free(c->slots[i].a);
		bk_dns_answer_free(c->slots[i].txt);
	}
	free(c->slots);
	bk_dns_answer_free(c->ptr);
	for (size_t i = 0; i < BK_LIMIT_SPF_PTR_NAMES; i++)
		bk_dns_answer_free(c->fwd[i]);
	free(c);
}

size_t
bk_ipcheck_count(const bk_ipcheck *c)
{
	return c ? c->n : 0;
}

const bk_dnsbl_result *
bk_ipcheck_result(const bk_ipcheck *c, size_t i)
{
	return (c != NULL && i < c->n) ? &c->slots[i].res : NULL;
}

const bk_rdns *
bk_ipcheck_rdns(const bk_ipcheck *c)
{
	return (c != NULL && c->has_rdns) ? &c->rdns : NULL;
}

/* find_code - the definition of @addr for list @li, or NULL */
static const struct code *
find_code(const bk_dnsbl_set *set, size_t li, const unsigned char *addr)
{
	const struct code *any = NULL;

	for (size_t i = 0; i < set->ncodes; i++) {
		if (memcmp(set->codes[i].addr, addr, 4) != 0)
			continue;
		if (set->codes[i].list == (int)li)
			return &set->codes[i];
		if (set->codes[i].list == -1)
			any = &set->codes[i];
	}
	return any;
}

/* decide - the verdict of one list from its A answer */
static void
decide(struct slot *s)
{
	const bk_dns_answer *a = s->a;
	const bk_dnsbl_set *set = s->c->set;
	bk_dnsbl_result *res = &s->res;
	int listed = 0;

	res->dns = a->status;
	if (bk_dns_is_notfound(a->status)) {
		res->state = BK_DNSBL_NOT_LISTED;
		return;
	}
	if (a->status != BK_DNS_OK) {
		res->state = BK_DNSBL_FAILED;
		res->meaning = bk_dns_status_text(a->status);
		return;
	}
	res->state = BK_DNSBL_ERROR;
	res->meaning = "the answer is no RFC 5782 listing";
	for (size_t k = 0; k < a->count; k++) {
		const unsigned char *ad = a->rr[k].addr;
		const struct code *cd;
		const char *meaning;
		int err;

		if (a->rr[k].type != BK_DNS_A)
			continue;
		cd = find_code(set, s->i, ad);
		if (ad[0] != 127) {
			err = 1;
			meaning = "answer outside 127.0.0.0/8: the list or "
			    "the resolver is broken";
		} else if (ad[1] == 0 && ad[2] == 0 && ad[3] == 1) {
			err = 1;
			meaning = cd ? cd->meaning : "127.0.0.1 is never a "
			    "listing (RFC 5782 5): the list refused the "
			    "query or is broken";
		} else if (cd != NULL) {
			err = cd->error;
			meaning = cd->meaning;
		} else if (ad[1] == 255 && ad[2] == 255) {
			err = 1;
			meaning = "127.255.255.x is an error code, not a "
			    "listing";
		} else {
			err = 0;
			meaning = "listed (code not documented)";
		}
		if (listed && err)
			continue;
		if (!err || res->code == NULL) {
			snprintf(s->code, sizeof(s->code), "%u.%u.%u.%u",
			    ad[0], ad[1], ad[2], ad[3]);
			res->code = s->code;
			res->meaning = meaning;
			res->state = err ? BK_DNSBL_ERROR : BK_DNSBL_LISTED;
		}
		if (!err)
			listed = 1;
	}
}

static void
on_a(void *arg, bk_dns_answer *ans)
{
	struct slot *s = arg;

	s->a = ans;
	if (ans == NULL) {
		s->res.state = BK_DNSBL_FAILED;
		s->res.meaning = "out of memory";
		return;
	}
	decide(s);
}

static void
on_txt(void *arg, bk_dns_answer *ans)
{
	struct slot *s = arg;

	s->txt = ans;
	if (ans != NULL && ans->status == BK_DNS_OK && ans->count > 0)
		s->res.txt = ans->rr[0].data;
}

static void
on_fwd(void *arg, bk_dns_answer *ans)
{
	struct fwd *f = arg;
	bk_ipcheck *c = f->c;
	size_t alen = c->v6 ? 16 : 4;

	c->fwd[f->i] = ans;
	if (ans == NULL)
		return;
	c->rdns.forward[f->i] = ans->status;
	for (size_t k = 0; k < ans->count; k++)
		if (memcmp(ans->rr[k].addr, c->ip, alen) == 0) {
			c->rdns.confirmed[f->i] = 1;
			c->rdns.fcrdns = 1;
		}
}

static void
on_ptr(void *arg, bk_dns_answer *ans)
{
	bk_ipcheck *c = arg;
	size_t n;

	c->ptr = ans;
	if (ans == NULL) {
		c->rdns.ptr = BK_DNS_BADRESP;
		return;
	}
	c->rdns.ptr = ans->status;
	n = ans->count < BK_LIMIT_SPF_PTR_NAMES ? ans->count :
	    BK_LIMIT_SPF_PTR_NAMES;
	for (size_t i = 0; i < n; i++) {
		c->rdns.names[i] = ans->rr[i].data;
		c->rdns.forward[i] = BK_DNS_CANCELLED;
		c->fwdarg[i].c = c;
		c->fwdarg[i].i = i;
		if (bk_resolver_query(c->r, ans->rr[i].data, ans->rr[i].len,
		    c->v6 ? BK_DNS_AAAA : BK_DNS_A, on_fwd,
		    &c->fwdarg[i]) != 0)
			break;
		c->rdns.count = i + 1;
	}
}

/* bk_ipcheck_start - queue every list and the PTR */
int
bk_ipcheck_start(bk_ipcheck *c)
{
	size_t nl, i;
	int rc;

	if (c == NULL || c->started)
		return BK_EINVAL;
	c->started = 1;
	nl = c->set ? c->set->nlists : 0;
	if (nl > 0) {
		c->slots = calloc(nl, sizeof(*c->slots));
		if (c->slots == NULL)
			return BK_ENOMEM;
	}
	for (i = 0; i < nl; i++) {
		const struct list *l = &c->set->lists[i];
		struct slot *s = &c->slots[c->n++];
		int n;

		s->c = c;
		s->i = i;
		s->res.id = l->id;
		s->res.zone = l->zone;
		s->res.name = l->name;
		s->res.query = s->query;
		s->res.dns = BK_DNS_CANCELLED;
		if ((l->kind == K_DOMAIN) == c->is_ip ||
		    (l->kind == K_IP4 && c->v6)) {
			s->res.state = BK_DNSBL_SKIPPED;
			s->res.meaning = l->kind == K_DOMAIN ?
			    "a domain list" : c->is_ip ?
			    "the list takes IPv4 addresses only" :
			    "an address list";
			continue;
		}
		if (c->is_ip) {
			char ipt[64];

			inet_ntop(c->v6 ? AF_INET6 : AF_INET, c->ip, ipt,
			    sizeof(ipt));
			rc = bk_dns_reverse_name(s->query, sizeof(s->query),
			    ipt, l->zone);
			if (rc != 0)
				return rc;
		} else {
			n = snprintf(s->query, sizeof(s->query), "%s.%s",
			    c->target, l->zone);
			if (n < 0 || (size_t)n > 253) {
				/* not a DNS name: this list cannot be asked */
				s->query[0] = '\0';
				s->res.state = BK_DNSBL_FAILED;
				s->res.meaning = "the query name would be over "
				    "253 characters";
				continue;
			}
		}
		s->res.state = BK_DNSBL_FAILED;
		s->res.meaning = "no answer yet";
		rc = bk_resolver_query(c->r, s->query, strlen(s->query),
		    BK_DNS_A, on_a, s);
		if (rc == 0)
			rc = bk_resolver_query(c->r, s->query,
			    strlen(s->query), BK_DNS_TXT, on_txt, s);
		if (rc != 0)
			return rc;
	}
	if (c->is_ip) {
		char rev[160], ipt[64];

		c->has_rdns = 1;
		c->rdns.ptr = BK_DNS_CANCELLED;
		inet_ntop(c->v6 ? AF_INET6 : AF_INET, c->ip, ipt, sizeof(ipt));
		rc = bk_dns_reverse_name(rev, sizeof(rev), ipt,
		    c->v6 ? "ip6.arpa" : "in-addr.arpa");
		if (rc == 0)
			rc = bk_resolver_query(c->r, rev, strlen(rev),
			    BK_DNS_PTR, on_ptr, c);
		if (rc != 0)
			return rc;
	}
	return 0;
}
