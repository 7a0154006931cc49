/*
 * check_trace.c - what the trace header fields of a received message say
 * about its arrival: the connecting address, the HELO name, the envelope
 * sender, and the RFC5322.From domain, for `check message`.
 *
 * The topmost Received field (RFC 5321 4.4) was added by the receiving
 * MTA: its from-clause names the client as "from HELO (rdns [IP])"
 * (Postfix, Sendmail) or "from [IP] (helo=HELO)" (Exim).  Received
 * fields whose address is loopback are local hops (a content filter
 * re-injecting the message) and are skipped.  The envelope sender comes
 * from Return-Path (written at final delivery, RFC 5321 4.4), else from
 * Received-SPF envelope-from= or Authentication-Results smtp.mailfrom=.
 * Received-SPF client-ip=/helo= fill what the Received fields lack.
 *
 * Input is the raw message; fields are walked line by line (bounded by
 * BK_LIMIT_HEADER_COUNT) and values are unfolded into a fixed buffer of
 * BK_LIMIT_HEADER_BYTES at most.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "check/check_int.h"

#define VAL_MAX 8192

/* copy_word - the run at @p up to a delimiter, into @out */
static void
copy_word(char *out, size_t cap, const char *p, const char *delims)
{
	size_t n = strcspn(p, delims);

	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* is_ip - IPv4 or IPv6 text; 2 when it is loopback */
static int
is_ip(const char *s)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, s, b) == 1)
		return b[0] == 127 ? 2 : 1;
	if (inet_pton(AF_INET6, s, b) == 1) {
		static const unsigned char lo[16] = { [15] = 1 };

		return memcmp(b, lo, 16) == 0 ? 2 : 1;
	}
	return 0;
}

/* kv - the value of "key=" in a Received-SPF / A-R value */
static int
kv(char *out, size_t cap, const char *v, const char *key)
{
	const char *p = v;
	size_t kl = strlen(key);

	while ((p = bk__istr(p, strlen(p), key)) != NULL) {
		if (p == v || p[-1] == ' ' || p[-1] == ';' || p[-1] == '\t' ||
		    p[-1] == '(') {
			p += kl;
			if (*p == '"')
				p++;
			copy_word(out, cap, p, " ;\t\")");
			return out[0] != '\0';
		}
		p += kl;
	}
	return 0;
}

/* received - the from-clause of one Received value; 1 when it named a
 * usable (non-loopback) address */
static int
received(bk_msg_trace *t, const char *v)
{
	const char *from, *by, *lb, *rb;
	char ip[80], helo[256] = "";

	while (*v == ' ' || *v == '\t')
		v++;
	if (!bk__istarts(v, strlen(v), "from "))
		return 0;
	from = v + 5;
	while (*from == ' ')
		from++;
	by = bk__istr(from, strlen(from), " by ");
	if (by == NULL)
		by = from + strlen(from);
	if (*from != '[' && *from != '(')
		copy_word(helo, sizeof(helo), from, " ([;");
	{
		const char *h = bk__istr(from, (size_t)(by - from), "helo=");

		if (h != NULL)
			copy_word(helo, sizeof(helo), h + 5, " )];");
	}
	for (lb = from; lb < by; lb = rb + 1) {
		const char *s;

		lb = memchr(lb, '[', (size_t)(by - lb));
		if (lb == NULL)
			break;
		rb = memchr(lb, ']', (size_t)(by - lb));
		if (rb == NULL)
			break;
		s = lb + 1;
		if (bk__istarts(s, (size_t)(rb - s), "ipv6:"))
			s += 5;
		if ((size_t)(rb - s) >= sizeof(ip))
			continue;
		memcpy(ip, s, (size_t)(rb - s));
		ip[rb - s] = '\0';
		switch (is_ip(ip)) {
		case 1:
			snprintf(t->ip, sizeof(t->ip), "%.63s", ip);
			snprintf(t->helo, sizeof(t->helo), "%s", helo);
			t->ip_source = "Received";
			return 1;
		case 2:
			return 0;   /* a local hop: look further down */
		default:
			break;
		}
	}
	return 0;
}

/* bk_trace_parse - see check.h */
int
bk_trace_parse(bk_msg_trace *t, const char *msg, size_t len)
{
	size_t i = 0, nf = 0;
	int have_rcvd = 0, done_rcvd = 0;
	char *val;

	if (t == NULL || (msg == NULL && len > 0))
		return BK_EINVAL;
	memset(t, 0, sizeof(*t));
	val = malloc(VAL_MAX);
	if (val == NULL)
		return BK_ENOMEM;
	/* loop: one field per step, i only moves forward */
	while (i < len && nf < BK_LIMIT_HEADER_COUNT) {
		size_t st = i, n = 0, namelen;
		const char *colon;

		if (msg[i] == '\n' || (msg[i] == '\r' && i + 1 < len &&
		    msg[i + 1] == '\n'))
			break;
		for (;;) {
			const char *nl = memchr(msg + i, '\n', len - i);

			i = nl ? (size_t)(nl - msg) + 1 : len;
			if (i >= len || (msg[i] != ' ' && msg[i] != '\t'))
				break;
		}
		nf++;
		colon = memchr(msg + st, ':', i - st);
		if (colon == NULL)
			continue;
		namelen = (size_t)(colon - (msg + st));
		/* unfold: CR and LF dropped, the value kept */
		for (const char *p = colon + 1; p < msg + i && n + 1 <
		    VAL_MAX; p++)
			if (*p != '\r' && *p != '\n')
				val[n++] = *p;
		val[n] = '\0';
#define NAME(s) bk__ieq(msg + st, namelen, (s))
		if (NAME("received") && !done_rcvd) {
			have_rcvd = 1;
			done_rcvd = received(t, val);
		} else if (NAME("return-path") && t->mail_from[0] == '\0') {
			const char *p = val;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '<')
				p++;
			copy_word(t->mail_from, sizeof(t->mail_from), p,
			    "> \t");
			if (t->mail_from[0] == '\0')
				snprintf(t->mail_from, sizeof(t->mail_from),
				    "<>");
			t->mail_from_source = "Return-Path";
		} else if (NAME("received-spf")) {
			char tmp[512];

			if (t->ip[0] == '\0' && kv(tmp, sizeof(tmp), val,
			    "client-ip=") && is_ip(tmp) == 1) {
				snprintf(t->ip, sizeof(t->ip), "%.63s", tmp);
				t->ip_source = "Received-SPF";
			}
			if (t->helo[0] == '\0' && kv(tmp, sizeof(tmp), val,
			    "helo="))
				snprintf(t->helo, sizeof(t->helo), "%.255s",
				    tmp);
			if (t->mail_from[0] == '\0' && kv(tmp, sizeof(tmp),
			    val, "envelope-from=")) {
				snprintf(t->mail_from, sizeof(t->mail_from),
				    "%s", tmp);
				t->mail_from_source = "Received-SPF";
			}
		} else if (NAME("authentication-results")) {
			char tmp[512];

			if (t->mail_from[0] == '\0' && kv(tmp, sizeof(tmp),
			    val, "smtp.mailfrom=")) {
				snprintf(t->mail_from, sizeof(t->mail_from),
				    "%s", tmp);
				t->mail_from_source = "Authentication-Results";
			}
		} else if (NAME("from") && t->from_domain[0] == '\0') {
			if (bk_dmarc_from_domain(t->from_domain,
			    sizeof(t->from_domain), val, n) != 0)
				t->from_domain[0] = '\0';
			t->from_count++;
		} else if (NAME("from"))
			t->from_count++;
#undef NAME
	}
	(void)have_rcvd;
	free(val);
	return 0;
}
