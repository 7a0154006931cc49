/*
 * cli_walk.h - every message of every path (file, directory, Maildir,
 * mbox, "-" for stdin), for the subcommands that read many, and one
 * message decoded and classified (cli_walk.c).
 */
#ifndef BK_CLI_WALK_H
#define BK_CLI_WALK_H

#include <stddef.h>

#include "bouncekit/bouncekit.h"

struct bk_cli_walk {
	/* one message; a nonzero return stops the walk and is returned */
	int (*message)(void *ctx, const char *data, size_t len,
	    const char *origin);
	/* a path or message that could not be read (already said on
	 * stderr); may be NULL */
	void (*unreadable)(void *ctx);
	void *ctx;
	int unreadable_seen;       /* out: something could not be read */
};

/*
 * bk_cli_walk - call @w->message for each message of @paths in order
 * (no path: stdin).
 * What cannot be read is said on stderr, counted and skipped.
 * @return 0, what @w->message returned to stop, or a negative BK_E*
 * code of the reading itself.
 */
int bk_cli_walk(struct bk_cli_walk *w, char *const *paths, int npaths);

/*
 * bk_cli_decode - decode the message @data (@len bytes) and classify
 * each of its records with @cls, for the subcommands that then print,
 * count or store them.  *@msg holds the records (*@recs, *@n of them)
 * and is bk_message_free'd by the caller, also on failure (it may be
 * NULL).  0 or a BK_E* code.
 */
int bk_cli_decode(bk_classifier *cls, const char *data, size_t len,
    bk_message **msg, bk_record **recs, size_t *n);

#endif /* BK_CLI_WALK_H */
