/*
 * bench_store.c - the store's ingest rate, apart from decoding.
 *
 *   bench_store [-b BATCH] [-f] [-n] [-r RULES] DB PATH ...
 *
 * Reads every message of PATH (files, directories, mboxes, as "ingest"
 * does), decodes and classifies all of them first (timed apart: that is
 * "parse"), keeps the records in memory, then times only
 * bk_store_ingest() over them into DB, committing every BATCH records
 * (default 1000), with durable commits unless -f (fast_commit, as
 * the CLI's bulk ingest uses), and once more over the same records
 * (all duplicates; -n skips that pass).  Closing the store (SQLite's
 * final checkpoint) is timed too, and reported with the ingest as
 * "with close".  It prints the rates and the same tally as
 * "bouncekit ingest", so tests/store/tests.cmake can check that the
 * driver and the CLI agree to the record.
 *
 * Public API only.  Messages stay alive until the end: records are
 * slices into their message.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/store.h"

struct item {
	bk_message *msg;
	bk_record *recs;
	size_t n;
	char *origin;
	unsigned char hash[BK_STORE_HASH_BYTES];
};

/* now - monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* cpu - user + system seconds of this process so far */
static double
cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/*
 * run - one timed pass; fills @t with the count of each effect, *secs
 * with the wall-clock and *cpus with the CPU seconds (a shared machine's
 * wall clock is noisy; CPU time less so, but it misses fsync waits).
 */
static int
run(bk_store *st, const struct item *items, size_t nitems, size_t batch,
    size_t t[BK_STORE_EFFECT_COUNT_ + 3], double *secs, double *cpus)
{
	size_t i, k, in_batch = 0;
	double t0 = now(), c0 = cpu();
	int rc = 0;

	memset(t, 0, sizeof(size_t) * (BK_STORE_EFFECT_COUNT_ + 3));
	for (i = 0; rc == 0 && i < nitems; i++) {
		bk_store_source src;

		memset(&src, 0, sizeof(src));
		memcpy(src.hash, items[i].hash, sizeof(src.hash));
		src.origin = items[i].origin;
		for (k = 0; rc == 0 && k < items[i].n; k++) {
			bk_store_outcome o;

			if (in_batch == 0)
				rc = bk_store_begin(st);
			if (rc == 0)
				rc = bk_store_ingest(st, &o, &items[i].recs[k],
				    &src);
			if (rc != 0)
				break;
			in_batch++;
			if (o.duplicate) {
				t[BK_STORE_EFFECT_COUNT_]++;
				continue;
			}
			t[o.effect]++;
			if (o.changed && o.suppressed)
				t[BK_STORE_EFFECT_COUNT_ + 1]++;
			else if (o.changed)
				t[BK_STORE_EFFECT_COUNT_ + 2]++;
		}
		/* commit between messages, as the CLI does */
		if (rc == 0 && in_batch >= batch) {
			rc = bk_store_commit(st);
			in_batch = 0;
		}
	}
	if (rc == 0 && in_batch > 0)
		rc = bk_store_commit(st);
	*secs = now() - t0;
	*cpus = cpu() - c0;
	if (rc != 0)
		fprintf(stderr, "bench_store: %s\n", bk_store_errmsg(st));
	return rc;
}

/* tally - the counts as "bouncekit ingest" words them */
static void
tally(const char *what, const size_t t[BK_STORE_EFFECT_COUNT_ + 3])
{
	printf("%s: %zu hard, %zu soft, %zu complaint, %zu sender-side, "
	    "%zu delivered, %zu ignored, %zu for review; %zu duplicates; "
	    "%zu addresses suppressed, %zu cleared\n", what,
	    t[BK_STORE_HARD], t[BK_STORE_SOFT], t[BK_STORE_COMPLAINT],
	    t[BK_STORE_SENDER], t[BK_STORE_DELIVERED], t[BK_STORE_IGNORE],
	    t[BK_STORE_REVIEW], t[BK_STORE_EFFECT_COUNT_],
	    t[BK_STORE_EFFECT_COUNT_ + 1], t[BK_STORE_EFFECT_COUNT_ + 2]);
}

int
main(int argc, char **argv)
{
	bk_classify_options copts = BK_CLASSIFY_OPTIONS_INIT;
	bk_store_options sopts = BK_STORE_OPTIONS_INIT;
	bk_classifier *cls = NULL;
	bk_store *st = NULL;
	struct item *items = NULL;
	size_t nitems = 0, cap = 0, records = 0, batch = 1000, i;
	size_t t[BK_STORE_EFFECT_COUNT_ + 3];
	double t0, secs, cpus;
	char *err = NULL;
	int c, a, rc, again = 1;

	while ((c = getopt(argc, argv, "b:fnr:")) != -1) {
		switch (c) {
		case 'b':
			batch = (size_t)strtoul(optarg, NULL, 10);
			if (batch == 0)
				batch = 1;
			break;
		case 'f':
			sopts.fast_commit = 1;
			break;
		case 'n':
			again = 0;
			break;
		case 'r':
			copts.rules_path = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 2)
		goto usage;
	if (bk_classifier_new(&cls, &copts, &err) != 0) {
		fprintf(stderr, "bench_store: %s\n", err ? err : "rules");
		return 1;
	}
	t0 = now();
	for (a = optind + 1; a < argc; a++) {
		bk_source *src;
		const char *data, *origin;
		size_t len;

		if (bk_source_new(&src, argv[a], &err) != 0) {
			fprintf(stderr, "bench_store: %s\n", err ? err : "?");
			return 1;
		}
		/* loop: each call consumes one message or one failed file */
		for (;;) {
			struct item *it;

			rc = bk_source_next(src, &data, &len, &origin);
			if (rc == BK_EEOF)
				break;
			if (rc != 0 && rc != BK_ETOOBIG)
				continue;
			if (nitems == cap) {
				struct item *p;

				cap = cap ? 2 * cap : 1024;
				p = realloc(items, cap * sizeof(*items));
				if (p == NULL)
					return 1;
				items = p;
			}
			it = &items[nitems++];
			memset(it, 0, sizeof(*it));
			it->origin = strdup(origin);
			if (it->origin == NULL ||
			    bk_store_hash(it->hash, data, len) != 0 ||
			    bk_message_new(&it->msg, data, len, NULL) != 0 ||
			    bk_message_decode(it->msg, &it->recs, &it->n) != 0)
				return 1;
			for (i = 0; i < it->n; i++)
				if (bk_classify(cls, &it->recs[i]) != 0)
					return 1;
			records += it->n;
		}
		bk_source_free(src);
	}
	secs = now() - t0;
	printf("decode + classify: %zu messages, %zu records in %.3f s, "
	    "%.0f records/s\n", nitems, records, secs, records / secs);

	if (bk_store_new(&st, argv[optind], &sopts, &err) != 0) {
		fprintf(stderr, "bench_store: %s\n", err ? err : "store");
		return 1;
	}
	/* a fixed clock keeps the soft windows the same from run to run */
	if (getenv("BENCH_STORE_CLOCK") != NULL)
		bk_store_set_clock(st, strtoll(getenv("BENCH_STORE_CLOCK"),
		    NULL, 10));
	if (run(st, items, nitems, batch, t, &secs, &cpus) != 0)
		return 1;
	printf("store ingest: %zu records in %.3f s, %.0f records/s "
	    "(batches of %zu, %s commits); CPU %.3f s, %.0f records/CPU-s\n",
	    records, secs, records / secs, batch,
	    sopts.fast_commit ? "fast" : "durable", cpus, records / cpus);
	tally("store ingest", t);
	if (again) {
		double s2, c2;

		if (run(st, items, nitems, batch, t, &s2, &c2) != 0)
			return 1;
		printf("store re-ingest (duplicates): %zu records in %.3f s, "
		    "%.0f records/s; CPU %.3f s\n", records, s2,
		    records / s2, c2);
		tally("store re-ingest", t);
	}
	t0 = now();
	bk_store_free(st);
	secs += now() - t0;
	printf("store ingest with close: %zu records in %.3f s, %.0f "
	    "records/s%s\n", records, secs, records / secs,
	    again ? " (the close after the re-ingest)" : "");
	for (i = 0; i < nitems; i++) {
		bk_message_free(items[i].msg);
		free(items[i].origin);
	}
	free(items);
	bk_classifier_free(cls);
	return 0;
usage:
	fprintf(stderr, "usage: bench_store [-b BATCH] [-f] [-n] [-r RULES] "
	    "DB PATH ...\n");
	return 2;
}
