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

#include "bouncekit/bouncekit.h"
#include "cli_opt.h"
#include "cli_walk.h"
#include "cmd_report.h"

#define EXIT_USAGE 2
#define EXIT_UNREADABLE 3
#define EXIT_INTERNAL 5

/* bk_cli_report_usage - see cmd_report.h */
void
bk_cli_report_usage(FILE *fp)
{
	fprintf(fp,
	    "       bouncekit report [-f text|json|html] [-o FILE] [-r FILE] "
	    "[PATH ...]\n");
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
	    "  -r, --rules FILE   extra rules (also $BOUNCEKIT_RULES)\n"
	    "\n"
	    "Exit status: 0 written, 2 usage, 3 written but some input could\n"
	    "not be read, 5 internal error.\n", fp);
}

/* What the walk carries from message to message. */
struct report_ctx {
	bk_classifier *cls;
	bk_report *rep;
};

/* report_one - decode, classify and count one message */
static int
report_one(void *ctx, const char *data, size_t len, const char *origin)
{
	struct report_ctx *c = ctx;
	bk_message *msg;
	bk_record *recs;
	size_t n, i;
	int rc;

	(void)origin;
	if (bk_message_new(&msg, data, len, NULL) != 0)
		return EXIT_INTERNAL;
	rc = bk_message_decode(msg, &recs, &n);
	for (i = 0; rc == 0 && i < n; i++)
		rc = bk_classify(c->cls, &recs[i]);
	if (rc == 0)
		rc = bk_report_add(c->rep, recs, n);
	bk_message_free(msg);
	return rc != 0 ? EXIT_INTERNAL : 0;
}

static void
report_unreadable(void *ctx)
{
	struct report_ctx *c = ctx;

	bk_report_add_unreadable(c->rep);
}

/* bk_cli_report - see cmd_report.h */
int
bk_cli_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "rules", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	bk_classify_options copts = BK_CLASSIFY_OPTIONS_INIT;
	bk_report_format fmt = BK_REPORT_TEXT;
	struct report_ctx ctx = { NULL, NULL };
	struct bk_cli_walk w = { report_one, report_unreadable, &ctx, 0 };
	const char *out_path = NULL;
	char *const *paths;
	char *err = NULL;
	FILE *out = stdout;
	int c, npaths, rc, status = 0;

	copts.rules_path = bk_cli_rules_env();
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:ho:r:", longopts, NULL)) !=
	    -1) {
		switch (c) {
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
	if (bk_classifier_new(&ctx.cls, &copts, &err) != 0) {
		fprintf(stderr, "bouncekit: %s\n", err ? err : "rules");
		free(err);
		return EXIT_USAGE;
	}
	if (bk_report_new(&ctx.rep) != 0) {
		bk_classifier_free(ctx.cls);
		return EXIT_INTERNAL;
	}
	rc = bk_cli_walk(&w, paths, npaths);
	if (rc != 0) {
		status = EXIT_INTERNAL;
		fprintf(stderr, "bouncekit: report: %s\n",
		    rc < 0 ? bk_strerror(rc) : "out of memory");
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
	if (status == 0 && w.unreadable_seen)
		status = EXIT_UNREADABLE;
done:
	bk_report_free(ctx.rep);
	bk_classifier_free(ctx.cls);
	return status;
}
