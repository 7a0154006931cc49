/*
 * classify_eval.c - dev harness: classify facts read from stdin (not a test).
 *
 * Each input line holds tab-separated, backslash-escaped facts:
 *   kind status reply command remote_mta recipient diagtype action diagnostic
 *   decoder
 * An empty field is absent.  Each output line is
 *   reason status hard permanent rule evidence
 * Used by tools/classify_eval.py to measure agreement with a corpus.  With
 * -b N it classifies the input N times and prints records per second; with
 * -s it prints the size of the rule set, where the built-in pattern
 * database came from (embedded or compiled) and the time it took.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bouncekit/classify.h"
#include "bouncekit/errors.h"
#include "classify/classify_int.h"

#define NF 10

struct row {
	char *f[NF];
	size_t len[NF];
};

/* unescape - undo \t \n \\ in place; returns the new length */
static size_t
unescape(char *s)
{
	size_t i, o = 0, n = strlen(s);

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			s[o++] = s[i] == 't' ? '\t' : s[i] == 'n' ? '\n' :
			    s[i] == 'r' ? '\r' : s[i];
		} else
			s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/* slice - a record string from a field, absent when empty */
static bk_str
slice(const struct row *r, int i)
{
	bk_str s;

	s.ptr = r->len[i] ? r->f[i] : NULL;
	s.len = r->len[i];
	return s;
}

/* fill - the record for one row */
static void
fill(bk_record *rec, const struct row *r)
{
	memset(rec, 0, sizeof(*rec));
	rec->kind = BK_KIND_BOUNCE;
	if (r->len[0])
		(void)bk_kind_lookup(&rec->kind, r->f[0], r->len[0]);
	rec->status = slice(r, 1);
	rec->reply_code = r->len[2] ? (int)strtol(r->f[2], NULL, 10) : 0;
	rec->command = slice(r, 3);
	rec->remote_mta = slice(r, 4);
	rec->recipient = slice(r, 5);
	rec->diagnostic_type = slice(r, 6);
	rec->action = slice(r, 7);
	rec->diagnostic = slice(r, 8);
	rec->decoder = r->len[9] ? r->f[9] : NULL;
}

int
main(int argc, char **argv)
{
	bk_classify_options opts = BK_CLASSIFY_OPTIONS_INIT;
	bk_classifier *cls;
	struct row *rows = NULL;
	size_t nrows = 0, cap = 0, i, j;
	char *errmsg = NULL, buf[1 << 16];
	long bench = 0;
	int rc, c, stats = 0;

	while ((c = getopt(argc, argv, "b:r:s")) != -1) {
		if (c == 's')
			stats = 1;
		else if (c == 'b')
			bench = strtol(optarg, NULL, 10);
		else if (c == 'r')
			opts.rules_path = optarg;
	}
	rc = bk_classifier_new(&cls, &opts, &errmsg);
	if (rc != 0) {
		fprintf(stderr, "classifier: %s\n", errmsg ? errmsg : "error");
		return 1;
	}
	if (stats) {
		printf("%zu rules, %zu patterns, built-in database %s, "
		    "compiled in %.1f ms, loaded in %.2f ms\n",
		    bk_classifier_rule_count(cls), bk__classify_pattern_count(cls),
		    bk__classify_db_source(cls), bk__classify_compile_ms(cls),
		    cls->load_ms);
		return 0;
	}
	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		struct row r;
		char *p = buf, *t;
		int k;

		buf[strcspn(buf, "\n")] = '\0';
		for (k = 0; k < NF; k++) {
			t = p ? strchr(p, '\t') : NULL;
			if (t)
				*t = '\0';
			r.f[k] = strdup(p ? p : "");
			r.len[k] = unescape(r.f[k]);
			p = t ? t + 1 : NULL;
		}
		if (nrows == cap) {
			cap = cap ? cap * 2 : 1024;
			rows = realloc(rows, cap * sizeof(*rows));
		}
		rows[nrows++] = r;
	}
	if (bench > 0) {
		struct timespec a, b;
		bk_record rec;
		double s;

		clock_gettime(CLOCK_MONOTONIC, &a);
		for (j = 0; j < (size_t)bench; j++)
			for (i = 0; i < nrows; i++) {
				fill(&rec, &rows[i]);
				bk_classify(cls, &rec);
			}
		clock_gettime(CLOCK_MONOTONIC, &b);
		s = (double)(b.tv_sec - a.tv_sec) +
		    (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		printf("%zu records in %.3f s: %.0f records/s\n",
		    nrows * (size_t)bench, s, (double)(nrows * bench) / s);
		goto out;
	}
	for (i = 0; i < nrows; i++) {
		bk_record rec;

		fill(&rec, &rows[i]);
		bk_classify(cls, &rec);
		printf("%s\t%.*s\t%d\t%d\t%.*s\t%.*s\n",
		    bk_reason_name(rec.reason), (int)rec.status.len,
		    rec.status.ptr ? rec.status.ptr : "", rec.hard,
		    rec.permanent, (int)rec.rule.len,
		    rec.rule.ptr ? rec.rule.ptr : "", (int)rec.evidence.len,
		    rec.evidence.ptr ? rec.evidence.ptr : "");
	}
out:
	for (i = 0; i < nrows; i++)
		for (j = 0; j < NF; j++)
			free(rows[i].f[j]);
	free(rows);
	bk_classifier_free(cls);
	return 0;
}
