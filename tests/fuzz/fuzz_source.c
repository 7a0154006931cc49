/*
 * fuzz_source.c - libFuzzer target: mbox splitting and message reading
 * (lib/source).
 *
 * The input is written to a temporary file and read back through
 * bk_source: mbox recognition from the first line, "From " separators,
 * mboxrd ">From " unquoting, the message size ceiling.  Each message is
 * checked to lie within what the source owns (ASan) and is parsed.
 */
#include <stdint.h>
#include <stdlib.h>

#include "bouncekit/bouncekit.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_tmpfile(data, size);
	bk_source *src;
	const char *m, *origin;
	size_t len, total = 0, n = 0;
	char *err = NULL;
	int rc;
	volatile unsigned char sink = 0;

	if (path == NULL || bk_source_new(&src, path, &err) != 0) {
		free(err);
		return 0;
	}
	/* bound: every message but the first consumes a separator line */
	while ((rc = bk_source_next(src, &m, &len, &origin)) != BK_EEOF) {
		if (rc == BK_EIO)
			break;
		if (len > 0)
			sink ^= (unsigned char)(m[0] ^ m[len - 1]);
		if (origin != NULL)
			sink ^= (unsigned char)origin[0];
		total += len;
		if (++n > size + 1 || total > size + n)
			__builtin_trap();      /* more out than went in */
	}
	(void)sink;
	bk_source_free(src);
	return 0;
}
