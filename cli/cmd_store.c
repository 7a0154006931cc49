/*
 * cmd_store.c - "bouncekit ingest" and "bouncekit suppress".
 *
 * ingest decodes messages exactly as "parse" does (bk_source,
 * bk_message, bk_classify) and hands every record to the store.  In MTA
 * pipe mode (--sender or --recipient given) it reads one message on
 * stdin and never exits with a permanent failure: 0 once recorded, 75
 * (EX_TEMPFAIL, sysexits.h) for anything else, so the MTA keeps the
 * bounce and retries.  --recipient is SRS-unwrapped and VERP-decoded
 * (bk_store_verp_decode); the recipient it encodes is the one the
 * bounce is about.
 *
 * Store location: --db, else $BOUNCEKIT_DB, else
 * $XDG_DATA_HOME/bouncekit/suppress.db (~/.local/share/...).
 * Policy file: --policy, else $BOUNCEKIT_POLICY, else
 * $XDG_CONFIG_HOME/bouncekit/policy.conf when it exists.
 * $BOUNCEKIT_BUSY_MS: how long to wait for another writer (default 5000).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/store.h"
#include "cli_opt.h"
#include "cli_progress.h"
#include "cli_walk.h"
#include "cmd_store.h"

#define EXIT_USAGE 2
#define EXIT_UNREADABLE 3
#define EXIT_DATAERR 4
#define EXIT_INTERNAL 5
#define EXIT_TEMPFAIL 75           /* sysexits.h EX_TEMPFAIL */

/*
 * Records per transaction: one commit per batch, not per record, and the
 * store keeps the batch's addresses and counters in memory until then.
 * A crash loses at most the open batch; running the ingest again picks
 * it up (docs/store.md).
 */
#define INGEST_BATCH 5000

static const char *progname = "bouncekit";

/* bk_cli_store_usage - see cmd_store.h */
void
bk_cli_store_usage(FILE *fp)
{
	fprintf(fp,
	    "       bouncekit ingest [-d DB] [-p POLICY] [-q] [-r FILE] "
	    "[PATH ...]\n"
	    "       bouncekit ingest [-d DB] [-p POLICY] [-q] [-r FILE] "
	    "--log [FILE ...]\n"
	    "       bouncekit ingest [-d DB] --sender ADDR --recipient ADDR\n"
	    "                        [--verp-delimiters XY] < MESSAGE\n"
	    "       bouncekit suppress [-d DB] check ADDR ...\n"
	    "       bouncekit suppress [-d DB] list|export|senders\n"
	    "       bouncekit suppress [-d DB] add|remove ADDR -m REASON "
	    "[-e DAYS]\n"
	    "       bouncekit suppress [-d DB] import FILE|-\n"
	    "       bouncekit suppress [-d DB] history ADDR\n");
}

/* mkdir_p - create @dir and its missing parents; 0 or -1 with errno */
static int
mkdir_p(char *dir, mode_t mode)
{
	char *p;

	/* loop: each '/' after the first byte ends one ancestor */
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	if (mkdir(dir, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* store_path - --db, $BOUNCEKIT_DB, or the XDG data file (created dir) */
static const char *
store_path(const char *opt, char *buf, size_t cap)
{
	const char *env, *home;
	char dir[4000];

	if (opt != NULL && opt[0] != '\0')
		return opt;
	env = getenv("BOUNCEKIT_DB");
	if (env != NULL && env[0] != '\0')
		return env;
	env = getenv("XDG_DATA_HOME");
	if (env != NULL && env[0] == '/') {
		snprintf(dir, sizeof(dir), "%s/bouncekit", env);
	} else {
		home = getenv("HOME");
		if (home == NULL || home[0] == '\0') {
			fprintf(stderr, "%s: no store: give --db, or set "
			    "BOUNCEKIT_DB or HOME\n", progname);
			return NULL;
		}
		snprintf(dir, sizeof(dir), "%s/.local/share/bouncekit", home);
	}
	if (mkdir_p(dir, 0700) != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, dir,
		    strerror(errno));
		return NULL;
	}
	snprintf(buf, cap, "%s/suppress.db", dir);
	return buf;
}

/* load_policy - the policy file, or the defaults; -1 on a bad file */
static int
load_policy(bk_store_policy *p, const char *opt)
{
	const char *path = opt;
	char buf[4096];
	char *err = NULL;
	int rc;

	if (path == NULL || path[0] == '\0')
		path = getenv("BOUNCEKIT_POLICY");
	if (path == NULL || path[0] == '\0') {
		const char *x = getenv("XDG_CONFIG_HOME");
		const char *home = getenv("HOME");

		if (x != NULL && x[0] == '/')
			snprintf(buf, sizeof(buf),
			    "%s/bouncekit/policy.conf", x);
		else if (home != NULL && home[0] != '\0')
			snprintf(buf, sizeof(buf),
			    "%s/.config/bouncekit/policy.conf", home);
		else
			return 0;
		if (access(buf, F_OK) != 0)
			return 0;
		path = buf;
	}
	rc = bk_store_policy_parse(p, path, &err);
	if (rc != 0) {
		fprintf(stderr, "%s: policy: %s\n", progname,
		    err ? err : bk_strerror(rc));
		free(err);
		return -1;
	}
	return 0;
}

/*
 * open_store - open the store, or say why not; returns an exit code.
 * @fast: fast commits (bulk ingest of files, which can be run again);
 * 0 for pipe mode and every change made by hand.  @read_only: neither
 * create nor migrate (report).
 */
static int
open_store(bk_store **out, const char *db, const bk_store_policy *policy,
    int fast, int read_only)
{
	bk_store_options o = BK_STORE_OPTIONS_INIT;
	char buf[4096];
	const char *path, *env;
	char *err = NULL;
	int rc;

	*out = NULL;
	path = store_path(db, buf, sizeof(buf));
	if (path == NULL)
		return EXIT_USAGE;
	o.policy = policy;
	o.fast_commit = fast;
	o.read_only = read_only;
	env = getenv("BOUNCEKIT_BUSY_MS");
	if (env != NULL && env[0] != '\0') {
		char *end;
		long ms = strtol(env, &end, 10);

		if (*end == '\0' && ms > 0 && ms <= 3600000)
			o.busy_ms = (unsigned)ms;
	}
	rc = bk_store_new(out, path, &o, &err);
	if (rc == 0)
		return 0;
	fprintf(stderr, "%s: %s\n", progname, err ? err : bk_strerror(rc));
	free(err);
	switch (rc) {
	case BK_EAGAIN:
		return EXIT_TEMPFAIL;
	case BK_EINVAL:
	case BK_EUNSUPPORTED:
		return EXIT_USAGE;
	case BK_EIO:
		return EXIT_UNREADABLE;
	default:
		return EXIT_INTERNAL;
	}
}

/* bk_cli_store_open - see cmd_store.h */
int
bk_cli_store_open(bk_store **out, const char *db)
{
	return open_store(out, db, NULL, 0, 1);
}

/* store_status - exit code of a failed store call, with its message */
static int
store_status(bk_store *st, int rc)
{
	fprintf(stderr, "%s: store: %s\n", progname,
	    bk_store_errmsg(st)[0] ? bk_store_errmsg(st) : bk_strerror(rc));
	return rc == BK_EAGAIN ? EXIT_TEMPFAIL : EXIT_INTERNAL;
}

struct tally {
	size_t messages, records, duplicates, suppressed, cleared, bad;
	size_t lines, quiet;           /* --log: lines read, of no outcome */
	size_t effect[BK_STORE_EFFECT_COUNT_];
};

struct ingest {
	bk_store *st;
	bk_classifier *cls;
	const char *env_sender, *env_recipient;
	char verp[BK_STORE_ADDRESS_MAX + 1];   /* decoded, or "" */
	size_t in_batch;
	struct bk_cli_progress progress;
	struct tally t;
};

/* store_record - one classified record into the store, in the open
 * batch (begun here when none is); counted in the tally */
static int
store_record(struct ingest *in, const bk_record *rec,
    const bk_store_source *src)
{
	bk_store_outcome o;
	int rc;

	if (in->in_batch == 0 && (rc = bk_store_begin(in->st)) != 0)
		return rc;
	rc = bk_store_ingest(in->st, &o, rec, src);
	if (rc != 0)
		return rc;
	in->in_batch++;
	in->t.records++;
	if (o.duplicate) {
		in->t.duplicates++;
		return 0;
	}
	in->t.effect[o.effect]++;
	if (o.bad_address)
		in->t.bad++;
	if (o.changed && o.suppressed)
		in->t.suppressed++;
	else if (o.changed)
		in->t.cleared++;
	return 0;
}

/* batch_end - commit the open batch once it holds INGEST_BATCH records */
static int
batch_end(struct ingest *in)
{
	int rc = 0;

	if (in->in_batch >= INGEST_BATCH) {
		rc = bk_store_commit(in->st);
		in->in_batch = 0;
	}
	return rc;
}

/* ingest_message - decode, classify and store one message (@ctx: the
 * struct ingest; called by bk_cli_walk) */
static int
ingest_message(void *ctx, const char *data, size_t len, const char *origin)
{
	struct ingest *in = ctx;
	bk_store_source src;
	bk_message *msg;
	bk_record *recs;
	size_t n = 0, i;
	int rc;

	memset(&src, 0, sizeof(src));
	if (bk_store_hash(src.hash, data, len) != 0)
		return BK_ERROR;
	src.origin = origin;
	src.env_sender = in->env_sender;
	src.env_recipient = in->env_recipient;
	rc = bk_cli_decode(in->cls, data, len, &msg, &recs, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		char norm[BK_STORE_ADDRESS_MAX + 1];

		/*
		 * VERP names the one recipient the bounced copy was for: it
		 * wins over a report about a single (perhaps forwarded-to)
		 * address, and fills in a missing one; a report about several
		 * recipients keeps theirs.
		 */
		if (in->verp[0] != '\0' && (n == 1 ||
		    bk_store_normalize(norm, recs[i].recipient.ptr,
		    recs[i].recipient.len) != 0)) {
			recs[i].recipient.ptr = in->verp;
			recs[i].recipient.len = strlen(in->verp);
		}
		rc = store_record(in, &recs[i], &src);
	}
	bk_message_free(msg);
	in->t.messages++;
	if (rc == 0)
		rc = batch_end(in);
	bk_cli_progress_step(&in->progress, len, n);
	return rc;
}

/* what ingest_log hands bk_cli_each_line */
struct log_ctx {
	struct ingest *in;
	bk_log_reader *lr;
};

/* log_line - one line of a --log file into the store (see ingest_log) */
static int
log_line(void *ctx, const char *line, size_t len, unsigned long lineno)
{
	struct log_ctx *l = ctx;
	struct ingest *in = l->in;
	bk_store_source src;
	bk_record rec;
	char origin[64];
	int rc;

	rc = bk_classify_log_line(in->cls, l->lr, &rec, line, len);
	if (rc == BK_EINVAL)            /* white space only */
		return 0;
	if (rc != 0)
		return rc;
	in->t.lines++;
	if (rec.kind == BK_KIND_UNKNOWN) {
		in->t.quiet++;
		return 0;
	}
	memset(&src, 0, sizeof(src));
	rc = bk_store_hash(src.hash, line, len);
	if (rc != 0)
		return rc;
	snprintf(origin, sizeof(origin), "line:%lu", lineno);
	src.origin = origin;
	rc = store_record(in, &rec, &src);
	return rc == 0 ? batch_end(in) : rc;
}

/*
 * ingest_log - the lines of one MTA log file (--log): each line that
 * tells a delivery outcome (a Postfix, Exim or Sendmail line, a row of a
 * PowerMTA accounting file read by its header) is stored like a
 * record of a bounce; the line itself is its source, so a file read
 * again counts once.  Other lines are counted apart.  0, a BK_E* code,
 * or EXIT_UNREADABLE (the file, said on stderr).
 */
static int
ingest_log(struct ingest *in, const char *path)
{
	struct log_ctx l = { in, NULL };
	int rc, unreadable;

	if (bk_log_reader_new(&l.lr) != 0)
		return BK_ENOMEM;
	rc = bk_cli_each_line(path, log_line, &l, &unreadable);
	bk_log_reader_free(l.lr);
	return rc == 0 && unreadable ? EXIT_UNREADABLE : rc;
}

/* summary - what the run did, on stderr */
static void
summary(const struct tally *t, int progress)
{
	if (t->lines > 0)
		fprintf(stderr, "%s%s: read %zu log lines, %zu of no delivery "
		    "outcome\n", progress ? "\r" : "", progname, t->lines,
		    t->quiet);
	fprintf(stderr, "%s%s: ingested %zu messages, %zu records: "
	    "%zu hard, %zu soft, %zu complaint, %zu sender-side, "
	    "%zu delivered, %zu ignored, %zu for review; %zu duplicates; "
	    "%zu addresses suppressed, %zu cleared",
	    progress ? "\r" : "", progname, t->messages, t->records,
	    t->effect[BK_STORE_HARD], t->effect[BK_STORE_SOFT],
	    t->effect[BK_STORE_COMPLAINT], t->effect[BK_STORE_SENDER],
	    t->effect[BK_STORE_DELIVERED], t->effect[BK_STORE_IGNORE],
	    t->effect[BK_STORE_REVIEW], t->duplicates, t->suppressed,
	    t->cleared);
	if (t->bad > 0)
		fprintf(stderr, "; %zu records without a usable recipient",
		    t->bad);
	fputc('\n', stderr);
}

/* bk_cli_ingest - see cmd_store.h */
int
bk_cli_ingest(int argc, char **argv)
{
	enum { O_SENDER = 256, O_RECIPIENT, O_VERP, O_LOG };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "log", no_argument, NULL, O_LOG },
		{ "policy", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "recipient", required_argument, NULL, O_RECIPIENT },
		{ "rules", required_argument, NULL, 'r' },
		{ "sender", required_argument, NULL, O_SENDER },
		{ "verp-delimiters", required_argument, NULL, O_VERP },
		{ NULL, 0, NULL, 0 }
	};
	static char *const stdin_path[] = { "-" };
	bk_classify_options copts = BK_CLASSIFY_OPTIONS_INIT;
	bk_store_policy policy = BK_STORE_POLICY_INIT;
	const char *db = NULL, *policy_path = NULL, *delims = NULL;
	char *const *paths;
	struct ingest in;
	struct bk_cli_walk w;
	int c, npaths, pipe_mode = 0, quiet = 0, status = 0, rc = 0, logs = 0;
	char *err = NULL;

	memset(&in, 0, sizeof(in));
	copts.rules_path = bk_cli_rules_env();
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:hp:qr:", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'h':
			bk_cli_store_usage(stdout);
			return 0;
		case 'p':
			policy_path = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			copts.rules_path = optarg;
			break;
		case O_RECIPIENT:
			in.env_recipient = optarg;
			pipe_mode = 1;
			break;
		case O_SENDER:
			in.env_sender = optarg;
			pipe_mode = 1;
			break;
		case O_VERP:
			delims = optarg;
			break;
		case O_LOG:
			logs = 1;
			break;
		default:
			bk_cli_store_usage(stderr);
			return pipe_mode ? EXIT_TEMPFAIL : EXIT_USAGE;
		}
	}
	paths = argv + optind;
	npaths = argc - optind;
	if (pipe_mode && logs) {
		fprintf(stderr, "%s: ingest --log reads log files, not a "
		    "message from the MTA\n", progname);
		return EXIT_TEMPFAIL;
	}
	if (pipe_mode && (npaths > 1 || (npaths == 1 &&
	    strcmp(paths[0], "-") != 0))) {
		fprintf(stderr, "%s: ingest --sender/--recipient reads one "
		    "message on stdin\n", progname);
		return EXIT_TEMPFAIL;
	}
	if (npaths == 0) {
		paths = stdin_path;
		npaths = 1;
	}
	if (in.env_recipient != NULL) {
		bk_store_verp_style style;
		int srs;

		rc = bk_store_verp_decode(in.verp, &style, &srs,
		    in.env_recipient, strlen(in.env_recipient), delims);
		if (rc == BK_EINVAL && delims != NULL &&
		    bk_store_verp_decode(in.verp, NULL, NULL, "a@b", 3,
		    delims) == BK_EINVAL) {
			fprintf(stderr, "%s: --verp-delimiters takes two "
			    "characters other than '@'\n", progname);
			return EXIT_TEMPFAIL;
		}
		if (rc != 0)
			in.verp[0] = '\0';
		rc = 0;
	}
	if (load_policy(&policy, policy_path) != 0)
		return pipe_mode ? EXIT_TEMPFAIL : EXIT_USAGE;
	rc = bk_classifier_new(&in.cls, &copts, &err);
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", progname,
		    err ? err : bk_strerror(rc));
		free(err);
		return pipe_mode ? EXIT_TEMPFAIL : EXIT_USAGE;
	}
	status = open_store(&in.st, db, &policy, !pipe_mode, 0);
	if (status != 0) {
		bk_classifier_free(in.cls);
		return pipe_mode ? EXIT_TEMPFAIL : status;
	}
	bk_cli_progress_start(&in.progress, paths, npaths,
	    quiet || pipe_mode);
	w.message = ingest_message;
	w.unreadable = NULL;
	w.ctx = &in;
	w.unreadable_seen = 0;
	if (logs) {
		int i;

		/* loop: one log file a pass; an unreadable one is named
		 * and the rest still read */
		for (i = 0; rc == 0 && i < npaths; i++) {
			rc = ingest_log(&in, paths[i]);
			if (rc == EXIT_UNREADABLE) {
				status = EXIT_UNREADABLE;
				rc = 0;
			}
		}
	} else {
		rc = bk_cli_walk(&w, paths, npaths);
	}
	if (w.unreadable_seen)
		status = EXIT_UNREADABLE;
	if (rc == 0 && in.in_batch > 0)
		rc = bk_store_commit(in.st);
	if (rc != 0) {
		status = store_status(in.st, rc);
		/* the open batch is dropped: a rerun ingests it again */
		bk_store_rollback(in.st);
	}
	if (!quiet)
		summary(&in.t, in.progress.on);
	bk_store_free(in.st);
	bk_classifier_free(in.cls);
	if (pipe_mode && status != 0)
		return EXIT_TEMPFAIL;
	return status;
}

/* fmt_time - RFC 3339 UTC, or "-" */
static const char *
fmt_time(char *buf, size_t cap, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return "-";
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* print_entry - one address, one line, tab-separated */
static int
print_entry(void *ctx, const bk_store_entry *e)
{
	char a[40], b[40];

	(void)ctx;
	printf("%s\tsuppressed\t%s\t%s\tsince %s\texpires %s\n", e->address,
	    e->cause, e->reason[0] ? e->reason : "-",
	    fmt_time(a, sizeof(a), e->last_bounce ? e->last_bounce :
	    e->updated_at), e->expires_at ? fmt_time(b, sizeof(b),
	    e->expires_at) : "never");
	return 0;
}

/* print_history - one event or change per line */
static int
print_history(void *ctx, const bk_store_history_item *h)
{
	char t[40];

	(void)ctx;
	if (h->is_change)
		printf("%s\tchange\t%s -> %s\tby %s\t%s\n",
		    fmt_time(t, sizeof(t), h->at),
		    h->from_state ? h->from_state : "-", h->what,
		    h->actor ? h->actor : "-", h->why ? h->why : "");
	else
		printf("%s\tevent\t%s\t%s %s %s\t%s\n",
		    fmt_time(t, sizeof(t), h->at), h->what,
		    h->kind ? h->kind : "-", h->why ? h->why : "-",
		    h->status ? h->status : "-", h->origin ? h->origin : "-");
	return 0;
}

/* print_sender - one counter per line */
static int
print_sender(void *ctx, const bk_store_sender_count *s)
{
	char a[40], b[40];

	(void)ctx;
	printf("%s\t%s\t%s\t%u\t%s\t%s\n", s->scope, s->key, s->reason,
	    s->count, fmt_time(a, sizeof(a), s->first_seen),
	    fmt_time(b, sizeof(b), s->last_seen));
	return 0;
}

/* actor - who is making a manual change */
static const char *
actor(char *buf, size_t cap)
{
	const char *u = getenv("LOGNAME");

	if (u == NULL || u[0] == '\0')
		u = getenv("USER");
	if (u == NULL || u[0] == '\0') {
		snprintf(buf, cap, "manual:uid %ld", (long)getuid());
		return buf;
	}
	snprintf(buf, cap, "manual:%s", u);
	return buf;
}

/* read_all - a whole file ("-": stdin) into memory */
static char *
read_all(const char *path, size_t *len_out)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL, *p;
	size_t len = 0, cap = 0, n;

	if (fp == NULL)
		return NULL;
	/* loop: len grows by what each read returns until end of file */
	for (;;) {
		if (cap - len < 65536) {
			if (cap > (size_t)256 * 1024 * 1024)
				break;     /* far beyond any suppression list */
			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap + 1);
			if (p == NULL)
				break;
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp) || !feof(fp)) {
		free(buf);
		buf = NULL;
	} else if (buf == NULL) {
		buf = calloc(1, 1);
	}
	if (fp != stdin)
		fclose(fp);
	*len_out = len;
	return buf;
}

/* bk_cli_suppress - see cmd_store.h */
int
bk_cli_suppress(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "expires", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "reason", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const char *db = NULL, *reason = NULL, *cmd;
	char who[128];
	bk_store *st;
	long days = 0;
	int c, i, nargs, status = 0, rc;
	char **args;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:e:hm:", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'e':
			if (bk_cli_number(&days, optarg, 1, 36500, "--expires",
			    " days") != 0)
				return EXIT_USAGE;
			break;
		case 'h':
			bk_cli_store_usage(stdout);
			return 0;
		case 'm':
			reason = optarg;
			break;
		default:
			bk_cli_store_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		bk_cli_store_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if ((strcmp(cmd, "check") == 0 && nargs < 1) ||
	    ((strcmp(cmd, "list") == 0 || strcmp(cmd, "export") == 0 ||
	    strcmp(cmd, "senders") == 0) && nargs != 0) ||
	    ((strcmp(cmd, "add") == 0 || strcmp(cmd, "remove") == 0) &&
	    (nargs != 1 || reason == NULL || reason[0] == '\0')) ||
	    ((strcmp(cmd, "import") == 0 || strcmp(cmd, "history") == 0) &&
	    nargs != 1)) {
		if (strcmp(cmd, "add") == 0 || strcmp(cmd, "remove") == 0)
			fprintf(stderr, "%s: suppress %s takes one address "
			    "and --reason TEXT\n", progname, cmd);
		bk_cli_store_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "check") != 0 && strcmp(cmd, "list") != 0 &&
	    strcmp(cmd, "export") != 0 && strcmp(cmd, "senders") != 0 &&
	    strcmp(cmd, "add") != 0 && strcmp(cmd, "remove") != 0 &&
	    strcmp(cmd, "import") != 0 && strcmp(cmd, "history") != 0) {
		fprintf(stderr, "%s: unknown suppress command '%s'\n",
		    progname, cmd);
		bk_cli_store_usage(stderr);
		return EXIT_USAGE;
	}
	status = open_store(&st, db, NULL, 0, 0);
	if (status != 0)
		return status;
	rc = 0;
	if (strcmp(cmd, "check") == 0) {
		for (i = 0; i < nargs && rc == 0; i++) {
			bk_store_entry e;
			char t[40];

			rc = bk_store_lookup(st, &e, args[i],
			    strlen(args[i]));
			if (rc == BK_EINVAL) {
				fprintf(stderr, "%s: malformed address "
				    "'%s'\n", progname, args[i]);
				status = EXIT_USAGE;
				rc = 0;
			} else if (rc == BK_ENOTFOUND ||
			    (rc == 0 && !e.suppressed)) {
				printf("%s\tclear\n", e.address);
				rc = 0;
			} else if (rc == 0) {
				printf("%s\tsuppressed\t%s\t%s\texpires %s\n",
				    e.address, e.cause, e.reason[0] ?
				    e.reason : "-", e.expires_at ?
				    fmt_time(t, sizeof(t), e.expires_at) :
				    "never");
				if (status == 0)
					status = 1;
			}
		}
	} else if (strcmp(cmd, "list") == 0) {
		rc = bk_store_list(st, print_entry, NULL);
	} else if (strcmp(cmd, "export") == 0) {
		rc = bk_store_export(st, stdout);
	} else if (strcmp(cmd, "senders") == 0) {
		printf("scope\tkey\treason\tcount\tfirst_seen\tlast_seen\n");
		rc = bk_store_senders(st, print_sender, NULL);
	} else if (strcmp(cmd, "add") == 0) {
		int64_t exp = days ? (int64_t)time(NULL) + days * 86400 : 0;

		rc = bk_store_suppress(st, args[0], strlen(args[0]), reason,
		    actor(who, sizeof(who)), exp);
		if (rc == BK_EINVAL) {
			fprintf(stderr, "%s: %s: %s\n", progname, args[0],
			    bk_store_errmsg(st));
			status = EXIT_USAGE;
			rc = 0;
		}
	} else if (strcmp(cmd, "remove") == 0) {
		rc = bk_store_unsuppress(st, args[0], strlen(args[0]),
		    reason, actor(who, sizeof(who)));
		if (rc == BK_ENOTFOUND) {
			fprintf(stderr, "%s: %s is not suppressed\n",
			    progname, args[0]);
			status = 1;
			rc = 0;
		} else if (rc == BK_EINVAL) {
			fprintf(stderr, "%s: %s: %s\n", progname, args[0],
			    bk_store_errmsg(st));
			status = EXIT_USAGE;
			rc = 0;
		}
	} else if (strcmp(cmd, "import") == 0) {
		size_t len, n = 0;
		char *data = read_all(args[0], &len), *err = NULL;

		if (data == NULL) {
			fprintf(stderr, "%s: %s: %s\n", progname, args[0],
			    strerror(errno ? errno : EIO));
			status = EXIT_UNREADABLE;
		} else {
			rc = bk_store_import(st, data, len, "import", &n,
			    &err);
			if (rc == BK_ESYNTAX || rc == BK_EINVAL) {
				fprintf(stderr, "%s: %s: %s; nothing "
				    "imported\n", progname, args[0],
				    err ? err : bk_strerror(rc));
				status = EXIT_DATAERR;
				rc = 0;
			} else if (rc == 0) {
				fprintf(stderr, "%s: imported %zu "
				    "addresses\n", progname, n);
			}
			free(err);
			free(data);
		}
	} else if (strcmp(cmd, "history") == 0) {
		rc = bk_store_history(st, args[0], strlen(args[0]),
		    print_history, NULL);
		if (rc == BK_EINVAL) {
			fprintf(stderr, "%s: malformed address '%s'\n",
			    progname, args[0]);
			status = EXIT_USAGE;
			rc = 0;
		}
	}
	if (rc != 0)
		status = store_status(st, rc);
	if (fflush(stdout) != 0 && status == 0)
		status = EXIT_INTERNAL;
	bk_store_free(st);
	return status;
}
