/*
 * cmd_explain.c - "bouncekit explain" (a bounce or a reply line explained
 * for people, or as JSON) and "bouncekit rules check" (validate a user
 * rules / knowledge file).  Built on the public API only.
 *
 * Exit status (bouncekit(1)): explain 0 ok, 2 usage, 3 unreadable input,
 * 4 the message could not be decoded, 5 internal failure; rules check 0
 * valid, 1 invalid (syntax error or failing sample), 2 usage, 3 unreadable.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/explain.h"
#include "cli_opt.h"
#include "cmd_explain.h"

#define EXIT_INVALID 1
#define EXIT_USAGE 2
#define EXIT_UNREADABLE 3
#define EXIT_UNDECODED 4
#define EXIT_INTERNAL 5

/* Largest message explain reads from a file or stdin. */
#define EXPLAIN_MAX_BYTES (64u * 1024 * 1024)

/* bk_cli_explain_usage - usage lines of explain and rules */
void
bk_cli_explain_usage(FILE *fp)
{
	fprintf(fp,
	    "       bouncekit explain [-j] [-H HOST] [-r FILE] [-w COLS] "
	    "[FILE|-]\n"
	    "       bouncekit explain [-j] [-H HOST] [-r FILE] -t TEXT\n"
	    "       bouncekit rules check FILE\n");
}

/* read_all - a whole file or stdin into memory, bounded */
static char *
read_all(const char *path, size_t *len)
{
	FILE *fp = stdin;
	char *buf = NULL, *nb;
	size_t cap = 0, n;

	*len = 0;
	if (path != NULL && strcmp(path, "-") != 0) {
		fp = fopen(path, "rb");
		if (fp == NULL)
			return NULL;
	}
	/* invariant: *len <= cap <= EXPLAIN_MAX_BYTES */
	for (;;) {
		if (*len == cap) {
			if (cap >= EXPLAIN_MAX_BYTES)
				break;
			cap = cap ? cap * 2 : 64 * 1024;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len, fp);
		*len += n;
		if (n == 0)
			break;
	}
	if (fp != stdin)
		fclose(fp);
	if (buf == NULL)
		buf = malloc(1);
	return buf;
}

/* use_colour - colour only on a terminal, and never with NO_COLOR set */
static int
use_colour(void)
{
	const char *nc = getenv("NO_COLOR");

	if (nc != NULL && nc[0] != '\0')
		return 0;
	return isatty(STDOUT_FILENO);
}

/* bk_cli_explain - explain a bounce message or one reply line */
int
bk_cli_explain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "rules", required_argument, NULL, 'r' },
		{ "text", required_argument, NULL, 't' },
		{ "width", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	bk_classify_options copts = BK_CLASSIFY_OPTIONS_INIT;
	bk_classifier *cls = NULL;
	const char *host = NULL, *text = NULL, *path = NULL;
	unsigned flags = 0;
	char *err = NULL, *data = NULL;
	size_t len = 0, i, n = 0;
	int c, width = 80, status = 0;

	copts.rules_path = bk_cli_rules_env();
	optind = 1;
	while ((c = getopt_long(argc, argv, "H:hjr:t:w:", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'H':
			host = optarg;
			break;
		case 'h':
			bk_cli_explain_usage(stdout);
			return 0;
		case 'j':
			flags |= BK_EXPLAIN_JSON;
			break;
		case 'r':
			copts.rules_path = optarg;
			break;
		case 't':
			text = optarg;
			break;
		case 'w': {
			long v;

			if (bk_cli_number(&v, optarg, 40, 1000, "-w", "") != 0)
				return EXIT_USAGE;
			width = (int)v;
			break;
		}
		default:
			bk_cli_explain_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1 || (text != NULL && argc - optind > 0)) {
		bk_cli_explain_usage(stderr);
		return EXIT_USAGE;
	}
	if (argc - optind == 1)
		path = argv[optind];
	if (!(flags & BK_EXPLAIN_JSON) && use_colour())
		flags |= BK_EXPLAIN_COLOR;
	if (bk_classifier_new(&cls, &copts, &err) != 0) {
		fprintf(stderr, "bouncekit: %s\n", err ? err : "rules");
		free(err);
		return EXIT_USAGE;
	}
	if (text != NULL) {
		bk_record rec;
		size_t tl = strlen(text);

		if (tl > BK_LIMIT_LINE_BYTES)
			tl = BK_LIMIT_LINE_BYTES;
		if (bk_classify_reply(cls, &rec, text, tl) != 0) {
			fprintf(stderr, "bouncekit: empty text\n");
			bk_classifier_free(cls);
			return EXIT_USAGE;
		}
		if (host != NULL) {
			rec.remote_mta.ptr = host;
			rec.remote_mta.len = strlen(host);
			(void)bk_classify(cls, &rec);
		}
		if (bk_explain_format(stdout, cls, &rec, flags, width) != 0)
			status = EXIT_INTERNAL;
	} else {
		bk_message *msg = NULL;
		bk_record *recs = NULL;

		data = read_all(path, &len);
		if (data == NULL) {
			perror(path ? path : "stdin");
			bk_classifier_free(cls);
			return EXIT_UNREADABLE;
		}
		if (bk_message_new(&msg, data, len, NULL) != 0 ||
		    bk_message_decode(msg, &recs, &n) != 0) {
			bk_message_free(msg);
			free(data);
			bk_classifier_free(cls);
			return EXIT_INTERNAL;
		}
		for (i = 0; i < n && status == 0; i++) {
			if (host != NULL) {
				recs[i].remote_mta.ptr = host;
				recs[i].remote_mta.len = strlen(host);
			}
			if (bk_classify(cls, &recs[i]) != 0) {
				status = EXIT_INTERNAL;
				break;
			}
			if (i > 0 && !(flags & BK_EXPLAIN_JSON))
				fputs("\n----\n\n", stdout);
			if (bk_explain_format(stdout, cls, &recs[i], flags,
			    width) != 0)
				status = EXIT_INTERNAL;
			if (recs[i].kind == BK_KIND_UNKNOWN && status == 0)
				status = EXIT_UNDECODED;
		}
		bk_message_free(msg);
	}
	free(data);
	bk_classifier_free(cls);
	if (fflush(stdout) != 0 && status == 0)
		status = EXIT_INTERNAL;
	return status;
}

/* report - one failing sample of the checked file */
static void
report(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

/* bk_cli_rules - "rules check FILE": load it over the built-in rules */
int
bk_cli_rules(int argc, char **argv)
{
	bk_classify_options copts = BK_CLASSIFY_OPTIONS_INIT;
	bk_classifier *cls = NULL;
	char *err = NULL;
	FILE *fp;
	size_t fails;
	int rc;

	if (argc != 3 || strcmp(argv[1], "check") != 0) {
		bk_cli_explain_usage(stderr);
		return EXIT_USAGE;
	}
	fp = fopen(argv[2], "rb");
	if (fp == NULL) {
		perror(argv[2]);
		return EXIT_UNREADABLE;
	}
	fclose(fp);
	copts.rules_path = argv[2];
	rc = bk_classifier_new(&cls, &copts, &err);
	if (rc != 0) {
		fprintf(stderr, "%s\n", err ? err : bk_strerror(rc));
		free(err);
		return rc == BK_ENOMEM ? EXIT_INTERNAL : EXIT_INVALID;
	}
	fails = bk_classifier_check_samples(cls, report, NULL);
	bk_classifier_free(cls);
	if (fails > 0) {
		fprintf(stderr, "%s: %zu failing sample%s\n", argv[2], fails,
		    fails == 1 ? "" : "s");
		return EXIT_INVALID;
	}
	printf("%s: ok\n", argv[2]);
	return 0;
}
