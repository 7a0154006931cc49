/*
 * diagnose.c - a bounce and the DNS checks its cause calls for, ending in
 * per-check verdicts and one overall line (diagnose.h).
 *
 * Flow: bk_diagnosis_new() reads the record and the returned message
 * as the decoders found it (bk_message_returned(): whole, headers only
 * or inline; its Received, Return-Path, From and DKIM-Signature fields),
 * decides the plan, the sending IP and the domains.
 * bk_diagnosis_start() queues every lookup on the one resolver:
 * blocklists and reverse DNS (bk_ipcheck), SPF (bk_spf), DKIM
 * verification of the returned message (bk_dkim) and the DKIM keys of
 * the selectors seen; when SPF and DKIM are done their callbacks start
 * the DMARC evaluation, still inside the same bk_resolver_run().
 * bk_diagnosis_finish() turns the results into checks and the summary.
 *
 * Invariants: every string a check holds lives in the diagnosis' arena
 * or in a handle the diagnosis owns; the message and record are borrowed
 * and must outlive it.  The pending counter counts started SPF/DKIM
 * evaluations that have not called back; DMARC starts once, when it is
 * zero and starting is over.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bouncekit/diagnose.h"
#include "bouncekit/errors.h"
#include "check/check_int.h"
#include "diagnose/diagnose_int.h"
#include "message/message_int.h"
#include "util/util_int.h"

#define DIAG_MAX_RECEIVED 64
#define DIAG_MAX_KEYS (BK_LIMIT_DKIM_SELECTORS + BK_LIMIT_DKIM_SIGNATURES)
#define DIAG_MAX_CHECKS (BK_LIMIT_DNSBL_LISTS * 2 + DIAG_MAX_KEYS + 8)

/* A domain asked of the domain blocklists, and where it was seen. */
struct ddom {
	char name[256];
	const char *source;        /* "the From domain", "a link in..." */
	bk_ipcheck *c;
};

struct dkey {
	bk_diagnosis *d;
	char name[320];            /* selector._domainkey.domain */
	bk_dkim_key key;
	char problem[160];
	int answered;
};

/* One header field of the returned message. */
struct rfield {
	bk_str name;
	bk_str value;              /* unfolded and trimmed */
};

static int lists_has(const char *text, size_t len, const char *id,
    const char *zone, char *kind, size_t kcap);

struct bk_diagnosis {
	bk_dmarc_rules dmarc_rules;
	bk__arena *a;
	bk_resolver *r;
	const bk_classifier *cls;
	bk_message *msg;
	const bk_record *rec;
	char errmsg[256];

	unsigned plan;
	unsigned primary;          /* the plan bit the cause itself set */
	const char *plan_why;

	char ip[64];
	bk_diag_ip_source ipsrc;
	const char *ipdetail;

	bk_diag_returned returned;
	const char *ret;           /* returned message (or its headers),
				    * owned by the message */
	size_t retlen;
	struct rfield *reth;       /* its header fields, topmost first */
	size_t nreth;
	const char *aligned_sig;   /* d= of a DKIM-Signature aligned with
				    * the From domain, seen in the headers */

	char spf_domain[256];
	char sender[512];
	char from_domain[256];
	char rcpt_domain[256];
	char remote[256];

	char *lists;               /* set text (heap) */
	bk_dnsbl_set *set;
	bk_ipcheck *ipc;
	const char *named_id;      /* blocklist the bounce names */
	const char *named_zone;    /* its zone, if the text names one */
	const char *set_text;      /* the definitions the set loads */
	size_t set_len;
	struct ddom doms[BK_LIMIT_DIAG_DOMAINS];
	size_t ndoms;
	size_t doms_over;          /* domains found past the limit */

	bk_spf *spf;
	bk_dkim *dkim;
	bk_dmarc *dmarc;
	struct dkey keys[DIAG_MAX_KEYS];
	size_t nkeys;
	long long now;

	int pending, starting, started, finished, oom;
	int dmarc_started;         /* results added, bk_dmarc_start called */

	bk_diag_check checks[DIAG_MAX_CHECKS];
	size_t nchecks;
	bk_diag_state verdict;
	const char *summary;
};

static const char *const state_ids[] = {
#define BK_DIAG_STATE_ID(code, name, id, text) id,
	BK_DIAG_STATE_LIST(BK_DIAG_STATE_ID)
#undef BK_DIAG_STATE_ID
};

static const char *const state_texts[] = {
#define BK_DIAG_STATE_TEXT(code, name, id, text) text,
	BK_DIAG_STATE_LIST(BK_DIAG_STATE_TEXT)
#undef BK_DIAG_STATE_TEXT
};

/* bk_diag_state_id - see diagnose.h */
const char *
bk_diag_state_id(bk_diag_state st)
{
	return (unsigned)st < BK_DIAG_STATE_COUNT_ ? state_ids[st] : "?";
}

/* bk_diag_state_text - see diagnose.h */
const char *
bk_diag_state_text(bk_diag_state st)
{
	return (unsigned)st < BK_DIAG_STATE_COUNT_ ? state_texts[st] : "?";
}

/* bk_diag_returned_name - see diagnose.h */
const char *
bk_diag_returned_name(bk_diag_returned r)
{
	switch (r) {
	case BK_DIAG_RETURNED_HEADERS:
		return "headers";
	case BK_DIAG_RETURNED_INLINE:
		return "inline";
	case BK_DIAG_RETURNED_WHOLE:
		return "whole";
	default:
		return "none";
	}
}

/* fmt - a formatted string in the arena ("" on failure) */
static const char *
fmt(bk_diagnosis *d, const char *f, ...)
{
	char buf[1024];
	va_list ap;
	const char *s;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	s = bk__arena_memdup(d->a, buf, strlen(buf));
	if (s == NULL) {
		d->oom = 1;
		return "";
	}
	return s;
}

/* sdup - a slice as a C string in the arena, NULL for an absent one */
static const char *
sdup(bk_diagnosis *d, bk_str s)
{
	const char *p;

	if (s.ptr == NULL)
		return NULL;
	p = bk__arena_memdup(d->a, s.ptr, s.len);
	if (p == NULL)
		d->oom = 1;
	return p;
}

/* seq - does slice @s equal @c */
static int
seq(bk_str s, const char *c)
{
	return s.ptr != NULL && bk__ieq(s.ptr, s.len, c);
}

/* sstarts - does slice @s start with @c */
static int
sstarts(bk_str s, const char *c)
{
	return s.ptr != NULL && bk__istarts(s.ptr, s.len, c);
}

/* has_word - does the diagnostic contain @w (any case) */
static int
has_word(const bk_record *rec, const char *w)
{
	return rec->diagnostic.ptr != NULL && bk__imemmem(rec->diagnostic.ptr,
	    rec->diagnostic.len, w, strlen(w)) != NULL;
}

/* domain_of - the domain part of an address slice into @out */
static void
domain_of(char *out, size_t cap, const char *p, size_t len)
{
	const char *at;
	size_t n;

	out[0] = '\0';
	if (p == NULL)
		return;
	at = memchr(p, '@', len);
	while (at != NULL && memchr(at + 1, '@', len - (size_t)(at + 1 -
	    p)) != NULL)
		at = memchr(at + 1, '@', len - (size_t)(at + 1 - p));
	if (at == NULL)
		return;
	n = len - (size_t)(at + 1 - p);
	while (n > 0 && (at[n] == '>' || at[n] == ' ' || at[n] == '\n'))
		n--;
	if (n == 0 || n >= cap)
		return;
	memcpy(out, at + 1, n);
	out[n] = '\0';
	for (n = 0; out[n] != '\0'; n++)
		out[n] = (char)bk__lower((unsigned char)out[n]);
}

/* ---------------------------------------------------------------- */
/* the returned message                                              */

/* is_ftext - a field-name byte (RFC 5322 section 3.6.8) */
static int
is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/*
 * unfold - a field value with each line break and the blanks after it
 * made one space (RFC 5322 section 2.2.3), trimmed; a copy in the arena
 * only when the value was folded.
 */
static bk_str
unfold(bk_diagnosis *d, const char *p, size_t len)
{
	char *out;
	size_t i, n = 0;

	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
	    p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (memchr(p, '\n', len) == NULL)
		return bk__str(p, len);
	out = bk__arena_alloc(d->a, len);
	if (out == NULL) {
		d->oom = 1;
		return BK_STR_NULL;
	}
	/* loop: i moves forward one byte or one line break per pass */
	for (i = 0; i < len; i++) {
		if (p[i] == '\r' || p[i] == '\n') {
			while (i + 1 < len && (p[i + 1] == '\r' ||
			    p[i + 1] == '\n' || p[i + 1] == ' ' ||
			    p[i + 1] == '\t'))
				i++;
			out[n++] = ' ';
			continue;
		}
		out[n++] = p[i];
	}
	return bk__str(out, n);
}

/*
 * read_fields - the header block at the start of the returned message
 * (RFC 5322 section 2.2): a field is "name:" and its value with the lines
 * folded after it.  The block ends at a blank line, at a line that is not
 * a field (the text after an inline copy), or after BK_LIMIT_HEADER_COUNT
 * fields.
 */
static void
read_fields(bk_diagnosis *d)
{
	const char *p = d->ret, *end = d->ret + d->retlen, *q, *eol;
	struct rfield *nv;
	size_t cap = 0;

	/* loop: p moves past one field per pass, and only forward */
	while (p < end && d->nreth < BK_LIMIT_HEADER_COUNT) {
		for (q = p; q < end && is_ftext((unsigned char)*q); q++)
			;
		if (q == p || q >= end || *q != ':')
			break;
		/* the field ends before the first line not folded into it */
		eol = q;
		for (;;) {
			eol = memchr(eol, '\n', (size_t)(end - eol));
			if (eol == NULL) {
				eol = end;
				break;
			}
			eol++;
			if (eol >= end || (*eol != ' ' && *eol != '\t'))
				break;
		}
		if (d->nreth == cap) {
			cap = cap ? cap * 2 : 16;
			nv = bk__arena_alloc(d->a, cap * sizeof(*nv));
			if (nv == NULL) {
				d->oom = 1;
				return;
			}
			if (d->nreth > 0)
				memcpy(nv, d->reth, d->nreth * sizeof(*nv));
			d->reth = nv;
		}
		d->reth[d->nreth].name = bk__str(p, (size_t)(q - p));
		d->reth[d->nreth].value = unfold(d, q + 1,
		    (size_t)(eol - q - 1));
		d->nreth++;
		p = eol;
	}
}

/*
 * find_returned - where the original message came back, and how: as the
 * decoders found it (bk_message_returned()), its header fields read.
 */
static void
find_returned(bk_diagnosis *d)
{
	bk_str s;
	bk_returned_kind kind;
	int rc;

	if (d->msg == NULL)
		return;
	rc = bk_message_returned(&s, &kind, d->msg);
	if (rc == BK_ENOMEM)
		d->oom = 1;
	if (rc != 0 || s.len == 0)
		return;
	switch (kind) {
	case BK_MESSAGE_RETURNED_WHOLE:
		d->returned = BK_DIAG_RETURNED_WHOLE;
		break;
	case BK_MESSAGE_RETURNED_HEADERS:
		d->returned = BK_DIAG_RETURNED_HEADERS;
		break;
	case BK_MESSAGE_RETURNED_INLINE:
		d->returned = BK_DIAG_RETURNED_INLINE;
		break;
	default:
		return;
	}
	d->ret = s.ptr;
	d->retlen = s.len;
	read_fields(d);
	if (d->nreth == 0) {
		d->returned = BK_DIAG_RETURNED_NONE;
		d->ret = NULL;
		d->retlen = 0;
	}
}

/* ret_header - the value of the first returned field @name, or null */
static bk_str
ret_header(bk_diagnosis *d, const char *name)
{
	size_t i;

	for (i = 0; d->ret != NULL && i < d->nreth; i++)
		if (seq(d->reth[i].name, name))
			return d->reth[i].value;
	return BK_STR_NULL;
}

/* sig_tag - the value of tag @t in a DKIM-Signature value */
static int
sig_tag(char *out, size_t cap, bk_str v, char t)
{
	const char *p = v.ptr, *end = v.ptr + v.len;
	size_t n;

	/* loop: p moves past one tag per iteration */
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == ';'))
			p++;
		if (p + 1 < end && bk__lower((unsigned char)*p) == t) {
			const char *q = p + 1;

			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (q < end && *q == '=') {
				q++;
				while (q < end && (*q == ' ' || *q == '\t' ||
				    *q == '\n'))
					q++;
				n = 0;
				while (q + n < end && q[n] != ';' &&
				    q[n] != ' ' && q[n] != '\t' &&
				    q[n] != '\n')
					n++;
				if (n == 0 || n >= cap)
					return -1;
				memcpy(out, q, n);
				out[n] = '\0';
				return 0;
			}
		}
		p = memchr(p, ';', (size_t)(end - p));
		if (p == NULL)
			break;
	}
	return -1;
}

/* add_key - fetch selector._domainkey.domain (once) */
static int
add_key(bk_diagnosis *d, const char *selector, const char *domain)
{
	char name[320];
	size_t i;

	if (snprintf(name, sizeof(name), "%s._domainkey.%s", selector,
	    domain) >= (int)sizeof(name))
		return BK_EINVAL;
	for (i = 0; i < d->nkeys; i++)
		if (bk__ieq(d->keys[i].name, strlen(d->keys[i].name), name))
			return 0;
	if (d->nkeys == DIAG_MAX_KEYS)
		return BK_ETOOBIG;
	memcpy(d->keys[d->nkeys].name, name, strlen(name) + 1);
	d->keys[d->nkeys].d = d;
	d->nkeys++;
	return 0;
}

/* ---------------------------------------------------------------- */
/* the plan                                                          */

/* named_domain_list - does the bounce name a domain list (DBL, URIBL)? */
static int
named_domain_list(bk_diagnosis *d)
{
	const bk_record *rec = d->rec;
	char id[128], kind[16];
	bk_knowledge k;
	size_t i;

	if (rec->blocklist.ptr == NULL || rec->blocklist.len >= sizeof(id))
		return 0;
	memcpy(id, rec->blocklist.ptr, rec->blocklist.len);
	id[rec->blocklist.len] = '\0';
	if (lists_has(d->set_text, d->set_len, id, NULL, kind,
	    sizeof(kind)))
		return strcmp(kind, "domain") == 0;
	/* not in the set by id: the knowledge says what the list holds,
	 * or gives a zone the set may have */
	if (bk_classifier_lookup(&k, d->cls, BK_KNOW_BLOCKLIST,
	    rec->blocklist.ptr, rec->blocklist.len) != 0)
		return 0;
	if (k.cause != NULL && strcmp(k.cause, "blocklist.uri") == 0)
		return 1;
	for (i = 0; i < k.nzones; i++)
		if (lists_has(d->set_text, d->set_len, NULL, k.zones[i], kind,
		    sizeof(kind)))
			return strcmp(kind, "domain") == 0;
	return 0;
}

/* plan - which checks the cause calls for, and why */
static void
plan(bk_diagnosis *d)
{
	const bk_record *rec = d->rec;
	static const char *const auth_status[] = {
		"5.7.20", "5.7.21", "5.7.22", "5.7.23", "5.7.24", "5.7.26",
		"5.7.27", "4.7.20", "4.7.21", "4.7.22", "4.7.23", "4.7.24",
		"4.7.26", "4.7.27", NULL
	};
	static const char *const auth_words[] = {
		"dmarc", "spf", "dkim", "sender policy framework",
		"domainkeys", "unauthenticated", NULL
	};
	static const char *const rdns_words[] = {
		"reverse dns", "reverse hostname", "ptr record", "rdns",
		"reverse lookup", "cannot find your hostname", "fcrdns",
		"reverse-dns", NULL
	};
	static const char *const bl_words[] = {
		"blocked using", "blocklist", "block list", "blacklist",
		"dnsbl", "spamhaus", "spamcop", "barracuda", NULL
	};
	const char *why = NULL;
	size_t i;

	if (seq(rec->cause, "blocklist.uri") || named_domain_list(d)) {
		/* the listed thing is a domain: the links of the message,
		 * or the sender's own domain */
		d->plan |= BK_DIAG_PLAN_DOMAINS;
		d->primary = BK_DIAG_PLAN_DOMAINS;
		d->plan_why = fmt(d, "a domain blocklist rejection (cause "
		    "%.*s): the link domains of the returned message and "
		    "the sending domains are asked of the domain lists",
		    rec->cause.ptr ? (int)rec->cause.len : 7,
		    rec->cause.ptr ? rec->cause.ptr : "unknown");
		return;
	}
	if (seq(rec->category, "blocklist") || rec->blocklist.ptr != NULL ||
	    sstarts(rec->cause, "blocklist.")) {
		/* an address list names the IP; the sending domains are
		 * asked of the domain lists on the same run */
		d->plan |= BK_DIAG_PLAN_BLOCKLIST | BK_DIAG_PLAN_DOMAINS;
		why = "a blocklist rejection";
	}
	if ((sstarts(rec->category, "authentication-") ||
	    sstarts(rec->cause, "auth.")) && !seq(rec->cause, "auth.smtp")) {
		d->plan |= BK_DIAG_PLAN_AUTH;
		why = why ? why : "an authentication rejection";
	}
	if (rec->reason == BK_REASON_REQUIREPTR ||
	    seq(rec->category, "reverse-dns") ||
	    seq(rec->status, "5.7.25") || seq(rec->status, "4.7.25")) {
		d->plan |= BK_DIAG_PLAN_RDNS;
		why = why ? why : "a reverse-DNS rejection";
	}
	for (i = 0; auth_status[i] != NULL; i++)
		if (seq(rec->status, auth_status[i]) ||
		    seq(rec->provider_code, auth_status[i])) {
			d->plan |= BK_DIAG_PLAN_AUTH;
			why = why ? why : "an authentication rejection";
		}
	/* the checks of the cause itself come first */
	d->primary = seq(rec->category, "reverse-dns") ||
	    rec->reason == BK_REASON_REQUIREPTR ? BK_DIAG_PLAN_RDNS :
	    d->plan & BK_DIAG_PLAN_BLOCKLIST ? BK_DIAG_PLAN_BLOCKLIST :
	    d->plan & BK_DIAG_PLAN_AUTH ? BK_DIAG_PLAN_AUTH :
	    d->plan & BK_DIAG_PLAN_RDNS;
	/* the receiver's words, when the classification is broader */
	if (rec->reason != BK_REASON_USERUNKNOWN &&
	    rec->reason != BK_REASON_MAILBOXFULL &&
	    rec->reason != BK_REASON_HOSTUNKNOWN &&
	    rec->kind != BK_KIND_DELIVERED &&
	    rec->kind != BK_KIND_AUTOREPLY) {
		for (i = 0; auth_words[i] != NULL; i++)
			if (has_word(rec, auth_words[i]) &&
			    !(d->plan & BK_DIAG_PLAN_AUTH)) {
				d->plan |= BK_DIAG_PLAN_AUTH;
				why = why ? why : fmt(d, "the reply mentions "
				    "%s", auth_words[i]);
			}
		for (i = 0; rdns_words[i] != NULL; i++)
			if (has_word(rec, rdns_words[i]) &&
			    !(d->plan & BK_DIAG_PLAN_RDNS)) {
				d->plan |= BK_DIAG_PLAN_RDNS;
				why = why ? why : fmt(d, "the reply mentions "
				    "%s", rdns_words[i]);
			}
		for (i = 0; bl_words[i] != NULL; i++)
			if (has_word(rec, bl_words[i]) &&
			    !(d->plan & BK_DIAG_PLAN_BLOCKLIST)) {
				d->plan |= BK_DIAG_PLAN_BLOCKLIST |
				    BK_DIAG_PLAN_DOMAINS;
				why = why ? why : fmt(d, "the reply mentions "
				    "%s", bl_words[i]);
			}
	}
	if (d->plan != 0) {
		char cause[128];

		snprintf(cause, sizeof(cause), "%.*s",
		    rec->cause.ptr ? (int)rec->cause.len : 0,
		    rec->cause.ptr ? rec->cause.ptr : "");
		d->plan_why = cause[0] ? fmt(d, "%s (cause %s)", why, cause) :
		    why;
		return;
	}
	{
		bk_knowledge k;
		const char *name = NULL;

		if (rec->cause.ptr != NULL && bk_classifier_lookup(&k, d->cls,
		    BK_KNOW_CAUSE, rec->cause.ptr, rec->cause.len) == 0)
			name = k.name;
		d->plan_why = fmt(d, "no DNS check of the sending side applies "
		    "to this cause (%.*s%s%s%s): the blocklist, SPF, DKIM, "
		    "DMARC and reverse-DNS checks do not apply",
		    rec->cause.ptr ? (int)rec->cause.len : 7,
		    rec->cause.ptr ? rec->cause.ptr : "unknown",
		    name ? ": " : "", name ? name : "", "");
	}
}

/* lists_has - does a list definition text define @id or @zone? */
static int
lists_has(const char *text, size_t len, const char *id, const char *zone,
    char *kind, size_t kcap)
{
	const char *p = text, *end = text + len, *eol;
	char tok[3][256], k[16];

	/* loop: p moves one line forward each time */
	while (p < end) {
		int n;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) < 1024) {
			char line[1024];

			memcpy(line, p, (size_t)(eol - p));
			line[eol - p] = '\0';
			k[0] = '\0';
			n = sscanf(line, "%255s %255s %255s %15s", tok[0],
			    tok[1], tok[2], k);
			if (n >= 3 && strcmp(tok[0], "list") == 0 &&
			    ((id && strcmp(tok[1], id) == 0) ||
			    (zone && bk__ieq(tok[2], strlen(tok[2]), zone)))) {
				if (kind != NULL)
					snprintf(kind, kcap, "%s", k);
				return 1;
			}
		}
		p = eol < end ? eol + 1 : end;
	}
	return 0;
}

/*
 * setup_lists - the blocklist set: the caller's or the built-in one,
 * plus the list the bounce names when the set lacks it and the text
 * names its zone ("blocked using sbl.spamhaus.org").
 */
static int
setup_lists(bk_diagnosis *d, const bk_diagnose_options *o)
{
	const char *text = o && o->lists ? o->lists : bk__dnsbl_default;
	size_t len = o && o->lists ? o->lists_len : strlen(text);
	const bk_record *rec = d->rec;
	bk_knowledge k;
	char *err = NULL, extra[600];
	size_t i, el = 0;
	int rc;

	extra[0] = '\0';
	if (rec->blocklist.ptr != NULL) {
		d->named_id = sdup(d, rec->blocklist);
		if (bk_classifier_lookup(&k, d->cls, BK_KNOW_BLOCKLIST,
		    rec->blocklist.ptr, rec->blocklist.len) == 0) {
			for (i = 0; i < k.nzones; i++) {
				if (!has_word(rec, k.zones[i]))
					continue;
				d->named_zone = k.zones[i];
				if (!lists_has(text, len, d->named_id,
				    k.zones[i], NULL, 0) &&
				    strlen(k.zones[i]) < 256)
					el = (size_t)snprintf(extra,
					    sizeof(extra), "\nlist %s %s ip "
					    "%s\n", d->named_id, k.zones[i],
					    k.name ? k.name : d->named_id);
				break;
			}
		}
	}
	d->lists = malloc(len + el + 1);
	if (d->lists == NULL)
		return BK_ENOMEM;
	memcpy(d->lists, text, len);
	memcpy(d->lists + len, extra, el);
	d->lists[len + el] = '\0';
	rc = bk_dnsbl_set_new(&d->set, d->lists, len + el, &err);
	if (rc != 0) {
		snprintf(d->errmsg, sizeof(d->errmsg), "blocklists: %s",
		    err ? err : bk_strerror(rc));
		free(err);
		return rc;
	}
	return 0;
}

/* find_ip - the sending IP, from the options, the text, the trace */
static void
find_ip(bk_diagnosis *d, const bk_diagnose_options *o)
{
	const char *vals[DIAG_MAX_RECEIVED];
	size_t lens[DIAG_MAX_RECEIVED], n = 0, i, which = 0;

	if (o != NULL && o->sender_ip != NULL) {
		snprintf(d->ip, sizeof(d->ip), "%s", o->sender_ip);
		d->ipsrc = BK_DIAG_IP_OPTION;
		d->ipdetail = "given with --sender-ip";
		return;
	}
	if (d->rec->diagnostic.ptr != NULL &&
	    bk_diagnose_ip_from_text(d->ip, sizeof(d->ip),
	    d->rec->diagnostic.ptr, d->rec->diagnostic.len) == 0) {
		d->ipsrc = BK_DIAG_IP_DIAGNOSTIC;
		d->ipdetail = "named in the receiver's reply";
		return;
	}
	d->ip[0] = '\0';
	for (i = 0; d->ret != NULL && i < d->nreth && n < DIAG_MAX_RECEIVED;
	    i++) {
		bk_str v = d->reth[i].value;

		if (!seq(d->reth[i].name, "received"))
			continue;
		if (v.ptr == NULL)
			continue;
		vals[n] = v.ptr;
		lens[n] = v.len;
		n++;
	}
	if (n > 0 && bk_diagnose_ip_from_received(d->ip, sizeof(d->ip),
	    vals, lens, n, d->remote[0] ? d->remote : NULL,
	    d->rcpt_domain[0] ? d->rcpt_domain : NULL,
	    d->from_domain[0] ? d->from_domain : NULL, &which) == 0) {
		d->ipsrc = BK_DIAG_IP_RECEIVED;
		d->ipdetail = fmt(d, "from Received field %zu of %zu of the "
		    "returned message", which + 1, n);
		return;
	}
	d->ip[0] = '\0';
}

/* find_domains - envelope, From and recipient domains */
static void
find_domains(bk_diagnosis *d, const bk_diagnose_options *o)
{
	const bk_record *rec = d->rec;
	bk_str rp = ret_header(d, "return-path"), from;
	size_t n;

	domain_of(d->rcpt_domain, sizeof(d->rcpt_domain), rec->recipient.ptr,
	    rec->recipient.len);
	if (rec->remote_mta.ptr != NULL) {
		n = rec->remote_mta.len;
		if (n >= sizeof(d->remote))
			n = sizeof(d->remote) - 1;
		memcpy(d->remote, rec->remote_mta.ptr, n);
		d->remote[n] = '\0';
	}
	if (o != NULL && o->sender_domain != NULL) {
		snprintf(d->spf_domain, sizeof(d->spf_domain), "%s",
		    o->sender_domain);
		snprintf(d->from_domain, sizeof(d->from_domain), "%s",
		    o->sender_domain);
	} else {
		if (rec->sender.ptr != NULL) {
			domain_of(d->spf_domain, sizeof(d->spf_domain),
			    rec->sender.ptr, rec->sender.len);
			if (d->spf_domain[0] != '\0' &&
			    rec->sender.len < sizeof(d->sender)) {
				memcpy(d->sender, rec->sender.ptr,
				    rec->sender.len);
				d->sender[rec->sender.len] = '\0';
			}
		}
		if (d->spf_domain[0] == '\0' && rp.ptr != NULL)
			domain_of(d->spf_domain, sizeof(d->spf_domain),
			    rp.ptr, rp.len);
		from = ret_header(d, "from");
		if (from.ptr == NULL)
			from = rec->from;
		if (from.ptr == NULL || bk_dmarc_from_domain(d->from_domain,
		    sizeof(d->from_domain), from.ptr, from.len) != 0)
			d->from_domain[0] = '\0';
		if (d->spf_domain[0] == '\0')
			memcpy(d->spf_domain, d->from_domain,
			    strlen(d->from_domain) + 1);
		if (d->from_domain[0] == '\0')
			memcpy(d->from_domain, d->spf_domain,
			    strlen(d->spf_domain) + 1);
	}
	if (d->sender[0] == '\0' && d->spf_domain[0] != '\0')
		snprintf(d->sender, sizeof(d->sender), "postmaster@%s",
		    d->spf_domain);
}

/* add_domain - ask the domain lists about @name once (lower case, no
 * trailing dot); past the limit it is only counted */
static void
add_domain(bk_diagnosis *d, const char *name, size_t len,
    const char *source)
{
	char buf[256];
	unsigned char ip[16];
	size_t i;

	while (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len >= sizeof(buf))
		return;
	for (i = 0; i < len; i++) {
		int c = bk__lower((unsigned char)name[i]);

		if (!bk__is(c, BK_C_ALPHA | BK_C_DIGIT) && c != '-' &&
		    c != '.')
			return;
		buf[i] = (char)c;
	}
	buf[len] = '\0';
	if (strchr(buf, '.') == NULL || strstr(buf, "..") != NULL ||
	    buf[0] == '.' || inet_pton(AF_INET, buf, ip) == 1)
		return;
	for (i = 0; i < d->ndoms; i++)
		if (strcmp(d->doms[i].name, buf) == 0)
			return;
	if (d->ndoms == BK_LIMIT_DIAG_DOMAINS) {
		d->doms_over++;
		return;
	}
	memcpy(d->doms[d->ndoms].name, buf, len + 1);
	d->doms[d->ndoms].source = source;
	d->ndoms++;
}

/*
 * links_in - the host of every http(s):// and www. link in @t, and its
 * organizational domain when that differs: lists such as SURBL list the
 * registered domain, the DBL also host names.
 */
static void
links_in(bk_diagnosis *d, bk_str t)
{
	const char *p = t.ptr, *end = t.ptr + t.len, *q, *h;
	const char *a, *w;         /* the next "://" and "www." */
	char org[256];

	if (p == NULL)
		return;
	a = bk__imemmem(p, t.len, "://", 3);
	w = bk__imemmem(p, t.len, "www.", 4);
	/* loop: p moves past each link found; a marker is searched for
	 * again only once p has passed it, so no byte is scanned twice
	 * for the same marker (linear, whatever the input) */
	while (p < end) {
		if (a != NULL && a < p)
			a = bk__imemmem(p, (size_t)(end - p), "://", 3);
		if (w != NULL && w < p)
			w = bk__imemmem(p, (size_t)(end - p), "www.", 4);
		if (a != NULL && (w == NULL || a < w)) {
			h = a + 3;
			/* only the web schemes: the rest name no site */
			if (!((a - t.ptr >= 4 && bk__istarts(a - 4, 4,
			    "http")) || (a - t.ptr >= 5 && bk__istarts(a - 5,
			    5, "https")))) {
				p = h;
				continue;
			}
		} else if (w != NULL) {
			h = w;
		} else {
			break;
		}
		/* user@ before the host is skipped */
		for (q = h; q < end && (bk__is(*q, BK_C_ALPHA | BK_C_DIGIT) ||
		    *q == '-' || *q == '.' || *q == '@' || *q == '_'); q++)
			if (*q == '@')
				h = q + 1;
		if (q > h) {
			size_t before = d->ndoms;

			add_domain(d, h, (size_t)(q - h), "a link in the "
			    "returned message");
			if (d->ndoms > before && bk_dmarc_org_domain(org,
			    sizeof(org), d->doms[d->ndoms - 1].name) == 0)
				add_domain(d, org, strlen(org), "the "
				    "registered domain of a link in the "
				    "returned message");
		}
		p = q > h ? q : h + 1;
	}
}

/*
 * find_link_domains - the link domains of the returned message's text
 * parts, decoded (quoted-printable and base64 hide links otherwise).
 */
static void
find_link_domains(bk_diagnosis *d)
{
	bk_message *m = NULL;
	size_t i;

	if (d->ret == NULL || d->returned == BK_DIAG_RETURNED_HEADERS)
		return;
	if (bk_message_new(&m, d->ret, d->retlen, NULL) != 0) {
		d->oom = 1;
		return;
	}
	for (i = 0; i < m->nparts; i++) {
		bk__part *pt = m->parts[i];

		if (pt->is_multipart || pt->is_message ||
		    strncmp(pt->type, "text/", 5) != 0)
			continue;
		links_in(d, bk__part_text(m, pt));
	}
	bk_message_free(m);
}

/* bk_diagnosis_new - see diagnose.h */
int
bk_diagnosis_new(bk_diagnosis **out, bk_resolver *r,
    const bk_classifier *cls, bk_message *msg, const bk_record *rec,
    const bk_diagnose_options *opts)
{
	bk_diagnosis *d;
	bk__arena *a;
	size_t i;
	int rc;

	if (out == NULL)
		return BK_EINVAL;
	*out = NULL;
	if (r == NULL || cls == NULL || rec == NULL)
		return BK_EINVAL;
	if (opts != NULL && opts->nselectors > BK_LIMIT_DKIM_SELECTORS)
		return BK_EINVAL;
	rc = bk__arena_new(&a, 16 * 1024);
	if (rc != 0)
		return rc;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		bk__arena_free(a);
		return BK_ENOMEM;
	}
	d->a = a;
	d->r = r;
	d->cls = cls;
	d->msg = msg;
	d->rec = rec;
	d->now = opts ? opts->now : 0;
	d->dmarc_rules = opts ? opts->dmarc_rules : BK_DMARC_RFC9989;
	d->verdict = BK_DIAG_UNCHECKED;
	*out = d;
	if (opts != NULL && opts->sender_ip != NULL) {
		unsigned char b[16];

		if (inet_pton(AF_INET, opts->sender_ip, b) != 1 &&
		    inet_pton(AF_INET6, opts->sender_ip, b) != 1) {
			snprintf(d->errmsg, sizeof(d->errmsg), "'%s' is not an "
			    "IP address", opts->sender_ip);
			return BK_EINVAL;
		}
	}
	if (opts != NULL && opts->sender_domain != NULL &&
	    (strchr(opts->sender_domain, '.') == NULL ||
	    strlen(opts->sender_domain) > 253)) {
		snprintf(d->errmsg, sizeof(d->errmsg), "'%s' is not a domain",
		    opts->sender_domain);
		return BK_EINVAL;
	}
	find_returned(d);
	find_domains(d, opts);
	d->set_text = opts && opts->lists ? opts->lists : bk__dnsbl_default;
	d->set_len = opts && opts->lists ? opts->lists_len :
	    strlen(d->set_text);
	plan(d);
	find_ip(d, opts);
	if (d->plan & (BK_DIAG_PLAN_BLOCKLIST | BK_DIAG_PLAN_DOMAINS)) {
		rc = setup_lists(d, opts);
		if (rc != 0)
			return rc;
	}
	if (d->plan & BK_DIAG_PLAN_DOMAINS) {
		if (d->primary == BK_DIAG_PLAN_DOMAINS)
			find_link_domains(d);
		add_domain(d, d->from_domain, strlen(d->from_domain),
		    "the From domain");
		add_domain(d, d->spf_domain, strlen(d->spf_domain),
		    "the envelope sender domain");
	}
	if (d->plan & BK_DIAG_PLAN_AUTH) {
		/* selectors the returned message was signed with */
		for (i = 0; d->ret != NULL && i < d->nreth; i++) {
			char dom[256], sel[128];
			bk_str v = d->reth[i].value;

			if (!seq(d->reth[i].name, "dkim-signature"))
				continue;
			if (sig_tag(dom, sizeof(dom), v, 'd') != 0 ||
			    sig_tag(sel, sizeof(sel), v, 's') != 0)
				continue;
			if (d->from_domain[0] != '\0' && d->aligned_sig ==
			    NULL && bk_dmarc_aligned(d->from_domain, dom, 0))
				d->aligned_sig = fmt(d, "%s", dom);
			(void)add_key(d, sel, dom);
		}
		for (i = 0; opts != NULL && i < opts->nselectors; i++) {
			if (d->from_domain[0] == '\0')
				break;
			rc = add_key(d, opts->selectors[i], d->from_domain);
			if (rc != 0) {
				snprintf(d->errmsg, sizeof(d->errmsg),
				    "'%s' is not a selector",
				    opts->selectors[i]);
				return BK_EINVAL;
			}
		}
	}
	return d->oom ? BK_ENOMEM : 0;
}

/* bk_diagnosis_free - see diagnose.h */
void
bk_diagnosis_free(bk_diagnosis *d)
{
	size_t i;

	if (d == NULL)
		return;
	bk_dmarc_free(d->dmarc);
	bk_spf_free(d->spf);
	bk_dkim_free(d->dkim);
	bk_ipcheck_free(d->ipc);
	for (i = 0; i < d->ndoms; i++)
		bk_ipcheck_free(d->doms[i].c);
	bk_dnsbl_set_free(d->set);
	free(d->lists);
	bk__arena_free(d->a);
	free(d);
}

/* bk_diagnosis_errmsg - see diagnose.h */
const char *
bk_diagnosis_errmsg(const bk_diagnosis *d)
{
	return d != NULL ? d->errmsg : "";
}

/* ---------------------------------------------------------------- */
/* running                                                           */

/* start_dmarc - SPF and DKIM are known: evaluate DMARC */
static void
start_dmarc(bk_diagnosis *d)
{
	size_t i;

	if (d->dmarc_started || d->from_domain[0] == '\0')
		return;
	d->dmarc_started = 1;
	if (d->dmarc == NULL && (bk_dmarc_new(&d->dmarc, d->r,
	    d->from_domain) != 0 || bk_dmarc_set_rules(d->dmarc,
	    d->dmarc_rules) != 0)) {
		bk_dmarc_free(d->dmarc);
		d->dmarc = NULL;
		return;
	}
	if (d->spf != NULL && bk_spf_is_done(d->spf))
		(void)bk_dmarc_add_spf(d->dmarc, d->spf_domain,
		    bk_spf_verdict(d->spf));
	for (i = 0; d->dkim != NULL && i < bk_dkim_count(d->dkim); i++) {
		const bk_dkim_sig *s = bk_dkim_signature(d->dkim, i);

		if (s->domain != NULL)
			(void)bk_dmarc_add_dkim(d->dmarc, s->domain,
			    s->result);
	}
	if (bk_dmarc_start(d->dmarc, NULL, NULL) != 0)
		d->oom = 1;
}

/* one_done - an SPF or DKIM evaluation called back */
static void
one_done(bk_diagnosis *d)
{
	if (d->pending > 0)
		d->pending--;
	if (d->pending == 0 && !d->starting)
		start_dmarc(d);
}

static void
on_spf(void *arg, bk_spf *spf)
{
	(void)spf;
	one_done(arg);
}

static void
on_dkim(void *arg, bk_dkim *dk)
{
	(void)dk;
	one_done(arg);
}

/* on_key - a DKIM key record arrived (as `check domain` reads it) */
static void
on_key(void *arg, bk_dns_answer *ans)
{
	struct dkey *k = arg;
	bk_diagnosis *d = k->d;

	k->answered = 1;
	k->key.name = k->name;
	if (ans == NULL) {
		k->key.dns = BK_DNS_CANCELLED;
		k->key.problem = "out of memory";
		return;
	}
	k->key.dns = ans->status;
	if (ans->status != BK_DNS_OK || ans->count == 0) {
		if (ans->status == BK_DNS_OK)
			k->key.dns = BK_DNS_NODATA;
		bk_dns_answer_free(ans);
		return;
	}
	k->key.record = bk__arena_memdup(d->a, ans->rr[0].data,
	    ans->rr[0].len);
	if (k->key.record != NULL)
		bk__dkim_key_parse(&k->key, d->a, k->key.record,
		    strlen(k->key.record), NULL, NULL, k->problem,
		    sizeof(k->problem));
	if (k->key.usable && k->key.type != NULL &&
	    strcmp(k->key.type, "rsa") == 0 &&
	    k->key.bits < BK_LIMIT_DKIM_RSA_MIN_BITS) {
		k->key.usable = 0;
		snprintf(k->problem, sizeof(k->problem), "%u-bit RSA key: "
		    "under the 1024-bit minimum (RFC 8301 3.2)", k->key.bits);
		k->key.problem = k->problem;
	}
	bk_dns_answer_free(ans);
}

/* bk_diagnosis_start - see diagnose.h */
int
bk_diagnosis_start(bk_diagnosis *d)
{
	size_t i;
	int rc = 0;

	if (d == NULL || d->started)
		return BK_EINVAL;
	d->started = 1;
	d->starting = 1;
	if ((d->plan & (BK_DIAG_PLAN_BLOCKLIST | BK_DIAG_PLAN_RDNS)) &&
	    d->ip[0] != '\0') {
		rc = bk_ipcheck_new(&d->ipc, d->r,
		    (d->plan & BK_DIAG_PLAN_BLOCKLIST) ? d->set : NULL, d->ip);
		if (rc == 0)
			rc = bk_ipcheck_start(d->ipc);
		if (rc != 0 && rc != BK_ENOMEM) {
			bk_ipcheck_free(d->ipc);
			d->ipc = NULL;
			rc = 0;
		}
	}
	for (i = 0; rc == 0 && i < d->ndoms; i++) {
		/* address lists are skipped for a domain target */
		rc = bk_ipcheck_new(&d->doms[i].c, d->r, d->set,
		    d->doms[i].name);
		if (rc == 0)
			rc = bk_ipcheck_start(d->doms[i].c);
		if (rc != 0 && rc != BK_ENOMEM) {
			bk_ipcheck_free(d->doms[i].c);
			d->doms[i].c = NULL;
			rc = 0;
		}
	}
	if (rc == 0 && (d->plan & BK_DIAG_PLAN_AUTH)) {
		bk_spf_options so = BK_SPF_OPTIONS_INIT;
		bk_dkim_options dko = BK_DKIM_OPTIONS_INIT;

		/* the DMARC records need only the From domain: ask for
		 * them now, with the SPF and DKIM lookups, not after */
		if (d->from_domain[0] != '\0' && bk_dmarc_new(&d->dmarc,
		    d->r, d->from_domain) == 0 &&
		    bk_dmarc_set_rules(d->dmarc, d->dmarc_rules) == 0 &&
		    bk_dmarc_prefetch(d->dmarc) == BK_ENOMEM)
			d->oom = 1;
		so.now = d->now;
		dko.now = d->now;
		if (d->ip[0] != '\0' && d->spf_domain[0] != '\0' &&
		    bk_spf_new(&d->spf, d->r, &so, d->ip, d->sender, NULL,
		    d->spf_domain) == 0) {
			d->pending++;
			rc = bk_spf_start(d->spf, on_spf, d);
		}
		if (rc == 0 && d->returned == BK_DIAG_RETURNED_WHOLE &&
		    bk_dkim_new(&d->dkim, d->r, &dko, d->ret, d->retlen) ==
		    0) {
			d->pending++;
			rc = bk_dkim_start(d->dkim, on_dkim, d);
		}
		for (i = 0; rc == 0 && i < d->nkeys; i++)
			rc = bk_resolver_query(d->r, d->keys[i].name,
			    strlen(d->keys[i].name), BK_DNS_TXT, on_key,
			    &d->keys[i]);
	}
	d->starting = 0;
	if (rc == 0 && (d->plan & BK_DIAG_PLAN_AUTH) && d->pending == 0)
		start_dmarc(d);
	if (rc == 0 && d->oom)
		rc = BK_ENOMEM;
	return rc == BK_ETOOBIG ? 0 : rc;
}

/* ---------------------------------------------------------------- */
/* verdicts                                                          */

/* add - one check */
static bk_diag_check *
add(bk_diagnosis *d, const char *kind, const char *id, const char *title,
    bk_diag_state st, const char *detail)
{
	bk_diag_check *c;

	if (d->nchecks == DIAG_MAX_CHECKS)
		return NULL;
	c = &d->checks[d->nchecks++];
	c->kind = kind;
	c->id = id;
	c->title = title;
	c->state = st;
	c->detail = detail;
	c->named = 0;
	return c;
}

/* need_ip - the "could not check" detail when the IP is unknown */
static const char *
no_ip(void)
{
	return "the sending IP is not known: the bounce does not name it "
	    "and the returned message does not show it; pass --sender-ip";
}

/* dnsbl_detail - one list's answer as a check state and a line */
static bk_diag_state
dnsbl_detail(bk_diagnosis *d, const bk_dnsbl_result *x, const char **out)
{
	switch (x->state) {
	case BK_DNSBL_LISTED:
		*out = fmt(d, "listed: %s%s%s%s%s", x->code ? x->code : "",
		    x->meaning ? " " : "", x->meaning ? x->meaning : "",
		    x->txt ? " -- " : "", x->txt ? x->txt : "");
		return BK_DIAG_WRONG;
	case BK_DNSBL_NOT_LISTED:
		*out = fmt(d, "not listed (%s)", bk_dns_status_text(x->dns));
		return BK_DIAG_FIXED;
	case BK_DNSBL_ERROR:
		*out = fmt(d, "error answer %s: %s", x->code ? x->code : "?",
		    x->meaning ? x->meaning : "not a listing");
		return BK_DIAG_UNCHECKED;
	default:
		*out = fmt(d, "lookup failed: %s", bk_dns_status_text(x->dns));
		return BK_DIAG_UNCHECKED;
	}
}

/* blocklist_checks - one check per list, the named list first */
static void
blocklist_checks(bk_diagnosis *d)
{
	const bk_record *rec = d->rec;
	size_t i, pass, named = 0;

	if (d->ip[0] == '\0') {
		add(d, "blocklist", d->named_id, d->named_id ?
		    fmt(d, "%s (named in the bounce)", d->named_id) :
		    "DNS blocklists", BK_DIAG_UNCHECKED, no_ip());
		return;
	}
	if (d->ipc == NULL) {
		add(d, "blocklist", NULL, "DNS blocklists", BK_DIAG_UNCHECKED,
		    "the lookups could not be queued");
		return;
	}
	/* two passes: the named list, then the rest in set order */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < bk_ipcheck_count(d->ipc); i++) {
			const bk_dnsbl_result *x = bk_ipcheck_result(d->ipc,
			    i);
			int is_named = (d->named_id != NULL &&
			    strcmp(x->id, d->named_id) == 0) ||
			    (x->zone != NULL && has_word(rec, x->zone));
			bk_diag_state st;
			const char *detail;
			bk_diag_check *c;

			if (x->state == BK_DNSBL_SKIPPED ||
			    (pass == 0) != is_named)
				continue;
			st = dnsbl_detail(d, x, &detail);
			c = add(d, "blocklist", x->id, fmt(d, "%s (%s)",
			    x->name ? x->name : x->id, x->zone), st, detail);
			if (c != NULL)
				c->target = d->ip;
			if (c != NULL && is_named) {
				c->named = 1;
				named++;
			}
		}
		if (pass == 0 && named == 0 && (d->named_id != NULL ||
		    sstarts(rec->cause, "blocklist."))) {
			/* the list the bounce names is not in DNS (a
			 * provider's own list) or not in the set */
			bk_knowledge k;
			const char *title = d->named_id, *look = NULL;
			bk_diag_check *c;

			if (d->named_id != NULL && bk_classifier_lookup(&k,
			    d->cls, BK_KNOW_BLOCKLIST, d->named_id,
			    strlen(d->named_id)) == 0) {
				title = k.name;
				look = k.lookup;
			} else if (d->named_id == NULL &&
			    rec->cause.ptr != NULL && bk_classifier_lookup(&k,
			    d->cls, BK_KNOW_CAUSE, rec->cause.ptr,
			    rec->cause.len) == 0)
				title = k.name;
			if (title == NULL)
				continue;
			c = add(d, "blocklist", d->named_id ? d->named_id :
			    sdup(d, rec->cause), title, BK_DIAG_UNCHECKED,
			    look ? fmt(d, "not a DNS list bouncekit queries: "
			    "look the IP up at %s", look) :
			    "a receiver's own list cannot be looked up over "
			    "DNS: use its delisting page (see the links "
			    "above)");
			if (c != NULL)
				c->named = 1;
		}
	}
}

/*
 * domain_checks - each domain against each domain list: the link and
 * sending domains found, in that order; when none is known, or more
 * were found than are asked, a check says so.
 */
static void
domain_checks(bk_diagnosis *d)
{
	const bk_record *rec = d->rec;
	size_t i, k, asked = 0;

	for (i = 0; i < d->ndoms; i++) {
		const struct ddom *dm = &d->doms[i];

		if (dm->c == NULL) {
			add(d, "domain-blocklist", NULL, fmt(d, "Domain lists "
			    "for %s", dm->name), BK_DIAG_UNCHECKED,
			    "the lookups could not be queued");
			continue;
		}
		for (k = 0; k < bk_ipcheck_count(dm->c); k++) {
			const bk_dnsbl_result *x = bk_ipcheck_result(dm->c,
			    k);
			const char *detail;
			bk_diag_state st;
			bk_diag_check *c;

			if (x->state == BK_DNSBL_SKIPPED)
				continue;
			st = dnsbl_detail(d, x, &detail);
			c = add(d, "domain-blocklist", x->id, fmt(d, "%s (%s) "
			    "for %s", x->name ? x->name : x->id, x->zone,
			    dm->name), st, fmt(d, "%s [%s]", detail,
			    dm->source));
			if (c == NULL)
				continue;
			c->target = dm->name;
			c->named = (d->named_id != NULL &&
			    strcmp(x->id, d->named_id) == 0) ||
			    (x->zone != NULL && has_word(rec, x->zone));
			asked++;
		}
	}
	if (d->primary != BK_DIAG_PLAN_DOMAINS)
		return;
	if (d->ndoms == 0)
		add(d, "domain-blocklist", NULL, "Domain blocklists",
		    BK_DIAG_UNCHECKED, d->returned == BK_DIAG_RETURNED_WHOLE ?
		    "no link or sending domain was found in the returned "
		    "message: run `bouncekit check ip DOMAIN` for each "
		    "domain the message links to" : "the message did not "
		    "come back whole, so its links are unknown: run "
		    "`bouncekit check ip DOMAIN` for each domain the "
		    "message links to");
	else if (asked == 0)
		add(d, "domain-blocklist", NULL, "Domain blocklists",
		    BK_DIAG_UNCHECKED, "the blocklist set has no domain "
		    "list: add one (list ID ZONE domain NAME) with --lists");
	if (d->doms_over > 0)
		add(d, "domain-blocklist", NULL, "Further domains",
		    BK_DIAG_UNCHECKED, fmt(d, "more domains were found than "
		    "the %d asked: check the rest with `bouncekit check ip "
		    "DOMAIN`", BK_LIMIT_DIAG_DOMAINS));
}

/* rdns_check - PTR and forward confirmation */
static void
rdns_check(bk_diagnosis *d)
{
	const bk_rdns *rd;
	const char *title;

	title = fmt(d, "reverse DNS of %s", d->ip[0] ? d->ip : "the IP");
	if (d->ip[0] == '\0') {
		add(d, "rdns", NULL, title, BK_DIAG_UNCHECKED, no_ip());
		return;
	}
	rd = d->ipc ? bk_ipcheck_rdns(d->ipc) : NULL;
	if (rd == NULL) {
		add(d, "rdns", d->ip, title, BK_DIAG_UNCHECKED,
		    "the lookups could not be queued");
		return;
	}
	if (bk_dns_is_notfound(rd->ptr) ||
	    (rd->ptr == BK_DNS_OK && rd->count == 0))
		add(d, "rdns", d->ip, title, BK_DIAG_WRONG, fmt(d,
		    "no PTR record (%s)", bk_dns_status_text(rd->ptr)));
	else if (rd->ptr != BK_DNS_OK)
		add(d, "rdns", d->ip, title, BK_DIAG_UNCHECKED, fmt(d,
		    "PTR lookup failed: %s", bk_dns_status_text(rd->ptr)));
	else if (rd->fcrdns) {
		size_t i;
		const char *name = rd->names[0];

		for (i = 0; i < rd->count; i++)
			if (rd->confirmed[i]) {
				name = rd->names[i];
				break;
			}
		add(d, "rdns", d->ip, title, BK_DIAG_FIXED, fmt(d,
		    "PTR %s, which resolves back to %s (FCrDNS)", name,
		    d->ip));
	} else {
		size_t i;
		int err = 0;

		for (i = 0; i < rd->count; i++)
			if (bk_dns_is_error(rd->forward[i]))
				err = 1;
		add(d, "rdns", d->ip, title, err ? BK_DIAG_UNCHECKED :
		    BK_DIAG_WRONG, fmt(d, "PTR %s does not resolve back to "
		    "%s%s", rd->names[0], d->ip, err ? " (a forward lookup "
		    "failed)" : ""));
	}
}

/* auth_checks - SPF, DKIM keys, DKIM of the message, DMARC */
static void
auth_checks(bk_diagnosis *d)
{
	const char *title;
	size_t i;
	int dkim_known = 0;

	/* SPF */
	title = fmt(d, "SPF of %s for %s", d->spf_domain[0] ?
	    d->spf_domain : "the sender domain", d->ip[0] ? d->ip :
	    "the sending IP");
	if (d->spf_domain[0] == '\0')
		add(d, "spf", NULL, title, BK_DIAG_UNCHECKED, "the sender "
		    "domain is not known: pass --sender-domain");
	else if (d->ip[0] == '\0')
		add(d, "spf", d->spf_domain, title, BK_DIAG_UNCHECKED,
		    no_ip());
	else if (d->spf == NULL || !bk_spf_is_done(d->spf))
		add(d, "spf", d->spf_domain, title, BK_DIAG_UNCHECKED,
		    "the evaluation could not run");
	else {
		bk_spf_result res = bk_spf_verdict(d->spf);

		add(d, "spf", d->spf_domain, title, res == BK_SPF_PASS ?
		    BK_DIAG_FIXED : res == BK_SPF_TEMPERROR ?
		    BK_DIAG_UNCHECKED : BK_DIAG_WRONG, fmt(d, "%s: %s",
		    bk_spf_result_name(res), bk_spf_detail(d->spf)));
	}
	/* DKIM keys */
	for (i = 0; i < d->nkeys; i++) {
		const bk_dkim_key *k = &d->keys[i].key;
		const char *name = d->keys[i].name;

		title = fmt(d, "DKIM key %s", name);
		if (!d->keys[i].answered)
			add(d, "dkim-key", name, title, BK_DIAG_UNCHECKED,
			    "the lookup did not run");
		else if (k->record == NULL && bk_dns_is_error(k->dns))
			add(d, "dkim-key", name, title, BK_DIAG_UNCHECKED,
			    fmt(d, "lookup failed: %s",
			    bk_dns_status_text(k->dns)));
		else if (k->record == NULL)
			add(d, "dkim-key", name, title, BK_DIAG_WRONG, fmt(d,
			    "no key record (%s)", bk_dns_status_text(k->dns)));
		else if (k->revoked)
			add(d, "dkim-key", name, title, BK_DIAG_WRONG,
			    "key revoked (empty p=)");
		else if (!k->usable)
			add(d, "dkim-key", name, title, BK_DIAG_WRONG, fmt(d,
			    "unusable: %s", k->problem ? k->problem : "?"));
		else
			add(d, "dkim-key", name, title, BK_DIAG_FIXED, fmt(d,
			    "%s key, %u bits%s", k->type ? k->type : "?",
			    k->bits, k->testing ? ", testing (t=y)" : ""));
	}
	/* DKIM of the returned message */
	title = "DKIM signatures of the returned message";
	if (d->returned != BK_DIAG_RETURNED_WHOLE)
		add(d, "dkim", NULL, title, BK_DIAG_UNCHECKED,
		    d->returned == BK_DIAG_RETURNED_HEADERS ? "only the "
		    "headers came back, not the body that was signed" :
		    d->returned == BK_DIAG_RETURNED_INLINE ? "the copy in "
		    "the notification text is not the message as sent" :
		    "the message did not come back with the bounce");
	else if (d->dkim == NULL || !bk_dkim_is_done(d->dkim))
		add(d, "dkim", NULL, title, BK_DIAG_UNCHECKED,
		    "the verification could not run");
	else {
		bk_dkim_result res = bk_dkim_verdict(d->dkim);
		const bk_dkim_sig *best = NULL;

		for (i = 0; i < bk_dkim_count(d->dkim); i++) {
			const bk_dkim_sig *s = bk_dkim_signature(d->dkim, i);

			if (s->result == res) {
				best = s;
				break;
			}
		}
		dkim_known = res != BK_DKIM_TEMPERROR;
		if (res == BK_DKIM_NONE)
			add(d, "dkim", NULL, title, BK_DIAG_WRONG, "the "
			    "message came back whole and carries no "
			    "DKIM-Signature");
		else
			add(d, "dkim", best && best->domain ? best->domain :
			    NULL, title, res == BK_DKIM_PASS ? BK_DIAG_FIXED :
			    res == BK_DKIM_TEMPERROR ? BK_DIAG_UNCHECKED :
			    BK_DIAG_WRONG, fmt(d, "%s: d=%s s=%s: %s",
			    bk_dkim_result_name(res), best && best->domain ?
			    best->domain : "?", best && best->selector ?
			    best->selector : "?", best && best->detail ?
			    best->detail : ""));
	}
	/* DMARC */
	title = fmt(d, "DMARC of %s (%s)", d->from_domain[0] ?
	    d->from_domain : "the From domain",
	    d->dmarc_rules == BK_DMARC_RFC7489 ? "RFC 7489" : "RFC 9989");
	if (d->from_domain[0] == '\0')
		add(d, "dmarc", NULL, title, BK_DIAG_UNCHECKED, "the From "
		    "domain is not known: pass --sender-domain");
	else if (d->dmarc == NULL || !bk_dmarc_is_done(d->dmarc))
		add(d, "dmarc", d->from_domain, title, BK_DIAG_UNCHECKED,
		    "the evaluation could not run");
	else {
		bk_dmarc_result res = bk_dmarc_verdict(d->dmarc);
		const bk_dmarc_info *info = bk_dmarc_record(d->dmarc);
		const char *pol = info && info->p ? info->p : "none";
		int spf_known = d->spf != NULL && bk_spf_is_done(d->spf) &&
		    bk_spf_verdict(d->spf) != BK_SPF_TEMPERROR;

		if (res == BK_DMARC_PASS)
			add(d, "dmarc", d->from_domain, title, BK_DIAG_FIXED,
			    fmt(d, "pass (%s aligned), p=%s",
			    bk_dmarc_spf_aligned(d->dmarc) ? "SPF" : "DKIM",
			    pol));
		else if (res == BK_DMARC_TEMPERROR)
			add(d, "dmarc", d->from_domain, title,
			    BK_DIAG_UNCHECKED, fmt(d, "temperror: %s",
			    bk_dmarc_detail(d->dmarc)));
		else if (res == BK_DMARC_NONE)
			add(d, "dmarc", d->from_domain, title, BK_DIAG_WRONG,
			    fmt(d, "no usable DMARC record: %s",
			    bk_dmarc_detail(d->dmarc)));
		else if (!spf_known && !dkim_known)
			add(d, "dmarc", d->from_domain, title,
			    BK_DIAG_UNCHECKED, fmt(d, "policy p=%s, but "
			    "neither SPF nor DKIM could be evaluated", pol));
		else if (!dkim_known && d->aligned_sig != NULL)
			add(d, "dmarc", d->from_domain, title,
			    BK_DIAG_UNCHECKED, fmt(d, "SPF does not pass in "
			    "alignment; the DKIM signature of %s is aligned "
			    "but could not be verified (%s); policy p=%s",
			    d->aligned_sig, bk_diag_returned_name(
			    d->returned), pol));
		else
			add(d, "dmarc", d->from_domain, title, BK_DIAG_WRONG,
			    fmt(d, "fail, policy p=%s at %s: %s%s", pol,
			    bk_dmarc_policy_domain(d->dmarc) ?
			    bk_dmarc_policy_domain(d->dmarc) : "?",
			    bk_dmarc_detail(d->dmarc), dkim_known ? "" :
			    " (no DKIM signature aligned with the From "
			    "domain in the returned headers)"));
	}
}

/* summarize - the overall line */
static void
summarize(bk_diagnosis *d)
{
	const bk_diag_check *w = NULL, *f = NULL, *u = NULL;
	size_t i, nw = 0, nf = 0;

	for (i = 0; i < d->nchecks; i++) {
		const bk_diag_check *c = &d->checks[i];

		if (c->state == BK_DIAG_WRONG) {
			if (w == NULL)
				w = c;
			nw++;
		} else if (c->state == BK_DIAG_FIXED) {
			if (f == NULL || (c->named && !f->named))
				f = c;
		} else if (u == NULL)
			u = c;
	}
	/* the fixed checks of the kind the summary speaks of */
	for (i = 0; f != NULL && i < d->nchecks; i++)
		if (d->checks[i].state == BK_DIAG_FIXED &&
		    strcmp(d->checks[i].kind, f->kind) == 0)
			nf++;
	if (d->plan == 0) {
		d->verdict = BK_DIAG_UNCHECKED;
		d->summary = fmt(d, "Nothing to check over DNS: %s.",
		    d->plan_why);
		return;
	}
	if (w != NULL) {
		d->verdict = BK_DIAG_WRONG;
		if (strcmp(w->kind, "blocklist") == 0) {
			bk_knowledge k;
			const char *look = NULL, *name = w->title;

			if (w->id != NULL && bk_classifier_lookup(&k, d->cls,
			    BK_KNOW_BLOCKLIST, w->id, strlen(w->id)) == 0) {
				look = k.lookup;
				if (k.name != NULL)
					name = k.name;
			}
			d->summary = fmt(d, "Still listed on %s%s: delist at "
			    "%s, then retry.", name, nw > 1 ? fmt(d, " (and "
			    "%zu more problem%s)", nw - 1, nw > 2 ? "s" :
			    "") : "", look ? look : "the list's own site");
		} else if (strcmp(w->kind, "domain-blocklist") == 0) {
			bk_knowledge k;
			const char *look = NULL;

			if (w->id != NULL && bk_classifier_lookup(&k, d->cls,
			    BK_KNOW_BLOCKLIST, w->id, strlen(w->id)) == 0)
				look = k.lookup;
			d->summary = fmt(d, "%s is still listed (%s)%s: stop "
			    "using it in mail or get it delisted at %s, then "
			    "retry.", w->target, w->title, nw > 1 ? fmt(d,
			    " (and %zu more problem%s)", nw - 1, nw > 2 ? "s" :
			    "") : "", look ? look : "the list's own site");
		} else if (strcmp(w->kind, "spf") == 0)
			d->summary = fmt(d, "SPF still does not pass for %s "
			    "at %s: authorise the IP in the SPF record of %s, "
			    "then retry.", d->ip, d->spf_domain,
			    d->spf_domain);
		else if (strcmp(w->kind, "dkim-key") == 0)
			d->summary = fmt(d, "The DKIM key %s is still missing "
			    "or unusable: publish a valid key, then retry.",
			    w->id);
		else if (strcmp(w->kind, "dkim") == 0)
			d->summary = "DKIM still does not verify on the "
			    "returned message: fix signing (sign last, with "
			    "the published key), then retry.";
		else if (strcmp(w->kind, "dmarc") == 0)
			d->summary = fmt(d, "DMARC still fails for %s: make "
			    "SPF or DKIM pass in alignment with %s, then "
			    "retry.", d->from_domain, d->from_domain);
		else
			d->summary = fmt(d, "%s: %s -- ask whoever runs the "
			    "address range to publish a PTR that resolves "
			    "back, then retry.", w->title, w->detail);
		return;
	}
	for (i = 0; i < d->nchecks; i++) {
		const bk_diag_check *c = &d->checks[i];

		/* the named list is a receiver's own: the public lists
		 * say nothing about it */
		if (c->named && c->state == BK_DIAG_UNCHECKED &&
		    strcmp(c->kind, "blocklist") == 0 && c->id != NULL &&
		    strchr(c->id, '.') != NULL) {
			d->verdict = f != NULL ? BK_DIAG_FIXED :
			    BK_DIAG_UNCHECKED;
			d->summary = fmt(d, "The block the bounce names (%s) "
			    "cannot be checked over DNS%s: "
			    "ask for delisting on the receiver's page (see "
			    "the links above), then retry.", c->title,
			    f != NULL ? fmt(d, " (%s is on none of the %zu "
			    "public lists checked)", d->ip, nf) : "");
			return;
		}
	}
	if (f != NULL) {
		d->verdict = BK_DIAG_FIXED;
		if (strcmp(f->kind, "blocklist") == 0 && f->named)
			d->summary = fmt(d, "Not listed on %s any more: the "
			    "listing expired or was removed; retry.",
			    f->title);
		else if (strcmp(f->kind, "blocklist") == 0)
			d->summary = fmt(d, "%s is not listed on the %zu "
			    "lists checked: the block was the receiver's own "
			    "or has expired; retry%s.", d->ip, nf, u ?
			    " (some checks could not run)" : "");
		else if (strcmp(f->kind, "domain-blocklist") == 0)
			d->summary = fmt(d, "No domain checked is listed (%zu "
			    "answers from the domain lists for %zu domain%s): "
			    "the listing expired or the listed link is not "
			    "among them; retry%s.", nf, d->ndoms,
			    d->ndoms == 1 ? "" : "s", u ? " (some checks "
			    "could not run)" : "");
		else if (strcmp(f->kind, "spf") == 0 ||
		    strcmp(f->kind, "dmarc") == 0)
			d->summary = fmt(d, "%s now passes for %s: the "
			    "rejection was likely transient or fixed; "
			    "retry%s.", strcmp(f->kind, "spf") == 0 ? "SPF" :
			    "DMARC", strcmp(f->kind, "spf") == 0 ? d->ip :
			    d->from_domain, u ? " (some checks could not "
			    "run)" : "");
		else if (strcmp(f->kind, "rdns") == 0)
			d->summary = fmt(d, "%s now has forward-confirmed "
			    "reverse DNS: retry.", d->ip);
		else
			d->summary = fmt(d, "%s looks fixed: retry.",
			    f->title);
		return;
	}
	d->verdict = BK_DIAG_UNCHECKED;
	d->summary = fmt(d, "Could not check: %s.", u ? u->detail :
	    "no check ran");
}

/* bk_diagnosis_finish - see diagnose.h */
int
bk_diagnosis_finish(bk_diagnosis *d)
{
	if (d == NULL || !d->started)
		return BK_EINVAL;
	if (d->finished)
		return 0;
	d->finished = 1;
	if (d->primary == 0 && d->plan != 0)
		d->primary = d->plan & BK_DIAG_PLAN_BLOCKLIST ?
		    BK_DIAG_PLAN_BLOCKLIST : d->plan & BK_DIAG_PLAN_AUTH ?
		    BK_DIAG_PLAN_AUTH : BK_DIAG_PLAN_RDNS;
	if (d->primary == BK_DIAG_PLAN_RDNS)
		rdns_check(d);
	if (d->primary == BK_DIAG_PLAN_AUTH)
		auth_checks(d);
	if (d->primary == BK_DIAG_PLAN_DOMAINS)
		domain_checks(d);
	if (d->plan & BK_DIAG_PLAN_BLOCKLIST)
		blocklist_checks(d);
	if ((d->plan & BK_DIAG_PLAN_DOMAINS) &&
	    d->primary != BK_DIAG_PLAN_DOMAINS)
		domain_checks(d);
	if ((d->plan & BK_DIAG_PLAN_AUTH) && d->primary != BK_DIAG_PLAN_AUTH)
		auth_checks(d);
	if ((d->plan & BK_DIAG_PLAN_RDNS) && d->primary != BK_DIAG_PLAN_RDNS)
		rdns_check(d);
	summarize(d);
	return d->oom ? BK_ENOMEM : 0;
}

/* bk_diagnosis_run - see diagnose.h */
int
bk_diagnosis_run(bk_diagnosis *d)
{
	int rc = bk_diagnosis_start(d);

	if (rc == 0)
		rc = bk_resolver_run(d->r);
	if (rc == 0)
		rc = bk_diagnosis_finish(d);
	return rc;
}

unsigned
bk_diagnosis_plan(const bk_diagnosis *d)
{
	return d ? d->plan : 0;
}

const char *
bk_diagnosis_plan_why(const bk_diagnosis *d)
{
	return d ? d->plan_why : NULL;
}

const char *
bk_diagnosis_ip(const bk_diagnosis *d, bk_diag_ip_source *source_out,
    const char **detail_out)
{
	if (source_out != NULL)
		*source_out = d && d->ip[0] ? d->ipsrc : BK_DIAG_IP_NONE;
	if (detail_out != NULL)
		*detail_out = d && d->ip[0] ? d->ipdetail : NULL;
	return d && d->ip[0] ? d->ip : NULL;
}

bk_diag_returned
bk_diagnosis_returned(const bk_diagnosis *d)
{
	return d ? d->returned : BK_DIAG_RETURNED_NONE;
}

const char *
bk_diagnosis_spf_domain(const bk_diagnosis *d)
{
	return d && d->spf_domain[0] ? d->spf_domain : NULL;
}

const char *
bk_diagnosis_from_domain(const bk_diagnosis *d)
{
	return d && d->from_domain[0] ? d->from_domain : NULL;
}

size_t
bk_diagnosis_count(const bk_diagnosis *d)
{
	return d ? d->nchecks : 0;
}

const bk_diag_check *
bk_diagnosis_check(const bk_diagnosis *d, size_t i)
{
	return d && i < d->nchecks ? &d->checks[i] : NULL;
}

bk_diag_state
bk_diagnosis_verdict(const bk_diagnosis *d)
{
	return d ? d->verdict : BK_DIAG_UNCHECKED;
}

const char *
bk_diagnosis_summary(const bk_diagnosis *d)
{
	return d && d->summary ? d->summary : "";
}

/* bk__diagnosis_record, _classifier - see diagnose_int.h */
const bk_record *
bk__diagnosis_record(const bk_diagnosis *d)
{
	return d->rec;
}

const bk_classifier *
bk__diagnosis_classifier(const bk_diagnosis *d)
{
	return d->cls;
}
