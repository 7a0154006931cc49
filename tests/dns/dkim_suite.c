/*
 * dkim_suite.c - run the DKIM suite (../shared/suites/dkim: 222 cases,
 * expected.jsonl) through bk_dkim, with each case's key records served
 * by the in-memory backend behind the real resolver interface.
 *
 *   dkim_suite SUITEDIR [-v] [ID...]
 *
 * A case passes when the message verdict equals "expected" (RFC 6376 +
 * RFC 8301 + RFC 8463) and, where the case lists "signatures", every
 * signature's result matches too.  Results that differ but are listed in
 * "accept" or equal "expected_legacy" are counted separately as
 * "consistent"; only a result outside all three fails the run.  Without
 * SUITEDIR, or when it does not exist, the driver exits 77 (skipped).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bouncekit/check.h"
#include "json_mini.h"
#include "fakedns.h"

static int verbose;

/* load_dns - the case's "dns" object into the fake zone */
static void
load_dns(struct fz *z, const jm *dns)
{
	fz_clear(z);
	for (size_t i = 0; dns != NULL && i < dns->n; i++) {
		const char *name = dns->keys[i];
		const jm *e = dns->items[i], *txt = jm_get(e, "txt");
		const char *rcode = jm_str(jm_get(e, "rcode"));
		const char *fault = jm_str(jm_get(e, "fault"));

		for (size_t k = 0; txt != NULL && k < txt->n; k++)
			fz_add_txt(z, name, txt->items[k]->str,
			    txt->items[k]->len);
		if (rcode != NULL && strcmp(rcode, "NODATA") == 0)
			fz_add_addr(z, name, "192.0.2.1");
		if (fault != NULL && strcmp(fault, "timeout") == 0)
			fz_add(z, name, 0);
		if (fault != NULL && strcmp(fault, "servfail") == 0)
			fz_add(z, name, FZ_SERVFAIL);
	}
}

static int
wanted(int argc, char **argv, const char *id)
{
	int any = 0;

	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		any = 1;
		if (strcmp(argv[i], id) == 0)
			return 1;
	}
	return !any;
}

int
main(int argc, char **argv)
{
	struct fz z = { 0 };
	bk_dns_backend be = { 1, fz_query, &z };
	bk_dns_options o = BK_DNS_OPTIONS_INIT;
	char path[4096];
	struct stat st;
	char *text, *line, *next;
	size_t tlen;
	int pass = 0, consistent = 0, fail = 0, total = 0;

	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
	if (argc < 2 || stat(argv[1], &st) != 0) {
		printf("dkim_suite: no suite folder: skipped\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/expected.jsonl", argv[1]);
	text = jm_slurp(path, &tlen);
	if (text == NULL) {
		printf("dkim_suite: %s unreadable: skipped\n", path);
		return 77;
	}
	o.backend = &be;
	o.timeout_ms = 50;
	o.tries = 1;
	for (line = text; line != NULL && *line != '\0'; line = next) {
		jm *c;
		const char *id, *file, *want, *legacy;
		const jm *acc, *sigs;
		bk_resolver *r = NULL;
		bk_dkim *d = NULL;
		char *msg;
		size_t mlen;
		const char *got;
		int ok, cons = 0;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (*line == '\0')
			continue;
		c = jm_parse(line);
		if (c == NULL) {
			printf("FAIL bad JSON line\n");
			fail++;
			continue;
		}
		id = jm_str(jm_get(c, "id"));
		file = jm_str(jm_get(c, "file"));
		want = jm_str(jm_get(c, "expected"));
		legacy = jm_str(jm_get(c, "expected_legacy"));
		acc = jm_get(c, "accept");
		sigs = jm_get(c, "signatures");
		if (id == NULL || !wanted(argc, argv, id)) {
			jm_free(c);
			continue;
		}
		total++;
		load_dns(&z, jm_get(c, "dns"));
		snprintf(path, sizeof(path), "%s/%s", argv[1], file);
		msg = jm_slurp(path, &mlen);
		if (msg == NULL || bk_resolver_new(&r, &o, NULL) != 0 ||
		    bk_dkim_new(&d, r, NULL, msg, mlen) != 0 ||
		    bk_dkim_check(d) != 0) {
			printf("FAIL %s: could not run\n", id);
			fail++;
			goto next_case;
		}
		got = bk_dkim_result_name(bk_dkim_verdict(d));
		ok = strcmp(got, want) == 0;
		for (size_t k = 0; ok && sigs != NULL && k < sigs->n; k++) {
			const bk_dkim_sig *s = bk_dkim_signature(d, k);

			if (s == NULL || strcmp(bk_dkim_result_name(s->result),
			    sigs->items[k]->str) != 0)
				ok = 0;
		}
		for (size_t k = 0; !ok && acc != NULL && k < acc->n; k++)
			if (strcmp(acc->items[k]->str, got) == 0)
				cons = 1;
		if (!ok && legacy != NULL && strcmp(legacy, got) == 0)
			cons = 1;
		if (ok)
			pass++;
		else if (cons)
			consistent++;
		else
			fail++;
		if (!ok || verbose) {
			printf("%s %s: got %s, want %s\n", ok ? "ok" : cons ?
			    "CONSISTENT" : "FAIL", id, got, want);
			for (size_t k = 0; k < bk_dkim_count(d); k++) {
				const bk_dkim_sig *s = bk_dkim_signature(d, k);

				printf("    sig %zu d=%s s=%s a=%s: %s (%s)\n", k,
				    s->domain ? s->domain : "-",
				    s->selector ? s->selector : "-",
				    s->algorithm ? s->algorithm : "-",
				    bk_dkim_result_name(s->result),
				    s->detail ? s->detail : "");
			}
		}
next_case:
		bk_dkim_free(d);
		bk_resolver_free(r);
		free(msg);
		jm_free(c);
	}
	printf("dkim_suite: %d cases: %d passed (equal to expected), "
	    "%d consistent (accept/legacy), %d failed\n", total, pass,
	    consistent, fail);
	fz_clear(&z);
	free(z.rr);
	free(text);
	return fail == 0 ? 0 : 1;
}
