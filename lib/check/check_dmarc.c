/*
 * check_dmarc.c - DMARC (RFC 9989, RFC 7489): the record, the
 * organizational domain, identifier alignment and the policy that
 * applies.
 *
 * bk__dmarc_parse() reads a record tag by tag (RFC 7489 6.3, 6.4; np=,
 * psd= and t= of RFC 9989 are read, checked and kept).  It
 * tells two things apart: "usable" (a receiver applies the record: v=
 * first and exactly "DMARC1", a valid p= or, failing that, a valid rua=
 * which makes it p=none, 6.6.3) and "errors" (a setup checker should
 * flag it: any tag value that is not valid, even one receivers ignore).
 *
 * bk_dmarc evaluates one message under one of two rule sets
 * (bk_dmarc_set_rules):
 *
 * RFC 9989 (DMARCbis, the default).  Policy discovery is the DNS tree
 * walk (4.10): _dmarc.<From domain>, then its parents up to the TLD, a
 * name of 8 or more labels jumping to its rightmost 7, at most
 * BK_LIMIT_DMARC_WALK_QUERIES queries; all are asked at once and the
 * first record in walk order applies (a lookup failure before it is a
 * temperror).  The organizational domain of each identifier comes from
 * the same walk and psd= (4.10.2; see org_of), so relaxed alignment
 * walks the passing SPF and DKIM domains too (names asked once).  The
 * disposition is p= for the From domain's own record; for a parent's:
 * np= when the From domain does not exist (A, AAAA and MX all NXDOMAIN
 * or NODATA, asked only then), else sp=, else p=; pct= is ignored and
 * t=y makes it one step less strict.
 *
 * RFC 7489 (6.6): _dmarc.<From domain> and, when the organizational
 * domain differs, _dmarc.<org> are asked at once; the From domain's own
 * record wins (6.6.3).  SPF and DKIM results given by the caller are
 * aligned with the From domain (3.1, relaxed or strict), and the
 * disposition is p= (sp= when the record came from the organizational
 * domain of a subdomain), with pct=0 applying the next less strict
 * policy (6.6.4).  The Public Suffix List comes from libpsl:
 * psl_latest() (Debian's publicsuffix data) or the built-in list.
 */
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_int.h"
#include "dns/dns_int.h"

#define NAME_CAP 256

/* note - append a finding to @buf */
static void
note(char *buf, size_t cap, const char *fmt, const char *arg)
{
	size_t l = strlen(buf);

	if (l > 0 && l + 2 < cap) {
		memcpy(buf + l, "; ", 3);
		l += 2;
	}
	if (l < cap)
		snprintf(buf + l, cap - l, fmt, arg ? arg : "");
}

static int
is_policy(const char *v, size_t n)
{
	return bk__ieq(v, n, "none") || bk__ieq(v, n, "quarantine") ||
	    bk__ieq(v, n, "reject");
}

/* policy_name - the static lower-case name of a valid policy value */
static const char *
policy_name(const char *v, size_t n)
{
	if (bk__ieq(v, n, "none"))
		return "none";
	if (bk__ieq(v, n, "quarantine"))
		return "quarantine";
	return "reject";
}

/* uri_list_ok - RFC 7489 6.4 dmarc-uri *("," dmarc-uri): each a mailto:
 * with an addr-spec (or https:), an optional "!" size suffix */
static int
uri_list_ok(const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t s = i, e, at = 0;

		while (i < n && v[i] != ',')
			i++;
		e = i++;
		while (s < e && (v[s] == ' ' || v[s] == '\t'))
			s++;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		for (size_t k = s; k < e; k++)
			if (v[k] == '!') {
				e = k;
				break;
			}
		if (bk__istarts(v + s, e - s, "https://") && e - s > 8)
			continue;
		if (!bk__istarts(v + s, e - s, "mailto:"))
			return 0;
		s += 7;
		for (size_t k = s; k < e; k++)
			if (v[k] == '@')
				at = k;
		/* local@domain, no "//" authority form */
		if (at == 0 || at == s || at + 1 >= e || v[s] == '/')
			return 0;
	}
	return n > 0;
}

/* bk__dmarc_parse - see check_int.h */
int
bk__dmarc_parse(bk_dmarc_info *d, bk__arena *a, const char *rec, size_t len,
    char *notes, size_t cap)
{
	size_t i = 0, ntag = 0;
	int errors = 0, has_rua = 0, bad_p = 0, psd_y = 0;

	d->pct = -1;
	d->adkim = 'r';
	d->aspf = 'r';
	d->usable = 0;
	d->testing = 0;
	d->psd = 'u';
	notes[0] = '\0';
	/* loop: one tag per step, i only moves forward */
	while (i < len) {
		size_t ts, te, vs, ve, eq;
		const char *val;
		size_t vl;

		while (i < len && (rec[i] == ' ' || rec[i] == '\t'))
			i++;
		ts = i;
		while (i < len && rec[i] != ';')
			i++;
		te = i;
		if (i < len)
			i++;
		while (te > ts && (rec[te - 1] == ' ' || rec[te - 1] == '\t'))
			te--;
		if (te == ts)
			continue;
		for (eq = ts; eq < te && rec[eq] != '='; eq++)
			;
		if (eq == te) {
			if (ntag == 0) {
				note(notes, cap, "the record must start with "
				    "v=DMARC1", NULL);
				return 1;
			}
			note(notes, cap, "tag without '=' ignored", NULL);
			errors = 1;
			continue;
		}
		vs = eq + 1;
		ve = te;
		while (vs < ve && (rec[vs] == ' ' || rec[vs] == '\t'))
			vs++;
		/* a '\' left over from zone-file escaping ("p=reject\;") */
		if (ve > vs && rec[ve - 1] == '\\') {
			ve--;
			if (!errors)
				note(notes, cap, "stray backslash before ';'",
				    NULL);
			errors = 1;
		}
		while (eq > ts && (rec[eq - 1] == ' ' || rec[eq - 1] == '\t'))
			eq--;
		val = bk__arena_memdup(a, rec + vs, ve - vs);
		vl = ve - vs;
		if (val == NULL)
			return 1;
		ntag++;
		if (ntag == 1) {
			/* RFC 7489 6.4: "v" first, "DMARC1" case-sensitive */
			if (!(eq - ts == 1 && rec[ts] == 'v') ||
			    strcmp(val, "DMARC1") != 0) {
				note(notes, cap, "the record must start with "
				    "v=DMARC1", NULL);
				return 1;
			}
			continue;
		}
#define TAG(s) bk__ieq(rec + ts, eq - ts, (s))
		if (TAG("p")) {
			if (is_policy(val, vl))
				d->p = policy_name(val, vl);
			else {
				bad_p = 1;
				errors = 1;
				note(notes, cap, "p=%s is not none, quarantine "
				    "or reject", val);
			}
		} else if (TAG("sp") || TAG("np")) {
			int sp = TAG("sp");

			if (is_policy(val, vl)) {
				if (sp)
					d->sp = policy_name(val, vl);
				else
					d->np = policy_name(val, vl);
			} else {
				errors = 1;
				note(notes, cap, sp ? "sp=%s is invalid "
				    "(ignored)" :
				    "np=%s is invalid (ignored)", val);
			}
		} else if (TAG("pct")) {
			long v;

			if (vl > 0 && bk__digits(val, vl, 0, 100, &v) == vl)
				d->pct = (int)v;
			else {
				errors = 1;
				note(notes, cap, "pct=%s is not 0-100 "
				    "(ignored)", val);
			}
		} else if (TAG("adkim") || TAG("aspf")) {
			int dk = TAG("adkim");

			if (vl == 1 && (val[0] == 'r' || val[0] == 's')) {
				if (dk)
					d->adkim = val[0];
				else
					d->aspf = val[0];
			} else {
				errors = 1;
				note(notes, cap, dk ? "adkim=%s is not r or s"
				    : "aspf=%s is not r or s", val);
			}
		} else if (TAG("rua") || TAG("ruf")) {
			int rua = TAG("rua");

			if (!uri_list_ok(val, vl)) {
				errors = 1;
				note(notes, cap, rua ? "rua=%s is not a list "
				    "of mailto: addresses" : "ruf=%s is not a "
				    "list of mailto: addresses", val);
				continue;
			}
			if (rua) {
				d->rua = val;
				has_rua = 1;
			} else
				d->ruf = val;
		} else if (TAG("fo")) {
			int ok = vl > 0;

			for (size_t k = 0; k < vl; k++)
				if (!(val[k] == '0' || val[k] == '1' ||
				    val[k] == 'd' || val[k] == 's' ||
				    val[k] == ':' || val[k] == ' '))
					ok = 0;
			if (!ok) {
				errors = 1;
				note(notes, cap, "fo=%s is invalid", val);
			}
		} else if (TAG("rf")) {
			if (!bk__ieq(val, vl, "afrf") &&
			    !bk__ieq(val, vl, "iodef")) {
				errors = 1;
				note(notes, cap, "rf=%s is not afrf", val);
			}
		} else if (TAG("ri")) {
			long v;

			if (vl == 0 || bk__digits(val, vl, 0, 0x7fffffffL,
			    &v) != vl) {
				errors = 1;
				note(notes, cap, "ri=%s is not a number", val);
			}
		} else if (TAG("t") || TAG("psd")) {
			/* RFC 9989 */
			int t = TAG("t");

			if (bk__ieq(val, vl, "y") || bk__ieq(val, vl, "n") ||
			    (!t && bk__ieq(val, vl, "u"))) {
				if (!t && bk__ieq(val, vl, "y"))
					psd_y = 1;
				if (t)
					d->testing = bk__ieq(val, vl, "y");
				else
					d->psd = (char)bk__lower(
					    (unsigned char)val[0]);
			} else {
				errors = 1;
				note(notes, cap, t ? "t=%s is not y or n" :
				    "psd=%s is not y, n or u", val);
			}
		}
#undef TAG
		/* unknown tags: ignored (RFC 7489 6.3) */
	}
	if (ntag == 0) {
		note(notes, cap, "the record must start with v=DMARC1", NULL);
		return 1;
	}
	if (d->p != NULL) {
		d->usable = 1;
		return errors;
	}
	/* RFC 7489 6.6.3: no valid p= (or an invalid sp=) */
	if (has_rua) {
		d->usable = 1;
		d->p = "none";
		if (!bad_p && !psd_y) {
			errors = 1;
			note(notes, cap, "no p=: treated as p=none because "
			    "rua= is valid", NULL);
		} else if (bad_p)
			note(notes, cap, "treated as p=none because rua= is "
			    "valid", NULL);
		return errors;
	}
	if (psd_y && !bad_p) {
		d->usable = 1;
		d->p = "none";
		return errors;
	}
	errors = 1;
	note(notes, cap, "no valid p= tag and no rua=: the record is ignored",
	    NULL);
	return errors;
}

/* bk_dmarc_record_check - see check.h */
int
bk_dmarc_record_check(int *usable_out, int *errors_out, char *why,
    size_t cap, const char *rec, size_t len)
{
	bk__arena *a;
	bk_dmarc_info d;
	char notes[512];
	int e;

	if (usable_out == NULL || errors_out == NULL || (rec == NULL &&
	    len > 0))
		return BK_EINVAL;
	if (bk__arena_new(&a, 1024) != 0)
		return BK_ENOMEM;
	memset(&d, 0, sizeof(d));
	e = bk__dmarc_parse(&d, a, rec ? rec : "", len, notes,
	    sizeof(notes));
	*usable_out = d.usable;
	*errors_out = e;
	if (why != NULL && cap > 0)
		snprintf(why, cap, "%s", notes);
	bk__arena_free(a);
	return 0;
}

/* norm - lower-case @in into @out without leading and final dots */
static int
norm(char *out, size_t cap, const char *in)
{
	size_t n = strlen(in), s = 0;

	while (s < n && in[s] == '.')
		s++;
	while (n > s && in[n - 1] == '.')
		n--;
	if (n - s >= cap)
		return BK_ETOOBIG;
	for (size_t i = s; i < n; i++)
		out[i - s] = (char)bk__lower(in[i]);
	out[n - s] = '\0';
	return 0;
}

/* org_with - the registrable domain of @dom under @psl */
static int
org_with(const psl_ctx_t *psl, char *out, size_t cap, const char *dom)
{
	char n[NAME_CAP];
	const char *reg;

	if (norm(n, sizeof(n), dom) != 0 || n[0] == '\0')
		return BK_EINVAL;
	reg = psl_registrable_domain(psl, n);
	if (reg == NULL)
		return BK_ENOTFOUND;
	if (strlen(reg) >= cap)
		return BK_ETOOBIG;
	snprintf(out, cap, "%s", reg);
	return 0;
}

/* bk_dmarc_org_domain - see check.h */
int
bk_dmarc_org_domain(char *out, size_t cap, const char *domain)
{
	psl_ctx_t *latest;
	int rc;

	if (out == NULL || domain == NULL)
		return BK_EINVAL;
	latest = psl_latest(NULL);
	rc = org_with(latest ? latest : psl_builtin(), out, cap, domain);
	psl_free(latest);
	return rc;
}

/* aligned_with - RFC 7489 3.1.1/3.1.2 under @psl */
static int
aligned_with(const psl_ctx_t *psl, const char *from, const char *auth,
    int strict)
{
	char a[NAME_CAP], b[NAME_CAP], oa[NAME_CAP], ob[NAME_CAP];

	if (norm(a, sizeof(a), from) != 0 || norm(b, sizeof(b), auth) != 0 ||
	    a[0] == '\0' || b[0] == '\0')
		return 0;
	if (strcmp(a, b) == 0)
		return 1;
	if (strict)
		return 0;
	if (org_with(psl, oa, sizeof(oa), a) != 0 ||
	    org_with(psl, ob, sizeof(ob), b) != 0)
		return 0;
	return strcmp(oa, ob) == 0;
}

/* bk_dmarc_aligned - see check.h */
int
bk_dmarc_aligned(const char *from_domain, const char *auth_domain,
    int strict)
{
	psl_ctx_t *latest;
	int r;

	if (from_domain == NULL || auth_domain == NULL)
		return 0;
	latest = psl_latest(NULL);
	r = aligned_with(latest ? latest : psl_builtin(), from_domain,
	    auth_domain, strict);
	psl_free(latest);
	return r;
}

/*
 * bk_dmarc_from_domain - see check.h.  The first address of the list:
 * quoted strings and comments are skipped, a top-level ',' ends the
 * first mailbox, and the first word holding '@' is the address (words
 * end at white space, '<', '>', ':', ';').
 */
int
bk_dmarc_from_domain(char *out, size_t cap, const char *v, size_t len)
{
	size_t i = 0;
	int depth = 0;

	if (out == NULL || cap == 0 || (v == NULL && len > 0))
		return BK_EINVAL;
	out[0] = '\0';
	/* loop: i only moves forward */
	while (i < len) {
		char c = v[i];

		if (depth > 0) {
			if (c == '\\')
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			i++;
			continue;
		}
		if (c == '(') {
			depth = 1;
			i++;
			continue;
		}
		if (c == '"') {
			for (i++; i < len && v[i] != '"'; i++)
				if (v[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (c == ',')
			break;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == '<' || c == '>' || c == ':' || c == ';') {
			i++;
			continue;
		}
		{
			size_t s = i, at = 0;

			while (i < len && !(v[i] == ' ' || v[i] == '\t' ||
			    v[i] == '\r' || v[i] == '\n' || v[i] == '<' ||
			    v[i] == '>' || v[i] == ':' || v[i] == ';' ||
			    v[i] == ',' || v[i] == '(' || v[i] == '"')) {
				if (v[i] == '@')
					at = i + 1;
				i++;
			}
			if (at > s && at < i) {
				char tmp[NAME_CAP];
				size_t n = i - at;

				if (n >= sizeof(tmp))
					return BK_ETOOBIG;
				memcpy(tmp, v + at, n);
				tmp[n] = '\0';
				if (tmp[0] == '[')
					return BK_ENOTFOUND;
				return norm(out, cap, tmp) != 0 ||
				    out[0] == '\0' ? BK_ENOTFOUND : 0;
			}
		}
	}
	return BK_ENOTFOUND;
}

/* ------------------------------------------------------------------ */
/* Evaluation of one message (RFC 7489 6.6; RFC 9989 4.10)            */

/*
 * RFC 9989 asks every name once, whatever needs it: the tree walks of
 * the From domain, the SPF domain and each DKIM d= (parents they share
 * are one query), then A, AAAA and MX of the From domain for np=.
 */
#define WALK_CAP (BK_LIMIT_DMARC_WALK_QUERIES * \
	(2 + BK_LIMIT_DKIM_SIGNATURES) + 3)

/* one query of an RFC 9989 evaluation; lives in the handle's arena */
struct wq {
	struct bk_dmarc *m;
	const char *name;          /* "_dmarc.<x>" (TXT) or "<from>" */
	bk_dns_type type;
	bk_dns_answer *ans;        /* NULL until answered */
};

struct bk_dmarc {
	bk_resolver *r;
	bk__arena *a;
	psl_ctx_t *psl;
	char from[NAME_CAP], org[NAME_CAP];
	char spf_domain[NAME_CAP];
	bk_spf_result spf;
	int has_spf;
	char *dkim_domain[BK_LIMIT_DKIM_SIGNATURES];
	bk_dkim_result dkim[BK_LIMIT_DKIM_SIGNATURES];
	size_t ndkim;
	bk_dns_answer *own, *orga;
	int own_done, org_done, want_org;
	bk_dmarc_info info;
	char found_at[NAME_CAP + 8];
	char notes[1024];
	char detail[2048];
	bk_dmarc_result verdict;
	const char *policy_domain;
	const char *disposition;
	int spf_aligned, dkim_aligned;
	bk_dmarc_callback cb;
	void *cbarg;
	int fetching;              /* record lookups queued */
	int started, finished;
	bk_dmarc_rules rules;
	struct wq *q[WALK_CAP];    /* RFC 9989 queries, nq of them */
	size_t nq, pending;        /* pending: queued, not yet answered */
	int exist_asked;           /* A, AAAA, MX of the From domain */
};

/* the loaded list, or the built-in one (static, not freed) */
#define PSL(m) ((m)->psl ? (const psl_ctx_t *)(m)->psl : psl_builtin())

static const char *const dmarc_names[] = {
#define DN(code, name, text) text,
	BK_DMARC_RESULT_LIST(DN)
#undef DN
};

/* bk_dmarc_result_name - static name */
const char *
bk_dmarc_result_name(bk_dmarc_result res)
{
	if ((unsigned)res >= BK_DMARC_RESULT_COUNT_)
		return "unknown";
	return dmarc_names[res];
}

static const char *const rules_names[] = {
#define RN(code, name, text) text,
	BK_DMARC_RULES_LIST(RN)
#undef RN
};

/* bk_dmarc_rules_name - static name */
const char *
bk_dmarc_rules_name(bk_dmarc_rules rules)
{
	if ((unsigned)rules >= BK_DMARC_RULES_COUNT_)
		return "unknown";
	return rules_names[rules];
}

/* bk_dmarc_rules_parse - "9989", "rfc9989", "7489", "rfc7489" */
int
bk_dmarc_rules_parse(bk_dmarc_rules *out, const char *s)
{
	size_t n;

	if (out == NULL || s == NULL)
		return BK_EINVAL;
	n = strlen(s);
	if (bk__istarts(s, n, "rfc")) {
		s += 3;
		n -= 3;
	}
	if (n == 4 && memcmp(s, "9989", 4) == 0)
		*out = BK_DMARC_RFC9989;
	else if (n == 4 && memcmp(s, "7489", 4) == 0)
		*out = BK_DMARC_RFC7489;
	else
		return BK_EINVAL;
	return 0;
}

/* bk_dmarc_new - see check.h */
int
bk_dmarc_new(bk_dmarc **out, bk_resolver *r, const char *from_domain)
{
	bk_dmarc *m;

	if (out == NULL)
		return BK_EINVAL;
	*out = NULL;
	if (r == NULL || from_domain == NULL)
		return BK_EINVAL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return BK_ENOMEM;
	if (norm(m->from, sizeof(m->from), from_domain) != 0 ||
	    m->from[0] == '\0' ||
	    !bk__dns_name_valid(m->from, strlen(m->from))) {
		free(m);
		return BK_EINVAL;
	}
	if (bk__arena_new(&m->a, 4096) != 0) {
		free(m);
		return BK_ENOMEM;
	}
	m->r = r;
	m->disposition = "none";
	m->rules = BK_DMARC_RFC9989;
	*out = m;
	return 0;
}

/* bk_dmarc_set_rules - see check.h */
int
bk_dmarc_set_rules(bk_dmarc *m, bk_dmarc_rules rules)
{
	if (m == NULL || m->fetching || m->started ||
	    (unsigned)rules >= BK_DMARC_RULES_COUNT_)
		return BK_EINVAL;
	m->rules = rules;
	return 0;
}

bk_dmarc_rules
bk_dmarc_rules_of(const bk_dmarc *m)
{
	return m ? m->rules : BK_DMARC_RFC9989;
}

/* bk_dmarc_free - answers, PSL, arena */
void
bk_dmarc_free(bk_dmarc *m)
{
	if (m == NULL)
		return;
	bk_dns_answer_free(m->own);
	bk_dns_answer_free(m->orga);
	for (size_t i = 0; i < m->nq; i++)
		bk_dns_answer_free(m->q[i]->ans);
	psl_free(m->psl);
	bk__arena_free(m->a);
	free(m);
}

int
bk_dmarc_add_spf(bk_dmarc *m, const char *domain, bk_spf_result res)
{
	if (m == NULL || domain == NULL || m->started)
		return BK_EINVAL;
	if (norm(m->spf_domain, sizeof(m->spf_domain), domain) != 0)
		return BK_EINVAL;
	m->spf = res;
	m->has_spf = 1;
	return 0;
}

int
bk_dmarc_add_dkim(bk_dmarc *m, const char *domain, bk_dkim_result res)
{
	char n[NAME_CAP];

	if (m == NULL || domain == NULL || m->started)
		return BK_EINVAL;
	if (m->ndkim == BK_LIMIT_DKIM_SIGNATURES)
		return BK_ETOOBIG;
	if (norm(n, sizeof(n), domain) != 0)
		return BK_EINVAL;
	m->dkim_domain[m->ndkim] = bk__arena_memdup(m->a, n, strlen(n));
	if (m->dkim_domain[m->ndkim] == NULL)
		return BK_ENOMEM;
	m->dkim[m->ndkim++] = res;
	return 0;
}

/* find_record - the DMARC records of an answer: their number, the last
 * one in @rec */
static size_t
find_record(const bk_dns_answer *a, const bk_dns_rr **rec)
{
	size_t n = 0;

	for (size_t i = 0; a != NULL && a->status == BK_DNS_OK &&
	    i < a->count; i++) {
		const char *p = a->rr[i].data;
		size_t l = a->rr[i].len, k = 0;

		/* RFC 7489 6.6.3: records not starting "v=DMARC1" are
		 * discarded (white space around '=' allowed) */
		while (k < l && (p[k] == ' ' || p[k] == '\t'))
			k++;
		if (k < l && p[k] == 'v') {
			k++;
			while (k < l && (p[k] == ' ' || p[k] == '\t'))
				k++;
			if (k < l && p[k] == '=') {
				k++;
				while (k < l && (p[k] == ' ' || p[k] == '\t'))
					k++;
				if (l - k >= 6 && memcmp(p + k, "DMARC1", 6) ==
				    0) {
					*rec = &a->rr[i];
					n++;
				}
			}
		}
	}
	return n;
}

/* pick - the one DMARC record of an answer; 1 found, 0 none, -1 two */
static int
pick(bk_dmarc *m, const bk_dns_answer *a, const char *at)
{
	const bk_dns_rr *rec = NULL;
	size_t n = find_record(a, &rec);

	if (n == 0)
		return 0;
	snprintf(m->found_at, sizeof(m->found_at), "_dmarc.%s", at);
	m->info.found_at = m->found_at;
	if (n > 1)
		return -1;
	m->info.record = rec->data;
	bk__dmarc_parse(&m->info, m->a, rec->data, rec->len, m->notes,
	    sizeof(m->notes));
	if (m->notes[0] != '\0')
		m->info.problems = m->notes;
	return 1;
}

/* weaker - the next less strict policy (RFC 7489 6.6.4) */
static const char *
weaker(const char *p)
{
	if (strcmp(p, "reject") == 0)
		return "quarantine";
	return "none";
}

/* decide - both answers are in */
static void
decide(bk_dmarc *m)
{
	const char *at = m->from;
	int got;
	bk_dns_status st;
	const char *pol;

	st = m->own ? m->own->status : BK_DNS_BADRESP;
	if (bk_dns_is_error(st)) {
		m->verdict = BK_DMARC_TEMPERROR;
		snprintf(m->detail, sizeof(m->detail), "the DMARC lookup of "
		    "_dmarc.%s failed: %s", m->from, bk_dns_status_text(st));
		m->info.dns = st;
		return;
	}
	got = pick(m, m->own, m->from);
	if (got == 0 && m->want_org) {
		st = m->orga ? m->orga->status : BK_DNS_BADRESP;
		if (bk_dns_is_error(st)) {
			m->verdict = BK_DMARC_TEMPERROR;
			snprintf(m->detail, sizeof(m->detail), "the DMARC "
			    "lookup of _dmarc.%s failed: %s", m->org,
			    bk_dns_status_text(st));
			m->info.dns = st;
			return;
		}
		at = m->org;
		got = pick(m, m->orga, m->org);
	}
	m->info.dns = st;
	if (got == 0) {
		m->verdict = BK_DMARC_NONE;
		snprintf(m->detail, sizeof(m->detail), "no DMARC record at "
		    "_dmarc.%s%s%s", m->from, m->want_org ? " or _dmarc." :
		    "", m->want_org ? m->org : "");
		return;
	}
	if (got < 0) {
		m->verdict = BK_DMARC_NONE;
		snprintf(m->detail, sizeof(m->detail), "more than one DMARC "
		    "record at %s: DMARC is not applied (RFC 7489 6.6.3)",
		    m->found_at);
		return;
	}
	if (!m->info.usable) {
		m->verdict = BK_DMARC_NONE;
		snprintf(m->detail, sizeof(m->detail), "the record at %s is "
		    "not usable: %s", m->found_at, m->notes);
		return;
	}
	m->policy_domain = at == m->from ? m->from : m->org;
	m->spf_aligned = m->has_spf && m->spf == BK_SPF_PASS &&
	    aligned_with(PSL(m), m->from, m->spf_domain,
	    m->info.aspf == 's');
	for (size_t i = 0; i < m->ndkim; i++)
		if (m->dkim[i] == BK_DKIM_PASS && aligned_with(PSL(m),
		    m->from, m->dkim_domain[i], m->info.adkim == 's'))
			m->dkim_aligned = 1;
	if (m->spf_aligned || m->dkim_aligned) {
		m->verdict = BK_DMARC_PASS;
		m->disposition = "none";
		snprintf(m->detail, sizeof(m->detail), "pass: %s%s%s aligned "
		    "with %s", m->dkim_aligned ? "DKIM" : "",
		    m->dkim_aligned && m->spf_aligned ? " and " : "",
		    m->spf_aligned ? "SPF" : "", m->from);
		return;
	}
	m->verdict = BK_DMARC_FAIL;
	pol = m->info.p;
	if (at != m->from && m->info.sp != NULL)
		pol = m->info.sp;
	if (m->info.pct == 0)
		pol = weaker(pol);
	m->disposition = pol;
	snprintf(m->detail, sizeof(m->detail), "fail: neither SPF (%s%s%s) "
	    "nor DKIM is aligned with %s and passing; policy %s from %s%s",
	    m->has_spf ? bk_spf_result_name(m->spf) : "not checked",
	    m->has_spf ? " for " : "", m->has_spf ? m->spf_domain : "",
	    m->from, pol, m->found_at, m->info.pct == 0 ? " (pct=0: one "
	    "step less strict)" : m->info.pct > 0 && m->info.pct < 100 ?
	    " (pct below 100: applied to that share of mail, the rest one "
	    "step less strict)" : "");
}

/*
 * walk_names - the names of the RFC 9989 4.10 DNS tree walk of @dom,
 * most specific first: @dom itself, then its rightmost min(n - 1, 7)
 * labels (a name of 8 or more labels skips the labels in between), then
 * one label less each step down to the TLD.  For a.b.s16.test:
 * a.b.s16.test, b.s16.test, s16.test, test.  The names point into @dom.
 */
static size_t
walk_names(const char *out[BK_LIMIT_DMARC_WALK_QUERIES], const char *dom)
{
	size_t dots[NAME_CAP], nd = 0, k = 0, j;
	size_t len = strnlen(dom, NAME_CAP - 1);

	for (size_t i = 0; i < len; i++)
		if (dom[i] == '.')
			dots[nd++] = i;
	out[k++] = dom;
	/* the suffix of j labels starts after dots[nd - j]; k ends at most
	 * 1 + (BK_LIMIT_DMARC_WALK_QUERIES - 1) */
	j = nd < BK_LIMIT_DMARC_WALK_QUERIES - 1 ? nd :
	    BK_LIMIT_DMARC_WALK_QUERIES - 1;
	for (; j >= 1; j--)
		out[k++] = dom + dots[nd - j] + 1;
	return k;
}

/* find_q - the query of @name and @type, or NULL */
static struct wq *
find_q(const bk_dmarc *m, const char *name, bk_dns_type type)
{
	for (size_t i = 0; i < m->nq; i++)
		if (m->q[i]->type == type && strcmp(m->q[i]->name, name) == 0)
			return m->q[i];
	return NULL;
}

/* txt_q - the query of _dmarc.@dom */
static struct wq *
txt_q(const bk_dmarc *m, const char *dom)
{
	char name[NAME_CAP + 8];

	snprintf(name, sizeof(name), "_dmarc.%s", dom);
	return find_q(m, name, BK_DNS_TXT);
}

static void finish_dmarc(bk_dmarc *m);

/* on_wq - one answer of an RFC 9989 evaluation */
static void
on_wq(void *arg, bk_dns_answer *ans)
{
	struct wq *q = arg;
	bk_dmarc *m = q->m;

	q->ans = ans;
	m->pending--;
	if (m->started && m->pending == 0)
		finish_dmarc(m);
}

/* ask - queue @name/@type unless it was asked already */
static int
ask(bk_dmarc *m, const char *name, bk_dns_type type)
{
	struct wq *q;
	int rc;

	if (find_q(m, name, type) != NULL)
		return 0;
	if (m->nq == WALK_CAP)
		return BK_ETOOBIG;
	q = bk__arena_zalloc(m->a, sizeof(*q));
	if (q == NULL)
		return BK_ENOMEM;
	q->m = m;
	q->type = type;
	q->name = bk__arena_memdup(m->a, name, strlen(name));
	if (q->name == NULL)
		return BK_ENOMEM;
	rc = bk_resolver_query(m->r, q->name, strlen(q->name), type, on_wq,
	    q);
	if (rc != 0)
		return rc;
	m->q[m->nq++] = q;
	m->pending++;
	return 0;
}

/* ask_walk - queue the tree walk of @dom */
static int
ask_walk(bk_dmarc *m, const char *dom)
{
	const char *w[BK_LIMIT_DMARC_WALK_QUERIES];
	size_t n = walk_names(w, dom);
	char name[NAME_CAP + 8];
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		snprintf(name, sizeof(name), "_dmarc.%s", w[i]);
		rc = ask(m, name, BK_DNS_TXT);
	}
	return rc;
}

/*
 * org_of - the organizational domain of @dom from the answers of its
 * tree walk (RFC 9989 4.10.2), most specific name first: the first
 * valid record with psd=n is the organizational domain; the first with
 * psd=y above @dom makes the name one label below it the organizational
 * domain; otherwise the record with the fewest labels; @dom itself when
 * no record was found.  A level with no, two or an unusable record, or
 * whose lookup failed, is passed over.  Returns 0, or -1 when a walk
 * answer is missing.
 */
static int
org_of(bk_dmarc *m, const char *dom, const char **out)
{
	const char *w[BK_LIMIT_DMARC_WALK_QUERIES];
	size_t n = walk_names(w, dom);
	const char *fewest = NULL;

	for (size_t i = 0; i < n; i++) {
		struct wq *q = txt_q(m, w[i]);
		const bk_dns_rr *rec = NULL;
		bk_dmarc_info d;
		char notes[256];

		if (q == NULL || q->ans == NULL)
			return -1;
		if (find_record(q->ans, &rec) != 1)
			continue;
		memset(&d, 0, sizeof(d));
		(void)bk__dmarc_parse(&d, m->a, rec->data, rec->len, notes,
		    sizeof(notes));
		if (!d.usable)
			continue;
		if (d.psd == 'n') {
			*out = w[i];
			return 0;
		}
		if (d.psd == 'y' && i > 0) {
			const char *p = w[i] - 1;   /* the '.' before w[i] */

			while (p > dom && p[-1] != '.')
				p--;
			*out = p;
			return 0;
		}
		fewest = w[i];
	}
	*out = fewest != NULL ? fewest : dom;
	return 0;
}

/* aligned_walk - RFC 9989 identifier alignment: equal names (strict) or
 * the same tree-walk organizational domain (relaxed) */
static int
aligned_walk(bk_dmarc *m, const char *auth, int strict)
{
	const char *a, *b;

	if (auth[0] == '\0')
		return 0;
	if (strcmp(m->from, auth) == 0)
		return 1;
	if (strict || org_of(m, m->from, &a) != 0 || org_of(m, auth, &b) != 0)
		return 0;
	return strcmp(a, b) == 0;
}

/* walk_needed - can @dom share an organizational domain with the From
 * domain (a different name with the same last label)? */
static int
walk_needed(const bk_dmarc *m, const char *dom)
{
	const char *a = strrchr(m->from, '.'), *b = strrchr(dom, '.');

	a = a ? a + 1 : m->from;
	b = b ? b + 1 : dom;
	return dom[0] != '\0' && strcmp(m->from, dom) != 0 &&
	    strcmp(a, b) == 0;
}

/*
 * nonexistent - RFC 9989 (as RFC 9091 2.7): a domain is non-existent
 * when A, AAAA and MX are all answered NXDOMAIN or NODATA.  A failed or
 * missing lookup leaves it existing (np= is not applied on a guess).
 */
static int
nonexistent(const bk_dmarc *m)
{
	static const bk_dns_type t[3] = { BK_DNS_A, BK_DNS_AAAA, BK_DNS_MX };

	for (size_t i = 0; i < 3; i++) {
		const struct wq *q = find_q(m, m->from, t[i]);

		if (q == NULL || q->ans == NULL ||
		    !bk_dns_is_notfound(q->ans->status))
			return 0;
	}
	return 1;
}

/*
 * decide_walk - RFC 9989: the first record of the From domain's tree
 * walk applies.  Returns 1 when decided, 0 when it queued the A, AAAA
 * and MX lookups np= needs (called again once they are in).
 */
static int
decide_walk(bk_dmarc *m)
{
	const char *w[BK_LIMIT_DMARC_WALK_QUERIES], *org, *pol, *why = "";
	size_t n = walk_names(w, m->from), i;
	int got = 0;

	m->spf_aligned = m->dkim_aligned = 0;
	m->policy_domain = NULL;
	m->disposition = "none";
	if (org_of(m, m->from, &org) != 0)
		org = m->from;
	snprintf(m->org, sizeof(m->org), "%s", org);
	m->info.org_domain = m->org;
	for (i = 0; i < n; i++) {
		struct wq *q = txt_q(m, w[i]);
		bk_dns_status st = q && q->ans ? q->ans->status :
		    BK_DNS_BADRESP;

		m->info.dns = st;
		if (bk_dns_is_error(st)) {
			m->verdict = BK_DMARC_TEMPERROR;
			snprintf(m->detail, sizeof(m->detail), "the DMARC "
			    "lookup of _dmarc.%s failed: %s (RFC 9989 tree "
			    "walk)", w[i], bk_dns_status_text(st));
			return 1;
		}
		got = pick(m, q->ans, w[i]);
		if (got != 0)
			break;
	}
	if (got == 0) {
		m->verdict = BK_DMARC_NONE;
		snprintf(m->detail, sizeof(m->detail), "no DMARC record at "
		    "_dmarc.%s or its parents (RFC 9989 tree walk, %zu "
		    "queries)", m->from, n);
		return 1;
	}
	if (got < 0) {
		m->verdict = BK_DMARC_NONE;
		snprintf(m->detail, sizeof(m->detail), "more than one DMARC "
		    "record at %s: DMARC is not applied", m->found_at);
		return 1;
	}
	if (!m->info.usable) {
		m->verdict = BK_DMARC_NONE;
		snprintf(m->detail, sizeof(m->detail), "the record at %s is "
		    "not usable: %s", m->found_at, m->notes);
		return 1;
	}
	m->policy_domain = w[i];
	m->spf_aligned = m->has_spf && m->spf == BK_SPF_PASS &&
	    aligned_walk(m, m->spf_domain, m->info.aspf == 's');
	for (size_t k = 0; k < m->ndkim; k++)
		if (m->dkim[k] == BK_DKIM_PASS && aligned_walk(m,
		    m->dkim_domain[k], m->info.adkim == 's'))
			m->dkim_aligned = 1;
	if (m->spf_aligned || m->dkim_aligned) {
		m->verdict = BK_DMARC_PASS;
		snprintf(m->detail, sizeof(m->detail), "pass: %s%s%s aligned "
		    "with %s (organizational domain %s)",
		    m->dkim_aligned ? "DKIM" : "",
		    m->dkim_aligned && m->spf_aligned ? " and " : "",
		    m->spf_aligned ? "SPF" : "", m->from, m->org);
		return 1;
	}
	pol = m->info.p;
	if (i > 0) {
		/* the record of a parent: np=, sp=, p= (RFC 9989) */
		int nx = 0;

		if (m->info.np != NULL) {
			if (!m->exist_asked) {
				int rc;

				m->exist_asked = 1;
				rc = ask(m, m->from, BK_DNS_A);
				if (rc == 0)
					rc = ask(m, m->from, BK_DNS_AAAA);
				if (rc == 0)
					rc = ask(m, m->from, BK_DNS_MX);
				if (m->pending > 0)
					return 0;
			}
			nx = nonexistent(m);
		}
		if (nx) {
			pol = m->info.np;
			why = " (np=: the From domain does not exist)";
		} else if (m->info.sp != NULL) {
			pol = m->info.sp;
			why = " (sp=: a subdomain)";
		}
	}
	m->verdict = BK_DMARC_FAIL;
	if (m->info.testing)
		pol = weaker(pol);
	m->disposition = pol;
	snprintf(m->detail, sizeof(m->detail), "fail: neither SPF (%s%s%s) "
	    "nor DKIM is aligned with %s and passing; policy %s from %s%s%s%s",
	    m->has_spf ? bk_spf_result_name(m->spf) : "not checked",
	    m->has_spf ? " for " : "", m->has_spf ? m->spf_domain : "",
	    m->from, pol, m->found_at, why, m->info.testing ? " (t=y: one "
	    "step less strict)" : "", m->info.pct >= 0 ? " (pct= ignored: "
	    "removed by RFC 9989)" : "");
	return 1;
}

static void
finish_dmarc(bk_dmarc *m)
{
	if (m->finished)
		return;
	if (m->rules == BK_DMARC_RFC9989) {
		if (!decide_walk(m))
			return;
	} else
		decide(m);
	m->finished = 1;
	if (m->cb != NULL)
		m->cb(m->cbarg, m);
}

static void
on_own(void *arg, bk_dns_answer *ans)
{
	bk_dmarc *m = arg;

	m->own = ans;
	m->own_done = 1;
	if (m->started && (!m->want_org || m->org_done))
		finish_dmarc(m);
}

static void
on_org(void *arg, bk_dns_answer *ans)
{
	bk_dmarc *m = arg;

	m->orga = ans;
	m->org_done = 1;
	if (m->started && m->own_done)
		finish_dmarc(m);
}

/* fetch - queue _dmarc.<from> and, when it differs, _dmarc.<org> */
static int
fetch(bk_dmarc *m)
{
	char name[NAME_CAP + 8];
	int rc;

	m->fetching = 1;
	m->psl = psl_latest(NULL);
	if (org_with(m->psl ? m->psl : psl_builtin(), m->org, sizeof(m->org),
	    m->from) != 0)
		snprintf(m->org, sizeof(m->org), "%s", m->from);
	m->info.org_domain = m->org;
	m->info.pct = -1;
	m->info.adkim = m->info.aspf = 'r';
	m->info.psd = 'u';
	m->want_org = strcmp(m->org, m->from) != 0;
	snprintf(name, sizeof(name), "_dmarc.%s", m->from);
	rc = bk_resolver_query(m->r, name, strlen(name), BK_DNS_TXT, on_own,
	    m);
	if (rc == 0 && m->want_org) {
		snprintf(name, sizeof(name), "_dmarc.%s", m->org);
		rc = bk_resolver_query(m->r, name, strlen(name), BK_DNS_TXT,
		    on_org, m);
	}
	return rc;
}

/* fetch_walk - RFC 9989: queue the tree walk of the From domain */
static int
fetch_walk(bk_dmarc *m)
{
	m->fetching = 1;
	snprintf(m->org, sizeof(m->org), "%s", m->from);
	m->info.org_domain = m->org;
	m->info.pct = -1;
	m->info.adkim = m->info.aspf = 'r';
	m->info.psd = 'u';
	return ask_walk(m, m->from);
}

/* bk_dmarc_prefetch - the record lookups now, the results later */
int
bk_dmarc_prefetch(bk_dmarc *m)
{
	if (m == NULL || m->fetching || m->started)
		return BK_EINVAL;
	if (m->rules == BK_DMARC_RFC9989)
		return fetch_walk(m);
	return fetch(m);
}

/* start_walk - RFC 9989: the From walk (unless prefetched) and the
 * walks of the passing identifiers relaxed alignment may need */
static int
start_walk(bk_dmarc *m)
{
	int rc = 0;

	if (!m->fetching)
		rc = fetch_walk(m);
	if (rc == 0 && m->has_spf && m->spf == BK_SPF_PASS &&
	    walk_needed(m, m->spf_domain))
		rc = ask_walk(m, m->spf_domain);
	for (size_t i = 0; rc == 0 && i < m->ndkim; i++)
		if (m->dkim[i] == BK_DKIM_PASS &&
		    walk_needed(m, m->dkim_domain[i]))
			rc = ask_walk(m, m->dkim_domain[i]);
	if (rc != 0)
		return rc;
	if (m->pending == 0)
		finish_dmarc(m);
	return 0;
}

/* bk_dmarc_start - the record lookups (unless prefetched) */
int
bk_dmarc_start(bk_dmarc *m, bk_dmarc_callback done, void *arg)
{
	if (m == NULL || m->started)
		return BK_EINVAL;
	m->started = 1;
	m->cb = done;
	m->cbarg = arg;
	if (m->rules == BK_DMARC_RFC9989)
		return start_walk(m);
	if (!m->fetching)
		return fetch(m);
	/* prefetched: decide now if both answers are already in */
	if (m->own_done && (!m->want_org || m->org_done))
		finish_dmarc(m);
	return 0;
}

int
bk_dmarc_check(bk_dmarc *m)
{
	int rc = bk_dmarc_start(m, NULL, NULL);

	if (rc != 0)
		return rc;
	return bk_resolver_run(m->r);
}

int
bk_dmarc_is_done(const bk_dmarc *m)
{
	return m != NULL && m->finished;
}

bk_dmarc_result
bk_dmarc_verdict(const bk_dmarc *m)
{
	return m ? m->verdict : BK_DMARC_NONE;
}

const char *
bk_dmarc_policy_domain(const bk_dmarc *m)
{
	return m ? m->policy_domain : NULL;
}

const char *
bk_dmarc_disposition(const bk_dmarc *m)
{
	return m ? m->disposition : "none";
}

const char *
bk_dmarc_detail(const bk_dmarc *m)
{
	return m ? m->detail : "";
}

const bk_dmarc_info *
bk_dmarc_record(const bk_dmarc *m)
{
	return m ? &m->info : NULL;
}

int
bk_dmarc_spf_aligned(const bk_dmarc *m)
{
	return m ? m->spf_aligned : 0;
}

int
bk_dmarc_dkim_aligned(const bk_dmarc *m)
{
	return m ? m->dkim_aligned : 0;
}

const char *
bk_dmarc_from(const bk_dmarc *m)
{
	return m ? m->from : NULL;
}
