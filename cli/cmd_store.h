/*
 * cmd_store.h - the store's subcommands of the bouncekit tool.
 */
#ifndef BK_CLI_CMD_STORE_H
#define BK_CLI_CMD_STORE_H

#include <stdio.h>

#include "bouncekit/store.h"

/* bk_cli_ingest - "bouncekit ingest ...", argv[0] is "ingest" */
int bk_cli_ingest(int argc, char **argv);

/* bk_cli_suppress - "bouncekit suppress SUBCOMMAND ..." */
int bk_cli_suppress(int argc, char **argv);

/*
 * bk_cli_store_open - open the store at @db (NULL: $BOUNCEKIT_DB or the
 * default place) read-only, or say why not on stderr; 0 or an exit code
 */
int bk_cli_store_open(bk_store **out, const char *db);

/* bk_cli_store_usage - the usage lines of both */
void bk_cli_store_usage(FILE *fp);

#endif /* BK_CLI_CMD_STORE_H */
