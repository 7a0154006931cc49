/*
 * cmd_explain.h - "bouncekit explain" and "bouncekit rules check".
 */
#ifndef BK_CLI_CMD_EXPLAIN_H
#define BK_CLI_CMD_EXPLAIN_H

#include <stdio.h>

/* bk_cli_explain - "bouncekit explain ...", argv[0] "explain" */
int bk_cli_explain(int argc, char **argv);

/* bk_cli_rules - "bouncekit rules check FILE", argv[0] "rules" */
int bk_cli_rules(int argc, char **argv);

/* bk_cli_explain_usage - their usage lines */
void bk_cli_explain_usage(FILE *fp);

#endif /* BK_CLI_CMD_EXPLAIN_H */
