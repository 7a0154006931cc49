/*
 * fuzz_webhook.c - libFuzzer target: ESP web hook events (JSON) decoded
 * as a message, classified and written.
 *
 * The same entry points as fuzz_message, with JSON seeds (the events of
 * tests/corpus/webhook) and a dictionary of the providers' keys, so that
 * the fuzzer spends its time in decode_webhook.c: the bracket count that
 * bounds each event, jansson, the SNS envelope, every provider's fields
 * and the time stamps.
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
	bk_message *msg;
	bk_record *recs;
	size_t n, i;

	if (cls == NULL && bk_classifier_new(&cls, NULL, NULL) != 0)
		return 0;
	if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
		return 0;
	if (bk_message_new(&msg, (const char *)data, size, NULL) != 0)
		return 0;
	if (bk_message_decode(msg, &recs, &n) == 0) {
		for (i = 0; i < n; i++) {
			(void)bk_classify(cls, &recs[i]);
			bk_format_record(sink, BK_FORMAT_JSON, &recs[i], "f");
		}
	}
	bk_message_free(msg);
	return 0;
}
