/*
 * fuzz_dkim.c - libFuzzer target: DKIM (RFC 6376) in lib/check, and the
 * trace fields of a received message.
 *
 * Input: a key record, a line "--", a message (fz_split).  The key record
 * is read by bk__dkim_key_parse (tag=value list, RFC 6376 3.6.1, the
 * base64 key decoded with OpenSSL).  The message's DKIM-Signature fields
 * are parsed and verified with a fake resolver that answers every TXT
 * query with the key record (canonicalisation, l=, h= lists, body hash);
 * bk_trace_parse reads its Received/Return-Path/Received-SPF fields.
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/check.h"
#include "bouncekit/dns.h"
#include "check/check_int.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_in {
	const uint8_t *data;
	size_t size;
};

/* answer - TXT: the key record; other types: NXDOMAIN */
static int
answer(void *ctx, const char *name, bk_dns_type type, unsigned char *buf,
    size_t cap, size_t *len)
{
	const struct fz_in *in = ctx;

	*len = fz_reply(buf, cap, name, (int)type, in->data, in->size);
	return *len ? BK_DNS_OK : BK_DNS_SERVFAIL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *msg;
	size_t klen, mlen, i;
	struct fz_in in;
	bk_dns_backend be = { 1, answer, NULL };
	bk_dns_options dopt = BK_DNS_OPTIONS_INIT;
	bk_dkim_options kopt = BK_DKIM_OPTIONS_INIT;
	bk_dkim_key key;
	bk_msg_trace tr;
	bk__arena *a;
	bk_resolver *r;
	bk_dkim *d;
	void *pkey = NULL;
	char problem[256];

	fz_split(data, size, &klen, &msg, &mlen);
	in.data = data;
	in.size = klen;
	be.ctx = &in;
	if (bk__arena_new(&a, 4096) != 0)
		return 0;
	(void)bk__dkim_key_parse(&key, a, (const char *)data, klen, "sha256",
	    &pkey, problem, sizeof(problem));
	EVP_PKEY_free(pkey);
	(void)bk__dkim_key_parse(&key, a, (const char *)data, klen, NULL,
	    NULL, problem, sizeof(problem));
	bk__arena_free(a);

	(void)bk_trace_parse(&tr, (const char *)msg, mlen);
	dopt.backend = &be;
	kopt.now = 1700000000;
	if (bk_resolver_new(&r, &dopt, NULL) != 0)
		return 0;
	if (bk_dkim_new(&d, r, &kopt, (const char *)msg, mlen) == 0) {
		(void)bk_dkim_check(d);
		for (i = 0; i < bk_dkim_count(d); i++)
			(void)bk_dkim_signature(d, i);
		(void)bk_dkim_verdict(d);
		bk_dkim_free(d);
	}
	bk_resolver_free(r);
	return 0;
}
