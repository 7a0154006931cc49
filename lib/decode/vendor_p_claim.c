/*
 * vendor_p_claim.c - RFC 3464 reports from products that Sisimai (and so
 * the classifier's decoder rules) tells apart: McAfee's gateway, Symantec
 * MessageLabs, PowerMTA, Outlook.com, Office 365, Exchange 2007 and
 * later, AOL, Amazon SES receiving, Google Workspace, SurfControl and
 * Sun/Oracle Messaging Server.  The report is ordinary; what differs is
 * who wrote it, known from the bounce's own header fields:
 *
 *   X-NAI-Header: Modified by McAfee Email Gateway      -> mcafee
 *   From: MAILER-DAEMON@messagelabs.com                 -> messagelabs
 *   X-PowerMTA-VirtualMTA: (in the report)              -> powermta
 *   Reporting-MTA: *.outlook.com / *.onmicrosoft.com    -> office365
 *   X-MS-Exchange-Message-Is-Ndr: / "Diagnostic information for
 *       administrators" in the notice                   -> exchange2007
 *
 * The report is read as RFC 3464 under the product's name, then the
 * notification text fills the gaps as it does for any report.  Two
 * quirks are mended on the way: AOL writes its recipient blocks without
 * the blank lines between them, and Messaging Server may name a
 * source-routed mailbox ("@relay:user@host") as the final recipient, the
 * real address being the original recipient.
 */
#include "decode/decode_int.h"

int bk__vp_claim(bk__dctx *ctx);
void bk__vp_gmail_lead(bk__dctx *ctx, bk_record *r);

/* has_header_prefix - does the bounce have a header field named @pfx... */
static int
has_header_prefix(bk__dctx *ctx, const char *pfx)
{
	const bk__headers *h = &ctx->msg->root->headers;
	size_t i;

	/* @pfx starts "x-": a name that does not is ruled out at once */
	for (i = 0; i < h->n; i++) {
		if (h->v[i].name.len >= 2 && h->v[i].name.ptr[1] == '-' &&
		    bk__lower(h->v[i].name.ptr[0]) == 'x' &&
		    bk__istarts(h->v[i].name.ptr, h->v[i].name.len, pfx))
			return 1;
	}
	return 0;
}

/* from_has - does the bounce's From hold @s */
static int
from_has(bk__dctx *ctx, const char *s)
{
	return bk__vp_from_has(ctx, s) != NULL;
}

/* subject_starts - does the bounce's Subject, trimmed, start with @s;
 * trimming only shortens it, so a shorter field is no match */
static int
subject_starts(bk__dctx *ctx, const char *s)
{
	bk_str v = ctx->subject;

	if (v.ptr == NULL || v.len < strlen(s))
		return 0;
	v = bk__trim(v);
	return bk__istarts(v.ptr, v.len, s);
}

/* host_ends - does the host of a "dns; host" field end with @sfx */
static int
host_ends(bk_str v, const char *sfx)
{
	size_t n = strlen(sfx);
	const char *semi;

	v = bk__trim(v);
	if (v.ptr == NULL)
		return 0;
	semi = memchr(v.ptr, ';', v.len);
	if (semi != NULL)
		v = bk__trim(bk__str(semi + 1, (size_t)(bk__str_end(v) -
		    semi - 1)));
	while (v.len > 0 && v.ptr[v.len - 1] == '.')
		v.len--;
	return v.len > n && bk__ieq(bk__str_end(v) - n, n, sfx);
}

/*
 * by_microsoft - Office 365 wrote the report: its Reporting-MTA is one
 * of Microsoft's hosts (*.outlook.com, *.exchangelabs.com), or it comes
 * from an outlook.com or *.onmicrosoft.com postmaster.  The
 * X-MS-Exchange-* fields and outlook.com Received hops are not enough:
 * Exchange Online stamps them on every message it delivers, a Postfix
 * bounce to an Office 365 mailbox included.
 */
static int
by_microsoft(bk__dctx *ctx, bk_str dsn)
{
	const char *f;
	bk_str v;

	if (from_has(ctx, ".onmicrosoft.com") ||
	    from_has(ctx, "@outlook.com"))
		return 1;
	f = bk__istr(dsn.ptr, dsn.len, "reporting-mta:");
	if (f == NULL)
		return 0;
	v = bk__str(f + 14, (size_t)(bk__str_end(dsn) - f - 14));
	f = memchr(v.ptr, '\n', v.len);
	if (f != NULL)
		v.len = (size_t)(f - v.ptr);
	return host_ends(v, ".outlook.com") ||
	    host_ends(v, ".exchangelabs.com");
}

/* which - the product that wrote the report, NULL if none known */
static const char *
which(bk__dctx *ctx, bk_str dsn)
{
	if (bk__vp_header(ctx, "x-nai-header").ptr != NULL)
		return "mcafee";
	if (from_has(ctx, "@messagelabs.com"))
		return "messagelabs";
	if (bk__istr(dsn.ptr, dsn.len, "x-powermta-") != NULL ||
	    bk__dctx_stamp(ctx, BK__STAMP_POWERMTA))
		return "powermta";
	if (has_header_prefix(ctx, "x-sef-"))
		return "surfcontrol";
	if (bk__vp_header(ctx, "x-ses-outgoing").ptr != NULL)
		return "receivingses";
	if (bk__vp_header(ctx, "x-aol-ip").ptr != NULL &&
	    from_has(ctx, "@aol.com"))
		return "aol";
	if (from_has(ctx, "mailer-daemon@googlemail.com"))
		return "gsuite";
	if (subject_starts(ctx, "Delivery Status Notification") &&
	    (bk__vp_header(ctx, "x-message-delivery").ptr != NULL ||
	    bk__vp_header(ctx, "x-dsncontext").ptr != NULL ||
	    from_has(ctx, "hotmail.")))
		return "outlook";
	if (by_microsoft(ctx, dsn))
		return "office365";
	if (bk__vp_header(ctx, "x-ms-exchange-message-is-ndr").ptr != NULL ||
	    bk__dctx_mark(ctx, BK__MARK_EXCH_ADMIN))
		return "exchange2007";
	if (subject_starts(ctx, "Delivery Notification: ")) {
		bk_str ct = bk__vp_header(ctx, "content-type");

		if (ct.ptr != NULL && bk__istr(ct.ptr, ct.len,
		    "Boundary_(ID_") != NULL)
			return "messagingserver";
	}
	return NULL;
}

/*
 * split_blocks - a copy of @t with a blank line put before a recipient
 * field that repeats one already in the current block (AOL writes
 * "Final-Recipient: a ... Final-Recipient: b" as one block).  @t itself
 * when nothing needs changing.
 */
static bk_str
split_blocks(bk_message *msg, bk_str t)
{
	static const char *const names[] = {
		"final-recipient:", "original-recipient:"
	};
	const char *p = t.ptr, *end = bk__str_end(t), *eol;
	int seen[2] = { 0, 0 }, changed = 0;
	bk__buf b;
	size_t i;

	bk__buf_init(&b, msg->arena, BK_LIMIT_DECODED_BYTES);
	/* loop: p moves one line forward each time */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol != NULL ? eol + 1 : end;
		if (bk__trim(bk__str(p, (size_t)(eol - p))).len == 0)
			seen[0] = seen[1] = 0;
		for (i = 0; i < 2; i++) {
			if (!bk__istarts(p, (size_t)(eol - p), names[i]))
				continue;
			if (seen[i]) {
				bk__buf_putc(&b, '\n');
				seen[0] = seen[1] = 0;
				changed = 1;
			}
			seen[i] = 1;
		}
		bk__buf_append(&b, p, (size_t)(eol - p));
		p = eol;
	}
	if (!changed || b.ptr == NULL)
		return t;
	return bk__str(b.ptr, b.len);
}

/* routed - "@relay:user@host" or a domain without a dot */
static int
routed(bk_str a)
{
	const char *at;

	if (a.ptr == NULL)
		return 1;
	at = memchr(a.ptr, '@', a.len);
	return at == NULL || memchr(at, '.', (size_t)(bk__str_end(a) - at)) ==
	    NULL;
}

/*
 * queue_history - an Exchange report that gave up because its queue
 * expired ("550 4.4.7 QUEUE.Expired; message expired") lists the
 * attempts under the recipient in its notice, newest first:
 *
 *	gwang1@example.edu
 *	3/09/2016 8:05:56 PM - Remote Server at mx.example.edu (192.0.2.3)
 *	returned '550 4.4.7 QUEUE.Expired; message expired'
 *	3/09/2016 7:58:27 PM - Remote Server at ... returned '441 4.4.1
 *	Error encountered while communicating with primary target IP ...'
 *
 * The expiry is Exchange's own verdict; the newest attempt that the
 * remote answered is the cause, so its text and enhanced code are the
 * record's, and the expiry stays as the reason the format states.
 */
static void
queue_history(bk__dctx *ctx, bk_record *r)
{
	static const char mark[] = "returned '";
	bk_str t = ctx->text, line;
	const char *p, *end, *q, *eol;
	bk_str st;

	if (r->diagnostic.ptr == NULL || bk__istr(r->diagnostic.ptr,
	    r->diagnostic.len, "queue.expired") == NULL || t.ptr == NULL)
		return;
	end = bk__str_end(t);
	p = t.ptr;
	/* loop: p moves past each "returned '" */
	while (p < end && (q = bk__istr(p, (size_t)(end - p), mark)) !=
	    NULL) {
		q += sizeof(mark) - 1;
		eol = memchr(q, '\n', (size_t)(end - q));
		if (eol == NULL)
			eol = end;
		p = eol;
		line = bk__trim(bk__str(q, (size_t)(eol - q)));
		if (line.len > 0 && line.ptr[line.len - 1] == '\'')
			line.len--;
		if (line.len == 0 || bk__istr(line.ptr, line.len,
		    "queue.expired") != NULL)
			continue;
		st = bk__find_status(line);
		if (st.ptr == NULL || st.ptr[0] == '2')
			continue;
		r->diagnostic = bk__squeeze(ctx->msg, line);
		r->status = st;
		r->reply_code = bk__reply_code_for(line, st);
		r->reason_hint = BK_REASON_EXPIRED;
		return;
	}
}

/* bk__vp_claim - see file comment */
int
bk__vp_claim(bk__dctx *ctx)
{
	bk_str dsn;
	const char *name;
	size_t i;
	int added;

	if (ctx->dsn == NULL)
		return 0;
	dsn = bk__part_text(ctx->msg, ctx->dsn);
	if (dsn.ptr == NULL || (bk__istr(dsn.ptr, dsn.len,
	    "final-recipient") == NULL && bk__istr(dsn.ptr, dsn.len,
	    "original-recipient") == NULL))
		return 0;
	name = which(ctx, dsn);
	if (name == NULL)
		return 0;
	added = bk__decode_dsn_text(ctx, split_blocks(ctx->msg, dsn), name);
	if (added <= 0)
		return added;
	for (i = 0; i < ctx->nrec; i++) {
		bk_record *r = &ctx->rec[i];

		if (routed(r->recipient) && r->original_recipient.ptr != NULL &&
		    !routed(r->original_recipient))
			r->recipient = r->original_recipient;
	}
	bk__vendor_enrich(ctx);
	for (i = 0; i < ctx->nrec; i++) {
		if (strcmp(name, "exchange2007") == 0 ||
		    strcmp(name, "office365") == 0)
			queue_history(ctx, &ctx->rec[i]);
		if (strcmp(name, "gsuite") == 0)
			bk__vp_gmail_lead(ctx, &ctx->rec[i]);
	}
	return added;
}
