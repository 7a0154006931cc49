/*
 * cli_progress.h - a progress line on stderr for the subcommands that
 * read many messages (ingest, report), drawn only on a terminal
 * (cli_progress.c).
 */
#ifndef BK_CLI_PROGRESS_H
#define BK_CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct bk_cli_progress {
	int on;                    /* drawing at all */
	uint64_t total, done;      /* input bytes: all (0: unknown), read */
	size_t messages, records;
	int width;                 /* of the line last drawn */
	struct timespec shown;     /* when it was drawn */
};

/*
 * bk_cli_progress_start - on when stderr is a terminal and not @quiet;
 * the size of @paths is summed first (no path or "-": unknown)
 */
void bk_cli_progress_start(struct bk_cli_progress *p, char *const *paths,
    int npaths, int quiet);

/*
 * bk_cli_progress_step - one more message of @bytes with @records
 * records; the line is drawn at most five times a second: a bar and a
 * percentage when the size is known, the counts always
 */
void bk_cli_progress_step(struct bk_cli_progress *p, size_t bytes,
    size_t records);

/* bk_cli_progress_clear - take the line off the terminal again */
void bk_cli_progress_clear(struct bk_cli_progress *p);

#endif /* BK_CLI_PROGRESS_H */
