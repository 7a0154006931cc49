/*
 * decode_webhook.c - the event notifications email service providers
 * post to a sender's web hook, given as a message of JSON (a file of one
 * event, of an array of events, or one event per line).
 *
 * Formats, from each provider's documentation of its event payloads:
 *   Amazon SES  notifications ("notificationType") and event publishing
 *               ("eventType"): Bounce, Complaint, Delivery,
 *               DeliveryDelay; also inside an SNS envelope ("Type":
 *               "Notification", the event as the JSON string "Message")
 *   SendGrid    event webhook: "event" bounce, dropped, deferred,
 *               delivered, spamreport, with "email"
 *   Mailgun     "event-data" (or the event itself): "event" failed,
 *               delivered, complained, with "recipient"
 *   Postmark    "RecordType" Bounce, SpamComplaint, Delivery
 *   SparkPost   "msys" with a "message_event" (bounce, out_of_band,
 *               delay, delivery, spam_complaint, policy_rejection)
 *   Mandrill    "event" hard_bounce, soft_bounce, deferral, reject,
 *               spam, send, with the message as "msg"; also the form
 *               body Mandrill posts ("mandrill_events=" and the array,
 *               percent-encoded)
 * Each event gives records with what the provider says: the recipient,
 * the remote server's reply (classified like any other), the status
 * and the provider's own verdict where it has one (SES "Suppressed",
 * SendGrid and SparkPost drops of addresses on their lists).
 *
 * JSON is parsed with jansson (docs/DECISIONS.md); nesting and the
 * events read per message are bounded.  Strings are copied into the
 * message's arena, so the records live as long as the message.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bouncekit/limits.h"
#include "decode/decode_int.h"

/* Events read from one message (a provider posts at most a few thousand
 * at once); further ones are flagged, not read. */
#define WEBHOOK_EVENTS BK_LIMIT_DSN_RECIPIENTS

/* Bytes and nesting of one event (they are a few kilobytes, a few levels
 * deep): only an event within both is parsed into a tree. */
#define WEBHOOK_EVENT_BYTES ((size_t)1024 * 1024)
#define WEBHOOK_DEPTH 32

/* get - the member at @path ("a.b.c") of object @o, or NULL */
static json_t *
get(json_t *o, const char *path)
{
	char key[64];
	const char *dot;
	size_t n;

	/* loop: one path component a pass */
	while (o != NULL && json_is_object(o)) {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_object_get(o, key);
		if (dot == NULL)
			return o;
		path = dot + 1;
	}
	return NULL;
}

/* strv - the string @v copied into the message's arena, or absent */
static bk_str
strv(bk__dctx *ctx, json_t *v)
{
	char *copy;

	if (v == NULL || !json_is_string(v) || json_string_length(v) == 0)
		return BK_STR_NULL;
	copy = bk__arena_memdup(ctx->msg->arena, json_string_value(v),
	    json_string_length(v));
	if (copy == NULL) {
		ctx->oom = 1;
		return BK_STR_NULL;
	}
	return bk__str(copy, json_string_length(v));
}

/* str - the string at @path of @o, copied (strv) */
static bk_str
str(bk__dctx *ctx, json_t *o, const char *path)
{
	return strv(ctx, get(o, path));
}

/* is - the string at @path equals @want (ASCII case aside) */
static int
is(json_t *o, const char *path, const char *want)
{
	json_t *v = get(o, path);

	return v != NULL && json_is_string(v) &&
	    bk__ieq(json_string_value(v), json_string_length(v), want);
}

/* when - the event's time at @path: Unix seconds (a number, or digits
 * in a string) or an ISO 8601 string */
static void
when(bk_record *r, json_t *o, const char *path)
{
	json_t *v = get(o, path);
	int64_t t = 0;
	int tz = 0, zoned;

	if (v == NULL)
		return;
	if (json_is_integer(v)) {
		t = json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		/* out of range (or NaN): no time, and no undefined cast */
		if (!(d > 0 && d < 253402300800.0))
			return;
		t = (int64_t)d;
	} else if (json_is_string(v)) {
		const char *p = json_string_value(v);
		size_t n = json_string_length(v), i;

		/* at most 13 digits are summed: more than 12 are no seconds
		 * (below), and 13 cannot overflow */
		for (i = 0; i < n && i < 13 && bk__is(p[i], BK_C_DIGIT); i++)
			t = t * 10 + (p[i] - '0');
		if ((i < n || n == 0 || n > 12) &&
		    bk__iso_time(p, n, &t, &tz, &zoned) != 0)
			return;
	} else {
		return;
	}
	/* years 1970 to 9999 */
	if (t <= 0 || t >= 253402300800LL)
		return;
	r->timestamp = t;
	r->tz_offset = tz;
	r->has_timestamp = 1;
}

/*
 * reply - the remote server's reply @text: the status and reply code in
 * it fill in what the provider did not say itself
 */
static void
reply(bk_record *r, bk_str text)
{
	bk_str st;

	if (text.ptr == NULL)
		return;
	/* "smtp; 550 5.1.1 ..." is a Diagnostic-Code, type and text */
	if (text.len > 6 && bk__ieq(text.ptr, 5, "smtp;")) {
		r->diagnostic_type = bk__str("SMTP", 4);
		text.ptr += 5;
		text.len -= 5;
		text = bk__trim(text);
	}
	r->diagnostic = text;
	if (r->status.ptr == NULL) {
		st = bk__find_status(text);
		if (st.ptr != NULL)
			r->status = st;
	}
	if (r->reply_code == 0)
		r->reply_code = bk__reply_code_for(text, r->status);
}

/* add - a record for a webhook event of @provider */
static bk_record *
add(bk__dctx *ctx, const char *provider)
{
	bk_record *r = bk__dctx_add(ctx, provider);

	if (r == NULL)
		ctx->oom = 1;
	return r;
}

/* Amazon SES: one record per bounced, complained or delivered address */
static int
ses(bk__dctx *ctx, json_t *ev)
{
	static const struct {
		const char *type, *list, *addr;
		bk_kind kind;
	} types[] = {
		{ "Bounce", "bounce.bouncedRecipients", "emailAddress",
		    BK_KIND_BOUNCE },
		{ "Complaint", "complaint.complainedRecipients",
		    "emailAddress", BK_KIND_FEEDBACK },
		{ "Delivery", "delivery.recipients", NULL,
		    BK_KIND_DELIVERED },
		{ "DeliveryDelay", "deliveryDelay.delayedRecipients",
		    "emailAddress", BK_KIND_DELAY },
	};
	json_t *list, *item;
	size_t t, i, added = 0;
	const char *type = "notificationType";

	if (get(ev, "eventType") != NULL)
		type = "eventType";
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		if (is(ev, type, types[t].type))
			break;
	if (t == sizeof(types) / sizeof(types[0]))
		return 0;
	list = get(ev, types[t].list);
	json_array_foreach(list, i, item) {
		bk_record *r = add(ctx, "webhook-ses");

		if (r == NULL)
			return -1;
		r->kind = types[t].kind;
		/* delivery lists addresses, the others objects */
		r->recipient = types[t].addr != NULL ?
		    str(ctx, item, types[t].addr) : strv(ctx, item);
		r->sender = str(ctx, ev, "mail.source");
		r->message_id = str(ctx, ev, "mail.commonHeaders.messageId");
		r->subject = str(ctx, ev, "mail.commonHeaders.subject");
		when(r, ev, "mail.timestamp");
		switch (r->kind) {
		case BK_KIND_BOUNCE:
			r->action = str(ctx, item, "action");
			r->status = str(ctx, item, "status");
			r->reporting_mta = str(ctx, ev, "bounce.reportingMTA");
			reply(r, str(ctx, item, "diagnosticCode"));
			when(r, ev, "bounce.timestamp");
			/* SES refused to send: the address is on its list */
			if (is(ev, "bounce.bounceSubType", "Suppressed") ||
			    is(ev, "bounce.bounceSubType",
			    "OnAccountSuppressionList"))
				r->reason_hint = BK_REASON_SUPPRESSED;
			break;
		case BK_KIND_FEEDBACK:
			r->feedback_type = str(ctx, ev,
			    "complaint.complaintFeedbackType");
			if (r->feedback_type.ptr == NULL)
				r->feedback_type = bk__str("abuse", 5);
			when(r, ev, "complaint.timestamp");
			break;
		case BK_KIND_DELAY:
			r->action = bk__str("delayed", 7);
			r->status = str(ctx, item, "status");
			reply(r, str(ctx, item, "diagnosticCode"));
			when(r, ev, "deliveryDelay.timestamp");
			break;
		default:
			reply(r, str(ctx, ev, "delivery.smtpResponse"));
			r->remote_mta = str(ctx, ev, "delivery.remoteMtaIp");
			when(r, ev, "delivery.timestamp");
			break;
		}
		added++;
	}
	return added > 0 ? 1 : 0;
}

/* SendGrid: one event, one address */
static int
sendgrid(bk__dctx *ctx, json_t *ev)
{
	bk_record *r;
	bk_kind kind;
	bk_str why;

	if (is(ev, "event", "bounce") || is(ev, "event", "dropped"))
		kind = BK_KIND_BOUNCE;
	else if (is(ev, "event", "deferred"))
		kind = BK_KIND_DELAY;
	else if (is(ev, "event", "delivered"))
		kind = BK_KIND_DELIVERED;
	else if (is(ev, "event", "spamreport"))
		kind = BK_KIND_FEEDBACK;
	else
		return 0;
	r = add(ctx, "webhook-sendgrid");
	if (r == NULL)
		return -1;
	r->kind = kind;
	r->recipient = str(ctx, ev, "email");
	r->status = str(ctx, ev, "status");
	r->message_id = str(ctx, ev, "sg_message_id");
	when(r, ev, "timestamp");
	why = str(ctx, ev, kind == BK_KIND_DELAY ? "response" : "reason");
	if (why.ptr == NULL)
		why = str(ctx, ev, "response");
	reply(r, why);
	if (kind == BK_KIND_FEEDBACK)
		r->feedback_type = bk__str("abuse", 5);
	/* a drop is SendGrid's own refusal: the address is on its lists */
	if (is(ev, "event", "dropped"))
		r->reason_hint = BK_REASON_SUPPRESSED;
	return 1;
}

/* Mailgun: "event-data", or the event itself (older payloads) */
static int
mailgun(bk__dctx *ctx, json_t *ev)
{
	bk_record *r;
	bk_kind kind;
	bk_str why;

	if (is(ev, "event", "failed"))
		kind = is(ev, "severity", "temporary") ? BK_KIND_DELAY :
		    BK_KIND_BOUNCE;
	else if (is(ev, "event", "delivered"))
		kind = BK_KIND_DELIVERED;
	else if (is(ev, "event", "complained"))
		kind = BK_KIND_FEEDBACK;
	else
		return 0;
	r = add(ctx, "webhook-mailgun");
	if (r == NULL)
		return -1;
	r->kind = kind;
	r->recipient = str(ctx, ev, "recipient");
	r->message_id = str(ctx, ev, "message.headers.message-id");
	r->subject = str(ctx, ev, "message.headers.subject");
	r->sender = str(ctx, ev, "envelope.sender");
	r->remote_mta = str(ctx, ev, "delivery-status.mx-host");
	when(r, ev, "timestamp");
	if (json_is_integer(get(ev, "delivery-status.code")))
		r->reply_code = (int)json_integer_value(get(ev,
		    "delivery-status.code"));
	if (r->reply_code < 200 || r->reply_code > 599)
		r->reply_code = 0;
	r->status = str(ctx, ev, "delivery-status.enhanced-code");
	why = str(ctx, ev, "delivery-status.message");
	if (why.ptr == NULL)
		why = str(ctx, ev, "delivery-status.description");
	reply(r, why);
	if (kind == BK_KIND_FEEDBACK)
		r->feedback_type = bk__str("abuse", 5);
	/* Mailgun did not try: the address is on its suppression lists */
	if (is(ev, "reason", "suppress-bounce") ||
	    is(ev, "reason", "suppress-unsubscribe") ||
	    is(ev, "reason", "suppress-complaint"))
		r->reason_hint = BK_REASON_SUPPRESSED;
	return 1;
}

/* Postmark: one record per event */
static int
postmark(bk__dctx *ctx, json_t *ev)
{
	bk_record *r;
	bk_kind kind;

	if (is(ev, "RecordType", "Bounce"))
		kind = is(ev, "Type", "Transient") ||
		    is(ev, "Type", "SoftBounce") ? BK_KIND_DELAY :
		    BK_KIND_BOUNCE;
	else if (is(ev, "RecordType", "SpamComplaint"))
		kind = BK_KIND_FEEDBACK;
	else if (is(ev, "RecordType", "Delivery"))
		kind = BK_KIND_DELIVERED;
	else
		return 0;
	r = add(ctx, "webhook-postmark");
	if (r == NULL)
		return -1;
	r->kind = kind;
	r->recipient = str(ctx, ev, "Email");
	if (r->recipient.ptr == NULL)
		r->recipient = str(ctx, ev, "Recipient");
	r->message_id = str(ctx, ev, "MessageID");
	r->subject = str(ctx, ev, "Subject");
	r->sender = str(ctx, ev, "From");
	when(r, ev, kind == BK_KIND_DELIVERED ? "DeliveredAt" : "BouncedAt");
	reply(r, str(ctx, ev, kind == BK_KIND_DELIVERED ? "Details" :
	    "Details"));
	if (r->diagnostic.ptr == NULL || r->status.ptr == NULL) {
		bk_str d = str(ctx, ev, "Description");

		if (r->diagnostic.ptr == NULL)
			reply(r, d);
	}
	if (kind == BK_KIND_FEEDBACK)
		r->feedback_type = bk__str("abuse", 5);
	return 1;
}

/* SparkPost: "msys" wraps a message_event (or a relay/track event) */
static int
sparkpost(bk__dctx *ctx, json_t *ev)
{
	json_t *m = get(ev, "msys.message_event");
	bk_record *r;
	bk_kind kind;

	if (m == NULL)
		return 0;
	if (is(m, "type", "bounce") || is(m, "type", "out_of_band") ||
	    is(m, "type", "policy_rejection") ||
	    is(m, "type", "generation_rejection"))
		kind = BK_KIND_BOUNCE;
	else if (is(m, "type", "delay"))
		kind = BK_KIND_DELAY;
	else if (is(m, "type", "delivery"))
		kind = BK_KIND_DELIVERED;
	else if (is(m, "type", "spam_complaint"))
		kind = BK_KIND_FEEDBACK;
	else
		return 0;
	r = add(ctx, "webhook-sparkpost");
	if (r == NULL)
		return -1;
	r->kind = kind;
	r->recipient = str(ctx, m, "rcpt_to");
	r->message_id = str(ctx, m, "message_id");
	r->subject = str(ctx, m, "subject");
	r->sender = str(ctx, m, "msg_from");
	when(r, m, "timestamp");
	if (json_is_string(get(m, "error_code"))) {
		bk_str c = str(ctx, m, "error_code");

		if (c.len == 3 && bk__is(c.ptr[0], BK_C_DIGIT))
			r->reply_code = (c.ptr[0] - '0') * 100 +
			    (c.ptr[1] - '0') * 10 + (c.ptr[2] - '0');
	}
	reply(r, str(ctx, m, "raw_reason"));
	if (r->diagnostic.ptr == NULL)
		reply(r, str(ctx, m, "reason"));
	if (kind == BK_KIND_FEEDBACK)
		r->feedback_type = str(ctx, m, "fbtype");
	/* bounce class 25: the address is on SparkPost's suppression list */
	if (is(m, "bounce_class", "25"))
		r->reason_hint = BK_REASON_SUPPRESSED;
	return 1;
}

/*
 * Mandrill's summary of a bounce (msg.bounce_description), for a bounce
 * that came without the server's reply: the reason it names.
 */
static bk_reason
mandrill_hint(json_t *msg)
{
	static const struct {
		const char *desc;
		bk_reason reason;
	} hints[] = {
		{ "bad_mailbox", BK_REASON_USERUNKNOWN },
		{ "invalid_domain", BK_REASON_HOSTUNKNOWN },
		{ "mailbox_full", BK_REASON_MAILBOXFULL },
	};
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		if (is(msg, "bounce_description", hints[i].desc))
			return hints[i].reason;
	}
	return BK_REASON_UNDEFINED;
}

/* Mandrill: "event" and the message as "msg"; one address each */
static int
mandrill(bk__dctx *ctx, json_t *ev)
{
	json_t *msg = get(ev, "msg"), *smtp;
	bk_record *r;
	bk_kind kind;
	bk_str why;

	if (is(ev, "event", "hard_bounce") || is(ev, "event", "soft_bounce") ||
	    is(ev, "event", "reject"))
		kind = BK_KIND_BOUNCE;
	else if (is(ev, "event", "deferral"))
		kind = BK_KIND_DELAY;
	else if (is(ev, "event", "send"))
		kind = BK_KIND_DELIVERED;
	else if (is(ev, "event", "spam"))
		kind = BK_KIND_FEEDBACK;
	else
		return 0;
	r = add(ctx, "webhook-mandrill");
	if (r == NULL)
		return -1;
	r->kind = kind;
	r->recipient = str(ctx, msg, "email");
	r->sender = str(ctx, msg, "sender");
	r->subject = str(ctx, msg, "subject");
	r->message_id = str(ctx, msg, "_id");
	when(r, ev, "ts");
	why = str(ctx, msg, "diag");
	/* a deferral's reply is that of the last attempt */
	smtp = get(msg, "smtp_events");
	if (why.ptr == NULL && json_is_array(smtp) && json_array_size(smtp))
		why = str(ctx, json_array_get(smtp, json_array_size(smtp) - 1),
		    "diag");
	reply(r, why);
	if (kind == BK_KIND_FEEDBACK)
		r->feedback_type = bk__str("abuse", 5);
	/* a rejection is Mandrill's own refusal: the address is on its
	 * rejection list */
	if (is(ev, "event", "reject"))
		r->reason_hint = BK_REASON_SUPPRESSED;
	else if (kind == BK_KIND_BOUNCE && r->diagnostic.ptr == NULL)
		r->reason_hint = mandrill_hint(msg);
	return 1;
}

/* event - one event object, of whichever provider it is */
static int
event(bk__dctx *ctx, json_t *ev, int depth)
{
	json_t *inner;

	if (!json_is_object(ev))
		return 0;
	/* SNS: the event is the JSON text of "Message" */
	if (depth == 0 && is(ev, "Type", "Notification") &&
	    json_is_string(get(ev, "Message"))) {
		json_t *m = json_loadb(json_string_value(get(ev, "Message")),
		    json_string_length(get(ev, "Message")), 0, NULL);
		int rc = event(ctx, m, depth + 1);

		json_decref(m);
		return rc;
	}
	if (get(ev, "notificationType") != NULL ||
	    (get(ev, "eventType") != NULL && get(ev, "mail") != NULL))
		return ses(ctx, ev);
	if ((inner = get(ev, "event-data")) != NULL)
		return mailgun(ctx, inner);
	if (get(ev, "RecordType") != NULL)
		return postmark(ctx, ev);
	if (get(ev, "msys") != NULL)
		return sparkpost(ctx, ev);
	if (get(ev, "event") != NULL && json_is_object(get(ev, "msg")))
		return mandrill(ctx, ev);
	if (get(ev, "event") != NULL && get(ev, "email") != NULL)
		return sendgrid(ctx, ev);
	if (get(ev, "event") != NULL && get(ev, "recipient") != NULL)
		return mailgun(ctx, ev);
	return 0;
}

/* skip_space - past white space */
static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && bk__is(*p, BK_C_SPACE | BK_C_EOL))
		p++;
	return p;
}

/*
 * value_end - the end of the object or array at @p, found by counting
 * brackets outside strings; NULL when it is not closed within
 * WEBHOOK_EVENT_BYTES or nests deeper than WEBHOOK_DEPTH
 */
static const char *
value_end(const char *p, const char *end)
{
	const char *lim = (size_t)(end - p) > WEBHOOK_EVENT_BYTES ?
	    p + WEBHOOK_EVENT_BYTES : end;
	int depth = 0, in_str = 0;

	/* loop: one byte a pass, bounded by lim */
	for (; p < lim; p++) {
		if (in_str) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				in_str = 0;
			continue;
		}
		switch (*p) {
		case '"':
			in_str = 1;
			break;
		case '{': case '[':
			if (++depth > WEBHOOK_DEPTH)
				return NULL;
			break;
		case '}': case ']':
			if (--depth == 0)
				return p + 1;
			break;
		default:
			break;
		}
	}
	return NULL;
}

/*
 * one_value - parse the object at *@pp and pass it to event(); *@pp
 * moves past it.  0 or 1 (records added), -1 on failure, -2 when the
 * text is not JSON, or an event too large or deep (flagged).
 */
static int
one_value(bk__dctx *ctx, const char **pp, const char *end)
{
	const char *e = value_end(*pp, end);
	json_t *v;
	int rc;

	v = e != NULL ? json_loadb(*pp, (size_t)(e - *pp), 0, NULL) : NULL;
	if (v == NULL) {
		bk__message_damage(ctx->msg, BK_SEV_DAMAGED, e == NULL ?
		    "a web hook event too large, too deep or not closed" :
		    "web hook JSON that does not parse");
		return -2;
	}
	*pp = e;
	rc = event(ctx, v, 0);
	json_decref(v);
	return rc;
}

/*
 * none_known - JSON without an event of a known provider: one record of
 * kind unknown that says so (or what was wrong with the JSON)
 */
static int
none_known(bk__dctx *ctx)
{
	bk_record *r = add(ctx, "webhook");
	const char *why = NULL;

	if (r == NULL)
		return -1;
	r->kind = BK_KIND_UNKNOWN;
	if (bk_message_diagnostic(ctx->msg, &why) < BK_SEV_DAMAGED ||
	    why == NULL)
		why = "JSON, but no bounce, delay, delivery or complaint event "
		    "of a known provider "
		    "(Amazon SES, SendGrid, Mailgun, Postmark, SparkPost, "
		    "Mandrill)";
	r->error = bk__cstr(why);
	return 1;
}

/*
 * form_value - Mandrill posts its events as a form: the body is
 * "mandrill_events=" and the JSON, percent-encoded ('+' for a space).
 * The decoded JSON in the message's arena (never longer than the body),
 * or an absent slice when the body is not such a form.
 */
static bk_str
form_value(bk__dctx *ctx, const char *p, const char *end)
{
	static const char key[] = "mandrill_events=";
	char *out;
	size_t n = 0;
	int hi, lo;

	if ((size_t)(end - p) < sizeof(key) - 1 ||
	    memcmp(p, key, sizeof(key) - 1) != 0)
		return BK_STR_NULL;
	p += sizeof(key) - 1;
	out = bk__arena_alloc(ctx->msg->arena, (size_t)(end - p) + 1);
	if (out == NULL) {
		ctx->oom = 1;
		return BK_STR_NULL;
	}
	/* loop: one byte or one %XX a pass; stops at the next field */
	for (; p < end && *p != '&' && *p != '\n' && *p != '\r'; p++) {
		if (*p == '+') {
			out[n++] = ' ';
		} else if (*p == '%' && end - p >= 3 &&
		    (hi = bk__hexval(p[1])) >= 0 &&
		    (lo = bk__hexval(p[2])) >= 0) {
			out[n++] = (char)(hi * 16 + lo);
			p += 2;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	return bk__str(out, n);
}

/*
 * bk__decode_webhook - see decode_int.h.  A top-level array is read one
 * element at a time, so that only one event is ever held as a tree.
 */
int
bk__decode_webhook(bk__dctx *ctx)
{
	const char *p = ctx->msg->data, *end = p + ctx->msg->len;
	size_t seen = 0;
	int rc, any = 0, in_array;

	if (ctx->msg->root->headers.n != 0)
		return 0;
	p = skip_space(p, end);
	if (p < end && *p == 'm') {
		bk_str form = form_value(ctx, p, end);

		if (ctx->oom)
			return -1;
		if (form.ptr != NULL) {
			p = skip_space(form.ptr, form.ptr + form.len);
			end = form.ptr + form.len;
		}
	}
	if (p == end || (*p != '{' && *p != '['))
		return 0;
	/* one document, or JSON Lines: one value after another */
	while (p < end) {
		in_array = *p == '[';
		if (in_array)
			p = skip_space(p + 1, end);
		/* loop: one event (array element or top value) a pass */
		while (p < end && !(in_array && *p == ']')) {
			if (++seen > WEBHOOK_EVENTS) {
				bk__message_damage(ctx->msg, BK_SEV_DAMAGED,
				    "more web hook events than the limit");
				return any || ctx->nrec > 0 ? 1 : 0;
			}
			rc = one_value(ctx, &p, end);
			if (rc == -1 || ctx->oom)
				return -1;
			if (rc == -2)
				return any || ctx->nrec > 0 ? 1 :
				    none_known(ctx);
			any |= rc;
			p = skip_space(p, end);
			if (!in_array)
				break;
			if (p < end && *p == ',')
				p = skip_space(p + 1, end);
			else if (p < end && *p != ']') {
				bk__message_damage(ctx->msg, BK_SEV_DAMAGED,
				    "web hook JSON that does not parse");
				return any || ctx->nrec > 0 ? 1 :
				    none_known(ctx);
			}
		}
		if (in_array && p < end)
			p = skip_space(p + 1, end);  /* the ']' */
	}
	return any || ctx->nrec > 0 ? 1 : none_known(ctx);
}
