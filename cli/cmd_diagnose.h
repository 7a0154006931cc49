/*
 * cmd_diagnose.h - "bouncekit diagnose": a bounce explained and the DNS
 * checks its cause calls for, with a verdict (cmd_diagnose.c).
 */
#ifndef BK_CMD_DIAGNOSE_H
#define BK_CMD_DIAGNOSE_H

#include <stdio.h>

/* bk_cli_diagnose - run "diagnose"; argv[0] is "diagnose" */
int bk_cli_diagnose(int argc, char **argv);

/* bk_cli_diagnose_usage - the usage line of diagnose */
void bk_cli_diagnose_usage(FILE *fp);

#endif /* BK_CMD_DIAGNOSE_H */
