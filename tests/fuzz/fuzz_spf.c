/*
 * fuzz_spf.c - libFuzzer target: SPF records (RFC 7208) in lib/check.
 *
 * The input is parsed as a record (bk__spf_parse, terms, modifiers, CIDR
 * lengths, macro-strings) and then evaluated with check_host(): a fake
 * resolver answers every TXT query with the input itself (so include and
 * redirect loop until the RFC 7208 4.6.4 term limit) and NXDOMAIN for
 * everything else, which drives macro expansion and the void-lookup
 * limit with hostile records.
 */
#include <stdint.h>
#include <stdlib.h>

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

/* answer - TXT: the input; other types: NXDOMAIN */
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
	struct fz_in in = { data, size };
	bk_dns_backend be = { 1, answer, &in };
	bk_dns_options dopt = BK_DNS_OPTIONS_INIT;
	struct spf_record rec;
	bk__arena *a;
	bk_resolver *r;
	bk_spf *spf;
	char err[256];

	if (bk__arena_new(&a, 4096) != 0)
		return 0;
	(void)bk__spf_is_record((const char *)data, size);
	(void)bk__spf_parse(&rec, a, (const char *)data, size, err,
	    sizeof(err));
	(void)bk__spf_macro_valid((const char *)data, size, 0, 1);
	(void)bk__spf_macro_valid((const char *)data, size, 1, 0);
	bk__arena_free(a);

	if (size > 4096)
		return 0;
	dopt.backend = &be;
	if (bk_resolver_new(&r, &dopt, NULL) != 0)
		return 0;
	if (bk_spf_new(&spf, r, NULL, "192.0.2.10", "user@example.com",
	    "mail.example.com", NULL) == 0) {
		(void)bk_spf_check(spf);
		(void)bk_spf_verdict(spf);
		(void)bk_spf_explanation(spf);
		(void)bk_spf_detail(spf);
		bk_spf_free(spf);
	}
	bk_resolver_free(r);
	return 0;
}
