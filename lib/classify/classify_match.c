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

/*
 * compile_range - compile patterns [first, first + n) into *@db.  Pattern
 * ids are the global indexes into cls->patterns.
 */
static int
compile_range(bk_classifier *cls, size_t first, size_t n, hs_database_t **db,
    char **errmsg_out)
{
	hs_compile_error_t *err = NULL;
	const char **exprs = NULL;
	unsigned *flags = NULL, *ids = NULL;
	char **owned = NULL;
	size_t i;
	double t0;
	int rc = 0;

	*db = NULL;
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
		const struct bk__classify_pattern *pt;

		pt = &cls->patterns[first + i];

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
		ids[i] = (unsigned)(first + i);
	}
	t0 = now_ms();
	if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK,
	    NULL, db, &err) != HS_SUCCESS) {
		if (err != NULL && err->expression >= 0 &&
		    (size_t)err->expression < n) {
			const struct bk__classify_pattern *pt =
			    &cls->patterns[first + (size_t)err->expression];

			rc = bk__classify_errmsg(errmsg_out, pt->file, pt->line,
			    "pattern \"%s\" does not compile: %s", pt->expr,
			    err->message);
		} else
			rc = bk__classify_errmsg(errmsg_out, "rules", 0,
			    "pattern database does not compile: %s",
			    err ? err->message : "unknown error");
		hs_free_compile_error(err);
		*db = NULL;
		goto out;
	}
	cls->compile_ms += now_ms() - t0;
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

/*
 * load_embedded - the built-in patterns from the embedded blob.  Returns 0
 * with cls->db set, or -1 when the blob is absent, keyed for other rules,
 * or not accepted by the running Vectorscan (version, platform): the
 * caller then compiles.
 */
static int
load_embedded(bk_classifier *cls)
{
	const struct bk__embedded_db *e = &bk__classify_db_embedded;
	const char *ver = hs_version();
	char *info = NULL;
	size_t vlen;
	double t0 = now_ms();
	int ok;

	if (e->len == 0 || e->blob == NULL ||
	    e->format != BK__CLASSIFY_DB_FORMAT ||
	    e->npatterns != cls->nbuiltin ||
	    e->rules_hash != bk__classify_rules_hash())
		return -1;
	/* "Version: 5.4.9 Features: AVX2 Mode: BLOCK" against "5.4.9 ..." */
	if (hs_serialized_database_info(e->blob, e->len, &info) != HS_SUCCESS)
		return -1;
	vlen = strcspn(ver, " ");
	ok = strncmp(info, "Version: ", 9) == 0 &&
	    strncmp(info + 9, ver, vlen) == 0 && info[9 + vlen] == ' ' &&
	    strstr(info, "Mode: BLOCK") != NULL;
	free(info);  /* allocated with the default misc allocator (malloc) */
	if (!ok)
		return -1;
	if (hs_deserialize_database(e->blob, e->len, &cls->db) != HS_SUCCESS) {
		cls->db = NULL;
		return -1;
	}
	/* a database built for CPU features this machine lacks */
	if (hs_alloc_scratch(cls->db, &cls->scratch) != HS_SUCCESS) {
		hs_free_database(cls->db);
		cls->db = NULL;
		return -1;
	}
	cls->db_embedded = 1;
	cls->load_ms = now_ms() - t0;
	return 0;
}

/*
 * bk__classify_compile - the pattern databases and the scratch: the
 * built-in patterns from the embedded blob when it fits, else compiled;
 * a user file's patterns compiled.
 */
int
bk__classify_compile(bk_classifier *cls, char **errmsg_out)
{
	size_t nb = cls->builtin ? cls->nbuiltin : 0;
	int rc;

	cls->hitwords = (cls->ngroups + 63) / 64;
	cls->hit = calloc(cls->hitwords ? cls->hitwords : 1, sizeof(*cls->hit));
	cls->hit_from = calloc(cls->ngroups ? cls->ngroups : 1,
	    sizeof(*cls->hit_from));
	cls->hit_to = calloc(cls->ngroups ? cls->ngroups : 1,
	    sizeof(*cls->hit_to));
	if (cls->hit == NULL || cls->hit_from == NULL || cls->hit_to == NULL)
		return BK_ENOMEM;
	if (nb > 0 && load_embedded(cls) != 0) {
		rc = compile_range(cls, 0, nb, &cls->db, errmsg_out);
		if (rc != 0)
			return rc;
	}
	rc = compile_range(cls, nb, cls->npatterns - nb, &cls->db_user,
	    errmsg_out);
	if (rc != 0)
		return rc;
	/* one scratch, grown to fit both databases */
	if (cls->db != NULL && hs_alloc_scratch(cls->db, &cls->scratch) !=
	    HS_SUCCESS)
		return BK_ENOMEM;
	if (cls->db_user != NULL && hs_alloc_scratch(cls->db_user,
	    &cls->scratch) != HS_SUCCESS)
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
	return 0;
}

/*
 * bk__classify_scan - match every pattern against @text once.  Clearing
 * the hit bits costs only the lists hit by the previous scan.
 */
void
bk__classify_scan(bk_classifier *cls, const char *text, size_t len)
{
	unsigned i;

	for (i = 0; i < cls->hits; i++)
		cls->hit[cls->hitlist[i] / 64] = 0;
	cls->hits = 0;
	if (text == NULL || len == 0)
		return;
	if (len > BK_LIMIT_LINE_BYTES)
		len = BK_LIMIT_LINE_BYTES;
	/* HS_SCAN_TERMINATED (hit cap) and errors both keep the hits so far */
	if (cls->db != NULL && hs_scan(cls->db, text, (unsigned)len, 0,
	    cls->scratch, on_match, cls) == HS_SCAN_TERMINATED)
		return;
	if (cls->db_user != NULL)
		(void)hs_scan(cls->db_user, text, (unsigned)len, 0,
		    cls->scratch, on_match, cls);
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
	if (r->nseen) {
		for (i = 0; i < r->nseen; i++)
			if (f->provider >= 0 &&
			    r->seen[i] == (uint32_t)f->provider)
				break;
		if (i == r->nseen)
			return 0;
	}
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

/* Longest index key value (host suffix, decoder, status). */
#define KEY_MAX 255

/* key_hash - FNV-1a of a key */
static size_t
key_hash(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h ^ (h >> 32));
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

/* key_find - the slot of key (@type, @p, @len); *@found says if present */
static size_t
key_find(const bk_classifier *cls, const char *k, size_t len, int *found)
{
	size_t mask = cls->capkeys - 1, i = key_hash(k, len) & mask;

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

/* key_add - file rule @r under key @type + @p (lower-cased when @fold) */
static int
key_add(bk_classifier *cls, int type, const char *p, size_t len, int fold,
    uint32_t r)
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
	return ilist_add(&cls->keys[slot].rules, r);
}

/* key_mark - set the candidate bits of the rules under one key */
static void
key_mark(bk_classifier *cls, const char *k, size_t len)
{
	const struct bk__classify_ilist *l;
	size_t i, slot;
	int found;

	if (cls->nkeys == 0)
		return;
	slot = key_find(cls, k, len, &found);
	if (!found)
		return;
	l = &cls->keys[slot].rules;
	for (i = 0; i < l->n; i++)
		cls->cand[l->v[i] / 64] |= (uint64_t)1 << (l->v[i] % 64);
}

/* list_mark - set the candidate bits of a rule list */
static void
list_mark(bk_classifier *cls, const struct bk__classify_ilist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		cls->cand[l->v[i] / 64] |= (uint64_t)1 << (l->v[i] % 64);
}

/* host_mark - rules filed under any suffix that host_is() would accept */
static void
host_mark(bk_classifier *cls, bk_str h)
{
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
			key_mark(cls, k + (i - off), n + 1);
			k[i - off] = i == off ? 'h' :
			    (char)bk__lower((unsigned char)h.ptr[i - 1]);
		}
	}
}

/* status_mark - rules filed under the status or a prefix ending in '.' */
static void
status_mark(bk_classifier *cls, bk_str st)
{
	char k[KEY_MAX + 1];
	size_t i, n;

	if (st.ptr == NULL || st.len == 0)
		return;
	/* filed prefixes are shorter than KEY_MAX; longer codes only by them */
	n = st.len < KEY_MAX ? st.len : KEY_MAX;
	k[0] = 's';
	memcpy(k + 1, st.ptr, n);
	for (i = 0; i < n; i++)
		if (st.ptr[i] == '.')
			key_mark(cls, k, i + 2);
	if (st.len <= KEY_MAX)
		key_mark(cls, k, st.len + 1);
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

		bound += r->ndecoder + r->nhost + r->nstatus;
	}
	/* audit: bound <= 3 * MAX_VALUES * MAX_RULES, far from overflow */
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

/* bk__classify_index_free - release the candidate index */
void
bk__classify_index_free(bk_classifier *cls)
{
	size_t i;

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
		}
	free(cls->by_group);
	free(cls->by_kind);
	free(cls->keys);
	free(cls->always.v);
	free(cls->cand);
}

/*
 * bk__classify_decide - scan the text, return the first rule that holds.
 * Only the candidates the facts select are tried (build_index), in
 * priority order; any rule that holds is among them, so the result is the
 * one a walk over all rules would find.
 */
const struct bk__classify_rule *
bk__classify_decide(bk_classifier *cls, struct bk__classify_facts *f)
{
	const struct bk__classify_rule *found = NULL;
	char k[KEY_MAX + 1];
	size_t i, w;
	unsigned h;

	bk__classify_scan(cls, f->text.ptr, f->text.len);
	bk__classify_recognise(cls, f);
	cls->detail = NULL;
	if (cls->nrules == 0)
		return NULL;
	memset(cls->cand, 0, cls->candwords * sizeof(*cls->cand));
	list_mark(cls, &cls->always);
	list_mark(cls, &cls->by_kind[f->kind]);
	for (h = 0; h < cls->hits; h++)
		list_mark(cls, &cls->by_group[cls->hitlist[h]]);
	if (f->decoder != NULL) {
		size_t n = strlen(f->decoder);

		if (n < KEY_MAX) {
			k[0] = 'd';
			for (i = 0; i < n; i++)
				k[i + 1] = (char)bk__lower(
				    (unsigned char)f->decoder[i]);
			key_mark(cls, k, n + 1);
		}
	}
	host_mark(cls, f->host);
	host_mark(cls, f->rcpt_domain);
	status_mark(cls, f->status);

	/*
	 * invariant: rules below w * 64 were either not candidates or failed
	 * (or are details, once the first detail that holds is known).  The
	 * walk ends at the first reason rule that holds; a detail that holds
	 * below it is still found, since the walk continues until both are
	 * known or the candidates run out.
	 */
	for (w = 0; w < cls->candwords; w++) {
		uint64_t bits = cls->cand[w];

		while (bits != 0) {
			size_t ri = w * 64 + (size_t)__builtin_ctzll(bits);
			const struct bk__classify_rule *r = &cls->rules[ri];

			bits &= bits - 1;
			if (r->detail ? cls->detail != NULL : found != NULL)
				continue;
			if (!bk__classify_rule_holds(cls, r, f))
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
 * bk__classify_recognise - the provider and the blocklist the facts name:
 * the provider with the longest host suffix of the remote MTA, else the
 * first provider whose markers matched the text, else the one with the
 * longest suffix of the recipient's domain; the
 * first blocklist (file order) whose zone or markers matched.  Needs a
 * scan of f->text first.
 */
void
bk__classify_recognise(const bk_classifier *cls,
    struct bk__classify_facts *f)
{
	size_t i, j, best = 0, best_rcpt = 0;
	int by_rcpt = -1, by_text = -1;

	f->provider = -1;
	f->blocklist = -1;
	for (i = 0; i < cls->nknow; i++) {
		const struct bk__classify_know *k = &cls->know[i];

		if (k->id == NULL)
			continue;
		if (k->type == BK__KNOW_BLOCKLIST) {
			if (f->blocklist < 0 && k->group >= 0 &&
			    bk__classify_group_hit(cls, (uint32_t)k->group))
				f->blocklist = (int)i;
			continue;
		}
		if (k->type != BK__KNOW_PROVIDER)
			continue;
		/* the longest suffix wins: mail.protection.outlook.com */
		for (j = 0; j < k->nhost; j++) {
			size_t n = strlen(k->host[j]);

			if (n > best && host_is(f->host, k->host[j])) {
				f->provider = (int)i;
				best = n;
			} else if (n > best_rcpt &&
			    host_is(f->rcpt_domain, k->host[j])) {
				by_rcpt = (int)i;
				best_rcpt = n;
			}
		}
		if (by_text < 0 && k->group >= 0 &&
		    bk__classify_group_hit(cls, (uint32_t)k->group))
			by_text = (int)i;
	}
	if (f->provider < 0)
		f->provider = by_text >= 0 ? by_text : by_rcpt;
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
	if (rc != 0)
		return rc;
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
