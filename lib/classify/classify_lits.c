/*
 * classify_lits.c - the literal phrases and gate literals of one pattern
 * range, matched without Vectorscan's literal matcher.
 *
 * Why: Vectorscan's literal matcher (FDR/Teddy) costs more the more
 * literals it holds (on the bench lines: 250 instructions a line with 1
 * literal, 2,200 with all 1,185), so the classifier was not flat in the
 * number of rules.  Reply lines are short (41 bytes on average), so
 * looking at each 4-byte gram of the line once costs about the same for
 * 200 literals as for 1,400:
 *
 *   for each position i of the text:
 *     k = the 4 bytes at i, each OR 0x20 (ASCII case folded, a filter only)
 *     if bit hash(k) of the filter is set and k is an anchor:
 *       each literal filed under k is compared (ASCII case aside) where
 *       its anchor would put it
 *
 * Each literal is filed under one anchor: the 4-byte gram of it that is
 * rarest in the rules' own samples (a 3-byte literal: itself, a 3-byte
 * key that no 4-byte key equals).  A literal shorter than 3 bytes makes
 * the range unusable here (lm->unusable: the caller keeps Vectorscan).
 *
 * What a match means is what it meant in the always-scanned database,
 * whose literals were HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH: a phrase
 * list's first match is the one that ends first, at offset end - length.
 * The database reported its matches in order of their end, so the list's
 * match is the earliest end among its literals, whatever order we find
 * them in.  Two different spans that end at one offset (one literal a
 * suffix of another in the same list) were ordered by the database's own
 * rules, which we do not know.  Only the list's start depends on it (which
 * lists matched, and where their first matches end, do not), so the list
 * is marked (cls->amb) and its start is asked of that database only when
 * a verdict shows it as evidence (bk__classify_hit_from()).  Reaching
 * BK_LIMIT_RULE_HITS lists, where the database's order decided which
 * lists were kept, makes bk__classify_lm_scan() return -1: the caller
 * scans the text again with that database.
 *
 * Invariants: every literal is at least 3 bytes; keys are never 0 (each
 * byte of a key has bit 0x20 set, the top byte of a 3-byte key is 0);
 * the anchor table is at most half full.
 */
#include <stdlib.h>
#include <string.h>

#include "classify/classify_int.h"

#define LM_MUL 0x9e3779b1u         /* Fibonacci hashing */
#define LM_COUNT_BITS 12           /* gram counts: 4,096 buckets */

static inline uint32_t
ld32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t
ld64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* gram4 - the folded 4-byte key at @p (which has 4 bytes), host order */
static inline uint32_t
gram4(const unsigned char *p)
{
	return ld32(p) | 0x20202020u;
}

/*
 * gram3 - the folded 3-byte key at @p (which has 3 bytes): a 4-byte key
 * whose last byte (in memory order) is 0, which no 4-byte key has.
 */
static inline uint32_t
gram3(const struct bk__classify_lm *lm, const unsigned char *p)
{
	unsigned char b[4];

	b[0] = p[0];
	b[1] = p[1];
	b[2] = p[2];
	b[3] = 0;
	return gram4(b) & lm->m3;
}

/* bk__classify_lm_add - file literal @p/@len under id @id (not yet built) */
int
bk__classify_lm_add(struct bk__classify_lm *lm, const char *p, size_t len,
    uint32_t id)
{
	struct bk__classify_lit *e;
	size_t i;

	if (len < 3) {
		lm->unusable = 1;
		return 0;
	}
	if (lm->nlit == lm->caplit) {
		size_t cap = lm->caplit ? lm->caplit * 2 : 256;

		/* audit: cap <= 2 * (MAX_PATTERNS + gate literals) */
		e = realloc(lm->lit, cap * sizeof(*e));
		if (e == NULL)
			return BK_ENOMEM;
		lm->lit = e;
		lm->caplit = cap;
	}
	e = &lm->lit[lm->nlit];
	e->low = malloc(2 * len);  /* audit: len <= MAX_LINE, no overflow */
	if (e->low == NULL)
		return BK_ENOMEM;
	e->fold = e->low + len;
	for (i = 0; i < len; i++) {
		int c = bk__lower((unsigned char)p[i]);

		e->low[i] = (unsigned char)c;
		e->fold[i] = (c >= 'a' && c <= 'z') ? 0x20 : 0;
	}
	e->len = (uint32_t)len;  /* <= BK__CLASSIFY_MAX_LINE */
	e->off = 0;
	e->id = id;
	e->next = UINT32_MAX;
	e->group = UINT32_MAX;
	lm->nlit++;
	return 0;
}

/* count_hash - bucket of a folded key in the gram counts */
static inline size_t
count_hash(uint32_t k)
{
	return (k * LM_MUL) >> (32 - LM_COUNT_BITS);
}

/* count_text - add the grams of one sample to @cnt (saturating) */
static void
count_text(uint16_t *cnt, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i;

	for (i = 0; text != NULL && i + 4 <= len; i++) {
		uint16_t *c = &cnt[count_hash(gram4(p + i))];

		if (*c < UINT16_MAX)
			(*c)++;
	}
}

static void
count_samples(uint16_t *cnt, const struct bk__classify_sample *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		count_text(cnt, s[i].text, s[i].len);
}

/*
 * weights - how common each byte is in English reply text, 1..8 (ASCII
 * case aside): a tie-break between grams the samples do not tell apart.
 */
static void
weights(unsigned char *w)
{
	static const char common[] = "etaoinsrhl", less[] = "dcumfpgwyb";
	size_t i;

	memset(w, 1, 256);
	for (i = 0; common[i] != '\0'; i++) {
		w[(unsigned char)common[i]] = 5;
		w[(unsigned char)common[i] - 32] = 5;
	}
	for (i = 0; less[i] != '\0'; i++) {
		w[(unsigned char)less[i]] = 3;
		w[(unsigned char)less[i] - 32] = 3;
	}
	for (i = '0'; i <= '9'; i++)
		w[i] = 3;
	w[' '] = 8;
}

/* slot_of - the slot of key @k, or the empty slot where it would go */
static inline size_t
slot_of(const struct bk__classify_lm *lm, uint32_t k)
{
	size_t mask = ((size_t)1 << lm->slotbits) - 1;
	size_t s = (k * LM_MUL) >> (32 - lm->slotbits);

	/* invariant: at most half the slots are used, so an empty one ends */
	while (lm->slot[s].key != 0 && lm->slot[s].key != k)
		s = (s + 1) & mask;
	return s;
}

/*
 * pack - lay the literals out in the order a probe walks them: each
 * anchor's chain contiguous in lit[], and their texts (low then fold) in
 * one block in the same order, so that a probe reads neighbouring
 * memory.  The order within a chain is kept, so the matches are
 * reported in the same order as before.  Every literal is in exactly one
 * chain (lm_build files each under its anchor).
 */
static int
pack(struct bk__classify_lm *lm)
{
	size_t n = lm->nlit, nslots = (size_t)1 << lm->slotbits, total = 0;
	size_t s, k = 0, i;
	struct bk__classify_lit *nl;
	unsigned char *blob, *b;
	uint32_t t;

	for (i = 0; i < n; i++)
		total += 2 * (size_t)lm->lit[i].len;
	nl = malloc((n ? n : 1) * sizeof(*nl));
	blob = malloc(total ? total : 1);
	if (nl == NULL || blob == NULL) {
		free(nl);
		free(blob);
		return BK_ENOMEM;
	}
	b = blob;
	/* loop: each slot once; each chain's literals once */
	for (s = 0; s < nslots; s++) {
		size_t first = k;

		if (lm->slot[s].key == 0)
			continue;
		for (t = lm->slot[s].head; t < n; t = lm->lit[t].next) {
			const struct bk__classify_lit *e = &lm->lit[t];

			BK_ASSERT(k < n, goto fail);
			nl[k] = *e;
			memcpy(b, e->low, e->len);
			memcpy(b + e->len, e->fold, e->len);
			nl[k].low = b;
			nl[k].fold = b + e->len;
			nl[k].next = (uint32_t)(k + 1);
			b += 2 * (size_t)e->len;
			k++;
		}
		if (k > first) {
			nl[k - 1].next = UINT32_MAX;
			lm->slot[s].head = (uint32_t)first;
		}
	}
	BK_ASSERT(k == n, goto fail);
	for (i = 0; i < n; i++)
		free(lm->lit[i].low);
	free(lm->lit);
	lm->lit = nl;
	lm->caplit = n;
	lm->blob = blob;
	return 0;
fail:
	free(nl);
	free(blob);
	return BK_ERROR;
}

/*
 * bk__classify_lm_build - choose each literal's anchor and file it: the
 * gram of the literal that is least frequent in every sample of the
 * rules (@cls), counting the literals already filed under it, the
 * byte weights breaking ties.  Deterministic.
 */
int
bk__classify_lm_build(const bk_classifier *cls, struct bk__classify_lm *lm)
{
	uint16_t *cnt, *used;
	unsigned char w[256];
	size_t i;

	free(lm->slot);
	lm->slot = NULL;
	memset(lm->bits, 0, sizeof(lm->bits));
	memset(lm->bits3, 0, sizeof(lm->bits3));
	lm->has3 = 0;
	{
		static const unsigned char m[4] = { 0xff, 0xff, 0xff, 0 };

		lm->m3 = ld32(m);
	}
	/* audit: nlit < 2^27, so 2^slotbits >= 2 * nlit fits */
	for (lm->slotbits = 4; ((size_t)1 << lm->slotbits) < 2 * lm->nlit + 2;)
		lm->slotbits++;
	lm->slot = calloc((size_t)1 << lm->slotbits, sizeof(*lm->slot));
	cnt = calloc((size_t)1 << LM_COUNT_BITS, sizeof(*cnt));
	used = calloc((size_t)1 << LM_COUNT_BITS, sizeof(*used));
	if (lm->slot == NULL || cnt == NULL || used == NULL) {
		free(cnt);
		free(used);
		return BK_ENOMEM;
	}
	weights(w);
	for (i = 0; i < cls->ngroups; i++) {
		count_samples(cnt, cls->groups[i].must, cls->groups[i].nmust);
		count_samples(cnt, cls->groups[i].mustnot,
		    cls->groups[i].nmustnot);
	}
	for (i = 0; i < cls->nrules; i++) {
		count_samples(cnt, cls->rules[i].must, cls->rules[i].nmust);
		count_samples(cnt, cls->rules[i].mustnot,
		    cls->rules[i].nmustnot);
	}
	for (i = 0; i < lm->nlit; i++) {
		struct bk__classify_lit *e = &lm->lit[i];
		uint32_t k, h;
		size_t o, s;

		if (e->id < BK__CLASSIFY_GATE_ID && e->id < cls->npatterns)
			e->group = cls->patterns[e->id].group;
		if (e->len == 3) {
			unsigned char b[4];
			unsigned c;

			/* the filter passes every 4-byte key starting so */
			memcpy(b, e->low, 3);
			for (c = 0x20; c < 256; c = (c + 1) | 0x20) {
				b[3] = (unsigned char)c;
				h = (gram4(b) * LM_MUL) >>
				    (32 - BK__CLASSIFY_LM_BITS);
				lm->bits[h / 64] |= (uint64_t)1 << (h % 64);
			}
			k = gram3(lm, e->low);
			e->off = 0;
			lm->has3 = 1;
			h = (k * LM_MUL) >> (32 - 12);
			lm->bits3[h / 64] |= (uint64_t)1 << (h % 64);
		} else {
			unsigned long best = 0;

			k = 0;
			for (o = 0; o + 4 <= e->len; o++) {
				uint32_t g = gram4(e->low + o);
				size_t c = count_hash(g);
				unsigned long score = (unsigned long)cnt[c] *
				    64 + (unsigned long)used[c] * 16 +
				    w[e->low[o]] + w[e->low[o + 1]] +
				    w[e->low[o + 2]] + w[e->low[o + 3]];

				if (k == 0 || score < best) {
					best = score;
					k = g;
					e->off = (uint32_t)o;
				}
			}
		}
		if (used[count_hash(k)] < UINT16_MAX)
			used[count_hash(k)]++;
		s = slot_of(lm, k);
		if (lm->slot[s].key == 0) {
			lm->slot[s].key = k;
			lm->slot[s].head = UINT32_MAX;
		}
		e->next = lm->slot[s].head;
		lm->slot[s].head = (uint32_t)i;
		h = (k * LM_MUL) >> (32 - BK__CLASSIFY_LM_BITS);
		lm->bits[h / 64] |= (uint64_t)1 << (h % 64);
	}
	free(cnt);
	free(used);
	return pack(lm);
}

/*
 * gate_hit - gate literal @k matched: bk__classify_gate_hit() with the
 * classifier's arrays held in locals (a byte store may alias any field,
 * which would have them loaded again after each one)
 */
static inline void
gate_hit(bk_classifier *cls, size_t k)
{
	const struct bk__classify_gtarget *gt = cls->gtargets;
	uint8_t *mask = cls->gate_mask;
	uint32_t *touched = cls->touched;
	size_t nt = cls->ntouched, ngt = cls->ngtargets;
	uint32_t t = k < cls->nglits ? cls->gate_head[k] : UINT32_MAX;

	/* invariant: t follows one chain; chains hold ngt targets */
	while (t < ngt) {
		uint32_t slot = gt[t].slot, j = slot / 8;

		if (mask[j] == 0)
			touched[nt++] = j;
		mask[j] |= (uint8_t)(1u << (slot & 7));
		t = gt[t].next;
	}
	cls->ntouched = nt;
}

/*
 * report - literal @e matched at [@from, @from + e->len): as the
 * always-scanned database's callback would have taken its first match
 * (a second span ending where the first match ends marks the list in
 * cls->amb).  Returns -1 at BK_LIMIT_RULE_HITS lists, where only that
 * database's order can tell which lists are kept.
 */
static inline int
report(bk_classifier *cls, const struct bk__classify_lit *e, size_t from)
{
	size_t to = from + e->len;
	uint32_t g = e->group;
	uint64_t bit, *hw;

	if (e->id >= BK__CLASSIFY_GATE_ID) {
		gate_hit(cls, e->id - BK__CLASSIFY_GATE_ID);
		return 0;
	}
	if (g == UINT32_MAX)
		return 0;  /* not a pattern: cannot happen once built */
	hw = &cls->hit[g / 64];
	bit = (uint64_t)1 << (g % 64);
	if ((*hw & bit) == 0) {
		unsigned n = cls->hits;

		if (n >= BK_LIMIT_RULE_HITS)
			return -1;  /* which lists were kept: its order */
		cls->hitlist[n] = g;
		cls->hits = n + 1;
		*hw |= bit;
		cls->hit_from[g] = from;
		cls->hit_to[g] = to;
		cls->amb[g] = 0;
	} else if (to < cls->hit_to[g]) {
		cls->hit_from[g] = from;
		cls->hit_to[g] = to;
		cls->amb[g] = 0;
	} else if (to == cls->hit_to[g] && from != cls->hit_from[g]) {
		/* two spans end here: its order, asked when needed */
		cls->amb[g] = e->id >= cls->nbuiltin ? 2 : 1;
	}
	return 0;
}

/* same - the literal @e is at @t (which has e->len bytes) */
static inline int
same(const unsigned char *t, const struct bk__classify_lit *e)
{
	size_t n = e->len, x;

	if (n >= 8) {
		for (x = 0; x + 8 <= n; x += 8)
			if ((ld64(t + x) | ld64(e->fold + x)) !=
			    ld64(e->low + x))
				return 0;
		x = n - 8;  /* the last 8 bytes, overlapping */
		return (ld64(t + x) | ld64(e->fold + x)) == ld64(e->low + x);
	}
	if (n >= 4)
		return (ld32(t) | ld32(e->fold)) == ld32(e->low) &&
		    (ld32(t + n - 4) | ld32(e->fold + n - 4)) ==
		    ld32(e->low + n - 4);
	for (x = 0; x < n; x++)
		if ((t[x] | e->fold[x]) != e->low[x])
			return 0;
	return 1;
}

/* probe - the literals anchored at key @k, which starts at @i */
static int
probe(bk_classifier *cls, const struct bk__classify_lm *lm, uint32_t k,
    const unsigned char *p, size_t len, size_t i)
{
	const struct bk__classify_lit *lit = lm->lit;
	size_t s = slot_of(lm, k), nlit = lm->nlit;
	uint32_t t;

	if (lm->slot[s].key == 0)
		return 0;
	/* invariant: t follows one chain of at most nlit literals */
	for (t = lm->slot[s].head; t < nlit; t = lit[t].next) {
		const struct bk__classify_lit *e = &lit[t];
		size_t from;

		if (i < e->off)
			continue;
		from = i - e->off;
		if (e->len > len - from)
			continue;
		if (same(p + from, e) && report(cls, e, from) != 0)
			return -1;
	}
	return 0;
}

/* filter - the bit of key @k in the filter */
static inline int
filter(const struct bk__classify_lm *lm, uint32_t k)
{
	uint32_t h = (k * LM_MUL) >> (32 - BK__CLASSIFY_LM_BITS);

	return (int)((lm->bits[h / 64] >> (h % 64)) & 1);
}

/* filter3 - the bit of 3-byte key @k in the 3-byte keys' filter */
static inline int
filter3(const struct bk__classify_lm *lm, uint32_t k)
{
	uint32_t h = (k * LM_MUL) >> (32 - 12);

	return (int)((lm->bits3[h / 64] >> (h % 64)) & 1);
}

/*
 * at - the 4-byte key @k at @i passed the filter: the literals anchored
 * there, and the 3-byte ones at its start (the filter also passes the
 * keys that begin with a 3-byte literal).
 */
static inline int
at(bk_classifier *cls, const struct bk__classify_lm *lm, uint32_t k,
    const unsigned char *p, size_t len, size_t i)
{
	if (probe(cls, lm, k, p, len, i) != 0)
		return -1;
	k &= lm->m3;
	if (lm->has3 && filter3(lm, k) && probe(cls, lm, k, p, len, i) != 0)
		return -1;
	return 0;
}

/*
 * bk__classify_lm_scan - every literal of @lm in @text: lists hit, first
 * matches, gate bits, as the always-scanned database gave them (a start
 * only that database's order tells is marked in cls->amb).  Returns 0, or
 * -1 when that database's order decides which lists are kept (the caller
 * scans again).
 */
int
bk__classify_lm_scan(bk_classifier *cls, const struct bk__classify_lm *lm,
    const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i;

	if (lm->nlit == 0 || len < 3)
		return 0;
	/* two positions a round, one branch when neither passes the filter */
	for (i = 0; i + 5 <= len; i += 2) {
		uint32_t k0 = gram4(p + i), k1 = gram4(p + i + 1);
		int f0 = filter(lm, k0), f1 = filter(lm, k1);

		if ((f0 | f1) == 0)
			continue;
		if (f0 && at(cls, lm, k0, p, len, i) != 0)
			return -1;
		if (f1 && at(cls, lm, k1, p, len, i + 1) != 0)
			return -1;
	}
	/* invariant: i + 4 <= len */
	for (; i + 4 <= len; i++) {
		uint32_t k = gram4(p + i);

		if (filter(lm, k) && at(cls, lm, k, p, len, i) != 0)
			return -1;
	}
	if (lm->has3) {
		uint32_t k = gram3(lm, p + len - 3);

		if (filter(lm, k) && probe(cls, lm, k, p, len, len - 3) != 0)
			return -1;
	}
	return 0;
}

/* bk__classify_lm_free - release what @lm holds (not @lm) */
void
bk__classify_lm_free(struct bk__classify_lm *lm)
{
	size_t i;

	if (lm->blob != NULL) {
		free(lm->blob);    /* the texts of every literal */
	} else {
		for (i = 0; i < lm->nlit; i++)
			free(lm->lit[i].low);
	}
	free(lm->lit);
	free(lm->slot);
	lm->blob = NULL;
	hs_free_database(lm->db_re);
	lm->lit = NULL;
	lm->slot = NULL;
	lm->db_re = NULL;
	lm->nlit = lm->caplit = 0;
}
