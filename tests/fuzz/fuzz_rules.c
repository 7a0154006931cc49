/*
 * fuzz_rules.c - libFuzzer target: a user's rules / knowledge file
 * (lib/classify, docs/bouncekit-rules.5).
 *
 * The input is written to a temporary file and loaded with
 * bk_classifier_new (no built-in rules, so each run stays fast): stanza
 * reader, references, pattern compilation under the time budget.  A
 * file that loads is used once to classify a reply, and its samples are
 * checked.
 */
#include <stdint.h>
#include <stdlib.h>

#include "bouncekit/bouncekit.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char line[] =
	    "550 5.1.1 <bob@example.net>: Recipient address rejected: "
	    "User unknown in virtual mailbox table";
	bk_classify_options o = BK_CLASSIFY_OPTIONS_INIT;
	bk_classifier *cls;
	bk_record rec;
	char *err = NULL;

	o.rules_path = fz_tmpfile(data, size);
	o.no_builtin = 1;
	if (o.rules_path == NULL)
		return 0;
	if (bk_classifier_new(&cls, &o, &err) != 0) {
		free(err);
		return 0;
	}
	free(err);
	(void)bk_classify_reply(cls, &rec, line, sizeof(line) - 1);
	(void)bk_classifier_check_samples(cls, NULL, NULL);
	bk_classifier_free(cls);
	return 0;
}
