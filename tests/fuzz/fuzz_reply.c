/*
 * fuzz_reply.c - libFuzzer target: SMTP reply and log lines and RFC 3463
 * enhanced status codes (lib/classify).
 *
 * The input is one line given to bk_classify_reply with the built-in
 * rules (reply code, status and text parsed, every pattern scanned, the
 * verdict decided), and to the code finders on their own; then, split at
 * its newlines, the lines of a log file read in order by one log reader
 * (PowerMTA's accounting header and rows, bk_classify_log_line).
 */
#include <stdint.h>
#include <stdio.h>

#include "bouncekit/bouncekit.h"
#include "classify/classify_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bk_classifier *cls;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	bk_record rec;
	size_t at;
	static FILE *null;

	if (cls == NULL && bk_classifier_new(&cls, NULL, NULL) != 0)
		return 0;
	if (null == NULL)
		null = fopen("/dev/null", "w");
	if (bk_classify_reply(cls, &rec, in, size) == 0 && null != NULL)
		bk_format_record(null, BK_FORMAT_JSON, &rec, "f");
	(void)bk__classify_parse_reply(&rec, in, size);
	(void)bk__classify_find_status(in, size, &at);
	(void)bk__classify_find_reply(in, size, 0);
	(void)bk__classify_find_reply(in, size, '5');
	{
		bk_log_reader *lr = NULL;
		size_t i = 0, j;

		if (bk_log_reader_new(&lr) != 0)
			return 0;
		/* loop: one line a pass */
		while (i < size) {
			for (j = i; j < size && in[j] != '\n'; j++)
				continue;
			if (bk_classify_log_line(cls, lr, &rec, in + i,
			    j - i) == 0 && null != NULL)
				bk_format_record(null, BK_FORMAT_JSON, &rec,
				    "f");
			i = j + 1;
		}
		bk_log_reader_free(lr);
	}
	return 0;
}
