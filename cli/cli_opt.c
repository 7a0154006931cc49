/*
 * cli_opt.c - what the subcommands share (cli_opt.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opt.h"

/* bk_cli_rules_env - see cli_opt.h */
const char *
bk_cli_rules_env(void)
{
	const char *p = getenv("BOUNCEKIT_RULES");

	return p != NULL && p[0] != '\0' ? p : NULL;
}

/* bk_cli_number - see cli_opt.h */
int
bk_cli_number(long *out, const char *arg, long lo, long hi,
    const char *what, const char *unit)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || errno != 0 || v < lo || v > hi) {
		fprintf(stderr, "bouncekit: %s wants %ld..%ld%s\n", what, lo,
		    hi, unit);
		return -1;
	}
	*out = v;
	return 0;
}

/* bk_cli_dns_opt - see cli_opt.h */
int
bk_cli_dns_opt(struct bk_cli_dns_opts *o, int c, const char *arg)
{
	long v;

	switch (c) {
	case 'd':
		o->dns = arg;
		return 1;
	case 'R':
		if (bk_dmarc_rules_parse(&o->dmarc_rules, arg) != 0) {
			fprintf(stderr, "bouncekit: --dmarc-rules wants 9989 "
			    "or 7489\n");
			return -1;
		}
		return 1;
	case 'i':
		o->ip = arg;
		return 1;
	case 'l':
		o->lists = arg;
		return 1;
	case 'S':
		if (o->nsel == BK_LIMIT_DKIM_SELECTORS) {
			fprintf(stderr, "bouncekit: at most %d selectors\n",
			    BK_LIMIT_DKIM_SELECTORS);
			return -1;
		}
		o->selectors[o->nsel++] = arg;
		return 1;
	case 't':
		if (bk_cli_number(&v, arg, 1, 60000, "--timeout", " ms") != 0)
			return -1;
		o->timeout_ms = (unsigned)v;
		return 1;
	default:
		return 0;
	}
}

/* bk_cli_line - see cli_opt.h */
ssize_t
bk_cli_line(FILE *fp, char **line, size_t *cap)
{
	ssize_t n = getline(line, cap, fp);

	while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r'))
		n--;
	if (n >= 0)
		(*line)[n] = '\0';
	return n;
}

/* bk_cli_each_line - see cli_opt.h */
int
bk_cli_each_line(const char *path, bk_cli_line_fn each, void *ctx,
    int *unreadable)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int rc = 0;

	*unreadable = 0;
	if (fp == NULL) {
		perror(path);
		*unreadable = 1;
		return 0;
	}
	while (rc == 0 && (n = bk_cli_line(fp, &line, &cap)) != -1) {
		lineno++;
		if (n > 0)
			rc = each(ctx, line, (size_t)n, lineno);
	}
	if (ferror(fp)) {
		fprintf(stderr, "bouncekit: %s: read error\n", path);
		*unreadable = 1;
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	return rc;
}
