/*
 * classify_reply.c - facts out of a bare SMTP reply or an MTA log line.
 *
 * Reads the reply code (RFC 5321 section 4.2: three digits, then SP or "-"
 * on continuation lines), the enhanced status code (RFC 3463 section 2:
 * class.subject.detail, each 1-3 digits) and, from common log shapes, the
 * remote host, the SMTP command and the outcome:
 *
 *   550 5.1.1 <x@y>: Recipient address rejected: User unknown
 *   550-5.7.26 This mail has been blocked ...
 *   postfix/smtp[1]: ...: to=<x@y>, relay=mx.example[192.0.2.1]:25, ...,
 *       dsn=5.1.1, status=bounced (host mx.example[192.0.2.1] said: 550 5.1.1
 *       <x@y>: User unknown (in reply to RCPT TO command))
 *   ** x@y R=dnslookup T=remote_smtp H=mx.example [192.0.2.1]: SMTP error
 *       from remote mail server after RCPT TO:<x@y>: 550 5.1.1 unknown
 *
 * Every string set in the record points into the caller's line.  Readers
 * advance over the line with explicit bounds; nothing is copied.
 */
#include <string.h>

#include "classify/classify_int.h"

/* Bytes searched for codes: real replies carry them near the start. */
#define FIND_WINDOW 4096

/* bk__classify_find_status - first RFC 3463 code; returns its length */
size_t
bk__classify_find_status(const char *p, size_t len, size_t *at)
{
	size_t i, j, part, digits;

	if (len > FIND_WINDOW)
		len = FIND_WINDOW;
	/* invariant: no code starts before i */
	for (i = 0; i + 5 <= len; i++) {
		if (p[i] != '2' && p[i] != '4' && p[i] != '5')
			continue;
		if (i > 0 && (bk__is(p[i - 1], BK_C_DIGIT | BK_C_ALPHA) ||
		    p[i - 1] == '.' || p[i - 1] == '_'))
			continue;
		j = i + 1;
		for (part = 0; part < 2; part++) {
			if (j >= len || p[j] != '.')
				break;
			j++;
			digits = 0;
			while (j < len && bk__is(p[j], BK_C_DIGIT) &&
			    digits < 4) {
				j++;
				digits++;
			}
			if (digits == 0 || digits > 3)
				break;
		}
		if (part != 2)
			continue;
		/* "5.1.1" but not "5.1.1.2", "5.1.10x" or "5.1.1.x" */
		if (j < len && (bk__is(p[j], BK_C_DIGIT | BK_C_ALPHA) ||
		    (p[j] == '.' && j + 1 < len &&
		    bk__is(p[j + 1], BK_C_DIGIT | BK_C_ALPHA))))
			continue;
		*at = i;
		return j - i;
	}
	return 0;
}

/* reply_at - is there a reply code token at p[i]; returns it or 0 */
static int
reply_at(const char *p, size_t len, size_t i)
{
	int c;

	if (i + 3 > len)
		return 0;
	if ((p[i] != '2' && p[i] != '4' && p[i] != '5') ||
	    p[i + 1] < '0' || p[i + 1] > '5' || !bk__is(p[i + 2], BK_C_DIGIT))
		return 0;
	if (i > 0 && !bk__is(p[i - 1], BK_C_SPACE) && p[i - 1] != ':' &&
	    p[i - 1] != '(' && p[i - 1] != '"' && p[i - 1] != '\'' &&
	    p[i - 1] != ';' && p[i - 1] != '\n' && p[i - 1] != '\r')
		return 0;
	if (i + 3 < len && p[i + 3] != ' ' && p[i + 3] != '-' &&
	    p[i + 3] != '\t' && p[i + 3] != '\r' && p[i + 3] != '\n')
		return 0;
	c = (p[i] - '0') * 100 + (p[i + 1] - '0') * 10 + (p[i + 2] - '0');
	return c;
}

/*
 * is_defined_reply - is @c a reply code some SMTP specification defines:
 * RFC 5321 section 4.2.3, AUTH (RFC 4954), STARTTLS (RFC 3207), the
 * enhanced-code registry (RFC 5248), RFC 7504 and the older ETRN and
 * address-query codes (RFC 1985, RFC 2645).  A number elsewhere in a
 * text ("426 connection timed out" from a client library, "522" in a
 * Messaging Server note) is not taken for the server's reply.
 */
static int
is_defined_reply(int c)
{
	static const short codes[] = {
		211, 214, 220, 221, 235, 250, 251, 252, 253, 334, 354,
		421, 422, 430, 432, 450, 451, 452, 453, 454, 455, 458, 459,
		500, 501, 502, 503, 504, 521, 523, 524, 525, 530, 533, 534,
		535, 538, 550, 551, 552, 553, 554, 555, 556
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i] == c)
			return 1;
	return 0;
}

/*
 * bk__classify_find_reply - first reply code in the text; with @cls_digit
 * ('4' or '5'), the first of that class.  0 when there is none.  Only
 * codes an SMTP specification defines count (is_defined_reply).  A 2xx
 * code counts only at the very start: later in a failure text it is a
 * greeting or an echo, not the outcome.
 */
int
bk__classify_find_reply(const char *p, size_t len, int cls_digit)
{
	size_t i;
	int c;

	if (len > FIND_WINDOW)
		len = FIND_WINDOW;
	for (i = 0; i + 3 <= len; i++) {
		c = reply_at(p, len, i);
		if (c == 0 || (c < 300 && i > 0) || !is_defined_reply(c))
			continue;
		if (cls_digit == 0 || c / 100 == cls_digit - '0')
			return c;
	}
	return 0;
}

/* after - the bytes after the first occurrence of @needle, or NULL */
static const char *
after(const char *p, size_t len, const char *needle)
{
	const char *q = bk__istr(p, len, needle);

	return q ? q + strlen(needle) : NULL;
}

/* token_until - length of the run at @p up to any byte of @stops */
static size_t
token_until(const char *p, const char *end, const char *stops)
{
	const char *q = p;

	while (q < end && strchr(stops, *q) == NULL && *q != '\0')
		q++;
	return (size_t)(q - p);
}

/*
 * command_of - the SMTP command named in "(in reply to X command)" etc.
 * The first phrase of the table that occurs anywhere wins.  Every phrase
 * starts with one of three lead-ins ("in reply to ", "after ", "did not
 * like our "), so one pass looks for their first letters and compares the
 * rest in place.
 */
static bk_str
command_of(const char *p, size_t len)
{
	static const struct {
		const char *phrase, *cmd;
	} map[] = {
		{ "in reply to rcpt to", "RCPT" },
		{ "in reply to end of data", "DATA" },
		{ "in reply to data", "DATA" },
		{ "in reply to mail from", "MAIL" },
		{ "in reply to ehlo", "EHLO" },
		{ "in reply to helo", "HELO" },
		{ "in reply to starttls", "STARTTLS" },
		{ "after rcpt to", "RCPT" },
		{ "after end of data", "DATA" },
		{ "after data", "DATA" },
		{ "after mail from", "MAIL" },
		{ "after initial connection", "CONN" },
		{ "after ehlo", "EHLO" },
		{ "after helo", "HELO" },
		{ "did not like our rcpt to", "RCPT" },
		{ "did not like our data", "DATA" },
		{ "did not like our mail from", "MAIL" },
	};
	const size_t nmap = sizeof(map) / sizeof(map[0]);
	size_t best = nmap, i, k;

	/* invariant: no phrase of the table starts before p[i] */
	for (i = 0; i + 10 <= len && best > 0; i++) {
		int c = bk__lower((unsigned char)p[i]);

		if (c != 'i' && c != 'a' && c != 'd')
			continue;
		for (k = 0; k < best; k++)
			if (map[k].phrase[0] == c &&
			    bk__istarts(p + i, len - i, map[k].phrase)) {
				best = k;
				break;
			}
	}
	return best < nmap ? bk__cstr(map[best].cmd) : BK_STR_NULL;
}

/* bk__classify_parse_reply - facts of one reply or log line */
int
bk__classify_parse_reply(bk_record *out, const char *line, size_t len)
{
	const char *p = line, *end, *q, *d, *status_at;
	size_t n, at;
	int code, has_eq;

	memset(out, 0, sizeof(*out));
	out->kind = BK_KIND_BOUNCE;
	out->reason = BK_REASON_UNDEFINED;
	out->reason_hint = BK_REASON_UNDEFINED;
	out->permanent = -1;
	if (line == NULL || len == 0)
		return BK_EINVAL;
	if (len > BK_LIMIT_LINE_BYTES)
		len = BK_LIMIT_LINE_BYTES;
	end = p + len;
	while (p < end && (bk__is(*p, BK_C_SPACE | BK_C_EOL)))
		p++;
	while (end > p && bk__is(end[-1], BK_C_SPACE | BK_C_EOL))
		end--;
	if (p == end)
		return BK_EINVAL;
	len = (size_t)(end - p);
	out->decoder = "reply";
	out->diagnostic_type = bk__cstr("SMTP");

	/* Postfix-style key=value fields (and Exim's H=): all need a '=' */
	has_eq = memchr(p, '=', len) != NULL;
	if (has_eq && (q = after(p, len, " to=<")) != NULL) {
		n = token_until(q, end, ">");
		out->recipient = bk__str(q, n);
	}
	if (has_eq && (q = after(p, len, " relay=")) != NULL) {
		n = token_until(q, end, "[,: ");
		if (n > 0 && !(n == 4 && bk__ieq(q, 4, "none")))
			out->remote_mta = bk__str(q, n);
	}
	if (has_eq && (q = after(p, len, " dsn=")) != NULL) {
		n = token_until(q, end, ", ");
		if (bk__classify_find_status(q, n, &at) == n && at == 0)
			out->status = bk__str(q, n);
	}
	status_at = has_eq ? after(p, len, " status=") : NULL;
	if ((q = status_at) != NULL) {
		n = token_until(q, end, " ,(");
		if (bk__istarts(q, n, "sent") || bk__istarts(q, n, "delivered"))
			out->kind = BK_KIND_DELIVERED;
		else if (bk__istarts(q, n, "deferred"))
			out->kind = BK_KIND_DELAY;
		if (n == 7 && bk__ieq(q, n, "expired"))
			out->action = bk__str(q, n);
		else if (out->kind == BK_KIND_DELAY)
			out->action = bk__cstr("delayed");
	}
	/*
	 * "host mx.example[192.0.2.1] said: TEXT": the first "host " must be
	 * followed by " said: ", so without any " said: " there is nothing.
	 */
	if (bk__istr(p, len, " said: ") != NULL &&
	    (q = after(p, len, "host ")) != NULL &&
	    bk__istr(q, (size_t)(end - q), " said: ") != NULL) {
		n = token_until(q, end, "[ ");
		if (n > 0 && out->remote_mta.ptr == NULL)
			out->remote_mta = bk__str(q, n);
	}
	/* Exim: "H=mx.example [192.0.2.1]" */
	if (has_eq && out->remote_mta.ptr == NULL &&
	    (q = after(p, len, " H=")) != NULL) {
		n = token_until(q, end, "[ :");
		if (n > 0)
			out->remote_mta = bk__str(q, n);
	}
	out->command = command_of(p, len);

	/*
	 * The remote text: in a Postfix log line, what the remote host said
	 * (or the parenthesised outcome); otherwise the whole line, so that
	 * wording before the reply code ("Connected to ... but my name was
	 * rejected. Remote host said: 501 ...") is kept.
	 */
	d = p;
	if ((q = status_at) != NULL) {
		const char *said = after(q, (size_t)(end - q), " said: ");
		const char *paren = memchr(q, '(', (size_t)(end - q));

		if (said != NULL)
			d = said;
		else if (paren != NULL)
			d = paren + 1;
	}
	n = (size_t)(end - d);
	/* a Postfix log line closes the parenthesis it opened */
	if (d != p && n > 0 && d[n - 1] == ')')
		n--;
	out->diagnostic = bk__str(d, n);

	code = reply_at(d, n, 0);
	if (code == 0)
		code = bk__classify_find_reply(d, n, out->status.ptr ?
		    out->status.ptr[0] : 0);
	if (code == 0 && out->status.ptr != NULL)
		code = bk__classify_find_reply(d, n, 0);
	out->reply_code = code;
	if (out->status.ptr == NULL) {
		size_t sl = bk__classify_find_status(d, n, &at);

		if (sl > 0)
			out->status = bk__str(d + at, sl);
	}
	if (out->status.ptr != NULL && out->status.ptr[0] == '2')
		out->kind = BK_KIND_DELIVERED;
	else if (code >= 200 && code < 300 && out->status.ptr == NULL)
		out->kind = BK_KIND_DELIVERED;
	if (out->action.ptr == NULL)
		out->action = out->kind == BK_KIND_DELIVERED ?
		    bk__cstr("delivered") : out->kind == BK_KIND_DELAY ?
		    bk__cstr("delayed") : bk__cstr("failed");
	return 0;
}
