/*
 * cmd_check.c - "bouncekit check": SPF, blocklists and reverse DNS, and
 * the domain's MX, blocklists, SPF tree and DMARC, over the public API
 * only.
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
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>

#include "bouncekit/bouncekit.h"
#include "bouncekit/check.h"
#include "cli_opt.h"
#include "cmd_check.h"

#define EXIT_PROBLEM 1
#define EXIT_USAGE 2
#define EXIT_UNREADABLE 3
#define EXIT_NEEDS_DNS 4
#define EXIT_INTERNAL 5
#define MAX_RECORDS 16
#define CHECK_FORMAT 1

struct copts {
	struct bk_cli_dns_opts net;  /* -d -R -i -l -S -t */
	const char *helo;
	int json;
	int offline;
	const char *records[MAX_RECORDS];
	size_t nrec;
	const char *sender;
	int sequential;
	int strict;
};

/* bk_cli_check_usage - usage lines for check */
void
bk_cli_check_usage(FILE *fp)
{
	fprintf(fp,
	    "       bouncekit check spf [-j] [-d SERVER] [-H NAME] "
	    "[-s ADDR] [-t MS]\n"
	    "                             -i IP DOMAIN\n"
	    "       bouncekit check ip [-j] [-d SERVER] [-l FILE] [-t MS] "
	    "IP|DOMAIN\n"
	    "       bouncekit check domain [-j] [-d SERVER] "
	    "[--dmarc-rules 9989|7489]\n"
	    "                                [-l FILE] [-S SELECTOR]... "
	    "[-t MS] DOMAIN\n"
	    "       bouncekit check message [-j] [-d SERVER] "
	    "[--dmarc-rules 9989|7489]\n"
	    "                                [-t MS] FILE\n"
	    "       bouncekit check report [-j] [--strict] FILE...\n"
	    "       bouncekit check spf|domain|message --offline "
	    "[-r [NAME=]RECORD]... ...\n");
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
	    "      --dmarc-rules 9989|7489  DMARC policy discovery and "
	    "evaluation of\n"
	    "                      RFC 9989 (default: DNS tree walk, psd=, "
	    "np=, t=) or\n"
	    "                      RFC 7489 (Public Suffix List, pct=)\n"
	    "  -H, --helo NAME     HELO/EHLO name (SPF %%{h})\n"
	    "  -i, --ip IP         connecting address (SPF)\n"
	    "  -j, --json          one JSON object instead of text\n"
	    "  -l, --lists FILE    blocklist definitions instead of the "
	    "built-in set\n"
	    "  -s, --sender ADDR   MAIL FROM address (SPF)\n"
	    "  -S, --selector NAME DKIM selector to look up (check domain; "
	    "repeatable)\n"
	    "  -t, --timeout MS    per-query timeout (default 2000)\n"
	    "      --sequential    one lookup at a time (benchmark baseline)\n"
	    "      --strict        check report: refuse damaged reports "
	    "instead of\n"
	    "                      repairing them (invalid UTF-8, stray '<', "
	    "gzip trailer)\n"
	    "      --offline       no network: only the records given with "
	    "--record\n"
	    "  -r, --record [NAME=]TEXT  a TXT record for --offline "
	    "(repeatable; without\n"
	    "                      NAME= it goes where its v= says: "
	    "v=spf1 DOMAIN,\n"
	    "                      v=DMARC1 _dmarc.DOMAIN, v=DKIM1 "
	    "SELECTOR._domainkey...)\n"
	    "\n"
	    "Exit status: 0 nothing wrong, 1 a problem found, 2 usage, "
	    "3 unreadable,\n"
	    "4 the check needs DNS (--offline), 5 internal error.\n");
}

/* u8_len - length of the valid UTF-8 sequence at @p (2 to 4), or 0 */
static size_t
u8_len(const unsigned char *p)
{
	size_t l = 0, i;

	if (*p >= 0xc2 && *p <= 0xdf)
		l = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		l = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		l = 4;
	for (i = 1; i < l; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return l;
}

/* put_text - untrusted text for a terminal: valid UTF-8 as it is,
 * control characters, a backslash and bytes that are not UTF-8 as \xNN */
static void
put_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t l;

	/* loop: p advances by one byte or one whole sequence */
	while (p != NULL && *p != '\0') {
		if (*p >= 0x80 && (l = u8_len(p)) > 0) {
			fwrite(p, 1, l, stdout);
			p += l;
		} else if (*p < 0x20 || *p >= 0x7f || *p == '\\') {
			printf("\\x%02x", *p++);
		} else {
			putchar(*p++);
		}
	}
}

/*
 * put_json - a JSON string value, or null: valid UTF-8 as it is
 * ("Caf\u00e9" is text, not its bytes), control characters escaped, and
 * a byte that is not UTF-8 as the code point of the same number
 * (\u00XX: the DNS may carry any byte, and none is lost).
 */
static void
put_json(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t l;

	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	/* loop: p advances by one byte or one whole sequence */
	while (*p != '\0') {
		if (*p >= 0x80 && (l = u8_len(p)) > 0) {
			fwrite(p, 1, l, stdout);
			p += l;
		} else if (*p == '"' || *p == '\\') {
			printf("\\%c", *p++);
		} else if (*p < 0x20 || *p >= 0x7f) {
			printf("\\u%04x", *p++);
		} else {
			putchar(*p++);
		}
	}
	putchar('"');
}

/* json_kv - ,"key":value (a string or null) */
static void
json_kv(const char *key, const char *val)
{
	printf(",\"%s\":", key);
	put_json(val);
}

/* json_num - ,"key":value (a number, or null when negative: absent) */
static void
json_num(const char *key, long long val)
{
	if (val >= 0)
		printf(",\"%s\":%lld", key, val);
	else
		printf(",\"%s\":null", key);
}

static int
parse_opts(int argc, char **argv, struct copts *o)
{
	static const struct option longopts[] = {
		{ "dmarc-rules", required_argument, NULL, 'R' },
		{ "dns", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "helo", required_argument, NULL, 'H' },
		{ "ip", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "lists", required_argument, NULL, 'l' },
		{ "offline", no_argument, NULL, 'O' },
		{ "record", required_argument, NULL, 'r' },
		{ "selector", required_argument, NULL, 'S' },
		{ "sender", required_argument, NULL, 's' },
		{ "sequential", no_argument, NULL, 'Q' },
		{ "strict", no_argument, NULL, 'X' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:hH:i:jl:r:s:S:t:", longopts,
	    NULL)) != -1) {
		int taken = bk_cli_dns_opt(&o->net, c, optarg);

		if (taken < 0)
			return -1;
		if (taken > 0)
			continue;
		switch (c) {
		case 'h':
			usage_check(stdout);
			exit(0);
		case 'H':
			o->helo = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'O':
			o->offline = 1;
			break;
		case 'r':
			if (o->nrec == MAX_RECORDS) {
				fprintf(stderr, "bouncekit: at most %d "
				    "records\n", MAX_RECORDS);
				return -1;
			}
			o->records[o->nrec++] = optarg;
			break;
		case 's':
			o->sender = optarg;
			break;
		case 'Q':
			o->sequential = 1;
			break;
		case 'X':
			o->strict = 1;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* starts - does @t (after blanks) start with @pfx, case-insensitively */
static int
starts(const char *t, const char *pfx)
{
	while (*t == ' ' || *t == '\t')
		t++;
	return strncasecmp(t, pfx, strlen(pfx)) == 0;
}

/*
 * offline_table - the --record records as an offline DNS table.  A
 * record "NAME=TEXT" (NAME has a dot and no blank) goes to NAME; else
 * its v= tag says where: v=spf1 @domain, v=DMARC1 _dmarc.@domain,
 * v=STSv1 _mta-sts.@domain, v=TLSRPTv1 _smtp._tls.@domain, a DKIM key
 * (v=DKIM1, k=, p=) the one --selector's key name.  NULL after a
 * message on stderr.
 */
static bk_dns_static *
offline_table(const struct copts *o, const char *domain)
{
	bk_dns_static *st = NULL;
	char name[600];

	if (bk_dns_static_new(&st) != 0)
		return NULL;
	for (size_t i = 0; i < o->nrec; i++) {
		const char *t = o->records[i], *eq = strchr(t, '=');
		size_t nl = eq ? (size_t)(eq - t) : 0;
		int rc;

		name[0] = '\0';
		if (eq != NULL && nl < sizeof(name) &&
		    memchr(t, '.', nl) != NULL && memchr(t, ' ', nl) == NULL) {
			memcpy(name, t, nl);
			name[nl] = '\0';
			t = eq + 1;
		} else if (domain != NULL && starts(t, "v=spf1")) {
			snprintf(name, sizeof(name), "%s", domain);
		} else if (domain != NULL && starts(t, "v=DMARC1")) {
			snprintf(name, sizeof(name), "_dmarc.%s", domain);
		} else if (domain != NULL && starts(t, "v=STSv1")) {
			snprintf(name, sizeof(name), "_mta-sts.%s", domain);
		} else if (domain != NULL && starts(t, "v=TLSRPTv1")) {
			snprintf(name, sizeof(name), "_smtp._tls.%s", domain);
		} else if (domain != NULL && o->net.nsel == 1 &&
		    (starts(t, "v=DKIM1") || starts(t, "k=") ||
		    starts(t, "p="))) {
			snprintf(name, sizeof(name), "%s._domainkey.%s",
			    o->net.selectors[0], domain);
		}
		if (name[0] == '\0') {
			fprintf(stderr, "bouncekit: cannot tell where record "
			    "'%.40s' belongs: write NAME=RECORD\n", t);
			bk_dns_static_free(st);
			return NULL;
		}
		rc = bk_dns_static_add_txt(st, name, t, strlen(t));
		if (rc != 0) {
			fprintf(stderr, "bouncekit: record for '%.255s': %s\n",
			    name, rc == BK_EINVAL ? "not a domain name" :
			    bk_strerror(rc));
			bk_dns_static_free(st);
			return NULL;
		}
	}
	return st;
}

/*
 * new_resolver - c-ares, or with --offline the --record table (*@st,
 * freed by the caller after the resolver)
 */
static bk_resolver *
new_resolver(const struct copts *o, const char *domain, bk_dns_static **st)
{
	bk_dns_options dopts = BK_DNS_OPTIONS_INIT;
	bk_dns_backend be;
	bk_resolver *r = NULL;
	char *err = NULL;
	int rc;

	*st = NULL;
	if (o->offline) {
		*st = offline_table(o, domain);
		if (*st == NULL)
			return NULL;
		bk_dns_static_backend(*st, &be);
		dopts.backend = &be;
	}
	dopts.servers = o->net.dns;
	dopts.timeout_ms = o->net.timeout_ms;
	dopts.max_inflight = o->sequential ? 1 : 0;
	rc = bk_resolver_new(&r, &dopts, &err);
	if (rc != 0) {
		fprintf(stderr, "bouncekit: resolver: %s\n",
		    err ? err : bk_strerror(rc));
		free(err);
		bk_dns_static_free(*st);
		*st = NULL;
		return NULL;
	}
	return r;
}

static void
free_resolver(bk_resolver *r, bk_dns_static *st)
{
	bk_resolver_free(r);
	bk_dns_static_free(st);
}

/* check_spf - check_host() for one address */
static int
check_spf(const struct copts *o, const char *domain)
{
	bk_spf_options so = BK_SPF_OPTIONS_INIT;
	bk_resolver *r;
	bk_spf *spf = NULL;
	bk_spf_result res;
	bk_dns_static *st = NULL;
	int rc;

	if (o->net.ip == NULL) {
		fprintf(stderr, "bouncekit: check spf needs --ip\n");
		return EXIT_USAGE;
	}
	if (o->offline && o->nrec == 0) {
		fprintf(stderr, "bouncekit: check spf needs DNS: with "
		    "--offline give the SPF record of %s with --record "
		    "'v=spf1 ...'\n", domain);
		return EXIT_NEEDS_DNS;
	}
	r = new_resolver(o, domain, &st);
	if (r == NULL)
		return EXIT_USAGE;
	rc = bk_spf_new(&spf, r, &so, o->net.ip, o->sender, o->helo, domain);
	if (rc == BK_EINVAL) {
		fprintf(stderr, "bouncekit: '%s' is not an IP address\n",
		    o->net.ip);
		free_resolver(r, st);
		return EXIT_USAGE;
	}
	if (rc != 0 || bk_spf_check(spf) != 0) {
		bk_spf_free(spf);
		free_resolver(r, st);
		return EXIT_INTERNAL;
	}
	res = bk_spf_verdict(spf);
	if (o->json) {
		printf("{\"check\":\"spf\",\"format\":%d,\"domain\":",
		    CHECK_FORMAT);
		put_json(bk_spf_domain(spf));
		printf(",\"ip\":");
		put_json(o->net.ip);
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
		    bk_spf_domain(spf), o->net.ip);
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
	if (o->offline && res == BK_SPF_TEMPERROR && !o->json)
		printf("  --offline: the evaluation needs a record that was "
		    "not given; add it with\n  --record NAME=TEXT or run "
		    "without --offline\n");
	bk_spf_free(spf);
	free_resolver(r, st);
	/* offline, a temperror can only be a lookup that was not made */
	if (o->offline && res == BK_SPF_TEMPERROR)
		return EXIT_NEEDS_DNS;
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

/* load_lists - the built-in set, or --lists FILE; 0 or an exit status */
static int
load_lists(const struct copts *o, bk_dnsbl_set **set)
{
	char *err = NULL, *text = NULL;
	size_t len = 0;
	int rc;

	if (o->net.lists != NULL) {
		text = slurp(o->net.lists, &len);
		if (text == NULL) {
			perror(o->net.lists);
			return EXIT_UNREADABLE;
		}
	}
	rc = bk_dnsbl_set_new(set, text, len, &err);
	free(text);
	if (rc != 0) {
		fprintf(stderr, "bouncekit: %s: %s\n",
		    o->net.lists ? o->net.lists : "built-in lists",
		    err ? err : bk_strerror(rc));
		free(err);
		return EXIT_USAGE;
	}
	return 0;
}

/* json_dnsbl - one list result as JSON (after a comma when @i > 0) */
static void
json_dnsbl(size_t i, const bk_dnsbl_result *x)
{
	printf("%s{\"id\":", i ? "," : "");
	put_json(x->id);
	printf(",\"zone\":");
	put_json(x->zone);
	printf(",\"state\":\"%s\",\"query\":",
	    x->state == BK_DNSBL_LISTED ? "listed" :
	    x->state == BK_DNSBL_NOT_LISTED ? "not-listed" :
	    x->state == BK_DNSBL_ERROR ? "error" :
	    x->state == BK_DNSBL_FAILED ? "failed" : "skipped");
	put_json(x->state == BK_DNSBL_SKIPPED || x->query[0] == '\0' ? NULL :
	    x->query);
	printf(",\"code\":");
	put_json(x->code);
	printf(",\"meaning\":");
	put_json(x->state == BK_DNSBL_NOT_LISTED ? NULL : x->meaning);
	printf(",\"txt\":");
	put_json(x->txt);
	printf(",\"dns\":\"%s\"}", bk_dns_status_name(x->dns));
}

/* text_dnsbl - one list result for people */
static void
text_dnsbl(const bk_dnsbl_result *x)
{
	printf("  %-16s %-12s", x->id, bk_dnsbl_state_name(x->state));
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

/* check_ip - blocklists and reverse DNS */
static int
check_ip(const struct copts *o, const char *target)
{
	bk_dnsbl_set *set = NULL;
	bk_ipcheck *c = NULL;
	bk_resolver *r;
	const bk_rdns *rd;
	size_t i;
	int rc, problem = 0;

	bk_dns_static *st = NULL;

	if (o->offline) {
		fprintf(stderr, "bouncekit: check ip needs DNS: blocklist "
		    "listings and reverse DNS exist only as DNS answers, "
		    "nothing can be checked offline\n");
		return EXIT_NEEDS_DNS;
	}
	rc = load_lists(o, &set);
	if (rc != 0)
		return rc;
	r = new_resolver(o, NULL, &st);
	if (r == NULL) {
		bk_dnsbl_set_free(set);
		return EXIT_USAGE;
	}
	rc = bk_ipcheck_new(&c, r, set, target);
	if (rc == BK_EINVAL) {
		fprintf(stderr, "bouncekit: '%s' is neither an address nor "
		    "a domain\n", target);
		free_resolver(r, st);
		bk_dnsbl_set_free(set);
		return EXIT_USAGE;
	}
	if (rc != 0 || bk_ipcheck_start(c) != 0 || bk_resolver_run(r) != 0) {
		bk_ipcheck_free(c);
		free_resolver(r, st);
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
		if (o->json)
			json_dnsbl(i, x);
		else if (x->state != BK_DNSBL_SKIPPED)
			text_dnsbl(x);
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
	free_resolver(r, st);
	bk_dnsbl_set_free(set);
	return problem ? EXIT_PROBLEM : 0;
}

/* json_key - one DKIM key record as JSON */
static void
json_key(size_t i, const bk_dkim_key *k)
{
	printf("%s{\"name\":", i ? "," : "");
	put_json(k->name);
	printf(",\"dns\":\"%s\",\"record\":", bk_dns_status_name(k->dns));
	put_json(k->record);
	printf(",\"usable\":%s,\"type\":", k->usable ? "true" : "false");
	put_json(k->record ? k->type : NULL);
	printf(",\"bits\":%u,\"revoked\":%s,\"testing\":%s,\"strict\":%s,"
	    "\"problem\":", k->bits, k->revoked ? "true" : "false",
	    k->testing ? "true" : "false", k->strict ? "true" : "false");
	put_json(k->problem);
	printf("}");
}

/* text_key - one DKIM key record for people */
static void
text_key(const bk_dkim_key *k)
{
	printf("DKIM key ");
	put_text(k->name);
	printf(": ");
	if (k->record == NULL)
		printf("none (%s)", bk_dns_status_text(k->dns));
	else if (k->revoked)
		printf("revoked (empty p=)");
	else {
		put_text(k->type);
		if (k->bits)
			printf(" %u bits", k->bits);
		printf("%s%s%s", k->testing ? ", testing (t=y)" : "",
		    k->strict ? ", strict (t=s)" : "",
		    k->usable ? "" : ", UNUSABLE");
	}
	printf("\n");
	if (k->problem != NULL && !k->revoked) {
		printf("  ");
		put_text(k->problem);
		printf("\n");
	}
}

static void
json_txtpol(const bk_txtpolicy *t)
{
	printf("{\"name\":");
	put_json(t->name);
	printf(",\"dns\":\"%s\",\"record\":", bk_dns_status_name(t->dns));
	put_json(t->record);
	printf(",\"valid\":%s,\"problem\":", t->valid ? "true" : "false");
	put_json(t->problem);
	printf("}");
}

static void
text_txtpol(const char *what, const bk_txtpolicy *t)
{
	printf("%s (", what);
	put_text(t->name);
	printf("): ");
	if (t->record != NULL)
		put_text(t->record);
	else
		printf("no record");
	printf("%s\n", t->record && !t->valid ? " - INVALID" : "");
	if (t->problem != NULL) {
		printf("  ");
		put_text(t->problem);
		printf("\n");
	}
}

/* check_domain - MX, domain blocklists, SPF tree, DMARC */
static int
check_domain(const struct copts *o, const char *domain)
{
	bk_domaincheck *c = NULL;
	bk_dnsbl_set *set = NULL;
	const bk_dns_answer *mx;
	const bk_dmarc_info *d;
	bk_dmarc_info walk;
	bk_dmarc *dm = NULL;
	bk_resolver *r;
	size_t i;
	int rc, problem = 0;
	const bk_spf_node *root;
	const bk_txtpolicy *sts, *rpt;
	bk_dns_static *st = NULL;

	if (o->offline && o->nrec == 0) {
		fprintf(stderr, "bouncekit: check domain needs DNS: with "
		    "--offline give the records to check with --record "
		    "(v=spf1..., v=DMARC1..., a DKIM key with one -S, "
		    "NAME=TEXT)\n");
		return EXIT_NEEDS_DNS;
	}
	/* listings exist only as DNS answers: none offline */
	if (!o->offline) {
		rc = load_lists(o, &set);
		if (rc != 0)
			return rc;
	}
	r = new_resolver(o, domain, &st);
	if (r == NULL) {
		bk_dnsbl_set_free(set);
		return EXIT_USAGE;
	}
	rc = bk_domaincheck_new(&c, r, domain);
	if (rc == BK_EINVAL) {
		fprintf(stderr, "bouncekit: '%s' is not a domain name\n",
		    domain);
		free_resolver(r, st);
		bk_dnsbl_set_free(set);
		return EXIT_USAGE;
	}
	for (i = 0; rc == 0 && i < o->net.nsel; i++)
		if (bk_domaincheck_add_selector(c, o->net.selectors[i]) != 0) {
			fprintf(stderr, "bouncekit: '%s' is not a selector\n",
			    o->net.selectors[i]);
			bk_domaincheck_free(c);
			free_resolver(r, st);
			bk_dnsbl_set_free(set);
			return EXIT_USAGE;
		}
	if (rc == 0 && set != NULL)
		rc = bk_domaincheck_set_lists(c, set);
	/* RFC 9989: the tree walk finds the policy record and the
	 * organizational domain (bk_domaincheck asks _dmarc.<domain> and
	 * _dmarc.<PSL org>, the RFC 7489 way) */
	if (rc == 0 && o->net.dmarc_rules == BK_DMARC_RFC9989 &&
	    (bk_dmarc_new(&dm, r, domain) != 0 ||
	    bk_dmarc_prefetch(dm) != 0)) {
		bk_dmarc_free(dm);
		dm = NULL;
	}
	if (rc != 0 || bk_domaincheck_start(c) != 0 ||
	    bk_resolver_run(r) != 0 || (dm != NULL &&
	    (bk_dmarc_start(dm, NULL, NULL) != 0 ||
	    bk_resolver_run(r) != 0))) {
		bk_dmarc_free(dm);
		bk_domaincheck_free(c);
		free_resolver(r, st);
		bk_dnsbl_set_free(set);
		return EXIT_INTERNAL;
	}
	for (i = 0; i < bk_domaincheck_dnsbl_count(c); i++)
		if (bk_domaincheck_dnsbl_result(c, i)->state ==
		    BK_DNSBL_LISTED)
			problem = 1;
	mx = bk_domaincheck_mx(c);
	d = bk_domaincheck_dmarc(c);
	if (dm != NULL && bk_dmarc_is_done(dm) &&
	    bk_dmarc_verdict(dm) != BK_DMARC_TEMPERROR) {
		const bk_dmarc_info *w = bk_dmarc_record(dm);

		/* the walk's record when it is another one (a parent the
		 * PSL skips); else the domain check's findings with the
		 * walk's organizational domain */
		if (w->found_at != NULL && (d->found_at == NULL ||
		    strcmp(w->found_at, d->found_at) != 0))
			walk = *w;
		else {
			walk = *d;
			walk.org_domain = w->org_domain;
		}
		d = &walk;
	}
	root = bk_domaincheck_spf_node(c, 0);
	/* offline, what was not given is not checked, not a problem */
	if ((root == NULL || root->record == NULL || root->error != NULL ||
	    bk_domaincheck_spf_terms(c) > 10) &&
	    !(root != NULL && root->dns == BK_DNS_OFFLINE))
		problem = 1;
	if ((d->record == NULL || !d->usable) && d->dns != BK_DNS_OFFLINE)
		problem = 1;
	for (i = 0; i < bk_domaincheck_dkim_count(c); i++)
		if (!bk_domaincheck_dkim_key(c, i)->usable &&
		    bk_domaincheck_dkim_key(c, i)->dns != BK_DNS_OFFLINE)
			problem = 1;
	sts = bk_domaincheck_mtasts(c);
	rpt = bk_domaincheck_tlsrpt(c);
	if ((sts->record != NULL && !sts->valid) ||
	    (rpt->record != NULL && !rpt->valid))
		problem = 1;
	for (i = 0; i < bk_domaincheck_spf_count(c); i++) {
		const bk_spf_node *n = bk_domaincheck_spf_node(c, i);

		/* a macro target depends on the sender: not a fault */
		if (n->error != NULL && n->dns != BK_DNS_OFFLINE &&
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
		printf("]},\"blocklists\":[");
		for (i = 0; i < bk_domaincheck_dnsbl_count(c); i++)
			json_dnsbl(i, bk_domaincheck_dnsbl_result(c, i));
		printf("],\"spf\":{\"dns_terms\":%u,\"tree\":[",
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
		json_num("pct", d->pct);
		printf(",\"problems\":");
		put_json(d->problems);
		printf(",\"rules\":\"%s\"},\"dkim\":[",
		    bk_dmarc_rules_name(o->net.dmarc_rules));
		for (i = 0; i < bk_domaincheck_dkim_count(c); i++)
			json_key(i, bk_domaincheck_dkim_key(c, i));
		printf("],\"mta_sts\":");
		json_txtpol(sts);
		printf(",\"tls_rpt\":");
		json_txtpol(rpt);
		printf(",\"problem\":%s}\n", problem ? "true" : "false");
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
		if (bk_domaincheck_dnsbl_count(c) > 0)
			printf("Domain blocklists:\n");
		for (i = 0; i < bk_domaincheck_dnsbl_count(c); i++)
			text_dnsbl(bk_domaincheck_dnsbl_result(c, i));
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
		printf("DMARC (%s rules, organizational domain %s): ",
		    bk_dmarc_rules_name(o->net.dmarc_rules), d->org_domain);
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
		for (i = 0; i < bk_domaincheck_dkim_count(c); i++)
			text_key(bk_domaincheck_dkim_key(c, i));
		text_txtpol("MTA-STS", sts);
		text_txtpol("TLS-RPT", rpt);
	}
	bk_dmarc_free(dm);
	bk_domaincheck_free(c);
	free_resolver(r, st);
	bk_dnsbl_set_free(set);
	return problem ? EXIT_PROBLEM : 0;
}

/* sender_domain - the domain SPF checks: MAIL FROM's, or the HELO name
 * for a null sender (RFC 7208 2.4) */
static const char *
sender_domain(const bk_msg_trace *t)
{
	const char *at = strrchr(t->mail_from, '@');

	if (at != NULL && at[1] != '\0')
		return at + 1;
	if (t->helo[0] != '\0')
		return t->helo;
	return NULL;
}

/*
 * check_message - DKIM of every signature, SPF of the connecting address
 * when the trace fields name it, then DMARC with both results.  DKIM,
 * SPF and the DMARC record lookups share the resolver and run together;
 * the DMARC verdict is decided once the results are in.
 */
static int
check_message(const struct copts *o, const char *path)
{
	bk_msg_trace t;
	bk_resolver *r;
	bk_dkim *dk = NULL;
	bk_spf *spf = NULL;
	bk_dmarc *dm = NULL;
	char *msg;
	size_t len, i;
	const char *sdom;
	int problem = 0, rc;
	bk_dkim_result dres;
	bk_dns_static *st = NULL;
	int temp = 0;

	msg = slurp(path, &len);
	if (msg == NULL) {
		fprintf(stderr, "bouncekit: cannot read '%s'\n", path);
		return EXIT_UNREADABLE;
	}
	r = new_resolver(o, NULL, &st);
	if (r == NULL) {
		free(msg);
		return EXIT_USAGE;
	}
	rc = bk_trace_parse(&t, msg, len);
	/* the DMARC records need only the From domain: ask for them now,
	 * together with the DKIM keys and SPF (one round trip less) */
	if (rc == 0 && t.from_domain[0] != '\0' &&
	    bk_dmarc_new(&dm, r, t.from_domain) == 0) {
		rc = bk_dmarc_set_rules(dm, o->net.dmarc_rules);
		if (rc == 0)
			rc = bk_dmarc_prefetch(dm);
	}
	if (rc == 0)
		rc = bk_dkim_new(&dk, r, NULL, msg, len);
	if (rc == 0)
		rc = bk_dkim_start(dk, NULL, NULL);
	sdom = sender_domain(&t);
	if (rc == 0 && t.ip[0] != '\0' && sdom != NULL) {
		const char *sender = strchr(t.mail_from, '@') ? t.mail_from :
		    NULL;

		if (bk_spf_new(&spf, r, NULL, t.ip, sender,
		    t.helo[0] ? t.helo : NULL, sdom) == 0)
			rc = bk_spf_start(spf, NULL, NULL);
	}
	if (rc == 0)
		rc = bk_resolver_run(r);
	if (rc == 0 && dm != NULL) {
		if (spf != NULL)
			bk_dmarc_add_spf(dm, sdom, bk_spf_verdict(spf));
		for (i = 0; i < bk_dkim_count(dk); i++) {
			const bk_dkim_sig *s = bk_dkim_signature(dk, i);

			if (s->domain != NULL)
				bk_dmarc_add_dkim(dm, s->domain, s->result);
		}
		rc = bk_dmarc_check(dm);
	}
	if (rc != 0) {
		bk_dmarc_free(dm);
		bk_spf_free(spf);
		bk_dkim_free(dk);
		free_resolver(r, st);
		free(msg);
		return EXIT_INTERNAL;
	}
	dres = bk_dkim_verdict(dk);
	if (o->offline) {
		/* offline, temperror = a lookup not made: not a problem of
		 * the message, but the check needs DNS */
		temp = dres == BK_DKIM_TEMPERROR || (spf != NULL &&
		    bk_spf_verdict(spf) == BK_SPF_TEMPERROR) ||
		    (dm != NULL && bk_dmarc_verdict(dm) == BK_DMARC_TEMPERROR);
		if ((dres != BK_DKIM_PASS && dres != BK_DKIM_TEMPERROR) ||
		    (spf != NULL && bk_spf_verdict(spf) != BK_SPF_PASS &&
		    bk_spf_verdict(spf) != BK_SPF_TEMPERROR) || dm == NULL ||
		    (bk_dmarc_verdict(dm) != BK_DMARC_PASS &&
		    bk_dmarc_verdict(dm) != BK_DMARC_TEMPERROR))
			problem = 1;
	} else if (dres != BK_DKIM_PASS || (spf != NULL &&
	    bk_spf_verdict(spf) != BK_SPF_PASS) || dm == NULL ||
	    bk_dmarc_verdict(dm) != BK_DMARC_PASS)
		problem = 1;
	if (o->json) {
		printf("{\"check\":\"message\",\"format\":%d,\"file\":",
		    CHECK_FORMAT);
		put_json(path);
		printf(",\"trace\":{\"ip\":");
		put_json(t.ip[0] ? t.ip : NULL);
		printf(",\"ip_source\":");
		put_json(t.ip_source);
		printf(",\"helo\":");
		put_json(t.helo[0] ? t.helo : NULL);
		printf(",\"mail_from\":");
		put_json(t.mail_from[0] ? t.mail_from : NULL);
		printf(",\"mail_from_source\":");
		put_json(t.mail_from_source);
		printf(",\"from_domain\":");
		put_json(t.from_domain[0] ? t.from_domain : NULL);
		printf("},\"dkim\":{\"result\":\"%s\",\"signatures\":[",
		    bk_dkim_result_name(dres));
		for (i = 0; i < bk_dkim_count(dk); i++) {
			const bk_dkim_sig *s = bk_dkim_signature(dk, i);

			printf("%s{\"result\":\"%s\",\"domain\":", i ? "," : "",
			    bk_dkim_result_name(s->result));
			put_json(s->domain);
			printf(",\"selector\":");
			put_json(s->selector);
			printf(",\"algorithm\":");
			put_json(s->algorithm);
			printf(",\"detail\":");
			put_json(s->detail);
			printf(",\"key\":");
			json_key(0, &s->key);
			printf("}");
		}
		printf("],\"skipped\":%zu},\"spf\":", bk_dkim_skipped(dk));
		if (spf == NULL)
			printf("null");
		else {
			printf("{\"result\":\"%s\",\"domain\":",
			    bk_spf_result_name(bk_spf_verdict(spf)));
			put_json(bk_spf_domain(spf));
			printf(",\"detail\":");
			put_json(bk_spf_detail(spf));
			printf("}");
		}
		printf(",\"dmarc\":");
		if (dm == NULL)
			printf("null");
		else {
			printf("{\"result\":\"%s\",\"policy_domain\":",
			    bk_dmarc_result_name(bk_dmarc_verdict(dm)));
			put_json(bk_dmarc_policy_domain(dm));
			printf(",\"disposition\":\"%s\",\"spf_aligned\":%s,"
			    "\"dkim_aligned\":%s,\"detail\":",
			    bk_dmarc_disposition(dm),
			    bk_dmarc_spf_aligned(dm) ? "true" : "false",
			    bk_dmarc_dkim_aligned(dm) ? "true" : "false");
			put_json(bk_dmarc_detail(dm));
			printf(",\"rules\":\"%s\"}",
			    bk_dmarc_rules_name(bk_dmarc_rules_of(dm)));
		}
		printf(",\"problem\":%s}\n", problem ? "true" : "false");
	} else {
		printf("Message %s\n  connecting IP: ", path);
		put_text(t.ip[0] ? t.ip : "unknown");
		if (t.ip_source)
			printf(" (%s)", t.ip_source);
		printf(", HELO: ");
		put_text(t.helo[0] ? t.helo : "unknown");
		printf("\n  MAIL FROM: ");
		put_text(t.mail_from[0] ? t.mail_from : "unknown");
		if (t.mail_from_source)
			printf(" (%s)", t.mail_from_source);
		printf(", From domain: ");
		put_text(t.from_domain[0] ? t.from_domain : "none");
		printf("\nDKIM %s (%zu signature%s", bk_dkim_result_name(dres),
		    bk_dkim_count(dk), bk_dkim_count(dk) == 1 ? "" : "s");
		if (bk_dkim_skipped(dk) > 0)
			printf("; %zu more past the limit of %d, not checked",
			    bk_dkim_skipped(dk), BK_LIMIT_DKIM_SIGNATURES);
		printf(")\n");
		for (i = 0; i < bk_dkim_count(dk); i++) {
			const bk_dkim_sig *s = bk_dkim_signature(dk, i);

			printf("  d=");
			put_text(s->domain ? s->domain : "?");
			printf(" s=");
			put_text(s->selector ? s->selector : "?");
			printf(" a=");
			put_text(s->algorithm ? s->algorithm : "?");
			printf(": %s - ", bk_dkim_result_name(s->result));
			put_text(s->detail);
			if (s->key.bits)
				printf(" [%s %u bits]", s->key.type,
				    s->key.bits);
			printf("\n");
		}
		if (spf != NULL) {
			printf("SPF %s for %s from %s: ",
			    bk_spf_result_name(bk_spf_verdict(spf)),
			    bk_spf_domain(spf), t.ip);
			put_text(bk_spf_detail(spf));
			printf("\n");
		} else
			printf("SPF not checked: the trace fields do not name "
			    "the connecting address and sender\n");
		if (dm != NULL) {
			const char *pd = bk_dmarc_policy_domain(dm);

			printf("DMARC %s for %s (%s rules): ",
			    bk_dmarc_result_name(bk_dmarc_verdict(dm)),
			    bk_dmarc_from(dm),
			    bk_dmarc_rules_name(bk_dmarc_rules_of(dm)));
			put_text(bk_dmarc_detail(dm));
			printf("\n  policy domain %s, disposition %s\n",
			    pd ? pd : "-", bk_dmarc_disposition(dm));
		} else
			printf("DMARC not checked: no From domain\n");
	}
	bk_dmarc_free(dm);
	bk_spf_free(spf);
	bk_dkim_free(dk);
	free_resolver(r, st);
	free(msg);
	return problem ? EXIT_PROBLEM : temp ? EXIT_NEEDS_DNS : 0;
}

/* slurp_report - a whole report file, at most one byte over the
 * library's bound (so that the library names the limit) */
static char *
slurp_report(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t max = BK_LIMIT_DMARC_REPORT_BYTES + 1, cap = 0, n = 0, got;
	char *buf = NULL;

	if (f == NULL)
		return NULL;
	/* loop: bounded by the file's size and max */
	do {
		char *nb;

		if (n == cap) {
			if (cap >= max)
				break;
			cap = cap ? cap * 2 : 64 * 1024;
			if (cap > max)
				cap = max;
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
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (buf == NULL)
		buf = malloc(1);
	*len = n;
	return buf;
}

/* report_json - one report as one JSON object on one line */
static void
report_json(const char *path, const bk_dmarc_report *r)
{
	bk_dmarc_report_kind k = bk_dmarc_report_kind_of(r);
	const bk_dmarc_report_meta *m = bk_dmarc_report_metadata(r);
	const bk_dmarc_failure_info *f = bk_dmarc_report_failure(r);
	const char *err = NULL, *diag = NULL;
	bk_severity sev = bk_dmarc_report_diagnostic(r, &diag);
	static const char *const sevs[] = { "none", "style", "warning",
	    "damaged", "unsupported" };
	int code = bk_dmarc_report_error(r, &err);

	printf("{\"check\":\"report\",\"format\":%d,\"file\":", CHECK_FORMAT);
	put_json(path);
	printf(",\"kind\":\"%s\",\"container\":\"%s\"",
	    bk_dmarc_report_kind_name(k), bk_dmarc_report_container(r));
	printf(",\"error\":");
	if (k == BK_DMARC_REPORT_ERROR) {
		printf("{\"code\":\"%s\",\"message\":", bk_error_name(code));
		put_json(err);
		printf("}");
	} else
		printf("null");
	printf(",\"diagnostic\":");
	if (sev != BK_SEV_NONE) {
		printf("{\"severity\":\"%s\",\"text\":", sevs[sev]);
		put_json(diag);
		printf("}");
	} else
		printf("null");
	if (m != NULL) {
		printf(",\"report_metadata\":{\"version\":");
		put_json(m->version);
		json_kv("org_name", m->org_name);
		json_kv("email", m->email);
		json_kv("extra_contact_info", m->extra_contact_info);
		json_kv("report_id", m->report_id);
		json_kv("generator", m->generator);
		json_num("begin", m->begin);
		json_num("end", m->end);
		json_kv("errors", m->errors);
		printf("},\"policy_published\":{\"domain\":");
		put_json(m->domain);
		json_kv("adkim", m->adkim);
		json_kv("aspf", m->aspf);
		json_kv("p", m->p);
		json_kv("sp", m->sp);
		json_kv("np", m->np);
		json_num("pct", m->pct);
		json_kv("fo", m->fo);
		json_kv("testing", m->testing);
		json_kv("discovery_method", m->discovery_method);
		printf("},\"records\":[");
		for (size_t i = 0; i < bk_dmarc_report_count(r); i++) {
			const bk_dmarc_report_row *w =
			    bk_dmarc_report_row_at(r, i);

			printf("%s{\"source_ip\":", i ? "," : "");
			put_json(w->source_ip);
			printf(",\"count\":");
			if (w->has_count)
				printf("%llu", w->count);
			else
				printf("null");
			printf(",\"policy_evaluated\":{\"disposition\":");
			put_json(w->disposition);
			json_kv("dkim", w->dkim);
			json_kv("spf", w->spf);
			json_kv("reasons", w->reasons);
			printf("},\"identifiers\":{\"header_from\":");
			put_json(w->header_from);
			json_kv("envelope_from", w->envelope_from);
			json_kv("envelope_to", w->envelope_to);
			printf("},\"auth_results\":[");
			for (size_t j = 0; j < w->nauth; j++) {
				const bk_dmarc_report_auth *a = &w->auth[j];

				printf("%s{\"method\":\"%s\"", j ? "," : "",
				    a->method);
				json_kv("domain", a->domain);
				if (a->selector != NULL)
					json_kv("selector", a->selector);
				if (a->scope != NULL)
					json_kv("scope", a->scope);
				json_kv("result", a->result);
				if (a->human_result != NULL)
					json_kv("human_result",
					    a->human_result);
				printf("}");
			}
			printf("]}");
		}
		printf("]");
	}
	if (f != NULL) {
		printf(",\"failure\":{\"arf\":%s", f->arf ? "true" : "false");
		json_kv("feedback_type", f->feedback_type);
		json_kv("auth_failure", f->auth_failure);
		json_kv("source_ip", f->source_ip);
		json_kv("reported_domain", f->reported_domain);
		json_kv("original_mail_from", f->original_mail_from);
		json_kv("original_rcpt_to", f->original_rcpt_to);
		json_kv("delivery_result", f->delivery_result);
		json_kv("dkim_domain", f->dkim_domain);
		json_kv("dkim_selector", f->dkim_selector);
		json_kv("arrival_date", f->arrival_date);
		json_kv("identity_alignment", f->identity_alignment);
		json_kv("authentication_results", f->authentication_results);
		json_kv("user_agent", f->user_agent);
		json_kv("from", f->from);
		json_kv("subject", f->subject);
		printf("}");
	}
	printf("}\n");
}

/* put_time - a Unix time as UTC, or "?" */
static void
put_time(long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (t < 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		printf("?");
		return;
	}
	printf("%s", buf);
}

/* put_field - "  label: value" when the value is known */
static void
put_field(const char *label, const char *val)
{
	if (val == NULL)
		return;
	printf("  %-19s ", label);
	put_text(val);
	printf("\n");
}

/* report_text - one report for people */
static void
report_text(const char *path, const bk_dmarc_report *r)
{
	bk_dmarc_report_kind k = bk_dmarc_report_kind_of(r);
	const bk_dmarc_report_meta *m = bk_dmarc_report_metadata(r);
	const bk_dmarc_failure_info *f = bk_dmarc_report_failure(r);
	const char *err = NULL, *diag = NULL;
	unsigned long long total = 0;
	size_t n = bk_dmarc_report_count(r);

	(void)bk_dmarc_report_error(r, &err);
	printf("Report ");
	put_text(path);
	printf(": %s (%s)\n", bk_dmarc_report_kind_name(k),
	    bk_dmarc_report_container(r));
	if (k == BK_DMARC_REPORT_ERROR) {
		printf("  error: ");
		put_text(err);
		printf("\n");
	}
	if (bk_dmarc_report_diagnostic(r, &diag) != BK_SEV_NONE) {
		printf("  note: ");
		put_text(diag);
		printf("\n");
	}
	if (m != NULL) {
		for (size_t i = 0; i < n; i++)
			total += bk_dmarc_report_row_at(r, i)->count;
		put_field("from:", m->org_name);
		put_field("contact:", m->email);
		put_field("report id:", m->report_id);
		printf("  %-19s ", "period (UTC):");
		put_time(m->begin);
		printf(" to ");
		put_time(m->end);
		printf("\n  %-19s ", "policy published:");
		put_text(m->domain ? m->domain : "?");
		printf(" p=");
		put_text(m->p ? m->p : "?");
		if (m->sp != NULL) {
			printf(" sp=");
			put_text(m->sp);
		}
		if (m->np != NULL) {
			printf(" np=");
			put_text(m->np);
		}
		if (m->pct >= 0)
			printf(" pct=%d", m->pct);
		if (m->adkim != NULL) {
			printf(" adkim=");
			put_text(m->adkim);
		}
		if (m->aspf != NULL) {
			printf(" aspf=");
			put_text(m->aspf);
		}
		printf("\n  %-19s %zu, %llu message%s\n", "records:", n, total,
		    total == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++) {
			const bk_dmarc_report_row *w =
			    bk_dmarc_report_row_at(r, i);

			printf("    ");
			put_text(w->source_ip ? w->source_ip : "?");
			printf(" x%llu ", w->count);
			put_text(w->disposition ? w->disposition : "?");
			printf(" dkim=");
			put_text(w->dkim ? w->dkim : "?");
			printf(" spf=");
			put_text(w->spf ? w->spf : "?");
			printf(" from=");
			put_text(w->header_from ? w->header_from : "?");
			for (size_t j = 0; j < w->nauth; j++) {
				const bk_dmarc_report_auth *a = &w->auth[j];

				printf(" | %s ", a->method);
				put_text(a->domain && a->domain[0] ? a->domain :
				    "?");
				if (a->selector != NULL) {
					printf("/");
					put_text(a->selector);
				}
				printf(" ");
				put_text(a->result ? a->result : "?");
			}
			if (w->reasons != NULL) {
				printf(" (");
				put_text(w->reasons);
				printf(")");
			}
			printf("\n");
		}
	}
	if (f != NULL) {
		put_field("feedback type:", f->feedback_type);
		put_field("auth failure:", f->auth_failure);
		put_field("reported domain:", f->reported_domain);
		put_field("source IP:", f->source_ip);
		put_field("arrival date:", f->arrival_date);
		put_field("mail from:", f->original_mail_from);
		put_field("rcpt to:", f->original_rcpt_to);
		put_field("delivery result:", f->delivery_result);
		put_field("dkim domain:", f->dkim_domain);
		put_field("dkim selector:", f->dkim_selector);
		put_field("message From:", f->from);
		put_field("message Subject:", f->subject);
		if (!f->arf)
			printf("  (plain-text report, no ARF part)\n");
	}
}

/*
 * check_reports - read DMARC report files (aggregate or failure).  Exit
 * status: 0 every file is a report; 1 some file is not (kind error);
 * 3 some file could not be read (the worst wins); 5 out of memory.
 */
static int
check_reports(const struct copts *o, int nfiles, char **files)
{
	bk_dmarc_report_options ro = BK_DMARC_REPORT_OPTIONS_INIT;
	int status = 0;

	ro.strict = o->strict;
	for (int i = 0; i < nfiles; i++) {
		bk_dmarc_report *r = NULL;
		size_t len;
		char *data = slurp_report(files[i], &len);

		if (data == NULL) {
			fprintf(stderr, "bouncekit: cannot read '%s'\n",
			    files[i]);
			if (status < EXIT_UNREADABLE)
				status = EXIT_UNREADABLE;
			continue;
		}
		if (bk_dmarc_report_parse(&r, data, len, &ro) != 0) {
			free(data);
			fprintf(stderr, "bouncekit: out of memory\n");
			return EXIT_INTERNAL;
		}
		free(data);
		if (o->json)
			report_json(files[i], r);
		else
			report_text(files[i], r);
		if (bk_dmarc_report_kind_of(r) == BK_DMARC_REPORT_ERROR &&
		    status < EXIT_PROBLEM)
			status = EXIT_PROBLEM;
		bk_dmarc_report_free(r);
	}
	return status;
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
	    (strcmp(what, "report") == 0 ? argc - 1 - optind < 1 :
	    argc - 1 - optind != 1)) {
		usage_check(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(what, "report") == 0) {
		if (o.offline || o.nrec > 0 || o.net.dns != NULL) {
			fprintf(stderr, "bouncekit: check report reads files "
			    "and asks no DNS: --dns, --offline and --record "
			    "do not apply\n");
			return EXIT_USAGE;
		}
		return check_reports(&o, argc - 1 - optind,
		    argv + 1 + optind);
	}
	if (o.strict) {
		fprintf(stderr, "bouncekit: --strict is for check report\n");
		return EXIT_USAGE;
	}
	if (o.nrec > 0 && !o.offline) {
		fprintf(stderr, "bouncekit: --record is for --offline (online "
		    "checks read the records from DNS)\n");
		return EXIT_USAGE;
	}
	if (o.offline && o.net.dns != NULL) {
		fprintf(stderr, "bouncekit: --offline makes no query: "
		    "--dns does not apply\n");
		return EXIT_USAGE;
	}
	if (strcmp(what, "spf") == 0)
		return check_spf(&o, argv[1 + optind]);
	if (strcmp(what, "ip") == 0)
		return check_ip(&o, argv[1 + optind]);
	if (strcmp(what, "domain") == 0)
		return check_domain(&o, argv[1 + optind]);
	if (strcmp(what, "message") == 0)
		return check_message(&o, argv[1 + optind]);
	fprintf(stderr, "bouncekit: unknown check '%s'\n", what);
	usage_check(stderr);
	return EXIT_USAGE;
}
