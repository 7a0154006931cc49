/*
 * bouncekit.c - the command-line tool, built on the public API only.
 *
 * Subcommands: parse (decode messages into records), classify (bare
 * reply lines into records), version.  Exit status (bouncekit(1)):
 * 0 success, 2 usage error, 3 unreadable input, 4 a message could not be
 * decoded (reported as a record of kind unknown), 5 internal failure.
 */
#include <getopt.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bouncekit/bouncekit.h"
#include "cli_opt.h"
#include "cli_walk.h"
#include "cmd_check.h"
#include "cmd_diagnose.h"
#include "cmd_explain.h"
#include "cmd_report.h"
#include "cmd_store.h"

#define EXIT_USAGE 2
#define EXIT_UNREADABLE 3
#define EXIT_UNDECODED 4
#define EXIT_INTERNAL 5
/* heap kept between messages, at most: blocks and freed space below it
 * are reused, not returned to the kernel (see main) */
#define BK_CLI_HEAP_KEEP (32 * 1024 * 1024)

static const char *progname = "bouncekit";

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: bouncekit parse [-f json|text|csv] [-o KIND,...] "
	    "[-r FILE] [PATH ...]\n"
	    "       bouncekit classify [-f json|text|csv] [-r FILE] "
	    "[FILE|-]\n"
	    "       bouncekit version\n");
	bk_cli_store_usage(fp);
	bk_cli_check_usage(fp);
	bk_cli_explain_usage(fp);
	bk_cli_diagnose_usage(fp);
	bk_cli_report_usage(fp);
	fprintf(fp,
	    "\n"
	    "parse     decode bounces (files, directories, Maildir, mbox, "
	    "stdin) into\n"
	    "          one record per recipient\n"
	    "classify  classify bare SMTP reply or log lines, one per line\n"
	    "ingest    decode bounces into the suppression store "
	    "(docs/store.md)\n"
	    "suppress  check, list, add, remove, import, export, history\n"
	    "check     DNS checks: spf, ip (blocklists, reverse DNS), domain "
	    "(MX,\n"
	    "          SPF tree, DMARC); see docs/checks.md\n"
	    "explain   a bounce or reply line explained: cause, whose move, "
	    "fix, retry\n"
	    "diagnose  a bounce explained plus the DNS checks its cause calls "
	    "for:\n"
	    "          still wrong now, or looks fixed (docs/checks.md)\n"
	    "report    statistics over many bounces: text, JSON or an HTML "
	    "page with\n"
	    "          charts\n"
	    "rules     check a user rules / knowledge file "
	    "(bouncekit-rules(5))\n"
	    "\n"
	    "  -f, --format FMT   json (JSON Lines, default), text or csv\n"
	    "  -o, --only KINDS   keep only these kinds: bounce, delay, "
	    "delivered,\n"
	    "                     feedback, autoreply, unknown\n"
	    "  -r, --rules FILE   extra rules (also $BOUNCEKIT_RULES)\n"
	    "\n"
	    "Exit status: 0 ok, 2 usage, 3 unreadable input, 4 undecodable "
	    "message,\n"
	    "5 internal error.\n");
}

struct opts {
	bk_format format;
	unsigned only;             /* bit per bk_kind; 0 = all */
	const char *rules;
};

/* parse_common - the options shared by the subcommands */
static int
parse_common(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "only", required_argument, NULL, 'o' },
		{ "rules", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->rules = bk_cli_rules_env();
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:ho:r:", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") == 0)
				o->format = BK_FORMAT_JSON;
			else if (strcmp(optarg, "text") == 0)
				o->format = BK_FORMAT_TEXT;
			else if (strcmp(optarg, "csv") == 0)
				o->format = BK_FORMAT_CSV;
			else {
				fprintf(stderr, "%s: unknown format '%s'\n",
				    progname, optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'o': {
			const char *p = optarg;

			while (*p != '\0') {
				size_t n = strcspn(p, ",");
				bk_kind k;

				if (bk_kind_lookup(&k, p, n) != 0) {
					fprintf(stderr,
					    "%s: unknown kind '%.*s'\n",
					    progname, (int)n, p);
					return -1;
				}
				o->only |= 1u << k;
				p += n;
				if (*p == ',')
					p++;
			}
			break;
		}
		case 'r':
			o->rules = optarg;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* new_classifier - the built-in rules plus the user's, or report why not */
static bk_classifier *
new_classifier(const struct opts *o)
{
	bk_classify_options copts = BK_CLASSIFY_OPTIONS_INIT;
	bk_classifier *cls = NULL;
	char *err = NULL;
	int rc;

	copts.rules_path = o->rules;
	rc = bk_classifier_new(&cls, &copts, &err);
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", progname,
		    err ? err : bk_strerror(rc));
		free(err);
		return NULL;
	}
	return cls;
}

/* emit - filter and print the (classified) records of one message */
static int
emit(const struct opts *o, bk_record *recs, size_t n, const char *origin,
    int *undecoded)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (recs[i].kind == BK_KIND_UNKNOWN)
			*undecoded = 1;
		if (o->only && !(o->only & (1u << recs[i].kind)))
			continue;
		if (bk_format_record(stdout, o->format, &recs[i], origin) !=
		    0)
			return EXIT_INTERNAL;
	}
	return 0;
}

/* What parse carries from message to message. */
struct parse_ctx {
	bk_classifier *cls;
	const struct opts *o;
	int undecoded;
};

/* parse_one - decode, classify and print one message */
static int
parse_one(void *ctx, const char *data, size_t len, const char *origin)
{
	struct parse_ctx *p = ctx;
	bk_message *msg;
	bk_record *recs;
	size_t n;
	int rc;

	if (bk_cli_decode(p->cls, data, len, &msg, &recs, &n) != 0) {
		bk_message_free(msg);
		return EXIT_INTERNAL;
	}
	rc = emit(p->o, recs, n, origin, &p->undecoded);
	bk_message_free(msg);
	return rc;
}

/* cmd_parse - decode every message of every path */
static int
cmd_parse(int argc, char **argv)
{
	struct opts o;
	struct parse_ctx p;
	struct bk_cli_walk w = { parse_one, NULL, &p, 0 };
	char *const *paths;
	int npaths, rc, status = 0;

	if (parse_common(argc, argv, &o) != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	paths = argv + optind;
	npaths = argc - optind;
	p.o = &o;
	p.undecoded = 0;
	p.cls = new_classifier(&o);
	if (p.cls == NULL)
		return EXIT_USAGE;
	bk_format_header(stdout, o.format);
	rc = bk_cli_walk(&w, paths, npaths);
	if (rc != 0)
		status = rc > 0 ? rc : EXIT_INTERNAL;
	else if (w.unreadable_seen)
		status = EXIT_UNREADABLE;
	bk_classifier_free(p.cls);
	if (fflush(stdout) != 0 && status == 0)
		status = EXIT_INTERNAL;
	if (status == 0 && p.undecoded)
		status = EXIT_UNDECODED;
	return status;
}

/* cmd_classify - one record per input line */
static int
cmd_classify(int argc, char **argv)
{
	struct opts o;
	bk_classifier *cls;
	bk_log_reader *lr = NULL;
	FILE *in = stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	char origin[64];
	int status = 0;

	if (parse_common(argc, argv, &o) != 0 || argc - optind > 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argc - optind == 1 && strcmp(argv[optind], "-") != 0) {
		in = fopen(argv[optind], "r");
		if (in == NULL) {
			perror(argv[optind]);
			return EXIT_UNREADABLE;
		}
	}
	cls = new_classifier(&o);
	if (cls == NULL || bk_log_reader_new(&lr) != 0) {
		if (in != stdin)
			fclose(in);
		bk_classifier_free(cls);
		return cls == NULL ? EXIT_USAGE : EXIT_INTERNAL;
	}
	bk_format_header(stdout, o.format);
	while ((n = bk_cli_line(in, &line, &cap)) != -1) {
		bk_record rec;
		size_t len = (size_t)n;

		lineno++;
		if (len == 0)
			continue;
		if (len > BK_LIMIT_LINE_BYTES)
			len = BK_LIMIT_LINE_BYTES;
		if (bk_classify_log_line(cls, lr, &rec, line, len) != 0) {
			status = EXIT_INTERNAL;
			break;
		}
		snprintf(origin, sizeof(origin), "line:%lu", lineno);
		if (bk_format_record(stdout, o.format, &rec, origin) != 0) {
			status = EXIT_INTERNAL;
			break;
		}
	}
	if (ferror(in))
		status = EXIT_UNREADABLE;
	free(line);
	if (in != stdin)
		fclose(in);
	bk_log_reader_free(lr);
	bk_classifier_free(cls);
	return status;
}

int
main(int argc, char **argv)
{
	/* records to a file or a pipe: 64 KiB a write rather than stdio's
	 * 4 KiB (a mailbox of small messages prints six times its size);
	 * a terminal keeps its line buffering */
	static char outbuf[64 * 1024];

#if defined(__GLIBC__)
	/*
	 * Messages are decoded one after another, each freeing all it
	 * took.  By default glibc hands a freed heap top of more than 128
	 * KiB back to the kernel and serves blocks over 128 KiB by mmap, so
	 * every large message faulted in fresh pages again: in a run over
	 * many large messages the kernel's page faults took more time than
	 * the decoding (docs/DECISIONS.md).  Keep up to BK_CLI_HEAP_KEEP
	 * for the next message; peak memory is unchanged.
	 */
	mallopt(M_TRIM_THRESHOLD, BK_CLI_HEAP_KEEP);
	mallopt(M_MMAP_THRESHOLD, BK_CLI_HEAP_KEEP);
#endif
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "parse") == 0)
		return cmd_parse(argc - 1, argv + 1);
	if (strcmp(argv[1], "classify") == 0)
		return cmd_classify(argc - 1, argv + 1);
	if (strcmp(argv[1], "ingest") == 0)
		return bk_cli_ingest(argc - 1, argv + 1);
	if (strcmp(argv[1], "suppress") == 0)
		return bk_cli_suppress(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return bk_cli_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "explain") == 0)
		return bk_cli_explain(argc - 1, argv + 1);
	if (strcmp(argv[1], "rules") == 0)
		return bk_cli_rules(argc - 1, argv + 1);
	if (strcmp(argv[1], "diagnose") == 0)
		return bk_cli_diagnose(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return bk_cli_report(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("bouncekit %s (record format %d)\n", BK_VERSION_STRING,
		    BK_FORMAT_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "%s: unknown command '%s'\n", progname, argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
