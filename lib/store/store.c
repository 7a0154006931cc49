/*
 * store.c - the suppression store, independent of the database.
 *
 * One ingest, in order: normalise the recipient; decide the effect
 * (store_policy.c); record the event, keyed by (message SHA-256,
 * recipient) so that a second ingest of the same message changes nothing;
 * count sender-side failures against the sending domain and IP; load the
 * address, apply expiry, apply the effect, store it, and write an audit
 * row when its state changed.  All of it runs in one transaction (the
 * caller's batch, or one of its own), so a crash leaves either all of a
 * record's effects or none.
 *
 * Time: every "now" comes from clock_now(), which tests can pin with
 * bk_store_set_clock().  An event happens at the record's timestamp when
 * it has a plausible one (not more than a day ahead), otherwise now.
 *
 * Speed (docs/store.md, "Measured"): inside a transaction the addresses
 * an ingest touches are kept in a table in memory (struct acache) and
 * written back once, when the transaction commits; sender-side failures
 * are summed per (scope, key, reason) and added once.  Both are flushed
 * before anything else reads or writes the store and before COMMIT, and
 * dropped on rollback, so the database never sees a state that the
 * one-statement-at-a-time order would not have produced, and a crash
 * still loses whole transactions only.  Each cached address also keeps
 * the times of its soft bounces since a bound (soft_lo), which answers
 * "how many soft bounces in the window" without reading events again:
 * every soft event inserted while the entry lives is added to it.  This
 * is exact because writers are serialised (SQLite's write lock, the
 * PostgreSQL advisory lock) for the whole transaction.
 *
 * Between batches: after a commit the cached addresses are kept (clean:
 * what was just written) and used by the next transaction only if the
 * backend says no other connection has committed in between (SQLite's
 * data_version, read under the write lock right after BEGIN); otherwise,
 * and on any rollback, failure or manual change, they are dropped.  So a
 * bulk ingest reads each address and its soft bounces once per run
 * instead of once per batch, and a concurrent writer costs only a
 * re-read.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "format/format_int.h"
#include "store/store_int.h"

#define DAY 86400

/* Addresses cached; written back and dropped when the table is full. */
#define ACACHE_MAX 8192
/*
 * Soft-bounce times kept per cached address (4 kB at most; 32 MB if
 * every cached address had that many); more: ask the database.
 */
#define SOFT_KEEP 512

/* One cached address. */
typedef struct aent {
	bk__store_row row;             /* first: row.e.address is the key */
	int dirty;                     /* to be written back */
	int soft_valid;                /* soft[] = every soft time > soft_lo */
	int soft_many;                 /* has more than SOFT_KEEP in all */
	int64_t soft_lo;
	size_t nsoft, softcap;
	int64_t *soft;                 /* ascending; malloc'd, softcap */
} aent;

/* One sender-side counter being summed. */
typedef struct sent {
	char id[320];                  /* first: "scope\x01key\x01reason" */
	const char *scope;
	char key[256];
	char reason[32];
	unsigned count;
	int64_t first, last;
} sent;

/*
 * An open-addressing hash table of entries that start with their
 * NUL-terminated key.  Slots: a power of two, at most half full.
 */
typedef struct htab {
	void **slot;
	size_t cap, n;
} htab;

struct bk_store {
	const bk__store_backend *be;
	void *conn;
	bk_store_policy policy;
	int64_t clock;                 /* 0: system time */
	int in_batch;
	int failed;                    /* an ingest of this batch failed */
	htab addrs;                    /* aent: this transaction's, or kept */
	htab senders;                  /* sent, this transaction's */
	int64_t gen;                   /* backend generation at last begin */
	int keep;                      /* addrs may serve the next begin */
	int64_t *scratch;              /* SOFT_KEEP times, for soft_times */
	bk__fbuf jbuf;                 /* record_json's reused buffer */
	char err[512];
};

/* clock_now - the current time, or the pinned one */
static int64_t
clock_now(const bk_store *st)
{
	return st->clock != 0 ? st->clock : (int64_t)time(NULL);
}

/* seterr - keep the detail of a failure */
static int
seterr(bk_store *st, int rc, const char *what)
{
	snprintf(st->err, sizeof(st->err), "%s", what);
	return rc;
}

/* be_err - the backend's detail of a failure */
static int
be_err(bk_store *st, int rc)
{
	if (rc < 0 && rc != BK_ENOTFOUND)
		snprintf(st->err, sizeof(st->err), "%s",
		    st->be->errmsg(st->conn));
	return rc;
}

/* hkey - FNV-1a of a NUL-terminated key */
static size_t
hkey(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	/* loop: bounded by the key's NUL */
	while (*k != '\0') {
		h ^= (unsigned char)*k++;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* hfind - the slot of @key in @t: its entry, or the empty slot for it */
static void **
hfind(htab *t, const char *key)
{
	size_t i = hkey(key) & (t->cap - 1);

	/* loop: the table is at most half full, so an empty slot exists */
	while (t->slot[i] != NULL && strcmp(t->slot[i], key) != 0)
		i = (i + 1) & (t->cap - 1);
	return &t->slot[i];
}

/* hget - the entry of @key, or NULL */
static void *
hget(htab *t, const char *key)
{
	return t->cap == 0 ? NULL : *hfind(t, key);
}

/* hput - add @e (not yet present, key first); 0 or BK_ENOMEM */
static int
hput(htab *t, void *e)
{
	if (2 * (t->n + 1) > t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 256, i;
		void **old = t->slot, **nslot;
		size_t ocap = t->cap;

		nslot = calloc(ncap, sizeof(*nslot));
		if (nslot == NULL)
			return BK_ENOMEM;
		t->slot = nslot;
		t->cap = ncap;
		for (i = 0; i < ocap; i++)
			if (old[i] != NULL)
				*hfind(t, old[i]) = old[i];
		free(old);
	}
	*hfind(t, e) = e;
	t->n++;
	return 0;
}

/* aent_free - an address entry and its soft times */
static void
aent_free(void *e)
{
	if (e != NULL)
		free(((aent *)e)->soft);
	free(e);
}

/*
 * hclear - free every entry with @fr; the slots stay for the next
 * transaction
 */
static void
hclear(htab *t, void (*fr)(void *))
{
	size_t i;

	for (i = 0; i < t->cap && t->n > 0; i++) {
		if (t->slot[i] != NULL) {
			fr(t->slot[i]);
			t->slot[i] = NULL;
			t->n--;
		}
	}
}

/* hfree - release the table */
static void
hfree(htab *t, void (*fr)(void *))
{
	hclear(t, fr);
	free(t->slot);
	t->slot = NULL;
	t->cap = 0;
}

/* cache_drop - forget the cached work and addresses (rollback) */
static void
cache_drop(bk_store *st)
{
	hclear(&st->addrs, aent_free);
	hclear(&st->senders, free);
	st->keep = 0;
}

/*
 * be_begin - the backend's BEGIN, then keep the cached addresses only
 * if nobody else has committed since our previous begin.
 */
static int
be_begin(bk_store *st)
{
	int64_t g = 0;
	int rc = be_err(st, st->be->begin(st->conn));

	if (rc != 0) {
		cache_drop(st);
		return rc;
	}
	if (st->be->generation == NULL ||
	    be_err(st, st->be->generation(st->conn, &g)) != 0 ||
	    !st->keep || g != st->gen)
		cache_drop(st);
	st->gen = g;
	st->keep = 0;
	return 0;
}

/*
 * be_commit - the backend's COMMIT of work already flushed; the cached
 * addresses (clean now) may serve the next transaction if it succeeded.
 */
static int
be_commit(bk_store *st)
{
	int rc = be_err(st, st->be->commit(st->conn));

	if (rc != 0 || st->be->generation == NULL)
		cache_drop(st);
	else
		st->keep = 1;
	return rc;
}

/*
 * write_back - write the cached addresses and summed sender counters to
 * the open transaction; the summed counters are forgotten, the addresses
 * stay, clean.  On failure the transaction must be rolled back and the
 * caches dropped.
 */
static int
write_back(bk_store *st)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < st->senders.cap; i++) {
		sent *s = st->senders.slot[i];

		if (s != NULL)
			rc = be_err(st, st->be->sender_bump(st->conn,
			    s->scope, s->key, s->reason, s->count, s->first,
			    s->last));
	}
	for (i = 0; rc == 0 && i < st->addrs.cap; i++) {
		aent *a = st->addrs.slot[i];

		if (a != NULL && a->dirty) {
			rc = be_err(st, st->be->upsert(st->conn, &a->row));
			a->dirty = 0;
		}
	}
	hclear(&st->senders, free);
	return rc;
}

/*
 * flush - write_back, then forget the addresses too (before anything
 * but an ingest reads or changes the store, or when the table is full).
 */
static int
flush(bk_store *st)
{
	int rc = write_back(st);

	cache_drop(st);
	return rc;
}

/* bk_store_new - see store.h */
int
bk_store_new(bk_store **out, const char *location,
    const bk_store_options *opts, char **errmsg_out)
{
	bk_store_policy defaults = BK_STORE_POLICY_INIT;
	const bk__store_backend *be = &bk__store_sqlite;
	bk_store *st;
	char err[512] = "";
	unsigned busy = 5000;
	int ro = 0, fast = 0, rc;

	*out = NULL;
	if (errmsg_out != NULL)
		*errmsg_out = NULL;
	if (location == NULL || location[0] == '\0') {
		if (errmsg_out != NULL)
			*errmsg_out = strdup("no store location given");
		return BK_EINVAL;
	}
	if (strncmp(location, "postgresql://", 13) == 0 ||
	    strncmp(location, "postgres://", 11) == 0) {
#ifdef BK_HAVE_POSTGRESQL
		be = &bk__store_pg;
#else
		if (errmsg_out != NULL)
			*errmsg_out = strdup("this bouncekit was built "
			    "without the PostgreSQL backend (cmake "
			    "-DBK_POSTGRESQL=ON); use an SQLite file path");
		return BK_EUNSUPPORTED;
#endif
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return BK_ENOMEM;
	st->policy = defaults;
	if (opts != NULL) {
		if (opts->policy != NULL)
			st->policy = *opts->policy;
		if (opts->busy_ms != 0)
			busy = opts->busy_ms;
		ro = opts->read_only;
		if (opts->version >= 2)
			fast = opts->fast_commit;
	}
	bk__store_policy_fill(&st->policy);
	st->be = be;
	rc = st->be->open(&st->conn, location, busy, ro, fast, err,
	    sizeof(err));
	if (rc != 0) {
		if (errmsg_out != NULL) {
			char msg[700];

			snprintf(msg, sizeof(msg), "%s: %s", location, err);
			*errmsg_out = strdup(msg);
		}
		free(st);
		return rc;
	}
	*out = st;
	return 0;
}

/* bk_store_free - see store.h */
void
bk_store_free(bk_store *st)
{
	if (st == NULL)
		return;
	if (st->in_batch)
		st->be->rollback(st->conn);
	hfree(&st->addrs, aent_free);
	hfree(&st->senders, free);
	free(st->scratch);
	bk__fbuf_free(&st->jbuf);
	st->be->close(st->conn);
	free(st);
}

const char *
bk_store_errmsg(const bk_store *st)
{
	return st->err;
}

void
bk_store_set_clock(bk_store *st, int64_t now)
{
	st->clock = now;
}

/* bk_store_begin - open a batch */
int
bk_store_begin(bk_store *st)
{
	int rc;

	if (st->in_batch)
		return seterr(st, BK_EINVAL, "a batch is already open");
	rc = be_begin(st);
	if (rc == 0) {
		st->in_batch = 1;
		st->failed = 0;
	}
	return rc;
}

/*
 * bk_store_commit - end a batch, keeping its work.  A batch in which an
 * ingest failed is rolled back instead: all or none.
 */
int
bk_store_commit(bk_store *st)
{
	int rc;

	if (!st->in_batch)
		return seterr(st, BK_EINVAL, "no batch is open");
	st->in_batch = 0;
	if (st->failed) {
		cache_drop(st);
		st->be->rollback(st->conn);
		return seterr(st, st->failed, "an ingest of this batch failed; "
		    "the batch was rolled back");
	}
	rc = write_back(st);
	if (rc != 0) {
		cache_drop(st);
		st->be->rollback(st->conn);
		return rc;
	}
	return be_commit(st);
}

/* bk_store_rollback - end a batch, dropping its work */
int
bk_store_rollback(bk_store *st)
{
	cache_drop(st);
	if (!st->in_batch)
		return 0;
	st->in_batch = 0;
	return be_err(st, st->be->rollback(st->conn));
}

/*
 * tx_begin - a transaction of our own unless a batch is open; within a
 * batch, the cached work is written first so that what follows reads
 * and changes the rows as they are.
 */
static int settle(bk_store *st);

static int
tx_begin(bk_store *st)
{
	if (st->in_batch)
		return settle(st);
	/* a manual change: cached addresses would go stale */
	cache_drop(st);
	return be_err(st, st->be->begin(st->conn));
}

/*
 * settle - within a batch, write the cached work before the store is
 * read or changed by anything but an ingest.  A failure spoils the batch.
 */
static int
settle(bk_store *st)
{
	int rc;

	if (!st->in_batch || st->addrs.n + st->senders.n == 0) {
		/* outside a batch nothing is dirty: just forget */
		cache_drop(st);
		return 0;
	}
	rc = flush(st);
	if (rc != 0)
		st->failed = rc;
	return rc;
}

/* tx_end - commit (rc == 0) or roll back our own transaction */
static int
tx_end(bk_store *st, int rc)
{
	if (st->in_batch)
		return rc;
	if (rc == 0)
		rc = write_back(st);
	if (rc == 0)
		return be_commit(st);
	cache_drop(st);
	st->be->rollback(st->conn);
	return rc;
}

/* bk_store_hash - SHA-256 with OpenSSL's EVP interface */
int
bk_store_hash(unsigned char out[BK_STORE_HASH_BYTES], const void *data,
    size_t len)
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != BK_STORE_HASH_BYTES)
		return BK_ERROR;
	return 0;
}

/* lower - ASCII A-Z to a-z, every other byte as it is (no locale) */
static unsigned char
lower(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + ('a' - 'A')) : ch;
}

/* bk_store_normalize - see store.h */
int
bk_store_normalize(char out[BK_STORE_ADDRESS_MAX + 1], const char *addr,
    size_t len)
{
	const char *at = NULL;
	size_t i;

	out[0] = '\0';
	if (addr == NULL)
		return BK_EINVAL;
	while (len > 0 && (*addr == ' ' || *addr == '\t' || *addr == '<')) {
		addr++;
		len--;
	}
	while (len > 0 && (addr[len - 1] == ' ' || addr[len - 1] == '\t' ||
	    addr[len - 1] == '>' || addr[len - 1] == '\r' ||
	    addr[len - 1] == '\n'))
		len--;
	if (len == 0 || len > BK_STORE_ADDRESS_MAX)
		return BK_EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)addr[i];

		if (ch <= 0x20 || ch == 0x7f || ch == '<' || ch == '>' ||
		    ch == ',' || ch == ';' || ch == '"')
			return BK_EINVAL;
		if (ch == '@')
			at = addr + i;
		out[i] = (char)lower(ch);
	}
	out[len] = '\0';
	/* local part and domain both present; the domain has no '@' */
	if (at == NULL || at == addr || at == addr + len - 1 ||
	    memchr(addr, '@', (size_t)(at - addr)) != NULL) {
		out[0] = '\0';
		return BK_EINVAL;
	}
	return 0;
}

/* domain_of - the lowercased domain of an address in @s, or "" */
static void
domain_of(char *dst, size_t cap, bk_str s)
{
	const char *lt, *gt, *at;
	size_t n, i;

	dst[0] = '\0';
	if (s.ptr == NULL || s.len == 0)
		return;
	/* "Name <user@domain>" */
	lt = memchr(s.ptr, '<', s.len);
	if (lt != NULL) {
		gt = memchr(lt, '>', s.len - (size_t)(lt - s.ptr));
		if (gt != NULL) {
			s.len = (size_t)(gt - lt - 1);
			s.ptr = lt + 1;
		}
	}
	at = NULL;
	for (i = 0; i < s.len; i++)
		if (s.ptr[i] == '@')
			at = s.ptr + i;
	if (at == NULL)
		return;
	n = s.len - (size_t)(at + 1 - s.ptr);
	if (n == 0 || n >= cap)
		return;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)at[1 + i];

		if (ch <= 0x20 || ch == '>' || ch == 0x7f) {
			dst[0] = '\0';
			return;
		}
		dst[i] = (char)lower(ch);
	}
	dst[n] = '\0';
}

/* read_ip - an IPv4 or IPv6 literal at @p (at most @n bytes) into @dst */
static int
read_ip(char *dst, size_t cap, const char *p, size_t n)
{
	size_t i = 0, dots = 0, colons = 0, digits = 0;

	if (n >= 5 && strncasecmp(p, "ipv6:", 5) == 0) {
		p += 5;
		n -= 5;
	}
	while (i < n && i + 1 < cap) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '.')
			dots++;
		else if (ch == ':')
			colons++;
		else if (isxdigit(ch))
			digits++;
		else
			break;
		dst[i] = (char)tolower(ch);
		i++;
	}
	dst[i] = '\0';
	if (digits == 0)
		return -1;
	if (colons == 0 && dots == 3) {
		/* IPv4: only decimal digits */
		size_t k;

		for (k = 0; k < i; k++)
			if (dst[k] != '.' && !isdigit((unsigned char)dst[k]))
				return -1;
		return 0;
	}
	return colons >= 2 ? 0 : -1;
}

/*
 * sending_ip - the sender's IP when the remote text names it, e.g.
 * "Client host [198.51.100.9] blocked using zen.spamhaus.org" or
 * "Messages from 203.0.113.5 temporarily deferred".  Only these phrasings
 * are trusted: an address after "host mx.example.net" is the receiver's.
 */
static void
sending_ip(char *dst, size_t cap, bk_str diag)
{
	/* every lead is at least two bytes; leads share first bytes */
	static const struct {
		const char *s;
		size_t n;
	} lead[] = {
#define L(x) { x, sizeof(x) - 1 }
		L("client host ["), L("client host "), L("client ["),
		L("messages from "), L("your ip "), L("your ip address "),
		L("sending ip "), L("ip address ["), L("connecting ip "),
#undef L
	};
	/* bytes that may start a lead, either case: c m y s i */
	static const unsigned char first[256] = {
		['c'] = 1, ['m'] = 1, ['y'] = 1, ['s'] = 1, ['i'] = 1,
		['C'] = 1, ['M'] = 1, ['Y'] = 1, ['S'] = 1, ['I'] = 1,
	};
	const unsigned char *d = (const unsigned char *)diag.ptr;
	size_t i, k;

	dst[0] = '\0';
	if (diag.ptr == NULL)
		return;
	for (i = 0; i + 1 < diag.len; i++) {
		unsigned char ch, c2;

		/* most bytes: one table look-up */
		if (!first[d[i]])
			continue;
		ch = d[i] | 0x20;
		c2 = d[i + 1] | 0x20;
		/* the first two bytes of a lead: cl co me yo se ip */
		if (!((ch == 'c' && (c2 == 'l' || c2 == 'o')) ||
		    (ch == 'm' && c2 == 'e') || (ch == 'y' && c2 == 'o') ||
		    (ch == 's' && c2 == 'e') || (ch == 'i' && c2 == 'p')))
			continue;
		for (k = 0; k < sizeof(lead) / sizeof(lead[0]); k++) {
			size_t ln = lead[k].n;
			const char *p;

			if (ch != (unsigned char)lead[k].s[0] ||
			    c2 != (unsigned char)lead[k].s[1] ||
			    diag.len - i < ln ||
			    strncasecmp(diag.ptr + i, lead[k].s, ln) != 0)
				continue;
			p = diag.ptr + i + ln;
			if (p < diag.ptr + diag.len && *p == '[')
				p++;
			if (read_ip(dst, cap, p,
			    (size_t)(diag.ptr + diag.len - p)) == 0)
				return;
			dst[0] = '\0';
		}
	}
}

/*
 * record_json - the record as one JSON object in the store's reused
 * buffer (no allocation once it has grown to the largest record), in the
 * compact form: members whose value is null are left out (docs/store.md).
 * NULL when out of memory.
 */
static const char *
record_json(bk_store *st, const bk_record *rec, const char *origin,
    size_t *len_out)
{
	st->jbuf.len = 0;
	if (bk__format_json(&st->jbuf, rec, origin ? origin : "",
	    BK__JSON_OMIT_NULL) != 0) {
		/* drop what grew: the next record starts afresh */
		bk__fbuf_free(&st->jbuf);
		return NULL;
	}
	*len_out = st->jbuf.len;
	return st->jbuf.p;
}

/* cstr - a slice as a NUL-terminated copy in @dst, truncated to fit */
static const char *
cstr(char *dst, size_t cap, bk_str s)
{
	size_t n;

	if (s.ptr == NULL)
		return NULL;
	n = s.len < cap - 1 ? s.len : cap - 1;
	memcpy(dst, s.ptr, n);
	dst[n] = '\0';
	return dst;
}

/* state_name - how the audit trail names a state */
static const char *
state_name(int suppressed)
{
	return suppressed ? "suppressed" : "clear";
}

/*
 * apply_expiry - a suppression whose time has passed is cleared, with an
 * audit row, before anything else happens to the address.
 */
static int
apply_expiry(bk_store *st, bk__store_row *row, int64_t now)
{
	bk__store_audit a;
	char why[64];

	if (!row->e.suppressed || row->e.expires_at == 0 ||
	    row->e.expires_at > now)
		return 0;
	snprintf(why, sizeof(why), "expired (%s)", row->e.cause);
	memset(&a, 0, sizeof(a));
	a.address = row->e.address;
	a.at = row->e.expires_at;
	a.old_state = "suppressed";
	a.new_state = "clear";
	a.actor = "policy";
	a.why = why;
	row->e.suppressed = 0;
	row->e.cause[0] = '\0';
	row->e.expires_at = 0;
	return be_err(st, st->be->audit_add(st->conn, &a));
}

/* load - an address's row, or a fresh clear one */
static int
load(bk_store *st, bk__store_row *row, const char *addr)
{
	int rc = st->be->lookup(st->conn, row, addr);

	if (rc == BK_ENOTFOUND) {
		memset(row, 0, sizeof(*row));
		snprintf(row->e.address, sizeof(row->e.address), "%s", addr);
		return 1;
	}
	return be_err(st, rc);
}

/*
 * cached - the cache entry of @addr, loaded from the store on first use
 * in this transaction; NULL with *rc set on failure.
 */
static aent *
cached(bk_store *st, const char *addr, int *rc)
{
	aent *a = hget(&st->addrs, addr);

	*rc = 0;
	if (a != NULL)
		return a;
	if (st->addrs.n >= ACACHE_MAX) {
		*rc = flush(st);
		if (*rc != 0)
			return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		*rc = seterr(st, BK_ENOMEM, "out of memory");
		return NULL;
	}
	*rc = load(st, &a->row, addr);
	if (*rc < 0) {
		free(a);
		return NULL;
	}
	*rc = hput(&st->addrs, a);
	if (*rc != 0) {
		free(a);
		return NULL;
	}
	return a;
}

/*
 * soft_grow - room for one more time in @a's array, up to SOFT_KEEP;
 * 0, or -1 when full or out of memory
 */
static int
soft_grow(aent *a, size_t want)
{
	size_t cap = a->softcap ? a->softcap : 8;
	int64_t *p;

	if (want <= a->softcap)
		return 0;
	if (want > SOFT_KEEP)
		return -1;
	/* loop: doubles from 8; want <= SOFT_KEEP bounds it */
	while (cap < want)
		cap *= 2;
	p = realloc(a->soft, cap * sizeof(*p));
	if (p == NULL)
		return -1;
	a->soft = p;
	a->softcap = cap;
	return 0;
}

/* soft_note - a soft event at @at was just recorded for cached @a */
static void
soft_note(aent *a, int64_t at)
{
	size_t i;

	if (!a->soft_valid || at <= a->soft_lo)
		return;
	if (soft_grow(a, a->nsoft + 1) != 0) {
		/* more than we keep (or no memory): ask the database */
		a->soft_valid = 0;
		return;
	}
	/* loop: insertion into the ascending array, i moves down */
	for (i = a->nsoft; i > 0 && a->soft[i - 1] > at; i--)
		a->soft[i] = a->soft[i - 1];
	a->soft[i] = at;
	a->nsoft++;
}

/* soft_upto - how many of @a's times are <= @t (binary search) */
static size_t
soft_upto(const aent *a, int64_t t)
{
	size_t lo = 0, hi = a->nsoft;

	/* loop: the interval [lo, hi) halves each pass */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->soft[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * soft_load - read @a's soft times after @after (at most SOFT_KEEP)
 * into its array; *n_out == SOFT_KEEP: there may be more, not kept.
 */
static int
soft_load(bk_store *st, aent *a, int64_t after, size_t *n_out)
{
	size_t n;
	int rc;

	a->soft_valid = 0;
	if (st->scratch == NULL) {
		st->scratch = malloc(SOFT_KEEP * sizeof(*st->scratch));
		if (st->scratch == NULL)
			return seterr(st, BK_ENOMEM, "out of memory");
	}
	rc = be_err(st, st->be->soft_times(st->conn, st->scratch, SOFT_KEEP,
	    &n, a->row.e.address, after));
	if (rc != 0)
		return rc;
	*n_out = n;
	if (n == SOFT_KEEP)
		return 0;
	if (soft_grow(a, n) != 0)
		return seterr(st, BK_ENOMEM, "out of memory");
	if (n > 0)
		memcpy(a->soft, st->scratch, n * sizeof(*a->soft));
	a->nsoft = n;
	a->soft_lo = after;
	a->soft_valid = 1;
	return 0;
}

/*
 * soft_window - soft bounces of @a in (after, until]; from the entry's
 * times when they reach back far enough, else read again (and kept).
 * The first read takes all of the address's soft times (usually few),
 * so that records out of time order need no second one; an address with
 * more than SOFT_KEEP is read from @after on, and counted in the
 * database if that is still too many.
 */
static int
soft_window(bk_store *st, aent *a, int64_t after, int64_t until,
    unsigned *out)
{
	size_t n;
	int rc;

	if (!a->soft_valid || after < a->soft_lo) {
		rc = soft_load(st, a, a->soft_many ? after : INT64_MIN, &n);
		if (rc == 0 && n == SOFT_KEEP && !a->soft_many) {
			a->soft_many = 1;
			rc = soft_load(st, a, after, &n);
		}
		if (rc != 0)
			return rc;
		if (n == SOFT_KEEP)
			/* too many to keep: count in the database */
			return be_err(st, st->be->soft_count(st->conn, out,
			    a->row.e.address, after, until));
	}
	*out = (unsigned)(soft_upto(a, until) - soft_upto(a, after));
	return 0;
}

/* sender_add - count one sender-side failure, summed until the flush */
static int
sender_add(bk_store *st, const char *scope, const char *key,
    const char *reason, int64_t at)
{
	char id[sizeof(((sent *)0)->id)];
	sent *s;
	int rc;

	snprintf(id, sizeof(id), "%s\x01%s\x01%s", scope, key, reason);
	s = hget(&st->senders, id);
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return seterr(st, BK_ENOMEM, "out of memory");
		memcpy(s->id, id, sizeof(id));
		s->scope = strcmp(scope, "ip") == 0 ? "ip" : "domain";
		snprintf(s->key, sizeof(s->key), "%s", key);
		snprintf(s->reason, sizeof(s->reason), "%s", reason);
		s->first = s->last = at;
		rc = hput(&st->senders, s);
		if (rc != 0) {
			free(s);
			return seterr(st, rc, "out of memory");
		}
	}
	s->count++;
	if (at < s->first)
		s->first = at;
	if (at > s->last)
		s->last = at;
	return 0;
}

/* ingest_in_tx - the body of bk_store_ingest, inside a transaction */
static int
ingest_in_tx(bk_store *st, bk_store_outcome *out, const bk_record *rec,
    const bk_store_source *src, const char *addr, const char *json,
    size_t json_len)
{
	static const char hex[] = "0123456789abcdef";
	char hash_hex[2 * BK_STORE_HASH_BYTES + 1];
	char domain[256], ip[64], status[32];
	const char *reason = bk_reason_name(rec->reason);
	bk__store_event ev;
	bk__store_row *row;
	bk__store_audit a;
	aent *ent;
	const char *why = NULL;
	int64_t now = clock_now(st), at, id;
	unsigned soft = 0;
	int rc, was, changed;
	size_t i;

	for (i = 0; i < BK_STORE_HASH_BYTES; i++) {
		hash_hex[2 * i] = hex[src->hash[i] >> 4];
		hash_hex[2 * i + 1] = hex[src->hash[i] & 15];
	}
	hash_hex[2 * BK_STORE_HASH_BYTES] = '\0';
	at = now;
	if (rec->has_timestamp && rec->timestamp > 0 &&
	    rec->timestamp <= now + DAY)
		at = rec->timestamp;
	domain_of(domain, sizeof(domain), rec->sender);
	if (domain[0] == '\0' && src->env_recipient != NULL) {
		bk_str e = { src->env_recipient, strlen(src->env_recipient) };

		domain_of(domain, sizeof(domain), e);
	}
	if (domain[0] == '\0')
		domain_of(domain, sizeof(domain), rec->from);
	sending_ip(ip, sizeof(ip), rec->diagnostic);

	memset(&ev, 0, sizeof(ev));
	ev.hash_hex = hash_hex;
	ev.recipient = addr;
	ev.origin = src->origin;
	ev.kind = bk_kind_name(rec->kind);
	ev.reason = rec->kind == BK_KIND_UNKNOWN ? NULL : reason;
	ev.status = cstr(status, sizeof(status), rec->status);
	ev.hard = rec->hard ? 1 : 0;
	ev.effect = bk_store_effect_name(out->effect);
	ev.at = at;
	ev.ingested_at = now;
	ev.sender_domain = domain[0] ? domain : NULL;
	ev.sender_ip = ip[0] ? ip : NULL;
	ev.env_sender = src->env_sender;
	ev.env_recipient = src->env_recipient;
	ev.json = json;
	ev.json_len = json_len;
	rc = be_err(st, st->be->event_add(st->conn, &id, &ev));
	if (rc != 0)
		return rc;
	if (id == 0) {
		out->duplicate = 1;
		return 0;
	}
	if (out->effect == BK_STORE_SENDER) {
		if (domain[0] != '\0')
			rc = sender_add(st, "domain", domain, reason, at);
		if (rc == 0 && ip[0] != '\0')
			rc = sender_add(st, "ip", ip, reason, at);
		return rc;
	}
	if (addr[0] == '\0' || out->effect == BK_STORE_IGNORE ||
	    out->effect == BK_STORE_REVIEW)
		return 0;
	ent = cached(st, addr, &rc);
	if (ent == NULL)
		return rc;
	row = &ent->row;
	ent->dirty = 1;
	rc = apply_expiry(st, row, now);
	if (rc != 0)
		return rc;
	if (out->effect == BK_STORE_SOFT) {
		int64_t after = at - (int64_t)st->policy.soft_window_days * DAY;

		soft_note(ent, at);
		if (row->reset_at > after)
			after = row->reset_at;
		rc = soft_window(st, ent, after, at, &soft);
		if (rc != 0)
			return rc;
	}
	was = row->e.suppressed;
	changed = bk__store_transition(&st->policy, row, out->effect,
	    rec->reason, soft, at, &why);
	row->e.updated_at = now;
	out->suppressed = row->e.suppressed;
	if (changed) {
		char note[BK_STORE_NOTE_MAX + 1];

		snprintf(note, sizeof(note), "%s: %s%s%s", why,
		    reason ? reason : "undefined", ev.status ? " " : "",
		    ev.status ? ev.status : "");
		memset(&a, 0, sizeof(a));
		a.address = addr;
		a.at = at;
		a.old_state = state_name(was);
		a.new_state = state_name(row->e.suppressed);
		a.actor = "ingest";
		a.why = note;
		a.event_id = id;
		rc = be_err(st, st->be->audit_add(st->conn, &a));
		out->changed = 1;
	}
	return rc;
}

/* bk_store_ingest - see store.h */
int
bk_store_ingest(bk_store *st, bk_store_outcome *out, const bk_record *rec,
    const bk_store_source *src)
{
	bk_store_outcome o;
	char addr[BK_STORE_ADDRESS_MAX + 1];
	const char *json;
	size_t json_len = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	o.effect = bk_store_decide(rec);
	if (bk_store_normalize(addr, rec->recipient.ptr, rec->recipient.len)
	    != 0) {
		/* kept for review under an empty recipient, never counted */
		addr[0] = '\0';
		o.bad_address = 1;
	}
	json = record_json(st, rec, src->origin, &json_len);
	if (json == NULL)
		return seterr(st, BK_ENOMEM, "formatting the record");
	/* in a batch the cached work goes on; alone, a transaction */
	rc = st->in_batch ? 0 : be_begin(st);
	if (rc == 0) {
		rc = ingest_in_tx(st, &o, rec, src, addr, json, json_len);
		if (rc != 0 && st->in_batch)
			st->failed = rc;
		rc = tx_end(st, rc);
	}
	if (out != NULL)
		*out = o;
	return rc;
}

/* finish_entry - a stored row as the caller sees it now */
static int
finish_entry(bk_store *st, bk_store_entry *out, const bk__store_row *row)
{
	int64_t now = clock_now(st);
	int64_t after = now - (int64_t)st->policy.soft_window_days * DAY;
	unsigned soft = 0;
	int rc;

	*out = row->e;
	if (out->suppressed && out->expires_at != 0 &&
	    out->expires_at <= now) {
		out->suppressed = 0;
		out->expired = 1;
	}
	/* the soft count decays: only bounces inside the window count */
	if (row->reset_at > after)
		after = row->reset_at;
	rc = be_err(st, st->be->soft_count(st->conn, &soft, row->e.address,
	    after, now));
	if (rc != 0)
		return rc;
	out->soft_count = soft;
	return 0;
}

/* bk_store_lookup - see store.h */
int
bk_store_lookup(bk_store *st, bk_store_entry *out, const char *addr,
    size_t len)
{
	char key[BK_STORE_ADDRESS_MAX + 1];
	bk__store_row row;
	int rc;

	memset(out, 0, sizeof(*out));
	if (bk_store_normalize(key, addr, len) != 0)
		return seterr(st, BK_EINVAL, "malformed address");
	snprintf(out->address, sizeof(out->address), "%s", key);
	rc = settle(st);
	if (rc != 0)
		return rc;
	rc = st->be->lookup(st->conn, &row, key);
	if (rc != 0)
		return be_err(st, rc);
	return finish_entry(st, out, &row);
}

/* set_state - a manual change, with its audit row */
static int
set_state(bk_store *st, const char *key, int suppress_it, const char *cause,
    const char *reason, const char *actor, int64_t expires_at)
{
	bk__store_row row;
	bk__store_audit a;
	char why[BK_STORE_NOTE_MAX + 1];
	int64_t now = clock_now(st);
	int rc, was;

	rc = load(st, &row, key);
	if (rc < 0)
		return rc;
	rc = apply_expiry(st, &row, now);
	if (rc != 0)
		return rc;
	was = row.e.suppressed;
	if (!suppress_it && !was)
		return seterr(st, BK_ENOTFOUND, "not suppressed");
	row.e.suppressed = suppress_it;
	if (suppress_it) {
		snprintf(row.e.cause, sizeof(row.e.cause), "%s", cause);
		snprintf(row.e.reason, sizeof(row.e.reason), "%s", reason);
		row.e.expires_at = expires_at;
	} else {
		row.e.cause[0] = '\0';
		row.e.expires_at = 0;
		/* cleared by hand: soft bounces before now no longer count */
		row.reset_at = now;
		row.e.soft_count = 0;
	}
	row.e.updated_at = now;
	rc = be_err(st, st->be->upsert(st->conn, &row));
	if (rc != 0)
		return rc;
	memset(&a, 0, sizeof(a));
	a.address = key;
	a.at = now;
	a.old_state = state_name(was);
	a.new_state = state_name(suppress_it);
	a.actor = actor ? actor : "manual";
	/* cut like the copy on the address (BK_LIMIT_STORE_NOTE_BYTES) */
	snprintf(why, sizeof(why), "%s", reason);
	a.why = why;
	return be_err(st, st->be->audit_add(st->conn, &a));
}

/* manual - validate and run set_state in a transaction */
static int
manual(bk_store *st, const char *addr, size_t len, int suppress_it,
    const char *reason, const char *actor, int64_t expires_at)
{
	char key[BK_STORE_ADDRESS_MAX + 1];
	int rc;

	if (bk_store_normalize(key, addr, len) != 0)
		return seterr(st, BK_EINVAL, "malformed address");
	if (reason == NULL || reason[0] == '\0')
		return seterr(st, BK_EINVAL, "a reason is required");
	rc = tx_begin(st);
	if (rc != 0)
		return rc;
	return tx_end(st, set_state(st, key, suppress_it, "manual", reason,
	    actor, expires_at));
}

int
bk_store_suppress(bk_store *st, const char *addr, size_t len,
    const char *reason, const char *actor, int64_t expires_at)
{
	return manual(st, addr, len, 1, reason, actor, expires_at);
}

int
bk_store_unsuppress(bk_store *st, const char *addr, size_t len,
    const char *reason, const char *actor)
{
	return manual(st, addr, len, 0, reason, actor, 0);
}

struct list_ctx {
	bk_store *st;
	bk_store_entry_cb cb;
	void *ctx;
};

static int
list_row(void *vctx, const bk__store_row *row)
{
	struct list_ctx *l = vctx;
	bk_store_entry e;
	int rc;

	rc = finish_entry(l->st, &e, row);
	if (rc != 0)
		return rc;
	return l->cb(l->ctx, &e);
}

/* bk_store_list - see store.h */
int
bk_store_list(bk_store *st, bk_store_entry_cb cb, void *ctx)
{
	struct list_ctx l = { st, cb, ctx };
	int rc = settle(st);

	if (rc != 0)
		return rc;
	rc = st->be->iterate(st->conn, clock_now(st), list_row, &l);

	return rc < 0 ? be_err(st, rc) : rc;
}

/* bk_store_history - see store.h */
int
bk_store_history(bk_store *st, const char *addr, size_t len,
    bk_store_history_cb cb, void *ctx)
{
	char key[BK_STORE_ADDRESS_MAX + 1];
	int rc;

	if (bk_store_normalize(key, addr, len) != 0)
		return seterr(st, BK_EINVAL, "malformed address");
	rc = settle(st);
	if (rc != 0)
		return rc;
	rc = st->be->history(st->conn, key, cb, ctx);
	return rc < 0 ? be_err(st, rc) : rc;
}

/* bk_store_senders - see store.h */
int
bk_store_senders(bk_store *st, bk_store_sender_cb cb, void *ctx)
{
	int rc = settle(st);

	if (rc != 0)
		return rc;
	rc = st->be->senders(st->conn, cb, ctx);

	return rc < 0 ? be_err(st, rc) : rc;
}

/* bk_store_events - see store.h */
int
bk_store_events(bk_store *st, int64_t since, bk_store_event_cb cb,
    void *ctx)
{
	int rc = settle(st);

	if (rc != 0)
		return rc;
	rc = st->be->events(st->conn, since, cb, ctx);

	return rc < 0 ? be_err(st, rc) : rc;
}

/* bk_store_import - see store.h */
int
bk_store_import(bk_store *st, const char *data, size_t len,
    const char *actor, size_t *count_out, char **errmsg_out)
{
	bk__store_import_row *rows;
	size_t n, i;
	int rc;

	if (count_out != NULL)
		*count_out = 0;
	rc = bk__store_csv_parse(&rows, &n, data, len, errmsg_out);
	if (rc != 0)
		return seterr(st, rc, errmsg_out && *errmsg_out ?
		    *errmsg_out : "bad CSV");
	rc = tx_begin(st);
	/* all lines were checked: from here on only the database can fail */
	for (i = 0; rc == 0 && i < n; i++)
		rc = set_state(st, rows[i].address, 1, rows[i].cause,
		    rows[i].reason, actor ? actor : "import",
		    rows[i].expires_at);
	if (rc == 0 || !st->in_batch)
		rc = tx_end(st, rc);
	free(rows);
	if (rc == 0 && count_out != NULL)
		*count_out = n;
	if (rc != 0 && errmsg_out != NULL && *errmsg_out == NULL)
		*errmsg_out = strdup(st->err);
	return rc;
}
