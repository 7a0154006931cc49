/*
 * vendor_p_gmail.c - Gmail's own (pre-2015, non-RFC 3464) bounce from
 * mailer-daemon@googlemail.com:
 *
 *   Delivery to the following recipient failed permanently:
 *        user@example.jp
 *   Technical details of permanent failure:
 *   Google tried to deliver your message, but it was rejected by the
 *   server for the recipient domain example.jp by mx.example.jp.
 *   The error that the other server returned was:
 *   550 5.1.1 <user@example.jp>... User Unknown (state 14).
 *   ----- Original message -----
 *
 * "has been delayed" and "temporary failure" mark a delay notice.  The
 * "(state N)" suffix is the SMTP stage of Gmail's client when the error
 * came: 6 after MAIL (TLS), 13 EHLO, 14 RCPT, 18 DATA.
 */
#include "decode/decode_int.h"

int bk__decode_dsn_text(bk__dctx *ctx, bk_str t, const char *decoder);
bk_str bk__vp_line(const char **pp, const char *end);
const char *bk__vp_find_line(bk_str t, const char *prefix);
bk_str bk__vp_rest(bk_str t, const char *at);
bk_str bk__vp_between(bk_str t, const char *from, const char *const *stops);
bk_str bk__vp_reply(bk_message *msg, bk_str s);
bk_str bk__vp_command(bk_str s);
void bk__vp_codes(bk_record *r);
int bk__vp_received_has(bk__dctx *ctx, const char *needle);

int bk__vp_gmail(bk__dctx *ctx);
int bk__vp_gmail_now(bk__dctx *ctx);

static const char *const gm_stops[] = {
	"----- original message -----", "----- message header follows",
	"----- message header follows -----", NULL
};

/* gm_state - the command of a "(state N)" note */
static bk_str
gm_state(bk_str d)
{
	static const struct {
		long state;
		const char *cmd;
	} map[] = {
		{ 6, "MAIL" }, { 13, "EHLO" }, { 14, "RCPT" }, { 18, "DATA" },
	};
	const char *m;
	long v;
	size_t i;

	if (d.ptr == NULL || (m = bk__istr(d.ptr, d.len, "(state ")) ==
	    NULL)
		return BK_STR_NULL;
	m += 7;
	if (bk__digits(m, (size_t)(bk__str_end(d) - m), 0, 99, &v) == 0)
		return BK_STR_NULL;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].state == v)
			return bk__cstr(map[i].cmd);
	}
	return BK_STR_NULL;
}

/* bk__vp_gmail - see file comment */
int
bk__vp_gmail(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str t = ctx->text, line, a, tech, reply;
	const char *p, *end, *m, *td;
	bk_record *r;
	int added = 0, delayed;

	if (bk__vp_from_has(ctx, "mailer-daemon@google") == NULL ||
	    t.ptr == NULL)
		return 0;
	td = bk__dctx_mark(ctx, BK__MARK_GMAIL_TECH);
	m = bk__dctx_mark(ctx, BK__MARK_GMAIL);
	if (m == NULL || (td == NULL && bk__istr(t.ptr, t.len,
	    "automatically generated delivery status notification") == NULL))
		return 0;
	delayed = bk__istr(t.ptr, t.len, "has been delayed") != NULL;
	p = m;
	if (td == NULL) {
		/* a bare warning: the text under the address list */
		bk_str rest = bk__vp_between(bk__vp_rest(t, m), NULL,
		    gm_stops);

		end = bk__str_end(rest);
		td = bk__vp_find_line(bk__vp_rest(t, m), "message will be ");
		if (td == NULL || td > end)
			td = end;
		tech = bk__str(td, (size_t)(end - td));
	} else
		tech = bk__vp_between(bk__vp_rest(t, td), NULL, gm_stops);
	tech = bk__squeeze(msg, tech);
	reply = BK_STR_NULL;
	if (tech.ptr != NULL && (m = bk__istr(tech.ptr, tech.len,
	    "the other server returned was:")) != NULL)
		reply = bk__trim(bk__vp_rest(tech, m + 30));
	end = td;
	(void)bk__vp_line(&p, end);
	/* loop: bk__vp_line moves p one line forward each time */
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		a = bk__addr_only(line);
		if (a.ptr == NULL || bk__dctx_find(ctx, a) != NULL)
			continue;
		r = bk__dctx_add(ctx, "gmail");
		if (r == NULL)
			return ctx->oom ? BK_ENOMEM : added;
		r->recipient = a;
		r->action = bk__cstr(delayed ? "delayed" : "failed");
		if (delayed)
			r->kind = BK_KIND_DELAY;
		r->diagnostic = tech.len ? tech : BK_STR_NULL;
		if (reply.len > 0) {
			r->status = bk__find_status(reply);
			r->reply_code = bk__find_reply_code(reply);
		}
		r->command = gm_state(tech);
		/* Gmail gave up connecting after its retry period */
		if (r->diagnostic.ptr != NULL && bk__istr(r->diagnostic.ptr,
		    r->diagnostic.len, "did not accept our requests to "
		    "connect") != NULL)
			r->reason_hint = BK_REASON_EXPIRED;
		added++;
	}
	return added;
}

/*
 * Gmail's current notice (2015 on), a title between asterisks, one
 * sentence naming the recipient, then the remote's words:
 *
 *   ** Address not found **
 *   Your message wasn't delivered to user@example.net because the
 *   domain example.net couldn't be found. Check for typos ...
 *   The response was:
 *   DNS Error: DNS type 'mx' lookup of example.net responded with ...
 *
 * ("Message blocked": "Your message to user@example.net has been
 * blocked."; "Message not delivered": "There was a problem delivering
 * your message to user@example.net."; the delay notice "Delivery
 * incomplete": "There was a temporary problem delivering ...").  It
 * normally comes with a delivery-status part, read as a report
 * (vendor_p_claim.c); this reader takes the notice when that part is
 * missing.
 */

/* gm_paragraph - the lines after the one holding @at, to a blank line */
static bk_str
gm_paragraph(bk_str t, const char *at)
{
	const char *p = at, *end = bk__str_end(t), *start, *last;
	bk_str line;

	(void)bk__vp_line(&p, end);
	/* loop: skip blank lines, then take lines up to the next blank */
	while (p < end) {
		start = p;
		line = bk__trim(bk__vp_line(&p, end));
		if (line.len > 0) {
			p = start;
			break;
		}
	}
	start = p;
	last = p;
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (line.len == 0)
			break;
		last = bk__str_end(line);
	}
	return bk__str(start, (size_t)(last - start));
}

/* bk__vp_gmail_now - see the comment above */
int
bk__vp_gmail_now(bk__dctx *ctx)
{
	/* the delay's lead first: the others occur inside it */
	static const char *const leads[] = {
		"there was a temporary problem delivering your message to ",
		"there was a problem delivering your message to ",
		"your message wasn't delivered to ",
		"your message wasn\xe2\x80\x99t delivered to ",
		"your message to ",
		NULL
	};
	static const char *const resp[] = {
		"the response from the remote server was:",
		"the response was:",
		NULL
	};
	bk_str t = ctx->text, a, d = BK_STR_NULL, lead;
	const char *m = NULL, *eol;
	bk_record *r;
	size_t i;
	int delayed;

	/* no report naming a recipient: the gate (BK__VR_NO_DSN) */
	if (t.ptr == NULL || bk__vp_from_has(ctx, "mailer-daemon@google") ==
	    NULL)
		return 0;
	if (bk__istr(t.ptr, t.len, "** ") == NULL)
		return 0;
	for (i = 0; leads[i] != NULL; i++) {
		m = bk__istr(t.ptr, t.len, leads[i]);
		if (m != NULL)
			break;
	}
	if (m == NULL)
		return 0;
	delayed = i == 0;
	eol = memchr(m, '\n', (size_t)(bk__str_end(t) - m));
	lead = bk__str(m, (size_t)((eol != NULL ? eol : bk__str_end(t)) - m));
	a = bk__addr_find(lead.ptr, lead.len);
	if (a.ptr == NULL)
		return 0;
	for (i = 0; resp[i] != NULL; i++) {
		const char *q = bk__istr(t.ptr, t.len, resp[i]);

		if (q != NULL) {
			d = bk__squeeze(ctx->msg, gm_paragraph(t, q));
			break;
		}
	}
	r = bk__dctx_add(ctx, "gmail");
	if (r == NULL)
		return ctx->oom ? BK_ENOMEM : 0;
	r->recipient = a;
	/* "** Delivery incomplete **": Gmail retries, nothing failed yet */
	if (delayed) {
		r->kind = BK_KIND_DELAY;
		r->action = bk__cstr("delayed");
	} else
		r->action = bk__cstr("failed");
	r->diagnostic = d.ptr != NULL && d.len > 0 ? d :
	    bk__squeeze(ctx->msg, lead);
	bk__fill_from_diagnostic(r);
	/* "... because the domain example.net couldn't be found." */
	if (bk__istr(lead.ptr, lead.len, "because the domain ") != NULL &&
	    bk__istr(lead.ptr, lead.len, " be found") != NULL)
		r->reason_hint = BK_REASON_HOSTUNKNOWN;
	return 1;
}

/*
 * bk__vp_gmail_lead - Google's reports of 2017 and later may hold no
 * Diagnostic-Code: the notice alone says what happened, in its title and
 * the sentence naming the recipient ("** Address not found ** Your
 * message wasn't delivered to a@b because the address couldn't be
 * found. ...").  A record of such a report without a diagnostic takes
 * that paragraph, title first, as the diagnostic.  Nothing is taken when
 * the sentence naming the address is not one of Google's leads.
 */
void bk__vp_gmail_lead(bk__dctx *ctx, bk_record *r);

void
bk__vp_gmail_lead(bk__dctx *ctx, bk_record *r)
{
	static const char *const leads[] = {
		"there was a temporary problem delivering your message to ",
		"there was a problem delivering your message to ",
		"your message wasn't delivered to ",
		"your message wasn\xe2\x80\x99t delivered to ",
		"your message to ",
		NULL
	};
	bk_str t = ctx->text, line, head;
	const char *m, *ls, *p, *end, *title, *last;
	size_t i;

	if (r->diagnostic.ptr != NULL || t.ptr == NULL || t.len == 0 ||
	    r->recipient.ptr == NULL || r->recipient.len == 0)
		return;
	end = bk__str_end(t);
	m = bk__imemmem(t.ptr, t.len, r->recipient.ptr, r->recipient.len);
	if (m == NULL)
		return;
	ls = m;
	while (ls > t.ptr && ls[-1] != '\n')
		ls--;
	head = bk__str(ls, (size_t)(m - ls));
	for (i = 0; leads[i] != NULL; i++) {
		if (bk__istr(head.ptr, head.len, leads[i]) != NULL)
			break;
	}
	if (leads[i] == NULL)
		return;
	/* the title: the last "** ... **" line before the sentence */
	title = NULL;
	p = t.ptr;
	while (p < ls) {
		const char *s = p;

		line = bk__trim(bk__vp_line(&p, ls));
		if (line.len >= 4 && memcmp(line.ptr, "**", 2) == 0 &&
		    memcmp(bk__str_end(line) - 2, "**", 2) == 0)
			title = s;
	}
	/* the sentence's paragraph, to the next blank line */
	p = ls;
	last = ls;
	while (p < end) {
		line = bk__trim(bk__vp_line(&p, end));
		if (line.len == 0)
			break;
		last = bk__str_end(line);
	}
	if (title == NULL)
		title = ls;
	r->diagnostic = bk__squeeze(ctx->msg, bk__str(title,
	    (size_t)(last - title)));
}
