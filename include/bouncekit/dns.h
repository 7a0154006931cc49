/*
 * bouncekit/dns.h - the asynchronous resolver behind every DNS check.
 *
 * One bk_resolver runs all lookups of a command concurrently: callers
 * queue queries with bk_resolver_query() (callbacks may queue more) and
 * bk_resolver_run() processes until every query has completed.  Each
 * query has its own timeout and retries; a truncated UDP answer is
 * retried over TCP.
 *
 * Two backends sit behind the same interface: c-ares (the system
 * resolver from /etc/resolv.conf, or the servers given in the options)
 * and a caller-supplied backend that returns DNS messages from memory,
 * which tests and offline runs use.  Both answers go through the same
 * bounded parser.
 *
 * Every answer says which of three things happened: an answer, "not
 * found" (NXDOMAIN or NODATA), or "could not look" (timeout, SERVFAIL,
 * REFUSED, a malformed reply, a CNAME loop, no server, a TXT record over
 * BK_LIMIT_DNS_TXT_BYTES, or not looked up because the run is offline).
 * The three are never folded together.
 *
 * Thread safety: a resolver is used by one thread at a time.
 */
#ifndef BOUNCEKIT_DNS_H
#define BOUNCEKIT_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RR types the checks use (RFC 1035, RFC 3596). */
typedef enum bk_dns_type {
	BK_DNS_A = 1,
	BK_DNS_NS = 2,
	BK_DNS_CNAME = 5,
	BK_DNS_SOA = 6,
	BK_DNS_PTR = 12,
	BK_DNS_MX = 15,
	BK_DNS_TXT = 16,
	BK_DNS_AAAA = 28
} bk_dns_type;

/* X(code, name, text): the outcome of one query. */
#define BK_DNS_STATUS_LIST(X)                                              \
	X(0, BK_DNS_OK, "answer")                                          \
	X(1, BK_DNS_NXDOMAIN, "no such domain (NXDOMAIN)")                 \
	X(2, BK_DNS_NODATA, "no record of that type (NODATA)")             \
	X(3, BK_DNS_TIMEOUT, "timed out")                                  \
	X(4, BK_DNS_SERVFAIL, "server failure (SERVFAIL)")                 \
	X(5, BK_DNS_REFUSED, "query refused (REFUSED)")                    \
	X(6, BK_DNS_BADRESP, "malformed or unexpected reply")              \
	X(7, BK_DNS_CNAME_LOOP, "CNAME chain too long or looping")         \
	X(8, BK_DNS_NOSERVER, "could not contact any DNS server")          \
	X(9, BK_DNS_BADNAME, "not a valid domain name")                    \
	X(10, BK_DNS_CANCELLED, "query cancelled")                        \
	X(11, BK_DNS_TOOBIG, "TXT record longer than 64512 bytes "         \
	    "(BK_LIMIT_DNS_TXT_BYTES)")                                   \
	X(12, BK_DNS_OFFLINE, "not looked up (offline)")

typedef enum bk_dns_status {
#define BK_DNS_STATUS_ENUM(code, name, text) name = (code),
	BK_DNS_STATUS_LIST(BK_DNS_STATUS_ENUM)
#undef BK_DNS_STATUS_ENUM
	BK_DNS_STATUS_COUNT_ = 13
} bk_dns_status;

/** bk_dns_status_text - static text of a status ("timed out"). */
const char *bk_dns_status_text(bk_dns_status st);

/** bk_dns_status_name - static symbolic name ("BK_DNS_TIMEOUT"). */
const char *bk_dns_status_name(bk_dns_status st);

/** bk_dns_is_notfound - NXDOMAIN or NODATA: the name has no such data. */
#define bk_dns_is_notfound(st)                                             \
	((st) == BK_DNS_NXDOMAIN || (st) == BK_DNS_NODATA)

/** bk_dns_is_error - could not look: neither an answer nor not-found. */
#define bk_dns_is_error(st)                                                \
	((st) != BK_DNS_OK && !bk_dns_is_notfound(st))

/* One resource record of the answer, after CNAMEs were followed. */
typedef struct bk_dns_rr {
	bk_dns_type type;
	uint32_t ttl;
	/* A: 4 bytes, AAAA: 16 bytes of address in network order */
	unsigned char addr[16];
	/* MX preference */
	unsigned pref;
	/* MX exchange, PTR/CNAME/NS target: lowercase-preserving, no final
	 * dot, NUL-terminated; TXT: the character-strings joined */
	const char *data;
	size_t len;
	/* TXT: how many character-strings were joined */
	unsigned nstrings;
} bk_dns_rr;

/*
 * The answer to one query.  It is handed to the callback, which owns it
 * and releases it with bk_dns_answer_free().
 */
typedef struct bk_dns_answer {
	bk_dns_status status;
	bk_dns_type type;
	const char *qname;         /* the name asked for */
	const char *cname;         /* final name after CNAMEs, or qname */
	uint32_t ttl;              /* smallest TTL of the records used (or
				    * of the SOA for not-found answers) */
	size_t count;
	const bk_dns_rr *rr;       /* count records of the asked type */
	int truncated;             /* more than BK_LIMIT_DNS_RRS records
				    * (the rest ignored); a TXT record over
				    * BK_LIMIT_DNS_TXT_BYTES is not cut: the
				    * answer is BK_DNS_TOOBIG, no records */
	int rcode;                 /* the server's RCODE, -1 if none */
} bk_dns_answer;

/** bk_dns_answer_free - release an answer; NULL is accepted. */
void bk_dns_answer_free(bk_dns_answer *ans);

/**
 * bk_dns_answer_parse - parse a DNS reply message into an answer.
 *
 * Follows CNAMEs inside the message from @qname (case-insensitive) up to
 * BK_LIMIT_DNS_CNAME_CHAIN links; compressed names are accepted only with
 * pointers that go strictly backwards.  A reply that ends on a CNAME
 * without data for @type yields status BK_DNS_OK with count 0 and cname
 * set to the target so the caller can ask again (the resolver does).
 * @param out     receives the answer (heap; bk_dns_answer_free()).
 * @param msg     the reply bytes; @len their length.
 * @return 0 (the answer's status tells what it says), BK_ENOMEM,
 *         BK_EINVAL for bad arguments.
 */
int bk_dns_answer_parse(bk_dns_answer **out, const char *qname,
    bk_dns_type type, const unsigned char *msg, size_t len);

typedef struct bk_resolver bk_resolver;

/*
 * A caller-supplied backend: answer one query from memory.  Write a DNS
 * reply message to @buf (at most @cap bytes) and set *@len, and return
 * BK_DNS_OK; or return another status (BK_DNS_TIMEOUT...) for a fault
 * with no reply.  Called from bk_resolver_run(), one query at a time.
 */
typedef struct bk_dns_backend {
	unsigned version;          /* 1 */
	int (*query)(void *ctx, const char *name, bk_dns_type type,
	    unsigned char *buf, size_t cap, size_t *len);
	void *ctx;
} bk_dns_backend;

#define BK_DNS_OPTIONS_VERSION 2

typedef struct bk_dns_options {
	unsigned version;          /* BK_DNS_OPTIONS_VERSION */
	/* "127.0.0.1:5353" or "[::1]:53,192.0.2.1": a comma-separated list;
	 * NULL means /etc/resolv.conf */
	const char *servers;
	unsigned timeout_ms;       /* per try; 0 = 2000 */
	unsigned tries;            /* per server; 0 = 2 */
	const bk_dns_backend *backend;  /* NULL = c-ares */
	/* (version 2) queries handed to c-ares at once; 0 = no bound.  1
	 * makes every lookup wait for the one before it: the baseline of
	 * bench/dns, not for normal use */
	unsigned max_inflight;
} bk_dns_options;

#define BK_DNS_OPTIONS_INIT { BK_DNS_OPTIONS_VERSION, NULL, 0, 0, NULL, 0 }

/**
 * bk_resolver_new - create a resolver.
 * @param out   receives the resolver; free with bk_resolver_free().
 * @param opts  options, or NULL for the system configuration.
 * @return 0; BK_EINVAL for a bad server list (detail in *errmsg_out,
 *         released with free(), when not NULL); BK_EIO when the system
 *         resolver cannot be initialised; BK_ENOMEM.
 */
int bk_resolver_new(bk_resolver **out, const bk_dns_options *opts,
    char **errmsg_out);

/** bk_resolver_free - cancel pending queries and release; NULL is fine. */
void bk_resolver_free(bk_resolver *r);

/* Called once per query with an answer the callee owns. */
typedef void (*bk_dns_callback)(void *arg, bk_dns_answer *ans);

/**
 * bk_resolver_query - queue a query for @name (a domain name, with or
 * without the final dot, @namelen bytes) and @type.
 *
 * The callback runs from inside bk_resolver_run() (never from here) and
 * may queue further queries.  An invalid name is answered with
 * BK_DNS_BADNAME, without a lookup.
 * @return 0; BK_ETOOBIG past BK_LIMIT_DNS_QUERIES; BK_ENOMEM.
 */
int bk_resolver_query(bk_resolver *r, const char *name, size_t namelen,
    bk_dns_type type, bk_dns_callback cb, void *arg);

/**
 * bk_resolver_run - process until no query is queued or in flight.
 * @return 0, or BK_EIO when polling fails.
 */
int bk_resolver_run(bk_resolver *r);

/**
 * bk_resolver_lookup - one query, waited for (a convenience around
 * query and run; other queued queries progress too).
 * @param out  receives the answer (bk_dns_answer_free()).
 * @return 0, BK_ENOMEM, BK_EIO.
 */
int bk_resolver_lookup(bk_resolver *r, bk_dns_answer **out,
    const char *name, bk_dns_type type);

/** bk_resolver_queries - how many queries were sent (for reports). */
unsigned long bk_resolver_queries(const bk_resolver *r);

/**
 * bk_dns_reverse_name - the PTR / DNSBL query name of an address:
 * "4.3.2.1" for 1.2.3.4 or 32 dotted nibbles for IPv6, followed by
 * @suffix ("in-addr.arpa", "ip6.arpa" or a DNSBL zone), if not NULL.
 * @param out  buffer of @cap bytes (160 suffice for ip6.arpa).
 * @return 0, BK_EINVAL for an address that does not parse,
 *         BK_ETOOBIG when it does not fit.
 */
int bk_dns_reverse_name(char *out, size_t cap, const char *ip,
    const char *suffix);

/*
 * An offline backend: TXT records given by the caller, and
 * BK_DNS_OFFLINE ("not looked up (offline)") for every other query.
 * Fill a bk_dns_backend with bk_dns_static_backend() and pass it in
 * bk_dns_options.backend; the table must outlive the resolver.
 */
typedef struct bk_dns_static bk_dns_static;

/** bk_dns_static_new - an empty table. @return 0, BK_EINVAL, BK_ENOMEM. */
int bk_dns_static_new(bk_dns_static **out);

/** bk_dns_static_free - release; NULL is accepted. */
void bk_dns_static_free(bk_dns_static *s);

/**
 * bk_dns_static_add_txt - one TXT record (@len bytes, split into
 * 255-octet character-strings when served) at @name; a name may hold
 * several.  @return 0; BK_EINVAL for a bad name; BK_ETOOBIG past
 * BK_LIMIT_DNS_TXT_BYTES or 64 records; BK_ENOMEM.
 */
int bk_dns_static_add_txt(bk_dns_static *s, const char *name,
    const char *text, size_t len);

/** bk_dns_static_backend - fill @out to answer from @s. */
void bk_dns_static_backend(bk_dns_static *s, bk_dns_backend *out);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_DNS_H */
