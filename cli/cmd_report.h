/*
 * cmd_report.h - "bouncekit report": statistics and an HTML report over
 * many bounces (cmd_report.c).
 */
#ifndef BK_CLI_CMD_REPORT_H
#define BK_CLI_CMD_REPORT_H

#include <stdio.h>

/* bk_cli_report - "bouncekit report ...", argv[0] "report" */
int bk_cli_report(int argc, char **argv);

/* bk_cli_report_usage - its usage line */
void bk_cli_report_usage(FILE *fp);

#endif /* BK_CLI_CMD_REPORT_H */
