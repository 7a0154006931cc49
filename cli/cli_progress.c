/*
 * cli_progress.c - the progress line (cli_progress.h).
 */
#define _GNU_SOURCE 1  /* nftw, FTW_PHYS */
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_progress.h"

/* nftw passes no context: the sum of the walk under way */
static uint64_t walk_bytes;

/* add_file - nftw callback: sum the sizes of regular files */
static int
add_file(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)path;
	(void)f;
	if (type == FTW_F && S_ISREG(st->st_mode))
		walk_bytes += (uint64_t)st->st_size;
	return 0;
}

/* bk_cli_progress_start - see cli_progress.h */
void
bk_cli_progress_start(struct bk_cli_progress *p, char *const *paths,
    int npaths, int quiet)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->on = !quiet && isatty(STDERR_FILENO);
	if (!p->on || npaths == 0)
		return;
	walk_bytes = 0;
	for (i = 0; i < npaths; i++) {
		if (strcmp(paths[i], "-") == 0)
			return;         /* stdin: size unknown */
		(void)nftw(paths[i], add_file, 16, FTW_PHYS);
	}
	p->total = walk_bytes;
}

/* bk_cli_progress_step - see cli_progress.h */
void
bk_cli_progress_step(struct bk_cli_progress *p, size_t bytes,
    size_t records)
{
	struct timespec now;
	char bar[21];
	unsigned pct, k;

	p->done += bytes;
	p->messages++;
	p->records += records;
	/* the clock is read once every 64 messages */
	if (!p->on || p->messages % 64 != 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - p->shown.tv_sec) * 1000 +
	    (now.tv_nsec - p->shown.tv_nsec) / 1000000 < 200)
		return;
	p->shown = now;
	if (p->total == 0) {
		p->width = fprintf(stderr, "\rbouncekit: %zu messages, %zu "
		    "records", p->messages, p->records);
		return;
	}
	/* the last percent is for the end, once all is read */
	pct = p->done >= p->total ? 99 : (unsigned)(p->done * 100 /
	    p->total);
	for (k = 0; k < 20; k++)
		bar[k] = k < pct / 5 ? '#' : '.';
	bar[20] = '\0';
	p->width = fprintf(stderr, "\rbouncekit: [%s] %3u%% %zu messages, "
	    "%zu records", bar, pct, p->messages, p->records);
}

/* bk_cli_progress_clear - see cli_progress.h */
void
bk_cli_progress_clear(struct bk_cli_progress *p)
{
	if (p->on && p->width > 1)
		fprintf(stderr, "\r%*s\r", p->width - 1, "");
	p->width = 0;
}
