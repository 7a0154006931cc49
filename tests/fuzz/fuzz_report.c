/*
 * fuzz_report.c - libFuzzer target: `bouncekit report` on a hostile
 * bounce, lib/report end to end.
 *
 * The input is decoded and classified (built-in rules) and its records
 * are counted twice in a fresh report (a value's first and later
 * sightings take different paths); the report is then written in all
 * three formats, so every escaping path sees the decoded values: the
 * recipient domain, status, cause, provider, blocklist, feedback type,
 * timestamps and example replies a stranger's bounce can carry.
 */
#include <stdint.h>
#include <stdio.h>

#include "bouncekit/bouncekit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bk_classifier *cls;
	static FILE *sink;
	bk_message *m = NULL;
	bk_report *rep = NULL;
	bk_record *recs;
	size_t n, i;

	if (cls == NULL && bk_classifier_new(&cls, NULL, NULL) != 0)
		return 0;
	if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
		return 0;
	if (bk_message_new(&m, (const char *)data, size, NULL) != 0)
		return 0;
	if (bk_message_decode(m, &recs, &n) != 0 ||
	    bk_report_new(&rep) != 0)
		goto out;
	for (i = 0; i < n; i++)
		(void)bk_classify(cls, &recs[i]);
	(void)bk_report_add(rep, recs, n);
	(void)bk_report_add(rep, recs, n);
	(void)bk_report_write(rep, sink, BK_REPORT_TEXT, cls);
	(void)bk_report_write(rep, sink, BK_REPORT_JSON, cls);
	(void)bk_report_write(rep, sink, BK_REPORT_HTML, cls);
out:
	bk_report_free(rep);
	bk_message_free(m);
	return 0;
}
