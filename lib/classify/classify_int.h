/*
 * classify_int.h - the compiled rule set shared by the classifier's files.
 *
 * A rule set is read from one or more rules files (see bouncekit-rules(5))
 * into plain structures held in one arena, then every text pattern of every
 * phrase list is compiled into a single Vectorscan block-mode database.
 *
 * Invariants:
 *   - cls->rules is sorted by priority, highest first; equal priorities keep
 *     file order, so the first rule whose conditions all hold decides.
 *   - every pattern belongs to exactly one phrase list ("group"); a rule's
 *     own text/regex lines form an anonymous group of their own.
 *   - the scan state (group hit bits and offsets) lives in the classifier and
 *     is reset per record: one classifier per thread.
 */
#ifndef BK_CLASSIFY_INT_H
#define BK_CLASSIFY_INT_H

#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

#include "bouncekit/classify.h"
#include "bouncekit/errors.h"
#include "bouncekit/limits.h"
#include "bouncekit/record.h"
#include "util/util_int.h"

/* Format version of the rules language; part of any compiled-cache key. */
#define BK__CLASSIFY_FORMAT 1

/*
 * Format version of the embedded pattern database (tools/classify_dbgen.c):
 * how patterns become Vectorscan expressions, flags and ids.  Change it
 * whenever bk__classify_compile() changes what it hands to the compiler.
 */
#define BK__CLASSIFY_DB_FORMAT 4

/* Bounds on one stanza of a rules file (errors past them, not truncation). */
#define BK__CLASSIFY_MAX_VALUES BK_LIMIT_RULE_VALUES
#define BK__CLASSIFY_MAX_SAMPLES BK_LIMIT_RULE_SAMPLES
#define BK__CLASSIFY_MAX_PATTERNS BK_LIMIT_RULE_PATTERNS
/*
 * Vectorscan ids of gate literals (classify_match.c): this and up, far
 * above any pattern index, so a user file's patterns never collide with
 * the gates of the embedded database.
 */
#define BK__CLASSIFY_GATE_ID 0x40000000u
#define BK__CLASSIFY_MAX_RULES BK_LIMIT_RULES
#define BK__CLASSIFY_MAX_LINE BK_LIMIT_RULES_LINE_BYTES

/* Priority at and above which a rule outranks a decoder's reason hint. */
#define BK__CLASSIFY_PRIO_KIND 1000
/* Band of provider-specific rules: outrank generic text. */
#define BK__CLASSIFY_PRIO_PROVIDER 900
/* Band of generic text-and-status rules (phase 1). */
#define BK__CLASSIFY_PRIO_TEXT 600
/*
 * Where a weak reason hint (userunknown, hostunknown, expired, ...)
 * stands when no phase-1 rule has its reason: below the phrase lists of
 * phase 2 (481-499), above the status-code rules (470 and down).  Sisimai
 * re-checks such a decoder reason with its phrase lists, not with the
 * bare status code.
 */
#define BK__CLASSIFY_PRIO_WEAK_HINT 479

/* A sample line with the facts that go with it (must / mustnot). */
struct bk__classify_sample {
	const char *text;
	size_t len;
	const char *command;       /* NULL: as parsed from the text */
	const char *host;
	const char *status;
	const char *diagtype;
	const char *action;
	const char *decoder;
	int reply;                 /* -1: as parsed from the text */
	int kind;                  /* -1: bounce */
	unsigned line;
};

/* A phrase list: the patterns of a `phrases` stanza or of one rule. */
struct bk__classify_group {
	const char *name;
	const char *file;
	unsigned line;
	int anonymous;             /* a rule's own text lines */
	int except;                /* group that cancels this one, or -1 */
	size_t npatterns;
	struct bk__classify_sample *must, *mustnot;
	size_t nmust, nmustnot;
};

struct bk__classify_pattern {
	const char *expr;          /* as written in the file */
	size_t len;
	int regex;                 /* 0: literal phrase */
	uint32_t group;
	const char *file;
	unsigned line;
};

/* A reply-code condition: lo..hi inclusive; lo == 0 means "none". */
struct bk__classify_range {
	int lo, hi;
};

struct bk__classify_rule {
	const char *id;
	const char *file;
	unsigned line;
	size_t order;              /* load order, for a stable sort */
	int detail;                /* `detail` stanza: no reason, a cause */
	bk_reason reason;
	int priority;
	unsigned kinds;            /* bit (1 << bk_kind); 0: any kind */

	/* each list: any value may match; an empty list is no condition */
	const char **status, **not_status;
	size_t nstatus, nnot_status;
	struct bk__classify_range *reply, *not_reply;
	size_t nreply, nnot_reply;
	const char **command, **not_command;
	size_t ncommand, nnot_command;
	const char **host;
	size_t nhost;
	const char **diagtype;
	size_t ndiagtype;
	const char **action;
	size_t naction;
	const char **decoder;
	size_t ndecoder;
	uint32_t *match, *unless;  /* group indexes */
	size_t nmatch, nunless;
	uint32_t *seen;            /* provider entries (cls->know indexes) */
	size_t nseen;

	/* verdict details, copied into the record */
	const char *category, *cause, *provider, *provider_code, *blocklist;
	/* id and the details as slices (absent: BK_STR_NULL), at finish */
	struct {
		bk_str id, category, cause, provider, provider_code, blocklist;
	} str;
	int cause_know;            /* the cause's entry (know_find), or -1 */
	bk_responsible responsible;
	bk_retry retry;
	int confidence;

	struct bk__classify_sample *must, *mustnot;
	size_t nmust, nmustnot;
};

/* Facts of one record, normalised once before the rules are evaluated. */
struct bk__classify_facts {
	bk_kind kind;
	bk_str status;             /* given, or found in the text */
	int status_from_text;
	int reply;                 /* given, or found in the text; 0 none */
	bk_str command;
	bk_str host;               /* remote MTA without brackets/dot */
	bk_str rcpt_domain;
	bk_str diagtype;
	bk_str action;
	const char *decoder;
	size_t decoder_len;        /* strlen(decoder), 0 when NULL */
	bk_str text;               /* what is scanned */
	int provider;              /* recognised provider (cls->know), -1 */
	int blocklist;             /* named blocklist (cls->know), -1 */
};

/* Kinds of knowledge entries (stanzas cause, category, provider, blocklist). */
enum {
	BK__KNOW_CAUSE = 1,
	BK__KNOW_CATEGORY,
	BK__KNOW_PROVIDER,
	BK__KNOW_BLOCKLIST
};

/*
 * A knowledge entry: what a cause, a category of causes, a receiving
 * provider or a blocklist means and what to do about it.  Text fields are
 * NUL-terminated strings in the classifier's arena; lists are exact-size
 * arena arrays.  A later file's entry of the same type and id replaces the
 * earlier one (the old one is hidden: id NULL).
 */
struct bk__classify_know {
	int type;
	const char *id;
	const char *file;
	unsigned line;
	const char *name;          /* display name / title */
	const char *about;         /* what it means */
	const char *category;      /* cause: its category id */
	const char *cause;         /* blocklist: the cause a listing is */
	const char *kind;          /* provider: mailbox or gateway */
	const char *lookup;        /* blocklist: where to look an IP up */
	const char *delist;        /* blocklist: how to get off it */
	const char *retry_text;    /* category: retry advice */
	const char *who;           /* category: who acts */
	bk_responsible responsible;
	bk_retry retry;
	int retry_after;           /* seconds */
	uint64_t reasons;          /* cause: default for these reasons */
	const char **host, **check, **fix, **link, **related, **zone;
	size_t nhost, ncheck, nfix, nlink, nrelated, nzone;
	int group;                 /* marker phrase list, -1 none */
	struct bk__classify_sample *must, *mustnot;
	size_t nmust, nmustnot;
	/* id, category and cause as slices (absent: BK_STR_NULL), at finish */
	struct {
		bk_str id, category, cause;
	} str;
	/*
	 * The entry of the cause this entry names (a blocklist's cause; a
	 * cause's own id), as bk__classify_know_find() gives it, or -1.
	 */
	int cause_know;
};

/* Most literal factors required of one gated expression (<= 8). */
#define BK__CLASSIFY_GATE_FACTORS 4

/* A gated regular expression: its own database, its factor bits. */
struct bk__classify_gated {
	hs_database_t *db;
	uint32_t pattern;          /* index into cls->patterns */
	uint8_t full;              /* all factor bits */
};

/* A factor a distinct gate literal stands for, chained per literal. */
struct bk__classify_gtarget {
	uint32_t slot;             /* gated expression * 8 + factor */
	uint32_t next;             /* next target of the literal, or none */
};

/*
 * The literal matcher (classify_lits.c) of one pattern range: its literal
 * phrases and gate literals, each filed under one "anchor", a 4-byte gram
 * of it (3 bytes for a 3-byte literal) chosen rare, ASCII case folded by
 * OR 0x20 per byte.  A scan looks at every gram of the text: a bit filter
 * (2^17 bits), then the anchor table, then a compare of each literal filed
 * under that anchor.  db_re holds the range's expressions that have no
 * gate factor (the rest of its always-scanned database).
 */
struct bk__classify_lit {
	unsigned char *low;        /* the literal, ASCII lower case (owned,
				    * or in the lm's blob once built) */
	unsigned char *fold;       /* 0x20 where low has a letter, else 0 */
	uint32_t len;
	uint32_t off;              /* where its anchor starts */
	uint32_t id;               /* pattern id, or BK__CLASSIFY_GATE_ID + k */
	uint32_t next;             /* next literal of the anchor, UINT32_MAX */
	uint32_t group;            /* its list (a pattern's), at build */
};

struct bk__classify_lslot {
	uint32_t key;              /* folded anchor, 0: empty slot */
	uint32_t head;             /* its first literal */
};

#define BK__CLASSIFY_LM_BITS 17    /* filter: 2^17 bits, 16 KiB */

struct bk__classify_lm {
	struct bk__classify_lit *lit;
	size_t nlit, caplit;
	/* once built: every literal's low and fold texts, one after the
	 * other in the order the anchors' chains are walked (lit[] too) */
	unsigned char *blob;
	struct bk__classify_lslot *slot;   /* open addressing, pow2 */
	unsigned slotbits;
	int has3;                  /* some literal is 3 bytes long */
	uint32_t m3;               /* a key's first 3 bytes (host order) */
	uint64_t bits3[64];        /* filter of the 3-byte keys alone */
	int unusable;              /* a literal shorter than 3 bytes */
	hs_database_t *db_re;      /* expressions without a gate factor */
	uint64_t bits[(1u << BK__CLASSIFY_LM_BITS) / 64];
};

/* A provider host suffix and the provider listing it. */
struct bk__classify_pkey {
	const char *key;           /* NULL: empty slot */
	size_t len;
	uint64_t hash;             /* suffix_hash() order: from the end */
	int know;
};

/* A list of rule indexes (into cls->rules, sorted ascending). */
struct bk__classify_ilist {
	uint32_t *v;
	size_t n, cap;
};

/*
 * An index key: 'd' decoder, 'h' host suffix, 's' status (or prefix);
 * 'c' command, 't' diagnostic type, 'a' action (fact masks only).
 */
struct bk__classify_ikey {
	char *key;                 /* type byte, then the lower-case value */
	size_t len;
	struct bk__classify_ilist rules;
	uint32_t mask;             /* 'd' 'c' 't' 'a': its fmask, 0 none */
	/* 'h', 's': every rule naming it (a status: in `not-status` too) */
	struct bk__classify_ilist named, not_named;
};

/* Longest host or recipient domain whose host marks are kept for the
 * next record (a host name is at most 253 bytes). */
#define BK__CLASSIFY_HOST_MEMO 256

/*
 * Fact masks (build_masks, classify_match.c): per fact known before the
 * scan (kind, reply code, decoder, command, diagnostic type, action) and
 * for the provider recognised after it, the bitmap (candwords words) of
 * the rules whose condition on that fact holds for a value.  fmask[0] is
 * every rule (a fact no rule can refuse).  Hosts and statuses: the rules
 * naming a suffix of the remote host or recipient domain, or the status
 * or a prefix of it (ikey.named, not_named), are added to (taken from)
 * those without such a condition.
 */
struct bk__classify_fmasks {
	uint64_t *m;               /* n bitmaps of words words each */
	size_t n, cap, words;
	uint32_t kind[BK_KIND_COUNT_];
	uint16_t reply[600];       /* per reply code 0..599 */
	uint32_t dec_none, cmd_none, diag_none, act_none;  /* fact absent */
	uint32_t dec_other, cmd_other, diag_other, act_other; /* unnamed */
	uint64_t *by_kind;         /* per kind: the always and kind lists */
	uint32_t *seen;            /* per knowledge entry (provider) */
	uint32_t seen_other;       /* no provider, or one no rule names */
	/* this record's: kind, reply, decoder, command, diagtype, action */
	const uint64_t *part[6];
	uint64_t *host;            /* rules without a host condition */
	uint64_t *hostok;          /* rules naming the record's hosts */
	/*
	 * Statuses: rules without a status condition, rules naming "none"
	 * or "*" (in status / not-status), and per record the rules whose
	 * status (spos) or not-status (sneg) names its status.
	 */
	uint64_t *sbase, *spos_none, *sneg_none, *spos_any, *sneg_any;
	uint64_t *spos, *sneg;
	int exact;                 /* the bitmaps are exact for this record */
	/*
	 * Rules with a value too long for an index key: in every bitmap of
	 * that fact, so their conditions are tested one by one.
	 */
	uint64_t *loose;
	/*
	 * The last command, diagnostic type and action looked up, as given
	 * (len 0: none): records of one source repeat a few values.
	 */
	struct {
		unsigned char v[16];
		size_t len;
		uint32_t mask;
	} memo[3];
	/*
	 * hostok, and the candidates' bits, of the last record's host and
	 * recipient domain, as given (the records of one report repeat
	 * them): hlen, dlen BK__CLASSIFY_HOST_MEMO + 1 when not kept
	 */
	uint64_t *hostok_memo, *cand_memo;
	unsigned char memo_host[BK__CLASSIFY_HOST_MEMO];
	unsigned char memo_dom[BK__CLASSIFY_HOST_MEMO];
	size_t memo_hlen, memo_dlen;
	/* the provider of the last host [0] and recipient domain [1] looked
	 * up (bk__classify_recognise), as given; len as above */
	struct {
		unsigned char v[BK__CLASSIFY_HOST_MEMO];
		size_t len;
		int provider;
	} pmemo[2];
};

struct bk_classifier {
	bk__arena *arena;
	struct bk__classify_rule *rules;
	size_t nrules, caprules;
	struct bk__classify_group *groups;
	size_t ngroups, capgroups;
	struct bk__classify_pattern *patterns;
	size_t npatterns, cappatterns;

	/* knowledge: causes, categories, providers, blocklists */
	struct bk__classify_know *know;
	size_t nknow, capknow;
	int reason_cause[BK_REASON_COUNT_];    /* default cause per reason */
	const struct bk__classify_rule *detail; /* of the last decide() */

	/* priority at which a weak reason hint stands, per reason */
	int hint_priority[BK_REASON_COUNT_];

	/*
	 * Two databases: db holds patterns [0, nbuiltin) (the built-in rules,
	 * deserialised from the embedded blob when it fits, else compiled),
	 * db_user holds [nbuiltin, npatterns) (a user rules file, compiled at
	 * load).  Pattern ids are global in both.  A user file's patterns
	 * always belong to its own phrase lists, so each list lives in one
	 * database and "first match of a list" means the same as in one.
	 */
	hs_database_t *db, *db_user;
	/*
	 * The literal gate (classify_match.c): a regular expression with
	 * required literal factors (up to BK__CLASSIFY_GATE_FACTORS, found
	 * at load by gate_factors()) is not in db / db_user but compiled
	 * alone (gated[j].db); its factors are literals in db / db_user, each
	 * distinct literal once (gate_head below).  A scan sets
	 * gate_mask[j] bit by bit, and runs gated[j].db only when all its
	 * factors matched (gate_mask[j] == gated[j].full).  Expressions
	 * without a usable factor stay in db / db_user, scanned always.
	 */
	struct bk__classify_gated *gated;
	/*
	 * db_all / db_user_all: every pattern in one database as before the
	 * gate, scanned again only when a gated match ends where its list's
	 * first match ends (tie), whose order only one database can tell.
	 */
	hs_database_t *db_all, *db_user_all;
	int tie;
	int no_gate;               /* unit test: scan db_all, no gate */
	size_t ties;               /* rescans (statistics) */
	size_t ngated, capgated;   /* built-in ones first, then the user's */
	size_t ngates;             /* gate literals compiled (statistics) */
	/*
	 * Distinct gate literals: literal k (Vectorscan id
	 * BK__CLASSIFY_GATE_ID + k) stands for the factors chained from
	 * gate_head[k] through gtargets (UINT32_MAX ends a chain).
	 */
	uint32_t *gate_head;
	size_t nglits, capglits;
	struct bk__classify_gtarget *gtargets;
	size_t ngtargets, capgtargets;
	/*
	 * lm[0] built-in patterns, lm[1] a user file's: the literal scan
	 * that stands in for db / db_user (bk__classify_scan()); lm_ok when
	 * both are usable.  db / db_user stay for the rare line whose first
	 * matches only their order can tell (lm_bad).
	 */
	struct bk__classify_lm lm[2];
	int lm_ok, lm_bad;
	size_t lm_fallbacks;       /* lines scanned again (statistics) */
	uint8_t *gate_mask;        /* ngated: factors seen this scan */
	uint32_t *touched;         /* ngated: gated[j] with a factor seen */
	size_t ntouched;
	hs_scratch_t *scratch;
	size_t nbuiltin;           /* patterns of the built-in rules */
	int builtin;               /* built-in rules loaded */
	int db_embedded;           /* db came from the embedded blob */
	double compile_ms;         /* hs_compile_multi, both databases */
	double load_ms;            /* hs_deserialize_database + checks */

	/*
	 * Candidate index (build_index, classify_match.c): each rule is filed
	 * under one condition it cannot hold without -- a phrase list it
	 * matches, its decoder, a host suffix, a status, its kinds -- or,
	 * when it has none of these, in the always list.  A record's
	 * candidates are the union of the lists its facts select; only those
	 * rules are tried, in priority order (a bitmap over rule indexes).
	 */
	struct bk__classify_ilist *by_group;   /* ngroups lists */
	struct bk__classify_ilist *by_kind;    /* BK_KIND_COUNT_ lists */
	struct bk__classify_ilist always;
	struct bk__classify_ikey *keys;        /* decoder / host / status */
	size_t nkeys, capkeys;                 /* open addressing, pow2 */
	uint64_t *cand;                        /* one bit per rule */
	size_t candwords;
	struct bk__classify_fmasks fm;
	/*
	 * Who needs a list's hits (build_demand): the rules that match or
	 * are unless it, or whose list it cancels (except); users[g] lists
	 * them, marker[g] says a provider or blocklist needs it (its markers,
	 * or what cancels them).  A gated expression is scanned only when
	 * its list is needed by a rule the facts allow, or is a marker.
	 */
	struct bk__classify_ilist *users;      /* ngroups lists */
	uint8_t *marker;                       /* ngroups flags */
	/*
	 * Pruning the gated scans by priority (prune_gated, classify_match.c):
	 * noseen, the rules without a `seen` condition (their holding does
	 * not wait for the provider); unstable, scratch of candwords words.
	 */
	uint64_t *noseen, *unstable;
	const struct bk__classify_facts *facts; /* decide()'s, in its scan */

	/*
	 * Knowledge index (build_know_index, classify_match.c), so that a
	 * record's provider and blocklist cost a few probes, not a walk over
	 * every provider's hosts: pkeys maps each provider host suffix
	 * (ASCII case folded) to the first visible provider listing it (open
	 * addressing, hashed from the end, so that every suffix of a host is
	 * hashed in one backward pass); know_of_group maps a marker list to
	 * its provider or blocklist (-1); kfind maps (type, id) to the last
	 * visible entry, for bk__classify_know_find().
	 */
	struct bk__classify_pkey *pkeys;
	size_t cappkeys;
	int *know_of_group;                    /* ngroups entries */
	int *kfind;                            /* capkfind slots, -1 empty */
	size_t capkfind;

	/* scan state, reset per record */
	uint64_t *hit;             /* one bit per group */
	uint64_t *hit_gated;       /* first match set by a gated scan */
	size_t hitwords;
	size_t *hit_from, *hit_to; /* first match per group */
	/*
	 * amb[g]: two literal spans of list g end where its first match
	 * ends, so its start is the one the database (1: db, 2: db_user)
	 * reports first; worked out only when asked for
	 * (bk__classify_hit_from()).  Valid while g is hit; 0 otherwise.
	 */
	uint8_t *amb;
	uint32_t amb_g;            /* bk__classify_hit_from()'s list */
	size_t amb_from, amb_to;   /* and the first match found for it */
	size_t amb_scans;          /* starts asked of a database (statistics) */
	unsigned hits;             /* lists hit, capped */
	uint32_t hitlist[BK_LIMIT_RULE_HITS]; /* the lists hit, in order */
};

/* bk__classify_group_hit - phrase list @g matched and its exceptions not */
static inline int
bk__classify_group_hit(const bk_classifier *cls, uint32_t g)
{
	int ex;

	if ((cls->hit[g / 64] & ((uint64_t)1 << (g % 64))) == 0)
		return 0;
	ex = cls->groups[g].except;
	return ex < 0 ||
	    (cls->hit[ex / 64] & ((uint64_t)1 << (ex % 64))) == 0;
}

/*
 * bk__classify_ok_word - word @w of the rules whose conditions on the
 * record's facts hold (bitmaps set by bk__classify_decide())
 */
static inline uint64_t
bk__classify_ok_word(const struct bk__classify_fmasks *fm, size_t w)
{
	return fm->part[0][w] & fm->part[1][w] & fm->part[2][w] &
	    fm->part[3][w] & fm->part[4][w] & fm->part[5][w] &
	    (fm->host[w] | fm->hostok[w]) & (fm->sbase[w] | fm->spos[w]) &
	    ~fm->sneg[w];
}

/*
 * bk__classify_needed - does a rule whose conditions on the record's
 * facts hold (or a provider or blocklist) use list @g (build_demand)
 */
static inline int
bk__classify_needed(const bk_classifier *cls, uint32_t g)
{
	const struct bk__classify_ilist *u = &cls->users[g];
	size_t i;

	if (cls->marker[g])
		return 1;
	for (i = 0; i < u->n; i++)
		if ((bk__classify_ok_word(&cls->fm, u->v[i] / 64) >>
		    (u->v[i] % 64)) & 1)
			return 1;
	return 0;
}

/*
 * bk__classify_gate_hit - gate literal @k matched: each factor it stands
 * for (split_range(), classify_match.c) gets its bit.
 */
static inline void
bk__classify_gate_hit(bk_classifier *cls, size_t k)
{
	uint32_t t = k < cls->nglits ? cls->gate_head[k] : UINT32_MAX;

	/* invariant: t follows one chain; chains hold ngtargets */
	while (t < cls->ngtargets) {
		uint32_t slot = cls->gtargets[t].slot, j = slot / 8;

		if (cls->gate_mask[j] == 0)
			cls->touched[cls->ntouched++] = j;
		cls->gate_mask[j] |= (uint8_t)(1u << (slot & 7));
		t = cls->gtargets[t].next;
	}
}

/* classify_lits.c */
int bk__classify_lm_add(struct bk__classify_lm *lm, const char *p,
    size_t len, uint32_t id);
int bk__classify_lm_build(const bk_classifier *cls,
    struct bk__classify_lm *lm);
int bk__classify_lm_scan(bk_classifier *cls, const struct bk__classify_lm *lm,
    const char *text, size_t len);
void bk__classify_lm_free(struct bk__classify_lm *lm);

/* classify_rules.c */
int bk__classify_load(bk_classifier *cls, const char *name, const char *text,
    size_t len, char **errmsg_out);
int bk__classify_finish(bk_classifier *cls, char **errmsg_out);
int bk__classify_errmsg(char **errmsg_out, const char *file, unsigned line,
    const char *fmt, ...);

/* classify_match.c */
int bk__classify_compile(bk_classifier *cls, char **errmsg_out);
void bk__classify_index_free(bk_classifier *cls);
uint64_t bk__classify_rules_hash(void);
void bk__classify_scan(bk_classifier *cls, const char *text, size_t len);
size_t bk__classify_hit_from(bk_classifier *cls, uint32_t g, const char *text,
    size_t len);
void bk__classify_scan_for(bk_classifier *cls, const char *text, size_t len,
    int by_facts);
int bk__classify_rule_holds(const bk_classifier *cls,
    const struct bk__classify_rule *r, const struct bk__classify_facts *f);
const struct bk__classify_rule *bk__classify_decide(bk_classifier *cls,
    struct bk__classify_facts *f);
void bk__classify_recognise(bk_classifier *cls,
    struct bk__classify_facts *f);
int bk__classify_know_find(const bk_classifier *cls, int type,
    const char *id, size_t len);
int bk__classify_know_lookup(const bk_classifier *cls, int type,
    const char *id, size_t len);

/* classify_reply.c */
int bk__classify_parse_reply(bk_record *out, const char *line, size_t len);
size_t bk__classify_find_status(const char *p, size_t len, size_t *at);
int bk__classify_find_reply(const char *p, size_t len, int cls_digit);

/* classify_verdict.c */
#define BK__CLASSIFY_NO_TEXT_STATUS 1u  /* diagnostic has no RFC 3463 code */
#define BK__CLASSIFY_NO_TEXT_REPLY 2u   /* diagnostic has no reply code */
void bk__classify_facts_init(struct bk__classify_facts *f,
    const bk_record *rec, unsigned known);

/*
 * bk__classify_check_samples - run every rule's and phrase list's must and
 * mustnot samples.  Returns the number of failures; each is described by a
 * call to @report (may be NULL) with a printable message.
 */
size_t bk__classify_check_samples(bk_classifier *cls,
    void (*report)(void *ctx, const char *msg), void *ctx);

/* bk__classify_compile_ms - wall time the pattern database took to build. */
double bk__classify_compile_ms(const bk_classifier *cls);

/* bk__classify_db_source - "embedded", "compiled" or "none" (built-ins). */
const char *bk__classify_db_source(const bk_classifier *cls);

/* bk__classify_pattern_count - patterns in the database. */
size_t bk__classify_pattern_count(const bk_classifier *cls);

/*
 * The embedded pattern databases, generated by tools/classify_dbgen.c from
 * the built-in rules: hs_serialize_database() output of db and of each
 * gated expression's database, keyed.  It is used
 * only when format, rules_hash and npatterns all agree with the running
 * library and Vectorscan accepts it (version and platform); otherwise the
 * patterns are compiled at load.  len 0: no blob.
 */
struct bk__embedded_db {
	unsigned format;           /* BK__CLASSIFY_DB_FORMAT */
	unsigned long long rules_hash; /* bk__classify_rules_hash() */
	size_t npatterns;
	const char *blob;          /* literals, gates, ungated expressions */
	size_t len;
	const char *blob_re;       /* the gated expressions' databases, */
	const size_t *re_len;      /* one after the other, nre of them */
	size_t nre;
	const char *blob_all;      /* all patterns in one (for ties) */
	size_t len_all;
	const char *blob_ure;      /* the ungated expressions (lm[0].db_re) */
	size_t len_ure;
};
extern const struct bk__embedded_db bk__classify_db_embedded;

/* the embedded rules, generated by tools/embed.cmake */
struct bk__embedded_rules {
	const char *name;
	const char *text;
	size_t len;
};
extern const struct bk__embedded_rules bk__rules_embedded[];

#endif /* BK_CLASSIFY_INT_H */
