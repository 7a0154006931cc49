/*
 * fuzz_address.c - libFuzzer target: addresses, status and reply codes
 * and dates found in free text (lib/decode helpers, lib/store and
 * lib/check address readers).
 *
 * bk__addr_find / bk__addr_only (the decoders' address finder),
 * bk__find_status (RFC 3463), bk__find_reply_code / bk__reply_code_for
 * (RFC 5321), bk__command_in, bk__parse_date (RFC 5322 3.3),
 * bk_store_normalize and bk_dmarc_from_domain (RFC 5322 From).
 */
#include <stdint.h>
#include <string.h>

#include "bouncekit/check.h"
#include "bouncekit/store.h"
#include "decode/decode_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	bk_str s = bk__str(in, size), a, st;
	char out[BK_STORE_ADDRESS_MAX + 1];
	char dom[256];
	int64_t t;
	int tz;

	a = bk__addr_find(in, size);
	if (a.ptr != NULL) {
		/* the slice lies inside the input */
		if (a.ptr < in || a.ptr + a.len > in + size)
			__builtin_trap();
		(void)bk_store_normalize(out, a.ptr, a.len);
	}
	(void)bk__addr_only(s);
	st = bk__find_status(s);
	if (st.ptr != NULL && (st.ptr < in || st.ptr + st.len > in + size))
		__builtin_trap();
	(void)bk__find_reply_code(s);
	(void)bk__reply_code_for(s, st);
	(void)bk__reply_code_for(s, BK_STR_NULL);
	(void)bk__command_in(s);
	(void)bk__parse_date(s, &t, &tz);
	(void)bk_store_normalize(out, in, size);
	(void)bk_dmarc_from_domain(dom, sizeof(dom), in, size);
	return 0;
}
