/*
 * store_pg.c - the PostgreSQL backend of the store (libpq).
 *
 * Same tables and columns as store_sqlite.c (docs/store.md), in the first
 * schema of the connection's search_path, so one database can hold
 * several stores ("?options=-csearch_path%3Dlist2" in the URL).  Every
 * statement with data is prepared once per connection (PQprepare) and run
 * with bound parameters; only fixed text (DDL, BEGIN, COMMIT) goes
 * through PQexec.
 *
 * Writers: each write transaction takes one transaction-scoped advisory
 * lock (STORE_LOCK, keyed by the schema) right after BEGIN, so writers
 * run one at a time as SQLite's BEGIN IMMEDIATE makes them.  An ingest
 * reads an address, applies the policy and writes it back; under READ
 * COMMITTED two writers interleaving there would lose an update, and
 * finer row locks taken in the order records arrive can deadlock across
 * batches.  One lock keeps counts exact and deadlocks impossible; the
 * waiting is bounded by lock_timeout = busy_ms.  Decoding, the expensive
 * part of an ingest, still runs in parallel in the clients.
 *
 * Failures: after any failed call the connection status is tested first.
 * A server that stops mid-session leaves a result without SQLSTATE and
 * PQstatus() == CONNECTION_BAD (measured with libpq 15, see
 * ../shared/suites/postgres): that is BK_EAGAIN, as are the SQLSTATE
 * classes that mean "try again" (08 connection, 40 rollback, 53
 * resources, 57 operator intervention, 55P03 lock timeout).  The
 * connection is not re-established: a failed batch is rolled back by the
 * server and the caller reruns it, which the unique (hash, recipient)
 * constraint makes safe.
 *
 * Ownership: the schema_version table carries the comment STORE_MARK.  A
 * schema with our table names but without the mark, or with a newer
 * version, is refused before anything is written.
 *
 * Migrations: migrations[i] moves the schema from version i to i + 1
 * inside the transaction that records it, under the same advisory lock,
 * so two processes creating one store at once create it once.
 *
 * Pipelining (libpq 14+ pipeline mode): writes whose result nobody reads
 * (audit rows, address upserts, sender counters) are queued with
 * PQsendQueryPrepared instead of waiting for each answer, and the queue
 * is sent, synced and its results read before the next statement that
 * returns something (the next event INSERT, a lookup, COMMIT).  So they
 * ride along with the round trip that follows them instead of costing
 * one each.  The first failure among them is that statement's error,
 * reported by the sync point; the server has aborted the transaction by
 * then, so the batch fails as a whole, as it would have one statement
 * earlier.  At most QUEUE_MAX statements wait (the server's answers to
 * them must fit the socket buffers while we are still sending).
 */
#ifdef BK_HAVE_POSTGRESQL

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dlfcn.h>
#include <pthread.h>

#include <libpq-fe.h>

#include "store/store_int.h"

/*
 * libpq is loaded when the first PostgreSQL store is opened, not linked
 * in: it brings some twenty libraries with it (Kerberos, LDAP, GnuTLS,
 * SASL, ...) whose loading and relocation cost every run of the program
 * about 4 ms, store or not (docs/DECISIONS.md).  Its soname has been
 * libpq.so.5 since PostgreSQL 8.0.  pq holds every function this file
 * calls, typed from libpq-fe.h; a failed load is not remembered, so the
 * next open tries again (after the package is installed).
 */
#define PQ_FUNCS(X) \
	X(PQclear) \
	X(PQcmdStatus) \
	X(PQconnectdbParams) \
	X(PQconninfoFree) \
	X(PQconninfoParse) \
	X(PQenterPipelineMode) \
	X(PQerrorMessage) \
	X(PQexec) \
	X(PQexecParams) \
	X(PQexecPrepared) \
	X(PQexitPipelineMode) \
	X(PQfinish) \
	X(PQfreemem) \
	X(PQgetResult) \
	X(PQgetisnull) \
	X(PQgetlength) \
	X(PQgetvalue) \
	X(PQntuples) \
	X(PQpipelineStatus) \
	X(PQpipelineSync) \
	X(PQprepare) \
	X(PQresultErrorField) \
	X(PQresultErrorMessage) \
	X(PQresultStatus) \
	X(PQsendQueryPrepared) \
	X(PQsetNoticeProcessor) \
	X(PQsetSingleRowMode) \
	X(PQstatus)

static struct {
#define PQ_MEMBER(f) __typeof__(f) *f;
	PQ_FUNCS(PQ_MEMBER)
#undef PQ_MEMBER
} pq;

const char *bk__pq_soname = "libpq.so.5";
static pthread_mutex_t pq_lock = PTHREAD_MUTEX_INITIALIZER;
static int pq_loaded;

/* pq_load - dlopen libpq and fill pq; BK_EUNSUPPORTED with why in err */
static int
pq_load(char *err, size_t errlen)
{
	void *h, *sym;
	int rc = 0;

	pthread_mutex_lock(&pq_lock);
	if (pq_loaded)
		goto out;
	h = dlopen(bk__pq_soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(err, errlen, "PostgreSQL stores need libpq "
		    "(Debian package libpq5): %s", dlerror());
		rc = BK_EUNSUPPORTED;
		goto out;
	}
	/* dlsym's void * to a function pointer, bit for bit (POSIX) */
#define PQ_LOAD(f) \
	sym = dlsym(h, #f); \
	if (sym == NULL) \
		goto missing; \
	memcpy(&pq.f, &sym, sizeof(sym));
	PQ_FUNCS(PQ_LOAD)
#undef PQ_LOAD
	pq_loaded = 1;
	goto out;
missing:
	snprintf(err, errlen, "%s is too old for PostgreSQL stores (needs "
	    "libpq 14 or later): %s", bk__pq_soname, dlerror());
	dlclose(h);
	rc = BK_EUNSUPPORTED;
out:
	pthread_mutex_unlock(&pq_lock);
	return rc;
}

/* Statements queued in pipeline mode before a sync (see above). */
#define QUEUE_MAX 256

/* "bkst", the SQLite backend's application_id; the lock's first key */
#define STORE_LOCK 1651209076
#define STORE_MARK "bouncekit store"

static const char *const migrations[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE schema_version ("
	"  version INTEGER PRIMARY KEY,"
	"  applied_at BIGINT NOT NULL);"
	"COMMENT ON TABLE schema_version IS '" STORE_MARK "';"
	"CREATE TABLE addresses ("
	"  address TEXT PRIMARY KEY,"
	"  state TEXT NOT NULL CHECK (state IN ('clear', 'suppressed')),"
	"  cause TEXT,"
	"  reason TEXT,"
	"  soft_count BIGINT NOT NULL DEFAULT 0,"
	"  hard_count BIGINT NOT NULL DEFAULT 0,"
	"  complaint_count BIGINT NOT NULL DEFAULT 0,"
	"  first_bounce BIGINT,"
	"  last_bounce BIGINT,"
	"  expires_at BIGINT,"
	"  reset_at BIGINT,"
	"  updated_at BIGINT NOT NULL);"
	"CREATE INDEX addresses_suppressed ON addresses (state, address);"
	"CREATE TABLE events ("
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  message_hash TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  origin TEXT,"
	"  kind TEXT NOT NULL,"
	"  reason TEXT,"
	"  status TEXT,"
	"  hard INTEGER NOT NULL,"
	"  effect TEXT NOT NULL,"
	"  at BIGINT NOT NULL,"
	"  ingested_at BIGINT NOT NULL,"
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
	"  count BIGINT NOT NULL,"
	"  first_seen BIGINT NOT NULL,"
	"  last_seen BIGINT NOT NULL,"
	"  PRIMARY KEY (scope, key, reason));"
	"CREATE TABLE audit ("
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  address TEXT NOT NULL,"
	"  at BIGINT NOT NULL,"
	"  old_state TEXT,"
	"  new_state TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  why TEXT NOT NULL,"
	"  event_id BIGINT REFERENCES events (id));"
	"CREATE INDEX audit_address ON audit (address, at);",
	/* 1 -> 2: the soft bounces of an address by time, index only */
	"CREATE INDEX events_soft ON events (recipient, at) "
	"WHERE effect = 'soft';",
	/*
	 * 2 -> 3: one index fewer per event, as on SQLite: the key
	 * (recipient, message_hash) also serves history
	 */
	"ALTER TABLE events ADD CONSTRAINT events_recipient_message_hash_key "
	"UNIQUE (recipient, message_hash);"
	"ALTER TABLE events DROP CONSTRAINT events_message_hash_recipient_key;"
	"DROP INDEX events_recipient;",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define ROW_COLUMNS                                                        \
	"address, state, cause, reason, soft_count, hard_count, "          \
	"complaint_count, first_bounce, last_bounce, expires_at, reset_at, " \
	"updated_at"

enum {
	S_LOCK,
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
	S_COUNT_
};

static const struct {
	const char *name, *text;
	int nparams;
} sql[S_COUNT_] = {
	[S_LOCK] = { "bk_lock", "SELECT pg_advisory_xact_lock($1::integer, "
	    "hashtext(current_schema()))", 1 },
	[S_LOOKUP] = { "bk_lookup", "SELECT " ROW_COLUMNS " FROM addresses "
	    "WHERE address = $1", 1 },
	[S_UPSERT] = { "bk_upsert", "INSERT INTO addresses (" ROW_COLUMNS
	    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
	    "ON CONFLICT (address) DO UPDATE SET state = excluded.state, "
	    "cause = excluded.cause, reason = excluded.reason, "
	    "soft_count = excluded.soft_count, "
	    "hard_count = excluded.hard_count, "
	    "complaint_count = excluded.complaint_count, "
	    "first_bounce = excluded.first_bounce, "
	    "last_bounce = excluded.last_bounce, "
	    "expires_at = excluded.expires_at, reset_at = excluded.reset_at, "
	    "updated_at = excluded.updated_at", 12 },
	[S_DELETE] = { "bk_delete", "DELETE FROM addresses WHERE address = "
	    "$1", 1 },
	[S_ITERATE] = { "bk_iterate", "SELECT " ROW_COLUMNS " FROM addresses "
	    "WHERE state = 'suppressed' "
	    "AND (expires_at IS NULL OR expires_at > $1) "
	    "ORDER BY address COLLATE \"C\"", 1 },
	[S_EVENT] = { "bk_event", "INSERT INTO events (message_hash, "
	    "recipient, origin, kind, reason, status, hard, effect, at, "
	    "ingested_at, sender_domain, sender_ip, env_sender, env_recipient, "
	    "record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
	    "$12, $13, $14, $15) ON CONFLICT (recipient, message_hash) "
	    "DO NOTHING RETURNING id", 15 },
	[S_SOFT] = { "bk_soft", "SELECT count(*) FROM events WHERE "
	    "recipient = $1 AND effect = 'soft' AND at > $2 AND at <= $3", 3 },
	[S_SOFT_TIMES] = { "bk_soft_times", "SELECT at FROM events WHERE "
	    "recipient = $1 AND effect = 'soft' AND at > $2 ORDER BY at "
	    "LIMIT $3", 3 },
	[S_SENDER] = { "bk_sender", "INSERT INTO sender_counters AS s VALUES "
	    "($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, key, reason) DO "
	    "UPDATE SET count = s.count + excluded.count, "
	    "first_seen = least(s.first_seen, excluded.first_seen), "
	    "last_seen = greatest(s.last_seen, excluded.last_seen)", 6 },
	[S_AUDIT] = { "bk_audit", "INSERT INTO audit (address, at, "
	    "old_state, new_state, actor, why, event_id) VALUES ($1, $2, $3, "
	    "$4, $5, $6, $7)", 7 },
	[S_HISTORY] = { "bk_history", "SELECT at, 0 AS c, effect, NULL, "
	    "NULL, reason, kind, status, origin, id FROM events "
	    "WHERE recipient = $1 "
	    "UNION ALL SELECT at, 1 AS c, new_state, old_state, actor, why, "
	    "NULL, NULL, NULL, id FROM audit WHERE address = $1 "
	    "ORDER BY 1, 2, 10", 1 },
	[S_SENDERS] = { "bk_senders", "SELECT scope, key, reason, count, "
	    "first_seen, last_seen FROM sender_counters "
	    "ORDER BY scope COLLATE \"C\", key COLLATE \"C\", "
	    "reason COLLATE \"C\"", 0 },
	[S_EVENTS] = { "bk_events", "SELECT at, record FROM events "
	    "WHERE at >= $1 ORDER BY id", 1 },
};

typedef struct conn {
	PGconn *pg;
	int in_tx;
	int queued;                    /* statements sent, answers unread */
	int pending;                   /* drain()'s failure, for ok() */
	char err[512];
} conn;

/* flatten - libpq's multi-line messages on one line, in @dst */
static void
flatten(char *dst, size_t cap, const char *what, const char *msg)
{
	size_t n, i;

	snprintf(dst, cap, "%s: %s", what, msg ? msg : "");
	n = strlen(dst);
	while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
		dst[--n] = '\0';
	for (i = 0; i < n; i++)
		if (dst[i] == '\n' || dst[i] == '\t')
			dst[i] = ' ';
}

/* is_temporary - SQLSTATEs after which the same work may succeed later */
static int
is_temporary(const char *state)
{
	if (state == NULL || strlen(state) != 5)
		return 0;
	return strncmp(state, "08", 2) == 0 ||    /* connection exception */
	    strncmp(state, "40", 2) == 0 ||       /* serialization, deadlock */
	    strncmp(state, "53", 2) == 0 ||       /* disk full, too many */
	    strncmp(state, "57", 2) == 0 ||       /* shutdown, cancelled */
	    strcmp(state, "55P03") == 0;          /* lock_timeout */
}

/*
 * fail - map a failed call to a BK_E* code, keep the detail, free @res.
 * The connection status is tested before the SQLSTATE: a connection lost
 * mid-session gives a result without one.
 */
static int
fail(conn *c, PGresult *res, const char *what)
{
	const char *state = res ? pq.PQresultErrorField(res,
	    PG_DIAG_SQLSTATE) : NULL;
	int rc;

	if (res != NULL && pq.PQresultErrorMessage(res)[0] != '\0')
		flatten(c->err, sizeof(c->err), what,
		    pq.PQresultErrorMessage(res));
	else
		flatten(c->err, sizeof(c->err), what, pq.PQerrorMessage(c->pg));
	if (pq.PQstatus(c->pg) == CONNECTION_BAD) {
		size_t n = strlen(c->err);

		snprintf(c->err + n, sizeof(c->err) - n,
		    " (connection to the server lost)");
		rc = BK_EAGAIN;
	} else if (is_temporary(state)) {
		rc = BK_EAGAIN;
	} else if (res == NULL) {
		rc = BK_ENOMEM;
	} else {
		rc = BK_EIO;
	}
	pq.PQclear(res);
	return rc;
}

/*
 * drain - send the queued statements with a sync, read their answers and
 * leave pipeline mode.  0, or the first failure among them (mapped as
 * fail() maps it).
 */
static int
drain(conn *c)
{
	PGresult *res, *bad = NULL;
	int n, rc = 0, nulls = 0;

	if (c->queued == 0)
		return 0;
	n = c->queued;
	c->queued = 0;
	if (pq.PQpipelineSync(c->pg) != 1) {
		pq.PQexitPipelineMode(c->pg);
		return fail(c, NULL, "sending queued writes");
	}
	/*
	 * loop: each statement gives a result then NULL, the sync one
	 * result; a NULL too many means the connection is gone
	 */
	for (;;) {
		ExecStatusType t;

		res = pq.PQgetResult(c->pg);
		if (res == NULL) {
			if (pq.PQstatus(c->pg) == CONNECTION_BAD || ++nulls > n)
				break;
			continue;
		}
		t = pq.PQresultStatus(res);
		if (t == PGRES_PIPELINE_SYNC) {
			pq.PQclear(res);
			break;
		}
		if (t != PGRES_COMMAND_OK && bad == NULL)
			bad = res;
		else
			pq.PQclear(res);
	}
	if (bad != NULL && pq.PQresultStatus(bad) != PGRES_PIPELINE_ABORTED)
		rc = fail(c, bad, "queued write");
	else if (bad != NULL || pq.PQstatus(c->pg) == CONNECTION_BAD ||
	    nulls > n)
		rc = fail(c, bad, "queued writes");
	pq.PQexitPipelineMode(c->pg);
	return rc;
}

/*
 * queue - send a prepared statement that returns no rows without waiting
 * for its answer (drain() reads it).  0 or a BK_E* code.
 */
static int
queue(conn *c, int i, const char *const *params, const char *what)
{
	if (c->queued >= QUEUE_MAX) {
		int rc = drain(c);

		if (rc != 0)
			return rc;
	}
	if (pq.PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF &&
	    pq.PQenterPipelineMode(c->pg) != 1)
		return fail(c, NULL, what);
	if (pq.PQsendQueryPrepared(c->pg, sql[i].name, sql[i].nparams, params,
	    NULL, NULL, 0) != 1) {
		if (c->queued == 0)
			pq.PQexitPipelineMode(c->pg);
		return fail(c, NULL, what);
	}
	c->queued++;
	return 0;
}

/*
 * run - a prepared statement with @n text parameters (NULL: SQL NULL),
 * after the queued ones.  NULL when one of those failed: ok() then
 * returns that failure (its code and message are kept).
 */
static PGresult *
run(conn *c, int i, const char *const *params)
{
	c->pending = drain(c);
	if (c->pending != 0)
		return NULL;
	return pq.PQexecPrepared(c->pg, sql[i].name, sql[i].nparams, params,
	    NULL, NULL, 0);
}

/* ok - did @res complete as @want?  On failure @res is freed by fail() */
static int
ok(conn *c, PGresult *res, ExecStatusType want, const char *what)
{
	if (res != NULL && pq.PQresultStatus(res) == want)
		return 0;
	if (res == NULL && c->pending != 0) {
		int rc = c->pending;

		c->pending = 0;
		return rc;
	}
	return fail(c, res, what);
}

/* simple - fixed text without parameters and without rows */
static int
simple(conn *c, const char *text, const char *what)
{
	PGresult *res;
	int rc = drain(c);

	if (rc != 0)
		return rc;
	res = pq.PQexec(c->pg, text);
	rc = ok(c, res, PGRES_COMMAND_OK, what);

	if (rc == 0)
		pq.PQclear(res);
	return rc;
}

/* num - a decimal into @buf, for a text parameter */
static const char *
num(char *buf, size_t cap, int64_t v)
{
	snprintf(buf, cap, "%lld", (long long)v);
	return buf;
}

/* tnum - a time parameter; 0 is SQL NULL */
static const char *
tnum(char *buf, size_t cap, int64_t v)
{
	return v == 0 ? NULL : num(buf, cap, v);
}

/* get64 - an integer column; NULL reads as 0 */
static int64_t
get64(const PGresult *res, int row, int col)
{
	if (pq.PQgetisnull(res, row, col))
		return 0;
	return strtoll(pq.PQgetvalue(res, row, col), NULL, 10);
}

/* gets - a text column or NULL */
static const char *
gets_(const PGresult *res, int row, int col)
{
	if (pq.PQgetisnull(res, row, col))
		return NULL;
	return pq.PQgetvalue(res, row, col);
}

static void
quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* lock - the writers' advisory lock, held until the transaction ends */
static int
lock(conn *c)
{
	char b[16];
	const char *p[1];
	PGresult *res;
	int rc;

	p[0] = num(b, sizeof(b), STORE_LOCK);
	res = run(c, S_LOCK, p);
	rc = ok(c, res, PGRES_TUPLES_OK, "waiting for other writers");
	if (rc == 0)
		pq.PQclear(res);
	return rc;
}

/*
 * inspect - is the schema ours (1), empty (0), or not ours (BK_EINVAL)?
 * Reads only.  *version receives the schema version of our stores.
 */
static int
inspect(conn *c, int64_t *version)
{
	PGresult *res;
	const char *mark;
	int64_t foreign;
	int rc;

	*version = 0;
	res = pq.PQexecParams(c->pg, "SELECT obj_description("
	    "to_regclass('schema_version'), 'pg_class'), "
	    "to_regclass('schema_version') IS NOT NULL, "
	    "(SELECT count(*) FROM pg_class k JOIN pg_namespace n ON "
	    "n.oid = k.relnamespace WHERE n.nspname = current_schema() AND "
	    "k.relname IN ('addresses', 'events', 'audit', "
	    "'sender_counters')), current_schema() IS NULL",
	    0, NULL, NULL, NULL, NULL, 0);
	rc = ok(c, res, PGRES_TUPLES_OK, "reading the database");
	if (rc != 0)
		return rc;
	if (strcmp(pq.PQgetvalue(res, 0, 3), "t") == 0) {
		pq.PQclear(res);
		snprintf(c->err, sizeof(c->err), "no schema to create the "
		    "store in (search_path names none that exists)");
		return BK_EINVAL;
	}
	mark = gets_(res, 0, 0);
	foreign = get64(res, 0, 2);
	if (strcmp(pq.PQgetvalue(res, 0, 1), "t") != 0) {
		pq.PQclear(res);
		if (foreign == 0)
			return 0;
		snprintf(c->err, sizeof(c->err), "not a bouncekit store (the "
		    "schema has tables named like ours but no schema_version);"
		    " left unchanged");
		return BK_EINVAL;
	}
	if (mark == NULL || strcmp(mark, STORE_MARK) != 0) {
		pq.PQclear(res);
		snprintf(c->err, sizeof(c->err), "not a bouncekit store (a "
		    "schema_version table that is not ours); left unchanged");
		return BK_EINVAL;
	}
	pq.PQclear(res);
	res = pq.PQexecParams(c->pg, "SELECT coalesce(max(version), 0) FROM "
	    "schema_version", 0, NULL, NULL, NULL, NULL, 0);
	rc = ok(c, res, PGRES_TUPLES_OK, "reading the schema version");
	if (rc != 0)
		return rc;
	*version = get64(res, 0, 0);
	pq.PQclear(res);
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

	rc = simple(c, "BEGIN", "migration");
	if (rc != 0)
		return rc;
	rc = lock(c);
	/* look again under the lock: another process may have won */
	if (rc == 0)
		rc = inspect(c, &version);
	if (rc < 0)
		goto out;
	rc = 0;
	for (i = (int)version; i < SCHEMA_VERSION && rc == 0; i++) {
		char b[16];
		const char *p[1];
		PGresult *res;

		rc = simple(c, migrations[i], "migration");
		if (rc != 0)
			break;
		p[0] = num(b, sizeof(b), i + 1);
		res = pq.PQexecParams(c->pg,
		    "INSERT INTO schema_version VALUES "
		    "($1, extract(epoch FROM now())::bigint)", 1, NULL, p,
		    NULL, NULL, 0);
		rc = ok(c, res, PGRES_COMMAND_OK, "migration");
		if (rc == 0)
			pq.PQclear(res);
	}
out:
	if (rc == 0)
		return simple(c, "COMMIT", "migration");
	pq.PQclear(pq.PQexec(c->pg, "ROLLBACK"));
	return rc;
}

static void pg_close(void *vc);

/* prepare - statement @i, once per connection */
static int
prepare(conn *c, int i)
{
	PGresult *res = pq.PQprepare(c->pg, sql[i].name, sql[i].text,
	    sql[i].nparams, NULL);
	int rc = ok(c, res, PGRES_COMMAND_OK, "preparing statements");

	if (rc == 0)
		pq.PQclear(res);
	return rc;
}

/* pg_open - connect, check ownership, migrate, prepare */
static int
pg_open(void **out, const char *location, unsigned busy_ms, int read_only,
    int fast_commit, char *err, size_t errlen)
{
	/* the URL's own settings override these (expand_dbname) */
	const char *keys[] = { "connect_timeout", "application_name",
	    "dbname", NULL };
	const char *vals[] = { "10", "bouncekit", location, NULL };
	PQconninfoOption *opts;
	char *perr = NULL, set[96];
	int64_t version;
	conn *c;
	int rc, i;

	*out = NULL;
	rc = pq_load(err, errlen);
	if (rc != 0)
		return rc;
	opts = pq.PQconninfoParse(location, &perr);
	if (opts == NULL) {
		flatten(err, errlen, "bad PostgreSQL URL", perr ? perr :
		    "out of memory");
		pq.PQfreemem(perr);
		return perr ? BK_EINVAL : BK_ENOMEM;
	}
	pq.PQconninfoFree(opts);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return BK_ENOMEM;
	c->pg = pq.PQconnectdbParams(keys, vals, 1);
	if (c->pg == NULL) {
		free(c);
		return BK_ENOMEM;
	}
	if (pq.PQstatus(c->pg) != CONNECTION_OK) {
		/* refused, shutting down, unreachable: try again later */
		flatten(c->err, sizeof(c->err), "cannot connect",
		    pq.PQerrorMessage(c->pg));
		rc = BK_EAGAIN;
		goto bad;
	}
	pq.PQsetNoticeProcessor(c->pg, quiet_notices, NULL);
	snprintf(set, sizeof(set), "SET lock_timeout = %u", busy_ms);
	rc = simple(c, set, "configuring the session");
	if (rc == 0)
		/* off: a server crash may undo the last commits, whole */
		rc = simple(c, fast_commit ? "SET synchronous_commit = off" :
		    "SET synchronous_commit = on", "configuring the session");
	if (rc != 0)
		goto bad;
	/* the lock statement first: migrate() needs it, it needs no table */
	rc = prepare(c, S_LOCK);
	if (rc != 0)
		goto bad;
	rc = inspect(c, &version);
	if (rc < 0)
		goto bad;
	if (!read_only) {
		if (version < SCHEMA_VERSION)
			rc = migrate(c);
		if (rc < 0)
			goto bad;
	} else if (version < SCHEMA_VERSION) {
		snprintf(c->err, sizeof(c->err), "store schema version %lld "
		    "needs a migration (open it read-write once)",
		    (long long)version);
		rc = BK_EINVAL;
		goto bad;
	} else {
		rc = simple(c, "SET default_transaction_read_only = on",
		    "configuring the session");
		if (rc != 0)
			goto bad;
	}
	for (i = S_LOCK + 1; i < S_COUNT_; i++) {
		rc = prepare(c, i);
		if (rc != 0)
			goto bad;
	}
	*out = c;
	return 0;
bad:
	snprintf(err, errlen, "%s", c->err);
	pg_close(c);
	return rc;
}

/* pg_close - disconnect; an open transaction is rolled back by the server */
static void
pg_close(void *vc)
{
	conn *c = vc;

	if (c == NULL)
		return;
	pq.PQfinish(c->pg);
	free(c);
}

static const char *
pg_errmsg(void *vc)
{
	return ((conn *)vc)->err;
}

/* pg_begin - a write transaction, holding the writers' lock */
static int
pg_begin(void *vc)
{
	conn *c = vc;
	int rc = simple(c, "BEGIN", "starting a transaction");

	if (rc != 0)
		return rc;
	c->in_tx = 1;
	rc = lock(c);
	if (rc != 0) {
		pq.PQclear(pq.PQexec(c->pg, "ROLLBACK"));
		c->in_tx = 0;
	}
	return rc;
}

/*
 * pg_commit - COMMIT, checked: the server answers an aborted transaction's
 * COMMIT with "ROLLBACK" and no error.
 */
static int
pg_commit(void *vc)
{
	conn *c = vc;
	int queued_rc = drain(c);
	PGresult *res = pq.PQexec(c->pg, "COMMIT");
	int rc;

	c->in_tx = 0;
	if (queued_rc != 0) {
		/* the server rolled it back: COMMIT only ended it */
		pq.PQclear(res);
		return queued_rc;
	}
	rc = ok(c, res, PGRES_COMMAND_OK, "committing");
	if (rc != 0)
		return rc;
	if (strcmp(pq.PQcmdStatus(res), "COMMIT") != 0) {
		pq.PQclear(res);
		snprintf(c->err, sizeof(c->err), "committing: the transaction "
		    "had failed and was rolled back");
		return BK_EIO;
	}
	pq.PQclear(res);
	return 0;
}

static int
pg_rollback(void *vc)
{
	conn *c = vc;

	if (!c->in_tx)
		return 0;
	c->in_tx = 0;
	/* answers to queued writes: read and dropped, whatever they say */
	(void)drain(c);
	if (pq.PQstatus(c->pg) == CONNECTION_BAD)
		return 0;          /* the server dropped it already */
	return simple(c, "ROLLBACK", "rolling back");
}

/* read_row - the columns of ROW_COLUMNS into a row */
static void
read_row(bk__store_row *r, const PGresult *res, int i)
{
	const char *state = gets_(res, i, 1);

	memset(r, 0, sizeof(*r));
	snprintf(r->e.address, sizeof(r->e.address), "%s",
	    pq.PQgetvalue(res, i, 0));
	r->e.suppressed = state != NULL && strcmp(state, "suppressed") == 0;
	snprintf(r->e.cause, sizeof(r->e.cause), "%s",
	    pq.PQgetvalue(res, i, 2));
	snprintf(r->e.reason, sizeof(r->e.reason), "%s",
	    pq.PQgetvalue(res, i, 3));
	r->e.soft_count = (unsigned)get64(res, i, 4);
	r->e.hard_count = (unsigned)get64(res, i, 5);
	r->e.complaint_count = (unsigned)get64(res, i, 6);
	r->e.first_bounce = get64(res, i, 7);
	r->e.last_bounce = get64(res, i, 8);
	r->e.expires_at = get64(res, i, 9);
	r->reset_at = get64(res, i, 10);
	r->e.updated_at = get64(res, i, 11);
}

static int
pg_lookup(void *vc, bk__store_row *out, const char *addr)
{
	conn *c = vc;
	const char *p[1] = { addr };
	PGresult *res = run(c, S_LOOKUP, p);
	int rc = ok(c, res, PGRES_TUPLES_OK, "lookup");

	if (rc != 0)
		return rc;
	if (pq.PQntuples(res) == 0) {
		pq.PQclear(res);
		return BK_ENOTFOUND;
	}
	read_row(out, res, 0);
	pq.PQclear(res);
	return 0;
}

static int
pg_upsert(void *vc, const bk__store_row *r)
{
	conn *c = vc;
	char b[8][24];
	const char *p[12];

	p[0] = r->e.address;
	p[1] = r->e.suppressed ? "suppressed" : "clear";
	p[2] = r->e.cause[0] ? r->e.cause : NULL;
	p[3] = r->e.reason[0] ? r->e.reason : NULL;
	p[4] = num(b[0], sizeof(b[0]), r->e.soft_count);
	p[5] = num(b[1], sizeof(b[1]), r->e.hard_count);
	p[6] = num(b[2], sizeof(b[2]), r->e.complaint_count);
	p[7] = tnum(b[3], sizeof(b[3]), r->e.first_bounce);
	p[8] = tnum(b[4], sizeof(b[4]), r->e.last_bounce);
	p[9] = tnum(b[5], sizeof(b[5]), r->e.expires_at);
	p[10] = tnum(b[6], sizeof(b[6]), r->reset_at);
	p[11] = num(b[7], sizeof(b[7]), r->e.updated_at);
	return queue(c, S_UPSERT, p, "updating an address");
}

static int
pg_delete(void *vc, const char *addr)
{
	conn *c = vc;
	const char *p[1] = { addr };
	PGresult *res = run(c, S_DELETE, p);
	int rc = ok(c, res, PGRES_COMMAND_OK, "deleting an address");

	if (rc == 0)
		pq.PQclear(res);
	return rc;
}

/*
 * pg_iterate - the suppressed addresses.  The result is read whole before
 * the callbacks run, because they query the same connection.
 */
static int
pg_iterate(void *vc, int64_t now, bk__store_row_cb cb, void *ctx)
{
	conn *c = vc;
	char b[24];
	const char *p[1];
	PGresult *res;
	bk__store_row r;
	int rc, i, n, ret = 0;

	p[0] = num(b, sizeof(b), now);
	res = run(c, S_ITERATE, p);
	rc = ok(c, res, PGRES_TUPLES_OK, "listing addresses");
	if (rc != 0)
		return rc;
	n = pq.PQntuples(res);
	for (i = 0; i < n && ret == 0; i++) {
		read_row(&r, res, i);
		ret = cb(ctx, &r);
	}
	pq.PQclear(res);
	return ret;
}

static int
pg_event_add(void *vc, int64_t *id_out, const bk__store_event *ev)
{
	conn *c = vc;
	char b[3][24];
	const char *p[15];
	PGresult *res;
	int rc;

	p[0] = ev->hash_hex;
	p[1] = ev->recipient;
	p[2] = ev->origin;
	p[3] = ev->kind;
	p[4] = ev->reason;
	p[5] = ev->status;
	p[6] = ev->hard ? "1" : "0";
	p[7] = ev->effect;
	p[8] = num(b[0], sizeof(b[0]), ev->at);
	p[9] = num(b[1], sizeof(b[1]), ev->ingested_at);
	p[10] = ev->sender_domain;
	p[11] = ev->sender_ip;
	p[12] = ev->env_sender;
	p[13] = ev->env_recipient;
	p[14] = ev->json;
	res = run(c, S_EVENT, p);
	rc = ok(c, res, PGRES_TUPLES_OK, "recording an event");
	if (rc != 0)
		return rc;
	/* no row back: (hash, recipient) was there already */
	*id_out = pq.PQntuples(res) == 0 ? 0 : get64(res, 0, 0);
	pq.PQclear(res);
	return 0;
}

static int
pg_soft_count(void *vc, unsigned *out, const char *addr, int64_t after,
    int64_t until)
{
	conn *c = vc;
	char b[2][24];
	const char *p[3];
	PGresult *res;
	int rc;

	p[0] = addr;
	p[1] = num(b[0], sizeof(b[0]), after);
	p[2] = num(b[1], sizeof(b[1]), until);
	res = run(c, S_SOFT, p);
	rc = ok(c, res, PGRES_TUPLES_OK, "counting soft bounces");
	if (rc != 0)
		return rc;
	*out = (unsigned)get64(res, 0, 0);
	pq.PQclear(res);
	return 0;
}

static int
pg_soft_times(void *vc, int64_t *out, size_t cap, size_t *n_out,
    const char *addr, int64_t after)
{
	conn *c = vc;
	char b[2][24];
	const char *p[3];
	PGresult *res;
	int rc, i, n;

	p[0] = addr;
	p[1] = num(b[0], sizeof(b[0]), after);
	p[2] = num(b[1], sizeof(b[1]), (int64_t)cap);
	res = run(c, S_SOFT_TIMES, p);
	rc = ok(c, res, PGRES_TUPLES_OK, "reading soft bounces");
	if (rc != 0)
		return rc;
	n = pq.PQntuples(res);
	/* loop: LIMIT bounds the rows to cap */
	for (i = 0; i < n && (size_t)i < cap; i++)
		out[i] = get64(res, i, 0);
	*n_out = (size_t)i;
	pq.PQclear(res);
	return 0;
}

static int
pg_sender_bump(void *vc, const char *scope, const char *key,
    const char *reason, unsigned count, int64_t first, int64_t last)
{
	conn *c = vc;
	char b[3][24];
	const char *p[6];

	p[0] = scope;
	p[1] = key;
	p[2] = reason;
	p[3] = num(b[0], sizeof(b[0]), count);
	p[4] = num(b[1], sizeof(b[1]), first);
	p[5] = num(b[2], sizeof(b[2]), last);
	return queue(c, S_SENDER, p, "counting a sender-side failure");
}

static int
pg_audit_add(void *vc, const bk__store_audit *a)
{
	conn *c = vc;
	char b[2][24];
	const char *p[7];

	p[0] = a->address;
	p[1] = num(b[0], sizeof(b[0]), a->at);
	p[2] = a->old_state;
	p[3] = a->new_state;
	p[4] = a->actor;
	p[5] = a->why;
	p[6] = tnum(b[1], sizeof(b[1]), a->event_id);
	return queue(c, S_AUDIT, p, "writing the audit trail");
}

static int
pg_history(void *vc, const char *addr, bk_store_history_cb cb, void *ctx)
{
	conn *c = vc;
	const char *p[1] = { addr };
	bk_store_history_item h;
	PGresult *res = run(c, S_HISTORY, p);
	int rc = ok(c, res, PGRES_TUPLES_OK, "reading history");
	int i, n, ret = 0;

	if (rc != 0)
		return rc;
	n = pq.PQntuples(res);
	for (i = 0; i < n && ret == 0; i++) {
		memset(&h, 0, sizeof(h));
		h.at = get64(res, i, 0);
		h.is_change = (int)get64(res, i, 1);
		h.what = gets_(res, i, 2);
		h.from_state = gets_(res, i, 3);
		h.actor = gets_(res, i, 4);
		h.why = gets_(res, i, 5);
		h.kind = gets_(res, i, 6);
		h.status = gets_(res, i, 7);
		h.origin = gets_(res, i, 8);
		ret = cb(ctx, &h);
	}
	pq.PQclear(res);
	return ret;
}

static int
pg_senders(void *vc, bk_store_sender_cb cb, void *ctx)
{
	conn *c = vc;
	bk_store_sender_count sc;
	PGresult *res = run(c, S_SENDERS, NULL);
	int rc = ok(c, res, PGRES_TUPLES_OK, "reading sender counters");
	int i, n, ret = 0;

	if (rc != 0)
		return rc;
	n = pq.PQntuples(res);
	for (i = 0; i < n && ret == 0; i++) {
		sc.scope = gets_(res, i, 0);
		sc.key = gets_(res, i, 1);
		sc.reason = gets_(res, i, 2);
		sc.count = (unsigned)get64(res, i, 3);
		sc.first_seen = get64(res, i, 4);
		sc.last_seen = get64(res, i, 5);
		ret = cb(ctx, &sc);
	}
	pq.PQclear(res);
	return ret;
}

/*
 * pg_events - in single-row mode, so that the client holds one event at
 * a time however many there are (a plain PQexec would buffer them all)
 */
static int
pg_events(void *vc, int64_t since, bk_store_event_cb cb, void *ctx)
{
	conn *c = vc;
	char num[32];
	const char *params[1] = { num };
	PGresult *res;
	int rc = drain(c), ret = 0, failed = 0;

	if (rc != 0)
		return rc;
	snprintf(num, sizeof(num), "%lld", (long long)since);
	if (pq.PQsendQueryPrepared(c->pg, sql[S_EVENTS].name, 1, params, NULL,
	    NULL, 0) != 1 || pq.PQsetSingleRowMode(c->pg) != 1)
		return fail(c, NULL, "reading events");
	/* loop: one row a result, then the final (empty) result, then NULL;
	 * after a stop or a failure the rest is read and dropped */
	while ((res = pq.PQgetResult(c->pg)) != NULL) {
		ExecStatusType t = pq.PQresultStatus(res);

		if (t == PGRES_SINGLE_TUPLE && ret == 0 && !failed) {
			ret = cb(ctx, get64(res, 0, 0),
			    pq.PQgetvalue(res, 0, 1),
			    (size_t)pq.PQgetlength(res, 0, 1));
		} else if (t != PGRES_SINGLE_TUPLE && t != PGRES_TUPLES_OK &&
		    !failed) {
			failed = 1;
			rc = fail(c, res, "reading events");
			continue;       /* fail() has freed it */
		}
		pq.PQclear(res);
	}
	if (failed)
		return rc;
	return ret;
}

const bk__store_backend bk__store_pg = {
	"postgresql",
	pg_open,
	pg_close,
	pg_errmsg,
	pg_begin,
	pg_commit,
	pg_rollback,
	pg_lookup,
	pg_upsert,
	pg_delete,
	pg_iterate,
	pg_event_add,
	pg_soft_count,
	pg_soft_times,
	pg_sender_bump,
	pg_audit_add,
	pg_history,
	pg_senders,
	pg_events,
	NULL,                          /* generation: none */
};

#endif /* BK_HAVE_POSTGRESQL */
