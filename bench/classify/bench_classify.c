/*
 * bench_classify.c - classifier start-up and per-line speed (not a test).
 *
 * usage: bench_classify [-n LINES] [-k STARTS] [-r REPEATS] [-o FILE]
 *                       [-s all|tenth] [-l mixed|decided] [-t FILE]
 *
 * 1. Start-up: bk_classifier_new() with the built-in rules, STARTS times
 *    (default 20); prints the minimum and the median in milliseconds.
 * 2. Lines: every must / mustnot sample of the built-in rules and phrase
 *    lists, repeated into one newline-separated buffer until it holds at
 *    least LINES lines (default 1,000,000).  -o FILE also writes them out.
 * 3. Speed: bk_classify_reply() over all the lines with (a) a tenth of the
 *    rules (every tenth rule stanza of the built-in files, with the phrase
 *    lists those rules name) and (b) all the rules; the best of REPEATS
 *    passes (default 3) of each, the two taken in turn (a, b, a, ...) so
 *    that both meet the same moments of a shared machine.  Prints lines/s for each and the ratio
 *    all/tenth (1.0 is flat in the number of rules).
 * 4. The same over the tenth's own samples ("decided" lines): each line
 *    is decided by a rule in both sets, so both do a match's work (the
 *    verdict, its evidence and knowledge) and what differs is only how
 *    many rules are held.  On the mixed lines of 3, most lines match no
 *    rule of the tenth and take the short way out, so that ratio also
 *    counts the work of the matches that only all rules find.
 *
 * -t FILE writes the tenth's rules text there (a user rules file for
 * `bouncekit classify -r`).
 *
 * -l runs the speed test over one line set only (3 or 4).
 *
 * -s runs the speed test of one set only (for valgrind --tool=callgrind
 * --toggle-collect=bk_classify_reply: instructions per line, a figure that
 * a loaded machine does not disturb).
 *
 * Times are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that other
 * load on the machine disturbs them less; one core is used.
 *
 * Built by CMake as the target bench_classify (not part of `all`); run by
 * bench/classify/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bouncekit/classify.h"
#include "bouncekit/errors.h"
#include "classify/classify_int.h"

/*
 * now_s - this thread's CPU time in seconds: on a shared machine, wall
 * time also counts the time other processes hold the core.
 */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A growable byte buffer; the program exits when memory runs out. */
struct buf {
	char *p;
	size_t len, cap;
};

static void
put(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 16;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (b->p == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* put_sample - one sample as one line (no newline inside) */
static int
put_sample(struct buf *b, const struct bk__classify_sample *s)
{
	if (s->len == 0 || memchr(s->text, '\n', s->len) != NULL)
		return 0;
	put(b, s->text, s->len);
	put(b, "\n", 1);
	return 1;
}

/* samples - every usable sample line of @cls, once */
static size_t
samples(const bk_classifier *cls, struct buf *b)
{
	size_t i, j, n = 0;

	for (i = 0; i < cls->ngroups; i++) {
		const struct bk__classify_group *g = &cls->groups[i];

		for (j = 0; j < g->nmust; j++)
			n += put_sample(b, &g->must[j]);
		for (j = 0; j < g->nmustnot; j++)
			n += put_sample(b, &g->mustnot[j]);
	}
	for (i = 0; i < cls->nrules; i++) {
		const struct bk__classify_rule *r = &cls->rules[i];

		for (j = 0; j < r->nmust; j++)
			n += put_sample(b, &r->must[j]);
		for (j = 0; j < r->nmustnot; j++)
			n += put_sample(b, &r->mustnot[j]);
	}
	return n;
}

/* A stanza of a rules text. */
struct stanza {
	const char *p;
	size_t len;
	int rule;                  /* 1: rule or detail, 2: define, 0:
				    * phrases */
	char name[160];
	int keep;
};

/* word_at - copy the word after "key " on a line */
static void
word_at(char *dst, size_t cap, const char *p, size_t len)
{
	size_t n = 0;

	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (n + 1 < cap && n < len && p[n] != ' ' && p[n] != '\t' &&
	    p[n] != '\n' && p[n] != '#')
		n++;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

/*
 * tenth - a rules text with every tenth rule of the built-in files (the
 * "rule" and "detail" stanzas, as the classifier counts its rules), the
 * phrase lists those rules name, and all the knowledge ("define": causes,
 * categories, providers, blocklists) that rules refer to.
 */
static void
tenth(struct buf *out)
{
	struct stanza *st = NULL;
	size_t nst = 0, cap = 0, i, j, nrule = 0;

	for (i = 0; bk__rules_embedded[i].name != NULL; i++) {
		const char *p = bk__rules_embedded[i].text;
		const char *e = p + bk__rules_embedded[i].len;

		while (p < e) {
			const char *nl = memchr(p, '\n', (size_t)(e - p));
			const char *next = nl ? nl + 1 : e;
			int r = strncmp(p, "rule ", 5) == 0 ||
			    strncmp(p, "detail ", 7) == 0;
			int d = strncmp(p, "define ", 7) == 0;
			size_t off = r || d ? (p[0] == 'r' ? 5 : 7) : 8;

			if (r || d || strncmp(p, "phrases ", 8) == 0) {
				/* a stanza runs up to the next one */
				if (nst > 0 && st[nst - 1].len == 0)
					st[nst - 1].len =
					    (size_t)(p - st[nst - 1].p);
				if (nst == cap) {
					cap = cap ? cap * 2 : 256;
					st = realloc(st, cap * sizeof(*st));
					if (st == NULL)
						exit(1);
				}
				memset(&st[nst], 0, sizeof(st[nst]));
				st[nst].p = p;
				st[nst].rule = r ? 1 : d ? 2 : 0;
				word_at(st[nst].name, sizeof(st[nst].name),
				    p + off, (size_t)(next - p) - off);
				if (r)
					st[nst].keep = nrule++ % 10 == 0;
				if (d)
					st[nst].keep = 1;
				nst++;
			}
			p = next;
		}
		if (nst > 0 && st[nst - 1].len == 0)
			st[nst - 1].len = (size_t)(e - st[nst - 1].p);
	}
	/* phrase lists named by a kept rule's match / unless lines */
	for (i = 0; i < nst; i++) {
		const char *p, *e;

		if (st[i].rule != 1 || !st[i].keep)
			continue;
		p = st[i].p;
		e = p + st[i].len;
		while (p < e) {
			const char *nl = memchr(p, '\n', (size_t)(e - p));
			const char *next = nl ? nl + 1 : e, *q = p;
			char name[160];

			while (q < next && (*q == ' ' || *q == '\t'))
				q++;
			if ((size_t)(next - q) > 6 &&
			    (strncmp(q, "match ", 6) == 0 ||
			    strncmp(q, "unless ", 7) == 0)) {
				q += *q == 'm' ? 6 : 7;
				/* invariant: q advances past one name a turn */
				while (q < next && *q != '\n' && *q != '#') {
					word_at(name, sizeof(name), q,
					    (size_t)(next - q));
					if (name[0] == '\0')
						break;
					for (j = 0; j < nst; j++)
						if (!st[j].rule &&
						    strcmp(st[j].name, name) == 0)
							st[j].keep = 1;
					while (q < next && (*q == ' ' ||
					    *q == '\t'))
						q++;
					q += strlen(name);
				}
			}
			p = next;
		}
	}
	put(out, "version 1\n", 10);
	for (i = 0; i < nst; i++)
		if (st[i].keep) {
			put(out, st[i].p, st[i].len);
			put(out, "\n", 1);
		}
	free(st);
}

/* pass - classify every line once; returns seconds */
static double
pass(bk_classifier *cls, const char *text, size_t len, size_t *lines_out,
    size_t *reasons)
{
	const char *p = text, *e = text + len;
	bk_record rec;
	size_t n = 0;
	double t0 = now_s();

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(e - p);

		if (bk_classify_reply(cls, &rec, p, l) == 0)
			reasons[(unsigned)rec.reason % BK_REASON_COUNT_]++;
		n++;
		p += l + 1;
	}
	*lines_out = n;
	return now_s() - t0;
}

/*
 * speed - best lines/s of each classifier over @repeats passes, taken in
 * turn (a, b, a, b, ...), so that both meet the same moments of a shared
 * machine; a NULL classifier is skipped
 */
static void
speed(bk_classifier *a, bk_classifier *b, const struct buf *lines,
    int repeats, size_t *nlines, double *lps_a, double *lps_b)
{
	size_t reasons[BK_REASON_COUNT_] = { 0 };
	bk_classifier *cls[2] = { a, b };
	double *best[2] = { lps_a, lps_b };
	int i, k;

	*lps_a = *lps_b = 0;
	for (i = 0; i < repeats; i++) {
		for (k = 0; k < 2; k++) {
			double s, lps;

			if (cls[k] == NULL)
				continue;
			s = pass(cls[k], lines->p, lines->len, nlines,
			    reasons);
			lps = (double)*nlines / s;
			if (lps > *best[k])
				*best[k] = lps;
		}
	}
}

int
main(int argc, char **argv)
{
	bk_classify_options opts = BK_CLASSIFY_OPTIONS_INIT;
	bk_classifier *all = NULL, *part = NULL;
	struct buf once = { 0 }, lines = { 0 }, sub = { 0 };
	struct buf donce = { 0 }, dlines = { 0 };
	char *errmsg = NULL, path[] = "/tmp/bench_classify.XXXXXX";
	const char *outpath = NULL, *only = NULL, *tenthpath = NULL;
	const char *lset = NULL;
	long want = 1000000, starts = 20, repeats = 3, i;
	double *ms, lps_part, lps_all;
	size_t per, dper, total = 0, nlines;
	FILE *fp;
	int c, fd;

	while ((c = getopt(argc, argv, "n:k:r:o:s:l:t:")) != -1) {
		if (c == 'n')
			want = strtol(optarg, NULL, 10);
		else if (c == 'k')
			starts = strtol(optarg, NULL, 10);
		else if (c == 'r')
			repeats = strtol(optarg, NULL, 10);
		else if (c == 'o')
			outpath = optarg;
		else if (c == 's')
			only = optarg;
		else if (c == 't')
			tenthpath = optarg;
		else if (c == 'l')
			lset = optarg;
		else {
			fprintf(stderr, "usage: bench_classify [-n LINES] "
			    "[-k STARTS] [-r REPEATS] [-o FILE] "
			    "[-s all|tenth] [-l mixed|decided] [-t FILE]\n");
			return 2;
		}
	}
	if (want < 1 || starts < 1 || repeats < 1)
		return 2;

	/* 1. start-up */
	ms = calloc((size_t)starts, sizeof(*ms));
	if (ms == NULL)
		return 1;
	for (i = 0; i < starts; i++) {
		double t0 = now_s();

		if (bk_classifier_new(&all, NULL, &errmsg) != 0) {
			fprintf(stderr, "classifier: %s\n", errmsg);
			return 1;
		}
		ms[i] = (now_s() - t0) * 1e3;
		if (i + 1 < starts)
			bk_classifier_free(all);
	}
	qsort(ms, (size_t)starts, sizeof(*ms), cmp_double);
	printf("startup  bk_classifier_new: min %.2f ms, median %.2f ms "
	    "(%ld runs; %zu rules, %zu patterns)\n", ms[0],
	    ms[starts / 2], starts, bk_classifier_rule_count(all),
	    bk__classify_pattern_count(all));
	free(ms);

	/* 2. lines */
	per = samples(all, &once);
	if (per == 0) {
		fprintf(stderr, "no samples\n");
		return 1;
	}
	while (total < (size_t)want) {
		put(&lines, once.p, once.len);
		total += per;
	}
	if (outpath != NULL) {
		fp = fopen(outpath, "wb");
		if (fp == NULL || fwrite(lines.p, 1, lines.len, fp) != lines.len)
			perror(outpath);
		if (fp != NULL)
			fclose(fp);
	}

	/* 3. a tenth of the rules, then all */
	tenth(&sub);
	if (tenthpath != NULL) {
		fp = fopen(tenthpath, "wb");
		if (fp == NULL || fwrite(sub.p, 1, sub.len, fp) != sub.len ||
		    fclose(fp) != 0) {
			perror(tenthpath);
			return 1;
		}
	}
	fd = mkstemp(path);
	if (fd < 0 || write(fd, sub.p, sub.len) != (ssize_t)sub.len) {
		perror(path);
		return 1;
	}
	close(fd);
	opts.rules_path = path;
	opts.no_builtin = 1;
	if (bk_classifier_new(&part, &opts, &errmsg) != 0) {
		fprintf(stderr, "tenth of the rules: %s\n", errmsg);
		unlink(path);
		return 1;
	}
	unlink(path);

	lps_part = lps_all = 0;
	nlines = 0;
	if (lset != NULL && strcmp(lset, "mixed") != 0)
		goto decided;
	speed(only == NULL || strcmp(only, "tenth") == 0 ? part : NULL,
	    only == NULL || strcmp(only, "all") == 0 ? all : NULL, &lines,
	    (int)repeats, &nlines, &lps_part, &lps_all);
	if (lps_part > 0)
		printf("tenth    %4zu rules, %4zu patterns: %10.0f lines/s\n",
		    bk_classifier_rule_count(part),
		    bk__classify_pattern_count(part), lps_part);
	if (lps_all > 0) {
		printf("all      %4zu rules, %4zu patterns: %10.0f lines/s\n",
		    bk_classifier_rule_count(all),
		    bk__classify_pattern_count(all), lps_all);
		printf("gate     %zu expressions gated by %zu literals; "
		    "%.2f%% of lines rescanned for a tie, %.2f%% for the "
		    "literal scan, %.2f%% for a start\n", all->ngated,
		    all->ngates, 100.0 * (double)all->ties /
		    ((double)nlines * (double)repeats),
		    100.0 * (double)all->lm_fallbacks /
		    ((double)nlines * (double)repeats),
		    100.0 * (double)all->amb_scans /
		    ((double)nlines * (double)repeats));
	}
	printf("lines    %zu (%zu distinct samples), %.1f bytes/line\n",
	    nlines, per, (double)lines.len / (double)(nlines ? nlines : 1));
	if (lps_part > 0 && lps_all > 0)
		printf("ratio    all/tenth %.2f\n", lps_all / lps_part);

decided:
	if (lset != NULL && strcmp(lset, "decided") != 0)
		goto done;
	/* 4. the tenth's own samples: decided by a rule in both sets */
	dper = samples(part, &donce);
	total = 0;
	while (dper > 0 && total < (size_t)want) {
		put(&dlines, donce.p, donce.len);
		total += dper;
	}
	lps_part = lps_all = 0;
	if (dper > 0)
		speed(only == NULL || strcmp(only, "tenth") == 0 ? part : NULL,
		    only == NULL || strcmp(only, "all") == 0 ? all : NULL,
		    &dlines, (int)repeats, &nlines, &lps_part, &lps_all);
	if (lps_part > 0)
		printf("decided  tenth: %10.0f lines/s\n", lps_part);
	if (lps_all > 0)
		printf("decided  all:   %10.0f lines/s\n", lps_all);
	printf("decided  %zu lines (%zu distinct samples of the tenth), "
	    "%.1f bytes/line\n", nlines, dper,
	    (double)dlines.len / (double)(nlines ? nlines : 1));
	if (lps_part > 0 && lps_all > 0)
		printf("ratio    all/tenth on decided lines %.2f\n",
		    lps_all / lps_part);
done:
	bk_classifier_free(part);
	bk_classifier_free(all);
	free(once.p);
	free(lines.p);
	free(sub.p);
	free(donce.p);
	free(dlines.p);
	return 0;
}
