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
 *   Mailjet     "event" bounce (hard_bounce true or false; "greylisted"
 *               is a deferral), blocked, spam, sent, with "email" and
 *               Mailjet's MessageID / Message_GUID; the reply in
 *               "comment", else its error words ("user unknown")
 *   Brevo       "event" hard_bounce, soft_bounce, invalid_email, blocked,
 *               error, deferred, spam or complaint, delivered (and the
 *               campaign spellings hard_bounced, softBounce, ...), with
 *               "email", "message-id" and the reply in "reason"
 *   Resend      "type" email.bounced, email.delivery_delayed,
 *               email.complained, email.delivered, email.suppressed,
 *               the addresses in "data.to", the reply in
 *               "data.bounce.diagnosticCode" (else its message)
 *   Postal      "event" MessageDeliveryFailed, MessageDelayed,
 *               MessageSent, MessageBounced around a "payload"; the
 *               reply in "output"; incoming mail is not ours
 *   Mailtrap    {"events": [...]} (or one event a line): "event" bounce,
 *               soft bounce, reject, spam, delivery, with "response" and
 *               "response_code"
 *   Scaleway    Transactional Email, inside an SNS envelope: "type"
 *               email_dropped, email_mailbox_not_found, email_deferred,
 *               email_delivered, email_blocklisted, with "email_to" and
 *               "email_response_code" / "email_response_message"
 *   SMTP2GO     "event" bounce (with "bounce" hard or soft), reject,
 *               spam, delivered, with "rcpt" and the reply in "message"
 *   KumoMTA     its JSON log records (files, or its log hook): "type"
 *               Bounce, Expiration, AdminBounce, OOB, TransientFailure,
 *               Delivery, Feedback, with "recipient" and the reply in
 *               parts in "response"
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

/* numv - an integer (Mailjet's 17-digit MessageID) as a string in the
 * message's arena; strv() for a string, absent otherwise */
static bk_str
numv(bk__dctx *ctx, json_t *v)
{
	char buf[24], *copy;
	int n;

	if (v == NULL || !json_is_integer(v))
		return strv(ctx, v);
	n = snprintf(buf, sizeof(buf), "%lld",
	    (long long)json_integer_value(v));
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return BK_STR_NULL;
	copy = bk__arena_memdup(ctx->msg->arena, buf, (size_t)n);
	if (copy == NULL) {
		ctx->oom = 1;
		return BK_STR_NULL;
	}
	return bk__str(copy, (size_t)n);
}

/* bare_id - a message id without its angle brackets */
static bk_str
bare_id(bk_str id)
{
	if (id.len >= 2 && id.ptr[0] == '<' && id.ptr[id.len - 1] == '>') {
		id.ptr++;
		id.len -= 2;
	}
	return id;
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
 * in a string), milliseconds (13 digits), or an ISO 8601 string */
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
		/* milliseconds (Brevo's ts_epoch): 13 digits (2001-2286) */
		if (t >= 1000000000000LL && t < 10000000000000LL)
			t /= 1000;
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		/* out of range (or NaN): no time, and no undefined cast */
		if (!(d > 0 && d < 253402300800.0))
			return;
		t = (int64_t)d;
	} else if (json_is_string(v)) {
		const char *p = json_string_value(v);
		size_t n = json_string_length(v), i;

		/* at most 13 digits are summed: 13 are milliseconds, more
		 * are no time (below), and 13 cannot overflow */
		for (i = 0; i < n && i < 13 && bk__is(p[i], BK_C_DIGIT); i++)
			t = t * 10 + (p[i] - '0');
		if (i == n && n == 13)
			t /= 1000;
		else if ((i < n || n == 0 || n > 12) &&
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

/* code_of - an SMTP reply code given as a number, 0 when none or out of
 * range */
static int
code_of(json_t *v)
{
	json_int_t c;

	if (!json_is_integer(v))
		return 0;
	c = json_integer_value(v);
	return c >= 200 && c <= 599 ? (int)c : 0;
}

/*
 * soft - the provider calls the bounce soft (temporary) and neither it
 * nor the reply gives a code: the class it states, "4.0.0" (RFC 3463:
 * other or undefined temporary status), so that the record is not taken
 * for permanent
 */
static void
soft(bk_record *r)
{
	if (r->status.ptr == NULL && (r->reply_code < 500 ||
	    r->reply_code > 599))
		r->status = bk__str("4.0.0", 5);
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

/* a provider's word (an event name, an error word) and what it means:
 * the kind of record it makes, or the reason it names */
struct word {
	const char *word;
	int value;
};

/*
 * word_of - the value the string at @path of @o has in table @t of @n
 * words; @miss for one the table lacks (an event that is not ours: an
 * open, a click)
 */
static int
word_of(json_t *o, const char *path, const struct word *t, size_t n,
    int miss)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is(o, path, t[i].word))
			return t[i].value;
	return miss;
}

#define WORD_OF(o, path, t, miss) word_of((o), (path), (t), \
	sizeof(t) / sizeof((t)[0]), (miss))
#define KIND_OF(o, path, t) WORD_OF(o, path, t, -1)

/* start - a record of @kind for an event of @provider, NULL on OOM */
static bk_record *
start(bk__dctx *ctx, const char *provider, int kind)
{
	bk_record *r = add(ctx, provider);

	if (r != NULL)
		r->kind = (bk_kind)kind;
	return r;
}

/*
 * finish - what every event's record ends with: a complaint is of type
 * "abuse" unless the provider says otherwise, and @refused (the
 * provider's own refusal to send: the address is on its lists) is
 * reason suppressed.  Returns 1, the records added.
 */
static int
finish(bk_record *r, int refused)
{
	if (r->kind == BK_KIND_FEEDBACK && r->feedback_type.ptr == NULL)
		r->feedback_type = bk__str("abuse", 5);
	if (refused)
		r->reason_hint = BK_REASON_SUPPRESSED;
	return 1;
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
		bk_record *r = start(ctx, "webhook-ses", types[t].kind);

		if (r == NULL)
			return -1;
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
			break;
		case BK_KIND_FEEDBACK:
			r->feedback_type = str(ctx, ev,
			    "complaint.complaintFeedbackType");
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
		/* SES refused to send: the address is on its list */
		added += (size_t)finish(r, r->kind == BK_KIND_BOUNCE &&
		    (is(ev, "bounce.bounceSubType", "Suppressed") ||
		    is(ev, "bounce.bounceSubType",
		    "OnAccountSuppressionList")));
	}
	return added > 0 ? 1 : 0;
}

/* SendGrid: one event, one address */
static int
sendgrid(bk__dctx *ctx, json_t *ev)
{
	static const struct word kinds[] = {
		{ "bounce", BK_KIND_BOUNCE }, { "dropped", BK_KIND_BOUNCE },
		{ "deferred", BK_KIND_DELAY },
		{ "delivered", BK_KIND_DELIVERED },
		{ "spamreport", BK_KIND_FEEDBACK },
	};
	int kind = KIND_OF(ev, "event", kinds);
	bk_record *r;
	bk_str why;

	if (kind < 0)
		return 0;
	if ((r = start(ctx, "webhook-sendgrid", kind)) == NULL)
		return -1;
	r->recipient = str(ctx, ev, "email");
	r->status = str(ctx, ev, "status");
	r->message_id = str(ctx, ev, "sg_message_id");
	when(r, ev, "timestamp");
	why = str(ctx, ev, kind == BK_KIND_DELAY ? "response" : "reason");
	if (why.ptr == NULL)
		why = str(ctx, ev, "response");
	reply(r, why);
	/* a drop is SendGrid's own refusal: the address is on its lists */
	return finish(r, is(ev, "event", "dropped"));
}

/* Mailgun: "event-data", or the event itself (older payloads) */
static int
mailgun(bk__dctx *ctx, json_t *ev)
{
	static const struct word kinds[] = {
		{ "failed", BK_KIND_BOUNCE },
		{ "delivered", BK_KIND_DELIVERED },
		{ "complained", BK_KIND_FEEDBACK },
	};
	int kind = KIND_OF(ev, "event", kinds);
	bk_record *r;
	bk_str why;

	if (kind < 0)
		return 0;
	if (kind == BK_KIND_BOUNCE && is(ev, "severity", "temporary"))
		kind = BK_KIND_DELAY;
	if ((r = start(ctx, "webhook-mailgun", kind)) == NULL)
		return -1;
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
	/* Mailgun did not try: the address is on its suppression lists */
	return finish(r, is(ev, "reason", "suppress-bounce") ||
	    is(ev, "reason", "suppress-unsubscribe") ||
	    is(ev, "reason", "suppress-complaint"));
}

/* Postmark: one record per event */
static int
postmark(bk__dctx *ctx, json_t *ev)
{
	static const struct word kinds[] = {
		{ "Bounce", BK_KIND_BOUNCE },
		{ "SpamComplaint", BK_KIND_FEEDBACK },
		{ "Delivery", BK_KIND_DELIVERED },
	};
	int kind = KIND_OF(ev, "RecordType", kinds);
	bk_record *r;

	if (kind < 0)
		return 0;
	if (kind == BK_KIND_BOUNCE && (is(ev, "Type", "Transient") ||
	    is(ev, "Type", "SoftBounce")))
		kind = BK_KIND_DELAY;
	if ((r = start(ctx, "webhook-postmark", kind)) == NULL)
		return -1;
	r->recipient = str(ctx, ev, "Email");
	if (r->recipient.ptr == NULL)
		r->recipient = str(ctx, ev, "Recipient");
	r->message_id = str(ctx, ev, "MessageID");
	r->subject = str(ctx, ev, "Subject");
	r->sender = str(ctx, ev, "From");
	when(r, ev, kind == BK_KIND_DELIVERED ? "DeliveredAt" : "BouncedAt");
	reply(r, str(ctx, ev, "Details"));
	if (r->diagnostic.ptr == NULL)
		reply(r, str(ctx, ev, "Description"));
	return finish(r, 0);
}

/* SparkPost: "msys" wraps a message_event (or a relay/track event) */
static int
sparkpost(bk__dctx *ctx, json_t *ev)
{
	static const struct word kinds[] = {
		{ "bounce", BK_KIND_BOUNCE }, { "out_of_band", BK_KIND_BOUNCE },
		{ "policy_rejection", BK_KIND_BOUNCE },
		{ "generation_rejection", BK_KIND_BOUNCE },
		{ "delay", BK_KIND_DELAY }, { "delivery", BK_KIND_DELIVERED },
		{ "spam_complaint", BK_KIND_FEEDBACK },
	};
	json_t *m = get(ev, "msys.message_event");
	int kind;
	bk_record *r;

	if (m == NULL || (kind = KIND_OF(m, "type", kinds)) < 0)
		return 0;
	if ((r = start(ctx, "webhook-sparkpost", kind)) == NULL)
		return -1;
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
	return finish(r, is(m, "bounce_class", "25"));
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
	static const struct word kinds[] = {
		{ "hard_bounce", BK_KIND_BOUNCE },
		{ "soft_bounce", BK_KIND_BOUNCE },
		{ "reject", BK_KIND_BOUNCE }, { "deferral", BK_KIND_DELAY },
		{ "send", BK_KIND_DELIVERED }, { "spam", BK_KIND_FEEDBACK },
	};
	json_t *msg = get(ev, "msg"), *smtp;
	int kind = KIND_OF(ev, "event", kinds);
	bk_record *r;
	bk_str why;

	if (kind < 0)
		return 0;
	if ((r = start(ctx, "webhook-mandrill", kind)) == NULL)
		return -1;
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
	if (kind == BK_KIND_BOUNCE && r->diagnostic.ptr == NULL)
		r->reason_hint = mandrill_hint(msg);
	/* a rejection is Mandrill's own refusal: the address is on its
	 * rejection list */
	return finish(r, is(ev, "event", "reject"));
}

/* Mailjet's "error" words (its table of error_related_to / error) */
static const struct word mailjet_errors[] = {
	{ "user unknown", BK_REASON_USERUNKNOWN },
	{ "mailbox inactive", BK_REASON_SUSPEND },
	{ "quota exceeded", BK_REASON_MAILBOXFULL },
	{ "invalid domain", BK_REASON_HOSTUNKNOWN },
	{ "no mail host", BK_REASON_HOSTUNKNOWN },
	{ "typofix", BK_REASON_HOSTUNKNOWN },
	{ "relay/access denied", BK_REASON_NORELAYING },
	{ "bad or empty template", BK_REASON_CONTENTERROR },
	{ "error in template language", BK_REASON_CONTENTERROR },
	{ "sender blocked", BK_REASON_BLOCKED },
	{ "content blocked", BK_REASON_SPAMDETECTED },
	{ "policy issue", BK_REASON_POLICYVIOLATION },
	{ "system issue", BK_REASON_SYSTEMERROR },
	{ "protocol issue", BK_REASON_SYSTEMERROR },
	{ "connection issue", BK_REASON_NETWORKERROR },
};

/*
 * Mailjet: one event, one address.  A bounce's reply is its "comment";
 * without one, its error words ("user unknown") are the diagnostic and
 * name the reason.  "blocked" is Mailjet's own refusal to send.
 */
static int
mailjet(bk__dctx *ctx, json_t *ev)
{
	static const struct word kinds[] = {
		{ "bounce", BK_KIND_BOUNCE }, { "blocked", BK_KIND_BOUNCE },
		{ "spam", BK_KIND_FEEDBACK }, { "sent", BK_KIND_DELIVERED },
	};
	int kind = KIND_OF(ev, "event", kinds);
	bk_record *r;
	bk_str why;

	if (kind < 0)
		return 0;
	if (is(ev, "error", "greylisted") &&
	    !json_is_true(get(ev, "hard_bounce")))
		kind = BK_KIND_DELAY;
	if ((r = start(ctx, "webhook-mailjet", kind)) == NULL)
		return -1;
	r->recipient = str(ctx, ev, "email");
	r->message_id = str(ctx, ev, "Message_GUID");
	if (r->message_id.ptr == NULL)
		r->message_id = numv(ctx, get(ev, "MessageID"));
	when(r, ev, "time");
	why = str(ctx, ev, kind == BK_KIND_DELIVERED ? "smtp_reply" :
	    "comment");
	if (why.ptr == NULL && kind != BK_KIND_DELIVERED) {
		why = str(ctx, ev, "error");
		r->reason_hint = (bk_reason)WORD_OF(ev, "error",
		    mailjet_errors, BK_REASON_UNDEFINED);
	}
	reply(r, why);
	if (kind == BK_KIND_BOUNCE && is(ev, "event", "bounce") &&
	    json_is_false(get(ev, "hard_bounce")))
		soft(r);
	/* "blocked": Mailjet did not send (its own lists) */
	return finish(r, is(ev, "event", "blocked"));
}

/*
 * Brevo (Sendinblue): one event, one address; the reply in "reason".
 * Transactional events are snake case (hard_bounce), campaign events
 * also past tense (hard_bounced), subscriptions camel case (hardBounce).
 */
static int
brevo(bk__dctx *ctx, json_t *ev)
{
	static const struct {
		const char *event;
		bk_kind kind;
		bk_reason hint;
		int soft;
	} events[] = {
		{ "hard_bounce", BK_KIND_BOUNCE, BK_REASON_UNDEFINED, 0 },
		{ "hard_bounced", BK_KIND_BOUNCE, BK_REASON_UNDEFINED, 0 },
		{ "hardBounce", BK_KIND_BOUNCE, BK_REASON_UNDEFINED, 0 },
		{ "soft_bounce", BK_KIND_BOUNCE, BK_REASON_UNDEFINED, 1 },
		{ "soft_bounced", BK_KIND_BOUNCE, BK_REASON_UNDEFINED, 1 },
		{ "softBounce", BK_KIND_BOUNCE, BK_REASON_UNDEFINED, 1 },
		{ "invalid_email", BK_KIND_BOUNCE, BK_REASON_USERUNKNOWN, 0 },
		{ "blocked", BK_KIND_BOUNCE, BK_REASON_SUPPRESSED, 0 },
		{ "error", BK_KIND_BOUNCE, BK_REASON_UNDEFINED, 0 },
		{ "deferred", BK_KIND_DELAY, BK_REASON_UNDEFINED, 0 },
		{ "spam", BK_KIND_FEEDBACK, BK_REASON_UNDEFINED, 0 },
		{ "complaint", BK_KIND_FEEDBACK, BK_REASON_UNDEFINED, 0 },
		{ "delivered", BK_KIND_DELIVERED, BK_REASON_UNDEFINED, 0 },
	};
	bk_record *r;
	size_t i;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (is(ev, "event", events[i].event))
			break;
	if (i == sizeof(events) / sizeof(events[0]))
		return 0;
	if ((r = start(ctx, "webhook-brevo", events[i].kind)) == NULL)
		return -1;
	r->recipient = str(ctx, ev, "email");
	r->message_id = bare_id(str(ctx, ev, "message-id"));
	r->subject = str(ctx, ev, "subject");
	/* ts_epoch is UTC (milliseconds); ts_event may be local time */
	when(r, ev, "ts_event");
	when(r, ev, "ts_epoch");
	reply(r, bk__trim(str(ctx, ev, "reason")));
	r->reason_hint = events[i].hint;
	if (events[i].soft)
		soft(r);
	/* Brevo files some permanent refusals as deferred ("550 5.1.1
	 * ... User unknown"): the remote's own 5xx says it gave up */
	if (r->kind == BK_KIND_DELAY && ((r->reply_code >= 500 &&
	    r->reply_code <= 599) || (r->status.ptr != NULL &&
	    r->status.ptr[0] == '5')))
		r->kind = BK_KIND_BOUNCE;
	return finish(r, 0);
}

/* Resend's (Amazon SES's) bounce subtypes that name a reason, used
 * when the bounce carries no reply */
static const struct word resend_subtypes[] = {
	{ "NoEmail", BK_REASON_USERUNKNOWN },
	{ "MailboxFull", BK_REASON_MAILBOXFULL },
	{ "MessageTooLarge", BK_REASON_MESGTOOBIG },
	{ "ContentRejected", BK_REASON_CONTENTERROR },
	{ "AttachmentRejected", BK_REASON_CONTENTERROR },
};

/* Resend: {"type", "created_at", "data"}; one record per address */
static int
resend(bk__dctx *ctx, json_t *ev)
{
	static const struct {
		const char *type;
		bk_kind kind;
	} types[] = {
		{ "email.bounced", BK_KIND_BOUNCE },
		{ "email.suppressed", BK_KIND_BOUNCE },
		{ "email.delivery_delayed", BK_KIND_DELAY },
		{ "email.complained", BK_KIND_FEEDBACK },
		{ "email.delivered", BK_KIND_DELIVERED },
	};
	json_t *d = get(ev, "data"), *to, *a, *codes;
	size_t t, i, added = 0;

	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		if (is(ev, "type", types[t].type))
			break;
	if (t == sizeof(types) / sizeof(types[0]) || !json_is_object(d))
		return 0;
	to = get(d, "to");
	if (json_is_string(to)) {
		/* one address given as a string, not a list */
		json_t *one = json_array();

		if (one == NULL || json_array_append(one, to) != 0) {
			json_decref(one);
			return -1;
		}
		json_object_set_new(d, "to", one);
		to = one;
	}
	codes = get(d, "bounce.diagnosticCode");
	json_array_foreach(to, i, a) {
		bk_record *r = start(ctx, "webhook-resend", types[t].kind);

		if (r == NULL)
			return -1;
		r->recipient = strv(ctx, a);
		r->message_id = bare_id(str(ctx, d, "message_id"));
		if (r->message_id.ptr == NULL)
			r->message_id = str(ctx, d, "email_id");
		r->subject = str(ctx, d, "subject");
		r->sender = str(ctx, d, "from");
		when(r, ev, "created_at");
		if (json_is_array(codes) && json_array_size(codes) > 0)
			reply(r, strv(ctx, json_array_get(codes,
			    i < json_array_size(codes) ? i : 0)));
		else if (json_is_string(codes))
			reply(r, strv(ctx, codes));
		if (r->diagnostic.ptr == NULL) {
			reply(r, str(ctx, d, types[t].kind == BK_KIND_BOUNCE &&
			    get(d, "suppressed") != NULL ?
			    "suppressed.message" : "bounce.message"));
			r->reason_hint = (bk_reason)WORD_OF(d,
			    "bounce.subType", resend_subtypes,
			    BK_REASON_UNDEFINED);
		}
		if (r->kind == BK_KIND_BOUNCE &&
		    is(d, "bounce.type", "Transient"))
			soft(r);
		added += (size_t)finish(r, is(ev, "type", "email.suppressed") ||
		    is(d, "bounce.subType", "Suppressed") ||
		    is(d, "bounce.subType", "OnAccountSuppressionList"));
	}
	return added > 0 ? 1 : 0;
}

/*
 * Postal: {"event", "timestamp", "uuid", "payload"}.  A failed or
 * delayed delivery carries the remote server's output; MessageBounced
 * is a bounce that came back later, for the original message's
 * recipient, with no reply.  Postal also reports incoming mail: that is
 * not the sender's.
 */
static int
postal(bk__dctx *ctx, json_t *ev)
{
	static const struct word kinds[] = {
		{ "MessageDeliveryFailed", BK_KIND_BOUNCE },
		{ "MessageBounced", BK_KIND_BOUNCE },
		{ "MessageDelayed", BK_KIND_DELAY },
		{ "MessageSent", BK_KIND_DELIVERED },
	};
	json_t *p = get(ev, "payload"), *m;
	int kind = KIND_OF(ev, "event", kinds);
	int bounced = is(ev, "event", "MessageBounced");
	bk_record *r;

	if (kind < 0)
		return 0;
	m = get(p, bounced ? "original_message" : "message");
	if (!json_is_object(m) || is(m, "direction", "incoming"))
		return 0;
	if ((r = start(ctx, "webhook-postal", kind)) == NULL)
		return -1;
	r->recipient = str(ctx, m, "to");
	r->sender = str(ctx, m, "from");
	r->subject = str(ctx, m, "subject");
	r->message_id = bare_id(str(ctx, m, "message_id"));
	when(r, ev, "timestamp");
	if (!bounced) {
		reply(r, str(ctx, p, "output"));
		if (r->diagnostic.ptr == NULL)
			reply(r, str(ctx, p, "details"));
	}
	return finish(r, 0);
}

/* Mailtrap: one event, one address; "response" and "response_code" */
static int
mailtrap(bk__dctx *ctx, json_t *ev)
{
	static const struct word kinds[] = {
		{ "bounce", BK_KIND_BOUNCE }, { "reject", BK_KIND_BOUNCE },
		{ "soft bounce", BK_KIND_DELAY }, { "spam", BK_KIND_FEEDBACK },
		{ "delivery", BK_KIND_DELIVERED },
	};
	int kind = KIND_OF(ev, "event", kinds);
	bk_record *r;

	if (kind < 0)
		return 0;
	if ((r = start(ctx, "webhook-mailtrap", kind)) == NULL)
		return -1;
	r->recipient = str(ctx, ev, "email");
	r->message_id = str(ctx, ev, "message_id");
	when(r, ev, "timestamp");
	r->reply_code = code_of(get(ev, "response_code"));
	reply(r, str(ctx, ev, "response"));
	if (r->diagnostic.ptr == NULL)
		reply(r, str(ctx, ev, "reason"));
	/* a rejection is Mailtrap's own refusal (its suppression list) */
	return finish(r, is(ev, "event", "reject"));
}

/* Scaleway Transactional Email: one event, one address */
static int
scaleway(bk__dctx *ctx, json_t *ev)
{
	static const struct word kinds[] = {
		{ "email_dropped", BK_KIND_BOUNCE },
		{ "email_mailbox_not_found", BK_KIND_BOUNCE },
		{ "email_blocklisted", BK_KIND_BOUNCE },
		{ "email_deferred", BK_KIND_DELAY },
		{ "email_delivered", BK_KIND_DELIVERED },
	};
	int kind = KIND_OF(ev, "type", kinds);
	bk_record *r;

	if (kind < 0)
		return 0;
	if ((r = start(ctx, "webhook-scaleway", kind)) == NULL)
		return -1;
	r->recipient = str(ctx, ev, "email_to");
	r->sender = str(ctx, ev, "email_from");
	r->message_id = str(ctx, ev, "email_id");
	when(r, ev, "created_at");
	r->reply_code = code_of(get(ev, "email_response_code"));
	reply(r, str(ctx, ev, "email_response_message"));
	if (r->diagnostic.ptr == NULL)
		reply(r, str(ctx, ev, "email_error"));
	if (r->diagnostic.ptr == NULL && is(ev, "type",
	    "email_mailbox_not_found"))
		r->reason_hint = BK_REASON_USERUNKNOWN;
	/* on the blocklist of the sender's own Scaleway project */
	return finish(r, is(ev, "type", "email_blocklisted"));
}

/* SMTP2GO: one event, one address ("rcpt"); the reply in "message" */
static int
smtp2go(bk__dctx *ctx, json_t *ev)
{
	static const struct word kinds[] = {
		{ "bounce", BK_KIND_BOUNCE }, { "reject", BK_KIND_BOUNCE },
		{ "spam", BK_KIND_FEEDBACK },
		{ "delivered", BK_KIND_DELIVERED },
	};
	int kind = KIND_OF(ev, "event", kinds);
	bk_record *r;

	if (kind < 0)
		return 0;
	if ((r = start(ctx, "webhook-smtp2go", kind)) == NULL)
		return -1;
	r->recipient = str(ctx, ev, "rcpt");
	r->sender = str(ctx, ev, "sender");
	r->subject = str(ctx, ev, "subject");
	r->message_id = str(ctx, ev, "email_id");
	r->remote_mta = str(ctx, ev, "host");
	when(r, ev, "time");
	reply(r, str(ctx, ev, "message"));
	if (kind == BK_KIND_BOUNCE && is(ev, "bounce", "soft"))
		soft(r);
	/* a rejection: the address had bounced, complained or left before */
	return finish(r, is(ev, "event", "reject"));
}

/*
 * kumo_reply - a KumoMTA response object as the reply the server gave:
 * "550 5.1.1 <content>" from its code, its enhanced code (class,
 * subject, detail) and the rest of its text; the reply code goes into
 * @r too (reply() finds the status in the text)
 */
static bk_str
kumo_reply(bk__dctx *ctx, bk_record *r, json_t *resp)
{
	json_t *ec = get(resp, "enhanced_code");
	json_t *cl = get(ec, "class"), *su = get(ec, "subject");
	json_t *de = get(ec, "detail"), *content = get(resp, "content");
	char buf[64], *out;
	size_t n = 0, clen;
	int k;

	r->reply_code = code_of(get(resp, "code"));
	if (r->reply_code > 0) {
		k = snprintf(buf, sizeof(buf), "%d ", r->reply_code);
		n = k > 0 ? (size_t)k : 0;
	}
	if (json_is_integer(cl) && json_is_integer(su) &&
	    json_is_integer(de) && json_integer_value(cl) >= 2 &&
	    json_integer_value(cl) <= 5 && json_integer_value(su) >= 0 &&
	    json_integer_value(su) <= 999 && json_integer_value(de) >= 0 &&
	    json_integer_value(de) <= 999) {
		k = snprintf(buf + n, sizeof(buf) - n, "%d.%d.%d ",
		    (int)json_integer_value(cl), (int)json_integer_value(su),
		    (int)json_integer_value(de));
		if (k > 0 && (size_t)k < sizeof(buf) - n)
			n += (size_t)k;
	}
	clen = json_is_string(content) ? json_string_length(content) : 0;
	if (n + clen == 0)
		return BK_STR_NULL;
	out = bk__arena_alloc(ctx->msg->arena, n + clen + 1);
	if (out == NULL) {
		ctx->oom = 1;
		return BK_STR_NULL;
	}
	memcpy(out, buf, n);
	if (clen > 0)
		memcpy(out + n, json_string_value(content), clen);
	out[n + clen] = '\0';
	return bk__trim(bk__str(out, n + clen));
}

/* kumo_command - KumoMTA's command verb ("RCPT TO", "." for the end of
 * the data) as the record's command */
static bk_str
kumo_command(json_t *resp)
{
	static const struct {
		const char *verb, *cmd;
	} verbs[] = {
		{ "RCPT", "RCPT" }, { "MAIL", "MAIL" }, { "DATA", "DATA" },
		{ ".", "DATA" }, { "EHLO", "EHLO" }, { "HELO", "HELO" },
		{ "STARTTLS", "STARTTLS" }, { "AUTH", "AUTH" },
	};
	json_t *v = get(resp, "command");
	const char *p;
	size_t i, n;

	if (!json_is_string(v))
		return BK_STR_NULL;
	p = json_string_value(v);
	n = json_string_length(v);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (bk__istarts(p, n, verbs[i].verb))
			return bk__cstr(verbs[i].cmd);
	return BK_STR_NULL;
}

/*
 * KumoMTA's log records (its log files, or its log hook posting them):
 * Bounce, Expiration, AdminBounce and OOB (a bounce that came back) are
 * bounces, TransientFailure a delay, Delivery a delivery, Feedback a
 * complaint; the response object holds the server's reply in parts.
 */
static int
kumomta(bk__dctx *ctx, json_t *ev)
{
	static const struct word kinds[] = {
		{ "Bounce", BK_KIND_BOUNCE }, { "Expiration", BK_KIND_BOUNCE },
		{ "AdminBounce", BK_KIND_BOUNCE }, { "OOB", BK_KIND_BOUNCE },
		{ "TransientFailure", BK_KIND_DELAY },
		{ "Delivery", BK_KIND_DELIVERED },
		{ "Feedback", BK_KIND_FEEDBACK },
	};
	json_t *resp = get(ev, "response"), *fb = get(ev, "feedback_report");
	int kind = KIND_OF(ev, "type", kinds);
	bk_record *r;
	bk_str host;

	if (kind < 0)
		return 0;
	if ((r = start(ctx, "webhook-kumomta", kind)) == NULL)
		return -1;
	r->recipient = str(ctx, ev, "recipient");
	if (kind == BK_KIND_FEEDBACK) {
		json_t *to = get(fb, "original_rcpto_to");

		if (json_is_array(to) && json_array_size(to) > 0) {
			bk_str a = strv(ctx, json_array_get(to, 0));

			r->recipient = bk__addr_find(a.ptr, a.len);
		}
		if (r->recipient.ptr == NULL)
			r->recipient = str(ctx, fb,
			    "supplemental_trace.recipient");
		r->feedback_type = str(ctx, fb, "feedback_type");
	}
	r->sender = str(ctx, ev, "sender");
	r->message_id = str(ctx, ev, "id");
	host = str(ctx, ev, "peer_address.name");
	if (host.len > 1 && host.ptr[host.len - 1] == '.')
		host.len--;
	r->remote_mta = host;
	when(r, ev, "timestamp");
	if (json_is_object(resp)) {
		reply(r, kumo_reply(ctx, r, resp));
		r->command = kumo_command(resp);
	}
	if (is(ev, "type", "Expiration") && r->diagnostic.ptr == NULL)
		r->reason_hint = BK_REASON_EXPIRED;
	return finish(r, 0);
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
	/* Mailtrap batches its events: {"events": [...]} */
	if (depth == 0 && json_is_array(get(ev, "events"))) {
		json_t *e;
		size_t i;
		int rc, any = 0;

		json_array_foreach(get(ev, "events"), i, e) {
			if ((rc = event(ctx, e, depth + 1)) < 0)
				return rc;
			any |= rc;
		}
		return any;
	}
	if (json_is_object(get(ev, "data")) && get(ev, "type") != NULL)
		return resend(ctx, ev);
	if (get(ev, "type") != NULL && get(ev, "email_to") != NULL)
		return scaleway(ctx, ev);
	if (get(ev, "event") != NULL && json_is_object(get(ev, "payload")))
		return postal(ctx, ev);
	if (get(ev, "event") != NULL && get(ev, "rcpt") != NULL)
		return smtp2go(ctx, ev);
	if (get(ev, "event") != NULL && get(ev, "email") != NULL) {
		/* the providers that name the address "email", each by
		 * fields of its own */
		if (get(ev, "MessageID") != NULL ||
		    get(ev, "Message_GUID") != NULL ||
		    get(ev, "mj_campaign_id") != NULL)
			return mailjet(ctx, ev);
		if (get(ev, "message-id") != NULL ||
		    get(ev, "ts_event") != NULL || get(ev, "camp_id") != NULL)
			return brevo(ctx, ev);
		if (get(ev, "event_id") != NULL ||
		    get(ev, "sending_stream") != NULL)
			return mailtrap(ctx, ev);
		return sendgrid(ctx, ev);
	}
	if (json_is_string(get(ev, "type")) && get(ev, "recipient") != NULL &&
	    (json_is_object(get(ev, "response")) ||
	    json_is_object(get(ev, "feedback_report"))))
		return kumomta(ctx, ev);
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
		    "Mandrill, Mailjet, Brevo, Resend, Postal, Mailtrap, "
		    "Scaleway, SMTP2GO, KumoMTA)";
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
