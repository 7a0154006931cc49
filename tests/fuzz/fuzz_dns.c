/*
 * fuzz_dns.c - libFuzzer target: DNS reply messages as the checks see
 * them (lib/dns, RFC 1035 4.1, name compression 4.1.4).
 *
 * The first byte picks the asked type; the rest is the reply, parsed for
 * the query name "example.com" (CNAME chains, compression pointers that
 * must go backwards, TXT joining, MX/PTR/SOA names).  The answer's
 * records are walked so ASan sees every byte the parser hands out.
 */
#include <stdint.h>
#include <string.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/check.h"
#include "bouncekit/dns.h"
#include "dns/dns_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const bk_dns_type types[] = {
	BK_DNS_A, BK_DNS_NS, BK_DNS_CNAME, BK_DNS_SOA, BK_DNS_PTR, BK_DNS_MX,
	BK_DNS_TXT, BK_DNS_AAAA
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bk_dns_answer *ans;
	bk_dns_type t;
	size_t i;
	volatile unsigned sink = 0;

	if (size < 1)
		return 0;
	t = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	if (bk_dns_answer_parse(&ans, "example.com", t, data + 1,
	    size - 1) == 0 && ans != NULL) {
		for (i = 0; i < ans->count; i++) {
			const bk_dns_rr *rr = &ans->rr[i];

			if (rr->data != NULL && rr->len > 0)
				sink += (unsigned char)rr->data[0] +
				    (unsigned char)rr->data[rr->len - 1];
		}
		if (ans->cname != NULL)
			sink += (unsigned)strlen(ans->cname);
		if (ans->qname != NULL)
			sink += (unsigned)strlen(ans->qname);
		bk_dns_answer_free(ans);
	}
	(void)bk__dns_name_valid((const char *)data, size);
	(void)sink;
	return 0;
}
