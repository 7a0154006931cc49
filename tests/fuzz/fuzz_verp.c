/*
 * fuzz_verp.c - libFuzzer target: VERP and SRS return paths (lib/store,
 * store_verp.c) and the store's address normalisation.
 *
 * The input is decoded as an envelope recipient with Postfix's default
 * delimiters, and with the first two bytes as delimiters for the rest.
 * The decoded address must be NUL-terminated within its buffer.
 */
#include <stdint.h>
#include <string.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[BK_STORE_ADDRESS_MAX + 1];
	char delim[3];
	bk_store_verp_style style;
	int srs;

	if (bk_store_verp_decode(out, &style, &srs, (const char *)data, size,
	    NULL) == 0 && memchr(out, '\0', sizeof(out)) == NULL)
		__builtin_trap();
	(void)bk_store_verp_style_name(style);
	if (size >= 2) {
		delim[0] = (char)data[0];
		delim[1] = (char)data[1];
		delim[2] = '\0';
		(void)bk_store_verp_decode(out, NULL, NULL,
		    (const char *)data + 2, size - 2, delim);
	}
	(void)bk_store_normalize(out, (const char *)data, size);
	return 0;
}
