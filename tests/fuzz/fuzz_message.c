/*
 * fuzz_message.c - libFuzzer target: parse, decode and format one message.
 *
 * Covers the MIME parser, transfer and charset decoding, every decoder
 * and the output writer.  Built with -DBK_FUZZ=ON (clang, ASan, UBSan);
 * replay.c runs the seeds and past crashers through the same entry point
 * in ordinary builds.
 */
#include <stdint.h>
#include <stdio.h>

#include "bouncekit/bouncekit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bk_message *msg;
	bk_record *recs;
	size_t n, i;
	FILE *null = fopen("/dev/null", "w");

	if (bk_message_new(&msg, (const char *)data, size, NULL) != 0) {
		if (null)
			fclose(null);
		return 0;
	}
	if (bk_message_decode(msg, &recs, &n) == 0 && null != NULL) {
		for (i = 0; i < n; i++)
			bk_format_record(null, BK_FORMAT_JSON, &recs[i], "f");
	}
	bk_message_free(msg);
	if (null)
		fclose(null);
	return 0;
}
