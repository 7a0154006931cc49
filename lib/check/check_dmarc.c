/*
 * check_dmarc.c - DMARC (RFC 7489): the record, the organizational
 * domain, identifier alignment and the policy that applies.
 *
 * bk__dmarc_parse() reads a record tag by tag (RFC 7489 6.3, 6.4; np=,
 * psd= and t= of RFC 9989 are read and checked but not applied).  It
 * tells two things apart: "usable" (a receiver applies the record: v=
 * first and exactly "DMARC1", a valid p= or, failing that, a valid rua=
 * which makes it p=none, 6.6.3) and "errors" (a setup checker should
 * flag it: any tag value that is not valid, even one receivers ignore).
 *
 * bk_dmarc evaluates one message (6.6): _dmarc.<From domain> and, when
 * the organizational domain differs, _dmarc.<org> are asked at once; the
 * From domain's own record wins (6.6.3).  SPF and DKIM results given by
 * the caller are aligned with the From domain (3.1, relaxed or strict),
 * and the disposition is p= (sp= when the record came from the
 * organizational domain of a subdomain), with pct=0 applying the next
 * less strict policy (6.6.4).
 *
 * The Public Suffix List comes from libpsl: psl_latest() (Debian's
 * publicsuffix data) or the built-in list.
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
/* Evaluation of one message (RFC 7489 6.6)                            */

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
	*out = m;
	return 0;
}

/* bk_dmarc_free - answers, PSL, arena */
void
bk_dmarc_free(bk_dmarc *m)
{
	if (m == NULL)
		return;
	bk_dns_answer_free(m->own);
	bk_dns_answer_free(m->orga);
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

/* pick - the one DMARC record of an answer; 1 found, 0 none, -1 two */
static int
pick(bk_dmarc *m, const bk_dns_answer *a, const char *at)
{
	const bk_dns_rr *rec = NULL;
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
					rec = &a->rr[i];
					n++;
				}
			}
		}
	}
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

static void
finish_dmarc(bk_dmarc *m)
{
	if (m->finished)
		return;
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

/* bk_dmarc_prefetch - the record lookups now, the results later */
int
bk_dmarc_prefetch(bk_dmarc *m)
{
	if (m == NULL || m->fetching || m->started)
		return BK_EINVAL;
	return fetch(m);
}

/* bk_dmarc_start - both record lookups at once (unless prefetched) */
int
bk_dmarc_start(bk_dmarc *m, bk_dmarc_callback done, void *arg)
{
	if (m == NULL || m->started)
		return BK_EINVAL;
	m->started = 1;
	m->cb = done;
	m->cbarg = arg;
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
