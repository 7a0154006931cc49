/*
 * classify_match.c - one Vectorscan pass over the text, then the rules.
 *
 * All patterns of all phrase lists are compiled once into one block-mode
 * database.  Literal phrases are compiled as escaped expressions with
 * HS_FLAG_SINGLEMATCH, and their start offset is the end minus their length;
 * regular expressions use HS_FLAG_SOM_LEFTMOST instead (Vectorscan does not
 * allow both flags together), and repeated matches are dropped in the
 * callback.  Every pattern is HS_FLAG_CASELESS.
 *
 * A scan records, per phrase list, whether it matched and where its first
 * match lies.  The rules are then walked in priority order; the first rule
 * whose conditions all hold decides.  Matching is linear in the text: no
 * backtracking, whatever the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify/classify_int.h"

/* escape_literal - a literal phrase as a Vectorscan expression */
static char *
escape_literal(const char *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0, bytes;
	char *q;

	/* audit: each input byte becomes at most 4 bytes, plus the NUL */
	if (bk__size_mul(&bytes, len, 4) != 0 ||
	    bk__size_add(&bytes, bytes, 1) != 0)
		return NULL;
	q = malloc(bytes);
	if (q == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (bk__is(c, BK_C_ALPHA | BK_C_DIGIT) && c < 0x80) {
			q[o++] = (char)c;
			continue;
		}
		q[o++] = '\\';
		q[o++] = 'x';
		q[o++] = hex[c >> 4];
		q[o++] = hex[c & 15];
	}
	q[o] = '\0';
	return q;
}

/* now_ms - a monotonic clock in milliseconds */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* bk__classify_compile - build the pattern database and the scratch */
int
bk__classify_compile(bk_classifier *cls, char **errmsg_out)
{
	hs_compile_error_t *err = NULL;
	const char **exprs = NULL;
	unsigned *flags = NULL, *ids = NULL;
	char **owned = NULL;
	size_t i, n = cls->npatterns;
	double t0;
	int rc = 0;

	cls->hitwords = (cls->ngroups + 63) / 64;
	cls->hit = calloc(cls->hitwords ? cls->hitwords : 1, sizeof(*cls->hit));
	cls->hit_from = calloc(cls->ngroups ? cls->ngroups : 1,
	    sizeof(*cls->hit_from));
	cls->hit_to = calloc(cls->ngroups ? cls->ngroups : 1,
	    sizeof(*cls->hit_to));
	if (cls->hit == NULL || cls->hit_from == NULL || cls->hit_to == NULL)
		return BK_ENOMEM;
	if (n == 0)
		return 0;

	exprs = calloc(n, sizeof(*exprs));
	flags = calloc(n, sizeof(*flags));
	ids = calloc(n, sizeof(*ids));
	owned = calloc(n, sizeof(*owned));
	if (exprs == NULL || flags == NULL || ids == NULL || owned == NULL) {
		rc = BK_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct bk__classify_pattern *pt = &cls->patterns[i];

		if (pt->regex) {
			exprs[i] = pt->expr;
			flags[i] = HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST;
		} else {
			owned[i] = escape_literal(pt->expr, pt->len);
			if (owned[i] == NULL) {
				rc = BK_ENOMEM;
				goto out;
			}
			exprs[i] = owned[i];
			flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		}
		ids[i] = (unsigned)i;
	}
	t0 = now_ms();
	if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK,
	    NULL, &cls->db, &err) != HS_SUCCESS) {
		if (err != NULL && err->expression >= 0 &&
		    (size_t)err->expression < n) {
			const struct bk__classify_pattern *pt =
			    &cls->patterns[err->expression];

			rc = bk__classify_errmsg(errmsg_out, pt->file, pt->line,
			    "pattern \"%s\" does not compile: %s", pt->expr,
			    err->message);
		} else
			rc = bk__classify_errmsg(errmsg_out, "rules", 0,
			    "pattern database does not compile: %s",
			    err ? err->message : "unknown error");
		hs_free_compile_error(err);
		cls->db = NULL;
		goto out;
	}
	cls->compile_ms = now_ms() - t0;
	if (hs_alloc_scratch(cls->db, &cls->scratch) != HS_SUCCESS)
		rc = BK_ENOMEM;
out:
	if (owned != NULL)
		for (i = 0; i < n; i++)
			free(owned[i]);
	free(owned);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

/* on_match - Vectorscan callback: note the first match of each list */
static int
on_match(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	bk_classifier *cls = ctx;
	const struct bk__classify_pattern *pt;
	uint32_t g;

	(void)flags;
	if (id >= cls->npatterns)
		return 0;
	pt = &cls->patterns[id];
	g = pt->group;
	if (cls->hit[g / 64] & ((uint64_t)1 << (g % 64)))
		return 0;
	if (++cls->hits > BK_LIMIT_RULE_HITS)
		return 1;  /* enough: stop the scan, keep what we have */
	cls->hit[g / 64] |= (uint64_t)1 << (g % 64);
	if (!pt->regex)
		from = to >= pt->len ? to - pt->len : 0;
	cls->hit_from[g] = (size_t)from;
	cls->hit_to[g] = (size_t)to;
	return 0;
}

/* bk__classify_scan - match every pattern against @text once */
void
bk__classify_scan(bk_classifier *cls, const char *text, size_t len)
{
	memset(cls->hit, 0, cls->hitwords * sizeof(*cls->hit));
	cls->hits = 0;
	if (cls->db == NULL || text == NULL || len == 0)
		return;
	if (len > BK_LIMIT_LINE_BYTES)
		len = BK_LIMIT_LINE_BYTES;
	/* HS_SCAN_TERMINATED (hit cap) and errors both keep the hits so far */
	(void)hs_scan(cls->db, text, (unsigned)len, 0, cls->scratch, on_match,
	    cls);
}

/* status_matches - one status condition against the record's status */
static int
status_matches(const char *pat, bk_str st)
{
	size_t n = strlen(pat);

	if (n == 4 && memcmp(pat, "none", 4) == 0)
		return st.ptr == NULL || st.len == 0;
	if (st.ptr == NULL || st.len == 0)
		return 0;
	if (n == 1 && pat[0] == '*')
		return 1;
	if (pat[n - 1] == '*')
		return st.len >= n - 1 && memcmp(st.ptr, pat, n - 1) == 0;
	return st.len == n && memcmp(st.ptr, pat, n) == 0;
}

/* any_status - does any of @pats match */
static int
any_status(const char *const *pats, size_t n, bk_str st)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (status_matches(pats[i], st))
			return 1;
	return 0;
}

/* any_reply - is @reply inside any of the ranges */
static int
any_reply(const struct bk__classify_range *r, size_t n, int reply)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (r[i].lo == 0) {
			if (reply == 0)
				return 1;
		} else if (reply >= r[i].lo && reply <= r[i].hi)
			return 1;
	}
	return 0;
}

/* any_word - case-insensitive equality with any of @words */
static int
any_word(const char *const *words, size_t n, bk_str s)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (bk__ieq(words[i], strlen(words[i]), "none")) {
			if (s.ptr == NULL || s.len == 0)
				return 1;
		} else if (s.ptr != NULL && bk__ieq(s.ptr, s.len, words[i]))
			return 1;
	}
	return 0;
}

/* host_is - @h equals @suffix or ends in "." @suffix; ".x" only subdomains */
static int
host_is(bk_str h, const char *suffix)
{
	size_t n = strlen(suffix);

	if (h.ptr == NULL || n == 0 || h.len < n)
		return 0;
	if (!bk__ieq(h.ptr + h.len - n, n, suffix))
		return 0;
	if (suffix[0] == '.' || h.len == n)
		return 1;
	return h.ptr[h.len - n - 1] == '.';
}

/* any_host - remote MTA or recipient domain under any listed suffix */
static int
any_host(const char *const *hosts, size_t n,
    const struct bk__classify_facts *f)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (host_is(f->host, hosts[i]) ||
		    host_is(f->rcpt_domain, hosts[i]))
			return 1;
	return 0;
}

/* diagtype_matches - "smtp" means SMTP or no type at all */
static int
diagtype_matches(const char *const *types, size_t n, bk_str t)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(types[i], "smtp") == 0 &&
		    (t.ptr == NULL || t.len == 0))
			return 1;
		if (t.ptr != NULL && bk__ieq(t.ptr, t.len, types[i]))
			return 1;
	}
	return 0;
}

/* bk__classify_rule_holds - are all conditions of @r true for @f */
int
bk__classify_rule_holds(const bk_classifier *cls,
    const struct bk__classify_rule *r, const struct bk__classify_facts *f)
{
	size_t i;

	if (r->nmatch != 0) {
		for (i = 0; i < r->nmatch; i++)
			if (bk__classify_group_hit(cls, r->match[i]))
				break;
		if (i == r->nmatch)
			return 0;
	}
	if (r->kinds != 0 && (r->kinds & (1u << f->kind)) == 0)
		return 0;
	for (i = 0; i < r->nunless; i++)
		if (bk__classify_group_hit(cls, r->unless[i]))
			return 0;
	if (r->nstatus && !any_status(r->status, r->nstatus, f->status))
		return 0;
	if (r->nnot_status &&
	    any_status(r->not_status, r->nnot_status, f->status))
		return 0;
	if (r->nreply && !any_reply(r->reply, r->nreply, f->reply))
		return 0;
	if (r->nnot_reply && any_reply(r->not_reply, r->nnot_reply, f->reply))
		return 0;
	if (r->ncommand && !any_word(r->command, r->ncommand, f->command))
		return 0;
	if (r->nnot_command &&
	    any_word(r->not_command, r->nnot_command, f->command))
		return 0;
	if (r->nhost && !any_host(r->host, r->nhost, f))
		return 0;
	if (r->ndiagtype &&
	    !diagtype_matches(r->diagtype, r->ndiagtype, f->diagtype))
		return 0;
	if (r->naction && !any_word(r->action, r->naction, f->action))
		return 0;
	if (r->ndecoder) {
		if (f->decoder == NULL)
			return 0;
		for (i = 0; i < r->ndecoder; i++)
			if (bk__ieq(f->decoder, strlen(f->decoder),
			    r->decoder[i]))
				break;
		if (i == r->ndecoder)
			return 0;
	}
	return 1;
}

/* bk__classify_decide - scan the text, return the first rule that holds */
const struct bk__classify_rule *
bk__classify_decide(bk_classifier *cls, const struct bk__classify_facts *f)
{
	size_t i;

	bk__classify_scan(cls, f->text.ptr, f->text.len);
	for (i = 0; i < cls->nrules; i++)
		if (bk__classify_rule_holds(cls, &cls->rules[i], f))
			return &cls->rules[i];
	return NULL;
}

/* by_priority - qsort order: priority descending, then load order */
static int
by_priority(const void *a, const void *b)
{
	const struct bk__classify_rule *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * bk__classify_finish - sort the rules, place the weak hints, compile.
 *
 * A weak reason hint (see classify_verdict.c) stands like a text rule of
 * its reason: at the highest priority any rule of that reason has in the
 * text band, or just below the band when no such rule exists.
 */
int
bk__classify_finish(bk_classifier *cls, char **errmsg_out)
{
	size_t i;

	if (cls->nrules > 1)
		qsort(cls->rules, cls->nrules, sizeof(*cls->rules),
		    by_priority);
	for (i = 0; i < BK_REASON_COUNT_; i++)
		cls->hint_priority[i] = BK__CLASSIFY_PRIO_TEXT - 1;
	for (i = cls->nrules; i-- > 0;) {
		const struct bk__classify_rule *r = &cls->rules[i];

		if (r->priority >= BK__CLASSIFY_PRIO_TEXT &&
		    r->priority < BK__CLASSIFY_PRIO_PROVIDER &&
		    r->priority > cls->hint_priority[r->reason])
			cls->hint_priority[r->reason] = r->priority;
	}
	return bk__classify_compile(cls, errmsg_out);
}

/* bk__classify_compile_ms - time spent in hs_compile_multi */
double
bk__classify_compile_ms(const bk_classifier *cls)
{
	return cls->compile_ms;
}

/* bk__classify_pattern_count - patterns in the database */
size_t
bk__classify_pattern_count(const bk_classifier *cls)
{
	return cls->npatterns;
}
