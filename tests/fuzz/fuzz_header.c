/*
 * fuzz_header.c - libFuzzer target: header blocks and header field
 * decoding (lib/message).
 *
 * The input is read as a header block (bk__headers_parse), every field
 * is unfolded and its RFC 2047 encoded-words decoded (bk__header_decode),
 * the whole input is read as a Content-Type value with RFC 2231
 * parameters (bk__ct_param), and as a body in each transfer encoding and
 * a few charsets (bk__decode_body, bk__to_utf8).
 */
#include <stdint.h>
#include <string.h>

#include "message/message_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const params[] = {
	"boundary", "charset", "report-type", "name", "filename", "format"
};
static const char *const ctes[] = {
	"base64", "quoted-printable", "7bit", "8bit", "binary", "x-uuencode"
};
static const char *const charsets[] = {
	"utf-8", "iso-8859-1", "windows-1252", "iso-2022-jp", "shift_jis",
	"euc-kr", "gb2312", "utf-16", "x-unknown"
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char shell[] = "Subject: fuzz\n\nbody\n";
	const char *in = (const char *)data;
	const char *p = in, *end = in + size;
	bk_message *msg;
	bk__headers h;
	bk_str s;
	size_t i;

	if (bk_message_new(&msg, shell, sizeof(shell) - 1, NULL) != 0)
		return 0;
	memset(&h, 0, sizeof(h));
	if (bk__headers_parse(msg, &h, &p, end) == 0) {
		for (i = 0; i < h.n; i++)
			(void)bk__header_decode(msg, h.v[i].value);
		(void)bk__headers_value(msg, &h, "subject");
		(void)bk__headers_get(&h, "content-type");
	}
	(void)bk__header_decode(msg, bk__str(in, size));
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		(void)bk__ct_param(msg, bk__str(in, size), params[i]);
	for (i = 0; i < sizeof(ctes) / sizeof(ctes[0]); i++) {
		s = bk__decode_body(msg, in, size, bk__cstr(ctes[i]),
		    bk__cstr(charsets[(size + i) % (sizeof(charsets) /
		    sizeof(charsets[0]))]));
		(void)s;
	}
	for (i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++)
		(void)bk__to_utf8(msg, in, size, bk__cstr(charsets[i]));
	bk_message_free(msg);
	return 0;
}
