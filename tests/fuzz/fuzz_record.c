/*
 * fuzz_record.c - libFuzzer target: a record read back from JSON
 * (bk_format_read_json), as `report --records` and `report --db` do.
 *
 * Whatever the bytes, the reader must stay within them and its scratch
 * buffer.  When they are a record, writing it out, reading that back and
 * writing it again must give the same text: the writer and the reader
 * agree on every member (a difference aborts, so it is found).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncekit/bouncekit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* put_json - @rec as JSON into a malloc'd buffer */
static char *
put_json(const bk_record *rec, bk_str origin, size_t *len)
{
	/* the writer takes the origin as a C string: up to a NUL */
	char *buf = NULL, *name = strndup(origin.ptr ? origin.ptr : "",
	    origin.len);
	FILE *fp = open_memstream(&buf, len);

	if (fp == NULL || name == NULL)
		abort();
	bk_format_record(fp, BK_FORMAT_JSON, rec, name);
	fclose(fp);
	free(name);
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *scratch = malloc(size + 1), *one, *scratch2, *two;
	size_t n1, n2;
	bk_record rec, back;
	bk_str origin, origin2;

	if (scratch == NULL)
		return 0;
	if (bk_format_read_json(&rec, &origin, (const char *)data, size,
	    scratch) != 0) {
		free(scratch);
		return 0;
	}
	one = put_json(&rec, origin, &n1);
	scratch2 = malloc(n1 + 1);
	if (scratch2 == NULL)
		abort();
	if (bk_format_read_json(&back, &origin2, one, n1, scratch2) != 0)
		abort();        /* our own output must read back */
	two = put_json(&back, origin2, &n2);
	if (n1 != n2 || memcmp(one, two, n1) != 0)
		abort();        /* and give the same text again */
	free(two);
	free(scratch2);
	free(one);
	free(scratch);
	return 0;
}
