/*
 * cmd_check.h - "bouncekit check": DNS checks of the sending side.
 */
#ifndef BK_CLI_CMD_CHECK_H
#define BK_CLI_CMD_CHECK_H

#include <stdio.h>

/* bk_cli_check - "bouncekit check spf|ip|domain ...", argv[0] "check" */
int bk_cli_check(int argc, char **argv);

/* bk_cli_check_usage - its usage lines */
void bk_cli_check_usage(FILE *fp);

#endif /* BK_CLI_CMD_CHECK_H */
