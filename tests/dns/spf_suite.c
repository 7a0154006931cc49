/*
 * spf_suite.c - run the OpenSPF RFC 7208 test suite (pyspf's YAML files,
 * converted to JSON) through bk_spf with each scenario's zone data served
 * by an in-memory backend behind the real resolver interface.
 *
 *   spf_suite SUITEDIR [FILE...] [-v]
 *   spf_suite --dns SERVER --scenario N SUITEDIR FILE
 *
 * SUITEDIR is the folder holding json/<FILE>.scenarios.json and
 * json/<FILE>.tests.jsonl (../shared/suites/spf); FILE defaults to
 * rfc7208-tests.yml.  Without SUITEDIR, or when it does not exist, the
 * driver prints "skipped" and exits 77 (ctest SKIP_RETURN_CODE).
 * A test passes when the result is one of the listed results and, for a
 * fail with an expected explanation, the explanation matches (the
 * suite's default explanation is "DEFAULT").
 *
 * With --dns and --scenario, only the tests of scenario N run, through
 * c-ares against SERVER (a real server holding that scenario's zone:
 * tests/dns/spf_knot.sh), with a 300 ms timeout per try.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bouncekit/check.h"
#include "json_mini.h"
#include "fakedns.h"

static int verbose;
static const char *dns_server;     /* --dns: real resolver */
static int only_scenario = -1;     /* --scenario */

/* load_zone - scenario zonedata into the fake zone */
static void
load_zone(struct fz *z, const jm *zd)
{
	fz_clear(z);
	for (size_t i = 0; zd && i < zd->n; i++) {
		const char *name = zd->keys[i];
		const jm *list = zd->items[i];

		for (size_t k = 0; k < list->n; k++) {
			const jm *e = list->items[k];
			const char *type = jm_str(jm_get(e, "type"));
			const jm *v;

			if (e->type == JM_STR) {
				if (strcmp(e->str, "TIMEOUT") == 0)
					fz_add(z, name, 0);
				continue;
			}
			if (type == NULL)
				continue;
			if (strcmp(type, "TXT") == 0) {
				struct fz_rr *r = fz_add(z, name, BK_DNS_TXT);

				v = jm_get(e, "strings");
				for (size_t j = 0; v && j < v->n &&
				    j < FZ_STRINGS; j++) {
					r->s[j] = malloc(v->items[j]->len + 1);
					memcpy(r->s[j], v->items[j]->str,
					    v->items[j]->len + 1);
					r->sl[j] = v->items[j]->len;
					r->ns++;
				}
			} else if (strcmp(type, "A") == 0 ||
			    strcmp(type, "AAAA") == 0) {
				fz_add_addr(z, name, jm_str(jm_get(e, "value")));
			} else if (strcmp(type, "MX") == 0) {
				fz_add_name(z, name, BK_DNS_MX,
				    jm_str(jm_get(e, "host")),
				    (unsigned)jm_get(e, "pref")->num);
			} else if (strcmp(type, "PTR") == 0) {
				fz_add_name(z, name, BK_DNS_PTR,
				    jm_str(jm_get(e, "value")), 0);
			} else if (strcmp(type, "CNAME") == 0) {
				fz_add_name(z, name, BK_DNS_CNAME,
				    jm_str(jm_get(e, "value")), 0);
			}
			/* SPF (type 99): already copied to TXT */
		}
	}
}

static int
run_file(const char *dir, const char *file, int *pass, int *fail)
{
	char path[4096];
	char *text, *line, *next;
	jm *scen;
	struct fz z = { 0 };
	bk_dns_backend be = { 1, fz_query, &z };
	bk_dns_options dopts = BK_DNS_OPTIONS_INIT;
	int fp = 0, ff = 0, last = -1;

	if (dns_server != NULL) {
		dopts.servers = dns_server;
		dopts.timeout_ms = 300;
		dopts.tries = 2;
	} else
		dopts.backend = &be;
	snprintf(path, sizeof(path), "%s/json/%s.scenarios.json", dir, file);
	text = jm_slurp(path, NULL);
	if (text == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		return -1;
	}
	scen = jm_parse(text);
	free(text);
	snprintf(path, sizeof(path), "%s/json/%s.tests.jsonl", dir, file);
	text = jm_slurp(path, NULL);
	if (text == NULL || scen == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		return -1;
	}
	for (line = text; line && *line; line = next) {
		jm *t;
		const jm *res, *sc;
		const char *id, *want_exp, *got_exp;
		bk_resolver *r = NULL;
		bk_spf_options so = BK_SPF_OPTIONS_INIT;
		bk_spf *spf = NULL;
		bk_spf_result got;
		int ok = 0, idx;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '\0')
			continue;
		t = jm_parse(line);
		id = jm_str(jm_get(t, "id"));
		idx = (int)jm_get(t, "scenario")->num;
		if (only_scenario >= 0 && idx != only_scenario) {
			jm_free(t);
			continue;
		}
		sc = scen->items[idx];
		if (idx != last) {
			load_zone(&z, jm_get(sc, "zonedata"));
			last = idx;
		}
		so.default_explanation = "DEFAULT";
		so.receiver = "receivingdomain.com";
		if (bk_resolver_new(&r, &dopts, NULL) != 0 ||
		    bk_spf_new(&spf, r, &so, jm_str(jm_get(t, "host")),
		    jm_str(jm_get(t, "mailfrom")), jm_str(jm_get(t, "helo")),
		    NULL) != 0 || bk_spf_check(spf) != 0) {
			fprintf(stderr, "FAIL %s: setup\n", id);
			ff++;
			bk_spf_free(spf);
			bk_resolver_free(r);
			jm_free(t);
			continue;
		}
		got = bk_spf_verdict(spf);
		res = jm_get(t, "result");
		for (size_t i = 0; res && i < res->n; i++)
			if (strcmp(res->items[i]->str,
			    bk_spf_result_name(got)) == 0)
				ok = 1;
		want_exp = jm_str(jm_get(t, "explanation"));
		got_exp = bk_spf_explanation(spf);
		if (ok && want_exp != NULL && got == BK_SPF_FAIL &&
		    (got_exp == NULL || strcmp(got_exp, want_exp) != 0))
			ok = 0;
		if (ok)
			fp++;
		else
			ff++;
		if (!ok || verbose) {
			fprintf(ok ? stdout : stderr,
			    "%s %s/%s: got %s, want %s%s (exp \"%s\" want "
			    "\"%s\") [%s]\n", ok ? "ok" : "FAIL", file, id,
			    bk_spf_result_name(got), res->items[0]->str,
			    res->n > 1 ? "..." : "", got_exp ? got_exp : "",
			    want_exp ? want_exp : "", bk_spf_detail(spf));
		}
		bk_spf_free(spf);
		bk_resolver_free(r);
		jm_free(t);
	}
	printf("%s: %d passed, %d failed\n", file, fp, ff);
	*pass += fp;
	*fail += ff;
	fz_clear(&z);
	free(z.rr);
	free(text);
	jm_free(scen);
	return 0;
}

int
main(int argc, char **argv)
{
	struct stat st;
	const char *files[16];
	int nf = 0, pass = 0, fail = 0, i;
	const char *dir = NULL;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else if (strcmp(argv[i], "--dns") == 0 && i + 1 < argc)
			dns_server = argv[++i];
		else if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc)
			only_scenario = atoi(argv[++i]);
		else if (dir == NULL)
			dir = argv[i];
		else if (nf < 16)
			files[nf++] = argv[i];
	}
	if (dir == NULL || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("spf_suite: skipped (no suite directory given or "
		    "found: %s)\n", dir ? dir : "(none)");
		return 77;
	}
	if (nf == 0)
		files[nf++] = "rfc7208-tests.yml";
	for (i = 0; i < nf; i++)
		if (run_file(dir, files[i], &pass, &fail) != 0)
			return 1;
	printf("%d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
