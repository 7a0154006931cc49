/*
 * classify_acct.c - log files read line by line, where a line needs what
 * came before it: PowerMTA's accounting files.
 *
 * An accounting file is CSV.  Which fields a row has, and in which order,
 * is the operator's choice (record-fields in PowerMTA's configuration),
 * and the file names them in a header line: "type,timeLogged,orig,rcpt,
 * ...,dsnStatus,dsnDiag,dsnMta,bounceCat,..." (also written "#type,...").
 * Each row's first field is its record type: d (delivered), b (bounced),
 * rb (a bounce that came back later), t and tq (transient failures), f
 * (a feedback-loop complaint); r (a receipt) and rs say nothing of a
 * delivery.  The fields read:
 *
 *   rcpt, orcpt   the recipient, as sent and as first given
 *   orig          the envelope sender
 *   dsnAction     the DSN action (failed, delayed, delivered, relayed)
 *   dsnStatus     "5.1.1 (bad destination mailbox address)"
 *   dsnDiag       the remote's reply, "smtp;550 5.1.1 <a@b>... unknown"
 *   dsnMta        "mx.example.net (192.0.2.25)"
 *   bounceCat     PowerMTA's own category (bad-mailbox, quota-issues,
 *                 ...), the reason when there is no reply to read
 *   timeLogged    "2025-11-17 12:00:00-0800"
 *   feedbackType  a complaint's type
 *
 * A row of a file without a header, and any other line, is read as
 * bk_classify_reply() reads it.  The reader keeps the header's columns
 * and one buffer for the row's unquoted fields; memory is bounded by the
 * longest line (BK_LIMIT_LINE_BYTES) and ACCT_COLUMNS.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify/classify_int.h"

/* Columns of a header that are looked at (a header may name more). */
#define ACCT_COLUMNS 256

enum acct_field {
	A_TYPE, A_TIME, A_ORIG, A_RCPT, A_ORCPT, A_ACTION, A_STATUS, A_DIAG,
	A_MTA, A_CAT, A_FBTYPE, A_N
};

static const char *const acct_names[A_N] = {
	"type", "timeLogged", "orig", "rcpt", "orcpt", "dsnAction",
	"dsnStatus", "dsnDiag", "dsnMta", "bounceCat", "feedbackType",
};

struct bk_log_reader {
	int header;                /* a header was read */
	int col[A_N];              /* each field's column, -1 if none */
	char *buf;                 /* the row's fields, unquoted */
	size_t cap;
	bk_str f[ACCT_COLUMNS];    /* the row's fields, in buf */
	size_t nf;
};

/* bk_log_reader_new - see classify.h */
int
bk_log_reader_new(bk_log_reader **out)
{
	bk_log_reader *lr;

	*out = NULL;
	lr = calloc(1, sizeof(*lr));
	if (lr == NULL)
		return BK_ENOMEM;
	*out = lr;
	return 0;
}

/* bk_log_reader_free - see classify.h */
void
bk_log_reader_free(bk_log_reader *lr)
{
	if (lr == NULL)
		return;
	free(lr->buf);
	free(lr);
}

/*
 * split - the CSV fields of @line into lr->f (at most ACCT_COLUMNS; the
 * rest are ignored), unquoted into lr->buf: a field in double quotes may
 * hold commas, and "" inside stands for one quote.  0 or BK_ENOMEM.
 */
static int
split(bk_log_reader *lr, const char *p, size_t len)
{
	const char *end = p + len;
	char *o;

	if (lr->cap < len + 1) {
		char *nb = realloc(lr->buf, len + 1);

		if (nb == NULL)
			return BK_ENOMEM;
		lr->buf = nb;
		lr->cap = len + 1;
	}
	o = lr->buf;
	lr->nf = 0;
	/* loop: one field a pass; p only moves forward */
	for (;;) {
		char *start = o;

		if (p < end && *p == '"') {
			/* loop: one byte (or "" pair) a pass */
			for (p++; p < end; p++) {
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"')
						p++;
					else
						break;
				}
				*o++ = *p;
			}
			if (p < end)
				p++;    /* the closing quote */
			while (p < end && *p != ',')
				p++;    /* junk after it */
		} else {
			while (p < end && *p != ',')
				*o++ = *p++;
		}
		if (lr->nf < ACCT_COLUMNS)
			lr->f[lr->nf++] = bk__trim(bk__str(start,
			    (size_t)(o - start)));
		if (p >= end)
			break;
		p++;            /* the comma */
	}
	return 0;
}

/* is_header - "type,..." or "#type,...", naming rcpt */
static int
is_header(const char *p, size_t len)
{
	if (len > 0 && *p == '#') {
		p++;
		len--;
	}
	return len > 5 && bk__istarts(p, len, "type,") &&
	    bk__istr(p, len, ",rcpt") != NULL;
}

/* read_header - the columns of the header in lr->f */
static void
read_header(bk_log_reader *lr)
{
	size_t i, k;

	for (k = 0; k < A_N; k++)
		lr->col[k] = -1;
	for (i = 0; i < lr->nf; i++) {
		bk_str n = lr->f[i];

		if (i == 0 && n.len > 0 && n.ptr[0] == '#') {
			n.ptr++;
			n.len--;
		}
		for (k = 0; k < A_N; k++)
			if (lr->col[k] < 0 &&
			    bk__ieq(n.ptr, n.len, acct_names[k]))
				lr->col[k] = (int)i;
	}
	lr->header = lr->col[A_TYPE] == 0 && lr->col[A_RCPT] >= 0;
}

/* field - the row's value of @k, or an absent slice (empty too) */
static bk_str
field(const bk_log_reader *lr, enum acct_field k)
{
	int c = lr->col[k];

	if (c < 0 || (size_t)c >= lr->nf || lr->f[c].len == 0)
		return BK_STR_NULL;
	return lr->f[c];
}

/* PowerMTA's bounce categories and the reasons they stand for */
static const struct {
	const char *cat;
	bk_reason reason;
} acct_cats[] = {
	{ "bad-mailbox", BK_REASON_USERUNKNOWN },
	{ "bad-domain", BK_REASON_HOSTUNKNOWN },
	{ "inactive-mailbox", BK_REASON_SUSPEND },
	{ "quota-issues", BK_REASON_MAILBOXFULL },
	{ "spam-related", BK_REASON_SPAMDETECTED },
	{ "policy-related", BK_REASON_POLICYVIOLATION },
	{ "content-related", BK_REASON_CONTENTERROR },
	{ "virus-related", BK_REASON_VIRUSDETECTED },
	{ "relaying-issues", BK_REASON_NORELAYING },
	{ "message-expired", BK_REASON_EXPIRED },
	{ "no-answer-from-host", BK_REASON_NETWORKERROR },
	{ "bad-connection", BK_REASON_NETWORKERROR },
	{ "routing-errors", BK_REASON_SYSTEMERROR },
	{ "protocol-errors", BK_REASON_SYSTEMERROR },
	{ "invalid-sender", BK_REASON_REJECTED },
};

/* cat_reason - the reason of bounce category @c, undefined if none */
static bk_reason
cat_reason(bk_str c)
{
	size_t i;

	for (i = 0; c.ptr != NULL && i < sizeof(acct_cats) /
	    sizeof(acct_cats[0]); i++)
		if (bk__ieq(c.ptr, c.len, acct_cats[i].cat))
			return acct_cats[i].reason;
	return BK_REASON_UNDEFINED;
}

/* row_kind - the record kind of row type @t; -1 for a row that says
 * nothing of a delivery (r, rs) or an unknown type */
static int
row_kind(bk_str t)
{
	static const struct {
		const char *type;
		bk_kind kind;
	} types[] = {
		{ "d", BK_KIND_DELIVERED }, { "b", BK_KIND_BOUNCE },
		{ "rb", BK_KIND_BOUNCE }, { "t", BK_KIND_DELAY },
		{ "tq", BK_KIND_DELAY }, { "f", BK_KIND_FEEDBACK },
	};
	size_t i;

	for (i = 0; t.ptr != NULL && i < sizeof(types) / sizeof(types[0]);
	    i++)
		if (bk__ieq(t.ptr, t.len, types[i].type))
			return (int)types[i].kind;
	return -1;
}

/* row - the facts of the accounting row in lr->f */
static void
row(bk_log_reader *lr, bk_record *out)
{
	bk_str v, diag;
	size_t at, n;
	int kind = row_kind(field(lr, A_TYPE));

	bk__zero(out, sizeof(*out));
	out->reason = BK_REASON_UNDEFINED;
	out->reason_hint = BK_REASON_UNDEFINED;
	out->permanent = -1;
	out->decoder = "pmta-acct";
	if (kind < 0) {
		out->kind = BK_KIND_UNKNOWN;
		out->error = bk__cstr("an accounting record without a "
		    "delivery outcome (a receipt or a status)");
		return;
	}
	out->kind = (bk_kind)kind;
	out->recipient = field(lr, A_RCPT);
	out->original_recipient = field(lr, A_ORCPT);
	out->sender = field(lr, A_ORIG);
	out->action = field(lr, A_ACTION);
	v = field(lr, A_STATUS);
	if (v.ptr != NULL && (n = bk__classify_find_status(v.ptr, v.len,
	    &at)) > 0)
		out->status = bk__str(v.ptr + at, n);
	diag = field(lr, A_DIAG);
	if (diag.ptr != NULL && bk__istarts(diag.ptr, diag.len, "smtp;")) {
		out->diagnostic_type = bk__str("SMTP", 4);
		diag = bk__trim(bk__str(diag.ptr + 5, diag.len - 5));
	}
	out->diagnostic = diag.len > 0 ? diag : BK_STR_NULL;
	if (out->diagnostic.ptr != NULL)
		out->reply_code = bk__classify_find_reply(diag.ptr, diag.len,
		    out->status.ptr != NULL ? out->status.ptr[0] : 0);
	else
		out->reason_hint = cat_reason(field(lr, A_CAT));
	v = field(lr, A_MTA);
	if (v.ptr != NULL) {
		/* the host: "mx.example.net (192.0.2.25)" */
		for (n = 0; n < v.len && v.ptr[n] != ' ' &&
		    v.ptr[n] != '('; n++)
			continue;
		if (n > 1 && v.ptr[n - 1] == '.')
			n--;
		out->remote_mta = n > 0 ? bk__str(v.ptr, n) : BK_STR_NULL;
	}
	v = field(lr, A_TIME);
	if (v.ptr != NULL && bk__log_time(v.ptr, v.len, (int64_t)time(NULL),
	    &out->timestamp, &out->tz_offset) == 0)
		out->has_timestamp = 1;
	if (kind == BK_KIND_FEEDBACK) {
		out->feedback_type = field(lr, A_FBTYPE);
		if (out->feedback_type.ptr == NULL)
			out->feedback_type = bk__str("abuse", 5);
	}
}

/* bk_classify_log_line - see classify.h */
int
bk_classify_log_line(bk_classifier *cls, bk_log_reader *lr, bk_record *out,
    const char *line, size_t len)
{
	const char *p = line;
	int rc;

	if (lr == NULL || line == NULL)
		return bk_classify_reply(cls, out, line, len);
	if (len > BK_LIMIT_LINE_BYTES)
		len = BK_LIMIT_LINE_BYTES;
	while (len > 0 && bk__is(p[len - 1], BK_C_SPACE | BK_C_EOL))
		len--;
	if (is_header(p, len)) {
		if ((rc = split(lr, p, len)) != 0)
			return rc;
		read_header(lr);
		bk__zero(out, sizeof(*out));
		out->kind = BK_KIND_UNKNOWN;
		out->reason = BK_REASON_UNDEFINED;
		out->reason_hint = BK_REASON_UNDEFINED;
		out->permanent = -1;
		out->decoder = "pmta-acct";
		out->error = bk__cstr("an accounting file's header line");
		return 0;
	}
	if (!lr->header || len == 0 || memchr(p, ',', len) == NULL)
		return bk_classify_reply(cls, out, line, len);
	if ((rc = split(lr, p, len)) != 0)
		return rc;
	if (row_kind(lr->f[0]) < 0 && !(lr->f[0].len > 0 &&
	    lr->f[0].len <= 2 && bk__is(lr->f[0].ptr[0], BK_C_ALPHA)))
		return bk_classify_reply(cls, out, line, len);
	row(lr, out);
	if (out->kind == BK_KIND_UNKNOWN)
		return 0;
	return bk_classify(cls, out);
}
