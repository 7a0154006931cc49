/*
 * check_domain.c - MX, the SPF include tree and DMARC of a sending domain.
 *
 * SPF: the record is parsed (RFC 7208 4.6; a syntax error is reported as
 * the permerror it would cause) and every include: and redirect= target
 * without macros is fetched, level by level as answers arrive, to show
 * where the DNS-querying terms come from.  The tree is bounded by
 * BK_LIMIT_SPF_TREE_NODES and a domain already in the tree is not
 * fetched again (a loop is reported on the node).
 *
 * DMARC (RFC 7489 6.6.3): _dmarc.<domain> and, when the organizational
 * domain (Public Suffix List via libpsl) differs, _dmarc.<org> are asked
 * at once; the domain's own record wins.  The record is checked tag by
 * tag (RFC 7489 6.3, RFC 9989 np=).
 *
 * Domain blocklists: with bk_domaincheck_set_lists(), the domain-type
 * lists of the set are asked through an embedded bk_ipcheck (check_ip.c
 * decodes the answers: 127.255.255.x, 127.0.0.1 and codes the
 * definitions call errors are never listings), queued by
 * bk_domaincheck_start() with the other lookups on the same resolver.
 */
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_int.h"
#include "dns/dns_int.h"

struct tnode {
	bk_spf_node pub;
	struct bk_domaincheck *c;
	bk_dns_answer *ans;
	char via[300];
	char domain[256];
	char error[200];
};

struct bk_domaincheck {
	bk_resolver *r;
	bk__arena *arena;
	char domain[256];
	bk_dns_answer *mx;
	struct tnode *nodes[BK_LIMIT_SPF_TREE_NODES];
	size_t nnodes;
	size_t order[BK_LIMIT_SPF_TREE_NODES];   /* pre-order indexes */
	unsigned terms;
	bk_dns_answer *dmarc_own, *dmarc_org;
	int dmarc_own_done, dmarc_org_done, want_org;
	char org[256];
	char problems[1024];
	bk_dmarc_info dmarc;
	struct selkey {
		bk_dkim_key key;
		struct bk_domaincheck *c;
		char name[300];
		char problem[300];
	} sel[BK_LIMIT_DKIM_SELECTORS];
	size_t nsel;
	struct txtpol {
		bk_txtpolicy pub;
		char name[300];
		char problem[200];
		bk_dns_answer *ans;
		int sts;
	} sts, rpt;
	bk_ipcheck *bl;            /* domain blocklists, or NULL */
	int started, finished;
};

/* bk_domaincheck_new - see check.h */
int
bk_domaincheck_new(bk_domaincheck **out, bk_resolver *r, const char *domain)
{
	bk_domaincheck *c;
	size_t n;

	if (out == NULL)
		return BK_EINVAL;
	*out = NULL;
	if (r == NULL || domain == NULL)
		return BK_EINVAL;
	n = strlen(domain);
	if (n > 0 && domain[n - 1] == '.')
		n--;
	if (n >= 256 || !bk__dns_name_valid(domain, n))
		return BK_EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return BK_ENOMEM;
	if (bk__arena_new(&c->arena, 16 * 1024) != 0) {
		free(c);
		return BK_ENOMEM;
	}
	c->r = r;
	for (size_t i = 0; i < n; i++)
		c->domain[i] = (char)bk__lower(domain[i]);
	c->domain[n] = '\0';
	*out = c;
	return 0;
}

/* bk_domaincheck_free - answers, nodes, arena */
void
bk_domaincheck_free(bk_domaincheck *c)
{
	if (c == NULL)
		return;
	bk_dns_answer_free(c->mx);
	bk_dns_answer_free(c->dmarc_own);
	bk_dns_answer_free(c->dmarc_org);
	bk_dns_answer_free(c->sts.ans);
	bk_dns_answer_free(c->rpt.ans);
	bk_ipcheck_free(c->bl);
	for (size_t i = 0; i < c->nnodes; i++)
		bk_dns_answer_free(c->nodes[i]->ans);
	bk__arena_free(c->arena);
	free(c);
}

/* bk_domaincheck_set_lists - see check.h */
int
bk_domaincheck_set_lists(bk_domaincheck *c, const bk_dnsbl_set *set)
{
	bk_ipcheck *bl = NULL;
	int rc;

	if (c == NULL || c->started)
		return BK_EINVAL;
	if (set != NULL) {
		rc = bk_ipcheck_new(&bl, c->r, set, c->domain);
		if (rc != 0)
			return rc;
	}
	bk_ipcheck_free(c->bl);
	c->bl = bl;
	return 0;
}

/* bl_slot - index in the embedded check of domain list @i, or the count
 * of domain lists when @i is past them (address lists are skipped) */
static size_t
bl_slot(const bk_domaincheck *c, size_t i, size_t *count)
{
	size_t n = bk_ipcheck_count(c->bl), k, seen = 0;

	for (k = 0; k < n; k++) {
		const bk_dnsbl_result *x = bk_ipcheck_result(c->bl, k);

		if (x->state == BK_DNSBL_SKIPPED)
			continue;
		if (seen == i && count == NULL)
			return k;
		seen++;
	}
	if (count != NULL)
		*count = seen;
	return n;
}

size_t
bk_domaincheck_dnsbl_count(const bk_domaincheck *c)
{
	size_t n = 0;

	if (c == NULL || c->bl == NULL || !c->started)
		return 0;
	bl_slot(c, 0, &n);
	return n;
}

const bk_dnsbl_result *
bk_domaincheck_dnsbl_result(const bk_domaincheck *c, size_t i)
{
	if (c == NULL || c->bl == NULL || !c->started)
		return NULL;
	return bk_ipcheck_result(c->bl, bl_slot(c, i, NULL));
}

const bk_dns_answer *
bk_domaincheck_mx(const bk_domaincheck *c)
{
	return c ? c->mx : NULL;
}

unsigned
bk_domaincheck_spf_terms(const bk_domaincheck *c)
{
	return c ? c->terms : 0;
}

/* pre-order: parents before children, children in record order */
static size_t
preorder(const bk_domaincheck *c, size_t i)
{
	/* nodes carry their depth; a stable pre-order is the order of
	 * creation sorted by (parent chain) which we keep in order[] */
	return c->order[i];
}

size_t
bk_domaincheck_spf_count(const bk_domaincheck *c)
{
	return c ? c->nnodes : 0;
}

const bk_spf_node *
bk_domaincheck_spf_node(const bk_domaincheck *c, size_t i)
{
	if (c == NULL || i >= c->nnodes)
		return NULL;
	return &c->nodes[preorder(c, i)]->pub;
}

const bk_dmarc_info *
bk_domaincheck_dmarc(const bk_domaincheck *c)
{
	return c ? &c->dmarc : NULL;
}

static void on_mx(void *arg, bk_dns_answer *ans)
{
	bk_domaincheck *c = arg;

	c->mx = ans;
}

static int add_node(bk_domaincheck *c, size_t after, unsigned depth,
    const char *via, const char *domain, size_t dlen);

/*
 * tree_full - the tree holds BK_LIMIT_SPF_TREE_NODES records: @via (and
 * what it would include) is not fetched, and node @t says so (its terms
 * still count).  1 when full.
 */
static int
tree_full(bk_domaincheck *c, struct tnode *t, const char *via)
{
	if (c->nnodes < BK_LIMIT_SPF_TREE_NODES)
		return 0;
	if (t->pub.error == NULL) {
		snprintf(t->error, sizeof(t->error), "the tree reached %d "
		    "records: %.140s is not fetched", BK_LIMIT_SPF_TREE_NODES,
		    via);
		t->pub.error = t->error;
	}
	return 1;
}

/* on_spf - a record of the tree arrived: parse, count, queue children */
static void
on_spf(void *arg, bk_dns_answer *ans)
{
	struct tnode *t = arg;
	bk_domaincheck *c = t->c;
	const bk_dns_rr *rec = NULL;
	struct spf_record sr;
	size_t found = 0, i, pos;

	t->ans = ans;
	if (ans == NULL) {
		t->pub.error = "out of memory";
		return;
	}
	t->pub.dns = ans->status;
	if (bk_dns_is_error(ans->status)) {
		if (ans->status == BK_DNS_OFFLINE)
			snprintf(t->error, sizeof(t->error), "%s",
			    bk_dns_status_text(ans->status));
		else
			snprintf(t->error, sizeof(t->error),
			    "lookup failed: %s (%s)",
			    bk_dns_status_text(ans->status),
			    ans->status == BK_DNS_TOOBIG ? "permerror" :
			    "temperror");
		t->pub.error = t->error;
		return;
	}
	for (i = 0; ans->status == BK_DNS_OK && i < ans->count; i++)
		if (bk__spf_is_record(ans->rr[i].data, ans->rr[i].len)) {
			rec = &ans->rr[i];
			found++;
		}
	if (found != 1) {
		t->pub.error = found ? "more than one SPF record (permerror)" :
		    t->pub.depth == 0 ? "no SPF record (none)" :
		    "no SPF record (permerror for the including domain)";
		return;
	}
	t->pub.record = rec->data;
	if (bk__spf_parse(&sr, c->arena, rec->data, rec->len, t->error,
	    sizeof(t->error)) != 0) {
		size_t l = strlen(t->error);

		snprintf(t->error + l, sizeof(t->error) - l, " (permerror)");
		t->pub.error = t->error;
		return;
	}
	/* the node's position in order[], to insert children after it */
	for (pos = 0; pos < c->nnodes && &c->nodes[c->order[pos]]->pub !=
	    &t->pub; pos++)
		;
	for (i = 0; i < sr.n; i++) {
		const struct spf_term *st = &sr.terms[i];
		char via[300];

		if (!SPF_MECH_QUERIES(st->mech))
			continue;
		t->pub.terms++;
		c->terms++;
		if (st->mech != SPF_INCLUDE)
			continue;
		snprintf(via, sizeof(via), "include:%.*s", (int)st->speclen,
		    st->spec);
		if (tree_full(c, t, via))
			continue;
		pos += (size_t)add_node(c, pos, t->pub.depth + 1, via,
		    st->spec, st->speclen);
	}
	if (sr.redirect != NULL) {
		char via[300];

		t->pub.terms++;
		c->terms++;
		snprintf(via, sizeof(via), "redirect=%.*s",
		    (int)sr.redirect_len, sr.redirect);
		if (!tree_full(c, t, via))
			add_node(c, pos, t->pub.depth + 1, via, sr.redirect,
			    sr.redirect_len);
	}
}

/*
 * add_node - a tree node after order position @after (or the root when
 * the tree is empty), and its TXT lookup; returns the number of nodes
 * added (0 or 1).
 */
static int
add_node(bk_domaincheck *c, size_t after, unsigned depth, const char *via,
    const char *domain, size_t dlen)
{
	struct tnode *t;
	size_t i;
	int macro = memchr(domain, '%', dlen) != NULL;

	if (c->nnodes == BK_LIMIT_SPF_TREE_NODES)
		return 0;
	t = bk__arena_zalloc(c->arena, sizeof(*t));
	if (t == NULL)
		return 0;
	t->c = c;
	snprintf(t->via, sizeof(t->via), "%s", via);
	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--;
	snprintf(t->domain, sizeof(t->domain), "%.*s", (int)dlen, domain);
	t->pub.depth = depth;
	t->pub.via = t->via;
	t->pub.domain = t->domain;
	t->pub.dns = BK_DNS_CANCELLED;
	/* insert into the pre-order after position @after */
	if (c->nnodes == 0)
		c->order[0] = 0;
	else {
		memmove(&c->order[after + 2], &c->order[after + 1],
		    (c->nnodes - after - 1) * sizeof(c->order[0]));
		c->order[after + 1] = c->nnodes;
	}
	c->nodes[c->nnodes++] = t;
	if (macro) {
		t->pub.error = "target uses macros: depends on the sender, "
		    "not followed";
		return 1;
	}
	for (i = 0; i + 1 < c->nnodes; i++)
		if (bk__dns_name_eq(c->nodes[i]->domain,
		    strlen(c->nodes[i]->domain), t->domain,
		    strlen(t->domain))) {
			t->pub.error = "already in the tree (a loop or a "
			    "repeat): not followed";
			return 1;
		}
	if (bk_resolver_query(c->r, t->domain, strlen(t->domain), BK_DNS_TXT,
	    on_spf, t) != 0)
		t->pub.error = "too many lookups";
	return 1;
}

/* note - append a DMARC finding */
static void
note(bk_domaincheck *c, const char *fmt, const char *arg)
{
	size_t l = strlen(c->problems);

	if (l > 0 && l + 2 < sizeof(c->problems)) {
		memcpy(c->problems + l, "; ", 3);
		l += 2;
	}
	snprintf(c->problems + l, sizeof(c->problems) - l, fmt,
	    arg ? arg : "");
	c->dmarc.problems = c->problems;
}

/* dmarc_parse - RFC 7489 6.3 tag list (check_dmarc.c), plus the
 * findings a sender should know about */
static void
dmarc_parse(bk_domaincheck *c, const char *rec, size_t len)
{
	bk_dmarc_info *d = &c->dmarc;
	size_t l = strlen(c->problems);

	bk__dmarc_parse(d, c->arena, rec, len, c->problems + l,
	    sizeof(c->problems) - l);
	if (c->problems[0] != '\0')
		d->problems = c->problems;
	if (!d->usable)
		return;
	if (d->p != NULL && strcmp(d->p, "none") == 0)
		note(c, "p=none only monitors: nothing is rejected", NULL);
	if (d->pct >= 0 && d->pct < 100)
		note(c, "pct below 100: the policy covers part of the mail",
		    NULL);
	if (d->rua == NULL)
		note(c, "no rua=: no aggregate reports", NULL);
}

/* dmarc_pick - one answer: 1 when it holds exactly one DMARC record */
static int
dmarc_pick(bk_domaincheck *c, const bk_dns_answer *a, const char *at)
{
	const bk_dns_rr *rec = NULL;
	size_t n = 0;

	if (a == NULL)
		return 0;
	for (size_t i = 0; a->status == BK_DNS_OK && i < a->count; i++)
		if (bk__istarts(a->rr[i].data, a->rr[i].len, "v=DMARC1")) {
			rec = &a->rr[i];
			n++;
		}
	if (n > 1) {
		c->dmarc.found_at = at;
		note(c, "more than one DMARC record at %s: none applies", at);
		return 1;
	}
	if (n == 0)
		return 0;
	c->dmarc.found_at = at;
	c->dmarc.record = rec->data;
	dmarc_parse(c, rec->data, rec->len);
	return 1;
}

/* dmarc_decide - both answers are in */
static void
dmarc_decide(bk_domaincheck *c)
{
	bk_dmarc_info *d = &c->dmarc;
	char *own_at, *org_at;

	own_at = bk__arena_zalloc(c->arena, 300);
	org_at = bk__arena_zalloc(c->arena, 300);
	if (own_at == NULL || org_at == NULL)
		return;
	snprintf(own_at, 300, "_dmarc.%s", c->domain);
	snprintf(org_at, 300, "_dmarc.%s", c->org);
	d->dns = c->dmarc_own ? c->dmarc_own->status : BK_DNS_BADRESP;
	if (bk_dns_is_error(d->dns)) {
		note(c, "the DMARC lookup failed (temperror): %s",
		    bk_dns_status_text(d->dns));
		return;
	}
	if (dmarc_pick(c, c->dmarc_own, own_at))
		return;
	if (c->want_org) {
		d->dns = c->dmarc_org ? c->dmarc_org->status :
		    BK_DNS_BADRESP;
		if (bk_dns_is_error(d->dns)) {
			note(c, "the DMARC lookup failed (temperror): %s",
			    bk_dns_status_text(d->dns));
			return;
		}
		if (dmarc_pick(c, c->dmarc_org, org_at))
			return;
	}
	note(c, "no DMARC record: receivers apply no policy", NULL);
}

static void
on_dmarc_own(void *arg, bk_dns_answer *ans)
{
	bk_domaincheck *c = arg;

	c->dmarc_own = ans;
	c->dmarc_own_done = 1;
	if (!c->want_org || c->dmarc_org_done)
		dmarc_decide(c);
}

static void
on_dmarc_org(void *arg, bk_dns_answer *ans)
{
	bk_domaincheck *c = arg;

	c->dmarc_org = ans;
	c->dmarc_org_done = 1;
	if (c->dmarc_own_done)
		dmarc_decide(c);
}

/* bk_domaincheck_add_selector - see check.h */
int
bk_domaincheck_add_selector(bk_domaincheck *c, const char *selector)
{
	struct selkey *k;
	size_t n;

	if (c == NULL || selector == NULL || c->started)
		return BK_EINVAL;
	n = strlen(selector);
	if (n == 0 || n > 63 || !bk__dns_name_valid(selector, n))
		return BK_EINVAL;
	if (c->nsel == BK_LIMIT_DKIM_SELECTORS)
		return BK_ETOOBIG;
	k = &c->sel[c->nsel++];
	memset(k, 0, sizeof(*k));
	k->c = c;
	snprintf(k->name, sizeof(k->name), "%s._domainkey.%s", selector,
	    c->domain);
	k->key.name = k->name;
	k->key.dns = BK_DNS_CANCELLED;
	return 0;
}

size_t
bk_domaincheck_dkim_count(const bk_domaincheck *c)
{
	return c ? c->nsel : 0;
}

const bk_dkim_key *
bk_domaincheck_dkim_key(const bk_domaincheck *c, size_t i)
{
	if (c == NULL || i >= c->nsel)
		return NULL;
	return &c->sel[i].key;
}

const bk_txtpolicy *
bk_domaincheck_mtasts(const bk_domaincheck *c)
{
	return c ? &c->sts.pub : NULL;
}

const bk_txtpolicy *
bk_domaincheck_tlsrpt(const bk_domaincheck *c)
{
	return c ? &c->rpt.pub : NULL;
}

/* on_selector - a DKIM key record arrived */
static void
on_selector(void *arg, bk_dns_answer *ans)
{
	struct selkey *k = arg;
	bk_domaincheck *c = k->c;

	if (ans == NULL) {
		k->key.problem = "out of memory";
		return;
	}
	k->key.dns = ans->status;
	if (ans->status != BK_DNS_OK || ans->count == 0) {
		if (ans->status == BK_DNS_TOOBIG)
			snprintf(k->problem, sizeof(k->problem), "%s: "
			    "signatures with this selector are permerror",
			    bk_dns_status_text(ans->status));
		else
			snprintf(k->problem, sizeof(k->problem), "%s",
			    bk_dns_is_error(ans->status) ? "lookup failed "
			    "(temperror)" : "no key record: signatures with "
			    "this selector are permerror");
		k->key.problem = k->problem;
		bk_dns_answer_free(ans);
		return;
	}
	k->key.record = bk__arena_memdup(c->arena, ans->rr[0].data,
	    ans->rr[0].len);
	if (k->key.record != NULL)
		bk__dkim_key_parse(&k->key, c->arena, k->key.record,
		    strlen(k->key.record), NULL, NULL, k->problem,
		    sizeof(k->problem));
	if (k->key.usable && strcmp(k->key.type, "rsa") == 0 &&
	    k->key.bits < BK_LIMIT_DKIM_RSA_MIN_BITS) {
		k->key.usable = 0;
		snprintf(k->problem, sizeof(k->problem), "%u-bit RSA key: "
		    "under the 1024-bit minimum (RFC 8301 3.2)", k->key.bits);
		k->key.problem = k->problem;
	} else if (k->key.usable && ans->count > 1) {
		snprintf(k->problem, sizeof(k->problem), "%zu TXT records: "
		    "verifiers may use any one", ans->count);
		k->key.problem = k->problem;
	} else if (k->key.usable && k->key.testing) {
		snprintf(k->problem, sizeof(k->problem), "t=y: testing "
		    "mode, receivers may treat signed mail as unsigned");
		k->key.problem = k->problem;
	}
	bk_dns_answer_free(ans);
}

/* tag_value - [*vs, *ve) of tag @name in a "k=v; k=v" record */
static int
tag_value(const char *r, size_t len, const char *name, const char **v,
    size_t *vl)
{
	size_t i = 0, nl = strlen(name);

	while (i < len) {
		size_t s, e;

		while (i < len && (r[i] == ' ' || r[i] == '\t'))
			i++;
		s = i;
		while (i < len && r[i] != ';')
			i++;
		e = i++;
		if (e - s > nl && bk__istarts(r + s, e - s, name) &&
		    r[s + nl] == '=') {
			*v = r + s + nl + 1;
			*vl = e - s - nl - 1;
			while (*vl > 0 && ((*v)[*vl - 1] == ' ' ||
			    (*v)[*vl - 1] == '\t'))
				(*vl)--;
			return 1;
		}
	}
	return 0;
}

/*
 * on_txtpol - MTA-STS (RFC 8461 3.1: "v=STSv1; id=1*32(ALPHA/DIGIT)")
 * or TLS-RPT (RFC 8460 3: "v=TLSRPTv1; rua=mailto:...|https:...")
 */
static void
on_txtpol(void *arg, bk_dns_answer *ans)
{
	struct txtpol *t = arg;
	const char *prefix = t->sts ? "v=STSv1" : "v=TLSRPTv1";
	const bk_dns_rr *rec = NULL;
	size_t n = 0, vl;
	const char *v;

	t->ans = ans;
	if (ans == NULL)
		return;
	t->pub.dns = ans->status;
	if (bk_dns_is_error(ans->status)) {
		snprintf(t->problem, sizeof(t->problem), "lookup failed: %s",
		    bk_dns_status_text(ans->status));
		t->pub.problem = t->problem;
		return;
	}
	for (size_t i = 0; ans->status == BK_DNS_OK && i < ans->count; i++) {
		size_t pl = strlen(prefix);

		if (ans->rr[i].len >= pl && memcmp(ans->rr[i].data, prefix,
		    pl) == 0 && (ans->rr[i].len == pl ||
		    ans->rr[i].data[pl] == ';' || ans->rr[i].data[pl] == ' ')) {
			rec = &ans->rr[i];
			n++;
		}
	}
	if (n == 0) {
		t->pub.problem = t->sts ? "no MTA-STS record: senders do not "
		    "enforce TLS" : "no TLS-RPT record: no TLS failure reports";
		return;
	}
	t->pub.record = rec->data;
	if (n > 1) {
		t->pub.problem = "more than one record: it is ignored";
		return;
	}
	if (t->sts) {
		int ok = tag_value(rec->data, rec->len, "id", &v, &vl) &&
		    vl >= 1 && vl <= 32;

		for (size_t i = 0; ok && i < vl; i++)
			if (!bk__is(v[i], BK_C_ALPHA | BK_C_DIGIT))
				ok = 0;
		if (!ok) {
			t->pub.problem = "id= is missing or not 1-32 letters "
			    "and digits";
			return;
		}
		t->pub.problem = "the policy itself is fetched over HTTPS "
		    "from mta-sts.DOMAIN (not checked)";
	} else {
		if (!tag_value(rec->data, rec->len, "rua", &v, &vl) ||
		    !(bk__istarts(v, vl, "mailto:") ||
		    bk__istarts(v, vl, "https:"))) {
			t->pub.problem = "rua= is missing or not mailto: or "
			    "https:";
			return;
		}
	}
	t->pub.valid = 1;
}

/* bk_domaincheck_start - MX, SPF root and both DMARC names at once */
int
bk_domaincheck_start(bk_domaincheck *c)
{
	const psl_ctx_t *psl;
	const char *reg;
	char name[300];
	int rc;

	if (c == NULL || c->started)
		return BK_EINVAL;
	c->started = 1;
	psl = psl_builtin();
	{
		psl_ctx_t *latest = psl_latest(NULL);

		reg = psl_registrable_domain(latest ? latest : psl,
		    c->domain);
		snprintf(c->org, sizeof(c->org), "%s", reg ? reg : c->domain);
		psl_free(latest);
	}
	c->dmarc.org_domain = c->org;
	c->dmarc.pct = -1;
	c->want_org = strcmp(c->org, c->domain) != 0;
	rc = bk_resolver_query(c->r, c->domain, strlen(c->domain), BK_DNS_MX,
	    on_mx, c);
	if (rc != 0)
		return rc;
	add_node(c, 0, 0, "", c->domain, strlen(c->domain));
	snprintf(name, sizeof(name), "_dmarc.%s", c->domain);
	rc = bk_resolver_query(c->r, name, strlen(name), BK_DNS_TXT,
	    on_dmarc_own, c);
	if (rc == 0 && c->want_org) {
		snprintf(name, sizeof(name), "_dmarc.%s", c->org);
		rc = bk_resolver_query(c->r, name, strlen(name), BK_DNS_TXT,
		    on_dmarc_org, c);
	}
	for (size_t i = 0; rc == 0 && i < c->nsel; i++)
		rc = bk_resolver_query(c->r, c->sel[i].name,
		    strlen(c->sel[i].name), BK_DNS_TXT, on_selector,
		    &c->sel[i]);
	c->sts.sts = 1;
	snprintf(c->sts.name, sizeof(c->sts.name), "_mta-sts.%s", c->domain);
	snprintf(c->rpt.name, sizeof(c->rpt.name), "_smtp._tls.%s",
	    c->domain);
	c->sts.pub.name = c->sts.name;
	c->rpt.pub.name = c->rpt.name;
	c->sts.pub.dns = c->rpt.pub.dns = BK_DNS_CANCELLED;
	if (rc == 0)
		rc = bk_resolver_query(c->r, c->sts.name, strlen(c->sts.name),
		    BK_DNS_TXT, on_txtpol, &c->sts);
	if (rc == 0)
		rc = bk_resolver_query(c->r, c->rpt.name, strlen(c->rpt.name),
		    BK_DNS_TXT, on_txtpol, &c->rpt);
	if (rc == 0 && c->bl != NULL)
		rc = bk_ipcheck_start(c->bl);
	return rc;
}
