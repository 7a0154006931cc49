/*
 * cli_walk.c - the source loop of parse, ingest and report, and the
 * decode-and-classify step of every subcommand that reads messages
 * (cli_walk.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bouncekit/bouncekit.h"
#include "cli_walk.h"

static void
unreadable(struct bk_cli_walk *w)
{
	w->unreadable_seen = 1;
	if (w->unreadable != NULL)
		w->unreadable(w->ctx);
}

/* bk_cli_walk - see cli_walk.h */
int
bk_cli_walk(struct bk_cli_walk *w, char *const *paths, int npaths)
{
	static char *const stdin_path[] = { "-" };
	int i, rc = 0;

	if (npaths == 0) {
		paths = stdin_path;
		npaths = 1;
	}

	for (i = 0; i < npaths && rc == 0; i++) {
		bk_source *src;
		char *err = NULL;
		const char *data, *origin;
		size_t len;

		rc = bk_source_new(&src, paths[i], &err);
		if (rc != 0) {
			fprintf(stderr, "bouncekit: %s\n",
			    err ? err : bk_strerror(rc));
			free(err);
			unreadable(w);
			rc = 0;
			continue;
		}
		/* loop: each call consumes one message or one failed file */
		for (;;) {
			rc = bk_source_next(src, &data, &len, &origin);
			if (rc == BK_EEOF) {
				rc = 0;
				break;
			}
			if (rc == BK_EIO) {
				fprintf(stderr, "bouncekit: %s\n",
				    bk_source_errmsg(src));
				unreadable(w);
				continue;
			}
			/* a message over the size limit arrives cut: the
			 * decoder says so in its records */
			if (rc != 0 && rc != BK_ETOOBIG)
				break;
			rc = w->message(w->ctx, data, len, origin);
			if (rc != 0)
				break;
		}
		bk_source_free(src);
	}
	return rc;
}

/* bk_cli_decode - see cli_walk.h */
int
bk_cli_decode(bk_classifier *cls, const char *data, size_t len,
    bk_message **msg, bk_record **recs, size_t *n)
{
	size_t i;
	int rc;

	*recs = NULL;
	*n = 0;
	rc = bk_message_new(msg, data, len, NULL);
	if (rc == 0)
		rc = bk_message_decode(*msg, recs, n);
	/* loop: each record once, until one fails */
	for (i = 0; rc == 0 && i < *n; i++)
		rc = bk_classify(cls, &(*recs)[i]);
	return rc;
}
