/*
 * cmd_store.h - the store's subcommands of the bouncekit tool.
 */
#ifndef BK_CLI_CMD_STORE_H
#define BK_CLI_CMD_STORE_H

#include <stdio.h>

/* bk_cli_ingest - "bouncekit ingest ...", argv[0] is "ingest" */
int bk_cli_ingest(int argc, char **argv);

/* bk_cli_suppress - "bouncekit suppress SUBCOMMAND ..." */
int bk_cli_suppress(int argc, char **argv);

/* bk_cli_store_usage - the usage lines of both */
void bk_cli_store_usage(FILE *fp);

#endif /* BK_CLI_CMD_STORE_H */
