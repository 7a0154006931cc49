/*
 * fuzz_csv.c - libFuzzer target: the suppression list's CSV import
 * (lib/store, store_csv.c; RFC 4180 quoting).
 *
 * The input is a whole import file read by bk__store_csv_parse; every
 * row returned must hold NUL-terminated fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bk__store_import_row *rows = NULL;
	size_t n = 0, i;
	char *err = NULL;

	if (bk__store_csv_parse(&rows, &n, (const char *)data, size,
	    &err) == 0) {
		for (i = 0; i < n; i++) {
			if (memchr(rows[i].address, '\0',
			    sizeof(rows[i].address)) == NULL ||
			    memchr(rows[i].reason, '\0',
			    sizeof(rows[i].reason)) == NULL)
				__builtin_trap();
		}
	}
	free(rows);
	free(err);
	return 0;
}
