/*
 * store_int.h - the store's backend interface and the policy's pure core.
 *
 * store.c holds everything that does not depend on the database: address
 * normalisation, the policy (store_policy.c), the order of operations of
 * one ingest.  A backend implements the vtable below over its own
 * connection; SQLite is store_sqlite.c, PostgreSQL (libpq) store_pg.c,
 * over the same tables and columns (docs/store.md).  bk_store_new()
 * chooses by the location's scheme.
 *
 * Conventions of every operation: 0 on success; BK_ENOTFOUND where a row
 * may be missing; BK_EAGAIN for busy, locked or unreachable databases;
 * BK_EIO for other database failures; the detail is in errmsg().  All
 * SQL uses bound parameters, never text pasted into a statement.
 */
#ifndef BK_STORE_INT_H
#define BK_STORE_INT_H

#include <stdint.h>

#include "bouncekit/errors.h"
#include "bouncekit/store.h"

/* State of one address as stored (expiry not yet applied). */
typedef struct bk__store_row {
	bk_store_entry e;              /* suppressed = the stored state */
	int64_t reset_at;              /* last delivery; 0 none */
} bk__store_row;

/* One ingested record. */
typedef struct bk__store_event {
	const char *hash_hex;          /* 64 hex digits */
	const char *recipient;         /* normalised, "" when unusable */
	const char *origin;
	const char *kind;
	const char *reason;
	const char *status;
	int hard;
	const char *effect;
	int64_t at;                    /* when it happened */
	int64_t ingested_at;
	const char *sender_domain;
	const char *sender_ip;
	const char *env_sender;
	const char *env_recipient;
	const char *json;              /* the record, compact JSON */
	size_t json_len;
} bk__store_event;

/* One state change. */
typedef struct bk__store_audit {
	const char *address;
	int64_t at;
	const char *old_state;
	const char *new_state;
	const char *actor;
	const char *why;
	int64_t event_id;              /* 0: not caused by an event */
} bk__store_audit;

typedef int (*bk__store_row_cb)(void *ctx, const bk__store_row *r);

typedef struct bk__store_backend {
	const char *name;
	/* fast_commit: synchronous NORMAL where the backend has it */
	int (*open)(void **out, const char *location, unsigned busy_ms,
	    int read_only, int fast_commit, char *err, size_t errlen);
	void (*close)(void *c);
	const char *(*errmsg)(void *c);
	int (*begin)(void *c);
	int (*commit)(void *c);
	int (*rollback)(void *c);
	/* addresses */
	int (*lookup)(void *c, bk__store_row *out, const char *addr);
	int (*upsert)(void *c, const bk__store_row *r);
	int (*delete_)(void *c, const char *addr);
	int (*iterate)(void *c, int64_t now, bk__store_row_cb cb, void *ctx);
	/* events: *id_out = 0 when (hash, recipient) was already there */
	int (*event_add)(void *c, int64_t *id_out, const bk__store_event *ev);
	int (*soft_count)(void *c, unsigned *out, const char *addr,
	    int64_t after, int64_t until);
	/*
	 * soft_times: the times of @addr's soft events after @after,
	 * ascending, at most @cap of them (*n_out == cap: maybe more).
	 */
	int (*soft_times)(void *c, int64_t *out, size_t cap, size_t *n_out,
	    const char *addr, int64_t after);
	/* sender_bump: add @count failures seen between @first and @last */
	int (*sender_bump)(void *c, const char *scope, const char *key,
	    const char *reason, unsigned count, int64_t first, int64_t last);
	int (*audit_add)(void *c, const bk__store_audit *a);
	int (*history)(void *c, const char *addr, bk_store_history_cb cb,
	    void *ctx);
	int (*senders)(void *c, bk_store_sender_cb cb, void *ctx);
	/* events: at or after @since, in id order, one row at a time */
	int (*events)(void *c, int64_t since, bk_store_event_cb cb,
	    void *ctx);
	/*
	 * generation: right after begin, a number that differs from the
	 * one read after this connection's previous begin exactly when
	 * another connection has committed in between (SQLite's
	 * data_version).  NULL when the backend cannot tell; store.c then
	 * keeps its address cache for one transaction only.
	 */
	int (*generation)(void *c, int64_t *out);
} bk__store_backend;

extern const bk__store_backend bk__store_sqlite;
#ifdef BK_HAVE_POSTGRESQL
extern const bk__store_backend bk__store_pg;      /* store_pg.c */
/* the file dlopen() loads for libpq (store_pg.c); tests may point it
 * elsewhere before a PostgreSQL store is first opened */
extern const char *bk__pq_soname;
#endif

/*
 * bk__store_transition - apply one effect to an address's state.
 * @param row        the current state with expiry already applied;
 *                   updated in place.
 * @param soft_in_window  soft events in the window, this one included.
 * @param at         when the event happened.
 * @param why_out    receives a static description of the change.
 * @return 1 when the suppressed state or its cause changed, else 0.
 */
int bk__store_transition(const bk_store_policy *p, bk__store_row *row,
    bk_store_effect eff, bk_reason reason, unsigned soft_in_window,
    int64_t at, const char **why_out);

/* bk__store_policy_fill - the defaults for every 0 field that has one. */
void bk__store_policy_fill(bk_store_policy *p);

/* One line of an import, checked. */
typedef struct bk__store_import_row {
	char address[BK_STORE_ADDRESS_MAX + 1];
	char cause[16];
	char reason[BK_STORE_NOTE_MAX + 1];
	int64_t expires_at;            /* 0: never */
} bk__store_import_row;

/*
 * bk__store_csv_parse - read and check a whole CSV import (store_csv.c).
 * @param rows_out  receives a malloc'd array (free()).
 * @return 0, BK_ESYNTAX or BK_EINVAL with "line N: what" in *errmsg_out,
 *         BK_ENOMEM.
 */
int bk__store_csv_parse(bk__store_import_row **rows_out, size_t *n_out,
    const char *data, size_t len, char **errmsg_out);

/* bk__store_time_format - RFC 3339 UTC ("2026-11-16T08:12:43Z"). */
void bk__store_time_format(char *dst, size_t cap, int64_t t);

#endif /* BK_STORE_INT_H */
