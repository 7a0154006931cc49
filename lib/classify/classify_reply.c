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
 * A log line's time stamp (syslog's, or an ISO date and time) becomes the
 * record's time (bk__log_time).  Every string set in the record points
 * into the caller's line.  Readers
 * advance over the line with explicit bounds; nothing is copied.
 */
#include <string.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "classify/classify_int.h"

/* Bytes searched for codes: real replies carry them near the start. */
#define FIND_WINDOW 4096

/*
 * status_at - is there an RFC 3463 code at p[i] (i + 1 < len, p[i + 1] is
 * '.'); returns its length or 0.
 */
static size_t
status_at(const char *p, size_t len, size_t i)
{
	size_t j, part, digits;

	if (p[i] != '2' && p[i] != '4' && p[i] != '5')
		return 0;
	if (i > 0 && (bk__is(p[i - 1], BK_C_DIGIT | BK_C_ALPHA) ||
	    p[i - 1] == '.' || p[i - 1] == '_'))
		return 0;
	j = i + 1;
	for (part = 0; part < 2; part++) {
		if (j >= len || p[j] != '.')
			return 0;
		j++;
		digits = 0;
		while (j < len && bk__is(p[j], BK_C_DIGIT) && digits < 4) {
			j++;
			digits++;
		}
		if (digits == 0 || digits > 3)
			return 0;
	}
	/* "5.1.1" but not "5.1.1.2", "5.1.10x" or "5.1.1.x" */
	if (j < len && (bk__is(p[j], BK_C_DIGIT | BK_C_ALPHA) ||
	    (p[j] == '.' && j + 1 < len &&
	    bk__is(p[j + 1], BK_C_DIGIT | BK_C_ALPHA))))
		return 0;
	return j - i;
}

/*
 * bk__classify_find_status - first RFC 3463 code; returns its length.
 * A code "c.s.d" has a dot right after its class digit, so only the
 * bytes before each dot are tried (memchr from dot to dot): the dots are
 * met in order, hence so are the places a code could start.
 */
size_t
bk__classify_find_status(const char *p, size_t len, size_t *at)
{
	const char *dot;
	size_t k = 1, n;

	if (p == NULL)
		return 0;
	if (len > FIND_WINDOW)
		len = FIND_WINDOW;
	/* invariant: no code starts before k - 1; k grows every turn */
	while (k + 4 <= len &&
	    (dot = memchr(p + k, '.', len - k)) != NULL) {
		k = (size_t)(dot - p);
		if (k + 4 > len)
			break;
		n = status_at(p, len, k - 1);
		if (n > 0) {
			*at = k - 1;
			return n;
		}
		k++;
	}
	return 0;
}

/* reply_at - is there a reply code token at p[i]; returns it or 0 */
static inline int
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
	switch (c) {
	case 211: case 214: case 220: case 221: case 235: case 250:
	case 251: case 252: case 253: case 334: case 354:
	case 421: case 422: case 430: case 432: case 450: case 451:
	case 452: case 453: case 454: case 455: case 458: case 459:
	case 500: case 501: case 502: case 503: case 504: case 521:
	case 523: case 524: case 525: case 530: case 533: case 534:
	case 535: case 538: case 550: case 551: case 552: case 553:
	case 554: case 555: case 556:
		return 1;
	default:
		return 0;
	}
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
		/* the class digit first: most bytes are not one */
		if (p[i] != '2' && p[i] != '4' && p[i] != '5')
			continue;
		c = reply_at(p, len, i);
		if (c == 0 || (c < 300 && i > 0) || !is_defined_reply(c))
			continue;
		if (cls_digit == 0 || c / 100 == cls_digit - '0')
			return c;
	}
	return 0;
}

/* at_lc - do the @n bytes at @q (before @end) equal @lit, ASCII case aside */
static inline int
at_lc(const char *q, const char *end, const char *lit, size_t n)
{
	size_t i;

	if ((size_t)(end - q) < n)
		return 0;
	for (i = 0; i < n; i++)
		if (bk__lower((unsigned char)q[i]) != (unsigned char)lit[i])
			return 0;
	return 1;
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
 * The SMTP commands named in "(in reply to X command)" and the like.  The
 * first phrase of the table that occurs anywhere wins (lowest index, not
 * first position).  Every phrase is a lead-in ("in reply to ", "after ",
 * "did not like our ") and a rest.
 */
static const struct {
	unsigned char lead;        /* index into leads[] */
	const char *rest, *cmd;
} cmds[] = {
	{ 0, "rcpt to", "RCPT" },
	{ 0, "end of data", "DATA" },
	{ 0, "data", "DATA" },
	{ 0, "mail from", "MAIL" },
	{ 0, "ehlo", "EHLO" },
	{ 0, "helo", "HELO" },
	{ 0, "starttls", "STARTTLS" },
	{ 1, "rcpt to", "RCPT" },
	{ 1, "end of data", "DATA" },
	{ 1, "data", "DATA" },
	{ 1, "mail from", "MAIL" },
	{ 1, "initial connection", "CONN" },
	{ 1, "ehlo", "EHLO" },
	{ 1, "helo", "HELO" },
	{ 2, "rcpt to", "RCPT" },
	{ 2, "data", "DATA" },
	{ 2, "mail from", "MAIL" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct {
	const char *text;
	size_t len;
} leads[] = {
	{ "in reply to ", 12 },
	{ "after ", 6 },
	{ "did not like our ", 17 },
};

/*
 * The markers of a log line, found in one forward pass (read_marks): each
 * pointer is just after the marker's first occurrence (ASCII case aside),
 * NULL when absent.  Postfix: " to=<", " relay=", " dsn=", " status=",
 * "host X said: "; Sendmail: " stat="; Exim: " H=".
 */
struct marks {
	const char *to, *relay, *dsn, *status, *stat, *h, *host;
	const char *said_last;     /* start of the last " said: " */
	const char *said_status;   /* after the first " said: " past status= */
	size_t cmd;                /* lowest cmds[] index found; NCMDS none */
};

/* command_at - note the lowest-index command phrase starting at @q */
static inline void
command_at(struct marks *m, const char *q, const char *end, size_t lead)
{
	const char *r;
	size_t k;

	/* the lead-in's second byte first: most letters start no lead-in */
	if (q + 1 >= end || bk__lower((unsigned char)q[1]) !=
	    (unsigned char)leads[lead].text[1] ||
	    !at_lc(q, end, leads[lead].text, leads[lead].len))
		return;
	r = q + leads[lead].len;
	for (k = 0; k < m->cmd; k++)
		if (cmds[k].lead == lead &&
		    at_lc(r, end, cmds[k].rest, strlen(cmds[k].rest))) {
			m->cmd = k;
			break;
		}
}

/*
 * What may start at a byte: a space (" said: ", " status=", " to=<",
 * " relay=", " dsn=", " H="), 'h' ("host "), or the first letter of
 * command lead-in i (MARK_LEAD + i); 0 nothing.
 */
enum { MARK_SPACE = 1, MARK_HOST, MARK_LEAD };
static const unsigned char mark_start[256] = {
	[' '] = MARK_SPACE,
	['h'] = MARK_HOST, ['H'] = MARK_HOST,
	['i'] = MARK_LEAD + 0, ['I'] = MARK_LEAD + 0,
	['a'] = MARK_LEAD + 1, ['A'] = MARK_LEAD + 1,
	['d'] = MARK_LEAD + 2, ['D'] = MARK_LEAD + 2,
};

/*
 * The same as bits (1 << mark_start[c]), and per byte the bits of the
 * markers whose second byte it may be (ASCII case aside): " s", " t",
 * " r", " d", " h"; "ho"; "in", "af", "di".  A marker can start at q only
 * where mark_bit[q[0]] & mark_next[q[1]] is not 0; elsewhere the switch
 * of read_marks() would find nothing.  Example: in "host said" only 'h'
 * ('o' follows) and the space (an 's' follows) are looked at.
 */
#define MB_SPACE (1u << MARK_SPACE)
#define MB_HOST (1u << MARK_HOST)
#define MB_LEAD(i) (1u << (MARK_LEAD + (i)))
static const unsigned char mark_bit[256] = {
	[' '] = MB_SPACE,
	['h'] = MB_HOST, ['H'] = MB_HOST,
	['i'] = MB_LEAD(0), ['I'] = MB_LEAD(0),
	['a'] = MB_LEAD(1), ['A'] = MB_LEAD(1),
	['d'] = MB_LEAD(2), ['D'] = MB_LEAD(2),
};
static const unsigned char mark_next[256] = {
	['s'] = MB_SPACE, ['S'] = MB_SPACE,
	['t'] = MB_SPACE, ['T'] = MB_SPACE,
	['r'] = MB_SPACE, ['R'] = MB_SPACE,
	['d'] = MB_SPACE, ['D'] = MB_SPACE,
	['h'] = MB_SPACE, ['H'] = MB_SPACE,
	['o'] = MB_HOST, ['O'] = MB_HOST,
	['n'] = MB_LEAD(0), ['N'] = MB_LEAD(0),
	['f'] = MB_LEAD(1), ['F'] = MB_LEAD(1),
	['i'] = MB_LEAD(2), ['I'] = MB_LEAD(2),
};

/*
 * mark_at - the marker, if any, starting at @q (q + 1 < @end), into @m:
 * the switch of read_marks()
 */
static inline void
mark_at(struct marks *m, const char *q, const char *end)
{
	switch (mark_start[(unsigned char)*q]) {
	case MARK_SPACE:
		switch (bk__lower((unsigned char)q[1])) {
		case 's':
			if (at_lc(q, end, " said: ", 7)) {
				m->said_last = q;
				if (m->said_status == NULL &&
				    m->status != NULL && q >= m->status)
					m->said_status = q + 7;
			} else if (m->status == NULL &&
			    at_lc(q, end, " status=", 8)) {
				m->status = q + 8;
			} else if (m->stat == NULL &&
			    at_lc(q, end, " stat=", 6)) {
				m->stat = q + 6;
			}
			break;
		case 't':
			if (m->to == NULL && at_lc(q, end, " to=<", 5))
				m->to = q + 5;
			break;
		case 'r':
			if (m->relay == NULL && at_lc(q, end, " relay=", 7))
				m->relay = q + 7;
			break;
		case 'd':
			if (m->dsn == NULL && at_lc(q, end, " dsn=", 5))
				m->dsn = q + 5;
			break;
		case 'h':
			if (m->h == NULL && at_lc(q, end, " h=", 3))
				m->h = q + 3;
			break;
		default:
			break;
		}
		break;
	case MARK_HOST:
		if (m->host == NULL && at_lc(q, end, "host ", 5))
			m->host = q + 5;
		break;
	case 0:
		break;
	default:
		/* MARK_LEAD + lead index: a command phrase may start */
		if (m->cmd > 0)
			command_at(m, q, end,
			    (size_t)(mark_start[(unsigned char)*q] -
			    MARK_LEAD));
		break;
	}
}

#if defined(__SSE2__)
/*
 * mark_pairs16 - bit i set where a marker may start at @q + i (i < 16),
 * from the pairs q[i], q[i + 1] OR 0x20 (ASCII case folded; a NUL also
 * becomes a space, so each bit is checked again with mark_bit and
 * mark_next).  Reads q[0..16].
 */
static inline unsigned
mark_pairs16(const char *q)
{
	const __m128i f = _mm_set1_epi8(0x20);
	__m128i a = _mm_or_si128(_mm_loadu_si128(
	    (const __m128i *)(const void *)q), f);
	__m128i b = _mm_or_si128(_mm_loadu_si128(
	    (const __m128i *)(const void *)(q + 1)), f);
	__m128i sp, r;

	/* " s", " t", " r", " d", " h" */
	sp = _mm_or_si128(
	    _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('s')),
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('t'))),
	    _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('r')),
	    _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('d')),
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('h')))));
	r = _mm_and_si128(_mm_cmpeq_epi8(a, f), sp);
	/* "ho", "in", "af", "di" */
	r = _mm_or_si128(r, _mm_and_si128(
	    _mm_cmpeq_epi8(a, _mm_set1_epi8('h')),
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('o'))));
	r = _mm_or_si128(r, _mm_and_si128(
	    _mm_cmpeq_epi8(a, _mm_set1_epi8('i')),
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('n'))));
	r = _mm_or_si128(r, _mm_and_si128(
	    _mm_cmpeq_epi8(a, _mm_set1_epi8('a')),
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('f'))));
	r = _mm_or_si128(r, _mm_and_si128(
	    _mm_cmpeq_epi8(a, _mm_set1_epi8('d')),
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('i'))));
	return (unsigned)_mm_movemask_epi8(r);
}
#endif

/*
 * read_marks - every marker of [@p, @end) in one pass.  Markers start
 * with a space, "host ", or a command lead-in's first letter, and each
 * has a known second byte: a compare follows only where such a pair
 * (mark_bit, mark_next) is, 16 positions at a time where SSE2 is at hand.
 * No marker is one byte long, so the last byte starts none.  Positions
 * are taken in order, as the markers' rules (first occurrence, last
 * " said: ") need.
 */
static void
read_marks(struct marks *m, const char *p, const char *end)
{
	const char *q = p;

	memset(m, 0, sizeof(*m));
	m->cmd = NCMDS;
	if (end - p < 2)
		return;
#if defined(__SSE2__)
	/* invariant: every marker starting before q has been noted */
	for (; end - q >= 17; q += 16) {
		unsigned bits = mark_pairs16(q);

		/* loop: one bit fewer each turn */
		while (bits != 0) {
			const char *r = q + __builtin_ctz(bits);

			bits &= bits - 1;
			if (mark_bit[(unsigned char)r[0]] &
			    mark_next[(unsigned char)r[1]])
				mark_at(m, r, end);
		}
	}
#endif
	/* invariant: every marker starting before q has been noted */
	for (; q + 1 < end; q++)
		if (mark_bit[(unsigned char)q[0]] &
		    mark_next[(unsigned char)q[1]])
			mark_at(m, q, end);
}

/* digits - @n ASCII digits at @p (within @end) */
static int
digits(const char *p, const char *end, size_t n)
{
	size_t i;

	if ((size_t)(end - p) < n)
		return 0;
	for (i = 0; i < n; i++)
		if (!bk__is(p[i], BK_C_DIGIT))
			return 0;
	return 1;
}

/*
 * log_stamp - the length of the time stamp an MTA log line starts with,
 * 0 for none: syslog's "Nov 28 06:35:12 " (RFC 3164), or an ISO date and
 * time "2026-11-28 06:35:12" / "2026-11-28T06:35:12..." (Exim's main
 * log, RFC 5424, journald's short-iso), up to the next space.
 */
static size_t
log_stamp(const char *p, const char *end)
{
	const char *q;

	if (digits(p, end, 4) && end - p > 19 && p[4] == '-' &&
	    digits(p + 5, end, 2) && p[7] == '-' && digits(p + 8, end, 2) &&
	    (p[10] == ' ' || p[10] == 'T') && digits(p + 11, end, 2) &&
	    p[13] == ':' && digits(p + 14, end, 2) && p[16] == ':' &&
	    digits(p + 17, end, 2)) {
		q = p + 19;
		while (q < end && *q != ' ')
			q++;
		return (size_t)(q - p);
	}
	if (end - p > 16 && bk__is(p[0], BK_C_ALPHA) &&
	    bk__is(p[1], BK_C_ALPHA) && bk__is(p[2], BK_C_ALPHA) &&
	    p[3] == ' ' && (p[4] == ' ' || bk__is(p[4], BK_C_DIGIT)) &&
	    bk__is(p[5], BK_C_DIGIT) && p[6] == ' ' && digits(p + 7, end, 2) &&
	    p[9] == ':' && digits(p + 10, end, 2) && p[12] == ':' &&
	    digits(p + 13, end, 2) && p[15] == ' ')
		return 15;
	return 0;
}

/*
 * Exim's main log marks each line with what happened to the message
 * (spec, "Log files"): "** addr" failed, "== addr" deferred, "=> addr"
 * and "-> addr" delivered, "<= sender" arrived, "*> addr" delivery
 * suppressed.  exim_flag finds one within the first words after the
 * time stamp; *@addr is left at the address that follows it.
 */
enum { EX_NONE, EX_FAILED, EX_DEFERRED, EX_DELIVERED, EX_OTHER };

#define EXIM_FLAG_WINDOW 96

static int
exim_flag(const char *p, const char *end, const char **addr)
{
	const char *q, *lim = end - p > EXIM_FLAG_WINDOW ?
	    p + EXIM_FLAG_WINDOW : end;

	for (q = p; q + 4 <= lim; q++) {
		if (q[0] != ' ' || q[3] != ' ')
			continue;
		*addr = q + 4;
		if (q[1] == '*' && q[2] == '*')
			return EX_FAILED;
		if (q[1] == '=' && q[2] == '=')
			return EX_DEFERRED;
		if ((q[1] == '=' || q[1] == '-') && q[2] == '>')
			return EX_DELIVERED;
		if ((q[1] == '<' && q[2] == '=') ||
		    (q[1] == '*' && q[2] == '>'))
			return EX_OTHER;
	}
	return EX_NONE;
}

/* bk__classify_parse_reply - facts of one reply or log line */
int
bk__classify_parse_reply(bk_record *out, const char *line, size_t len)
{
	const char *p = line, *end, *q, *d, *ex_addr = NULL;
	struct marks m;
	size_t n, at, stamp;
	int code, exim = EX_NONE;

	bk__zero(out, sizeof(*out));
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
	out->diagnostic_type = bk__str("SMTP", 4);
	read_marks(&m, p, end);
	stamp = log_stamp(p, end);
	if (stamp > 0) {
		exim = exim_flag(p + stamp, end, &ex_addr);
		/* the line's time stamp is when it happened */
		if (bk__log_time(p, stamp, (int64_t)time(NULL),
		    &out->timestamp, &out->tz_offset) == 0)
			out->has_timestamp = 1;
	}
	/*
	 * An MTA log line that says nothing of a delivery (a connection, a
	 * queue entry, an arrival) is not a bounce: reported as such, not
	 * classified.  A line without a time stamp is a reply text, however
	 * bare.
	 */
	if (stamp > 0 && m.status == NULL && m.stat == NULL &&
	    m.dsn == NULL && (exim == EX_NONE || exim == EX_OTHER)) {
		out->kind = BK_KIND_UNKNOWN;
		out->diagnostic = bk__str(p, len);
		out->error = bk__cstr("an MTA log line without a delivery "
		    "outcome (connection, queue or arrival)");
		return 0;
	}
	if (exim == EX_FAILED || exim == EX_DEFERRED ||
	    exim == EX_DELIVERED) {
		n = token_until(ex_addr, end, " <:");
		if (n > 0 && memchr(ex_addr, '@', n) != NULL)
			out->recipient = bk__str(ex_addr, n);
		if (exim == EX_DEFERRED)
			out->kind = BK_KIND_DELAY;
		else if (exim == EX_DELIVERED)
			out->kind = BK_KIND_DELIVERED;
	}

	/* Postfix-style key=value fields (and Exim's H=) */
	if ((q = m.to) != NULL) {
		n = token_until(q, end, ">");
		out->recipient = bk__str(q, n);
	}
	if ((q = m.relay) != NULL) {
		n = token_until(q, end, "[,: ");
		if (n > 0 && !(n == 4 && bk__ieq(q, 4, "none")))
			out->remote_mta = bk__str(q, n);
	}
	if ((q = m.dsn) != NULL) {
		n = token_until(q, end, ", ");
		/* n > 0: an empty "dsn=" finds no code and sets no "at" */
		if (n > 0 && bk__classify_find_status(q, n, &at) == n &&
		    at == 0)
			out->status = bk__str(q, n);
	}
	if ((q = m.status) != NULL) {
		n = token_until(q, end, " ,(");
		if (bk__istarts(q, n, "sent") || bk__istarts(q, n, "delivered"))
			out->kind = BK_KIND_DELIVERED;
		else if (bk__istarts(q, n, "deferred"))
			out->kind = BK_KIND_DELAY;
		if (n == 7 && bk__ieq(q, n, "expired"))
			out->action = bk__str(q, n);
		else if (out->kind == BK_KIND_DELAY)
			out->action = bk__str("delayed", 7);
	}
	/* Sendmail: "stat=Sent (...)", "stat=Deferred: ...", else a failure */
	if (m.status == NULL && (q = m.stat) != NULL) {
		n = token_until(q, end, " ,(:");
		if (bk__istarts(q, n, "sent"))
			out->kind = BK_KIND_DELIVERED;
		else if (bk__istarts(q, n, "deferred"))
			out->kind = BK_KIND_DELAY;
	}
	/*
	 * "host mx.example[192.0.2.1] said: TEXT": the first "host " must be
	 * followed by " said: " (the last one starts after it).
	 */
	if ((q = m.host) != NULL && m.said_last != NULL && m.said_last >= q) {
		n = token_until(q, end, "[ ");
		if (n > 0 && out->remote_mta.ptr == NULL)
			out->remote_mta = bk__str(q, n);
	}
	/* Exim: "H=mx.example [192.0.2.1]" */
	if (out->remote_mta.ptr == NULL && (q = m.h) != NULL) {
		n = token_until(q, end, "[ :");
		if (n > 0)
			out->remote_mta = bk__str(q, n);
	}
	if (m.cmd < NCMDS)
		out->command = bk__cstr(cmds[m.cmd].cmd);

	/*
	 * The remote text: in a Postfix log line, what the remote host said
	 * (or the parenthesised outcome); otherwise the whole line, so that
	 * wording before the reply code ("Connected to ... but my name was
	 * rejected. Remote host said: 501 ...") is kept.
	 */
	d = p;
	if (m.status == NULL && m.stat != NULL)
		d = m.stat;
	if ((q = m.status) != NULL) {
		const char *paren = memchr(q, '(', (size_t)(end - q));

		if (m.said_status != NULL)
			d = m.said_status;
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
		    bk__str("delivered", 9) : out->kind == BK_KIND_DELAY ?
		    bk__str("delayed", 7) : bk__str("failed", 6);
	return 0;
}
