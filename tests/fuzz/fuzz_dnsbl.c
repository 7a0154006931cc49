/*
 * fuzz_dnsbl.c - libFuzzer target: a user's blocklist definitions file
 * (`check ip --lists FILE`, lib/check check_ip.c).
 *
 * The input is read by bk_dnsbl_set_new: "list" and "code" lines, zones,
 * return codes, the limits on lists and codes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/check.h"
#include "bouncekit/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bk_dnsbl_set *set;
	char *err = NULL;

	if (bk_dnsbl_set_new(&set, (const char *)data, size, &err) == 0) {
		(void)bk_dnsbl_set_count(set);
		bk_dnsbl_set_free(set);
	}
	free(err);
	return 0;
}
