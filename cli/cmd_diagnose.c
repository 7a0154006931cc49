/*
 * cmd_diagnose.c - "bouncekit diagnose BOUNCE": decode and classify the
 * bounce, explain it, run the DNS checks its cause calls for on one
 * resolver, and end with a verdict.  Built on the public API only
 * (bouncekit/diagnose.h does the work).
 *
 * Exit status (bouncekit(1)): 0 nothing is wrong now (or nothing could
 * be checked: the overall line says which), 1 something is still wrong,
 * 2 usage, 3 unreadable input (a file that cannot be read, or a message
 * with no bounce in it), 5 internal failure.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/diagnose.h"
#include "cli_opt.h"
#include "cli_walk.h"
#include "cmd_diagnose.h"

#define EXIT_WRONG 1
#define EXIT_USAGE 2
#define EXIT_UNREADABLE 3
#define EXIT_INTERNAL 5

/* Largest bounce or lists file read. */
#define DIAGNOSE_MAX_BYTES (64u * 1024 * 1024)

/* bk_cli_diagnose_usage - see cmd_diagnose.h */
void
bk_cli_diagnose_usage(FILE *fp)
{
	fprintf(fp,
	    "       bouncekit diagnose [-j] [-d SERVER] [-D DOMAIN] "
	    "[--dmarc-rules 9989|7489]\n"
	    "                          [-i IP] [-l FILE] [-r FILE] "
	    "[-S SELECTOR]... [-t MS]\n"
	    "                          [-w COLS] FILE|-\n");
}

static void
usage_long(FILE *fp)
{
	fprintf(fp, "usage:\n");
	bk_cli_diagnose_usage(fp);
	fprintf(fp,
	    "\n"
	    "  -d, --dns SERVER          DNS server(s), e.g. 127.0.0.1:5353 "
	    "(default:\n"
	    "                            /etc/resolv.conf)\n"
	    "  -D, --sender-domain DOMAIN  the sending domain (SPF, DKIM, "
	    "DMARC)\n"
	    "      --dmarc-rules 9989|7489  DMARC rules: RFC 9989 "
	    "(default) or RFC 7489\n"
	    "  -i, --sender-ip IP        the sending IP (default: from the "
	    "bounce)\n"
	    "  -j, --json                one JSON object instead of text\n"
	    "  -l, --lists FILE          blocklist definitions instead of "
	    "the built-in set\n"
	    "  -r, --rules FILE          extra rules (also $BOUNCEKIT_RULES)\n"
	    "  -S, --selector NAME       DKIM selector of the sending "
	    "domain (repeatable)\n"
	    "  -t, --timeout MS          per-query timeout (default 2000)\n"
	    "  -w, --width COLS          text width (default 80)\n"
	    "\n"
	    "Exit status: 0 nothing wrong now, 1 something still wrong, "
	    "2 usage,\n"
	    "3 unreadable input, 5 internal error.\n");
}

/* read_all - a whole file or stdin, bounded; NULL when unreadable */
static char *
read_all(const char *path, size_t *len)
{
	FILE *fp = stdin;
	char *buf = NULL, *nb;
	size_t cap = 0, n;

	*len = 0;
	if (strcmp(path, "-") != 0) {
		fp = fopen(path, "rb");
		if (fp == NULL)
			return NULL;
	}
	/* invariant: *len <= cap <= DIAGNOSE_MAX_BYTES */
	for (;;) {
		if (*len == cap) {
			if (cap >= DIAGNOSE_MAX_BYTES)
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
	if (ferror(fp)) {
		free(buf);
		buf = NULL;
	}
	if (fp != stdin)
		fclose(fp);
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

/*
 * pick - the record to diagnose: the first bounce or delay whose cause is
 * on the sender's side, else the first bounce or delay, else the first.
 */
static size_t
pick(const bk_record *recs, size_t n)
{
	size_t i, any = n;

	for (i = 0; i < n; i++) {
		if (recs[i].kind != BK_KIND_BOUNCE &&
		    recs[i].kind != BK_KIND_DELAY)
			continue;
		if (recs[i].responsible == BK_RESP_SENDER)
			return i;
		if (any == n)
			any = i;
	}
	return any < n ? any : 0;
}

struct dopts {
	struct bk_cli_dns_opts net;  /* -d -R -i -l -S -t */
	const char *domain;
	int json;
	const char *rules;
	int width;
};

static int
parse_opts(int argc, char **argv, struct dopts *o)
{
	static const struct option longopts[] = {
		{ "dmarc-rules", required_argument, NULL, 'R' },
		{ "dns", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "lists", required_argument, NULL, 'l' },
		{ "rules", required_argument, NULL, 'r' },
		{ "selector", required_argument, NULL, 'S' },
		{ "sender-domain", required_argument, NULL, 'D' },
		{ "sender-ip", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "width", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->width = 80;
	o->rules = bk_cli_rules_env();
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:D:hi:jl:r:S:t:w:", longopts,
	    NULL)) != -1) {
		int taken = bk_cli_dns_opt(&o->net, c, optarg);

		if (taken < 0)
			return -1;
		if (taken > 0)
			continue;
		switch (c) {
		case 'D':
			o->domain = optarg;
			break;
		case 'h':
			usage_long(stdout);
			exit(0);
		case 'j':
			o->json = 1;
			break;
		case 'r':
			o->rules = optarg;
			break;
		case 'w':
			if (bk_cli_number(&v, optarg, 40, 1000, "-w", "") != 0)
				return -1;
			o->width = (int)v;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* diagnose - the work, once the input and lists are read */
static int
diagnose(const struct dopts *o, const char *data, size_t len,
    const char *lists, size_t lists_len)
{
	bk_classify_options copts = BK_CLASSIFY_OPTIONS_INIT;
	bk_diagnose_options dopt = BK_DIAGNOSE_OPTIONS_INIT;
	bk_dns_options nopts = BK_DNS_OPTIONS_INIT;
	bk_classifier *cls = NULL;
	bk_resolver *r = NULL;
	bk_message *msg = NULL;
	bk_diagnosis *d = NULL;
	bk_record *recs = NULL;
	char *err = NULL;
	size_t n = 0, k;
	unsigned flags = 0;
	int rc, status = 0;

	copts.rules_path = o->rules;
	rc = bk_classifier_new(&cls, &copts, &err);
	if (rc != 0) {
		fprintf(stderr, "bouncekit: %s\n", err ? err :
		    bk_strerror(rc));
		free(err);
		return rc == BK_ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	nopts.servers = o->net.dns;
	nopts.timeout_ms = o->net.timeout_ms;
	rc = bk_resolver_new(&r, &nopts, &err);
	if (rc != 0) {
		fprintf(stderr, "bouncekit: resolver: %s\n", err ? err :
		    bk_strerror(rc));
		free(err);
		bk_classifier_free(cls);
		return rc == BK_EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
	}
	if (bk_cli_decode(cls, data, len, &msg, &recs, &n) != 0) {
		status = EXIT_INTERNAL;
		goto out;
	}
	k = pick(recs, n);
	if (n == 0 || recs[k].kind == BK_KIND_UNKNOWN) {
		fprintf(stderr, "bouncekit: no bounce found in the input%s%.*s"
		    "\n", n && recs[k].error.ptr ? ": " : "",
		    n && recs[k].error.ptr ? (int)recs[k].error.len : 0,
		    n && recs[k].error.ptr ? recs[k].error.ptr : "");
		status = EXIT_UNREADABLE;
		goto out;
	}
	dopt.sender_ip = o->net.ip;
	dopt.sender_domain = o->domain;
	dopt.dmarc_rules = o->net.dmarc_rules;
	dopt.selectors = o->net.selectors;
	dopt.nselectors = o->net.nsel;
	dopt.lists = lists;
	dopt.lists_len = lists_len;
	rc = bk_diagnosis_new(&d, r, cls, msg, &recs[k], &dopt);
	if (rc == BK_EINVAL || rc == BK_ESYNTAX) {
		fprintf(stderr, "bouncekit: %s\n", bk_diagnosis_errmsg(d));
		status = EXIT_USAGE;
		goto out;
	}
	if (rc != 0 || bk_diagnosis_run(d) != 0) {
		status = EXIT_INTERNAL;
		goto out;
	}
	if (o->json)
		flags |= BK_DIAGNOSE_JSON;
	else if (use_colour())
		flags |= BK_DIAGNOSE_COLOR;
	if (bk_diagnosis_format(stdout, d, flags, o->width) != 0) {
		status = EXIT_INTERNAL;
		goto out;
	}
	if (!o->json && n > 1)
		printf("\n(%zu records in this bounce; the one for the "
		    "recipient above was diagnosed)\n", n);
	if (bk_diagnosis_verdict(d) == BK_DIAG_WRONG)
		status = EXIT_WRONG;
out:
	bk_diagnosis_free(d);
	bk_message_free(msg);
	bk_resolver_free(r);
	bk_classifier_free(cls);
	if (fflush(stdout) != 0 && status != EXIT_USAGE)
		status = EXIT_INTERNAL;
	return status;
}

/* bk_cli_diagnose - see cmd_diagnose.h */
int
bk_cli_diagnose(int argc, char **argv)
{
	struct dopts o;
	char *data, *lists = NULL;
	size_t len, lists_len = 0;
	int status;

	if (parse_opts(argc, argv, &o) != 0 || argc - optind != 1) {
		bk_cli_diagnose_usage(stderr);
		return EXIT_USAGE;
	}
	if (o.net.lists != NULL) {
		lists = read_all(o.net.lists, &lists_len);
		if (lists == NULL) {
			perror(o.net.lists);
			return EXIT_UNREADABLE;
		}
	}
	data = read_all(argv[optind], &len);
	if (data == NULL) {
		perror(argv[optind]);
		free(lists);
		return EXIT_UNREADABLE;
	}
	status = diagnose(&o, data, len, lists, lists_len);
	free(data);
	free(lists);
	return status;
}
