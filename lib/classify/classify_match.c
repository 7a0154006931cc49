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
 *
 * A scan hands the literal phrases and gate literals to the literal
 * matcher (classify_lits.c) instead of Vectorscan, and falls back to the
 * always-scanned databases for the rare line whose result only their
 * order of reports can tell (bk__classify_scan()).
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

/* grow_u32 - room for one more entry in a heap array of uint32_t */
static int
grow_u32(uint32_t **v, size_t *cap, size_t n)
{
	size_t ncap;
	uint32_t *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	/* audit: n <= BK__CLASSIFY_MAX_RULES, so ncap * 4 cannot overflow */
	p = realloc(*v, ncap * sizeof(*p));
	if (p == NULL)
		return BK_ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

/* now_ms - a monotonic clock in milliseconds */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * bk__classify_rules_hash - FNV-1a (64 bits) over the embedded rules files:
 * each file's name, NUL, its length as 8 little-endian bytes, its text.
 * Part of the key of the embedded database.
 */
uint64_t
bk__classify_rules_hash(void)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i, j, k;

	for (i = 0; bk__rules_embedded[i].name != NULL; i++) {
		const struct bk__embedded_rules *e = &bk__rules_embedded[i];
		const unsigned char *p = (const unsigned char *)e->name;
		unsigned char len[8];

		for (j = 0; j <= strlen(e->name); j++) {
			h ^= p[j];
			h *= 0x100000001b3ULL;
		}
		for (k = 0; k < 8; k++)
			len[k] = (unsigned char)((uint64_t)e->len >> (8 * k));
		for (k = 0; k < 8; k++) {
			h ^= len[k];
			h *= 0x100000001b3ULL;
		}
		p = (const unsigned char *)e->text;
		for (j = 0; j < e->len; j++) {
			h ^= p[j];
			h *= 0x100000001b3ULL;
		}
	}
	return h;
}

/* Shortest gate literal worth a gate: shorter factors are not used. */
#define GATE_MIN 3
/* Most alternatives of one factor (a group such as "(ip|domain)"). */
#define GATE_MAX_ALT 8
/* Bytes kept of a factor: a prefix of a required literal is required. */
#define GATE_LIT_MAX 48

/* A required factor: any one of nalt literals (bytes, unescaped). */
struct gate {
	char lit[GATE_MAX_ALT][GATE_LIT_MAX];
	size_t len[GATE_MAX_ALT];
	size_t nalt;
};

/* The factors of one expression, all required. */
struct gates {
	struct gate f[BK__CLASSIFY_GATE_FACTORS];
	size_t n;
	struct gate cur, alt, join; /* work space of gate_factors() */
};

/* gate_punct - may "\c" stand for the literal byte c (c not alnum) */
static int
gate_punct(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && !bk__is(c, BK_C_ALPHA | BK_C_DIGIT);
}

/* gate_class_end - index just past the class opening at p[i] == '[', 0 */
static size_t
gate_class_end(const char *p, size_t len, size_t i)
{
	i++;
	if (i < len && p[i] == '^')
		i++;
	if (i < len && p[i] == ']')
		i++;            /* a leading ']' is a member */
	while (i < len && p[i] != ']') {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '[' && i + 1 < len && p[i + 1] == ':') {
			const char *e = memchr(p + i + 2, ']', len - i - 2);

			if (e == NULL)
				return 0;
			i = (size_t)(e - p);
		}
		i++;
	}
	return i < len ? i + 1 : 0;
}

/*
 * gate_quant - the quantifier at p[*i], if any: 0 none, 1 "may be
 * absent" (?, *, {0...}), 2 "at least once" (+, {n...} with n >= 1),
 * -1 not understood.  Moves *i past it and a lazy/possessive suffix.
 */
static int
gate_quant(const char *p, size_t len, size_t *i)
{
	int q;

	if (*i >= len)
		return 0;
	if (p[*i] == '?' || p[*i] == '*')
		q = 1;
	else if (p[*i] == '+')
		q = 2;
	else if (p[*i] == '{') {
		size_t j = *i + 1;

		if (j >= len || !bk__is((unsigned char)p[j], BK_C_DIGIT))
			return -1;
		q = 2;
		/* {0}, {00,3}: the minimum is zero */
		while (j < len && p[j] == '0')
			j++;
		if (j >= len || !bk__is((unsigned char)p[j], BK_C_DIGIT))
			q = 1;
		while (j < len && (bk__is((unsigned char)p[j], BK_C_DIGIT) ||
		    p[j] == ','))
			j++;
		if (j >= len || p[j] != '}')
			return -1;
		*i = j;
	} else
		return 0;
	(*i)++;
	if (*i < len && (p[*i] == '?' || p[*i] == '+'))
		(*i)++;
	return q;
}

/* gate_score - the shortest member of a factor (0: none) */
static size_t
gate_score(const struct gate *c)
{
	size_t i, m = (size_t)-1;

	if (c->nalt == 0)
		return 0;
	for (i = 0; i < c->nalt; i++)
		if (c->len[i] < m)
			m = c->len[i];
	return m;
}

/*
 * gate_keep - add factor @c to @gs if every member has at least GATE_MIN
 * bytes; when full, it replaces the weakest factor if its shortest
 * member is longer.
 */
static void
gate_keep(struct gates *gs, const struct gate *c)
{
	size_t i, worst = 0, sc = gate_score(c);

	if (sc < GATE_MIN)
		return;
	if (gs->n < BK__CLASSIFY_GATE_FACTORS) {
		memcpy(&gs->f[gs->n++], c, sizeof(*c));
		return;
	}
	for (i = 1; i < gs->n; i++)
		if (gate_score(&gs->f[i]) < gate_score(&gs->f[worst]))
			worst = i;
	if (sc > gate_score(&gs->f[worst]))
		memcpy(&gs->f[worst], c, sizeof(*c));
}

/* gate_push - one more literal byte of member @a */
static void
gate_push(struct gate *g, size_t a, unsigned char c)
{
	if (g->len[a] < GATE_LIT_MAX)
		g->lit[a][g->len[a]++] = (char)c;
}

/*
 * gate_group_end - index just past the group opening at p[i] == '(',
 * with nested groups, classes and escapes skipped; 0 when unbalanced.
 */
static size_t
gate_group_end(const char *p, size_t len, size_t i)
{
	int depth = 0;

	while (i < len) {
		if (p[i] == '\\')
			i += 2;
		else if (p[i] == '[') {
			i = gate_class_end(p, len, i);
			if (i == 0)
				return 0;
		} else {
			if (p[i] == '(')
				depth++;
			else if (p[i] == ')' && --depth == 0)
				return i + 1;
			i++;
		}
	}
	return 0;
}

/*
 * gate_join - the literal run @cur joined to each alternative's literal
 * prefix of the group p[i, e) that follows it unrepeated, as the members
 * of one factor in @out: "IB(10[0-9]|11[0-9])" requires "IB10" or
 * "IB11".  A prefix is the alternative's leading literal bytes, up to
 * its first byte that is not a literal or is quantified.  Returns 0 when
 * an alternative has no such prefix, there are more than GATE_MAX_ALT,
 * or a member would be longer than GATE_LIT_MAX (it would not be the
 * run and the prefix side by side).
 */
static int
gate_join(const struct gate *cur, const char *p, size_t i, size_t e,
    struct gate *out)
{
	size_t j = i + 1, a = 0;
	int depth = 0, open = 1;    /* open: still in this member's prefix */

	if (cur->nalt != 1 || cur->len[0] == 0 || cur->len[0] >= GATE_LIT_MAX)
		return 0;
	out->nalt = 1;
	memcpy(out->lit[0], cur->lit[0], cur->len[0]);
	out->len[0] = cur->len[0];
	/* invariant: i < j < e - 1 inside the loop, p[e - 1] == ')' */
	while (j + 1 < e) {
		unsigned char d = (unsigned char)p[j];
		size_t next = j + 1;
		int lit = 0;

		if (d == '\\') {
			next = j + 2;
			if (j + 2 < e && gate_punct((unsigned char)p[j + 1])) {
				d = (unsigned char)p[j + 1];
				lit = 1;
			}
		} else if (d == '[') {
			next = gate_class_end(p, e - 1, j);
			if (next == 0)
				return 0;
		} else if (d == '(' || d == ')')
			depth += d == '(' ? 1 : -1;
		else if (d == '|' && depth == 0) {
			if (out->len[a] == cur->len[0] ||
			    out->nalt == GATE_MAX_ALT)
				return 0;
			a = out->nalt++;
			memcpy(out->lit[a], cur->lit[0], cur->len[0]);
			out->len[a] = cur->len[0];
			open = 1;
			j++;
			continue;
		} else if (strchr(".^$?*+{", d) == NULL)
			lit = 1;
		if (depth != 0 || d == '(')
			open = 0;
		if (open && lit && next < e &&
		    strchr("?*+{", p[next]) == NULL) {
			if (out->len[a] == GATE_LIT_MAX)
				return 0;
			out->lit[a][out->len[a]++] = (char)d;
		} else if (depth == 0)
			open = 0;  /* not a literal, or quantified */
		j = next;
	}
	return depth == 0 && out->len[a] > cur->len[0];
}

/*
 * gate_factors - literal factors that every match of the regular
 * expression @p must contain (ASCII case aside): the runs of literal
 * bytes at the top level, and the top-level groups whose alternatives
 * are all literal runs ("(ip|domain)": any one of them).  At most
 * BK__CLASSIFY_GATE_FACTORS, the longest (by shortest member), each at
 * least GATE_MIN bytes; a run longer than GATE_LIT_MAX keeps its start.
 * Only a conservative subset of the syntax is read: escaped punctuation
 * is a literal; \b \B \s \S \d \D \w \W and the like, '.', classes,
 * anchors and other groups end a run; a quantifier that allows zero
 * repetitions drops the atom before it, one that allows several ends
 * the run after it.  Anything else (a top-level '|', "(?", other
 * escapes) gives no factor: gs->n 0, and the expression is not gated.
 */
static void
gate_factors(const char *p, size_t len, struct gates *gs, int join)
{
	struct gate *cur = &gs->cur, *alt = &gs->alt;
	size_t i = 0, j;

	gs->n = 0;
	cur->nalt = 1;
	cur->len[0] = 0;
	while (i < len) {
		unsigned char c = (unsigned char)p[i];
		int lit = -1, q;            /* lit: the literal byte, or -1 */

		if (c == '|' || c == ')')
			goto fail;
		if (c == '\\') {
			if (i + 1 >= len)
				goto fail;
			c = (unsigned char)p[i + 1];
			if (gate_punct(c))
				lit = c;
			else if (c == '\0' ||
			    strchr("bBsSdDwWhHvVtnrfAzZ", c) == NULL)
				goto fail;
			i += 2;
		} else if (c == '[') {
			i = gate_class_end(p, len, i);
			if (i == 0)
				goto fail;
		} else if (c == '(') {
			/* a group of literal alternatives, else opaque */
			size_t e = gate_group_end(p, len, i), g0 = i;
			int opaque = 0;

			if (e == 0 || (i + 1 < len && p[i + 1] == '?'))
				goto fail;
			alt->nalt = 1;
			alt->len[0] = 0;
			for (j = i + 1; j + 1 < e; j++) {
				unsigned char d = (unsigned char)p[j];

				if (d == '|') {
					if (alt->nalt == GATE_MAX_ALT)
						opaque = 1;
					else
						alt->len[alt->nalt++] = 0;
					continue;
				}
				if (d == '\\' && j + 2 < e &&
				    gate_punct((unsigned char)p[j + 1]))
					d = (unsigned char)p[++j];
				else if (strchr("\\([.^$?*+{", d) != NULL)
					opaque = 1;
				if (!opaque)
					gate_push(alt, alt->nalt - 1, d);
			}
			i = e;
			q = gate_quant(p, len, &i);
			if (q < 0)
				goto fail;
			if (q != 1 && !opaque)
				gate_keep(gs, alt);
			if (join && q == 0 && opaque &&
			    gate_join(cur, p, g0, e, &gs->join))
				gate_keep(gs, &gs->join);
			gate_keep(gs, cur);
			cur->len[0] = 0;
			continue;
		} else if (c == '^' || c == '$' || c == '.') {
			i++;
		} else if (c == '?' || c == '*' || c == '+' || c == '{') {
			goto fail;  /* a quantifier with nothing before it */
		} else {
			lit = c;
			i++;
		}
		q = gate_quant(p, len, &i);
		if (q < 0)
			goto fail;
		if (lit >= 0 && q != 1) {
			gate_push(cur, 0, (unsigned char)lit);
			if (q == 0)
				continue;
		}
		/* the run ends here: a non-literal, or a repeated literal */
		gate_keep(gs, cur);
		cur->len[0] = 0;
	}
	gate_keep(gs, cur);
	return;
fail:
	gs->n = 0;
}

/* An expression list for hs_compile_multi, with the strings it owns. */
struct exprs {
	const char **expr;
	unsigned *flags, *ids;
	char **owned;
	size_t n, cap;
};

static void
exprs_free(struct exprs *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		free(x->owned[i]);
	free(x->owned);
	free(x->expr);
	free(x->flags);
	free(x->ids);
}

/* exprs_add - append one expression; @own is freed with the list */
static int
exprs_add(struct exprs *x, const char *e, char *own, unsigned flags,
    unsigned id)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		const char **ne = realloc(x->expr, cap * sizeof(*ne));
		unsigned *nf, *ni;
		char **no;

		if (ne != NULL)
			x->expr = ne;
		nf = realloc(x->flags, cap * sizeof(*nf));
		if (nf != NULL)
			x->flags = nf;
		ni = realloc(x->ids, cap * sizeof(*ni));
		if (ni != NULL)
			x->ids = ni;
		no = realloc(x->owned, cap * sizeof(*no));
		if (no != NULL)
			x->owned = no;
		if (ne == NULL || nf == NULL || ni == NULL || no == NULL) {
			free(own);
			return BK_ENOMEM;
		}
		x->cap = cap;
	}
	x->expr[x->n] = e;
	x->owned[x->n] = own;
	x->flags[x->n] = flags;
	x->ids[x->n] = id;
	x->n++;
	return 0;
}

/* compile_exprs - hs_compile_multi of @x into *@db (NULL when empty) */
static int
compile_exprs(bk_classifier *cls, struct exprs *x, hs_database_t **db,
    char **errmsg_out)
{
	hs_compile_error_t *err = NULL;
	double t0;

	*db = NULL;
	if (x->n == 0)
		return 0;
	t0 = now_ms();
	if (hs_compile_multi(x->expr, x->flags, x->ids, (unsigned)x->n,
	    HS_MODE_BLOCK, NULL, db, &err) != HS_SUCCESS) {
		int rc;

		if (err != NULL && err->expression >= 0 &&
		    (size_t)err->expression < x->n &&
		    x->ids[err->expression] < cls->npatterns) {
			const struct bk__classify_pattern *pt =
			    &cls->patterns[x->ids[err->expression]];

			rc = bk__classify_errmsg(errmsg_out, pt->file, pt->line,
			    "pattern \"%s\" does not compile: %s", pt->expr,
			    err->message);
		} else
			rc = bk__classify_errmsg(errmsg_out, "rules", 0,
			    "pattern database does not compile: %s",
			    err ? err->message : "unknown error");
		hs_free_compile_error(err);
		*db = NULL;
		return rc;
	}
	cls->compile_ms += now_ms() - t0;
	return 0;
}

/* gated_add - one more gated expression: pattern @pattern, @nfactors */
static int
gated_add(bk_classifier *cls, uint32_t pattern, size_t nfactors)
{
	if (cls->ngated == cls->capgated) {
		size_t cap = cls->capgated ? cls->capgated * 2 : 64;
		struct bk__classify_gated *g;

		g = realloc(cls->gated, cap * sizeof(*g));
		if (g == NULL)
			return BK_ENOMEM;
		cls->gated = g;
		cls->capgated = cap;
	}
	cls->gated[cls->ngated].db = NULL;
	cls->gated[cls->ngated].pattern = pattern;
	cls->gated[cls->ngated].full = (uint8_t)((1u << nfactors) - 1);
	cls->ngated++;
	return 0;
}

/*
 * glit_target - one more target (gated expression @j, factor @b) of the
 * distinct gate literal @k: chained from gate_head[k], order irrelevant.
 */
static int
glit_target(bk_classifier *cls, size_t k, size_t j, size_t b)
{
	if (cls->ngtargets == cls->capgtargets) {
		size_t cap = cls->capgtargets ? cls->capgtargets * 2 : 256;
		struct bk__classify_gtarget *t;

		/* audit: cap <= 2 * MAX_PATTERNS * FACTORS * GATE_MAX_ALT */
		t = realloc(cls->gtargets, cap * sizeof(*t));
		if (t == NULL)
			return BK_ENOMEM;
		cls->gtargets = t;
		cls->capgtargets = cap;
	}
	cls->gtargets[cls->ngtargets].slot = (uint32_t)(j * 8 + b);
	cls->gtargets[cls->ngtargets].next = cls->gate_head[k];
	cls->gate_head[k] = (uint32_t)cls->ngtargets++;
	return 0;
}

/*
 * glit_find - the distinct gate literal equal to @lit (ASCII case
 * aside) among those from @first on, else a new one: *@is_new says which.
 * Returns its index k (Vectorscan id BK__CLASSIFY_GATE_ID + k) or -1
 * when memory runs out.  Linear: a range has a few hundred gate literals,
 * looked at once per load.
 */
static long
glit_find(bk_classifier *cls, struct exprs *seen, size_t first,
    const char *lit, size_t len, int *is_new)
{
	size_t k;
	char *q;

	for (k = first; k < cls->nglits; k++) {
		const char *o = seen->expr[k - first];
		size_t i;

		if (strlen(o) != len)
			continue;
		for (i = 0; i < len; i++)
			if (bk__lower((unsigned char)o[i]) !=
			    bk__lower((unsigned char)lit[i]))
				break;
		if (i == len) {
			*is_new = 0;
			return (long)k;
		}
	}
	if (cls->nglits == cls->capglits) {
		size_t cap = cls->capglits ? cls->capglits * 2 : 256;
		uint32_t *h = realloc(cls->gate_head, cap * sizeof(*h));

		if (h == NULL)
			return -1;
		cls->gate_head = h;
		cls->capglits = cap;
	}
	q = malloc(len + 1);
	if (q == NULL)
		return -1;
	memcpy(q, lit, len);
	q[len] = '\0';
	if (exprs_add(seen, q, q, 0, 0) != 0)
		return -1;
	cls->gate_head[cls->nglits] = UINT32_MAX;
	*is_new = 1;
	return (long)cls->nglits++;
}

/*
 * split_range - sort patterns [first, first + n) into the always-scanned
 * list @lit (literal phrases, expressions without factors, and the gate
 * literals) and the gated expressions (cls->gated, each compiled alone).
 * Each distinct gate literal (ASCII case aside) of the range is compiled
 * once, under the id BK__CLASSIFY_GATE_ID + k; gate_head[k] chains the
 * factors it stands for (factor b of gated expression j, any alternative
 * of it), so a literal that several expressions need ("mailbox ",
 * "quota") is reported once.  With @lit NULL only cls->gated and the
 * chains are filled (the embedded database holds the rest).
 * Deterministic: the same rules give the same lists and ids, so the
 * embedded databases (tools/classify_dbgen.c) are what load would compile.
 * The same literals go into the literal matcher @lm (classify_lits.c),
 * and the expressions without factors into @re too (when not NULL).
 */
static int
split_range(bk_classifier *cls, size_t first, size_t n, struct exprs *lit,
    struct bk__classify_lm *lm, struct exprs *re)
{
	struct exprs seen = { 0 };  /* the range's distinct gate literals */
	size_t kfirst = cls->nglits;
	struct gates *gs;
	size_t i, a, b;
	int rc = 0;

	gs = malloc(sizeof(*gs));
	if (gs == NULL)
		return BK_ENOMEM;
	for (i = 0; rc == 0 && i < n; i++) {
		const struct bk__classify_pattern *pt =
		    &cls->patterns[first + i];
		unsigned id = (unsigned)(first + i);
		size_t j;
		char *q;

		if (!pt->regex) {
			rc = bk__classify_lm_add(lm, pt->expr, pt->len, id);
			if (rc != 0 || lit == NULL)
				continue;
			q = escape_literal(pt->expr, pt->len);
			if (q == NULL) {
				rc = BK_ENOMEM;
				break;
			}
			rc = exprs_add(lit, q, q, HS_FLAG_CASELESS |
			    HS_FLAG_SINGLEMATCH, id);
			continue;
		}
		gate_factors(pt->expr, pt->len, gs, 0);
		if (gs->n == 0)  /* a run joined to a group's prefixes? */
			gate_factors(pt->expr, pt->len, gs, 1);
		if (gs->n == 0) {
			if (lit != NULL)
				rc = exprs_add(lit, pt->expr, NULL,
				    HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST,
				    id);
			if (rc == 0 && re != NULL)
				rc = exprs_add(re, pt->expr, NULL,
				    HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST,
				    id);
			continue;
		}
		j = cls->ngated;
		rc = gated_add(cls, id, gs->n);
		for (b = 0; rc == 0 && b < gs->n; b++)
			for (a = 0; rc == 0 && a < gs->f[b].nalt; a++) {
				int is_new;
				long k = glit_find(cls, &seen, kfirst,
				    gs->f[b].lit[a], gs->f[b].len[a], &is_new);

				if (k < 0) {
					rc = BK_ENOMEM;
					break;
				}
				rc = glit_target(cls, (size_t)k, j, b);
				if (rc != 0 || !is_new)
					continue;
				cls->ngates++;  /* statistics */
				/* audit: nglits <= MAX_PATTERNS * 32, < 2^30 */
				rc = bk__classify_lm_add(lm, gs->f[b].lit[a],
				    gs->f[b].len[a],
				    BK__CLASSIFY_GATE_ID + (unsigned)k);
				if (rc != 0)
					break;
				if (lit == NULL)
					continue;
				q = escape_literal(gs->f[b].lit[a],
				    gs->f[b].len[a]);
				if (q == NULL) {
					rc = BK_ENOMEM;
					break;
				}
				/* audit: nglits <= MAX_PATTERNS * 32, < 2^30 */
				rc = exprs_add(lit, q, q, HS_FLAG_CASELESS |
				    HS_FLAG_SINGLEMATCH,
				    BK__CLASSIFY_GATE_ID + (unsigned)k);
			}
	}
	exprs_free(&seen);
	free(gs);
	if (rc == 0)
		rc = bk__classify_lm_build(cls, lm);
	return rc;
}

/* compile_gated - gated expressions [from, ngated), each in its database */
static int
compile_gated(bk_classifier *cls, size_t from, char **errmsg_out)
{
	size_t j;
	int rc = 0;

	for (j = from; rc == 0 && j < cls->ngated; j++) {
		const struct bk__classify_pattern *pt =
		    &cls->patterns[cls->gated[j].pattern];
		struct exprs one = { 0 };

		rc = exprs_add(&one, pt->expr, NULL, HS_FLAG_CASELESS |
		    HS_FLAG_SOM_LEFTMOST, cls->gated[j].pattern);
		if (rc == 0)
			rc = compile_exprs(cls, &one, &cls->gated[j].db,
			    errmsg_out);
		exprs_free(&one);
	}
	return rc;
}

/*
 * compile_all - patterns [first, first + n) in one database, as before
 * the gate: literals with HS_FLAG_SINGLEMATCH, expressions with
 * HS_FLAG_SOM_LEFTMOST, ids the pattern indexes.  Scanned only to break
 * a tie (on_match_gated()).
 */
static int
compile_all(bk_classifier *cls, size_t first, size_t n, hs_database_t **db,
    char **errmsg_out)
{
	struct exprs all = { 0 };
	size_t i;
	int rc = 0;

	*db = NULL;
	for (i = 0; rc == 0 && i < n; i++) {
		const struct bk__classify_pattern *pt =
		    &cls->patterns[first + i];
		char *q;

		if (pt->regex) {
			rc = exprs_add(&all, pt->expr, NULL, HS_FLAG_CASELESS |
			    HS_FLAG_SOM_LEFTMOST, (unsigned)(first + i));
			continue;
		}
		q = escape_literal(pt->expr, pt->len);
		if (q == NULL)
			rc = BK_ENOMEM;
		else
			rc = exprs_add(&all, q, q, HS_FLAG_CASELESS |
			    HS_FLAG_SINGLEMATCH, (unsigned)(first + i));
	}
	if (rc == 0)
		rc = compile_exprs(cls, &all, db, errmsg_out);
	exprs_free(&all);
	return rc;
}

/*
 * compile_range - compile patterns [first, first + n): the always-scanned
 * database into *@db, each gated expression into its own, all of them
 * into *@db_all (for ties), the literal matcher @lm and its expressions
 * without factors (lm->db_re).  Pattern ids
 * are the global indexes into cls->patterns.
 */
static int
compile_range(bk_classifier *cls, size_t first, size_t n, hs_database_t **db,
    hs_database_t **db_all, struct bk__classify_lm *lm, char **errmsg_out)
{
	struct exprs lit = { 0 }, re = { 0 };
	size_t from = cls->ngated;
	int rc;

	*db = *db_all = NULL;
	rc = split_range(cls, first, n, &lit, lm, &re);
	if (rc == 0)
		rc = compile_exprs(cls, &lit, db, errmsg_out);
	if (rc == 0)
		rc = compile_exprs(cls, &re, &lm->db_re, errmsg_out);
	exprs_free(&re);
	if (rc == 0)
		rc = compile_gated(cls, from, errmsg_out);
	/* no gated expression, no tie: no database of all the patterns */
	if (rc == 0 && cls->ngated > from)
		rc = compile_all(cls, first, n, db_all, errmsg_out);
	exprs_free(&lit);
	return rc;
}

/* info_ok - a serialised database of the running version, block mode */
static int
info_ok(const char *blob, size_t len)
{
	const char *ver = hs_version();
	size_t vlen = strcspn(ver, " ");
	char *info = NULL;
	int ok;

	/* "Version: 5.4.9 Features: AVX2 Mode: BLOCK" against "5.4.9 ..." */
	if (hs_serialized_database_info(blob, len, &info) != HS_SUCCESS)
		return 0;
	ok = strncmp(info, "Version: ", 9) == 0 &&
	    strncmp(info + 9, ver, vlen) == 0 && info[9 + vlen] == ' ' &&
	    strstr(info, "Mode: BLOCK") != NULL;
	free(info);  /* allocated with the default misc allocator (malloc) */
	return ok;
}

/* drop_builtin - forget a partly loaded embedded database */
static void
drop_builtin(bk_classifier *cls)
{
	size_t j;

	for (j = 0; j < cls->ngated; j++)
		hs_free_database(cls->gated[j].db);
	cls->ngated = 0;
	cls->nglits = cls->ngtargets = cls->ngates = 0;
	bk__classify_lm_free(&cls->lm[0]);
	cls->lm[0].unusable = 0;
	hs_free_database(cls->db);
	hs_free_database(cls->db_all);
	hs_free_scratch(cls->scratch);
	cls->db = cls->db_all = NULL;
	cls->scratch = NULL;
}

/*
 * load_embedded - the built-in patterns from the embedded blobs.  Returns
 * 0 with cls->db and the built-in gated databases set, or -1 when the
 * blob is absent, keyed for other rules, or not accepted by the running
 * Vectorscan (version, platform): the caller then compiles.  Which
 * expressions are gated, and on which factors, is worked out again from
 * the rules (split_range() is deterministic); the blob holds their
 * databases in that order.
 */
static int
load_embedded(bk_classifier *cls)
{
	const struct bk__embedded_db *e = &bk__classify_db_embedded;
	double t0 = now_ms();
	size_t j, off = 0;

	if (e->len == 0 || e->blob == NULL ||
	    e->format != BK__CLASSIFY_DB_FORMAT ||
	    e->npatterns != cls->nbuiltin ||
	    e->rules_hash != bk__classify_rules_hash() ||
	    !info_ok(e->blob, e->len))
		return -1;
	if (split_range(cls, 0, cls->nbuiltin, NULL, &cls->lm[0], NULL) != 0 ||
	    cls->ngated != e->nre || (e->nre > 0 && e->len_all == 0))
		goto fail;
	if (e->len_ure > 0 && (hs_deserialize_database(e->blob_ure,
	    e->len_ure, &cls->lm[0].db_re) != HS_SUCCESS ||
	    hs_alloc_scratch(cls->lm[0].db_re, &cls->scratch) != HS_SUCCESS))
		goto fail;
	if (e->len_all > 0 && (hs_deserialize_database(e->blob_all,
	    e->len_all, &cls->db_all) != HS_SUCCESS ||
	    hs_alloc_scratch(cls->db_all, &cls->scratch) != HS_SUCCESS))
		goto fail;
	if (hs_deserialize_database(e->blob, e->len, &cls->db) != HS_SUCCESS) {
		cls->db = NULL;
		goto fail;
	}
	/* a database built for CPU features this machine lacks fails here */
	if (hs_alloc_scratch(cls->db, &cls->scratch) != HS_SUCCESS)
		goto fail;
	for (j = 0; j < e->nre; j++) {
		if (hs_deserialize_database(e->blob_re + off, e->re_len[j],
		    &cls->gated[j].db) != HS_SUCCESS) {
			cls->gated[j].db = NULL;
			goto fail;
		}
		off += e->re_len[j];
		if (hs_alloc_scratch(cls->gated[j].db, &cls->scratch) !=
		    HS_SUCCESS)
			goto fail;
	}
	cls->db_embedded = 1;
	cls->load_ms = now_ms() - t0;
	return 0;
fail:
	drop_builtin(cls);
	return -1;
}

/*
 * bk__classify_compile - the pattern databases and the scratch: the
 * built-in patterns from the embedded blob when it fits, else compiled;
 * a user file's patterns compiled.
 */
int
bk__classify_compile(bk_classifier *cls, char **errmsg_out)
{
	size_t nb = cls->builtin ? cls->nbuiltin : 0, j;
	int rc;

	cls->hitwords = (cls->ngroups + 63) / 64;
	cls->hit = calloc(cls->hitwords ? cls->hitwords : 1, sizeof(*cls->hit));
	cls->hit_from = calloc(cls->ngroups ? cls->ngroups : 1,
	    sizeof(*cls->hit_from));
	cls->hit_to = calloc(cls->ngroups ? cls->ngroups : 1,
	    sizeof(*cls->hit_to));
	cls->hit_gated = calloc(cls->hitwords ? cls->hitwords : 1,
	    sizeof(*cls->hit_gated));
	cls->amb = calloc(cls->ngroups ? cls->ngroups : 1, sizeof(*cls->amb));
	if (cls->hit == NULL || cls->hit_from == NULL || cls->hit_to == NULL ||
	    cls->hit_gated == NULL || cls->amb == NULL)
		return BK_ENOMEM;
	if (nb > 0 && load_embedded(cls) != 0) {
		rc = compile_range(cls, 0, nb, &cls->db, &cls->db_all,
		    &cls->lm[0], errmsg_out);
		if (rc != 0)
			return rc;
	}
	rc = compile_range(cls, nb, cls->npatterns - nb, &cls->db_user,
	    &cls->db_user_all, &cls->lm[1], errmsg_out);
	if (rc != 0)
		return rc;
	cls->lm_ok = !cls->lm[0].unusable && !cls->lm[1].unusable;
	cls->gate_mask = calloc(cls->ngated ? cls->ngated : 1,
	    sizeof(*cls->gate_mask));
	cls->touched = calloc(cls->ngated ? cls->ngated : 1,
	    sizeof(*cls->touched));
	if (cls->gate_mask == NULL || cls->touched == NULL)
		return BK_ENOMEM;
	/* one scratch, grown to fit every database */
	if (cls->db != NULL && hs_alloc_scratch(cls->db, &cls->scratch) !=
	    HS_SUCCESS)
		return BK_ENOMEM;
	if (cls->db_user != NULL && hs_alloc_scratch(cls->db_user,
	    &cls->scratch) != HS_SUCCESS)
		return BK_ENOMEM;
	if (cls->db_all != NULL && hs_alloc_scratch(cls->db_all,
	    &cls->scratch) != HS_SUCCESS)
		return BK_ENOMEM;
	if (cls->db_user_all != NULL && hs_alloc_scratch(cls->db_user_all,
	    &cls->scratch) != HS_SUCCESS)
		return BK_ENOMEM;
	for (j = 0; j < cls->ngated; j++)
		if (cls->gated[j].db != NULL && hs_alloc_scratch(
		    cls->gated[j].db, &cls->scratch) != HS_SUCCESS)
			return BK_ENOMEM;
	for (j = 0; j < 2; j++)
		if (cls->lm[j].db_re != NULL && hs_alloc_scratch(
		    cls->lm[j].db_re, &cls->scratch) != HS_SUCCESS)
			return BK_ENOMEM;
	return 0;
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
	if (id >= BK__CLASSIFY_GATE_ID) {
		/* gate literal k: each factor it stands for (split_range) */
		bk__classify_gate_hit(cls, id - BK__CLASSIFY_GATE_ID);
		return 0;
	}
	if (id >= cls->npatterns)
		return 0;
	pt = &cls->patterns[id];
	g = pt->group;
	if (cls->hit[g / 64] & ((uint64_t)1 << (g % 64)))
		return 0;
	if (cls->hits >= BK_LIMIT_RULE_HITS)
		return 1;  /* enough: stop the scan, keep what we have */
	cls->hitlist[cls->hits++] = g;
	cls->hit[g / 64] |= (uint64_t)1 << (g % 64);
	if (!pt->regex)
		from = to >= pt->len ? to - pt->len : 0;
	cls->hit_from[g] = (size_t)from;
	cls->hit_to[g] = (size_t)to;
	cls->amb[g] = 0;
	return 0;
}

/*
 * on_match_gated - callback of a gated expression, scanned after the
 * always-scanned databases.  One database reported a list's matches in
 * order of their end, and at one end an expression's before a literal's
 * (as measured on the corpus and the samples): so the first match of a
 * gated expression that ends no later than the list's match from the
 * literal scan replaces it; later gated matches replace only a match
 * that ends later (hit_gated marks the lists a gated scan has set).
 * The order of matches that end at one offset is Vectorscan's own, so a
 * gated match that ends where the list's first match ends sets cls->tie:
 * the scan is then done again with the database of all the patterns,
 * which orders them as before the gate (bk__classify_scan()).
 */
static int
on_match_gated(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	bk_classifier *cls = ctx;
	uint64_t bit;
	uint32_t g;

	if (id >= cls->npatterns)
		return 0;
	g = cls->patterns[id].group;
	bit = (uint64_t)1 << (g % 64);
	if (cls->hit[g / 64] & bit) {
		if (to == cls->hit_to[g])
			cls->tie = 1;  /* one database's order decides */
		if ((cls->hit_gated[g / 64] & bit) ? to < cls->hit_to[g] :
		    to <= cls->hit_to[g]) {
			cls->hit_gated[g / 64] |= bit;
			cls->hit_from[g] = (size_t)from;
			cls->hit_to[g] = (size_t)to;
			cls->amb[g] = 0;
		}
		return 0;
	}
	if (on_match(id, from, to, flags, ctx) != 0)
		return 1;
	cls->hit_gated[g / 64] |= bit;
	return 0;
}

/*
 * on_match_re - callback of lm[r].db_re, the expressions without a gate
 * factor, scanned after the range's literals (bk__classify_lm_scan()):
 * takes a list's first match as the range's always-scanned database
 * would have, which reported in order of the match's end.  A match that
 * ends where the list's first match ends, with another start (or where
 * the literals left the start open), was ordered by that database's own
 * rules: cls->lm_bad, scan stopped.
 */
static int
on_match_re(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	bk_classifier *cls = ctx;
	uint32_t g;

	(void)flags;
	if (id >= cls->npatterns)
		return 0;
	g = cls->patterns[id].group;
	if ((cls->hit[g / 64] & ((uint64_t)1 << (g % 64))) == 0) {
		if (cls->hits >= BK_LIMIT_RULE_HITS) {
			cls->lm_bad = 1;
			return 1;
		}
		cls->hitlist[cls->hits++] = g;
		cls->hit[g / 64] |= (uint64_t)1 << (g % 64);
	} else if (to > cls->hit_to[g])
		return 0;
	else if (to == cls->hit_to[g]) {
		/* with a start still open (amb), three spans end here */
		if (from != cls->hit_from[g] || cls->amb[g] != 0) {
			cls->lm_bad = 1;
			return 1;
		}
		return 0;
	}
	cls->hit_from[g] = (size_t)from;
	cls->hit_to[g] = (size_t)to;
	cls->amb[g] = 0;
	return 0;
}

/*
 * scan_lits - the always-scanned part of both ranges without their
 * databases: the literal matcher, then the expressions without factors.
 * Returns 0, or -1 when only the databases' order can tell (the caller
 * clears the state and scans them).
 */
static int
scan_lits(bk_classifier *cls, const char *text, size_t len)
{
	size_t r;

	for (r = 0; r < 2; r++) {
		const struct bk__classify_lm *lm = &cls->lm[r];

		if (bk__classify_lm_scan(cls, lm, text, len) != 0)
			return -1;
		cls->lm_bad = 0;
		if (lm->db_re != NULL && hs_scan(lm->db_re, text,
		    (unsigned)len, 0, cls->scratch, on_match_re, cls) !=
		    HS_SUCCESS)
			return -1;  /* lm_bad, or an error: the databases */
	}
	return 0;
}

static size_t prune_gated(bk_classifier *cls,
    const struct bk__classify_facts *f, size_t n);

/*
 * bk__classify_scan_for - match every pattern against @text once: the
 * always-scanned part (scan_lits(), else the databases), then each gated
 * expression whose factors all matched and, when @by_facts, whose list is
 * needed by a rule the record's facts allow (cls->fm, set by
 * bk__classify_decide()) and, when bk__classify_decide() set cls->facts,
 * by such a rule that can still decide (prune_gated()).  Clearing the
 * hit bits costs only the lists hit by the previous scan.
 *
 * A list no such rule needs is left unscanned: no other rule can hold,
 * so the decision is the same.  Its gated scan could only have
 * added its own list, or a tie whose rescan changes only that list's
 * first match; so lists are skipped only while those lists cannot reach
 * BK_LIMIT_RULE_HITS, which decides which lists are kept.
 */
void
bk__classify_scan_for(bk_classifier *cls, const char *text, size_t len,
    int by_facts)
{
	hs_database_t *db;
	size_t t, n;
	unsigned i;
	int stop = 0;

	for (i = 0; i < cls->hits; i++)
		cls->hit[cls->hitlist[i] / 64] =
		    cls->hit_gated[cls->hitlist[i] / 64] = 0;
	cls->hits = 0;
	if (text == NULL || len == 0)
		return;
	if (len > BK_LIMIT_LINE_BYTES)
		len = BK_LIMIT_LINE_BYTES;
	cls->ntouched = 0;
	if (cls->no_gate) {
		/* the unit test's reference: one database, no gate */
		cls->tie = 1;
		goto all;
	}
	if (cls->lm_ok) {
		if (scan_lits(cls, text, len) == 0)
			goto gated;
		/* rare: a tie or the hit cap; start again with the databases */
		cls->lm_fallbacks++;
		for (i = 0; i < cls->hits; i++)
			cls->hit[cls->hitlist[i] / 64] = 0;
		cls->hits = 0;
		for (t = 0; t < cls->ntouched; t++)
			cls->gate_mask[cls->touched[t]] = 0;
		cls->ntouched = 0;
	}
	/* HS_SCAN_TERMINATED (hit cap) and errors both keep the hits so far */
	if (cls->db != NULL && hs_scan(cls->db, text, (unsigned)len, 0,
	    cls->scratch, on_match, cls) == HS_SCAN_TERMINATED)
		stop = 1;
	if (!stop && cls->db_user != NULL && hs_scan(cls->db_user, text,
	    (unsigned)len, 0, cls->scratch, on_match, cls) ==
	    HS_SCAN_TERMINATED)
		stop = 1;
gated:
	if (cls->hits + cls->ntouched >= BK_LIMIT_RULE_HITS)
		by_facts = 0;
	/* those to scan: every factor seen, the list needed; clear the rest */
	for (t = 0, n = 0; t < cls->ntouched; t++) {
		uint32_t j = cls->touched[t];
		const struct bk__classify_gated *g = &cls->gated[j];

		if (cls->gate_mask[j] == g->full && g->db != NULL &&
		    (!by_facts || bk__classify_needed(cls,
		    cls->patterns[g->pattern].group)))
			cls->touched[n++] = j;
		cls->gate_mask[j] = 0;
	}
	if (by_facts && cls->facts != NULL && n > 0)
		n = prune_gated(cls, cls->facts, n);
	/* in pattern order, as one database would break ties (mostly few) */
	for (t = 1; t < n; t++) {
		uint32_t v = cls->touched[t];
		size_t u = t;

		for (; u > 0 && cls->touched[u - 1] > v; u--)
			cls->touched[u] = cls->touched[u - 1];
		cls->touched[u] = v;
	}
	for (t = 0; !stop && t < n; t++)
		if (hs_scan(cls->gated[cls->touched[t]].db, text,
		    (unsigned)len, 0, cls->scratch, on_match_gated, cls) ==
		    HS_SCAN_TERMINATED)
			stop = 1;
	cls->ntouched = 0;
all:
	if (cls->tie && !stop) {
		/* rare: a tie that only one database's order can break */
		cls->tie = 0;
		for (i = 0; i < cls->hits; i++)
			cls->hit[cls->hitlist[i] / 64] =
			    cls->hit_gated[cls->hitlist[i] / 64] = 0;
		cls->hits = 0;
		cls->ties++;
		/* a set without gated expressions is whole in db / db_user */
		db = cls->db_all != NULL ? cls->db_all : cls->db;
		if (db != NULL && hs_scan(db, text, (unsigned)len, 0,
		    cls->scratch, on_match, cls) == HS_SCAN_TERMINATED)
			return;
		db = cls->db_user_all != NULL ? cls->db_user_all : cls->db_user;
		if (db != NULL)
			(void)hs_scan(db, text, (unsigned)len, 0, cls->scratch,
			    on_match, cls);
	}
	cls->tie = 0;
}

/*
 * bk__classify_scan - bk__classify_scan_for() of every gated expression,
 * every first match's start worked out
 */
void
bk__classify_scan(bk_classifier *cls, const char *text, size_t len)
{
	unsigned h;

	bk__classify_scan_for(cls, text, len, 0);
	for (h = 0; h < cls->hits; h++)
		(void)bk__classify_hit_from(cls, cls->hitlist[h], text, len);
}

/* on_first - Vectorscan callback: the first report of list cls->amb_g */
static int
on_first(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	bk_classifier *cls = ctx;
	const struct bk__classify_pattern *pt;

	(void)flags;
	if (id >= cls->npatterns || cls->patterns[id].group != cls->amb_g)
		return 0;
	pt = &cls->patterns[id];
	if (!pt->regex)
		from = to >= pt->len ? to - pt->len : 0;
	cls->amb_from = (size_t)from;
	cls->amb_to = (size_t)to;
	return 1;  /* the first is all we want */
}

/*
 * bk__classify_hit_from - where the first match of hit list @g starts,
 * @text/@len being the text last scanned.  When the literal scan left it
 * open (cls->amb: two spans end there), the list's database is asked
 * which it reports first, as the scan of that database the literal
 * matcher stands in for would have taken it; the answer is kept.
 */
size_t
bk__classify_hit_from(bk_classifier *cls, uint32_t g, const char *text,
    size_t len)
{
	hs_database_t *db;

	if (g >= cls->ngroups || cls->amb[g] == 0)
		return cls->hit_from[g];
	db = cls->amb[g] == 1 ? cls->db : cls->db_user;
	cls->amb[g] = 0;
	if (len > BK_LIMIT_LINE_BYTES)
		len = BK_LIMIT_LINE_BYTES;
	cls->amb_g = g;
	cls->amb_to = SIZE_MAX;
	cls->amb_scans++;
	if (db != NULL && text != NULL)
		(void)hs_scan(db, text, (unsigned)len, 0, cls->scratch,
		    on_first, cls);
	/* it ends where the literals found it end, or it is left as is */
	if (cls->amb_to == cls->hit_to[g])
		cls->hit_from[g] = cls->amb_from;
	return cls->hit_from[g];
}

/*
 * status_matches - one status condition against the record's status:
 * "none", an exact code, or a prefix ending in '*' ("5.7.*", "*").  One
 * pass over the pattern, no strlen.
 */
static int
status_matches(const char *pat, bk_str st)
{
	size_t i;

	if (pat[0] == 'n' && strcmp(pat, "none") == 0)
		return st.ptr == NULL || st.len == 0;
	if (st.ptr == NULL || st.len == 0)
		return 0;
	/* invariant: pat[0..i) equals st.ptr[0..i) */
	for (i = 0;; i++) {
		if (pat[i] == '*' && pat[i + 1] == '\0')
			return 1;
		if (pat[i] == '\0')
			return i == st.len;
		if (i >= st.len || pat[i] != st.ptr[i])
			return 0;
	}
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

/* is_none - is @w "none", ASCII case aside */
static inline int
is_none(const char *w)
{
	return (w[0] | 0x20) == 'n' && (w[1] | 0x20) == 'o' &&
	    (w[2] | 0x20) == 'n' && (w[3] | 0x20) == 'e' && w[4] == '\0';
}

/* any_word - case-insensitive equality with any of @words */
static int
any_word(const char *const *words, size_t n, bk_str s)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (is_none(words[i])) {
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

/* decoder_holds - @r names no decoder, or @dec (may be NULL) among them */
static int
decoder_holds(const struct bk__classify_rule *r, const char *dec, size_t len)
{
	size_t i;

	if (r->ndecoder == 0)
		return 1;
	if (dec == NULL)
		return 0;
	for (i = 0; i < r->ndecoder; i++)
		if (bk__ieq(dec, len, r->decoder[i]))
			return 1;
	return 0;
}

/*
 * rest_holds - the conditions of @r the fact masks leave open: its lists
 * (matched, unless)
 */
static int
rest_holds(const bk_classifier *cls, const struct bk__classify_rule *r,
    const struct bk__classify_facts *f)
{
	size_t i;

	if (r->nmatch != 0) {
		for (i = 0; i < r->nmatch; i++)
			if (bk__classify_group_hit(cls, r->match[i]))
				break;
		if (i == r->nmatch)
			return 0;
	}
	for (i = 0; i < r->nunless; i++)
		if (bk__classify_group_hit(cls, r->unless[i]))
			return 0;
	return 1;
}

/* bk__classify_rule_holds - are all conditions of @r true for @f */
int
bk__classify_rule_holds(const bk_classifier *cls,
    const struct bk__classify_rule *r, const struct bk__classify_facts *f)
{
	size_t i;

	if (!rest_holds(cls, r, f))
		return 0;
	if (r->nstatus && !any_status(r->status, r->nstatus, f->status))
		return 0;
	if (r->nnot_status &&
	    any_status(r->not_status, r->nnot_status, f->status))
		return 0;
	if (r->nhost && !any_host(r->host, r->nhost, f))
		return 0;
	if (r->kinds != 0 && (r->kinds & (1u << f->kind)) == 0)
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
	if (r->ndiagtype &&
	    !diagtype_matches(r->diagtype, r->ndiagtype, f->diagtype))
		return 0;
	if (r->naction && !any_word(r->action, r->naction, f->action))
		return 0;
	if (r->nseen) {
		for (i = 0; i < r->nseen; i++)
			if (f->provider >= 0 &&
			    r->seen[i] == (uint32_t)f->provider)
				break;
		if (i == r->nseen)
			return 0;
	}
	return decoder_holds(r, f->decoder, f->decoder_len);
}

/* Longest index key value (host suffix, decoder, status). */
#define KEY_MAX 255

/*
 * FNV-1a of a key, one byte at a time (key_step), so that a key and its
 * prefixes are hashed in one pass (status_mark) and a key is hashed
 * while it is built (the decoder in bk__classify_decide).
 */
#define KEY_SEED 0xcbf29ce484222325ULL

static inline uint64_t
key_step(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

static inline size_t
key_final(uint64_t h)
{
	return (size_t)(h ^ (h >> 32));
}

/* key_hash - FNV-1a of a key */
static size_t
key_hash(const char *p, size_t len)
{
	uint64_t h = KEY_SEED;
	size_t i;

	for (i = 0; i < len; i++)
		h = key_step(h, (unsigned char)p[i]);
	return key_final(h);
}

/* ilist_add - append rule @r to @l unless it is already the last entry */
static int
ilist_add(struct bk__classify_ilist *l, uint32_t r)
{
	if (l->n > 0 && l->v[l->n - 1] == r)
		return 0;
	if (grow_u32(&l->v, &l->cap, l->n) != 0)
		return BK_ENOMEM;
	l->v[l->n++] = r;
	return 0;
}

/* key_find_h - key_find() of a key whose key_hash() is @hash */
static size_t
key_find_h(const bk_classifier *cls, const char *k, size_t len,
    size_t hash, int *found)
{
	size_t mask = cls->capkeys - 1, i = hash & mask;

	/* invariant: the table is at most half full, so an empty slot exists */
	while (cls->keys[i].key != NULL) {
		if (cls->keys[i].len == len &&
		    memcmp(cls->keys[i].key, k, len) == 0) {
			*found = 1;
			return i;
		}
		i = (i + 1) & mask;
	}
	*found = 0;
	return i;
}

/* key_find - the slot of key (@type, @p, @len); *@found says if present */
static size_t
key_find(const bk_classifier *cls, const char *k, size_t len, int *found)
{
	return key_find_h(cls, k, len, key_hash(k, len), found);
}

/*
 * key_slot - the slot of key @type + @p (lower-cased when @fold), added
 * when absent; @len < KEY_MAX.  Returns 0 or BK_ENOMEM.
 */
static int
key_slot(bk_classifier *cls, int type, const char *p, size_t len, int fold,
    size_t *slot_out)
{
	char k[KEY_MAX + 1];
	size_t i, slot;
	int found;

	k[0] = (char)type;
	for (i = 0; i < len; i++)
		k[i + 1] = fold ? (char)bk__lower((unsigned char)p[i]) : p[i];
	slot = key_find(cls, k, len + 1, &found);
	if (!found) {
		cls->keys[slot].key = malloc(len + 1);
		if (cls->keys[slot].key == NULL)
			return BK_ENOMEM;
		memcpy(cls->keys[slot].key, k, len + 1);
		cls->keys[slot].len = len + 1;
		cls->nkeys++;
	}
	*slot_out = slot;
	return 0;
}

/* key_add - file rule @r under key @type + @p (lower-cased when @fold) */
static int
key_add(bk_classifier *cls, int type, const char *p, size_t len, int fold,
    uint32_t r)
{
	size_t slot;
	int rc = key_slot(cls, type, p, len, fold, &slot);

	return rc != 0 ? rc : ilist_add(&cls->keys[slot].rules, r);
}

/*
 * key_mark_h - set the candidate bits of the rules under one key; returns
 * the key, or NULL when absent
 */
static const struct bk__classify_ikey *
key_mark_h(bk_classifier *cls, const char *k, size_t len, size_t hash)
{
	const struct bk__classify_ilist *l;
	size_t i, slot;
	int found;

	if (cls->nkeys == 0)
		return NULL;
	slot = key_find_h(cls, k, len, hash, &found);
	if (!found)
		return NULL;
	l = &cls->keys[slot].rules;
	for (i = 0; i < l->n; i++)
		cls->cand[l->v[i] / 64] |= (uint64_t)1 << (l->v[i] % 64);
	return &cls->keys[slot];
}

/* list_mark - the rules of list @l into bitmap @m */
static void
list_mark(uint64_t *m, const struct bk__classify_ilist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		m[l->v[i] / 64] |= (uint64_t)1 << (l->v[i] % 64);
}

/*
 * host_mark - rules filed under any suffix that host_is() would accept;
 * the rules naming such a suffix into cls->fm.hostok
 */
static void
host_mark(bk_classifier *cls, bk_str h)
{
	const struct bk__classify_ikey *ik;
	char k[KEY_MAX + 2];
	size_t i, off;

	if (h.ptr == NULL || h.len == 0)
		return;
	/* only the last KEY_MAX bytes can hold a filed suffix */
	off = h.len > KEY_MAX ? h.len - KEY_MAX : 0;
	k[0] = 'h';
	for (i = off; i < h.len; i++)
		k[1 + i - off] = (char)bk__lower((unsigned char)h.ptr[i]);
	for (i = off; i < h.len; i++) {
		/* ".example" matches at a dot; "example" at a label start */
		if (h.ptr[i] == '.' || i == 0 || h.ptr[i - 1] == '.') {
			size_t n = h.len - i;

			k[i - off] = 'h';
			ik = key_mark_h(cls, k + (i - off), n + 1,
			    key_hash(k + (i - off), n + 1));
			if (ik != NULL)
				list_mark(cls->fm.hostok, &ik->named);
			k[i - off] = i == off ? 'h' :
			    (char)bk__lower((unsigned char)h.ptr[i - 1]);
		}
	}
}

/* memo_is - @s (absent: empty) is the kept @v of @len bytes (a @len
 * over BK__CLASSIFY_HOST_MEMO: nothing kept) */
static int
memo_is(bk_str s, const unsigned char *v, size_t len)
{
	size_t n = s.ptr != NULL ? s.len : 0;

	return n == len && n <= BK__CLASSIFY_HOST_MEMO &&
	    (n == 0 || memcmp(s.ptr, v, n) == 0);
}

/* memo_keep - keep @s in @v (*@len its length, or BK__CLASSIFY_HOST_MEMO
 * + 1 when too long to keep) */
static void
memo_keep(bk_str s, unsigned char *v, size_t *len)
{
	size_t n = s.ptr != NULL ? s.len : 0;

	if (n > BK__CLASSIFY_HOST_MEMO) {
		*len = BK__CLASSIFY_HOST_MEMO + 1;
		return;
	}
	if (n > 0)
		memcpy(v, s.ptr, n);
	*len = n;
}

/*
 * hosts_mark - host_mark of a record's host and recipient domain: the
 * rules naming them into cls->fm.hostok, the rules filed under them into
 * the candidates (cls->cand).  The records of one report mostly repeat
 * both, so the last pair's two bitmaps are kept and used again when the
 * pair is the same, byte for byte; the candidates' bits are gathered
 * apart (host_mark only ever sets bits) and ORed in.
 */
static void
hosts_mark(bk_classifier *cls, bk_str host, bk_str dom)
{
	struct bk__classify_fmasks *fm = &cls->fm;
	size_t bytes = fm->words * sizeof(*fm->hostok), i;
	uint64_t *cand = cls->cand;

	if (!memo_is(host, fm->memo_host, fm->memo_hlen) ||
	    !memo_is(dom, fm->memo_dom, fm->memo_dlen)) {
		memset(fm->hostok_memo, 0, bytes);
		memset(fm->cand_memo, 0, bytes);
		memset(fm->hostok, 0, bytes);
		cls->cand = fm->cand_memo;
		host_mark(cls, host);
		host_mark(cls, dom);
		cls->cand = cand;
		memcpy(fm->hostok_memo, fm->hostok, bytes);
		memo_keep(host, fm->memo_host, &fm->memo_hlen);
		memo_keep(dom, fm->memo_dom, &fm->memo_dlen);
	} else {
		memcpy(fm->hostok, fm->hostok_memo, bytes);
	}
	/* loop: one word of the candidates a pass */
	for (i = 0; i < fm->words; i++)
		cand[i] |= fm->cand_memo[i];
}

/* status_key - one status key: its rules filed and named (fact masks) */
static void
status_key(bk_classifier *cls, const char *k, size_t len, size_t hash)
{
	const struct bk__classify_ikey *ik = key_mark_h(cls, k, len, hash);

	if (ik != NULL) {
		list_mark(cls->fm.spos, &ik->named);
		list_mark(cls->fm.sneg, &ik->not_named);
	}
}

/*
 * status_mark - rules filed under the status or a prefix ending in '.';
 * the rules whose status or not-status names them into cls->fm.spos and
 * sneg (set to the rules naming "none" or "*" first)
 */
static void
status_mark(bk_classifier *cls, bk_str st)
{
	struct bk__classify_fmasks *fm = &cls->fm;
	char k[KEY_MAX + 1];
	uint64_t h;
	size_t i, n;
	int none = st.ptr == NULL || st.len == 0;

	memcpy(fm->spos, none ? fm->spos_none : fm->spos_any,
	    fm->words * sizeof(*fm->spos));
	memcpy(fm->sneg, none ? fm->sneg_none : fm->sneg_any,
	    fm->words * sizeof(*fm->sneg));
	if (none)
		return;
	/* filed prefixes are shorter than KEY_MAX; longer codes only by them */
	n = st.len < KEY_MAX ? st.len : KEY_MAX;
	k[0] = 's';
	memcpy(k + 1, st.ptr, n);
	/* invariant: h is the running hash of k[0..i] */
	h = key_step(KEY_SEED, 's');
	for (i = 0; i < n; i++) {
		h = key_step(h, (unsigned char)st.ptr[i]);
		if (st.ptr[i] == '.')
			status_key(cls, k, i + 2, key_final(h));
	}
	/* st.len <= KEY_MAX: n == st.len, so h is the hash of the whole key */
	if (st.len <= KEY_MAX)
		status_key(cls, k, st.len + 1, key_final(h));
}

/*
 * build_index - file every rule under one condition it needs (see
 * classify_int.h), in this order of preference: the phrase lists it
 * matches (any of them), its decoders, its host suffixes, its statuses
 * (unless "none" or "*" is among them), its kinds; else "always".
 */
static int
build_index(bk_classifier *cls)
{
	size_t i, j, bound = 0, cap = 16;
	int rc = 0;

	cls->candwords = (cls->nrules + 63) / 64;
	cls->cand = calloc(cls->candwords ? cls->candwords : 1,
	    sizeof(*cls->cand));
	cls->by_group = calloc(cls->ngroups ? cls->ngroups : 1,
	    sizeof(*cls->by_group));
	cls->by_kind = calloc(BK_KIND_COUNT_, sizeof(*cls->by_kind));
	if (cls->cand == NULL || cls->by_group == NULL || cls->by_kind == NULL)
		return BK_ENOMEM;
	for (i = 0; i < cls->nrules; i++) {
		const struct bk__classify_rule *r = &cls->rules[i];

		bound += r->ndecoder + r->nhost + r->nstatus + r->nnot_status +
		    r->ncommand + r->nnot_command + r->ndiagtype + r->naction;
	}
	/* audit: bound <= 8 * MAX_VALUES * MAX_RULES, far from overflow */
	while (cap < 2 * bound)
		cap *= 2;
	cls->keys = calloc(cap, sizeof(*cls->keys));
	if (cls->keys == NULL)
		return BK_ENOMEM;
	cls->capkeys = cap;

	for (i = 0; rc == 0 && i < cls->nrules; i++) {
		const struct bk__classify_rule *r = &cls->rules[i];
		uint32_t ri = (uint32_t)i;
		int ok;

		if (r->nmatch > 0) {
			for (j = 0; rc == 0 && j < r->nmatch; j++)
				rc = ilist_add(&cls->by_group[r->match[j]], ri);
			continue;
		}
		ok = r->ndecoder > 0;
		for (j = 0; ok && j < r->ndecoder; j++)
			ok = strlen(r->decoder[j]) <= KEY_MAX - 1;
		if (ok) {
			for (j = 0; rc == 0 && j < r->ndecoder; j++)
				rc = key_add(cls, 'd', r->decoder[j],
				    strlen(r->decoder[j]), 1, ri);
			continue;
		}
		ok = r->nhost > 0;
		for (j = 0; ok && j < r->nhost; j++)
			ok = strlen(r->host[j]) <= KEY_MAX - 1;
		if (ok) {
			for (j = 0; rc == 0 && j < r->nhost; j++)
				rc = key_add(cls, 'h', r->host[j],
				    strlen(r->host[j]), 1, ri);
			continue;
		}
		ok = r->nstatus > 0;
		for (j = 0; ok && j < r->nstatus; j++)
			ok = strcmp(r->status[j], "none") != 0 &&
			    strcmp(r->status[j], "*") != 0 &&
			    strlen(r->status[j]) <= KEY_MAX - 1;
		if (ok) {
			/* "5.7.*" is filed as the prefix "5.7." */
			for (j = 0; rc == 0 && j < r->nstatus; j++) {
				size_t n = strlen(r->status[j]);

				if (r->status[j][n - 1] == '*')
					n--;
				rc = key_add(cls, 's', r->status[j], n, 0, ri);
			}
			continue;
		}
		if (r->kinds != 0) {
			for (j = 0; rc == 0 && j < BK_KIND_COUNT_; j++)
				if (r->kinds & (1u << j))
					rc = ilist_add(&cls->by_kind[j], ri);
			continue;
		}
		rc = ilist_add(&cls->always, ri);
	}
	return rc;
}

/*
 * Fact masks.  The candidate index files a rule under one condition, so
 * a record's candidates include rules that fail on another fact: the six
 * rules with only a reply, command, diagnostic type or action condition
 * were candidates of every record, and a provider's details of every
 * record whose text had their words.  The facts known before the scan
 * (kind, reply code, decoder, command, diagnostic type, action) and the
 * provider recognised after it each take few values that rules name: per
 * such value, a bitmap of the rules whose condition on that fact holds
 * for it (a rule without one holds for all) is made at load, for a reply
 * code per code.  A value no rule names shares its fact's "other"
 * bitmap, an absent fact its "none" bitmap.  Hosts and statuses: the
 * rules naming a suffix or a code (prefix) are listed under its index
 * key (named, not_named) and added by host_mark() and status_mark().  A
 * record's candidates are ANDed with its facts' bitmaps
 * (bk__classify_ok_word(), one word per 64 rules), and a gated
 * expression is scanned only for a list a rule inside them can use
 * (bk__classify_scan_for()).  Within the bitmaps a rule's conditions on
 * those facts hold, so only its lists are tested (rest_holds()).
 */

/* Facts with a bitmap per named value (index key types). */
static const char fact_types[] = "dcta";

/* fmask_new - one more bitmap, all clear: its index, or -1 */
static long
fmask_new(struct bk__classify_fmasks *fm)
{
	if (fm->n == fm->cap) {
		size_t cap = fm->cap ? fm->cap * 2 : 64;
		uint64_t *m;

		/* audit: cap * words * 8 <= 2 * (FMASK_BYTES + 608 bitmaps) */
		m = realloc(fm->m, cap * fm->words * sizeof(*m));
		if (m == NULL)
			return -1;
		fm->m = m;
		fm->cap = cap;
	}
	memset(fm->m + fm->n * fm->words, 0, fm->words * sizeof(*fm->m));
	return (long)fm->n++;
}

/* fmask_set - rule @r holds in bitmap @m */
static void
fmask_set(struct bk__classify_fmasks *fm, size_t m, size_t r)
{
	fm->m[m * fm->words + r / 64] |= (uint64_t)1 << (r % 64);
}

/* fact_list - @r's values of fact @type; @neg: the not-command list */
static const char *const *
fact_list(const struct bk__classify_rule *r, int type, int neg, size_t *n)
{
	*n = 0;
	switch (type) {
	case 'd':
		if (!neg)
			*n = r->ndecoder;
		return r->decoder;
	case 'c':
		*n = neg ? r->nnot_command : r->ncommand;
		return neg ? r->not_command : r->command;
	case 't':
		if (!neg)
			*n = r->ndiagtype;
		return r->diagtype;
	default:
		if (!neg)
			*n = r->naction;
		return r->action;
	}
}

/*
 * fact_holds - @r's condition on fact @type for the value @s (NULL:
 * absent), as bk__classify_rule_holds() tests it.  @unnamed: @s is a value
 * none of the rules names (no word of @r can equal it).
 */
static int
fact_holds(const struct bk__classify_rule *r, int type, bk_str s,
    int unnamed)
{
	size_t n;

	if (unnamed) {
		/* only a word equals a present value; "none" only an absent */
		(void)fact_list(r, type, 0, &n);
		return n == 0;
	}
	switch (type) {
	case 'd':
		return decoder_holds(r, s.ptr, s.len);
	case 'c':
		return (r->ncommand == 0 ||
		    any_word(r->command, r->ncommand, s)) &&
		    (r->nnot_command == 0 ||
		    !any_word(r->not_command, r->nnot_command, s));
	case 't':
		return r->ndiagtype == 0 ||
		    diagtype_matches(r->diagtype, r->ndiagtype, s);
	default:
		return r->naction == 0 || any_word(r->action, r->naction, s);
	}
}

/*
 * too_long - does a value of @r for fact @type have KEY_MAX bytes or more
 * (not an index key: the rule then holds in every bitmap of the fact)
 */
static int
too_long(const struct bk__classify_rule *r, int type)
{
	const char *const *v;
	size_t n, i;
	int neg;

	for (neg = 0; neg < 2; neg++) {
		v = fact_list(r, type, neg, &n);
		for (i = 0; i < n; i++)
			if (strlen(v[i]) >= KEY_MAX)
				return 1;
	}
	return 0;
}

/* host_too_long - a host suffix of @r too long for an index key */
static int
host_too_long(const struct bk__classify_rule *r)
{
	size_t i;

	for (i = 0; i < r->nhost; i++)
		if (strlen(r->host[i]) >= KEY_MAX)
			return 1;
	return 0;
}

/*
 * fact_bitmap - a new bitmap of fact @type for the value @s (see
 * fact_holds); its index, or -1
 */
static long
fact_bitmap(bk_classifier *cls, int type, bk_str s, int unnamed)
{
	long m = fmask_new(&cls->fm);
	size_t r;

	for (r = 0; m >= 0 && r < cls->nrules; r++)
		if (fact_holds(&cls->rules[r], type, s, unnamed) ||
		    too_long(&cls->rules[r], type))
			fmask_set(&cls->fm, (size_t)m, r);
	return m;
}

/* reply_holds - @r's reply conditions for the reply code @v (0: none) */
static int
reply_holds(const struct bk__classify_rule *r, int v)
{
	return (r->nreply == 0 || any_reply(r->reply, r->nreply, v)) &&
	    (r->nnot_reply == 0 || !any_reply(r->not_reply, r->nnot_reply, v));
}

/*
 * seen_bitmap - a new bitmap of the rules whose seen condition holds for
 * provider @k (-1: none, or one no rule names); its index, or -1
 */
static long
seen_bitmap(bk_classifier *cls, long k)
{
	long m = fmask_new(&cls->fm);
	size_t r, i;

	for (r = 0; m >= 0 && r < cls->nrules; r++) {
		const struct bk__classify_rule *ru = &cls->rules[r];

		for (i = 0; i < ru->nseen; i++)
			if ((long)ru->seen[i] == k)
				break;
		if (ru->nseen == 0 || i < ru->nseen)
			fmask_set(&cls->fm, (size_t)m, r);
	}
	return m;
}

/*
 * status_named - rule @r into the status bitmaps and the named lists of
 * its status keys (a code, or a prefix "5.7." for "5.7.*")
 */
static int
status_named(bk_classifier *cls, size_t r)
{
	struct bk__classify_fmasks *fm = &cls->fm;
	const struct bk__classify_rule *ru = &cls->rules[r];
	uint64_t bit = (uint64_t)1 << (r % 64);
	size_t i, n, slot;
	int neg, rc;

	if (ru->nstatus == 0)
		fm->sbase[r / 64] |= bit;
	for (neg = 0; neg < 2; neg++) {
		const char *const *v = neg ? ru->not_status : ru->status;
		size_t nv = neg ? ru->nnot_status : ru->nstatus;

		uint64_t *none = neg ? fm->sneg_none : fm->spos_none;
		uint64_t *any = neg ? fm->sneg_any : fm->spos_any;

		for (i = 0; i < nv; i++) {
			struct bk__classify_ilist *l;

			n = strlen(v[i]);
			if (strcmp(v[i], "none") == 0) {
				none[r / 64] |= bit;
				continue;
			}
			if (v[i][0] == '*') {
				any[r / 64] |= bit;
				continue;
			}
			if (n > 0 && v[i][n - 1] == '*')
				n--;
			if (n >= KEY_MAX) {
				/* no key (valid_status() keeps them short) */
				fm->loose[r / 64] |= bit;
				fm->sbase[r / 64] |= bit;
				continue;
			}
			rc = key_slot(cls, 's', v[i], n, 0, &slot);
			if (rc != 0)
				return rc;
			l = neg ? &cls->keys[slot].not_named :
			    &cls->keys[slot].named;
			rc = ilist_add(l, (uint32_t)r);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/*
 * Most bytes of fact bitmaps per classifier.  They grow with the values
 * named times the rules, so past this a fact is left without bitmaps
 * (its conditions tested one by one) rather than grow without bound:
 * the built-in rules take 4 KiB.
 */
#define FMASK_BYTES ((size_t)8 * 1024 * 1024)

/* fmask_room - is there room for one more bitmap within FMASK_BYTES */
static int
fmask_room(const struct bk__classify_fmasks *fm)
{
	/* audit: n <= FMASK_BYTES / 8 + 608, words <= MAX_RULES / 64 + 1 */
	return (fm->n + 1) * fm->words * sizeof(*fm->m) <= FMASK_BYTES;
}

/*
 * word_bitmaps - the bitmaps of fact @type ('d', 'c', 't', 'a'): @none,
 * @other and one per value a rule names (its index key's mask).  Returns
 * 0, 1 when FMASK_BYTES would be passed, or BK_ENOMEM.
 */
static int
word_bitmaps(bk_classifier *cls, int type, uint32_t *none, uint32_t *other)
{
	size_t r, i, n, slot;
	long m;
	int neg, rc;

	if (!fmask_room(&cls->fm))
		return 1;
	if ((m = fact_bitmap(cls, type, BK_STR_NULL, 0)) < 0)
		return BK_ENOMEM;
	*none = (uint32_t)m;
	if (!fmask_room(&cls->fm))
		return 1;
	if ((m = fact_bitmap(cls, type, BK_STR_NULL, 1)) < 0)
		return BK_ENOMEM;
	*other = (uint32_t)m;
	for (r = 0; r < cls->nrules; r++)
		for (neg = 0; neg < 2; neg++) {
			const char *const *w = fact_list(&cls->rules[r], type,
			    neg, &n);

			for (i = 0; i < n; i++) {
				size_t len = strlen(w[i]);
				struct bk__classify_ikey *ik;

				/* "none" (command, action): absent */
				if (len >= KEY_MAX || ((type == 'c' ||
				    type == 'a') && is_none(w[i])))
					continue;
				rc = key_slot(cls, type, w[i], len, 1, &slot);
				if (rc != 0)
					return rc;
				ik = &cls->keys[slot];
				if (ik->mask != 0)
					continue;
				if (!fmask_room(&cls->fm))
					return 1;
				m = fact_bitmap(cls, type, bk__str(ik->key + 1,
				    ik->len - 1), 0);
				if (m < 0)
					return BK_ENOMEM;
				ik->mask = (uint32_t)m;
			}
		}
	return 0;
}

/*
 * unmask - fact @type without bitmaps (past FMASK_BYTES): every value
 * takes bitmap 0, every rule, and the rules with a condition on it are
 * tested one by one (fm.loose)
 */
static void
unmask(bk_classifier *cls, int type, uint32_t *none, uint32_t *other)
{
	size_t i, n, nn;

	*none = *other = 0;
	for (i = 0; i < cls->capkeys; i++)
		if (cls->keys[i].key != NULL && cls->keys[i].key[0] == type)
			cls->keys[i].mask = 0;
	for (i = 0; i < cls->nrules; i++) {
		(void)fact_list(&cls->rules[i], type, 0, &n);
		(void)fact_list(&cls->rules[i], type, 1, &nn);
		if (n + nn != 0)
			cls->fm.loose[i / 64] |= (uint64_t)1 << (i % 64);
	}
}

/*
 * seen_bitmaps - the bitmap of every provider a rule names and the
 * "other" one.  Returns 0, 1 when FMASK_BYTES would be passed, or
 * BK_ENOMEM.
 */
static int
seen_bitmaps(bk_classifier *cls)
{
	struct bk__classify_fmasks *fm = &cls->fm;
	size_t r, i;
	long m;

	if (!fmask_room(fm))
		return 1;
	if ((m = seen_bitmap(cls, -1)) < 0)
		return BK_ENOMEM;
	fm->seen_other = (uint32_t)m;
	for (i = 0; i < cls->nknow; i++)
		fm->seen[i] = fm->seen_other;
	for (r = 0; r < cls->nrules; r++)
		for (i = 0; i < cls->rules[r].nseen; i++) {
			uint32_t k = cls->rules[r].seen[i];

			if (k >= cls->nknow || fm->seen[k] != fm->seen_other)
				continue;
			if (!fmask_room(fm))
				return 1;
			if ((m = seen_bitmap(cls, (long)k)) < 0)
				return BK_ENOMEM;
			fm->seen[k] = (uint32_t)m;
		}
	return 0;
}

/* build_masks - the fact masks (see above); after build_index */
static int
build_masks(bk_classifier *cls)
{
	struct bk__classify_fmasks *fm = &cls->fm;
	uint32_t *none[] = { &fm->dec_none, &fm->cmd_none, &fm->diag_none,
		&fm->act_none };
	uint32_t *other[] = { &fm->dec_other, &fm->cmd_other,
		&fm->diag_other, &fm->act_other };
	uint64_t **st[] = { &fm->sbase, &fm->spos_none, &fm->sneg_none,
		&fm->spos_any, &fm->sneg_any, &fm->spos, &fm->sneg };
	size_t r, i, t, slot, nrep;
	uint32_t *rep;
	long m, base;
	int v, rc;

	fm->words = cls->candwords ? cls->candwords : 1;
	fm->loose = calloc(fm->words, sizeof(*fm->loose));
	fm->host = calloc(fm->words, sizeof(*fm->host));
	fm->hostok = calloc(fm->words, sizeof(*fm->hostok));
	fm->hostok_memo = calloc(fm->words, sizeof(*fm->hostok_memo));
	fm->cand_memo = calloc(fm->words, sizeof(*fm->cand_memo));
	for (i = 0; i < 7; i++) {
		*st[i] = calloc(fm->words, sizeof(**st));
		if (*st[i] == NULL)
			return BK_ENOMEM;
	}
	fm->seen = malloc((cls->nknow ? cls->nknow : 1) * sizeof(*fm->seen));
	if (fm->loose == NULL || fm->host == NULL ||
	    fm->hostok == NULL || fm->hostok_memo == NULL ||
	    fm->cand_memo == NULL || fm->seen == NULL || fmask_new(fm) != 0)
		return BK_ENOMEM;
	for (r = 0; r < cls->nrules; r++) {
		const struct bk__classify_rule *ru = &cls->rules[r];
		uint64_t bit = (uint64_t)1 << (r % 64);

		fmask_set(fm, 0, r);
		for (t = 0; t < sizeof(fact_types) - 1; t++)
			if (too_long(ru, fact_types[t]))
				fm->loose[r / 64] |= bit;
		if (host_too_long(ru))
			fm->loose[r / 64] |= bit;
		rc = status_named(cls, r);
		if (rc != 0)
			return rc;
		if (ru->nhost == 0 || host_too_long(ru)) {
			fm->host[r / 64] |= bit;
			continue;
		}
		for (i = 0; i < ru->nhost; i++) {
			rc = key_slot(cls, 'h', ru->host[i],
			    strlen(ru->host[i]), 1, &slot);
			if (rc == 0)
				rc = ilist_add(&cls->keys[slot].named,
				    (uint32_t)r);
			if (rc != 0)
				return rc;
		}
	}
	fm->by_kind = calloc(BK_KIND_COUNT_ * fm->words, sizeof(*fm->by_kind));
	if (fm->by_kind == NULL)
		return BK_ENOMEM;
	for (t = 0; t < BK_KIND_COUNT_; t++) {
		list_mark(fm->by_kind + t * fm->words, &cls->always);
		list_mark(fm->by_kind + t * fm->words, &cls->by_kind[t]);
		if ((m = fmask_new(fm)) < 0)
			return BK_ENOMEM;
		fm->kind[t] = (uint32_t)m;
		for (r = 0; r < cls->nrules; r++)
			if (cls->rules[r].kinds == 0 ||
			    (cls->rules[r].kinds & (1u << t)))
				fmask_set(fm, (size_t)m, r);
	}
	/*
	 * Per reply code; a code shares the bitmap of the code before it
	 * when they agree.  The rules without a reply condition (the bitmap
	 * "base") hold for every code; only the others are tried per code.
	 */
	if ((base = fmask_new(fm)) < 0)
		return BK_ENOMEM;
	rep = malloc((cls->nrules ? cls->nrules : 1) * sizeof(*rep));
	if (rep == NULL)
		return BK_ENOMEM;
	for (r = 0, nrep = 0; r < cls->nrules; r++)
		if (cls->rules[r].nreply == 0 && cls->rules[r].nnot_reply == 0)
			fmask_set(fm, (size_t)base, r);
		else
			rep[nrep++] = (uint32_t)r;
	for (v = 0; v < 600; v++) {
		long prev = v > 0 ? (long)fm->reply[v - 1] : base;

		if ((m = fmask_new(fm)) < 0) {
			free(rep);
			return BK_ENOMEM;
		}
		memcpy(fm->m + (size_t)m * fm->words, fm->m + (size_t)base *
		    fm->words, fm->words * sizeof(*fm->m));
		for (i = 0; i < nrep; i++)
			if (reply_holds(&cls->rules[rep[i]], v))
				fmask_set(fm, (size_t)m, rep[i]);
		if (memcmp(fm->m + (size_t)m * fm->words,
		    fm->m + (size_t)prev * fm->words,
		    fm->words * sizeof(*fm->m)) == 0) {
			fm->n--;
			m = prev;
		}
		fm->reply[v] = (uint16_t)m;
	}
	free(rep);
	rc = 0;
	for (t = 0; rc == 0 && t < sizeof(fact_types) - 1; t++) {
		rc = word_bitmaps(cls, fact_types[t], none[t], other[t]);
		if (rc > 0) {
			unmask(cls, fact_types[t], none[t], other[t]);
			rc = 0;
		}
	}
	if (rc < 0)
		return rc;
	rc = seen_bitmaps(cls);
	if (rc > 0) {
		/* as unmask(): every provider takes bitmap 0 */
		fm->seen_other = 0;
		for (i = 0; i < cls->nknow; i++)
			fm->seen[i] = 0;
		for (r = 0; r < cls->nrules; r++)
			if (cls->rules[r].nseen != 0)
				fm->loose[r / 64] |= (uint64_t)1 << (r % 64);
		rc = 0;
	}
	return rc;
}

/* word_lookup - word_mask() past its memo: the index key's bitmap */
static uint32_t
word_lookup(bk_classifier *cls, int type, bk_str s, uint32_t other)
{
	char k[KEY_MAX + 1];
	uint64_t h = key_step(KEY_SEED, (unsigned char)type);
	size_t i, slot;
	int found;

	if (s.len >= KEY_MAX)
		return other;
	k[0] = (char)type;
	for (i = 0; i < s.len; i++) {
		k[i + 1] = (char)bk__lower((unsigned char)s.ptr[i]);
		h = key_step(h, (unsigned char)k[i + 1]);
	}
	slot = key_find_h(cls, k, s.len + 1, key_final(h), &found);
	return found && cls->keys[slot].mask != 0 ? cls->keys[slot].mask :
	    other;
}

/*
 * word_mask - the bitmap of value @s of fact @type ('c', 't', 'a'; memo
 * slot @mi): @none when absent, @other when no rule names it
 */
static inline uint32_t
word_mask(bk_classifier *cls, int type, size_t mi, bk_str s, uint32_t none,
    uint32_t other)
{
	struct bk__classify_fmasks *fm = &cls->fm;

	if (s.ptr == NULL || s.len == 0)
		return none;
	if (s.len != fm->memo[mi].len || memcmp(s.ptr, fm->memo[mi].v,
	    s.len) != 0) {
		fm->memo[mi].mask = word_lookup(cls, type, s, other);
		fm->memo[mi].len = 0;
		if (s.len <= sizeof(fm->memo[mi].v)) {
			memcpy(fm->memo[mi].v, s.ptr, s.len);
			fm->memo[mi].len = s.len;
		}
		return fm->memo[mi].mask;
	}
	return fm->memo[mi].mask;
}

/*
 * fact_mask - cls->fm.part: the bitmaps of @f's kind, reply code, decoder
 * (@dec), command, diagnostic type and action
 */
static void
fact_mask(bk_classifier *cls, const struct bk__classify_facts *f,
    uint32_t dec)
{
	struct bk__classify_fmasks *fm = &cls->fm;
	size_t nw = fm->words;

	/* a reply code past 599 is not a fact's (bk__classify_facts_init) */
	fm->exact = (unsigned)f->reply < 600;
	fm->part[0] = fm->m + fm->kind[f->kind] * nw;
	fm->part[1] = fm->m + (fm->exact ? fm->reply[f->reply] : 0) * nw;
	fm->part[2] = fm->m + dec * nw;
	fm->part[3] = fm->m + word_mask(cls, 'c', 0, f->command, fm->cmd_none,
	    fm->cmd_other) * nw;
	fm->part[4] = fm->m + word_mask(cls, 't', 1, f->diagtype,
	    fm->diag_none, fm->diag_other) * nw;
	fm->part[5] = fm->m + word_mask(cls, 'a', 2, f->action, fm->act_none,
	    fm->act_other) * nw;
}

/*
 * build_demand - who needs each list's hits (cls->users, cls->marker;
 * see bk__classify_scan_for)
 */
static int
build_demand(bk_classifier *cls)
{
	size_t i, j, ng = cls->ngroups ? cls->ngroups : 1;
	int rc = 0;

	cls->users = calloc(ng, sizeof(*cls->users));
	cls->marker = calloc(ng, sizeof(*cls->marker));
	if (cls->users == NULL || cls->marker == NULL)
		return BK_ENOMEM;
	for (i = 0; rc == 0 && i < cls->nrules; i++) {
		const struct bk__classify_rule *r = &cls->rules[i];

		for (j = 0; rc == 0 && j < r->nmatch + r->nunless; j++) {
			uint32_t g = j < r->nmatch ? r->match[j] :
			    r->unless[j - r->nmatch];
			int ex = cls->groups[g].except;

			rc = ilist_add(&cls->users[g], (uint32_t)i);
			if (rc == 0 && ex >= 0)
				rc = ilist_add(&cls->users[ex], (uint32_t)i);
		}
	}
	cls->noseen = calloc(cls->candwords ? cls->candwords : 1,
	    sizeof(*cls->noseen));
	cls->unstable = calloc(cls->candwords ? cls->candwords : 1,
	    sizeof(*cls->unstable));
	if (cls->noseen == NULL || cls->unstable == NULL)
		return BK_ENOMEM;
	for (i = 0; i < cls->nrules; i++)
		if (cls->rules[i].nseen == 0)
			cls->noseen[i / 64] |= (uint64_t)1 << (i % 64);
	for (i = 0; i < cls->nknow; i++) {
		int g = cls->know[i].group;

		if (g < 0 || (size_t)g >= cls->ngroups)
			continue;
		cls->marker[g] = 1;
		if (cls->groups[g].except >= 0)
			cls->marker[cls->groups[g].except] = 1;
	}
	return rc;
}

/* bk__classify_index_free - release the candidate index */
void
bk__classify_index_free(bk_classifier *cls)
{
	size_t i;

	if (cls->users != NULL)
		for (i = 0; i < cls->ngroups; i++)
			free(cls->users[i].v);
	free(cls->users);
	free(cls->marker);
	free(cls->noseen);
	free(cls->unstable);
	free(cls->fm.m);
	free(cls->fm.loose);
	free(cls->fm.by_kind);
	free(cls->fm.host);
	free(cls->fm.hostok);
	free(cls->fm.hostok_memo);
	free(cls->fm.cand_memo);
	free(cls->fm.sbase);
	free(cls->fm.spos_none);
	free(cls->fm.sneg_none);
	free(cls->fm.spos_any);
	free(cls->fm.sneg_any);
	free(cls->fm.spos);
	free(cls->fm.sneg);
	free(cls->fm.seen);

	if (cls->by_group != NULL)
		for (i = 0; i < cls->ngroups; i++)
			free(cls->by_group[i].v);
	if (cls->by_kind != NULL)
		for (i = 0; i < BK_KIND_COUNT_; i++)
			free(cls->by_kind[i].v);
	if (cls->keys != NULL)
		for (i = 0; i < cls->capkeys; i++) {
			free(cls->keys[i].key);
			free(cls->keys[i].rules.v);
			free(cls->keys[i].named.v);
			free(cls->keys[i].not_named.v);
		}
	free(cls->by_group);
	free(cls->by_kind);
	free(cls->keys);
	free(cls->always.v);
	free(cls->cand);
}

/*
 * holds - do all conditions of rule @ri (@r, inside the fact masks) hold:
 * within exact masks only its lists are left to test (rest_holds())
 */
static inline int
holds(const bk_classifier *cls, const struct bk__classify_rule *r,
    size_t ri, const struct bk__classify_facts *f)
{
	const struct bk__classify_fmasks *fm = &cls->fm;

	if (fm->exact && (fm->loose[ri / 64] & ((uint64_t)1 << (ri % 64))) ==
	    0)
		return rest_holds(cls, r, f);
	return bk__classify_rule_holds(cls, r, f);
}

/*
 * prune_gated - of the @n gated expressions about to be scanned
 * (cls->touched), keep those whose list a rule can still use; returns how
 * many are kept (in their order).
 *
 * A rule is stable when it uses none of the pending lists (users[] of
 * each, which counts the lists cancelling its lists too) and names no
 * provider (`seen`, known only after the scan): the hits so far decide
 * whether it holds, and the scans cannot change that.  Let R be the first
 * stable reason rule that holds now and D the first stable detail rule
 * (the candidates walked as bk__classify_decide() walks them).  R holds
 * in the end, so the rule that decides is R or one before it; likewise
 * for the detail.  A list whose users the facts allow all come after R
 * (reason rules) or after D (details), and that marks no provider or
 * blocklist, cannot change which rules before R and D hold, nor their
 * evidence (a rule's evidence is one of its own lists): its scan is left
 * out.  Example: "550 5.1.1 user unknown; mailbox full" decided by a
 * user-unknown rule at priority 700 needs no scan for a gated list used
 * only by rules at 480.
 */
static size_t
prune_gated(bk_classifier *cls, const struct bk__classify_facts *f, size_t n)
{
	struct bk__classify_fmasks *fm = &cls->fm;
	size_t rstar = SIZE_MAX, dstar = SIZE_MAX, t, k, w, i;
	unsigned h;

	if (cls->nrules == 0 || cls->noseen == NULL)
		return n;
	memset(cls->unstable, 0, cls->candwords * sizeof(*cls->unstable));
	for (t = 0; t < n; t++) {
		uint32_t g = cls->patterns[cls->gated[cls->touched[t]].pattern]
		    .group;

		list_mark(cls->unstable, &cls->users[g]);
	}
	for (h = 0; h < cls->hits; h++)
		list_mark(cls->cand, &cls->by_group[cls->hitlist[h]]);
	/* invariant: rules below w * 64 are not stable holders still sought */
	for (w = 0; w < cls->candwords; w++) {
		uint64_t bits = cls->cand[w] & ~cls->unstable[w] &
		    cls->noseen[w];

		if (bits != 0)
			bits &= bk__classify_ok_word(fm, w);
		while (bits != 0) {
			size_t ri = w * 64 + (size_t)__builtin_ctzll(bits);
			const struct bk__classify_rule *r = &cls->rules[ri];

			bits &= bits - 1;
			if (r->detail ? dstar != SIZE_MAX : rstar != SIZE_MAX)
				continue;
			if (!holds(cls, r, ri, f))
				continue;
			if (r->detail)
				dstar = ri;
			else
				rstar = ri;
			if (rstar != SIZE_MAX && dstar != SIZE_MAX)
				goto found;
		}
	}
	if (rstar == SIZE_MAX && dstar == SIZE_MAX)
		return n;
found:
	for (t = 0, k = 0; t < n; t++) {
		uint32_t j = cls->touched[t];
		uint32_t g = cls->patterns[cls->gated[j].pattern].group;
		const struct bk__classify_ilist *u = &cls->users[g];
		int keep = cls->marker[g];

		/* invariant: keep when a user before i may decide */
		for (i = 0; !keep && i < u->n; i++) {
			size_t ri = u->v[i];

			if (ri >= (cls->rules[ri].detail ? dstar : rstar))
				continue;
			keep = (int)((bk__classify_ok_word(fm, ri / 64) >>
			    (ri % 64)) & 1);
		}
		if (keep)
			cls->touched[k++] = j;
	}
	return k;
}

/*
 * bk__classify_decide - scan the text, return the first rule that holds.
 * Only the candidates the facts select are tried (build_index), in
 * priority order, and of them only those inside the fact masks (see
 * above); any rule that holds is among them, so the result is the one a
 * walk over all rules would find.
 */
const struct bk__classify_rule *
bk__classify_decide(bk_classifier *cls, struct bk__classify_facts *f)
{
	struct bk__classify_fmasks *fm = &cls->fm;
	const struct bk__classify_rule *found = NULL;
	const uint64_t *seen;
	char k[KEY_MAX + 1];
	size_t i, w;
	uint32_t dec;
	unsigned h;

	/* the "always" rules and those filed under the record's kind */
	memcpy(cls->cand, fm->by_kind + f->kind * fm->words,
	    cls->candwords * sizeof(*cls->cand));
	dec = f->decoder == NULL ? fm->dec_none : fm->dec_other;
	if (f->decoder != NULL && f->decoder_len < KEY_MAX) {
		const struct bk__classify_ikey *ik;
		size_t n = f->decoder_len;
		uint64_t kh = key_step(KEY_SEED, 'd');

		k[0] = 'd';
		for (i = 0; i < n; i++) {
			int c = bk__lower((unsigned char)f->decoder[i]);

			k[i + 1] = (char)c;
			kh = key_step(kh, (unsigned char)c);
		}
		ik = key_mark_h(cls, k, n + 1, key_final(kh));
		if (ik != NULL && ik->mask != 0)
			dec = ik->mask;
	}
	hosts_mark(cls, f->host, f->rcpt_domain);
	status_mark(cls, f->status);
	fact_mask(cls, f, dec);
	cls->facts = f;
	bk__classify_scan_for(cls, f->text.ptr, f->text.len, 1);
	cls->facts = NULL;
	bk__classify_recognise(cls, f);
	cls->detail = NULL;
	if (cls->nrules == 0)
		return NULL;
	for (h = 0; h < cls->hits; h++)
		list_mark(cls->cand, &cls->by_group[cls->hitlist[h]]);
	seen = fm->m + (f->provider >= 0 && (size_t)f->provider < cls->nknow ?
	    fm->seen[f->provider] : fm->seen_other) * fm->words;

	/*
	 * invariant: rules below w * 64 were either not candidates or failed
	 * (or are details, once the first detail that holds is known).  The
	 * walk ends at the first reason rule that holds; a detail that holds
	 * below it is still found, since the walk continues until both are
	 * known or the candidates run out.
	 */
	for (w = 0; w < cls->candwords; w++) {
		uint64_t bits = cls->cand[w];

		if (bits != 0)
			bits &= bk__classify_ok_word(fm, w) & seen[w];

		while (bits != 0) {
			size_t ri = w * 64 + (size_t)__builtin_ctzll(bits);
			const struct bk__classify_rule *r = &cls->rules[ri];

			bits &= bits - 1;
			if (r->detail ? cls->detail != NULL : found != NULL)
				continue;
			/* in the masks: its conditions on the facts hold */
			if (!holds(cls, r, ri, f))
				continue;
			if (r->detail)
				cls->detail = r;
			else
				found = r;
			if (found != NULL && cls->detail != NULL)
				return found;
		}
	}
	return found;
}

/*
 * suffix_step - one byte more of a suffix hash, taken from the end: the
 * hash of s[i..] is suffix_step(hash of s[i+1..], s[i]), so one backward
 * pass over a host yields the hash of every suffix.  ASCII case folded.
 */
static inline uint64_t
suffix_step(uint64_t h, unsigned char c)
{
	return (h ^ (uint64_t)bk__lower(c)) * 0x100000001b3ULL;
}

#define SUFFIX_SEED 0xcbf29ce484222325ULL

/* suffix_hash - the backward hash of a whole string */
static uint64_t
suffix_hash(const char *p, size_t len)
{
	uint64_t h = SUFFIX_SEED;

	while (len-- > 0)
		h = suffix_step(h, (unsigned char)p[len]);
	return h;
}

/* pkey_slot - slot of suffix @p (hash @h), or of the empty slot for it */
static size_t
pkey_slot(const bk_classifier *cls, uint64_t h, const char *p, size_t len)
{
	size_t mask = cls->cappkeys - 1, i = (size_t)(h ^ (h >> 29)) & mask;

	/* invariant: the table is at most half full */
	for (;; i = (i + 1) & mask) {
		const struct bk__classify_pkey *k = &cls->pkeys[i];
		size_t j;

		if (k->key == NULL)
			return i;
		if (k->hash != h || k->len != len)
			continue;
		for (j = 0; j < len; j++)
			if (bk__lower((unsigned char)k->key[j]) !=
			    bk__lower((unsigned char)p[j]))
				break;
		if (j == len)
			return i;
	}
}

/* kfind_hash - hash of a knowledge entry's type and id */
static size_t
kfind_hash(int type, const char *id, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)type;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)id[i];
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

/* bk__classify_know_lookup - bk__classify_know_find() through the index */
int
bk__classify_know_lookup(const bk_classifier *cls, int type, const char *id,
    size_t len)
{
	size_t mask = cls->capkfind - 1, i = kfind_hash(type, id, len) & mask;

	for (; cls->kfind[i] >= 0; i = (i + 1) & mask) {
		const struct bk__classify_know *k = &cls->know[cls->kfind[i]];

		if (k->type == type && strlen(k->id) == len &&
		    memcmp(k->id, id, len) == 0)
			return cls->kfind[i];
	}
	return -1;
}

/*
 * build_know_index - the provider host suffixes (first visible provider
 * per suffix, in file order), the owner of each marker list, and the
 * (type, id) table.  Hidden entries (id NULL) are left out.
 */
static int
build_know_index(bk_classifier *cls)
{
	size_t i, j, nhosts = 0, cap = 16, kcap = 16;

	for (i = 0; i < cls->nknow; i++)
		if (cls->know[i].id != NULL &&
		    cls->know[i].type == BK__KNOW_PROVIDER)
			nhosts += cls->know[i].nhost;
	/* audit: nhosts <= MAX_VALUES * nknow, far from overflow */
	while (cap < 2 * nhosts)
		cap *= 2;
	while (kcap < 2 * cls->nknow)
		kcap *= 2;
	cls->pkeys = calloc(cap, sizeof(*cls->pkeys));
	cls->know_of_group = malloc((cls->ngroups ? cls->ngroups : 1) *
	    sizeof(*cls->know_of_group));
	cls->kfind = malloc(kcap * sizeof(*cls->kfind));
	if (cls->pkeys == NULL || cls->know_of_group == NULL ||
	    cls->kfind == NULL)
		return BK_ENOMEM;
	cls->cappkeys = cap;
	cls->capkfind = kcap;
	for (i = 0; i < cls->ngroups; i++)
		cls->know_of_group[i] = -1;
	for (i = 0; i < kcap; i++)
		cls->kfind[i] = -1;
	for (i = 0; i < cls->nknow; i++) {
		const struct bk__classify_know *k = &cls->know[i];
		size_t n = k->id != NULL ? strlen(k->id) : 0, slot;

		if (k->id == NULL)
			continue;
		/* the last visible entry of a (type, id) wins, as before */
		for (slot = kfind_hash(k->type, k->id, n) & (kcap - 1);
		    cls->kfind[slot] >= 0; slot = (slot + 1) & (kcap - 1)) {
			const struct bk__classify_know *o =
			    &cls->know[cls->kfind[slot]];

			if (o->type == k->type && strcmp(o->id, k->id) == 0)
				break;
		}
		cls->kfind[slot] = (int)i;
		if (k->type != BK__KNOW_PROVIDER &&
		    k->type != BK__KNOW_BLOCKLIST)
			continue;
		if (k->group >= 0 && (size_t)k->group < cls->ngroups &&
		    cls->know_of_group[k->group] < 0)
			cls->know_of_group[k->group] = (int)i;
		if (k->type != BK__KNOW_PROVIDER)
			continue;
		for (j = 0; j < k->nhost; j++) {
			size_t len = strlen(k->host[j]);
			uint64_t h;

			if (len == 0)
				continue;
			h = suffix_hash(k->host[j], len);
			slot = pkey_slot(cls, h, k->host[j], len);
			if (cls->pkeys[slot].key != NULL)
				continue;  /* an earlier provider has it */
			cls->pkeys[slot].key = k->host[j];
			cls->pkeys[slot].len = len;
			cls->pkeys[slot].hash = h;
			cls->pkeys[slot].know = (int)i;
		}
	}
	return 0;
}

/*
 * provider_by_host - the provider with the longest host suffix that
 * host_is() accepts for @h (the first such provider in file order), -1.
 * A suffix "x" matches at a label start, ".x" anywhere it stands; one
 * backward pass hashes every suffix, and the last hit is the longest.
 */
static int
provider_by_host(const bk_classifier *cls, bk_str h)
{
	uint64_t x = SUFFIX_SEED;
	size_t i;
	int found = -1;

	if (h.ptr == NULL || h.len == 0 || cls->cappkeys == 0)
		return -1;
	for (i = h.len; i-- > 0;) {
		size_t slot;

		x = suffix_step(x, (unsigned char)h.ptr[i]);
		if (h.ptr[i] != '.' && i != 0 && h.ptr[i - 1] != '.')
			continue;
		slot = pkey_slot(cls, x, h.ptr + i, h.len - i);
		if (cls->pkeys[slot].key != NULL)
			found = cls->pkeys[slot].know;
	}
	return found;
}

/*
 * provider_kept - provider_by_host(cls, @h), kept for the next record in
 * slot @which (0 host, 1 recipient domain): the records of one report
 * mostly repeat both
 */
static int
provider_kept(bk_classifier *cls, bk_str h, int which)
{
	struct bk__classify_fmasks *fm = &cls->fm;

	if (!memo_is(h, fm->pmemo[which].v, fm->pmemo[which].len)) {
		fm->pmemo[which].provider = provider_by_host(cls, h);
		memo_keep(h, fm->pmemo[which].v, &fm->pmemo[which].len);
	}
	return fm->pmemo[which].provider;
}

/*
 * bk__classify_recognise - the provider and the blocklist the facts name:
 * the provider with the longest host suffix of the remote MTA, else the
 * first provider whose markers matched the text, else the one with the
 * longest suffix of the recipient's domain; the
 * first blocklist (file order) whose zone or markers matched.  Needs a
 * scan of f->text first.  The lists hit say which markers matched
 * (know_of_group); the host suffixes are looked up (pkeys).
 */
void
bk__classify_recognise(bk_classifier *cls, struct bk__classify_facts *f)
{
	unsigned h;
	int by_text = -1;

	f->provider = -1;
	f->blocklist = -1;
	if (cls->know_of_group == NULL)
		return;  /* no knowledge index: nothing finished loading */
	for (h = 0; h < cls->hits; h++) {
		uint32_t g = cls->hitlist[h];
		int k = cls->know_of_group[g];

		if (k < 0 || !bk__classify_group_hit(cls, g))
			continue;
		if (cls->know[k].type == BK__KNOW_BLOCKLIST) {
			if (f->blocklist < 0 || k < f->blocklist)
				f->blocklist = k;
		} else if (by_text < 0 || k < by_text)
			by_text = k;
	}
	f->provider = provider_kept(cls, f->host, 0);
	if (f->provider < 0)
		f->provider = by_text >= 0 ? by_text :
		    provider_kept(cls, f->rcpt_domain, 1);
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
 * check_refs - the category of every cause and the cause of every
 * blocklist are defined; the default cause of each reason (the last cause
 * that lists it) is noted.  A rule may name a cause nobody defined (it is
 * shown by its id); the built-in rules define all of theirs (unit test).
 * Runs only when some knowledge is loaded, so a rules file used alone
 * (no_builtin) needs none.
 */
static int
check_refs(bk_classifier *cls, char **errmsg_out)
{
	size_t i, r;

	for (i = 0; i < BK_REASON_COUNT_; i++)
		cls->reason_cause[i] = -1;
	if (cls->nknow == 0)
		return 0;
	for (i = 0; i < cls->nknow; i++) {
		const struct bk__classify_know *k = &cls->know[i];

		if (k->id == NULL)
			continue;
		if (k->type == BK__KNOW_CAUSE && bk__classify_know_find(cls,
		    BK__KNOW_CATEGORY, k->category, strlen(k->category)) < 0)
			return bk__classify_errmsg(errmsg_out, k->file,
			    k->line, "cause '%s': category '%s' is not "
			    "defined", k->id, k->category);
		if (k->type == BK__KNOW_BLOCKLIST && bk__classify_know_find(
		    cls, BK__KNOW_CAUSE, k->cause, strlen(k->cause)) < 0)
			return bk__classify_errmsg(errmsg_out, k->file,
			    k->line, "blocklist '%s': cause '%s' is not "
			    "defined", k->id, k->cause);
		if (k->type != BK__KNOW_CAUSE)
			continue;
		for (r = 0; r < BK_REASON_COUNT_; r++)
			if (k->reasons & ((uint64_t)1 << r))
				cls->reason_cause[r] = (int)i;
	}
	return 0;
}

/* opt_str - an optional string as a slice */
static bk_str
opt_str(const char *s)
{
	return s != NULL ? bk__cstr(s) : BK_STR_NULL;
}

/*
 * set_slices - the strings a verdict copies as slices, measured once
 * (rule.str, know.str), and the entries of the causes they name
 * (cause_know), looked up once; after build_know_index
 */
static void
set_slices(bk_classifier *cls)
{
	size_t i;

	for (i = 0; i < cls->nrules; i++) {
		struct bk__classify_rule *r = &cls->rules[i];

		r->str.id = opt_str(r->id);
		r->str.category = opt_str(r->category);
		r->str.cause = opt_str(r->cause);
		r->str.provider = opt_str(r->provider);
		r->str.provider_code = opt_str(r->provider_code);
		r->str.blocklist = opt_str(r->blocklist);
		r->cause_know = r->cause == NULL ? -1 : bk__classify_know_find(
		    cls, BK__KNOW_CAUSE, r->str.cause.ptr, r->str.cause.len);
	}
	for (i = 0; i < cls->nknow; i++) {
		struct bk__classify_know *k = &cls->know[i];
		bk_str c;

		k->str.id = opt_str(k->id);
		k->str.category = opt_str(k->category);
		k->str.cause = opt_str(k->cause);
		c = k->type == BK__KNOW_CAUSE ? k->str.id : k->str.cause;
		k->cause_know = c.ptr == NULL ? -1 : bk__classify_know_find(cls,
		    BK__KNOW_CAUSE, c.ptr, c.len);
	}
}

/*
 * bk__classify_finish - sort the rules, place the weak hints, compile.
 *
 * A weak reason hint (see classify_verdict.c) stands like a text rule of
 * its reason: at the highest priority any rule of that reason has in the
 * text band, or, when no such rule exists, below the phrase lists of
 * phase 2 (BK__CLASSIFY_PRIO_WEAK_HINT): a phrase the text holds says
 * more than the decoder's guess, a bare status code says less.
 */
int
bk__classify_finish(bk_classifier *cls, char **errmsg_out)
{
	size_t i;
	int rc;

	if (cls->nrules > 1)
		qsort(cls->rules, cls->nrules, sizeof(*cls->rules),
		    by_priority);
	for (i = 0; i < BK_REASON_COUNT_; i++)
		cls->hint_priority[i] = BK__CLASSIFY_PRIO_WEAK_HINT;
	for (i = cls->nrules; i-- > 0;) {
		const struct bk__classify_rule *r = &cls->rules[i];

		if (r->detail)
			continue;
		if (r->priority >= BK__CLASSIFY_PRIO_TEXT &&
		    r->priority < BK__CLASSIFY_PRIO_PROVIDER &&
		    r->priority > cls->hint_priority[r->reason])
			cls->hint_priority[r->reason] = r->priority;
	}
	rc = check_refs(cls, errmsg_out);
	if (rc != 0)
		return rc;
	rc = build_index(cls);
	if (rc == 0)
		rc = build_masks(cls);
	if (rc == 0)
		rc = build_demand(cls);
	if (rc == 0)
		rc = build_know_index(cls);
	if (rc != 0)
		return rc;
	set_slices(cls);
	/* the kept host answers hold for this set of rules only */
	cls->fm.memo_hlen = cls->fm.memo_dlen = BK__CLASSIFY_HOST_MEMO + 1;
	cls->fm.pmemo[0].len = cls->fm.pmemo[1].len =
	    BK__CLASSIFY_HOST_MEMO + 1;
	return bk__classify_compile(cls, errmsg_out);
}

/* bk__classify_db_source - where the built-in patterns' database came from */
const char *
bk__classify_db_source(const bk_classifier *cls)
{
	if (!cls->builtin || cls->nbuiltin == 0)
		return "none";
	return cls->db_embedded ? "embedded" : "compiled";
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
