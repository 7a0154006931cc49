/*
 * diagnose_ip.c - which address sent the mail that bounced: read from the
 * receiver's reply text or from the returned message's Received fields.
 *
 * Both readers are bounded scans over untrusted text: every loop advances
 * over the input at least one byte per iteration, candidates are at most
 * 63 bytes and are accepted only when inet_pton() parses them.  No
 * address is invented: when the text does not say, the answer is "not
 * found" and the caller asks the user (--sender-ip).
 *
 * RFC 5321 4.4 (the Received "from" and "by" clauses, TCP-info),
 * RFC 5322 3.6.7.
 */
#include <string.h>
#include <arpa/inet.h>

#include "bouncekit/check.h"
#include "bouncekit/diagnose.h"
#include "bouncekit/errors.h"
#include "util/util_int.h"

#define IP_MAX 63

/* is_ipchar - a byte that can be part of an address literal */
static int
is_ipchar(unsigned char c)
{
	return bk__is(c, BK_C_HEX) || c == '.' || c == ':';
}

/* is_hostchar - a byte of a host name */
static int
is_hostchar(unsigned char c)
{
	return bk__is(c, BK_C_ALPHA | BK_C_DIGIT) || c == '.' || c == '-';
}

/*
 * ip_parse - is [p, p+len) an IPv4 or IPv6 address ("IPv6:" prefix
 * allowed)?  Writes its text to @out (NUL-terminated) and returns 1.
 */
static int
ip_parse(char *out, size_t cap, const char *p, size_t len)
{
	unsigned char bin[16];
	char tmp[IP_MAX + 1];

	if (len > 5 && bk__istarts(p, len, "ipv6:")) {
		p += 5;
		len -= 5;
	}
	if (len < 3 || len > IP_MAX)
		return 0;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, bin) != 1 &&
	    inet_pton(AF_INET6, tmp, bin) != 1)
		return 0;
	if (len + 1 > cap)
		return 0;
	memcpy(out, tmp, len + 1);
	return 1;
}

/*
 * ip_is_public - could this address be the one a receiver on the
 * Internet saw?  Loopback, private (RFC 1918), shared (RFC 6598),
 * link-local, unspecified, multicast and unique-local IPv6 are not.
 * Documentation ranges (RFC 5737, RFC 3849) count as public: the tests
 * and examples use them.
 */
static int
ip_is_public(const char *ip)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, ip, b) == 1) {
		if (b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224)
			return 0;
		if (b[0] == 169 && b[1] == 254)
			return 0;
		if (b[0] == 172 && (b[1] & 0xf0) == 16)
			return 0;
		if (b[0] == 192 && b[1] == 168)
			return 0;
		if (b[0] == 100 && (b[1] & 0xc0) == 64)
			return 0;
		return 1;
	}
	if (inet_pton(AF_INET6, ip, b) != 1)
		return 0;
	if (b[0] == 0xff || (b[0] & 0xfe) == 0xfc)
		return 0;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return 0;
	{
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0xff, 0xff };
		static const unsigned char zero[15];
		char v4[16];

		if (memcmp(b, zero, 15) == 0)
			return 0;  /* :: and ::1 */
		if (memcmp(b, mapped, 12) == 0) {
			if (inet_ntop(AF_INET, b + 12, v4, sizeof(v4)) ==
			    NULL)
				return 0;
			return ip_is_public(v4);
		}
	}
	return 1;
}

/* ends_with - do the @n bytes before @at end with @s (any case)? */
static int
ends_with(const char *base, const char *at, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(at - base) < n)
		return 0;
	return bk__istarts(at - n, n, s);
}

/* Words right before an address that say it is the sender's. */
static const char *const before_words[] = {
	"client host ", "client host", "messages from ", "message from ",
	"connection from ", "connecting ip ", "sending ip ", "your ip ",
	"your ip address ", "ip address ", "ip address: ", "ip address of ",
	"ip: ", "ip ", "ip=", "/ip/", "client-ip=", "client_ip=",
	"searchterm=", "bl.shtml?", "from ip ", "sender ip ", "source ip ",
	"host ip ", "reputation of ", NULL
};

/* Words right after an address that say it is the sender's. */
static const char *const after_words[] = {
	" blocked using", " is blocked", " has been blocked", " is listed",
	" listed", " is on ", " the ip address", " the ip you",
	" our system has detected", " is not allowed", " does not have",
	" temporarily deferred", " not allowed to send", " is in ", NULL
};

/*
 * receiver_literal - is the bracketed address at @open the receiving
 * server's own ("mx.example.net[IP]", "host mx.example.net [IP]")?
 */
static int
receiver_literal(const char *base, const char *open)
{
	const char *p = open, *tok_end, *tok;
	int dot = 0;

	if (p > base && is_hostchar((unsigned char)p[-1]))
		return 1;  /* Postfix: name[IP] */
	while (p > base && p[-1] == ' ')
		p--;
	tok_end = p;
	/* loop: p moves back over one host name at most */
	while (p > base && is_hostchar((unsigned char)p[-1])) {
		if (p[-1] == '.')
			dot = 1;
		p--;
	}
	tok = p;
	if (!dot || tok == tok_end)
		return 0;
	while (p > base && p[-1] == ' ')
		p--;
	return ends_with(base, p, "host") || ends_with(base, p, "by") ||
	    ends_with(base, p, "from");
}

/* bk_diagnose_ip_from_text - see diagnose.h */
int
bk_diagnose_ip_from_text(char *out, size_t cap, const char *text,
    size_t len)
{
	const char *p = text, *end = text + len;
	char ip[IP_MAX + 1], weak[IP_MAX + 1];
	int nweak = 0, k;

	if (text == NULL)
		return BK_ENOTFOUND;
	weak[0] = '\0';
	/* loop: p advances past each candidate or by one byte */
	while (p < end) {
		const char *s, *e, *open = NULL, *after;
		int bracket = 0, strong = 0;

		if (*p == '[') {
			open = p;
			s = p + 1;
			e = s;
			while (e < end && e - s <= IP_MAX + 5 &&
			    (is_ipchar((unsigned char)*e) ||
			    (e - s < 5 && bk__is(*e, BK_C_ALPHA))))
				e++;
			if (!ip_parse(ip, sizeof(ip), s, (size_t)(e - s))) {
				p++;
				continue;
			}
			/* Gmail: "[IP      12]" */
			after = e;
			while (after < end && (*after == ' ' ||
			    bk__is(*after, BK_C_DIGIT)))
				after++;
			if (after >= end || *after != ']') {
				p = e;
				continue;
			}
			after++;
			bracket = 1;
		} else if (is_ipchar((unsigned char)*p) && (p == text ||
		    !is_hostchar((unsigned char)p[-1]))) {
			s = p;
			e = p;
			while (e < end && e - s <= IP_MAX &&
			    is_ipchar((unsigned char)*e))
				e++;
			/* a sentence's full stop is not part of it */
			while (e > s && e[-1] == '.')
				e--;
			if ((e < end && (is_hostchar((unsigned char)*e) ||
			    *e == '@')) ||
			    !ip_parse(ip, sizeof(ip), s, (size_t)(e - s))) {
				p = e > p ? e : p + 1;
				continue;
			}
			after = e;
		} else {
			p++;
			continue;
		}
		for (k = 0; before_words[k] != NULL && !strong; k++)
			strong = ends_with(text, bracket ? open : s,
			    before_words[k]);
		for (k = 0; after_words[k] != NULL && !strong; k++)
			strong = bk__istarts(after, (size_t)(end - after),
			    after_words[k]);
		if (!ip_is_public(ip) ||
		    (bracket && receiver_literal(text, open))) {
			p = after;
			continue;
		}
		if (strong) {
			if (strlen(ip) + 1 > cap)
				return BK_ETOOBIG;
			memcpy(out, ip, strlen(ip) + 1);
			return 0;
		}
		if (bracket) {
			if (nweak == 0 || strcmp(weak, ip) != 0)
				nweak++;
			if (nweak == 1)
				memcpy(weak, ip, strlen(ip) + 1);
		}
		p = after;
	}
	if (nweak != 1)
		return BK_ENOTFOUND;
	if (strlen(weak) + 1 > cap)
		return BK_ETOOBIG;
	memcpy(out, weak, strlen(weak) + 1);
	return 0;
}

/* One Received field, as far as the rule needs it. */
struct rcvd {
	char from_ip[IP_MAX + 1];  /* from-clause TCP-info address */
	char by_host[256];         /* by-clause host name */
	char by_ip[IP_MAX + 1];    /* an address literal in the by-clause */
};

/* find_word - keyword @w at a word boundary in [base, end), or NULL */
static const char *
find_word(const char *base, const char *end, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	/* loop: p advances one byte per iteration */
	for (p = base; p + n <= end; p++) {
		if (!bk__istarts(p, (size_t)(end - p), w))
			continue;
		if (p > base && p[-1] != ' ' && p[-1] != '\t' &&
		    p[-1] != '\n' && p[-1] != ')' && p[-1] != ']')
			continue;
		if (p + n < end && p[n] != ' ' && p[n] != '\t' &&
		    p[n] != '\n')
			continue;
		return p;
	}
	return NULL;
}

/*
 * first_literal - the first address literal in [p, end): "[IP]",
 * "[IPv6:IP]", or "(IP)" (Exchange writes the bare address in
 * parentheses).
 */
static int
first_literal(char *out, size_t cap, const char *p, const char *end)
{
	/* loop: p advances one byte per iteration */
	for (; p < end; p++) {
		const char *s, *e;
		char close;

		if (*p == '[')
			close = ']';
		else if (*p == '(')
			close = ')';
		else
			continue;
		s = p + 1;
		e = s;
		while (e < end && e - s <= IP_MAX + 5 && *e != close &&
		    *e != ' ' && *e != '\n')
			e++;
		if (e < end && *e == close &&
		    ip_parse(out, cap, s, (size_t)(e - s)))
			return 1;
	}
	return 0;
}

/* parse_received - the from-clause address and the by-clause host */
static void
parse_received(struct rcvd *r, const char *v, size_t len)
{
	const char *p = v, *end = v + len, *by, *from_end, *h, *stop;
	size_t n;

	memset(r, 0, sizeof(*r));
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
		p++;
	by = find_word(p, end, "by");
	from_end = by != NULL ? by : end;
	if (bk__istarts(p, (size_t)(end - p), "from") &&
	    !first_literal(r->from_ip, sizeof(r->from_ip), p + 4, from_end)) {
		/* "from 198.51.100.9 by ..." */
		h = p + 4;
		while (h < from_end && *h == ' ')
			h++;
		n = 0;
		while (h + n < from_end && is_ipchar((unsigned char)h[n]))
			n++;
		if (!ip_parse(r->from_ip, sizeof(r->from_ip), h, n))
			r->from_ip[0] = '\0';
	}
	if (by == NULL)
		return;
	h = by + 2;
	while (h < end && (*h == ' ' || *h == '\t' || *h == '\n'))
		h++;
	n = 0;
	while (h + n < end && n < sizeof(r->by_host) - 1 &&
	    (is_hostchar((unsigned char)h[n]) || h[n] == '_'))
		n++;
	memcpy(r->by_host, h, n);
	r->by_host[n] = '\0';
	if (ip_parse(r->by_ip, sizeof(r->by_ip), h, n))
		return;
	r->by_ip[0] = '\0';
	/* the by-clause ends at "with", "id", "via", "for" or ';' */
	stop = memchr(h, ';', (size_t)(end - h));
	if (stop == NULL)
		stop = end;
	{
		const char *const ends[] = { "with", "id", "via", "for" };
		size_t i;

		for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
			const char *w = find_word(h, stop, ends[i]);

			if (w != NULL && w < stop)
				stop = w;
		}
	}
	if (!first_literal(r->by_ip, sizeof(r->by_ip), h + n, stop))
		r->by_ip[0] = '\0';
}

/* org_of - organizational domain of a host name, "" when none */
static void
org_of(char *out, size_t cap, const char *host)
{
	out[0] = '\0';
	if (host == NULL || host[0] == '\0' || strchr(host, '.') == NULL)
		return;
	if (bk_dmarc_org_domain(out, cap, host) != 0)
		out[0] = '\0';
}

/* bk_diagnose_ip_from_received - see diagnose.h */
int
bk_diagnose_ip_from_received(char *out, size_t cap,
    const char *const *values, const size_t *lens, size_t n,
    const char *remote_mta, const char *rcpt_domain,
    const char *sender_domain, size_t *which_out)
{
	char recv1[256], recv2[256], snd[256], org[256];
	struct rcvd r;
	size_t i, k = 0, found = n;
	const char *ip = NULL;

	org_of(recv1, sizeof(recv1), remote_mta);
	org_of(recv2, sizeof(recv2), rcpt_domain);
	org_of(snd, sizeof(snd), sender_domain);
	if (snd[0] != '\0' && strcmp(recv1, snd) == 0)
		recv1[0] = '\0';
	if (snd[0] != '\0' && strcmp(recv2, snd) == 0)
		recv2[0] = '\0';
	/* the lowest field added by the receiving side */
	for (i = n; i-- > 0;) {
		parse_received(&r, values[i], lens[i]);
		org_of(org, sizeof(org), r.by_host);
		if (org[0] != '\0' && (strcmp(org, recv1) == 0 ||
		    strcmp(org, recv2) == 0)) {
			found = i;
			break;
		}
	}
	if (found < n) {
		if (r.from_ip[0] != '\0' && ip_is_public(r.from_ip)) {
			ip = r.from_ip;
			k = found;
		} else
			k = found + 1;
	}
	if (ip == NULL && k < n) {
		/* the last field our side added before the mail left */
		parse_received(&r, values[k], lens[k]);
		if (r.by_ip[0] != '\0' && ip_is_public(r.by_ip))
			ip = r.by_ip;
	}
	if (ip == NULL)
		return BK_ENOTFOUND;
	if (strlen(ip) + 1 > cap)
		return BK_ETOOBIG;
	memcpy(out, ip, strlen(ip) + 1);
	if (which_out != NULL)
		*which_out = k;
	return 0;
}
