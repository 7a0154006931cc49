/*
 * fuzz_dmarc_report.c - libFuzzer target: DMARC report reading
 * (bk_dmarc_report_parse: zip, gzip, XML through expat, email, ARF and
 * plain-text failure reports; lib/check/check_dmarc_report*.c).
 *
 * Each input is read twice, lenient (the repairs) and strict, with the
 * decompression bound lowered to 4 MiB so that a bomb costs the fuzzer
 * milliseconds, not seconds; every string of the result is read so that
 * the sanitizers see a dangling or unterminated one.
 */
#include <stdint.h>
#include <string.h>

#include "bouncekit/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t sink;

/* touch - read a result string to its end */
static void
touch(const char *s)
{
	if (s != NULL)
		sink += strlen(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int strict = 0; strict < 2; strict++) {
		bk_dmarc_report_options o = BK_DMARC_REPORT_OPTIONS_INIT;
		bk_dmarc_report *r = NULL;
		const bk_dmarc_report_meta *m;
		const bk_dmarc_failure_info *f;
		const char *text = NULL;

		o.strict = strict;
		o.max_bytes = 4u * 1024 * 1024;
		o.max_records = 10000;
		if (bk_dmarc_report_parse(&r, (const char *)data, size,
		    &o) != 0)
			return 0;
		(void)bk_dmarc_report_error(r, &text);
		touch(text);
		(void)bk_dmarc_report_diagnostic(r, &text);
		touch(text);
		touch(bk_dmarc_report_container(r));
		m = bk_dmarc_report_metadata(r);
		if (m != NULL) {
			touch(m->org_name);
			touch(m->report_id);
			touch(m->domain);
			touch(m->errors);
		}
		for (size_t i = 0; i < bk_dmarc_report_count(r); i++) {
			const bk_dmarc_report_row *w =
			    bk_dmarc_report_row_at(r, i);

			touch(w->source_ip);
			touch(w->reasons);
			touch(w->header_from);
			for (size_t j = 0; j < w->nauth; j++) {
				touch(w->auth[j].domain);
				touch(w->auth[j].result);
			}
		}
		f = bk_dmarc_report_failure(r);
		if (f != NULL) {
			touch(f->feedback_type);
			touch(f->source_ip);
			touch(f->from);
			touch(f->subject);
		}
		bk_dmarc_report_free(r);
	}
	return 0;
}
