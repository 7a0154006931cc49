/*
 * util_json.c - JSON strings on a stdio stream, for the outputs written
 * with stdio (explain, diagnose, report).  The record writer of
 * lib/format writes into its own buffer for speed and escapes the same
 * way, but for C1 controls.
 */
#include <stdio.h>

#include "util/util_int.h"

/* bk__json_fput - see util_int.h */
void
bk__json_fput(FILE *fp, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, run;

	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	/* invariant: i only grows; every pass takes one character or a
	 * run of printable ASCII */
	while (i < len) {
		unsigned c = p[i];

		for (run = i; run < len && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\'; run++)
			continue;
		if (run > i) {
			fwrite(p + i, 1, run - i, fp);
			i = run;
			continue;
		}
		if (c >= 0x80) {
			n = bk__utf8_len(p + i, len - i);
			if (n == 2 && c == 0xc2 && p[i + 1] < 0xa0) {
				/* C1 control (U+0080..U+009F): escaped, so
				 * that no terminal acts on it */
				fprintf(fp, "\\u00%c%c", hex[p[i + 1] >> 4],
				    hex[p[i + 1] & 15]);
			} else if (n == 0) {
				fputs("\\ufffd", fp);
				n = 1;
			} else {
				fwrite(p + i, 1, n, fp);
			}
			i += n;
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", (int)c);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c == '\t')
			fputs("\\t", fp);
		else if (c == '\r')
			fputs("\\r", fp);
		else
			fprintf(fp, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		i++;
	}
	fputc('"', fp);
}
