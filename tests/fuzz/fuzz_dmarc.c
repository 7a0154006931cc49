/*
 * fuzz_dmarc.c - libFuzzer target: DMARC records (RFC 7489 6.3, 6.4) and
 * the organizational domain (lib/check).
 *
 * The input is read as a record (bk__dmarc_parse, bk_dmarc_record_check)
 * and, NUL-terminated, as a domain for the Public Suffix List lookup and
 * alignment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/check.h"
#include "bouncekit/dns.h"
#include "check/check_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bk_dmarc_info info;
	bk__arena *a;
	char notes[512], why[512], org[256];
	char *dom;
	int usable, errors;

	if (bk__arena_new(&a, 4096) != 0)
		return 0;
	memset(&info, 0, sizeof(info));
	(void)bk__dmarc_parse(&info, a, (const char *)data, size, notes,
	    sizeof(notes));
	bk__arena_free(a);
	(void)bk_dmarc_record_check(&usable, &errors, why, sizeof(why),
	    (const char *)data, size);
	if (size > 1024)
		return 0;
	dom = malloc(size + 1);
	if (dom == NULL)
		return 0;
	memcpy(dom, data, size);
	dom[size] = '\0';
	(void)bk_dmarc_org_domain(org, sizeof(org), dom);
	(void)bk_dmarc_aligned(dom, "mail.example.com", 0);
	(void)bk_dmarc_aligned("example.com", dom, 1);
	free(dom);
	return 0;
}
