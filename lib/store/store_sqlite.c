/*
 * store_sqlite.c - the SQLite backend of the store.
 *
 * One file, WAL journal (readers never wait for the writer), synchronous
 * FULL (a commit that returned is on disk: pipe mode tells the MTA
 * "recorded" only after it) unless the caller asked for fast commits
 * (NORMAL: synced at checkpoints; bulk ingests), a busy timeout so
 * that concurrent ingesters wait for each other instead of failing, and
 * write transactions opened with BEGIN IMMEDIATE so that two writers
 * never deadlock on a lock upgrade.  Every statement with data is
 * prepared once and bound.
 *
 * Ownership check: a bouncekit store carries PRAGMA application_id
 * STORE_APP_ID and a schema_version table.  A file that is not SQLite, or
 * an SQLite database with tables but without our id, is refused before
 * anything is written to it (not even the journal mode).
 *
 * Migrations: migrations[i] moves the schema from version i to i + 1, in
 * the same transaction that records it in schema_version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store/store_int.h"

/* "bkst" */
#define STORE_APP_ID 0x626b7374

static const char *const migrations[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE schema_version ("
	"  version INTEGER PRIMARY KEY,"
	"  applied_at INTEGER NOT NULL);"
	"CREATE TABLE addresses ("
	"  address TEXT PRIMARY KEY,"
	"  state TEXT NOT NULL CHECK (state IN ('clear', 'suppressed')),"
	"  cause TEXT,"
	"  reason TEXT,"
	"  soft_count INTEGER NOT NULL DEFAULT 0,"
	"  hard_count INTEGER NOT NULL DEFAULT 0,"
	"  complaint_count INTEGER NOT NULL DEFAULT 0,"
	"  first_bounce INTEGER,"
	"  last_bounce INTEGER,"
	"  expires_at INTEGER,"
	"  reset_at INTEGER,"
	"  updated_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX addresses_suppressed ON addresses (state, address);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  message_hash TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  origin TEXT,"
	"  kind TEXT NOT NULL,"
	"  reason TEXT,"
	"  status TEXT,"
	"  hard INTEGER NOT NULL,"
	"  effect TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  ingested_at INTEGER NOT NULL,"
	"  sender_domain TEXT,"
	"  sender_ip TEXT,"
	"  env_sender TEXT,"
	"  env_recipient TEXT,"
	"  record TEXT NOT NULL,"
	"  UNIQUE (message_hash, recipient));"
	"CREATE INDEX events_recipient ON events (recipient, at);"
	"CREATE TABLE sender_counters ("
	"  scope TEXT NOT NULL CHECK (scope IN ('domain', 'ip')),"
	"  key TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  PRIMARY KEY (scope, key, reason)) WITHOUT ROWID;"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  address TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  old_state TEXT,"
	"  new_state TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  why TEXT NOT NULL,"
	"  event_id INTEGER REFERENCES events (id));"
	"CREATE INDEX audit_address ON audit (address, at);"
	"PRAGMA application_id = 1651209076;",
	/*
	 * 1 -> 2: the soft bounces of an address by time, from the index
	 * alone (the policy's window count and soft_times)
	 */
	"CREATE INDEX events_soft ON events (recipient, at) "
	"WHERE effect = 'soft';",
	/*
	 * 2 -> 3: one index fewer per event.  The key becomes UNIQUE
	 * (recipient, message_hash), which also finds an address's events
	 * (history), so events_recipient goes.  SQLite cannot change a
	 * table's constraint in place: the table is rebuilt (ids kept, so
	 * audit.event_id still points at its event).
	 */
	"CREATE TABLE events_v3 ("
	"  id INTEGER PRIMARY KEY,"
	"  message_hash TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  origin TEXT,"
	"  kind TEXT NOT NULL,"
	"  reason TEXT,"
	"  status TEXT,"
	"  hard INTEGER NOT NULL,"
	"  effect TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  ingested_at INTEGER NOT NULL,"
	"  sender_domain TEXT,"
	"  sender_ip TEXT,"
	"  env_sender TEXT,"
	"  env_recipient TEXT,"
	"  record TEXT NOT NULL,"
	"  UNIQUE (recipient, message_hash));"
	"INSERT INTO events_v3 SELECT id, message_hash, recipient, origin, "
	"kind, reason, status, hard, effect, at, ingested_at, sender_domain, "
	"sender_ip, env_sender, env_recipient, record FROM events "
	"ORDER BY id;"
	"DROP TABLE events;"
	"ALTER TABLE events_v3 RENAME TO events;"
	"CREATE INDEX events_soft ON events (recipient, at) "
	"WHERE effect = 'soft';",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define ROW_COLUMNS                                                        \
	"address, state, cause, reason, soft_count, hard_count, "          \
	"complaint_count, first_bounce, last_bounce, expires_at, reset_at, " \
	"updated_at"

enum {
	S_LOOKUP,
	S_UPSERT,
	S_DELETE,
	S_ITERATE,
	S_EVENT,
	S_SOFT,
	S_SOFT_TIMES,
	S_SENDER,
	S_AUDIT,
	S_HISTORY,
	S_SENDERS,
	S_EVENTS,
	S_VERSION,
	S_COUNT_
};

static const char *const sql[S_COUNT_] = {
	[S_LOOKUP] = "SELECT " ROW_COLUMNS " FROM addresses WHERE address = ?1",
	[S_UPSERT] = "INSERT INTO addresses (" ROW_COLUMNS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
	    "ON CONFLICT (address) DO UPDATE SET state = excluded.state, "
	    "cause = excluded.cause, reason = excluded.reason, "
	    "soft_count = excluded.soft_count, "
	    "hard_count = excluded.hard_count, "
	    "complaint_count = excluded.complaint_count, "
	    "first_bounce = excluded.first_bounce, "
	    "last_bounce = excluded.last_bounce, "
	    "expires_at = excluded.expires_at, reset_at = excluded.reset_at, "
	    "updated_at = excluded.updated_at",
	[S_DELETE] = "DELETE FROM addresses WHERE address = ?1",
	[S_ITERATE] = "SELECT " ROW_COLUMNS " FROM addresses "
	    "WHERE state = 'suppressed' "
	    "AND (expires_at IS NULL OR expires_at > ?1) ORDER BY address",
	[S_EVENT] = "INSERT INTO events (message_hash, recipient, origin, "
	    "kind, reason, status, hard, effect, at, ingested_at, "
	    "sender_domain, sender_ip, env_sender, env_recipient, record) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15) ON CONFLICT (recipient, message_hash) DO NOTHING",
	[S_SOFT] = "SELECT count(*) FROM events WHERE recipient = ?1 "
	    "AND effect = 'soft' AND at > ?2 AND at <= ?3",
	[S_SOFT_TIMES] = "SELECT at FROM events WHERE recipient = ?1 "
	    "AND effect = 'soft' AND at > ?2 ORDER BY at LIMIT ?3",
	[S_SENDER] = "INSERT INTO sender_counters VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6) ON CONFLICT (scope, key, reason) DO UPDATE SET "
	    "count = count + excluded.count, "
	    "first_seen = min(first_seen, excluded.first_seen), "
	    "last_seen = max(last_seen, excluded.last_seen)",
	[S_AUDIT] = "INSERT INTO audit (address, at, old_state, new_state, "
	    "actor, why, event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_HISTORY] = "SELECT at, 0 AS c, effect, NULL, NULL, reason, kind, "
	    "status, origin, id FROM events WHERE recipient = ?1 "
	    "UNION ALL SELECT at, 1 AS c, new_state, old_state, actor, why, "
	    "NULL, NULL, NULL, id FROM audit WHERE address = ?1 "
	    "ORDER BY 1, 2, 10",
	[S_SENDERS] = "SELECT scope, key, reason, count, first_seen, "
	    "last_seen FROM sender_counters ORDER BY scope, key, reason",
	[S_EVENTS] = "SELECT at, record FROM events WHERE at >= ?1 "
	    "ORDER BY id",
	[S_VERSION] = "PRAGMA data_version",
};

typedef struct conn {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT_];
	char err[512];
} conn;

/* fail - map an SQLite result to a BK_E* code and keep the detail */
static int
fail(conn *c, int src, const char *what)
{
	snprintf(c->err, sizeof(c->err), "%s: %s", what,
	    c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(src));
	switch (src & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_PROTOCOL:
		return BK_EAGAIN;
	case SQLITE_NOMEM:
		return BK_ENOMEM;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return BK_EINVAL;
	default:
		return BK_EIO;
	}
}

/*
 * stmt - the prepared statement @i, reset.  Bindings are not cleared:
 * every caller binds every parameter of its statement.
 */
static sqlite3_stmt *
stmt(conn *c, int i)
{
	sqlite3_stmt *s = c->st[i];

	sqlite3_reset(s);
	return s;
}

/* bind_text - NULL binds SQL NULL */
static void
bind_text(sqlite3_stmt *s, int i, const char *t)
{
	if (t == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
}

/* bind_time - 0 binds SQL NULL */
static void
bind_time(sqlite3_stmt *s, int i, int64_t t)
{
	if (t == 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, t);
}

/* col_copy - a text column into a fixed buffer */
static void
col_copy(char *dst, size_t cap, sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

/* exec_one - run a statement that returns no rows */
static int
exec_one(conn *c, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(c, rc, what);
	return 0;
}

/* simple - a fixed statement without parameters */
static int
simple(conn *c, const char *text)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, text, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		int e;

		e = fail(c, rc, text);
		if (msg != NULL) {
			snprintf(c->err, sizeof(c->err), "%s: %s", text, msg);
			sqlite3_free(msg);
		}
		return e;
	}
	return 0;
}

/* pragma_int - the integer result of a PRAGMA query */
static int
pragma_int(conn *c, const char *text, int64_t *out)
{
	sqlite3_stmt *s;
	int rc;

	*out = 0;
	rc = sqlite3_prepare_v2(c->db, text, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return fail(c, rc, "reading the database");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK)
		return fail(c, rc, "reading the database");
	return 0;
}

/*
 * inspect - is the file ours (1), empty (0), or not ours (BK_EINVAL)?
 * Reads only.  *version receives the schema version of our files.
 */
static int
inspect(conn *c, int64_t *version)
{
	int64_t app, tables;
	int rc;

	*version = 0;
	/* one statement, one snapshot: another process may be creating it */
	rc = pragma_int(c, "SELECT (SELECT count(*) FROM sqlite_master) * "
	    "4294967296 + (SELECT application_id FROM pragma_application_id)",
	    &app);
	if (rc == BK_EINVAL) {
		snprintf(c->err, sizeof(c->err),
		    "not a bouncekit store (not an SQLite database); "
		    "left unchanged");
		return BK_EINVAL;
	}
	if (rc != 0)
		return rc;
	tables = app >> 32;
	app &= 0xffffffff;
	if (app == 0 && tables == 0)
		return 0;
	if (app != STORE_APP_ID) {
		snprintf(c->err, sizeof(c->err),
		    "not a bouncekit store (an SQLite database with %lld "
		    "objects and application_id %lld); left unchanged",
		    (long long)tables, (long long)app);
		return BK_EINVAL;
	}
	rc = pragma_int(c, "SELECT max(version) FROM schema_version",
	    version);
	if (rc != 0)
		return rc;
	if (*version > SCHEMA_VERSION) {
		snprintf(c->err, sizeof(c->err),
		    "store schema version %lld is newer than this bouncekit "
		    "understands (%d); left unchanged", (long long)*version,
		    SCHEMA_VERSION);
		return BK_EINVAL;
	}
	return 1;
}

/* migrate - bring the schema to SCHEMA_VERSION in one transaction */
static int
migrate(conn *c)
{
	int64_t version;
	int rc, i;

	rc = simple(c, "BEGIN IMMEDIATE");
	if (rc != 0)
		return rc;
	/* look again under the write lock: another process may have won */
	rc = inspect(c, &version);
	if (rc < 0)
		goto out;
	rc = 0;
	for (i = (int)version; i < SCHEMA_VERSION && rc == 0; i++) {
		sqlite3_stmt *s;

		rc = simple(c, migrations[i]);
		if (rc != 0)
			break;
		if (sqlite3_prepare_v2(c->db, "INSERT INTO schema_version "
		    "VALUES (?1, strftime('%s', 'now'))", -1, &s, NULL) !=
		    SQLITE_OK) {
			rc = fail(c, sqlite3_errcode(c->db), "migration");
			break;
		}
		sqlite3_bind_int(s, 1, i + 1);
		rc = exec_one(c, s, "migration");
		sqlite3_finalize(s);
	}
out:
	if (rc == 0)
		return simple(c, "COMMIT");
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * set_wal - switch to WAL once (the mode is stored in the file).  The
 * switch needs the file to itself and SQLite does not call the busy
 * handler for it, so a process racing another one to create the store
 * retries here, for at most busy_ms.
 */
static int
set_wal(conn *c, unsigned busy_ms)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	unsigned waited = 0;
	int rc;

	for (;;) {
		rc = simple(c, "PRAGMA journal_mode = WAL");
		if (rc != BK_EAGAIN || waited >= busy_ms)
			return rc;
		nanosleep(&pause, NULL);
		waited += 10;
	}
}

static void sq_close(void *vc);

/* sq_open - open, check ownership, set WAL, migrate, prepare */
static int
sq_open(void **out, const char *location, unsigned busy_ms, int read_only,
    int fast_commit, char *err, size_t errlen)
{
	conn *c;
	int64_t version;
	int rc, i, flags, empty;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return BK_ENOMEM;
	flags = read_only ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(location, &c->db, flags | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		rc = fail(c, rc, location);
		if (rc != BK_ENOMEM && rc != BK_EAGAIN)
			rc = BK_EIO;
		goto bad;
	}
	sqlite3_extended_result_codes(c->db, 0);
	sqlite3_busy_timeout(c->db, (int)busy_ms);
	rc = inspect(c, &version);
	if (rc < 0)
		goto bad;
	empty = rc == 0;
	if (!read_only) {
		/* ours or empty: only now may anything be written */
		/*
		 * A new file gets 16 kB pages (SQLite's default is 4 kB): a
		 * quarter of the WAL frames, page writes and checkpoint
		 * copies per batch for the same rows (docs/store.md).  An
		 * existing store keeps its page size.
		 */
		rc = empty ? simple(c, "PRAGMA page_size = 16384") : 0;
		if (rc == 0)
			rc = set_wal(c, busy_ms);
		/*
		 * FULL: a commit is on disk when it returns.  NORMAL (WAL):
		 * the WAL is synced at checkpoints only, so a commit survives
		 * the process dying but maybe not the machine; never half of
		 * one (docs/DECISIONS.md).
		 */
		if (rc == 0)
			rc = simple(c, fast_commit ?
			    "PRAGMA synchronous = NORMAL" :
			    "PRAGMA synchronous = FULL");
		/* 16 MB of page cache (default 2 MB): the indexes of events */
		if (rc == 0)
			rc = simple(c, "PRAGMA cache_size = -16384");
		/*
		 * Bulk ingests: checkpoint every 64 MB of WAL instead of 16
		 * (1000 pages of 16 kB): a checkpoint waits for two fsyncs
		 * and copies pages that later batches change again; the
		 * file is cut back to 64 MB after one.  A power failure may
		 * undo more of the last commits (never half of one); a
		 * killed process loses none (docs/store.md).
		 */
		if (rc == 0 && fast_commit)
			rc = simple(c, "PRAGMA wal_autocheckpoint = 4096");
		if (rc == 0 && fast_commit)
			rc = simple(c, "PRAGMA journal_size_limit = 67108864");
		if (rc == 0 && version < SCHEMA_VERSION)
			rc = migrate(c);
		if (rc != 0)
			goto bad;
	} else if (version < SCHEMA_VERSION) {
		snprintf(c->err, sizeof(c->err), "%s: store schema version "
		    "%lld needs a migration (open it read-write once)",
		    location, (long long)version);
		rc = BK_EINVAL;
		goto bad;
	}
	for (i = 0; i < S_COUNT_; i++) {
		rc = sqlite3_prepare_v3(c->db, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL);
		if (rc != SQLITE_OK) {
			rc = fail(c, rc, "preparing statements");
			goto bad;
		}
	}
	*out = c;
	return 0;
bad:
	snprintf(err, errlen, "%s", c->err);
	sq_close(c);
	return rc;
}

/* sq_close - finalize statements and close */
static void
sq_close(void *vc)
{
	conn *c = vc;
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < S_COUNT_; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	free(c);
}

static const char *
sq_errmsg(void *vc)
{
	return ((conn *)vc)->err;
}

static int
sq_begin(void *vc)
{
	return simple(vc, "BEGIN IMMEDIATE");
}

static int
sq_commit(void *vc)
{
	conn *c = vc;
	int rc = simple(c, "COMMIT");

	/* a failed COMMIT may leave the transaction open: end it */
	if (rc != 0 && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int
sq_rollback(void *vc)
{
	conn *c = vc;

	if (sqlite3_get_autocommit(c->db))
		return 0;
	return simple(c, "ROLLBACK");
}

/* read_row - the columns of ROW_COLUMNS into a row */
static void
read_row(bk__store_row *r, sqlite3_stmt *s)
{
	const unsigned char *state;

	memset(r, 0, sizeof(*r));
	col_copy(r->e.address, sizeof(r->e.address), s, 0);
	state = sqlite3_column_text(s, 1);
	r->e.suppressed = state != NULL &&
	    strcmp((const char *)state, "suppressed") == 0;
	col_copy(r->e.cause, sizeof(r->e.cause), s, 2);
	col_copy(r->e.reason, sizeof(r->e.reason), s, 3);
	r->e.soft_count = (unsigned)sqlite3_column_int64(s, 4);
	r->e.hard_count = (unsigned)sqlite3_column_int64(s, 5);
	r->e.complaint_count = (unsigned)sqlite3_column_int64(s, 6);
	r->e.first_bounce = sqlite3_column_int64(s, 7);
	r->e.last_bounce = sqlite3_column_int64(s, 8);
	r->e.expires_at = sqlite3_column_int64(s, 9);
	r->reset_at = sqlite3_column_int64(s, 10);
	r->e.updated_at = sqlite3_column_int64(s, 11);
}

static int
sq_lookup(void *vc, bk__store_row *out, const char *addr)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_LOOKUP);
	int rc;

	bind_text(s, 1, addr);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		read_row(out, s);
		sqlite3_reset(s);
		return 0;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return BK_ENOTFOUND;
	return fail(c, rc, "lookup");
}

static int
sq_upsert(void *vc, const bk__store_row *r)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_UPSERT);

	bind_text(s, 1, r->e.address);
	bind_text(s, 2, r->e.suppressed ? "suppressed" : "clear");
	bind_text(s, 3, r->e.cause[0] ? r->e.cause : NULL);
	bind_text(s, 4, r->e.reason[0] ? r->e.reason : NULL);
	sqlite3_bind_int64(s, 5, r->e.soft_count);
	sqlite3_bind_int64(s, 6, r->e.hard_count);
	sqlite3_bind_int64(s, 7, r->e.complaint_count);
	bind_time(s, 8, r->e.first_bounce);
	bind_time(s, 9, r->e.last_bounce);
	bind_time(s, 10, r->e.expires_at);
	bind_time(s, 11, r->reset_at);
	sqlite3_bind_int64(s, 12, r->e.updated_at);
	return exec_one(c, s, "updating an address");
}

static int
sq_delete(void *vc, const char *addr)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_DELETE);

	bind_text(s, 1, addr);
	return exec_one(c, s, "deleting an address");
}

static int
sq_iterate(void *vc, int64_t now, bk__store_row_cb cb, void *ctx)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_ITERATE);
	bk__store_row r;
	int rc, ret = 0;

	sqlite3_bind_int64(s, 1, now);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_row(&r, s);
		ret = cb(ctx, &r);
		if (ret != 0)
			break;
	}
	sqlite3_reset(s);
	if (ret != 0)
		return ret;
	if (rc != SQLITE_DONE)
		return fail(c, rc, "listing addresses");
	return 0;
}

static int
sq_event_add(void *vc, int64_t *id_out, const bk__store_event *ev)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_EVENT);
	int rc;

	bind_text(s, 1, ev->hash_hex);
	bind_text(s, 2, ev->recipient);
	bind_text(s, 3, ev->origin);
	bind_text(s, 4, ev->kind);
	bind_text(s, 5, ev->reason);
	bind_text(s, 6, ev->status);
	sqlite3_bind_int(s, 7, ev->hard);
	bind_text(s, 8, ev->effect);
	sqlite3_bind_int64(s, 9, ev->at);
	sqlite3_bind_int64(s, 10, ev->ingested_at);
	bind_text(s, 11, ev->sender_domain);
	bind_text(s, 12, ev->sender_ip);
	bind_text(s, 13, ev->env_sender);
	bind_text(s, 14, ev->env_recipient);
	sqlite3_bind_text64(s, 15, ev->json, ev->json_len, SQLITE_STATIC,
	    SQLITE_UTF8);
	rc = exec_one(c, s, "recording an event");
	if (rc != 0)
		return rc;
	*id_out = sqlite3_changes(c->db) == 0 ? 0 :
	    sqlite3_last_insert_rowid(c->db);
	return 0;
}

static int
sq_soft_count(void *vc, unsigned *out, const char *addr, int64_t after,
    int64_t until)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_SOFT);
	int rc;

	bind_text(s, 1, addr);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int64(s, 3, until);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = (unsigned)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return fail(c, rc, "counting soft bounces");
	return 0;
}

static int
sq_soft_times(void *vc, int64_t *out, size_t cap, size_t *n_out,
    const char *addr, int64_t after)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_SOFT_TIMES);
	size_t n = 0;
	int rc;

	bind_text(s, 1, addr);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)cap);
	/* loop: LIMIT bounds the rows to cap */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < cap)
		out[n++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	*n_out = n;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(c, rc, "reading soft bounces");
	return 0;
}

static int
sq_sender_bump(void *vc, const char *scope, const char *key,
    const char *reason, unsigned count, int64_t first, int64_t last)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_SENDER);

	bind_text(s, 1, scope);
	bind_text(s, 2, key);
	bind_text(s, 3, reason);
	sqlite3_bind_int64(s, 4, count);
	sqlite3_bind_int64(s, 5, first);
	sqlite3_bind_int64(s, 6, last);
	return exec_one(c, s, "counting a sender-side failure");
}

static int
sq_audit_add(void *vc, const bk__store_audit *a)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_AUDIT);

	bind_text(s, 1, a->address);
	sqlite3_bind_int64(s, 2, a->at);
	bind_text(s, 3, a->old_state);
	bind_text(s, 4, a->new_state);
	bind_text(s, 5, a->actor);
	bind_text(s, 6, a->why);
	bind_time(s, 7, a->event_id);
	return exec_one(c, s, "writing the audit trail");
}

/* ctext - a text column or NULL */
static const char *
ctext(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static int
sq_history(void *vc, const char *addr, bk_store_history_cb cb, void *ctx)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_HISTORY);
	bk_store_history_item h;
	int rc, ret = 0;

	bind_text(s, 1, addr);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&h, 0, sizeof(h));
		h.at = sqlite3_column_int64(s, 0);
		h.is_change = sqlite3_column_int(s, 1);
		h.what = ctext(s, 2);
		h.from_state = ctext(s, 3);
		h.actor = ctext(s, 4);
		h.why = ctext(s, 5);
		h.kind = ctext(s, 6);
		h.status = ctext(s, 7);
		h.origin = ctext(s, 8);
		ret = cb(ctx, &h);
		if (ret != 0)
			break;
	}
	sqlite3_reset(s);
	if (ret != 0)
		return ret;
	if (rc != SQLITE_DONE)
		return fail(c, rc, "reading history");
	return 0;
}

static int
sq_senders(void *vc, bk_store_sender_cb cb, void *ctx)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_SENDERS);
	bk_store_sender_count sc;
	int rc, ret = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sc.scope = ctext(s, 0);
		sc.key = ctext(s, 1);
		sc.reason = ctext(s, 2);
		sc.count = (unsigned)sqlite3_column_int64(s, 3);
		sc.first_seen = sqlite3_column_int64(s, 4);
		sc.last_seen = sqlite3_column_int64(s, 5);
		ret = cb(ctx, &sc);
		if (ret != 0)
			break;
	}
	sqlite3_reset(s);
	if (ret != 0)
		return ret;
	if (rc != SQLITE_DONE)
		return fail(c, rc, "reading sender counters");
	return 0;
}

static int
sq_events(void *vc, int64_t since, bk_store_event_cb cb, void *ctx)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_EVENTS);
	int rc, ret = 0;

	sqlite3_bind_int64(s, 1, since);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *rec = ctext(s, 1);

		ret = cb(ctx, sqlite3_column_int64(s, 0), rec ? rec : "",
		    (size_t)sqlite3_column_bytes(s, 1));
		if (ret != 0)
			break;
	}
	sqlite3_reset(s);
	if (ret != 0)
		return ret;
	if (rc != SQLITE_DONE)
		return fail(c, rc, "reading events");
	return 0;
}

/*
 * sq_generation - PRAGMA data_version: changes exactly when another
 * connection committed since this one last looked (our own commits
 * leave it alone).  Read under BEGIN IMMEDIATE, nobody can commit
 * between the read and our COMMIT.
 */
static int
sq_generation(void *vc, int64_t *out)
{
	conn *c = vc;
	sqlite3_stmt *s = stmt(c, S_VERSION);
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return fail(c, rc, "reading data_version");
	return 0;
}

const bk__store_backend bk__store_sqlite = {
	"sqlite",
	sq_open,
	sq_close,
	sq_errmsg,
	sq_begin,
	sq_commit,
	sq_rollback,
	sq_lookup,
	sq_upsert,
	sq_delete,
	sq_iterate,
	sq_event_add,
	sq_soft_count,
	sq_soft_times,
	sq_sender_bump,
	sq_audit_add,
	sq_history,
	sq_senders,
	sq_events,
	sq_generation,
};
