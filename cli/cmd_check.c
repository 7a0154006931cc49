/*
 * cmd_check.c - "bouncekit check": SPF, blocklists and reverse DNS, and
 * the domain's MX, SPF tree and DMARC, over the public API only.
 *
 * All lookups of one command share one resolver and run concurrently.
 * Text output is for people (untrusted DNS text escaped as \xNN); --json
 * prints one JSON object with "format": 1.
 *
 * Exit status: 0 the check ran and found nothing wrong; 1 it found a
 * problem (SPF not pass, a listing, no FCrDNS, no SPF or DMARC record);
 * 2 usage; 5 internal error (docs/checks.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/check.h"
#include "cmd_check.h"

#define EXIT_PROBLEM 1
#define EXIT_USAGE 2
#define EXIT_UNREADABLE 3
#define EXIT_INTERNAL 5
#define CHECK_FORMAT 1

struct copts {
	const char *dns;
	const char *helo;
	const char *ip;
	int json;
	const char *lists;
	const char *sender;
	unsigned timeout_ms;
};

/* bk_cli_check_usage - usage lines for check */
void
bk_cli_check_usage(FILE *fp)
{
	fprintf(fp,
	    "       bouncekit check spf [-j] [-d SERVER] [-H NAME] "
	    "[-s ADDR] [-t MS] -i IP DOMAIN\n"
	    "       bouncekit check ip [-j] [-d SERVER] [-l FILE] [-t MS] "
	    "IP|DOMAIN\n"
	    "       bouncekit check domain [-j] [-d SERVER] [-t MS] "
	    "DOMAIN\n");
}

static void
usage_check(FILE *fp)
{
	fprintf(fp, "usage:\n");
	bk_cli_check_usage(fp);
	fprintf(fp,
	    "\n"
	    "  -d, --dns SERVER    DNS server(s), e.g. 127.0.0.1:5353 "
	    "(default:\n"
	    "                      /etc/resolv.conf)\n"
	    "  -H, --helo NAME     HELO/EHLO name (SPF %%{h})\n"
	    "  -i, --ip IP         connecting address (SPF)\n"
	    "  -j, --json          one JSON object instead of text\n"
	    "  -l, --lists FILE    blocklist definitions instead of the "
	    "built-in set\n"
	    "  -s, --sender ADDR   MAIL FROM address (SPF)\n"
	    "  -t, --timeout MS    per-query timeout (default 2000)\n"
	    "\n"
	    "Exit status: 0 nothing wrong, 1 a problem found, 2 usage, "
	    "5 internal error.\n");
}

/* put_text - untrusted text for a terminal: non-printables as \xNN */
static void
put_text(const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

/* put_json - a JSON string value, or null */
static void
put_json(const char *s)
{
	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int
parse_opts(int argc, char **argv, struct copts *o)
{
	static const struct option longopts[] = {
		{ "dns", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "helo", required_argument, NULL, 'H' },
		{ "ip", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "lists", required_argument, NULL, 'l' },
		{ "sender", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:hH:i:jl:s:t:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dns = optarg;
			break;
		case 'h':
			usage_check(stdout);
			exit(0);
		case 'H':
			o->helo = optarg;
			break;
		case 'i':
			o->ip = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'l':
			o->lists = optarg;
			break;
		case 's':
			o->sender = optarg;
			break;
		case 't': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end != '\0' || v == 0 || v > 60000) {
				fprintf(stderr, "bouncekit: --timeout wants "
				    "1..60000 ms\n");
				return -1;
			}
			o->timeout_ms = (unsigned)v;
			break;
		}
		default:
			return -1;
		}
	}
	return 0;
}

static bk_resolver *
new_resolver(const struct copts *o)
{
	bk_dns_options dopts = BK_DNS_OPTIONS_INIT;
	bk_resolver *r = NULL;
	char *err = NULL;
	int rc;

	dopts.servers = o->dns;
	dopts.timeout_ms = o->timeout_ms;
	rc = bk_resolver_new(&r, &dopts, &err);
	if (rc != 0) {
		fprintf(stderr, "bouncekit: resolver: %s\n",
		    err ? err : bk_strerror(rc));
		free(err);
		return NULL;
	}
	return r;
}

/* check_spf - check_host() for one address */
static int
check_spf(const struct copts *o, const char *domain)
{
	bk_spf_options so = BK_SPF_OPTIONS_INIT;
	bk_resolver *r;
	bk_spf *spf = NULL;
	bk_spf_result res;
	int rc;

	if (o->ip == NULL) {
		fprintf(stderr, "bouncekit: check spf needs --ip\n");
		return EXIT_USAGE;
	}
	r = new_resolver(o);
	if (r == NULL)
		return EXIT_USAGE;
	rc = bk_spf_new(&spf, r, &so, o->ip, o->sender, o->helo, domain);
	if (rc == BK_EINVAL) {
		fprintf(stderr, "bouncekit: '%s' is not an IP address\n",
		    o->ip);
		bk_resolver_free(r);
		return EXIT_USAGE;
	}
	if (rc != 0 || bk_spf_check(spf) != 0) {
		bk_spf_free(spf);
		bk_resolver_free(r);
		return EXIT_INTERNAL;
	}
	res = bk_spf_verdict(spf);
	if (o->json) {
		printf("{\"check\":\"spf\",\"format\":%d,\"domain\":",
		    CHECK_FORMAT);
		put_json(bk_spf_domain(spf));
		printf(",\"ip\":");
		put_json(o->ip);
		printf(",\"sender\":");
		put_json(o->sender);
		printf(",\"helo\":");
		put_json(o->helo);
		printf(",\"result\":\"%s\",\"explanation\":",
		    bk_spf_result_name(res));
		put_json(bk_spf_explanation(spf));
		printf(",\"detail\":");
		put_json(bk_spf_detail(spf));
		printf(",\"dns_terms\":%u,\"void_lookups\":%u,"
		    "\"queries\":%lu}\n", bk_spf_dns_terms(spf),
		    bk_spf_void_lookups(spf), bk_resolver_queries(r));
	} else {
		printf("SPF %s for %s from %s: ", bk_spf_result_name(res),
		    bk_spf_domain(spf), o->ip);
		put_text(bk_spf_detail(spf));
		printf("\n");
		if (bk_spf_explanation(spf) != NULL) {
			printf("  explanation: ");
			put_text(bk_spf_explanation(spf));
			printf("\n");
		}
		printf("  DNS-querying terms: %u of 10, void lookups: %u "
		    "of 2\n", bk_spf_dns_terms(spf),
		    bk_spf_void_lookups(spf));
	}
	bk_spf_free(spf);
	bk_resolver_free(r);
	return res == BK_SPF_PASS ? 0 : EXIT_PROBLEM;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	/* loop: bounded by the file's size (and 16 MB) */
	do {
		char *nb;

		if (n + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > 16u * 1024 * 1024) {
				free(buf);
				fclose(f);
				return NULL;
			}
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

/* check_ip - blocklists and reverse DNS */
static int
check_ip(const struct copts *o, const char *target)
{
	bk_dnsbl_set *set = NULL;
	bk_ipcheck *c = NULL;
	bk_resolver *r;
	const bk_rdns *rd;
	char *err = NULL, *text = NULL;
	size_t len = 0, i;
	int rc, problem = 0;

	if (o->lists != NULL) {
		text = slurp(o->lists, &len);
		if (text == NULL) {
			perror(o->lists);
			return EXIT_UNREADABLE;
		}
	}
	rc = bk_dnsbl_set_new(&set, text, len, &err);
	free(text);
	if (rc != 0) {
		fprintf(stderr, "bouncekit: %s: %s\n",
		    o->lists ? o->lists : "built-in lists",
		    err ? err : bk_strerror(rc));
		free(err);
		return EXIT_USAGE;
	}
	r = new_resolver(o);
	if (r == NULL) {
		bk_dnsbl_set_free(set);
		return EXIT_USAGE;
	}
	rc = bk_ipcheck_new(&c, r, set, target);
	if (rc == BK_EINVAL) {
		fprintf(stderr, "bouncekit: '%s' is neither an address nor "
		    "a domain\n", target);
		bk_resolver_free(r);
		bk_dnsbl_set_free(set);
		return EXIT_USAGE;
	}
	if (rc != 0 || bk_ipcheck_start(c) != 0 || bk_resolver_run(r) != 0) {
		bk_ipcheck_free(c);
		bk_resolver_free(r);
		bk_dnsbl_set_free(set);
		return EXIT_INTERNAL;
	}
	if (o->json) {
		printf("{\"check\":\"ip\",\"format\":%d,\"target\":",
		    CHECK_FORMAT);
		put_json(target);
		printf(",\"lists\":[");
	} else
		printf("Blocklists for %s:\n", target);
	for (i = 0; i < bk_ipcheck_count(c); i++) {
		const bk_dnsbl_result *x = bk_ipcheck_result(c, i);

		if (x->state == BK_DNSBL_LISTED)
			problem = 1;
		if (o->json) {
			printf("%s{\"id\":", i ? "," : "");
			put_json(x->id);
			printf(",\"zone\":");
			put_json(x->zone);
			printf(",\"state\":\"%s\",\"query\":",
			    x->state == BK_DNSBL_LISTED ? "listed" :
			    x->state == BK_DNSBL_NOT_LISTED ? "not-listed" :
			    x->state == BK_DNSBL_ERROR ? "error" :
			    x->state == BK_DNSBL_FAILED ? "failed" :
			    "skipped");
			put_json(x->state == BK_DNSBL_SKIPPED ? NULL :
			    x->query);
			printf(",\"code\":");
			put_json(x->code);
			printf(",\"meaning\":");
			put_json(x->state == BK_DNSBL_NOT_LISTED ? NULL :
			    x->meaning);
			printf(",\"txt\":");
			put_json(x->txt);
			printf(",\"dns\":\"%s\"}",
			    bk_dns_status_name(x->dns));
			continue;
		}
		if (x->state == BK_DNSBL_SKIPPED)
			continue;
		printf("  %-16s %-12s", x->id,
		    bk_dnsbl_state_name(x->state));
		if (x->code != NULL)
			printf(" %s", x->code);
		if (x->state != BK_DNSBL_NOT_LISTED && x->meaning != NULL) {
			printf(" - ");
			put_text(x->meaning);
		}
		printf("\n");
		if (x->state == BK_DNSBL_LISTED && x->txt != NULL) {
			printf("%31s", "");
			put_text(x->txt);
			printf("\n");
		}
	}
	rd = bk_ipcheck_rdns(c);
	if (o->json)
		printf("]");
	if (rd != NULL) {
		if (!rd->fcrdns)
			problem = 1;
		if (o->json) {
			printf(",\"rdns\":{\"ptr\":\"%s\",\"fcrdns\":%s,"
			    "\"names\":[", bk_dns_status_name(rd->ptr),
			    rd->fcrdns ? "true" : "false");
			for (i = 0; i < rd->count; i++) {
				printf("%s{\"name\":", i ? "," : "");
				put_json(rd->names[i]);
				printf(",\"confirmed\":%s,\"forward\":\"%s\"}",
				    rd->confirmed[i] ? "true" : "false",
				    bk_dns_status_name(rd->forward[i]));
			}
			printf("]}");
		} else {
			printf("Reverse DNS: ");
			if (rd->ptr != BK_DNS_OK)
				printf("no PTR (%s)\n",
				    bk_dns_status_text(rd->ptr));
			else {
				for (i = 0; i < rd->count; i++) {
					printf("%s", i ? ", " : "");
					put_text(rd->names[i]);
					printf(rd->confirmed[i] ?
					    " (confirmed)" :
					    " (forward lookup: %s)",
					    bk_dns_status_text(
					    rd->forward[i]));
				}
				printf("\n");
			}
			printf("Forward-confirmed reverse DNS: %s\n",
			    rd->fcrdns ? "yes" : "NO");
		}
	}
	if (o->json)
		printf(",\"problem\":%s}\n", problem ? "true" : "false");
	bk_ipcheck_free(c);
	bk_resolver_free(r);
	bk_dnsbl_set_free(set);
	return problem ? EXIT_PROBLEM : 0;
}

/* check_domain - MX, SPF tree, DMARC */
static int
check_domain(const struct copts *o, const char *domain)
{
	bk_domaincheck *c = NULL;
	const bk_dns_answer *mx;
	const bk_dmarc_info *d;
	bk_resolver *r;
	size_t i;
	int rc, problem = 0;
	const bk_spf_node *root;

	r = new_resolver(o);
	if (r == NULL)
		return EXIT_USAGE;
	rc = bk_domaincheck_new(&c, r, domain);
	if (rc == BK_EINVAL) {
		fprintf(stderr, "bouncekit: '%s' is not a domain name\n",
		    domain);
		bk_resolver_free(r);
		return EXIT_USAGE;
	}
	if (rc != 0 || bk_domaincheck_start(c) != 0 ||
	    bk_resolver_run(r) != 0) {
		bk_domaincheck_free(c);
		bk_resolver_free(r);
		return EXIT_INTERNAL;
	}
	mx = bk_domaincheck_mx(c);
	d = bk_domaincheck_dmarc(c);
	root = bk_domaincheck_spf_node(c, 0);
	if (root == NULL || root->record == NULL || root->error != NULL ||
	    bk_domaincheck_spf_terms(c) > 10)
		problem = 1;
	if (d->record == NULL || !d->usable)
		problem = 1;
	for (i = 0; i < bk_domaincheck_spf_count(c); i++) {
		const bk_spf_node *n = bk_domaincheck_spf_node(c, i);

		/* a macro target depends on the sender: not a fault */
		if (n->error != NULL &&
		    strncmp(n->error, "target uses macros", 18) != 0)
			problem = 1;
	}
	if (o->json) {
		printf("{\"check\":\"domain\",\"format\":%d,\"domain\":",
		    CHECK_FORMAT);
		put_json(domain);
		printf(",\"mx\":{\"dns\":\"%s\",\"hosts\":[",
		    mx ? bk_dns_status_name(mx->status) : "BK_DNS_BADRESP");
		for (i = 0; mx != NULL && i < mx->count; i++) {
			printf("%s{\"pref\":%u,\"host\":", i ? "," : "",
			    mx->rr[i].pref);
			put_json(mx->rr[i].data);
			printf("}");
		}
		printf("]},\"spf\":{\"dns_terms\":%u,\"tree\":[",
		    bk_domaincheck_spf_terms(c));
		for (i = 0; i < bk_domaincheck_spf_count(c); i++) {
			const bk_spf_node *n = bk_domaincheck_spf_node(c, i);

			printf("%s{\"depth\":%u,\"via\":", i ? "," : "",
			    n->depth);
			put_json(n->via);
			printf(",\"domain\":");
			put_json(n->domain);
			printf(",\"record\":");
			put_json(n->record);
			printf(",\"terms\":%u,\"error\":", n->terms);
			put_json(n->error);
			printf("}");
		}
		printf("]},\"dmarc\":{\"org_domain\":");
		put_json(d->org_domain);
		printf(",\"found_at\":");
		put_json(d->found_at);
		printf(",\"record\":");
		put_json(d->record);
		printf(",\"usable\":%s,\"p\":", d->usable ? "true" : "false");
		put_json(d->p);
		printf(",\"sp\":");
		put_json(d->sp);
		printf(",\"pct\":");
		if (d->pct >= 0)
			printf("%d", d->pct);
		else
			printf("null");
		printf(",\"problems\":");
		put_json(d->problems);
		printf("},\"problem\":%s}\n", problem ? "true" : "false");
	} else {
		printf("Domain %s\n", domain);
		printf("MX: ");
		if (mx == NULL || mx->status != BK_DNS_OK)
			printf("none (%s)\n", mx ?
			    bk_dns_status_text(mx->status) : "?");
		else {
			for (i = 0; i < mx->count; i++) {
				printf("%s%u ", i ? ", " : "",
				    mx->rr[i].pref);
				put_text(mx->rr[i].data[0] ? mx->rr[i].data :
				    ". (null MX: accepts no mail)");
			}
			printf("\n");
		}
		printf("SPF: %u DNS-querying terms in the tree (limit 10)%s\n",
		    bk_domaincheck_spf_terms(c),
		    bk_domaincheck_spf_terms(c) > 10 ?
		    " - TOO MANY: permerror" : "");
		for (i = 0; i < bk_domaincheck_spf_count(c); i++) {
			const bk_spf_node *n = bk_domaincheck_spf_node(c, i);

			printf("  %*s%s%s%s [%u]", (int)n->depth * 2, "",
			    n->via[0] ? n->via : n->domain,
			    n->record ? ": " : "", "", n->terms);
			if (n->record != NULL) {
				printf(" ");
				put_text(n->record);
			}
			if (n->error != NULL)
				printf(" -- %s", n->error);
			printf("\n");
		}
		printf("DMARC (organizational domain %s): ", d->org_domain);
		if (d->record != NULL) {
			printf("%s: ", d->found_at);
			put_text(d->record);
			printf("\n  policy p=%s", d->p ? d->p : "-");
			if (d->sp)
				printf(" sp=%s", d->sp);
			if (d->pct >= 0)
				printf(" pct=%d", d->pct);
			printf(" adkim=%c aspf=%c\n", d->adkim, d->aspf);
		} else
			printf("no record\n");
		if (d->problems != NULL) {
			printf("  findings: ");
			put_text(d->problems);
			printf("\n");
		}
	}
	bk_domaincheck_free(c);
	bk_resolver_free(r);
	return problem ? EXIT_PROBLEM : 0;
}

/* bk_cli_check - dispatch the check subcommands */
int
bk_cli_check(int argc, char **argv)
{
	struct copts o;
	const char *what;

	if (argc < 2) {
		usage_check(stderr);
		return EXIT_USAGE;
	}
	what = argv[1];
	if (strcmp(what, "-h") == 0 || strcmp(what, "--help") == 0) {
		usage_check(stdout);
		return 0;
	}
	if (parse_opts(argc - 1, argv + 1, &o) != 0 ||
	    argc - 1 - optind != 1) {
		usage_check(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(what, "spf") == 0)
		return check_spf(&o, argv[1 + optind]);
	if (strcmp(what, "ip") == 0)
		return check_ip(&o, argv[1 + optind]);
	if (strcmp(what, "domain") == 0)
		return check_domain(&o, argv[1 + optind]);
	fprintf(stderr, "bouncekit: unknown check '%s'\n", what);
	usage_check(stderr);
	return EXIT_USAGE;
}
