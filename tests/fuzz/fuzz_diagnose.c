/*
 * fuzz_diagnose.c - libFuzzer target: `bouncekit diagnose` on a hostile
 * bounce, lib/diagnose end to end.
 *
 * Input: a TXT record, a line "--", a bounce (fz_split).  The bounce is
 * decoded and classified (built-in rules); its first record is
 * diagnosed with a fake resolver that answers every TXT query with the
 * record (SPF, DMARC, DKIM keys all read it) and every other query with
 * NXDOMAIN.  This drives what diagnose reads from the bounce itself: the
 * returned message (bk_message_returned), its Received chain and
 * DKIM-Signature tags, the IP in the reply text, the link domains of a
 * returned body, the plan and the verdicts; then both output forms.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/check.h"
#include "bouncekit/diagnose.h"
#include "bouncekit/dns.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_in {
	const uint8_t *data;
	size_t size;
};

/* answer - TXT: the record of the input; other types: NXDOMAIN */
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
	static bk_classifier *cls;
	static FILE *sink;
	const uint8_t *msg;
	size_t tlen, mlen, n, i;
	struct fz_in in;
	bk_dns_backend be = { 1, answer, NULL };
	bk_dns_options dopt = BK_DNS_OPTIONS_INIT;
	bk_diagnose_options o = BK_DIAGNOSE_OPTIONS_INIT;
	bk_resolver *r = NULL;
	bk_message *m = NULL;
	bk_diagnosis *d = NULL;
	bk_record *recs;

	if (cls == NULL && bk_classifier_new(&cls, NULL, NULL) != 0)
		return 0;
	if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
		return 0;
	fz_split(data, size, &tlen, &msg, &mlen);
	in.data = data;
	in.size = tlen;
	be.ctx = &in;
	dopt.backend = &be;
	o.now = 1700000000;
	if (bk_message_new(&m, (const char *)msg, mlen, NULL) != 0)
		return 0;
	if (bk_message_decode(m, &recs, &n) != 0 || n == 0)
		goto out;
	for (i = 0; i < n; i++)
		(void)bk_classify(cls, &recs[i]);
	if (bk_resolver_new(&r, &dopt, NULL) != 0)
		goto out;
	if (bk_diagnosis_new(&d, r, cls, m, &recs[0], &o) == 0 &&
	    bk_diagnosis_run(d) == 0) {
		(void)bk_diagnosis_format(sink, d, 0, 80);
		(void)bk_diagnosis_format(sink, d, BK_DIAGNOSE_JSON, 0);
	}
out:
	bk_diagnosis_free(d);
	bk_resolver_free(r);
	bk_message_free(m);
	return 0;
}
