/*
 * cmd_report.c - "bouncekit report": statistics over many bounces, as
 * text, JSON or one HTML page with charts (bouncekit/report.h does the
 * counting and writing).
 *
 * Exit status: 0 the report is written; 2 usage; 3 it is written but
 * some input could not be read (named on stderr and counted in the
 * report); 5 internal failure.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bouncekit/bouncekit.h"
#include "cli_opt.h"
#include "cli_progress.h"
#include "cli_walk.h"
#include "cmd_report.h"
#include "cmd_store.h"

#define EXIT_USAGE 2
#define EXIT_UNREADABLE 3
#define EXIT_INTERNAL 5

/* bk_cli_report_usage - see cmd_report.h */
void
bk_cli_report_usage(FILE *fp)
{
	fprintf(fp,
	    "       bouncekit report [-f text|json|html] [-n N] [-o FILE] [-q] "
	    "[-r FILE]\n"
	    "                        [PATH ...]\n"
	    "       bouncekit report [-f ...] [-o FILE] --records "
	    "[FILE ...]\n"
	    "       bouncekit report [-f ...] [-o FILE] --db DB "
	    "[--since DAYS]\n"
	    "       bouncekit report [-f ...] [-o FILE] --log "
	    "[FILE ...]\n");
}

static void
usage_long(FILE *fp)
{
	fputs("usage:\n", fp);
	bk_cli_report_usage(fp);
	fputs("\n"
	    "Counts the bounces, delays, complaints and auto-replies of every\n"
	    "message under PATH (files, directories, Maildir, mbox; stdin\n"
	    "without PATH) by whose move it is, reason, cause, receiving\n"
	    "provider, blocklist, recipient domain, status code and day.\n"
	    "\n"
	    "  -f, --format FMT   text (default), json or html (one page with\n"
	    "                     charts, no scripts or outside resources)\n"
	    "  -o, --output FILE  write the report to FILE instead of stdout\n"
	    "  -q, --quiet        no progress line on a terminal\n"
	    "  -n, --top N        values shown per table (text, html; default\n"
	    "                     10; json has them all)\n"
	    "  -r, --rules FILE   extra rules (also $BOUNCEKIT_RULES)\n"
	    "  -J, --records      the files (or stdin) hold records as JSON\n"
	    "                     Lines, as \"bouncekit parse\" prints them\n"
	    "  -d, --db DB        the events of the suppression store (a file\n"
	    "                     or postgresql:// URL; docs/store.md)\n"
	    "      --since DAYS   with --db: only the last DAYS days\n"
	    "  -L, --log          the files (or stdin) are MTA logs (Postfix,\n"
	    "                     Sendmail, Exim): one reply or log line each\n"
	    "\n"
	    "Exit status: 0 written, 2 usage, 3 written but some input could\n"
	    "not be read (or a record line is not a record), 5 internal\n"
	    "error.\n", fp);
}

/* What the walk carries from message to message. */
struct report_ctx {
	bk_classifier *cls;
	bk_report *rep;
	struct bk_cli_progress progress;
	bk_log_reader *lr;          /* --log: the file being read */
};

/* report_one - decode, classify and count one message */
static int
report_one(void *ctx, const char *data, size_t len, const char *origin)
{
	struct report_ctx *c = ctx;
	bk_message *msg;
	bk_record *recs;
	size_t n;
	int rc;

	rc = bk_cli_decode(c->cls, data, len, &msg, &recs, &n);
	if (rc == 0)
		rc = bk_report_add(c->rep, recs, n);
	bk_message_free(msg);
	bk_cli_progress_step(&c->progress, len, n);
	if (rc == 0)
		return 0;
	fprintf(stderr, "bouncekit: %s: %s\n", origin, bk_strerror(rc));
	return EXIT_INTERNAL;
}

static void
report_unreadable(void *ctx)
{
	struct report_ctx *c = ctx;

	bk_report_add_unreadable(c->rep);
}

/* Longest record line read back (a record's strings are bounded by the
 * decoder's limits; this leaves room for every byte escaped). */
#define RECORD_LINE_MAX ((size_t)16 * 1024 * 1024)

/*
 * add_json - count one record given as JSON; a line that is not one is
 * named on stderr and counted as unreadable.  @at (0: none) stands in
 * for a record without a timestamp: when the store recorded the event.
 * 0, or EXIT_INTERNAL.
 */
static int
add_json(struct report_ctx *c, const char *json, size_t len, int64_t at,
    const char *where, unsigned long lineno, int *bad)
{
	char *scratch = malloc(len + 1);
	bk_record rec;
	int rc;

	if (scratch == NULL) {
		fprintf(stderr, "bouncekit: %s:%lu: out of memory\n", where,
		    lineno);
		return EXIT_INTERNAL;
	}
	rc = bk_format_read_json(&rec, NULL, json, len, scratch);
	if (rc != 0) {
		fprintf(stderr, "bouncekit: %s:%lu: not a record (%s)\n",
		    where, lineno, bk_strerror(rc));
		bk_report_add_unreadable(c->rep);
		*bad = 1;
		free(scratch);
		return 0;
	}
	if (!rec.has_timestamp && at != 0) {
		rec.has_timestamp = 1;
		rec.timestamp = at;
	}
	rc = bk_report_add(c->rep, &rec, 1);
	free(scratch);
	if (rc != 0) {
		fprintf(stderr, "bouncekit: %s:%lu: %s\n", where, lineno,
		    bk_strerror(rc));
		return EXIT_INTERNAL;
	}
	return 0;
}

/* record_line - one line of a --records file */
static int
record_line(struct report_ctx *c, const char *line, size_t len,
    const char *path, unsigned long lineno, int *bad)
{
	if (len > RECORD_LINE_MAX) {
		fprintf(stderr, "bouncekit: %s:%lu: line longer than %zu "
		    "bytes\n", path, lineno, RECORD_LINE_MAX);
		bk_report_add_unreadable(c->rep);
		*bad = 1;
		return 0;
	}
	return add_json(c, line, len, 0, path, lineno, bad);
}

/*
 * log_line - one line of a --log file: a reply or MTA log line (the
 * library keeps its first BK_LIMIT_LINE_BYTES); a line that says nothing
 * of a delivery is counted apart
 */
static int
log_line(struct report_ctx *c, const char *line, size_t len,
    const char *path, unsigned long lineno, int *bad)
{
	bk_record rec;
	int rc;

	(void)bad;
	rc = bk_classify_log_line(c->cls, c->lr, &rec, line, len);
	if (rc == BK_EINVAL)            /* white space only */
		return 0;
	if (rc == 0 && rec.kind == BK_KIND_UNKNOWN) {
		bk_report_add_quiet(c->rep);
		return 0;
	}
	if (rc == 0)
		rc = bk_report_add(c->rep, &rec, 1);
	if (rc == 0)
		return 0;
	fprintf(stderr, "bouncekit: %s:%lu: %s\n", path, lineno,
	    bk_strerror(rc));
	return EXIT_INTERNAL;
}

typedef int (*line_fn)(struct report_ctx *c, const char *line, size_t len,
    const char *path, unsigned long lineno, int *bad);

/* what read_lines hands bk_cli_each_line */
struct lines_ctx {
	struct report_ctx *c;
	const char *path;
	line_fn each;
	int *bad;
};

static int
one_line(void *ctx, const char *line, size_t len, unsigned long lineno)
{
	struct lines_ctx *l = ctx;

	return l->each(l->c, line, len, l->path, lineno, l->bad);
}

/* read_lines - @each for every non-empty line of @path ("-": stdin),
 * each file with its own log reader (PowerMTA's accounting headers) */
static int
read_lines(struct report_ctx *c, const char *path, line_fn each, int *bad)
{
	struct lines_ctx l = { c, path, each, bad };
	int rc, unreadable;

	if (bk_log_reader_new(&c->lr) != 0)
		return EXIT_INTERNAL;
	rc = bk_cli_each_line(path, one_line, &l, &unreadable);
	if (unreadable) {
		bk_report_add_unreadable(c->rep);
		*bad = 1;
	}
	bk_log_reader_free(c->lr);
	c->lr = NULL;
	return rc;
}

/* What the store's walk carries. */
struct db_ctx {
	struct report_ctx *c;
	unsigned long n;
	int bad;
};

static int
db_event(void *ctx, int64_t at, const char *record, size_t len)
{
	struct db_ctx *d = ctx;

	d->n++;
	return add_json(d->c, record, len, at, "store event", d->n, &d->bad);
}

/* read_db - the events of the store at @db since @days days ago (0: all) */
static int
read_db(struct report_ctx *c, const char *db, long days, int *bad)
{
	struct db_ctx d = { c, 0, 0 };
	bk_store *st;
	int64_t since = 0;
	int rc;

	rc = bk_cli_store_open(&st, db);
	if (rc != 0)
		return rc;
	if (days > 0)
		since = (int64_t)time(NULL) - (int64_t)days * 86400;
	rc = bk_store_events(st, since, db_event, &d);
	if (rc < 0) {
		fprintf(stderr, "bouncekit: store: %s\n",
		    bk_store_errmsg(st)[0] ? bk_store_errmsg(st) :
		    bk_strerror(rc));
		rc = EXIT_UNREADABLE;
	}
	bk_store_free(st);
	if (d.bad)
		*bad = 1;
	return rc;
}

/* bk_cli_report - see cmd_report.h */
int
bk_cli_report(int argc, char **argv)
{
	enum { O_SINCE = 256 };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "log", no_argument, NULL, 'L' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "records", no_argument, NULL, 'J' },
		{ "rules", required_argument, NULL, 'r' },
		{ "since", required_argument, NULL, O_SINCE },
		{ "top", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	bk_classify_options copts = BK_CLASSIFY_OPTIONS_INIT;
	bk_report_format fmt = BK_REPORT_TEXT;
	struct report_ctx ctx;
	struct bk_cli_walk w = { report_one, report_unreadable, &ctx, 0 };
	const char *out_path = NULL, *db = NULL;
	char *const *paths;
	char *err = NULL;
	FILE *out = stdout;
	long since_days = 0, top = 0;
	int c, i, npaths, rc, status = 0, records = 0, logs = 0, bad = 0;
	int quiet = 0;

	memset(&ctx, 0, sizeof(ctx));
	copts.rules_path = bk_cli_rules_env();
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:f:hJLn:o:qr:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'J':
			records = 1;
			break;
		case 'L':
			logs = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'n':
			if (bk_cli_number(&top, optarg, 1, 10000, "--top",
			    "") != 0)
				return EXIT_USAGE;
			break;
		case O_SINCE:
			if (bk_cli_number(&since_days, optarg, 1, 36500,
			    "--since", " days") != 0)
				return EXIT_USAGE;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0) {
				fmt = BK_REPORT_TEXT;
			} else if (strcmp(optarg, "json") == 0) {
				fmt = BK_REPORT_JSON;
			} else if (strcmp(optarg, "html") == 0) {
				fmt = BK_REPORT_HTML;
			} else {
				fprintf(stderr, "bouncekit: unknown report "
				    "format '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage_long(stdout);
			return 0;
		case 'o':
			out_path = optarg;
			break;
		case 'r':
			copts.rules_path = optarg;
			break;
		default:
			usage_long(stderr);
			return EXIT_USAGE;
		}
	}
	paths = argv + optind;
	npaths = argc - optind;
	if ((db != NULL) + records + logs > 1 ||
	    (db != NULL && npaths > 0) || (since_days > 0 && db == NULL)) {
		fprintf(stderr, "bouncekit: report reads messages, --records, "
		    "--log or --db (with --since), one of them\n");
		return EXIT_USAGE;
	}
	if (bk_classifier_new(&ctx.cls, &copts, &err) != 0) {
		fprintf(stderr, "bouncekit: %s\n", err ? err : "rules");
		free(err);
		return EXIT_USAGE;
	}
	if (bk_report_new(&ctx.rep) != 0) {
		bk_classifier_free(ctx.cls);
		return EXIT_INTERNAL;
	}
	bk_report_set_top(ctx.rep, (size_t)top);
	if (db != NULL) {
		rc = read_db(&ctx, db, since_days, &bad);
	} else if (records || logs) {
		rc = 0;
		for (i = 0; rc == 0 && i < (npaths ? npaths : 1); i++)
			rc = read_lines(&ctx, npaths ? paths[i] : "-",
			    records ? record_line : log_line, &bad);
	} else {
		bk_cli_progress_start(&ctx.progress, paths, npaths, quiet);
		rc = bk_cli_walk(&w, paths, npaths);
		bk_cli_progress_clear(&ctx.progress);
		if (rc < 0) {
			fprintf(stderr, "bouncekit: report: %s\n",
			    bk_strerror(rc));
			rc = EXIT_INTERNAL;
		}
		bad = w.unreadable_seen;
	}
	if (rc != 0) {
		status = rc;
		goto done;
	}
	/* the output is opened only now: a failed run leaves no half file */
	if (out_path != NULL && strcmp(out_path, "-") != 0) {
		out = fopen(out_path, "w");
		if (out == NULL) {
			perror(out_path);
			status = EXIT_UNREADABLE;
			goto done;
		}
	}
	if (bk_report_write(ctx.rep, out, fmt, ctx.cls) != 0)
		status = EXIT_INTERNAL;
	if (out != stdout) {
		if (fclose(out) != 0 && status == 0)
			status = EXIT_INTERNAL;
	} else if (fflush(stdout) != 0 && status == 0) {
		status = EXIT_INTERNAL;
	}
	if (status == 0 && bad)
		status = EXIT_UNREADABLE;
done:
	bk_report_free(ctx.rep);
	bk_classifier_free(ctx.cls);
	return status;
}
