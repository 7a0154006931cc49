/*
 * vendor_p_amazon.c - Amazon SES and Amazon WorkMail.
 *
 * Two shapes.  (1) The RFC 3464 report that SES (and WorkMail, which
 * sends through SES) mails back, From MAILER-DAEMON@*.amazonses.com.
 * SES wraps the remote reply in its own verdict, so the code of the
 * Status field is SES's category, not the remote's:
 *
 *   Diagnostic-Code: smtp; 5.1.0 - Unknown address error 550-'5.2.2
 *       <user@example.jp>... Mailbox Full' (delivery attempts: 0)
 *   Diagnostic-Code: smtp; 554 4.4.7 Message expired: unable to deliver
 *       in 840 minutes.<421 4.4.2 Connection timed out>
 *
 * The reply quoted inside ("550-'5.2.2 ...'", "<421 4.4.2 ...>") is the
 * remote host's answer and gives the codes.
 *
 * (2) An SNS notification: the body is the JSON event SES publishes
 * ({"notificationType":"Bounce","bounce":{"bouncedRecipients":[...]}},
 * or "Complaint" or "Delivery"), sometimes itself a string inside the
 * SNS envelope ("Message" : "{\"notificationType\":...}").
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

int bk__vp_amazonses_json(bk__dctx *ctx);
int bk__vp_amazonses(bk__dctx *ctx);

/* ---- (1) the RFC 3464 report ---- */

/*
 * ses_inner - the remote reply quoted in an SES diagnostic: after
 * "NNN-'" or inside "<NNN ". Sets *code; returns the quoted text.
 */
static bk_str
ses_inner(bk_str d, int *code)
{
	const char *p = d.ptr, *end = bk__str_end(d);
	long v;

	*code = 0;
	if (p == NULL)
		return BK_STR_NULL;
	/* loop: p moves one byte per pass */
	for (; p + 5 <= end; p++) {
		if (*p == '<' && bk__digits(p + 1, 3, 200, 599, &v) == 3 &&
		    p[4] == ' ') {
			const char *gt = memchr(p, '>', (size_t)(end - p));

			*code = (int)v;
			return bk__str(p + 1, (size_t)((gt ? gt : end) -
			    p - 1));
		}
		if (bk__digits(p, 3, 200, 599, &v) == 3 && p[3] == '-' &&
		    p[4] == '\'' && (p == d.ptr || p[-1] == ' ')) {
			const char *q = memchr(p + 5, '\'',
			    (size_t)(end - p - 5));

			*code = (int)v;
			return bk__str(p + 5, (size_t)((q ? q : end) - p - 5));
		}
	}
	return BK_STR_NULL;
}

/* dsn_in_text - the RFC 3464 fields pasted into the text, if any */
static bk_str
dsn_in_text(bk_str t)
{
	const char *f;

	if (t.ptr == NULL)
		return BK_STR_NULL;
	f = bk__vp_find_line(t, "reporting-mta:");
	if (f == NULL)
		f = bk__vp_find_line(t, "final-recipient:");
	return bk__vp_rest(t, f);
}

/* bk__vp_amazonses - SES/WorkMail RFC 3464 reports, see file comment */
int
bk__vp_amazonses(bk__dctx *ctx)
{
	bk_str d, inner, st;
	const char *name;
	size_t i;
	int added, code;

	if (bk__vp_from_has(ctx, "amazonses.com") == NULL ||
	    bk__vp_from_has(ctx, "mailer-daemon") == NULL)
		return 0;
	d = bk__vp_header(ctx, "x-mailer");
	name = d.ptr != NULL && bk__istr(d.ptr, d.len, "workmail") ?
	    "amazonworkmail" : "amazonses";
	if (ctx->dsn != NULL)
		d = bk__part_text(ctx->msg, ctx->dsn);
	else
		d = dsn_in_text(ctx->text);
	if (d.ptr == NULL)
		return 0;
	added = bk__decode_dsn_text(ctx, d, name);
	if (added <= 0)
		return added;
	for (i = 0; i < ctx->nrec; i++) {
		bk_record *r = &ctx->rec[i];

		inner = ses_inner(r->diagnostic, &code);
		if (code == 0)
			continue;
		r->reply_code = code;
		inner = bk__trim(inner);
		st = bk__find_status(inner);
		if (st.ptr != NULL && (st.ptr == inner.ptr ||
		    st.ptr == inner.ptr + 4))
			r->status = st;
	}
	return added;
}

/* ---- (2) the SNS notification (JSON) ---- */

/*
 * json_clean - a copy of the body without the "!\n " breaks a mail
 * gateway put into over-long lines, and with \" and \\ unescaped so
 * that an event quoted inside the SNS envelope reads as plain JSON.
 */
static bk_str
json_clean(bk_message *msg, bk_str t)
{
	bk__buf b;
	size_t i;

	bk__buf_init(&b, msg->arena, BK_LIMIT_DECODED_BYTES);
	for (i = 0; i < t.len; i++) {
		if (t.ptr[i] == '!' && i + 2 < t.len && t.ptr[i + 1] == '\n' &&
		    t.ptr[i + 2] == ' ') {
			i += 2;
			continue;
		}
		if (t.ptr[i] == '\\' && i + 1 < t.len && (t.ptr[i + 1] == '"' ||
		    t.ptr[i + 1] == '\\')) {
			i++;
			bk__buf_putc(&b, t.ptr[i]);
			continue;
		}
		bk__buf_putc(&b, t.ptr[i]);
	}
	return b.ptr ? bk__str(b.ptr, b.len) : BK_STR_NULL;
}

/* json_key - where the value of "key" starts in @s (after ':'), or NULL */
static const char *
json_key(bk_str s, const char *key)
{
	const char *p = s.ptr, *end, *m;
	size_t kl = strlen(key);

	if (p == NULL)
		return NULL;
	end = p + s.len;

	/* loop: p moves past each occurrence examined */
	while (p < end && (m = bk__imemmem(p, (size_t)(end - p), key,
	    kl)) != NULL) {
		p = m + kl;
		if (m == s.ptr || m[-1] != '"' || p >= end || *p != '"')
			continue;
		p++;
		while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
			p++;
		if (p >= end || *p != ':')
			continue;
		p++;
		while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
			p++;
		return p < end ? p : NULL;
	}
	return NULL;
}

/* json_string - the string value of "key" in @s (not unescaped) */
static bk_str
json_string(bk_str s, const char *key)
{
	const char *p = json_key(s, key), *end, *q;

	if (p == NULL || *p != '"')
		return BK_STR_NULL;
	end = bk__str_end(s);
	/* loop: q moves one byte per pass, skipping escapes */
	for (q = p + 1; q < end && *q != '"'; q++) {
		if (*q == '\\' && q + 1 < end)
			q++;
	}
	if (q >= end)
		return BK_STR_NULL;
	return bk__str(p + 1, (size_t)(q - p - 1));
}

/*
 * json_span - the bracketed value ("[...]" or "{...}") starting at @p,
 * brackets included, matched outside strings; BK_STR_NULL if unclosed.
 */
static bk_str
json_span(const char *p, const char *end)
{
	const char *q;
	int depth = 0, in_str = 0;

	if (p == NULL || p >= end || (*p != '[' && *p != '{'))
		return BK_STR_NULL;
	/* loop: q moves one byte per pass; depth stays within the span */
	for (q = p; q < end; q++) {
		if (in_str) {
			if (*q == '\\' && q + 1 < end)
				q++;
			else if (*q == '"')
				in_str = 0;
			continue;
		}
		if (*q == '"')
			in_str = 1;
		else if (*q == '[' || *q == '{')
			depth++;
		else if ((*q == ']' || *q == '}') && --depth == 0)
			return bk__str(p, (size_t)(q + 1 - p));
	}
	return BK_STR_NULL;
}

/* json_next - the next element span of an array, *pp moves past it */
static bk_str
json_next(const char **pp, const char *end)
{
	const char *p = *pp, *q;
	bk_str v;

	while (p < end && *p != '{' && *p != '"' && *p != ']')
		p++;
	if (p >= end || *p == ']') {
		*pp = end;
		return BK_STR_NULL;
	}
	if (*p == '{') {
		v = json_span(p, end);
		*pp = v.ptr ? bk__str_end(v) : end;
		return v;
	}
	/* a string element */
	for (q = p + 1; q < end && *q != '"'; q++) {
		if (*q == '\\' && q + 1 < end)
			q++;
	}
	*pp = q < end ? q + 1 : end;
	return bk__str(p + 1, (size_t)((q < end ? q : end) - p - 1));
}

/* strip_type - "dsn; host" -> "host", "smtp; 550 ..." -> "550 ..." */
static bk_str
strip_type(bk_str v)
{
	const char *semi;

	if (v.ptr == NULL)
		return v;
	semi = memchr(v.ptr, ';', v.len);
	if (semi != NULL && semi - v.ptr < 8)
		return bk__trim(bk__str(semi + 1, (size_t)(bk__str_end(v) -
		    semi - 1)));
	return bk__trim(v);
}

/* bk__vp_amazonses_json - SES notifications via SNS, see file comment */
int
bk__vp_amazonses_json(bk__dctx *ctx)
{
	bk_message *msg = ctx->msg;
	bk_str t = ctx->text, j, type, arr, el, v, mail, sender, subject;
	const char *p, *end;
	bk_record *r;
	size_t i;
	int added = 0, kind;

	if (t.ptr == NULL)
		return 0;
	/* the trimmed text must open with '{': its first byte after white
	 * space, found before trimming the end (most texts fail here) */
	for (i = 0; i < t.len && bk__is(t.ptr[i], BK_C_SPACE | BK_C_EOL);
	    i++)
		;
	if (i == t.len || t.ptr[i] != '{')
		return 0;
	t = bk__trim(t);
	if (t.len < 2 ||
	    (bk__istr(t.ptr, t.len, "notificationType") == NULL &&
	    bk__istr(t.ptr, t.len, "eventType") == NULL))
		return 0;
	j = json_clean(msg, t);
	if (j.ptr == NULL)
		return 0;
	type = json_string(j, "notificationType");
	if (type.ptr == NULL)
		type = json_string(j, "eventType");
	if (type.ptr == NULL)
		return 0;
	if (bk__ieq(type.ptr, type.len, "bounce")) {
		kind = BK_KIND_BOUNCE;
		arr = json_span(json_key(j, "bouncedRecipients"),
		    bk__str_end(j));
	} else if (bk__ieq(type.ptr, type.len, "complaint")) {
		kind = BK_KIND_FEEDBACK;
		arr = json_span(json_key(j, "complainedRecipients"),
		    bk__str_end(j));
	} else if (bk__ieq(type.ptr, type.len, "delivery")) {
		kind = BK_KIND_DELIVERED;
		v = json_span(json_key(j, "delivery"), bk__str_end(j));
		arr = v.ptr == NULL ? BK_STR_NULL :
		    json_span(json_key(v, "recipients"), bk__str_end(v));
	} else
		return 0;
	if (arr.ptr == NULL)
		return 0;
	mail = json_span(json_key(j, "mail"), bk__str_end(j));
	sender = json_string(mail, "source");
	subject = mail.ptr == NULL ? BK_STR_NULL :
	    json_string(json_span(json_key(mail, "commonHeaders"),
	    bk__str_end(mail)), "subject");
	p = arr.ptr + 1;
	end = bk__str_end(arr);
	/* loop: json_next moves p past one element each time */
	while (p < end) {
		el = json_next(&p, end);
		if (el.ptr == NULL)
			break;
		v = el.len > 0 && el.ptr[0] == '{' ?
		    json_string(el, "emailAddress") : el;
		v = bk__addr_find(v.ptr, v.len);
		if (v.ptr == NULL || bk__dctx_find(ctx, v) != NULL)
			continue;
		r = bk__dctx_add(ctx, "amazonses");
		if (r == NULL)
			return ctx->oom ? BK_ENOMEM : added;
		r->recipient = v;
		r->kind = (bk_kind)kind;
		r->sender = bk__addr_find(sender.ptr, sender.len);
		r->subject = subject;
		if (kind == BK_KIND_FEEDBACK) {
			r->reason_hint = BK_REASON_FEEDBACK;
			v = json_string(j, "complaintFeedbackType");
			r->feedback_type = v.len ? v : BK_STR_NULL;
			added++;
			continue;
		}
		if (kind == BK_KIND_DELIVERED) {
			bk_str dl = json_span(json_key(j, "delivery"),
			    bk__str_end(j));

			r->reason_hint = BK_REASON_DELIVERED;
			r->action = bk__cstr("delivered");
			r->diagnostic = json_string(dl, "smtpResponse");
			v = json_string(dl, "reportingMTA");
		} else {
			r->action = json_string(el, "action");
			r->status = bk__find_status(json_string(el, "status"));
			r->diagnostic = strip_type(json_string(el,
			    "diagnosticCode"));
			v = json_string(json_span(json_key(j, "bounce"),
			    bk__str_end(j)), "reportingMTA");
		}
		v = strip_type(v);
		r->reporting_mta = v.len ? v : BK_STR_NULL;
		if (r->diagnostic.ptr != NULL && r->diagnostic.len == 0)
			r->diagnostic = BK_STR_NULL;
		r->diagnostic_type = bk__cstr("SMTP");
		bk__vp_codes(r);
		added++;
	}
	return added;
}
