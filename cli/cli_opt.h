/*
 * cli_opt.h - what several subcommands share: the rules file from the
 * environment, whole numbers in a range, the DNS options of "check" and
 * "diagnose", and reading an input line by line (cli_opt.c).
 */
#ifndef BK_CLI_OPT_H
#define BK_CLI_OPT_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "bouncekit/check.h"
#include "bouncekit/limits.h"

/* bk_cli_rules_env - $BOUNCEKIT_RULES, or NULL when unset or empty */
const char *bk_cli_rules_env(void);

/*
 * bk_cli_number - @arg as a whole decimal number from @lo to @hi into
 * *@out; otherwise "bouncekit: @what wants LO..HI@unit" on stderr and -1
 */
int bk_cli_number(long *out, const char *arg, long lo, long hi,
    const char *what, const char *unit);

/*
 * The DNS options of "check" and "diagnose", with the same letters in
 * both: -d/--dns, --dmarc-rules ('R'), -i (the sending IP), -l/--lists,
 * -S/--selector (repeatable), -t/--timeout.
 */
struct bk_cli_dns_opts {
	bk_dmarc_rules dmarc_rules;  /* default RFC 9989 (zero) */
	const char *dns;
	const char *ip;
	const char *lists;
	const char *selectors[BK_LIMIT_DKIM_SELECTORS];
	size_t nsel;
	unsigned timeout_ms;         /* 0: the library's default */
};

/*
 * bk_cli_dns_opt - take option @c with @arg when it is one of the DNS
 * options: 1 taken, 0 not one of them, -1 a bad value (said on stderr)
 */
int bk_cli_dns_opt(struct bk_cli_dns_opts *o, int c, const char *arg);

/*
 * bk_cli_line - the next line of @fp into *@line (getline's buffer and
 * *@cap), its "\n" or "\r\n" taken off; its length, or -1 at the end
 */
ssize_t bk_cli_line(FILE *fp, char **line, size_t *cap);

/*
 * bk_cli_each_line - @each(@ctx, line, length, line number) for every
 * non-empty line of @path ("-": stdin), until it returns non-zero;
 * returns that.  *@unreadable is set when @path could not be opened or
 * read (said on stderr), the lines before a read error having been
 * given.
 */
typedef int (*bk_cli_line_fn)(void *ctx, const char *line, size_t len,
    unsigned long lineno);
int bk_cli_each_line(const char *path, bk_cli_line_fn each, void *ctx,
    int *unreadable);

#endif /* BK_CLI_OPT_H */
