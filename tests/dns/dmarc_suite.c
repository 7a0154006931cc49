/*
 * dmarc_suite.c - run the DMARC suite (../shared/suites/dmarc,
 * expected.jsonl) through the bk_dmarc functions:
 *
 *   record     bk_dmarc_record_check(): "usable" and "errors"
 *   orgdomain  bk_dmarc_org_domain() (Debian's PSL); the 3 cases written
 *              for OpenDMARC's bundled 2012 list through
 *              bk_dmarc_org_domain_psl() with that list
 *              (reports/opendmarc/effective_tld_names.dat.opendmarc-tests)
 *   alignment  bk_dmarc_aligned()
 *   fromdomain bk_dmarc_from_domain()
 *   policy     bk_dmarc with zones/test.zone served by the in-memory
 *              backend: result, policy domain and disposition, run
 *              twice: bk_dmarc_set_rules(BK_DMARC_RFC9989) must give
 *              expected.rfc9989 and BK_DMARC_RFC7489 expected.rfc7489;
 *              a case passes only when both do
 *   report     bk_dmarc_report_parse() twice: the default (lenient)
 *              reading must give the "parsedmarc" column, the strict one
 *              (BK_DMARC_REPORT_OPTIONS.strict) the "strict" column
 *              (docs/checks.md, "Strict or lenient"); an aggregate must
 *              have at least one record with a count, a failure report
 *              its Feedback-Type
 *
 *   dmarc_suite SUITEDIR [-v]
 *
 * Without SUITEDIR, or when it does not exist, exits 77 (skipped).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bouncekit/check.h"
#include "bouncekit/errors.h"
#include "json_mini.h"
#include "fakedns.h"

static int verbose;

/* load_zone - the A and TXT records of a zone file with $ORIGIN */
static int
load_zone(struct fz *z, const char *path)
{
	size_t len;
	char *text = jm_slurp(path, &len), *line, *next;
	char origin[256] = "";

	if (text == NULL)
		return -1;
	for (line = text; line != NULL && *line != '\0'; line = next) {
		char name[300], type[16], full[600];
		char *p, *q;
		int n;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (strncmp(line, "$ORIGIN ", 8) == 0) {
			snprintf(origin, sizeof(origin), "%s", line + 8);
			continue;
		}
		if (line[0] == '$' || line[0] == ';' || line[0] == '\0')
			continue;
		if (sscanf(line, "%299s IN %15s %n", name, type, &n) != 2)
			continue;
		if (strcmp(name, "@") == 0)
			snprintf(full, sizeof(full), "%s", origin);
		else
			snprintf(full, sizeof(full), "%s.%s", name, origin);
		p = line + n;
		if (strcmp(type, "A") == 0) {
			p[strcspn(p, " \t;")] = '\0';
			fz_add_addr(z, full, p);
		} else if (strcmp(type, "TXT") == 0) {
			p = strchr(p, '"');
			q = p ? strrchr(p + 1, '"') : NULL;
			if (p != NULL && q != NULL)
				fz_add_txt(z, full, p + 1, (size_t)(q - p - 1));
		}
	}
	free(text);
	return 0;
}

static int
eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bk_spf_result
spf_res(const char *s)
{
	for (int i = 0; i < BK_SPF_RESULT_COUNT_; i++)
		if (strcmp(bk_spf_result_name((bk_spf_result)i), s) == 0)
			return (bk_spf_result)i;
	return BK_SPF_NONE;
}

static bk_dkim_result
dkim_res(const char *s)
{
	for (int i = 0; i < BK_DKIM_RESULT_COUNT_; i++)
		if (strcmp(bk_dkim_result_name((bk_dkim_result)i), s) == 0)
			return (bk_dkim_result)i;
	return BK_DKIM_NONE;
}

/* report_kind - "aggregate 3 rows", "failure", "error" from one reading */
static void
report_kind(char *out, size_t cap, const char *data, size_t len, int strict)
{
	bk_dmarc_report_options o = BK_DMARC_REPORT_OPTIONS_INIT;
	bk_dmarc_report *r = NULL;
	const char *msg = NULL, *diag = NULL;
	bk_dmarc_report_kind k;
	size_t counted = 0, n;

	o.strict = strict;
	if (bk_dmarc_report_parse(&r, data, len, &o) != 0) {
		snprintf(out, cap, "could not run");
		return;
	}
	k = bk_dmarc_report_kind_of(r);
	n = bk_dmarc_report_count(r);
	for (size_t i = 0; i < n; i++)
		counted += bk_dmarc_report_row_at(r, i)->has_count;
	(void)bk_dmarc_report_error(r, &msg);
	(void)bk_dmarc_report_diagnostic(r, &diag);
	if (k == BK_DMARC_REPORT_AGGREGATE && counted == 0)
		snprintf(out, cap, "aggregate without a counted record");
	else if (k == BK_DMARC_REPORT_FAILURE &&
	    bk_dmarc_report_failure(r)->feedback_type == NULL)
		snprintf(out, cap, "failure without a Feedback-Type");
	else
		snprintf(out, cap, "%s", bk_dmarc_report_kind_name(k));
	if (verbose)
		printf("    %s %s: %zu records; %s%s%s\n",
		    strict ? "strict" : "lenient",
		    bk_dmarc_report_container(r), n, msg ? msg : "",
		    diag ? "diagnostic: " : "", diag ? diag : "");
	bk_dmarc_report_free(r);
}

/* policy_case - one policy case under @rules: "result domain
 * disposition" got and wanted (@ex: expected.<rules>) */
static void
policy_case(char *got, size_t gcap, char *want, size_t wcap, const jm *c,
    const jm *ex, bk_dmarc_rules rules, bk_dns_options *o)
{
	bk_resolver *r = NULL;
	bk_dmarc *m = NULL;
	const jm *spf = jm_get(c, "spf"), *dk = jm_get(c, "dkim");
	const char *pd;

	if (bk_resolver_new(&r, o, NULL) != 0 || bk_dmarc_new(&m, r,
	    jm_str(jm_get(c, "from_domain"))) != 0 ||
	    bk_dmarc_set_rules(m, rules) != 0) {
		snprintf(got, gcap, "could not run");
	} else {
		if (spf != NULL)
			bk_dmarc_add_spf(m, jm_str(jm_get(spf, "domain")),
			    spf_res(jm_str(jm_get(spf, "result"))));
		for (size_t i = 0; dk != NULL && i < dk->n; i++)
			bk_dmarc_add_dkim(m, jm_str(jm_get(dk->items[i],
			    "domain")), dkim_res(jm_str(jm_get(dk->items[i],
			    "result"))));
		bk_dmarc_check(m);
		pd = bk_dmarc_policy_domain(m);
		snprintf(got, gcap, "%s %s %s",
		    bk_dmarc_result_name(bk_dmarc_verdict(m)),
		    pd ? pd : "null", bk_dmarc_disposition(m));
	}
	pd = jm_str(jm_get(ex, "policy_domain"));
	if (ex == NULL)
		snprintf(want, wcap, "(no expectation)");
	else
		snprintf(want, wcap, "%s %s %s", jm_str(jm_get(ex, "dmarc")),
		    pd ? pd : "null", jm_str(jm_get(ex, "disposition")));
	if (verbose && m != NULL)
		printf("    %s: %s\n", bk_dmarc_rules_name(rules),
		    bk_dmarc_detail(m));
	bk_dmarc_free(m);
	bk_resolver_free(r);
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
	int pass = 0, fail = 0, skip = 0, npolicy = 0;
	int rpass[BK_DMARC_RULES_COUNT_] = { 0 };
	int kpass[8] = { 0 }, ktotal[8] = { 0 };
	static const char *kinds[] = { "record", "orgdomain", "alignment",
	    "fromdomain", "policy", "report" };

	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
	if (argc < 2 || stat(argv[1], &st) != 0) {
		printf("dmarc_suite: no suite folder: skipped\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/expected.jsonl", argv[1]);
	text = jm_slurp(path, &tlen);
	snprintf(path, sizeof(path), "%s/zones/test.zone", argv[1]);
	if (text == NULL || load_zone(&z, path) != 0) {
		printf("dmarc_suite: suite files unreadable: skipped\n");
		free(text);
		return 77;
	}
	o.backend = &be;
	for (line = text; line != NULL && *line != '\0'; line = next) {
		jm *c;
		const char *kind, *id;
		char got[1024] = "", want[512] = "";
		int ok = 0, k;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (*line == '\0' || (c = jm_parse(line)) == NULL)
			continue;
		kind = jm_str(jm_get(c, "kind"));
		id = jm_str(jm_get(c, "id"));
		for (k = 0; k < 6 && !eq(kinds[k], kind); k++)
			;
		if (k == 6) {
			skip++;
			jm_free(c);
			continue;
		}
		ktotal[k]++;
		if (k == 0) {
			const jm *rec = jm_get(c, "record");
			int u = 0, e = 0;
			char why[512];

			bk_dmarc_record_check(&u, &e, why, sizeof(why),
			    rec->str, rec->len);
			snprintf(got, sizeof(got), "usable=%d errors=%d (%s)",
			    u, e, why);
			snprintf(want, sizeof(want), "usable=%d errors=%d",
			    (int)jm_get(c, "usable")->num,
			    (int)jm_get(c, "errors")->num);
			ok = strncmp(got, want, strlen(want)) == 0;
		} else if (k == 1) {
			char out[256], psl[4096];
			const char *w = jm_str(jm_get(c, "org_domain"));
			int rc;

			if (eq(jm_str(jm_get(c, "psl")), "opendmarc-2012")) {
				snprintf(psl, sizeof(psl), "%s/reports/"
				    "opendmarc/effective_tld_names.dat."
				    "opendmarc-tests", argv[1]);
				rc = bk_dmarc_org_domain_psl(out, sizeof(out),
				    jm_str(jm_get(c, "domain")), psl);
			} else
				rc = bk_dmarc_org_domain(out, sizeof(out),
				    jm_str(jm_get(c, "domain")));

			snprintf(got, sizeof(got), "%s", rc == 0 ? out :
			    "(none)");
			snprintf(want, sizeof(want), "%s", w ? w : "(none)");
			ok = strcmp(got, want) == 0;
		} else if (k == 2) {
			int a = bk_dmarc_aligned(jm_str(jm_get(c,
			    "from_domain")), jm_str(jm_get(c, "auth_domain")),
			    eq(jm_str(jm_get(c, "mode")), "strict"));

			snprintf(got, sizeof(got), "aligned=%d", a);
			snprintf(want, sizeof(want), "aligned=%d",
			    (int)jm_get(c, "aligned")->num);
			ok = strcmp(got, want) == 0;
		} else if (k == 3) {
			const jm *h = jm_get(c, "header");
			char out[256];
			int rc = bk_dmarc_from_domain(out, sizeof(out), h->str,
			    h->len);

			snprintf(got, sizeof(got), "%s", rc == 0 ? out :
			    "(none)");
			snprintf(want, sizeof(want), "%s",
			    jm_str(jm_get(c, "domain")));
			ok = strcmp(got, want) == 0;
		} else if (k == 4) {
			const jm *ex = jm_get(c, "expected");
			char *g = got, *w = want;
			size_t gl = sizeof(got), wl = sizeof(want);

			npolicy++;
			ok = 1;
			for (int ru = 0; ru < BK_DMARC_RULES_COUNT_; ru++) {
				const char *rn = bk_dmarc_rules_name(
				    (bk_dmarc_rules)ru);
				char g1[300], w1[200];
				int n;

				policy_case(g1, sizeof(g1), w1, sizeof(w1), c,
				    jm_get(ex, rn), (bk_dmarc_rules)ru, &o);
				if (strcmp(g1, w1) == 0)
					rpass[ru]++;
				else
					ok = 0;
				n = snprintf(g, gl, "%s%s: %s", ru ? "; " : "",
				    rn, g1);
				if (n > 0 && (size_t)n < gl) {
					g += n;
					gl -= (size_t)n;
				}
				n = snprintf(w, wl, "%s%s: %s", ru ? "; " : "",
				    rn, w1);
				if (n > 0 && (size_t)n < wl) {
					w += n;
					wl -= (size_t)n;
				}
			}
		} else if (k == 5) {
			char file[4096], lenient[128], strict[128];
			size_t flen;
			char *data;

			snprintf(file, sizeof(file), "%s/%s", argv[1],
			    jm_str(jm_get(c, "file")));
			data = jm_slurp(file, &flen);
			if (data == NULL) {
				snprintf(got, sizeof(got), "unreadable %.900s",
				    file);
			} else {
				report_kind(lenient, sizeof(lenient), data,
				    flen, 0);
				report_kind(strict, sizeof(strict), data, flen,
				    1);
				snprintf(got, sizeof(got), "lenient=%s "
				    "strict=%s", lenient, strict);
				free(data);
			}
			snprintf(want, sizeof(want), "lenient=%s strict=%s",
			    jm_str(jm_get(c, "parsedmarc")),
			    jm_str(jm_get(c, "strict")));
			ok = strcmp(got, want) == 0;
		}
		if (ok) {
			pass++;
			kpass[k]++;
		} else
			fail++;
		if (!ok || verbose)
			printf("%s %s: got %s, want %s\n", ok ? "ok" : "FAIL",
			    id, got, want);
		jm_free(c);
	}
	for (int k = 0; k < 6; k++)
		printf("dmarc_suite: %-10s %d / %d\n", kinds[k], kpass[k],
		    ktotal[k]);
	for (int ru = 0; ru < BK_DMARC_RULES_COUNT_; ru++)
		printf("dmarc_suite: policy under %s: %d / %d\n",
		    bk_dmarc_rules_name((bk_dmarc_rules)ru), rpass[ru],
		    npolicy);
	printf("dmarc_suite: %d passed, %d failed, %d skipped (unknown "
	    "kind)\n", pass, fail, skip);
	fz_clear(&z);
	free(z.rr);
	free(text);
	return fail == 0 ? 0 : 1;
}
