/*
 * bouncekit/check.h - DNS checks of the sending side: SPF (RFC 7208).
 *
 * An SPF evaluation is a bk_spf handle bound to a resolver.  It is a
 * state machine: bk_spf_start() queues the lookups it needs and returns;
 * the evaluation advances from the resolver's callbacks while the caller
 * runs bk_resolver_run(), so several evaluations (and other checks) share
 * one resolver and their lookups travel concurrently.  bk_spf_check() is
 * the one-call form.
 *
 * Include and redirect use an explicit stack whose depth is bounded by
 * the DNS-term limit; nothing recurses over the records.
 *
 * Thread safety: a bk_spf is used by one thread at a time, the thread
 * that runs its resolver.
 */
#ifndef BOUNCEKIT_CHECK_H
#define BOUNCEKIT_CHECK_H

#include <stddef.h>

#include "dns.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * SPF limits (to be merged into limits.h by its owner).
 * RFC 7208 4.6.4: at most 10 mechanisms and modifiers that query DNS
 * (include, a, mx, ptr, exists, redirect), and at most 2 of them may
 * return no answer ("void lookups"); past either, permerror.
 */
#define BK_LIMIT_SPF_DNS_TERMS 10
#define BK_LIMIT_SPF_VOID_LOOKUPS 2
/* RFC 7208 4.6.4: address lookups per mx mechanism (past: permerror) and
 * names used from a PTR answer (the rest are ignored). */
#define BK_LIMIT_SPF_MX_NAMES 10
#define BK_LIMIT_SPF_PTR_NAMES 10
/* A macro expansion longer than this is an error (RFC 7208 7.3 truncates
 * domain names to 253 octets; explanations are cut here). */
#define BK_LIMIT_SPF_EXPAND_BYTES 2048

/* X(code, name, text) */
#define BK_SPF_RESULT_LIST(X)                                              \
	X(0, BK_SPF_NONE, "none")                                          \
	X(1, BK_SPF_NEUTRAL, "neutral")                                    \
	X(2, BK_SPF_PASS, "pass")                                          \
	X(3, BK_SPF_FAIL, "fail")                                          \
	X(4, BK_SPF_SOFTFAIL, "softfail")                                  \
	X(5, BK_SPF_TEMPERROR, "temperror")                                \
	X(6, BK_SPF_PERMERROR, "permerror")

typedef enum bk_spf_result {
#define BK_SPF_RESULT_ENUM(code, name, text) name = (code),
	BK_SPF_RESULT_LIST(BK_SPF_RESULT_ENUM)
#undef BK_SPF_RESULT_ENUM
	BK_SPF_RESULT_COUNT_ = 7
} bk_spf_result;

/** bk_spf_result_name - "pass", "permerror"... (static). */
const char *bk_spf_result_name(bk_spf_result res);

#define BK_SPF_OPTIONS_VERSION 1

typedef struct bk_spf_options {
	unsigned version;          /* BK_SPF_OPTIONS_VERSION */
	unsigned max_dns_terms;    /* 0 = BK_LIMIT_SPF_DNS_TERMS */
	unsigned max_void_lookups; /* 0 = BK_LIMIT_SPF_VOID_LOOKUPS */
	const char *receiver;      /* %{r}; NULL = "unknown" */
	/* explanation when a fail has no usable exp=; NULL = none */
	const char *default_explanation;
	long long now;             /* %{t}; 0 = the current time */
} bk_spf_options;

#define BK_SPF_OPTIONS_INIT { BK_SPF_OPTIONS_VERSION, 0, 0, NULL, NULL, 0 }

typedef struct bk_spf bk_spf;

/**
 * bk_spf_new - prepare check_host(ip, domain, sender) (RFC 7208 4).
 * @param out     receives the evaluation; free with bk_spf_free().
 * @param r       the resolver (borrowed; must outlive the evaluation).
 * @param opts    options, or NULL for the defaults.
 * @param ip      the client address, IPv4 or IPv6 text (an IPv4-mapped
 *                IPv6 address is evaluated as IPv4).
 * @param sender  MAIL FROM; NULL or "" means postmaster@helo; a sender
 *                without '@' is taken as a domain, "@d" as postmaster@d.
 * @param helo    the HELO/EHLO name (%{h}), or NULL.
 * @param domain  the domain to check, or NULL for the sender's domain.
 * @return 0; BK_EINVAL when @ip does not parse or no domain is known;
 *         BK_ENOMEM.
 */
int bk_spf_new(bk_spf **out, bk_resolver *r, const bk_spf_options *opts,
    const char *ip, const char *sender, const char *helo,
    const char *domain);

/** bk_spf_free - release; NULL is accepted.  Pending lookups of a freed
 * evaluation must not be run: free it after bk_resolver_run() returned
 * or together with the resolver. */
void bk_spf_free(bk_spf *spf);

/* Called once when the evaluation has its result. */
typedef void (*bk_spf_callback)(void *arg, bk_spf *spf);

/**
 * bk_spf_start - begin; the result arrives while the resolver runs.
 * @param done  called when finished (may be NULL).
 * @return 0, BK_EINVAL when already started, BK_ENOMEM.
 */
int bk_spf_start(bk_spf *spf, bk_spf_callback done, void *arg);

/**
 * bk_spf_check - start and run the resolver until the result is known.
 * @return 0 (the verdict is in bk_spf_verdict()), BK_ENOMEM, BK_EIO.
 */
int bk_spf_check(bk_spf *spf);

/** bk_spf_is_done - 1 once the result is known. */
int bk_spf_is_done(const bk_spf *spf);

/** bk_spf_verdict - the check_host() result (BK_SPF_NONE until done). */
bk_spf_result bk_spf_verdict(const bk_spf *spf);

/**
 * bk_spf_explanation - for fail, the expanded exp= text of the domain
 * that failed (RFC 7208 6.2), or the default explanation; else NULL.
 * Owned by @spf.  Untrusted text: escape it before printing.
 */
const char *bk_spf_explanation(const bk_spf *spf);

/**
 * bk_spf_detail - one line saying why: the term that matched and where,
 * or the cause of a none, temperror or permerror ("include loop:
 * a.example -> b.example -> a.example").  Owned by @spf.
 */
const char *bk_spf_detail(const bk_spf *spf);

/** bk_spf_dns_terms - DNS-querying terms evaluated (the RFC count). */
unsigned bk_spf_dns_terms(const bk_spf *spf);

/** bk_spf_void_lookups - lookups that returned no answer. */
unsigned bk_spf_void_lookups(const bk_spf *spf);

/** bk_spf_domain - the domain checked (owned by @spf). */
const char *bk_spf_domain(const bk_spf *spf);


/* ------------------------------------------------------------------ */
/* DNS blocklists (RFC 5782) and reverse DNS of an address            */

/* Lists queried per check at most (the rest are ignored). */
#define BK_LIMIT_DNSBL_LISTS 64
/* Return codes described per list. */
#define BK_LIMIT_DNSBL_CODES 64

typedef struct bk_dnsbl_set bk_dnsbl_set;

/**
 * bk_dnsbl_set_new - load blocklist definitions.
 *
 * The format is line-based ('#' starts a comment):
 *   list ID ZONE ip|ip4|domain NAME...
 *   code ID|* VALUE listed|error MEANING...
 * "ip" lists take IPv4 and IPv6 queries, "ip4" only IPv4.  A code line
 * with '*' applies to every list.  Answers outside 127.0.0.0/8, and
 * 127.0.0.1 (RFC 5782 5), are always errors, never listings.
 * @param text  the definitions, or NULL for the built-in set.
 * @return 0; BK_ESYNTAX with "line N: why" in *errmsg_out (free());
 *         BK_ETOOBIG past the limits; BK_ENOMEM.
 */
int bk_dnsbl_set_new(bk_dnsbl_set **out, const char *text, size_t len,
    char **errmsg_out);

/** bk_dnsbl_set_free - release; NULL is accepted. */
void bk_dnsbl_set_free(bk_dnsbl_set *set);

/** bk_dnsbl_set_count - number of lists. */
size_t bk_dnsbl_set_count(const bk_dnsbl_set *set);

/* X(code, name, text) */
#define BK_DNSBL_STATE_LIST(X)                                             \
	X(0, BK_DNSBL_NOT_LISTED, "not listed")                            \
	X(1, BK_DNSBL_LISTED, "listed")                                    \
	X(2, BK_DNSBL_ERROR, "error answer (not a listing)")               \
	X(3, BK_DNSBL_FAILED, "lookup failed")                             \
	X(4, BK_DNSBL_SKIPPED, "not applicable")

typedef enum bk_dnsbl_state {
#define BK_DNSBL_STATE_ENUM(code, name, text) name = (code),
	BK_DNSBL_STATE_LIST(BK_DNSBL_STATE_ENUM)
#undef BK_DNSBL_STATE_ENUM
	BK_DNSBL_STATE_COUNT_ = 5
} bk_dnsbl_state;

/** bk_dnsbl_state_name - "listed", "not listed"... (static). */
const char *bk_dnsbl_state_name(bk_dnsbl_state st);

/* The verdict of one list; strings are owned by the bk_ipcheck. */
typedef struct bk_dnsbl_result {
	const char *id;            /* list id ("spamhaus-zen") */
	const char *zone;
	const char *name;          /* human name of the list */
	const char *query;         /* the name looked up */
	bk_dnsbl_state state;
	const char *code;          /* first answer ("127.0.0.2") or NULL */
	const char *meaning;       /* what the code means, or why error */
	const char *txt;           /* the list's TXT text, or NULL */
	bk_dns_status dns;         /* status of the A lookup */
} bk_dnsbl_result;

typedef struct bk_ipcheck bk_ipcheck;

/**
 * bk_ipcheck_new - prepare the checks of one address (or, for domain
 * lists, one domain): every list of @set, plus PTR and forward
 * confirmation for an address.
 * @param set  borrowed; NULL checks reverse DNS only.
 * @return 0; BK_EINVAL when @target is neither an address nor a domain;
 *         BK_ENOMEM.
 */
int bk_ipcheck_new(bk_ipcheck **out, bk_resolver *r, const bk_dnsbl_set *set,
    const char *target);

/** bk_ipcheck_free - release; NULL is accepted. */
void bk_ipcheck_free(bk_ipcheck *c);

/**
 * bk_ipcheck_start - queue every lookup; the results are complete once
 * bk_resolver_run() returned.
 * @return 0, BK_ENOMEM, BK_ETOOBIG (resolver queue full).
 */
int bk_ipcheck_start(bk_ipcheck *c);

/** bk_ipcheck_count - number of list results. */
size_t bk_ipcheck_count(const bk_ipcheck *c);

/** bk_ipcheck_result - list result @i (borrowed from @c). */
const bk_dnsbl_result *bk_ipcheck_result(const bk_ipcheck *c, size_t i);

/* Reverse DNS of the address (RFC 1912 2.1; FCrDNS). */
typedef struct bk_rdns {
	bk_dns_status ptr;         /* status of the PTR lookup */
	size_t count;              /* PTR names (at most 10 are kept) */
	const char *names[BK_LIMIT_SPF_PTR_NAMES];
	int confirmed[BK_LIMIT_SPF_PTR_NAMES];  /* forward lookup has ip */
	bk_dns_status forward[BK_LIMIT_SPF_PTR_NAMES];
	int fcrdns;                /* 1: some name is confirmed */
} bk_rdns;

/** bk_ipcheck_rdns - reverse DNS result, NULL for a domain target. */
const bk_rdns *bk_ipcheck_rdns(const bk_ipcheck *c);

/* ------------------------------------------------------------------ */
/* The sending domain: MX, SPF record and include tree, DMARC          */

/* SPF records fetched for one include tree at most. */
#define BK_LIMIT_SPF_TREE_NODES 64

/* One record of the SPF include tree (pre-order). */
typedef struct bk_spf_node {
	unsigned depth;            /* 0 for the domain itself */
	const char *via;           /* "include:x", "redirect=x" or "" */
	const char *domain;
	const char *record;        /* the SPF record, or NULL */
	bk_dns_status dns;         /* status of its TXT lookup */
	const char *error;         /* why it is unusable, or NULL */
	unsigned terms;            /* DNS-querying terms in this record */
} bk_spf_node;

/* DMARC record of the domain (RFC 7489 6.6.3, RFC 9989). */
typedef struct bk_dmarc_info {
	const char *org_domain;    /* organizational domain (PSL) */
	const char *found_at;      /* _dmarc.<name> that answered, or NULL */
	const char *record;        /* the record, or NULL */
	bk_dns_status dns;         /* could-not-look shows here */
	int usable;                /* a receiver applies it */
	const char *p, *sp, *np;   /* policies, NULL when absent */
	int pct;                   /* -1 when absent */
	char adkim, aspf;          /* 'r' or 's' */
	const char *rua, *ruf;
	const char *problems;      /* "; "-separated findings, or NULL */
} bk_dmarc_info;

typedef struct bk_domaincheck bk_domaincheck;

/**
 * bk_domaincheck_new - prepare the checks of a sending domain.
 * @return 0, BK_EINVAL for a bad domain name, BK_ENOMEM.
 */
int bk_domaincheck_new(bk_domaincheck **out, bk_resolver *r,
    const char *domain);

/** bk_domaincheck_free - release; NULL is accepted. */
void bk_domaincheck_free(bk_domaincheck *c);

/**
 * bk_domaincheck_start - queue the MX, SPF and DMARC lookups (the
 * include tree and the DMARC fallback follow from the callbacks); the
 * results are complete once bk_resolver_run() returned.
 * @return 0, BK_ENOMEM, BK_EIO (the Public Suffix List cannot load).
 */
int bk_domaincheck_start(bk_domaincheck *c);

/** bk_domaincheck_mx - the MX answer (borrowed), NULL before run. */
const bk_dns_answer *bk_domaincheck_mx(const bk_domaincheck *c);

/** bk_domaincheck_spf_count - nodes of the SPF include tree. */
size_t bk_domaincheck_spf_count(const bk_domaincheck *c);

/** bk_domaincheck_spf_node - node @i in pre-order (borrowed). */
const bk_spf_node *bk_domaincheck_spf_node(const bk_domaincheck *c,
    size_t i);

/**
 * bk_domaincheck_spf_terms - DNS-querying terms of the whole tree: the
 * most an evaluation can spend (over 10 is a permerror, RFC 7208 4.6.4).
 */
unsigned bk_domaincheck_spf_terms(const bk_domaincheck *c);

/** bk_domaincheck_dmarc - the DMARC findings (borrowed). */
const bk_dmarc_info *bk_domaincheck_dmarc(const bk_domaincheck *c);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_CHECK_H */
