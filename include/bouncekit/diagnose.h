/*
 * bouncekit/diagnose.h - a bounce tied to the DNS checks its cause calls
 * for, ending in a verdict: what is still wrong now, what looks fixed.
 *
 * A diagnosis takes one classified record of a decoded bounce and plans
 * the checks its cause calls for:
 *   blocklist rejection   the sending IP against the DNS blocklists, the
 *                         list the bounce names first;
 *   authentication        SPF of the envelope domain for the sending IP,
 *                         the DKIM keys of the selectors the returned
 *                         message was signed with (and --selector ones),
 *                         DKIM verification of the returned message when
 *                         it came back whole, DMARC policy and alignment
 *                         of the From domain;
 *   reverse DNS           PTR and forward confirmation of the sending IP;
 * other causes get no check and say so.  Every lookup goes through one
 * resolver at once (DMARC follows SPF and DKIM from their callbacks in
 * the same bk_resolver_run()).
 *
 * The sending IP is taken, in this order, from the options (the caller
 * knows best), the bounce's diagnostic text (the address the receiver
 * says it refused) and the returned message's Received fields; see
 * bk_diagnose_ip_from_text() and bk_diagnose_ip_from_received().
 *
 * Thread safety: a bk_diagnosis is used by one thread at a time, the one
 * that runs its resolver.
 */
#ifndef BOUNCEKIT_DIAGNOSE_H
#define BOUNCEKIT_DIAGNOSE_H

#include <stddef.h>
#include <stdio.h>

#include "check.h"
#include "classify.h"
#include "dns.h"
#include "message.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(code, name, id, text): the verdict of one check */
#define BK_DIAG_STATE_LIST(X)                                              \
	X(0, BK_DIAG_FIXED, "looks-fixed", "looks fixed")                  \
	X(1, BK_DIAG_WRONG, "still-wrong", "still wrong now")              \
	X(2, BK_DIAG_UNCHECKED, "not-checked", "could not check")

typedef enum bk_diag_state {
#define BK_DIAG_STATE_ENUM(code, name, id, text) name = (code),
	BK_DIAG_STATE_LIST(BK_DIAG_STATE_ENUM)
#undef BK_DIAG_STATE_ENUM
	BK_DIAG_STATE_COUNT_ = 3
} bk_diag_state;

/** bk_diag_state_id - "looks-fixed", "still-wrong", "not-checked". */
const char *bk_diag_state_id(bk_diag_state st);

/** bk_diag_state_text - "looks fixed", "still wrong now"... (static). */
const char *bk_diag_state_text(bk_diag_state st);

/* What the cause calls for (bit set). */
#define BK_DIAG_PLAN_BLOCKLIST 1u
#define BK_DIAG_PLAN_AUTH 2u
#define BK_DIAG_PLAN_RDNS 4u
#define BK_DIAG_PLAN_DOMAINS 8u    /* domain blocklists (DBL, URIBL...) */

/* Where the sending IP came from. */
typedef enum bk_diag_ip_source {
	BK_DIAG_IP_NONE = 0,
	BK_DIAG_IP_OPTION,         /* the caller's sender_ip */
	BK_DIAG_IP_DIAGNOSTIC,     /* named in the receiver's text */
	BK_DIAG_IP_RECEIVED        /* the returned message's trace */
} bk_diag_ip_source;

/* How the original message came back with the bounce: what
 * bk_message_returned() says (bk_returned_kind, same order). */
typedef enum bk_diag_returned {
	BK_DIAG_RETURNED_NONE = 0, /* not at all */
	BK_DIAG_RETURNED_HEADERS,  /* headers only (text/rfc822-headers) */
	BK_DIAG_RETURNED_INLINE,   /* a copy in the notification text */
	BK_DIAG_RETURNED_WHOLE     /* a message/rfc822 part */
} bk_diag_returned;

/** bk_diag_returned_name - "none", "headers", "inline", "whole". */
const char *bk_diag_returned_name(bk_diag_returned r);

/*
 * One check and its verdict.  Strings are owned by the bk_diagnosis and
 * are untrusted (DNS answers, bounce text): escape before printing.
 */
typedef struct bk_diag_check {
	const char *kind;          /* "blocklist", "domain-blocklist", "spf",
				    * "dkim-key", "dkim", "dmarc", "rdns" */
	const char *id;            /* list id, key name, domain... */
	const char *title;         /* "Spamhaus ZEN (zen.spamhaus.org)" */
	bk_diag_state state;
	const char *detail;        /* one line: what was found, or why it
				    * could not be checked */
	int named;                 /* the bounce names this blocklist */
	const char *target;        /* blocklists: the IP or domain asked
				    * about; NULL otherwise */
} bk_diag_check;

#define BK_DIAGNOSE_OPTIONS_VERSION 1

typedef struct bk_diagnose_options {
	unsigned version;          /* BK_DIAGNOSE_OPTIONS_VERSION */
	const char *sender_ip;     /* the sending IP; NULL: from the bounce */
	/* the sending domain (SPF, DMARC From domain, --selector keys);
	 * NULL: from the bounce */
	const char *sender_domain;
	const char *const *selectors;  /* extra DKIM selectors of the domain */
	size_t nselectors;         /* at most BK_LIMIT_DKIM_SELECTORS */
	/* blocklist definitions (bk_dnsbl_set_new() format), NULL: the
	 * built-in set */
	const char *lists;
	size_t lists_len;
	long long now;             /* DKIM x=/t=; 0 = the current time */
	bk_dmarc_rules dmarc_rules;  /* default (0) BK_DMARC_RFC9989 */
} bk_diagnose_options;

#define BK_DIAGNOSE_OPTIONS_INIT                                           \
	{ BK_DIAGNOSE_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL, 0, 0, 0 }

typedef struct bk_diagnosis bk_diagnosis;

/**
 * bk_diagnosis_new - plan the diagnosis of one record of a bounce.
 * @param out   receives the diagnosis; free with bk_diagnosis_free().
 * @param r     the resolver (borrowed; must outlive the diagnosis).
 * @param cls   the classifier that classified @rec (borrowed: its
 *              knowledge names the blocklists and their delist pages).
 * @param msg   the bounce @rec was decoded from (borrowed: the returned
 *              message is read from it); may be NULL.
 * @param rec   a classified record (borrowed, like @msg).
 * @param opts  options, or NULL.
 * @return 0; BK_EINVAL for a bad sender_ip, sender_domain or selector;
 *         BK_ESYNTAX when @opts->lists does not load (detail in
 *         bk_diagnosis_errmsg()); BK_ENOMEM.  On BK_ESYNTAX *out is still
 *         set so that the message can be read; free it.
 */
int bk_diagnosis_new(bk_diagnosis **out, bk_resolver *r,
    const bk_classifier *cls, bk_message *msg, const bk_record *rec,
    const bk_diagnose_options *opts);

/** bk_diagnosis_free - release; NULL is accepted (see bk_spf_free()). */
void bk_diagnosis_free(bk_diagnosis *d);

/** bk_diagnosis_errmsg - detail of the last failure, or "". */
const char *bk_diagnosis_errmsg(const bk_diagnosis *d);

/**
 * bk_diagnosis_start - queue every lookup; the verdicts are known once
 * bk_resolver_run() returned and bk_diagnosis_finish() was called.
 * @return 0, BK_EINVAL when already started, BK_ENOMEM.
 */
int bk_diagnosis_start(bk_diagnosis *d);

/**
 * bk_diagnosis_finish - turn the results into per-check verdicts and the
 * overall line.  @return 0, BK_EINVAL (not started), BK_ENOMEM.
 */
int bk_diagnosis_finish(bk_diagnosis *d);

/** bk_diagnosis_run - start, run the resolver, finish.
 * @return 0, BK_ENOMEM, BK_EIO (the resolver failed). */
int bk_diagnosis_run(bk_diagnosis *d);

/** bk_diagnosis_plan - BK_DIAG_PLAN_* bits (0: no check applies). */
unsigned bk_diagnosis_plan(const bk_diagnosis *d);

/** bk_diagnosis_plan_why - why these checks, or why none applies. */
const char *bk_diagnosis_plan_why(const bk_diagnosis *d);

/**
 * bk_diagnosis_ip - the sending IP (NULL when unknown), where it came
 * from, and in @detail_out (may be NULL) the text it was read from.
 */
const char *bk_diagnosis_ip(const bk_diagnosis *d,
    bk_diag_ip_source *source_out, const char **detail_out);

/** bk_diagnosis_returned - how the original message came back. */
bk_diag_returned bk_diagnosis_returned(const bk_diagnosis *d);

/** bk_diagnosis_spf_domain, _from_domain - the domains checked (NULL
 * when unknown); owned by @d. */
const char *bk_diagnosis_spf_domain(const bk_diagnosis *d);
const char *bk_diagnosis_from_domain(const bk_diagnosis *d);

/** bk_diagnosis_count - number of checks (after finish). */
size_t bk_diagnosis_count(const bk_diagnosis *d);

/** bk_diagnosis_check - check @i (borrowed), NULL past the end.  A
 * blocklist the bounce names comes first. */
const bk_diag_check *bk_diagnosis_check(const bk_diagnosis *d, size_t i);

/**
 * bk_diagnosis_verdict - BK_DIAG_WRONG when any check is still wrong;
 * else BK_DIAG_FIXED when some check looks fixed; else BK_DIAG_UNCHECKED
 * (nothing could be checked, or no check applies).
 */
bk_diag_state bk_diagnosis_verdict(const bk_diagnosis *d);

/** bk_diagnosis_summary - the overall line ("Still listed on Spamhaus
 * ZEN: delist at URL, then retry."); owned by @d. */
const char *bk_diagnosis_summary(const bk_diagnosis *d);

#define BK_DIAGNOSE_JSON 1u    /* one JSON object, one line */
#define BK_DIAGNOSE_COLOR 2u   /* ANSI colour in text output */
#define BK_DIAGNOSE_FORMAT 1   /* "format" of the JSON object */

/**
 * bk_diagnosis_format - write the explanation of the record followed by
 * the diagnosis (text for people, @width columns, 0 = 80) or one JSON
 * object {"format":1,"explanation":{...},"diagnosis":{...}}.  Untrusted
 * text is escaped (\xNN in text, JSON escapes).
 * @return 0, BK_EINVAL, BK_EIO (writing failed), BK_ENOMEM.
 */
int bk_diagnosis_format(FILE *fp, const bk_diagnosis *d, unsigned flags,
    int width);

/**
 * bk_diagnose_ip_from_text - the sending IP a receiver names in its
 * reply text: "Client host [IP] blocked using", "[IP] blocked using",
 * "messages from [IP]" (Microsoft S3150), "Messages from IP" (Yahoo),
 * "[IP] The IP address sending this message" (Gmail), "ip=IP",
 * ".../ip/IP", "client-ip=IP", "your IP IP"...; the receiver's own
 * address ("host mx.example.net[IP] said", "host NAME [IP]") never
 * counts.  Without such words, a single bracketed public address that is
 * not the receiver's is taken.  Private, loopback and link-local
 * addresses are never the sending IP.
 * @param out  receives the address text (64 bytes suffice).
 * @return 0; BK_ENOTFOUND; BK_ETOOBIG when @cap is too small.
 */
int bk_diagnose_ip_from_text(char *out, size_t cap, const char *text,
    size_t len);

/**
 * bk_diagnose_ip_from_received - the sending IP from the Received fields
 * of the returned message, @values[0] the topmost (most recent).
 *
 * The address our side handed the mail over from is written only by the
 * receiver: the lowest (earliest) Received field added by the receiving
 * side, whose "by" host has the organizational domain of @remote_mta or
 * of @rcpt_domain (and not the sender's, @sender_domain), names it in its
 * from-clause.  When no such field exists (the bounce was made on our
 * side before the receiver added anything), the topmost field is the
 * last one our side added before the mail left; its by-clause names our
 * outgoing server, and an address literal there is taken.  Otherwise the
 * IP is unknown: the from-clause of our own fields is the previous hop
 * (a submission client, a filter), never the address the receiver saw.
 * @param which_out  receives the index of the field used (may be NULL).
 * @return 0, BK_ENOTFOUND, BK_ETOOBIG.
 */
int bk_diagnose_ip_from_received(char *out, size_t cap,
    const char *const *values, const size_t *lens, size_t n,
    const char *remote_mta, const char *rcpt_domain,
    const char *sender_domain, size_t *which_out);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_DIAGNOSE_H */
