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
#include "limits.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/* The verdict of one list; strings are owned by the bk_ipcheck (or the
 * bk_domaincheck) and the bk_dnsbl_set. */
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
	int testing;               /* t=y (RFC 9989 testing mode) */
	char psd;                  /* psd= 'y', 'n' or 'u' (absent) */
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

/**
 * bk_domaincheck_set_lists - also ask the domain blocklists of @set
 * ("domain" lists; address lists are left out) for the domain, on the
 * same resolver run as the other lookups.  Answers are decoded as for
 * bk_ipcheck: an error code (127.255.255.x, 127.0.0.1, a code the set
 * calls an error) is BK_DNSBL_ERROR, never a listing.
 * @param set  borrowed, must outlive @c; NULL: no blocklists (default).
 * @return 0; BK_EINVAL (already started); BK_ENOMEM.
 */
int bk_domaincheck_set_lists(bk_domaincheck *c, const bk_dnsbl_set *set);

/** bk_domaincheck_dnsbl_count - domain lists asked (0 before start). */
size_t bk_domaincheck_dnsbl_count(const bk_domaincheck *c);

/** bk_domaincheck_dnsbl_result - domain list result @i (borrowed). */
const bk_dnsbl_result *bk_domaincheck_dnsbl_result(const bk_domaincheck *c,
    size_t i);


/**
 * bk_domaincheck_add_selector - also fetch the DKIM key of @selector
 * (selector._domainkey.DOMAIN) when the check starts.
 * @return 0; BK_EINVAL (bad name, already started); BK_ETOOBIG past
 *         BK_LIMIT_DKIM_SELECTORS.
 */
int bk_domaincheck_add_selector(bk_domaincheck *c, const char *selector);

/** bk_domaincheck_dkim_count - selectors added. */
size_t bk_domaincheck_dkim_count(const bk_domaincheck *c);

/** bk_domaincheck_dkim_key - the key found for selector @i (borrowed):
 * type, size, revoked, testing, problems. */
const struct bk_dkim_key *bk_domaincheck_dkim_key(
    const bk_domaincheck *c, size_t i);

/* A TXT policy record: MTA-STS (RFC 8461 3.1) or TLS-RPT (RFC 8460 3). */
typedef struct bk_txtpolicy {
	const char *name;          /* _mta-sts.DOMAIN, _smtp._tls.DOMAIN */
	bk_dns_status dns;
	const char *record;        /* the record, or NULL */
	int valid;                 /* exactly one record, well formed */
	const char *problem;       /* why not, or NULL */
} bk_txtpolicy;

/** bk_domaincheck_mtasts - the _mta-sts TXT record (borrowed). */
const bk_txtpolicy *bk_domaincheck_mtasts(const bk_domaincheck *c);

/** bk_domaincheck_tlsrpt - the _smtp._tls TXT record (borrowed). */
const bk_txtpolicy *bk_domaincheck_tlsrpt(const bk_domaincheck *c);

/* ------------------------------------------------------------------ */
/* DKIM signature verification (RFC 6376, RFC 8301, RFC 8463)          */

/* X(code, name, text): RFC 8601 2.7.1 results */
#define BK_DKIM_RESULT_LIST(X)                                             \
	X(0, BK_DKIM_NONE, "none")                                         \
	X(1, BK_DKIM_PASS, "pass")                                         \
	X(2, BK_DKIM_FAIL, "fail")                                         \
	X(3, BK_DKIM_TEMPERROR, "temperror")                               \
	X(4, BK_DKIM_PERMERROR, "permerror")

typedef enum bk_dkim_result {
#define BK_DKIM_RESULT_ENUM(code, name, text) name = (code),
	BK_DKIM_RESULT_LIST(BK_DKIM_RESULT_ENUM)
#undef BK_DKIM_RESULT_ENUM
	BK_DKIM_RESULT_COUNT_ = 5
} bk_dkim_result;

/** bk_dkim_result_name - "pass", "permerror"... (static). */
const char *bk_dkim_result_name(bk_dkim_result res);

/*
 * A DKIM key record (RFC 6376 3.6.1) as found in DNS.  Strings are owned
 * by the handle that returned the structure.
 */
typedef struct bk_dkim_key {
	const char *name;          /* selector._domainkey.domain */
	bk_dns_status dns;         /* status of the TXT lookup */
	const char *record;        /* the TXT record, or NULL */
	int usable;                /* a verifier can use it */
	const char *type;          /* "rsa", "ed25519" or the k= value */
	unsigned bits;             /* key size (ed25519: 256), 0 unknown */
	int revoked;               /* empty p= */
	int testing;               /* t=y */
	int strict;                /* t=s: i= must equal d= */
	const char *problem;       /* why unusable / findings, or NULL */
} bk_dkim_key;

/* One DKIM-Signature field and its verdict; strings owned by bk_dkim. */
typedef struct bk_dkim_sig {
	bk_dkim_result result;
	const char *detail;        /* why: "signature verified", "body hash
				    * mismatch", "key revoked (empty p=)" */
	const char *domain;        /* d=, NULL when missing or invalid */
	const char *selector;      /* s= */
	const char *identity;      /* i= (decoded), or "@" d= */
	const char *algorithm;     /* a= as written */
	const char *canon;         /* c= as "header/body" */
	long long timestamp;       /* t=, -1 when absent */
	long long expires;         /* x=, -1 when absent */
	long long body_length;     /* l=, -1 when absent */
	bk_dkim_key key;           /* the key record, when looked up */
} bk_dkim_sig;

#define BK_DKIM_OPTIONS_VERSION 1

typedef struct bk_dkim_options {
	unsigned version;          /* BK_DKIM_OPTIONS_VERSION */
	long long now;             /* for x= and t=; 0 = the current time */
	unsigned max_signatures;   /* 0 = BK_LIMIT_DKIM_SIGNATURES */
	unsigned min_rsa_bits;     /* 0 = BK_LIMIT_DKIM_RSA_MIN_BITS */
} bk_dkim_options;

#define BK_DKIM_OPTIONS_INIT { BK_DKIM_OPTIONS_VERSION, 0, 0, 0 }

typedef struct bk_dkim bk_dkim;

/**
 * bk_dkim_new - prepare the verification of every DKIM-Signature of a
 * message (RFC 6376 6.1).
 * @param out   receives the handle; free with bk_dkim_free().
 * @param r     the resolver (borrowed; must outlive the handle).
 * @param opts  options, or NULL for the defaults.
 * @param msg   the message as received (@len bytes, copied); bare LF
 *              line ends are read as CRLF.
 * @return 0, BK_EINVAL, BK_ENOMEM.
 */
int bk_dkim_new(bk_dkim **out, bk_resolver *r, const bk_dkim_options *opts,
    const char *msg, size_t len);

/** bk_dkim_free - release; NULL is accepted (see bk_spf_free()). */
void bk_dkim_free(bk_dkim *d);

/* Called once when every signature has its result. */
typedef void (*bk_dkim_callback)(void *arg, bk_dkim *d);

/**
 * bk_dkim_start - parse the signatures and queue their key lookups; the
 * results arrive while the resolver runs.
 * @return 0, BK_EINVAL when already started, BK_ENOMEM.
 */
int bk_dkim_start(bk_dkim *d, bk_dkim_callback done, void *arg);

/** bk_dkim_check - start and run the resolver until done. */
int bk_dkim_check(bk_dkim *d);

/** bk_dkim_is_done - 1 once every signature has its result. */
int bk_dkim_is_done(const bk_dkim *d);

/**
 * bk_dkim_verdict - the message's result: the best signature's (pass,
 * then temperror, fail, permerror); none without signatures.
 */
bk_dkim_result bk_dkim_verdict(const bk_dkim *d);

/** bk_dkim_count - DKIM-Signature fields examined (top to bottom). */
size_t bk_dkim_count(const bk_dkim *d);

/** bk_dkim_skipped - DKIM-Signature fields past the limit
 * (BK_LIMIT_DKIM_SIGNATURES or the max_signatures option): not checked,
 * not counted in the verdict; 0 before the start. */
size_t bk_dkim_skipped(const bk_dkim *d);

/** bk_dkim_signature - signature @i (borrowed from @d), NULL past end. */
const bk_dkim_sig *bk_dkim_signature(const bk_dkim *d, size_t i);

/* ------------------------------------------------------------------ */
/* DMARC evaluation of a message (RFC 7489 6.6)                        */

/* X(code, name, text) */
#define BK_DMARC_RESULT_LIST(X)                                            \
	X(0, BK_DMARC_NONE, "none")                                        \
	X(1, BK_DMARC_PASS, "pass")                                        \
	X(2, BK_DMARC_FAIL, "fail")                                        \
	X(3, BK_DMARC_TEMPERROR, "temperror")                              \
	X(4, BK_DMARC_PERMERROR, "permerror")

typedef enum bk_dmarc_result {
#define BK_DMARC_RESULT_ENUM(code, name, text) name = (code),
	BK_DMARC_RESULT_LIST(BK_DMARC_RESULT_ENUM)
#undef BK_DMARC_RESULT_ENUM
	BK_DMARC_RESULT_COUNT_ = 5
} bk_dmarc_result;

/** bk_dmarc_result_name - "pass", "none"... (static). */
const char *bk_dmarc_result_name(bk_dmarc_result res);

/**
 * bk_dmarc_record_check - is a DMARC record usable by receivers (v=DMARC1
 * first, a valid p= or a valid rua=; RFC 7489 6.3, 6.6.3), and does it
 * have errors a setup checker should flag (any invalid tag value)?
 * @param why  receives the findings (may be NULL).
 * @return 0, BK_EINVAL, BK_ENOMEM.
 */
int bk_dmarc_record_check(int *usable_out, int *errors_out, char *why,
    size_t cap, const char *rec, size_t len);

/**
 * bk_dmarc_org_domain - the organizational domain (RFC 7489 3.2) from the
 * Public Suffix List (libpsl): case and outer dots are normalised.
 * @return 0; BK_ENOTFOUND for a public suffix itself; BK_EINVAL;
 *         BK_ETOOBIG when it does not fit @cap.
 */
int bk_dmarc_org_domain(char *out, size_t cap, const char *domain);

/**
 * bk_dmarc_aligned - identifier alignment (RFC 7489 3.1): equal names
 * (strict), or the same organizational domain (relaxed).  Returns 1/0.
 */
int bk_dmarc_aligned(const char *from_domain, const char *auth_domain,
    int strict);

/**
 * bk_dmarc_from_domain - the domain of the first address of an
 * RFC5322.From value (@len bytes; comments and quoted strings skipped).
 * @return 0, BK_ENOTFOUND (no address), BK_EINVAL, BK_ETOOBIG.
 */
int bk_dmarc_from_domain(char *out, size_t cap, const char *value,
    size_t len);

typedef struct bk_dmarc bk_dmarc;

/*
 * The rules a message is evaluated under.  RFC 9989 (DMARCbis, the
 * default) obsoletes RFC 7489:
 *   policy discovery  DNS tree walk from _dmarc.<From domain> towards the
 *                     root, at most BK_LIMIT_DMARC_WALK_QUERIES queries,
 *                     the first record found applies (RFC 7489: only
 *                     _dmarc.<From> and _dmarc.<organizational domain>)
 *   org. domain       from the same walk with psd= (RFC 7489: the Public
 *                     Suffix List)
 *   np=               for a From domain that does not exist (NXDOMAIN or
 *                     NODATA for A, AAAA and MX)
 *   pct=, t=          pct= ignored, t=y applies the policy one step less
 *                     strict (RFC 7489: pct=0 does, t= is unknown)
 * X(code, name, text)
 */
#define BK_DMARC_RULES_LIST(X)                                             \
	X(0, BK_DMARC_RFC9989, "rfc9989")                                  \
	X(1, BK_DMARC_RFC7489, "rfc7489")

typedef enum bk_dmarc_rules {
#define BK_DMARC_RULES_ENUM(code, name, text) name = (code),
	BK_DMARC_RULES_LIST(BK_DMARC_RULES_ENUM)
#undef BK_DMARC_RULES_ENUM
	BK_DMARC_RULES_COUNT_ = 2
} bk_dmarc_rules;

/** bk_dmarc_rules_name - "rfc9989" or "rfc7489" (static). */
const char *bk_dmarc_rules_name(bk_dmarc_rules rules);

/**
 * bk_dmarc_rules_parse - "9989", "rfc9989", "7489" or "rfc7489" (any
 * case) into @out.  @return 0, BK_EINVAL for anything else.
 */
int bk_dmarc_rules_parse(bk_dmarc_rules *out, const char *s);

/**
 * bk_dmarc_new - prepare the DMARC check of a message whose From domain
 * is @from_domain.  Add the authentication results, then start.
 * @return 0, BK_EINVAL for a bad domain, BK_ENOMEM.
 */
int bk_dmarc_new(bk_dmarc **out, bk_resolver *r, const char *from_domain);

/** bk_dmarc_free - release; NULL is accepted. */
void bk_dmarc_free(bk_dmarc *m);

/**
 * bk_dmarc_set_rules - evaluate under @rules (default BK_DMARC_RFC9989).
 * Call before bk_dmarc_prefetch() or bk_dmarc_start().
 * @return 0, BK_EINVAL (unknown rules, already fetching or started).
 */
int bk_dmarc_set_rules(bk_dmarc *m, bk_dmarc_rules rules);

/** bk_dmarc_rules_of - the rules @m is evaluated under. */
bk_dmarc_rules bk_dmarc_rules_of(const bk_dmarc *m);

/** bk_dmarc_add_spf - the SPF result for the MAIL FROM (or HELO)
 * domain.  @return 0, BK_EINVAL (after start, bad domain). */
int bk_dmarc_add_spf(bk_dmarc *m, const char *domain, bk_spf_result res);

/** bk_dmarc_add_dkim - one DKIM signature's d= and result.
 * @return 0, BK_EINVAL, BK_ETOOBIG past BK_LIMIT_DKIM_SIGNATURES. */
int bk_dmarc_add_dkim(bk_dmarc *m, const char *domain, bk_dkim_result res);

typedef void (*bk_dmarc_callback)(void *arg, bk_dmarc *m);

/**
 * bk_dmarc_prefetch - queue the record lookups (RFC 9989: the tree walk
 * of the From domain; RFC 7489: _dmarc.<from> and _dmarc.<org>) now,
 * before the SPF and DKIM results are known: they need only the From
 * domain, so they can travel with the DKIM key and
 * SPF lookups.  Add the results afterwards, then call bk_dmarc_start()
 * or bk_dmarc_check(); the verdict is decided once both the records and
 * the start are in.  When the answers arrived before the start,
 * bk_dmarc_start() calls @done itself, before it returns.
 * @return 0, BK_EINVAL when already fetching or started, BK_ENOMEM.
 */
int bk_dmarc_prefetch(bk_dmarc *m);

/** bk_dmarc_start - queue the record lookups (unless bk_dmarc_prefetch()
 * did) and, under RFC 9989, the tree walks of passing SPF and DKIM
 * domains that relaxed alignment needs; no result may be added after
 * it.  Under RFC 9989 a failing message whose policy comes from a parent
 * with np= also costs A, AAAA and MX lookups of the From domain.
 * @return 0, BK_EINVAL when already started, BK_ENOMEM. */
int bk_dmarc_start(bk_dmarc *m, bk_dmarc_callback done, void *arg);

/** bk_dmarc_check - start and run the resolver until done. */
int bk_dmarc_check(bk_dmarc *m);

/** bk_dmarc_is_done - 1 once the result is known. */
int bk_dmarc_is_done(const bk_dmarc *m);

/** bk_dmarc_verdict - pass, fail, none (no usable record), temperror. */
bk_dmarc_result bk_dmarc_verdict(const bk_dmarc *m);

/** bk_dmarc_policy_domain - where the record was found (RFC 7489: the
 * From or org domain; RFC 9989: the From domain or the parent where the
 * tree walk found it), NULL when none applies.  Owned by @m. */
const char *bk_dmarc_policy_domain(const bk_dmarc *m);

/**
 * bk_dmarc_disposition - "none", "quarantine" or "reject"; "none" on
 * pass.  RFC 7489: p= (sp= for a subdomain covered by the organizational
 * record), one step less strict with pct=0.  RFC 9989: p= when the record
 * is the From domain's own, else np= for a From domain that does not
 * exist, else sp=, else p=; one step less strict with t=y.  Static.
 */
const char *bk_dmarc_disposition(const bk_dmarc *m);

/** bk_dmarc_detail - one line saying why (owned by @m). */
const char *bk_dmarc_detail(const bk_dmarc *m);

/** bk_dmarc_record - the record found and parsed (owned by @m). */
const bk_dmarc_info *bk_dmarc_record(const bk_dmarc *m);

/** bk_dmarc_spf_aligned, bk_dmarc_dkim_aligned - 1 when a passing
 * identifier is aligned with the From domain. */
int bk_dmarc_spf_aligned(const bk_dmarc *m);
int bk_dmarc_dkim_aligned(const bk_dmarc *m);

/** bk_dmarc_from - the normalised From domain (owned by @m). */
const char *bk_dmarc_from(const bk_dmarc *m);

/* ------------------------------------------------------------------ */
/* DMARC reports a domain receives: aggregate (RFC 7489 7.2 and        */
/* appendix C, RFC 9990) and failure reports (RFC 6591 ARF)            */

/* X(code, name, text) */
#define BK_DMARC_REPORT_KIND_LIST(X)                                       \
	X(0, BK_DMARC_REPORT_ERROR, "error")                               \
	X(1, BK_DMARC_REPORT_AGGREGATE, "aggregate")                       \
	X(2, BK_DMARC_REPORT_FAILURE, "failure")

typedef enum bk_dmarc_report_kind {
#define BK_DMARC_REPORT_KIND_ENUM(code, name, text) name = (code),
	BK_DMARC_REPORT_KIND_LIST(BK_DMARC_REPORT_KIND_ENUM)
#undef BK_DMARC_REPORT_KIND_ENUM
	BK_DMARC_REPORT_KIND_COUNT_ = 3
} bk_dmarc_report_kind;

/** bk_dmarc_report_kind_name - "aggregate", "failure", "error" (static). */
const char *bk_dmarc_report_kind_name(bk_dmarc_report_kind kind);

/*
 * Aggregate report: <report_metadata> and <policy_published>.  Strings
 * are the element text, trimmed, NUL-terminated, NULL when the element
 * is absent; owned by the bk_dmarc_report.  Untrusted: escape them
 * before printing.
 */
typedef struct bk_dmarc_report_meta {
	const char *version;       /* <version> (RFC 9990), or NULL */
	const char *org_name;
	const char *email;
	const char *extra_contact_info;
	const char *report_id;
	const char *generator;     /* RFC 9990 */
	long long begin, end;      /* <date_range>, Unix time; -1 unknown */
	const char *errors;        /* <error> texts joined with "; " */
	const char *domain;        /* policy_published */
	const char *adkim, *aspf;
	const char *p, *sp, *np;   /* np: RFC 9990 */
	int pct;                   /* -1 when absent or not a number */
	const char *fo;
	const char *testing;       /* RFC 9990 t= */
	const char *discovery_method;  /* RFC 9990: "psl", "treewalk" */
} bk_dmarc_report_meta;

/* One <auth_results> entry of a record. */
typedef struct bk_dmarc_report_auth {
	const char *method;        /* "dkim" or "spf" (static) */
	const char *domain;
	const char *selector;      /* dkim */
	const char *scope;         /* spf: "mfrom", "helo" */
	const char *result;
	const char *human_result;
} bk_dmarc_report_auth;

/* One <record>: row, identifiers, auth_results. */
typedef struct bk_dmarc_report_row {
	const char *source_ip;
	unsigned long long count;
	int has_count;             /* 1: <count> was a valid number */
	const char *disposition;   /* policy_evaluated */
	const char *dkim, *spf;    /* policy_evaluated */
	const char *reasons;       /* "type: comment" joined with "; " */
	const char *header_from;
	const char *envelope_from;
	const char *envelope_to;
	size_t nauth;
	const bk_dmarc_report_auth *auth;
} bk_dmarc_report_row;

/* A failure report (RFC 6591 / RFC 5965 fields), NULL when absent. */
typedef struct bk_dmarc_failure_info {
	int arf;                   /* 1: a message/feedback-report part;
				    * 0: read from a plain-text report */
	const char *feedback_type; /* "auth-failure" */
	const char *auth_failure;  /* "dmarc", "dkim", "spf" */
	const char *source_ip;
	const char *reported_domain;
	const char *original_mail_from;
	const char *original_rcpt_to;
	const char *delivery_result;
	const char *dkim_domain;
	const char *dkim_selector;
	const char *arrival_date;
	const char *identity_alignment;
	const char *authentication_results;
	const char *user_agent;
	const char *from;          /* From of the returned message/headers */
	const char *subject;       /* its Subject (RFC 2047 decoded) */
} bk_dmarc_failure_info;

#define BK_DMARC_REPORT_OPTIONS_VERSION 1

typedef struct bk_dmarc_report_options {
	unsigned version;          /* BK_DMARC_REPORT_OPTIONS_VERSION */
	/* 1: no repair.  0 (default): recover what a demanding user wants
	 * and say so in bk_dmarc_report_diagnostic(): invalid UTF-8 read
	 * as Windows-1252, a stray '<' or '&' in element text taken as
	 * text, garbage after </feedback> or after complete gzip data
	 * ignored, a zip without central directory read from its first
	 * local header (docs/checks.md) */
	int strict;
	size_t max_bytes;          /* 0 = BK_LIMIT_DMARC_REPORT_BYTES */
	size_t max_records;        /* 0 = BK_LIMIT_DMARC_REPORT_RECORDS */
	unsigned max_depth;        /* 0 = BK_LIMIT_DMARC_REPORT_XML_DEPTH */
	size_t max_text;           /* 0 = BK_LIMIT_DMARC_REPORT_TEXT_BYTES */
} bk_dmarc_report_options;

#define BK_DMARC_REPORT_OPTIONS_INIT                                       \
	{ BK_DMARC_REPORT_OPTIONS_VERSION, 0, 0, 0, 0, 0 }

typedef struct bk_dmarc_report bk_dmarc_report;

/**
 * bk_dmarc_report_parse - read one DMARC report file: aggregate XML bare,
 * gzip (.xml.gz), zip (.zip, the first .xml member), or in an email
 * (.eml: an application/zip, application/gzip, text/xml... attachment,
 * or the body itself); or a failure report email (ARF with Feedback-Type
 * auth-failure, or a plain-text report without an ARF part).  The kind
 * is sniffed from the bytes, never from a file name.
 * Input that is not a report is a result, not a failure: the kind is
 * BK_DMARC_REPORT_ERROR and bk_dmarc_report_error() says why.
 * One linear pass per layer (email, decompression, XML); memory is
 * bounded by the limits in @opts.
 * @param out   receives the report; free with bk_dmarc_report_free().
 * @param data  the file's bytes (@len; not kept, copied where needed).
 * @param opts  options, or NULL for the defaults.
 * @return 0; BK_EINVAL (NULL @out or @data with @len > 0); BK_ENOMEM.
 */
int bk_dmarc_report_parse(bk_dmarc_report **out, const char *data,
    size_t len, const bk_dmarc_report_options *opts);

/** bk_dmarc_report_free - release; NULL is accepted. */
void bk_dmarc_report_free(bk_dmarc_report *r);

/** bk_dmarc_report_kind_of - aggregate, failure or error. */
bk_dmarc_report_kind bk_dmarc_report_kind_of(const bk_dmarc_report *r);

/**
 * bk_dmarc_report_error - why the input is not a report: BK_ESYNTAX (not
 * XML, not a report, broken container), BK_ETOOBIG (a limit, named in
 * the message), BK_EUNSUPPORTED (encrypted or zip64 member, a feedback
 * report that is not auth-failure), BK_EEOF (empty or truncated input);
 * 0 for a report.
 * @param msg_out  receives the one-line message (owned by @r), or NULL.
 */
int bk_dmarc_report_error(const bk_dmarc_report *r, const char **msg_out);

/**
 * bk_dmarc_report_diagnostic - the worst repair or damage seen in a
 * report that was still read (BK_SEV_NONE when clean) and the text of
 * the first of that severity (owned by @r).
 */
bk_severity bk_dmarc_report_diagnostic(const bk_dmarc_report *r,
    const char **text);

/** bk_dmarc_report_container - how it was delivered: "xml", "gzip",
 * "zip", "email", "email/zip", "email/gzip", "email/xml" (static). */
const char *bk_dmarc_report_container(const bk_dmarc_report *r);

/** bk_dmarc_report_metadata - the aggregate metadata and policy (borrowed
 * from @r), NULL unless aggregate. */
const bk_dmarc_report_meta *bk_dmarc_report_metadata(
    const bk_dmarc_report *r);

/** bk_dmarc_report_count - records of an aggregate report. */
size_t bk_dmarc_report_count(const bk_dmarc_report *r);

/** bk_dmarc_report_row_at - record @i (borrowed from @r), NULL past end. */
const bk_dmarc_report_row *bk_dmarc_report_row_at(const bk_dmarc_report *r,
    size_t i);

/** bk_dmarc_report_failure - the failure report's fields (borrowed from
 * @r), NULL unless a failure report. */
const bk_dmarc_failure_info *bk_dmarc_report_failure(
    const bk_dmarc_report *r);

/**
 * bk_dmarc_org_domain_psl - bk_dmarc_org_domain() under another Public
 * Suffix List: a file in the PSL text format (such as OpenDMARC's
 * bundled 2012 list), read with libpsl's psl_load_file().
 * @return as bk_dmarc_org_domain(); BK_EIO when @psl_path cannot load.
 */
int bk_dmarc_org_domain_psl(char *out, size_t cap, const char *domain,
    const char *psl_path);

/* ------------------------------------------------------------------ */
/* Trace header fields of a received message                           */

/* What the header says about the message's arrival ("" = unknown). */
typedef struct bk_msg_trace {
	char ip[64];               /* the connecting client's address */
	char helo[256];            /* its HELO/EHLO name */
	char mail_from[512];       /* envelope sender; "<>" for null */
	char from_domain[256];     /* RFC5322.From domain, lower case */
	unsigned from_count;       /* From fields seen (1 expected) */
	const char *ip_source;     /* "Received", "Received-SPF", NULL */
	const char *mail_from_source;  /* "Return-Path", "Received-SPF",
				    * "Authentication-Results", NULL */
} bk_msg_trace;

/**
 * bk_trace_parse - read the trace fields of a message as received: the
 * topmost Received field with a non-loopback client address (added by
 * the receiving MTA), Return-Path, Received-SPF, Authentication-Results
 * and From.
 * @return 0 (fields not found stay ""), BK_EINVAL, BK_ENOMEM.
 */
int bk_trace_parse(bk_msg_trace *out, const char *msg, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_CHECK_H */
