/*
 * bouncekit/store.h - the suppression store: addresses, events, audit.
 *
 * A store keeps, per recipient address, whether mail to it is suppressed
 * and why; every record ingested (an event, with the SHA-256 of the
 * message it came from); counters of sender-side failures per sending
 * domain and IP; and an audit row for every change of an address's state.
 *
 * Ingest applies a policy (bk_store_policy) to each classified record:
 *   hard bounce         -> suppress now
 *   soft bounce         -> suppress after soft_limit within soft_window_days
 *                          (older ones decay out of the window; a later
 *                          delivery starts the count again)
 *   sender-side reason  -> never suppress the recipient; count against the
 *                          sending domain and IP
 *   complaint           -> suppress
 *   auto-reply, delay   -> never count
 *   delivery            -> reset the soft count, lift a soft suppression
 * Ingest is idempotent: a (message hash, recipient) pair counts once.
 *
 * Backends: SQLite (a file path) and PostgreSQL (a "postgresql://" or
 * "postgres://" URL, libpq; BK_EUNSUPPORTED when built without it).  Both
 * hold the same tables and behave the same (one test suite runs on both).
 *
 * Thread safety: a bk_store is used by one thread at a time.  Several
 * processes may share one SQLite file or PostgreSQL database; writers
 * wait up to busy_ms for each other and then fail with BK_EAGAIN, as
 * they do when the server cannot be reached or goes away.
 */
#ifndef BOUNCEKIT_STORE_H
#define BOUNCEKIT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "limits.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bk_store bk_store;

/* Longest address kept; bytes of a reason or note (limits.h). */
#define BK_STORE_ADDRESS_MAX BK_LIMIT_STORE_ADDRESS_BYTES
#define BK_STORE_NOTE_MAX BK_LIMIT_STORE_NOTE_BYTES

/* Length of a message hash: SHA-256. */
#define BK_STORE_HASH_BYTES 32

#define BK_STORE_POLICY_VERSION 1

/*
 * The policy.  Days of 0 in an *_expire_days field mean "never expires";
 * a soft_limit or soft_window_days of 0 means the default.
 */
typedef struct bk_store_policy {
	unsigned version;              /* BK_STORE_POLICY_VERSION */
	unsigned soft_limit;           /* 0: 3 soft bounces ... */
	unsigned soft_window_days;     /* 0: ... within 7 days */
	unsigned soft_expire_days;     /* soft suppression lasts 30 days */
	unsigned hard_expire_days;     /* 0: hard suppression is for good */
	unsigned complaint_expire_days; /* 0: complaints are for good */
} bk_store_policy;

#define BK_STORE_POLICY_INIT { BK_STORE_POLICY_VERSION, 3, 7, 30, 0, 0 }

/**
 * bk_store_policy_parse - read a policy file over @policy.
 *
 * Lines are "key = value" (the field names above without the struct
 * prefix), '#' starts a comment, blank lines are ignored.  Unknown keys
 * and bad numbers are errors.
 * @param policy      starts as the defaults or a previous file's values.
 * @param errmsg_out  on BK_ESYNTAX, "FILE:LINE: what", release with free().
 * @return 0, BK_ESYNTAX, BK_EIO (file unreadable, detail in errmsg_out),
 *         BK_ENOMEM.
 */
int bk_store_policy_parse(bk_store_policy *policy, const char *path,
    char **errmsg_out);

#define BK_STORE_OPTIONS_VERSION 2

/*
 * fast_commit (version 2): 0 (the default) makes every commit durable
 * before it returns (SQLite synchronous FULL; PostgreSQL's default).
 * 1 trades the last commits for speed: they survive the process being
 * killed, but a power failure or an operating-system crash (SQLite:
 * synchronous NORMAL in WAL mode, on disk at the next checkpoint) or a
 * server crash (PostgreSQL: synchronous_commit off) may undo them, never
 * half of one.  For bulk ingests of files, which can simply be run again;
 * not for an MTA pipe, whose message is gone once we said "recorded".
 * SQLite also checkpoints less often then (every 4096 pages of WAL).
 */
typedef struct bk_store_options {
	unsigned version;              /* BK_STORE_OPTIONS_VERSION */
	const bk_store_policy *policy; /* NULL: BK_STORE_POLICY_INIT */
	unsigned busy_ms;              /* 0: wait 5000 ms for a lock */
	int read_only;                 /* 1: never create or migrate */
	int fast_commit;               /* 1: see above (version >= 2) */
} bk_store_options;

#define BK_STORE_OPTIONS_INIT { BK_STORE_OPTIONS_VERSION, NULL, 0, 0, 0 }

/**
 * bk_store_new - open (and create or migrate) a store.
 * @param out         receives the store; release with bk_store_free().
 * @param location    a file path, or a postgresql:// URL (libpq syntax;
 *                    "?options=-c%20search_path%3DNAME" picks a schema).
 * @param opts        options or NULL.
 * @param errmsg_out  detail on failure (release with free()); may be NULL.
 * @return 0; BK_EINVAL when the file (schema) exists but is not a
 *         bouncekit store or has a newer schema (left unchanged), or the
 *         URL is malformed; BK_EUNSUPPORTED for a backend not built in;
 *         BK_EAGAIN when the database is busy or locked, or the server
 *         cannot be reached; BK_EIO when it cannot be opened.
 */
int bk_store_new(bk_store **out, const char *location,
    const bk_store_options *opts, char **errmsg_out);

/** bk_store_free - close the store (rolls back an open batch). */
void bk_store_free(bk_store *st);

/** bk_store_errmsg - detail of the last failure on @st, or "". */
const char *bk_store_errmsg(const bk_store *st);

/**
 * bk_store_set_clock - use @now (Unix seconds) as the current time; 0
 * returns to the system clock.  For tests and replays.
 */
void bk_store_set_clock(bk_store *st, int64_t now);

/**
 * bk_store_begin, bk_store_commit, bk_store_rollback - a batch.
 * Ingests between begin and commit are one transaction: all or none.
 * Without a batch, each ingest is its own transaction.
 * @return 0, BK_EAGAIN (busy or locked), BK_EIO.
 */
int bk_store_begin(bk_store *st);
int bk_store_commit(bk_store *st);
int bk_store_rollback(bk_store *st);

/* What the policy made of one record.  X(enum, name) */
#define BK_STORE_EFFECT_LIST(X)                                            \
	X(BK_STORE_IGNORE, "ignore")          /* auto-reply, delay... */ \
	X(BK_STORE_REVIEW, "review")          /* undecodable: kept only */ \
	X(BK_STORE_HARD, "hard")                                           \
	X(BK_STORE_SOFT, "soft")                                           \
	X(BK_STORE_COMPLAINT, "complaint")                                 \
	X(BK_STORE_SENDER, "sender")          /* the sender's problem */  \
	X(BK_STORE_DELIVERED, "delivered")

typedef enum bk_store_effect {
#define BK_STORE_EFFECT_ENUM(e, name) e,
	BK_STORE_EFFECT_LIST(BK_STORE_EFFECT_ENUM)
#undef BK_STORE_EFFECT_ENUM
	BK_STORE_EFFECT_COUNT_
} bk_store_effect;

/** bk_store_effect_name - "hard", "soft", ...; NULL out of range. */
const char *bk_store_effect_name(bk_store_effect e);

/**
 * bk_store_decide - the policy's reading of one classified record (no
 * state involved): sender-side reasons first, then hard, then soft.
 */
bk_store_effect bk_store_decide(const bk_record *rec);

/** bk_store_is_sender_reason - reasons that are the sender's problem. */
int bk_store_is_sender_reason(bk_reason reason);

/* Where a message came from and its envelope (pipe mode). */
typedef struct bk_store_source {
	unsigned char hash[BK_STORE_HASH_BYTES]; /* SHA-256 of the bytes */
	const char *origin;            /* path, "path:N", "-"; may be NULL */
	const char *env_sender;        /* MTA envelope sender, or NULL */
	const char *env_recipient;     /* MTA envelope recipient, or NULL */
} bk_store_source;

/**
 * bk_store_hash - SHA-256 of a message, for bk_store_source.hash.
 * @return 0 or BK_ERROR.
 */
int bk_store_hash(unsigned char out[BK_STORE_HASH_BYTES], const void *data,
    size_t len);

/* The result of one ingest. */
typedef struct bk_store_outcome {
	bk_store_effect effect;
	int duplicate;                 /* already ingested: nothing counted */
	int suppressed;                /* the address is now suppressed */
	int changed;                   /* its state changed (audit row made) */
	int bad_address;               /* recipient missing or malformed */
} bk_store_outcome;

/**
 * bk_store_ingest - record one classified record and apply the policy.
 * @param out  receives what happened; may be NULL.
 * @param rec  a record after bk_classify().
 * @return 0 (also for duplicates and unusable addresses: see @out),
 *         BK_EAGAIN, BK_EIO, BK_ENOMEM.
 */
int bk_store_ingest(bk_store *st, bk_store_outcome *out,
    const bk_record *rec, const bk_store_source *src);

/* State of one address, as plain data owned by the caller. */
typedef struct bk_store_entry {
	char address[BK_STORE_ADDRESS_MAX + 1];
	int suppressed;                /* now, expiry taken into account */
	int expired;                   /* was suppressed, expiry passed */
	char cause[16];                /* hard, soft, complaint, manual */
	char reason[BK_STORE_NOTE_MAX + 1]; /* reason on record */
	unsigned soft_count;           /* within the window, as of now */
	unsigned hard_count;
	unsigned complaint_count;
	int64_t first_bounce;          /* 0 when none */
	int64_t last_bounce;
	int64_t expires_at;            /* 0: never */
	int64_t updated_at;
} bk_store_entry;

/**
 * bk_store_normalize - an address as the store keys it: angle brackets
 * and surrounding blanks removed, lowercased, checked.
 * @param out  receives a NUL-terminated copy (BK_STORE_ADDRESS_MAX + 1).
 * @return 0 or BK_EINVAL (empty, no '@', blanks, controls, too long).
 */
int bk_store_normalize(char out[BK_STORE_ADDRESS_MAX + 1], const char *addr,
    size_t len);

/**
 * bk_store_lookup - the state of an address.
 * @return 0, BK_ENOTFOUND (never seen: clear), BK_EINVAL (malformed
 *         address), BK_EAGAIN, BK_EIO.
 */
int bk_store_lookup(bk_store *st, bk_store_entry *out, const char *addr,
    size_t len);

/**
 * bk_store_suppress - suppress an address by hand.
 * @param reason      why (required, kept on record and in the audit).
 * @param actor       who ("manual:alice"); NULL: "manual".
 * @param expires_at  0 for never.
 * @return 0, BK_EINVAL (malformed address or empty reason), BK_EAGAIN,
 *         BK_EIO.
 */
int bk_store_suppress(bk_store *st, const char *addr, size_t len,
    const char *reason, const char *actor, int64_t expires_at);

/**
 * bk_store_unsuppress - clear an address by hand; its soft count starts
 * again.
 * @return 0, BK_ENOTFOUND (not suppressed), BK_EINVAL, BK_EAGAIN, BK_EIO.
 */
int bk_store_unsuppress(bk_store *st, const char *addr, size_t len,
    const char *reason, const char *actor);

/** Callback of the iterators: return non-zero to stop (returned as is). */
typedef int (*bk_store_entry_cb)(void *ctx, const bk_store_entry *e);

/**
 * bk_store_list - every currently suppressed address, in address order.
 * @return 0, the callback's non-zero value, BK_EAGAIN, BK_EIO.
 */
int bk_store_list(bk_store *st, bk_store_entry_cb cb, void *ctx);

/* One line of an address's history: an event or a state change. */
typedef struct bk_store_history_item {
	int64_t at;
	int is_change;                 /* 1: audit row, 0: event */
	const char *what;              /* event: effect; change: new state */
	const char *from_state;        /* change only */
	const char *actor;             /* change only */
	const char *why;               /* change: note; event: reason */
	const char *kind;              /* event only */
	const char *status;            /* event only */
	const char *origin;            /* event only */
} bk_store_history_item;

typedef int (*bk_store_history_cb)(void *ctx,
    const bk_store_history_item *h);

/**
 * bk_store_history - events and state changes of an address, oldest
 * first.  Strings are valid during the callback only.
 * @return 0, the callback's value, BK_EINVAL, BK_EAGAIN, BK_EIO.
 */
int bk_store_history(bk_store *st, const char *addr, size_t len,
    bk_store_history_cb cb, void *ctx);

/* A sender-side counter. */
typedef struct bk_store_sender_count {
	const char *scope;             /* "domain" or "ip" */
	const char *key;
	const char *reason;
	unsigned count;
	int64_t first_seen;
	int64_t last_seen;
} bk_store_sender_count;

typedef int (*bk_store_sender_cb)(void *ctx,
    const bk_store_sender_count *c);

/** bk_store_senders - the sender-side counters, by scope, key, reason. */
int bk_store_senders(bk_store *st, bk_store_sender_cb cb, void *ctx);

typedef int (*bk_store_event_cb)(void *ctx, int64_t at,
    const char *record, size_t len);

/**
 * bk_store_events - every recorded event at or after @since (Unix
 * seconds; 0 for all), in the order they were stored, one at a time:
 * memory does not grow with their number.  @record is the event's record
 * as JSON (bk_format_read_json() reads it back), valid during the
 * callback only; @at is when the event happened.  A nonzero return from
 * @cb stops the walk and is returned.
 * @return 0, the callback's value, BK_EAGAIN, BK_EIO.
 */
int bk_store_events(bk_store *st, int64_t since, bk_store_event_cb cb,
    void *ctx);

/**
 * bk_store_export - the suppressed addresses as CSV with the header
 * "address,cause,reason,first_bounce,last_bounce,expires_at" (times in
 * RFC 3339 UTC, empty when none).
 * @return 0, BK_EIO (also for a write error on @fp), BK_EAGAIN.
 */
int bk_store_export(bk_store *st, FILE *fp);

/**
 * bk_store_import - suppress every address of a CSV document in one
 * transaction.  The first line is a header naming the columns; "address"
 * is required, "reason", "cause" and "expires_at" are optional (export's
 * columns are accepted as they are).  Any bad line aborts the whole
 * import: nothing is changed.
 * @param count_out   receives the number of addresses imported.
 * @param errmsg_out  on BK_ESYNTAX/BK_EINVAL, "line N: what" (free()).
 * @return 0, BK_ESYNTAX (CSV or columns), BK_EINVAL (a bad address or
 *         time), BK_EAGAIN, BK_EIO, BK_ENOMEM.
 */
int bk_store_import(bk_store *st, const char *data, size_t len,
    const char *actor, size_t *count_out, char **errmsg_out);

/* VERP styles of a return path.  X(enum, name) */
#define BK_STORE_VERP_LIST(X)                                              \
	X(BK_STORE_VERP_NONE, "none")                                      \
	X(BK_STORE_VERP_POSTFIX, "postfix")  /* bounces+u=d@h (XVERP) */   \
	X(BK_STORE_VERP_QMAIL, "qmail")      /* list-return-NN-u=d@h */    \
	X(BK_STORE_VERP_MAILMAN, "mailman")  /* list-bounces+u=d@h */      \
	X(BK_STORE_VERP_SYMPA, "sympa")      /* bounce+u==a==d==list@h */

typedef enum bk_store_verp_style {
#define BK_STORE_VERP_ENUM(e, name) e,
	BK_STORE_VERP_LIST(BK_STORE_VERP_ENUM)
#undef BK_STORE_VERP_ENUM
	BK_STORE_VERP_COUNT_
} bk_store_verp_style;

/** bk_store_verp_style_name - "postfix", ...; NULL out of range. */
const char *bk_store_verp_style_name(bk_store_verp_style s);

/**
 * bk_store_verp_decode - the original recipient encoded in a bounce's
 * envelope recipient (the return path it came back to).
 *
 * SRS0/SRS1 wrapping is removed first (hashes are not verified), then the
 * local part is read as Sympa, Mailman, qmail/ezmlm or Postfix XVERP, in
 * that order (examples in lib/store/store_verp.c).
 * @param out         receives the decoded recipient, normalised; when the
 *                    address is not VERP, the SRS-unwrapped return path.
 * @param style_out   receives the style; may be NULL.
 * @param srs_out     receives 1 when SRS was unwrapped; may be NULL.
 * @param delimiters  Postfix's two VERP delimiters (default_verp_
 *                    delimiters), NULL for "+=".
 * @return 0 (decoded), BK_ENOTFOUND (not VERP), BK_EINVAL (malformed
 *         address, SRS or delimiters).
 */
int bk_store_verp_decode(char out[BK_STORE_ADDRESS_MAX + 1],
    bk_store_verp_style *style_out, int *srs_out, const char *addr,
    size_t len, const char *delimiters);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_STORE_H */
