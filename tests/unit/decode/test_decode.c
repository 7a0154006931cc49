/*
 * test_decode.c - the decoders on small synthetic bounces, one per
 * format family, plus line-ending, encoding and no-report cases.
 * Every fixture is written here (example.com/org/net addresses only).
 */
#include "bouncekit/bouncekit.h"
#include "bktest.h"

struct dcase {
	const char *name;
	const char *msg;
	const char *recipient;
	const char *status;        /* NULL: must be absent */
	int reply_code;
	const char *command;       /* NULL: not checked */
	const char *diag_has;      /* substring of diagnostic, or NULL */
	bk_kind kind;
};

/* contains - is @needle in the slice */
static int
contains(bk_str s, const char *needle)
{
	size_t n = strlen(needle), i;

	if (s.ptr == NULL || s.len < n)
		return 0;
	for (i = 0; i + n <= s.len; i++) {
		if (memcmp(s.ptr + i, needle, n) == 0)
			return 1;
	}
	return 0;
}

/* decode_n - decode @m; the records and their count, msg to free */
static bk_record *
decode_n(const char *name, const char *m, bk_message **msg, size_t *n)
{
	bk_record *r = NULL;

	*msg = NULL;
	*n = 0;
	if (bk_message_new(msg, m, strlen(m), NULL) != 0 ||
	    bk_message_decode(*msg, &r, n) != 0) {
		BKT_FAIL("[%s] decode failed", name);
		*n = 0;
		return NULL;
	}
	return r;
}

/* run_case - decode and compare the first record */
static void
run_case(const struct dcase *c)
{
	bk_message *msg = NULL;
	bk_record *r;
	size_t n = 0;

	BKT_EQ_INT(c->name, bk_message_new(&msg, c->msg, strlen(c->msg),
	    NULL), 0);
	if (msg == NULL)
		return;
	BKT_EQ_INT(c->name, bk_message_decode(msg, &r, &n), 0);
	if (n == 0) {
		BKT_FAIL("[%s] no records", c->name);
		bk_message_free(msg);
		return;
	}
	BKT_EQ_STR(c->name, r[0].recipient.ptr, r[0].recipient.len,
	    c->recipient);
	BKT_EQ_STR(c->name, r[0].status.ptr, r[0].status.len, c->status);
	BKT_EQ_INT(c->name, r[0].reply_code, c->reply_code);
	BKT_EQ_INT(c->name, r[0].kind, c->kind);
	if (c->command != NULL)
		BKT_EQ_STR(c->name, r[0].command.ptr, r[0].command.len,
		    c->command);
	if (c->diag_has != NULL && !contains(r[0].diagnostic, c->diag_has))
		BKT_FAIL("[%s] diagnostic \"%.*s\" lacks \"%s\"", c->name,
		    (int)r[0].diagnostic.len, r[0].diagnostic.ptr ?
		    r[0].diagnostic.ptr : "", c->diag_has);
	bk_message_free(msg);
}

#define HDR(subj) \
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\n" \
	"To: sender@example.com\n" \
	"Subject: " subj "\n" \
	"Date: Tue, 02 Jan 2024 10:00:00 +0000\n"

/*
 * decode_dsn1 - decode, in @buf, a Postfix-like report for one failed
 * recipient, gone@example.net, from Reporting-MTA @reporting: its block
 * goes on with @fields, a format with one %s for @arg
 */
static bk_record *
decode_dsn1(const char *name, char *buf, size_t size, const char *reporting,
    const char *fields, const char *arg, bk_message **msg, size_t *n)
{
	int k = snprintf(buf, size, "%s"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"M\"\n\n"
	    "--M\nContent-Type: text/plain\n\nfailed\n"
	    "--M\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: %s\n\n"
	    "Final-Recipient: rfc822; gone@example.net\n"
	    "Action: failed\n", HDR("Undelivered Mail"), reporting);

	if (k > 0 && (size_t)k < size)
		k += snprintf(buf + k, size - (size_t)k, fields, arg);
	if (k > 0 && (size_t)k < size)
		k += snprintf(buf + k, size - (size_t)k, "--M--\n");
	if (k <= 0 || (size_t)k >= size) {
		BKT_FAIL("[%s] does not fit", name);
		*msg = NULL;
		*n = 0;
		return NULL;
	}
	return decode_n(name, buf, msg, n);
}

static const char exim_msg[] =
	HDR("Mail delivery failed: returning message to sender")
	"X-Failed-Recipients: user@example.net\n"
	"\n"
	"This message was created automatically by mail delivery software.\n"
	"\n"
	"A message that you sent could not be delivered to one or more of its\n"
	"recipients. This is a permanent error. The following address(es) failed:\n"
	"\n"
	"  user@example.net\n"
	"    host mx.example.net [192.0.2.1]\n"
	"    SMTP error from remote mail server after RCPT TO:<user@example.net>:\n"
	"    550 5.1.1 <user@example.net>: Recipient address rejected\n"
	"\n"
	"------ This is a copy of the message, including all the headers. ------\n"
	"\n"
	"From: sender@example.com\n"
	"To: user@example.net\n"
	"Subject: hello\n"
	"Message-ID: <m1@example.com>\n"
	"\n"
	"hi\n";

static const char exim_delay_msg[] =
	HDR("Warning: message 1abc-000 delayed 24 hours")
	"Auto-Submitted: auto-replied\n"
	"Received: from x by mx.example.org with local (Exim 4.96)\n"
	"\n"
	"This message was created automatically by mail delivery software.\n"
	"A message that you sent has not yet been delivered to one or more of its\n"
	"recipients after more than 24 hours on the queue on mx.example.org.\n"
	"\n"
	"The address to which the message has not yet been delivered is:\n"
	"\n"
	"  late@example.net\n"
	"    host mx.example.net [192.0.2.2]\n"
	"    Delay reason: SMTP error from remote mail server after MAIL FROM:<sender@example.com>:\n"
	"    451 4.7.1 Greylisted, try later\n"
	"\n"
	"No action is required on your part.\n";

static const char postfix_msg[] =
	HDR("Undelivered Mail Returned to Sender")
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"B1\"\n"
	"\n"
	"--B1\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"\n"
	"This is the mail system at host mx.example.org.\n"
	"\n"
	"<user@example.net>: host mx.example.net[192.0.2.3] said: 550 5.1.1\n"
	"    <user@example.net>: Recipient address rejected: User unknown (in\n"
	"    reply to RCPT TO command)\n"
	"\n"
	"--B1\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: rfc822; user@example.net\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Remote-MTA: dns; mx.example.net\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <user@example.net>: Recipient\n"
	"    address rejected: User unknown\n"
	"\n"
	"--B1\n"
	"Content-Type: text/rfc822-headers\n"
	"\n"
	"From: sender@example.com\n"
	"Subject: =?UTF-8?B?w6lwcmV1dmU=?=\n"
	"Message-ID: <m2@example.com>\n"
	"\n"
	"--B1--\n";

static const char sendmail_msg[] =
	HDR("Returned mail: see transcript for details")
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"S1\"\n"
	"\n"
	"--S1\n"
	"\n"
	"   ----- The following addresses had permanent fatal errors -----\n"
	"<user@example.net>\n"
	"    (reason: 550 5.7.1 Relaying denied)\n"
	"\n"
	"   ----- Transcript of session follows -----\n"
	"... while talking to mx.example.net.:\n"
	">>> DATA\n"
	"<<< 550 5.7.1 Relaying denied\n"
	"554 5.0.0 Service unavailable\n"
	"\n"
	"--S1\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: RFC822; user@example.net\n"
	"Action: failed\n"
	"Status: 5.0.0\n"
	"Diagnostic-Code: SMTP; 550 5.7.1 Relaying denied\n"
	"\n"
	"--S1--\n";

static const char v5sendmail_msg[] =
	HDR("Returned mail: User unknown")
	"\n"
	"   ----- Transcript of session follows -----\n"
	"While talking to mx.example.net:\n"
	">>> RCPT To:<nobody@example.net>\n"
	"<<< 550 No such user here\n"
	"550 <nobody@example.net>... User unknown\n"
	"\n"
	"   ----- Unsent message follows -----\n"
	"From: sender@example.com\n"
	"To: nobody@example.net\n"
	"Subject: hi\n"
	"\n"
	"hi\n";

static const char qmail_msg[] =
	HDR("failure notice")
	"\n"
	"Hi. This is the qmail-send program at example.org.\n"
	"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	"This is a permanent error; I've given up. Sorry it didn't work out.\n"
	"\n"
	"<full@example.net>:\n"
	"192.0.2.9 does not like recipient.\n"
	"Remote host said: 552 5.2.2 Mailbox full\n"
	"Giving up on 192.0.2.9.\n"
	"\n"
	"--- Below this line is a copy of the message.\n"
	"\n"
	"From: sender@example.com\n"
	"To: full@example.net\n"
	"Subject: hi\n"
	"\n";

static const char opensmtpd_msg[] =
	HDR("Delivery status notification: failed")
	"\n"
	"    Hi!\n"
	"\n"
	"    This is the MAILER-DAEMON, please DO NOT REPLY to this email.\n"
	"\n"
	"    An error has occurred while attempting to deliver a message for\n"
	"    the following list of recipients:\n"
	"\n"
	"gone@example.net: 550 5.1.1 <gone@example.net>: User unknown\n"
	"\n"
	"    Below is a copy of the original message:\n"
	"\n"
	"From: sender@example.com\n"
	"To: gone@example.net\n"
	"\n";

/* Sendmail: the report names a program's exit status, the local verdict
 * in the transcript says what failed */
static const char sendmail_xunix_msg[] =
	HDR("Returned mail: see transcript for details")
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"X1\"\n"
	"\n"
	"--X1\n"
	"\n"
	"   ----- The following addresses had permanent fatal errors -----\n"
	"<perm@example.net>\n"
	"\n"
	"   ----- Transcript of session follows -----\n"
	"550 5.0.0 <perm@example.net>... Insufficient permission\n"
	"\n"
	"--X1\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: RFC822; perm@example.net\n"
	"Action: failed\n"
	"Status: 5.3.0\n"
	"Diagnostic-Code: X-Unix; 77\n"
	"\n"
	"--X1--\n";

/* Sendmail: no Diagnostic-Code at all, only the local verdict */
static const char sendmail_nodiag_msg[] =
	HDR("Returned mail: see transcript for details")
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"X2\"\n"
	"\n"
	"--X2\n"
	"\n"
	"   ----- The following addresses had permanent fatal errors -----\n"
	"<nohost@example.net>\n"
	"\n"
	"   ----- Transcript of session follows -----\n"
	"550 5.1.2 <nohost@example.net>... Host unknown (Name server: "
	"example.net: host not found)\n"
	"\n"
	"--X2\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: RFC822; nohost@example.net\n"
	"Action: failed\n"
	"Status: 5.1.2\n"
	"\n"
	"--X2--\n";

/* a DSN whose diagnostic is @diag, status @st, for @rcpt */
#define DSN1(rcpt, st, diag) \
	HDR("Undelivered Mail Returned to Sender") \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=delivery-status;\n" \
	"\tboundary=\"D1\"\n" \
	"\n" \
	"--D1\n" \
	"Content-Type: text/plain\n" \
	"\n" \
	"This is the mail system at host mx.example.org.\n" \
	"\n" \
	"--D1\n" \
	"Content-Type: message/delivery-status\n" \
	"\n" \
	"Reporting-MTA: dns; mx.example.org\n" \
	"\n" \
	"Final-Recipient: rfc822; " rcpt "\n" \
	"Action: failed\n" \
	"Status: " st "\n" \
	"Diagnostic-Code: smtp; " diag "\n" \
	"\n" \
	"--D1--\n"

/* Postfix defers a refused greeting: the 554 is not this 4.0.0 */
static const char greeting_msg[] =
	DSN1("grey@example.net", "4.0.0", "554 Blocked - see "
	    "https://www.example.com/lookup?ip=192.0.2.4");

/* a greeting continuation before the refusal: 421, not 220 */
static const char banner_msg[] =
	DSN1("later@example.net", "4.2.1", "220-mx.example.net 421 4.2.1 "
	    "Service refused, please try later");

/* not an SMTP reply code ("426" is FTP's) */
static const char notsmtp_msg[] =
	DSN1("slow@example.net", "4.0.0", "426 connection timed out");

/* RFC 5321 quoted-string local part */
static const char quoted_msg[] =
	DSN1("\"dots..in..quotes.\"@example.net", "5.1.1",
	    "550 5.1.1 <\"dots..in..quotes.\"@example.net>... User Unknown");

/* Exim with a delivery-status part that names only the pipe */
static const char exim_pipe_msg[] =
	HDR("Mail delivery failed: returning message to sender")
	"X-Failed-Recipients: |/usr/local/bin/prog\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"E1\"\n"
	"\n"
	"--E1\n"
	"Content-Type: text/plain\n"
	"\n"
	"This message was created automatically by mail delivery software.\n"
	"\n"
	"A message that you sent could not be delivered to one or more of its\n"
	"recipients. This is a permanent error. The following address(es) failed:\n"
	"\n"
	"  pipe to |/usr/local/bin/prog owner@example.net\n"
	"    generated by owner@example.net\n"
	"\n"
	"--E1\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Action: failed\n"
	"Final-Recipient: rfc822;|/usr/local/bin/prog owner@example.net\n"
	"Status: 5.0.0\n"
	"\n"
	"--E1--\n";

/* Microsoft JMRP: the complained-of message, no feedback-report part */
static const char jmrp_msg[] =
	"From: staff@example.com\n"
	"To: abuse@example.org\n"
	"Subject: complaint about message from 192.0.2.5\n"
	"Date: Tue, 02 Jan 2024 10:00:00 +0000\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"J1\"\n"
	"\n"
	"--J1\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"X-HmXmrOriginalRecipient: <reader@example.net>\n"
	"From: news@example.org\n"
	"To: reader@example.net\n"
	"Subject: offer\n"
	"\n"
	"buy\n"
	"--J1--\n";

/* Apple Mail's automatic unsubscribe request */
static const char apple_unsub_msg[] =
	"From: reader@example.net\n"
	"To: opt-out-1.abc@example.org\n"
	"Subject: unsubscribe\n"
	"Date: Tue, 02 Jan 2024 10:00:00 +0000\n"
	"Auto-Submitted: auto-replied\n"
	"X-Apple-Unsubscribe: true\n"
	"\n"
	"Apple Mail sent this email to unsubscribe from the message.\n";

/* base64 of "Final-Recipient: rfc822; b64@example.net\nAction: failed\n
 * Status: 5.2.2\n" after an empty per-message block */
static const char b64_msg[] =
	HDR("Delivery Status Notification (Failure)")
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=Q\n"
	"\n"
	"--Q\n"
	"Content-Type: text/plain\n"
	"\n"
	"Delivery failed.\n"
	"--Q\n"
	"Content-Type: message/delivery-status\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"UmVwb3J0aW5nLU1UQTogZG5zOyBteC5leGFtcGxlLm9yZwoKRmluYWwtUmVjaXBpZW50OiBy\n"
	"ZmM4MjI7IGI2NEBleGFtcGxlLm5ldApBY3Rpb246IGZhaWxlZApTdGF0dXM6IDUuMi4yCg==\n"
	"--Q--\n";

static const char qp_msg[] =
	HDR("Delivery Status Notification (Failure)")
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=Q\n"
	"\n"
	"--Q\n"
	"Content-Type: message/delivery-status\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: rfc822; qp@example.net\n"
	"Action: delayed\n"
	"Status: 4.4.1\n"
	"Diagnostic-Code: smtp; 421 4.4.1 Connection timed =\n"
	"out\n"
	"--Q--\n";

/* Courier: the exchange under the recipient, no transcript title */
static const char courier_msg[] =
	HDR("NOTICE: mail delivery status.")
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"K\"\n"
	"\n"
	"--K\n"
	"Content-Type: text/plain\n"
	"\n"
	"Your message to the following recipients cannot be delivered:\n"
	"\n"
	"<gone@example.net>:\n"
	"    mx.example.net [192.0.2.25]:\n"
	">>> RCPT TO:<gone@example.net>\n"
	"<<< 550 5.1.1 <gone@example.net>: User unknown\n"
	"\n"
	"--K\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: rfc822; gone@example.net\n"
	"Action: failed\n"
	"Status: 5.0.0\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <gone@example.net>: User unknown\n"
	"--K--\n";

/* Exchange gave up on its queue; the remote's earlier answer is why */
static const char xqueue_msg[] =
	HDR("Undeliverable: hello")
	"X-MS-Exchange-Message-Is-Ndr:\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"X\"\n"
	"\n"
	"--X\n"
	"Content-Type: text/plain\n"
	"\n"
	"Diagnostic information for administrators:\n"
	"\n"
	"late@example.net\n"
	"1/02/2024 9:00:00 AM - Remote Server at mx.example.net "
	"(192.0.2.3) returned '550 4.4.7 QUEUE.Expired; message expired'\n"
	"1/02/2024 8:00:00 AM - Remote Server at mx.example.net "
	"(192.0.2.3) returned '451 4.4.0 Primary target IP address "
	"responded with: \"421 4.4.2 Connection dropped\"'\n"
	"\n"
	"--X\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns;ex1.example.org\n"
	"\n"
	"Final-Recipient: rfc822;late@example.net\n"
	"Action: failed\n"
	"Status: 4.4.7\n"
	"Diagnostic-Code: smtp;550 4.4.7 QUEUE.Expired; message expired\n"
	"--X--\n";

/* Dovecot's rejection: the notice is the verdict */
static const char rejected_msg[] =
	HDR("Rejected: hello")
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"R\"\n"
	"\n"
	"--R\n"
	"\n"
	"Your message to <full> was automatically rejected:\n"
	"Not enough disk space\n"
	"\n"
	"--R\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: rfc822; full@example.net\n"
	"Action: failed\n"
	"Status: 5.2.2\n"
	"Diagnostic-Code: smtp; 550 5.2.2 <full@example.net>... Rejected\n"
	"--R--\n";

/* sendmail's verdict on a pipe, without an enhanced code */
static const char pipe_msg[] =
	HDR("Returned mail: Service unavailable")
	"\n"
	"   ----- The following addresses had permanent fatal errors -----\n"
	"\"|/usr/bin/procmail #who\"\n"
	"    (expanded from: <who@example.net>)\n"
	"\n"
	"   ----- Transcript of session follows -----\n"
	"554 \"|/usr/bin/procmail #who\"... Service unavailable\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: RFC822; who@example.net\n"
	"X-Actual-Recipient: RFC822; |/usr/bin/procmail #who@example.net\n"
	"Action: failed\n"
	"Status: 5.5.0\n";

/* a gateway's plain-text warning: the message is still being tried */
static const char warning_msg[] =
	HDR("Delivery failure notification")
	"\n"
	"Your message has not been delivered yet to:\n"
	"\n"
	"    slow@example.net\n"
	"\n"
	"The receiving host did not answer.\n"
	"Delivery attempts will continue to be made for 4 day(s).\n"
	"Please do not resend your original message.\n";

/* a plain-text notice of a failure whose subject says nothing */
static const char failure_msg[] =
	HDR("Delivery failure notification")
	"\n"
	"Your message could not be delivered to:\n"
	"\n"
	"    gone@example.net\n"
	"\n"
	"550 mailbox unavailable\n";

/* an old Postfix types the remote reply as its own (X-Postfix) */
static const char xpostfix_msg[] =
	HDR("Undelivered Mail Returned to Sender")
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"P\"\n"
	"\n"
	"--P\n"
	"\n"
	"<old@example.net>: host mx.example.net[192.0.2.7] said: 550\n"
	"    unknown user <old@example.net> (in reply to RCPT TO command)\n"
	"\n"
	"--P\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: rfc822; old@example.net\n"
	"Action: failed\n"
	"Status: 5.0.0\n"
	"Diagnostic-Code: X-Postfix; host mx.example.net[192.0.2.7] said: 550\n"
	"\tunknown user <old@example.net> (in reply to RCPT TO command)\n"
	"--P--\n";

/* an LDA's rejection sent as a disposition notification (RFC 5429) */
static const char mdn_reject_msg[] =
	"From: Mail Delivery Subsystem <admin@mx.example.org>\n"
	"To: <sender@example.com>\n"
	"Subject: Automatically rejected mail\n"
	"Auto-Submitted: auto-replied (rejected)\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; "
	"report-type=disposition-notification;\n\tboundary=\"M\"\n"
	"\n"
	"--M\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"\n"
	"Your message to <full@example.net> was automatically rejected:\n"
	"Quota exceeded\n"
	"--M\n"
	"Content-Type: message/disposition-notification\n"
	"\n"
	"Reporting-UA: mail; Dovecot Mail Delivery Agent\n"
	"Final-Recipient: rfc822; full@example.net\n"
	"Disposition: automatic-action/MDN-sent-automatically; deleted\n"
	"--M--\n";

/* Sendmail's plain notice for an alias: the expansion is no error text */
static const char expanded_msg[] =
	HDR("Returned mail: see transcript for details")
	"\n"
	"   ----- The following addresses had permanent fatal errors -----\n"
	"who@mx.example.net\n"
	"    (expanded from: alias@example.net)\n"
	"\n"
	"   ----- Transcript of session follows -----\n"
	"554 Too many hops 26 (25 max): from sender@example.com via "
	"localhost, to alias@example.net\n"
	"\n"
	"   ----- Message header follows -----\n";

static const struct dcase cases[] = {
	{ "exim", exim_msg, "user@example.net", "5.1.1", 550, "RCPT",
	  "Recipient address rejected", BK_KIND_BOUNCE },
	{ "exim-delay", exim_delay_msg, "late@example.net", "4.7.1", 451,
	  "MAIL", "Greylisted", BK_KIND_DELAY },
	{ "postfix", postfix_msg, "user@example.net", "5.1.1", 550, "RCPT",
	  "Recipient address rejected: User unknown", BK_KIND_BOUNCE },
	{ "sendmail", sendmail_msg, "user@example.net", "5.7.1", 550, "DATA",
	  "Relaying denied", BK_KIND_BOUNCE },
	{ "v5sendmail", v5sendmail_msg, "nobody@example.net", NULL, 550,
	  "RCPT", "No such user here", BK_KIND_BOUNCE },
	{ "qmail", qmail_msg, "full@example.net", "5.2.2", 552, "RCPT",
	  "Mailbox full", BK_KIND_BOUNCE },
	{ "sendmail-xunix", sendmail_xunix_msg, "perm@example.net", "5.3.0",
	  550, NULL, "Insufficient permission", BK_KIND_BOUNCE },
	{ "sendmail-nodiag", sendmail_nodiag_msg, "nohost@example.net",
	  "5.1.2", 550, NULL, "Host unknown", BK_KIND_BOUNCE },
	{ "greeting-554-deferred", greeting_msg, "grey@example.net", "4.0.0",
	  0, NULL, "Blocked", BK_KIND_BOUNCE },
	{ "banner-then-421", banner_msg, "later@example.net", "4.2.1", 421,
	  NULL, "Service refused", BK_KIND_BOUNCE },
	{ "not-smtp-code", notsmtp_msg, "slow@example.net", "4.0.0", 0, NULL,
	  "timed out", BK_KIND_BOUNCE },
	{ "quoted-local-part", quoted_msg, "\"dots..in..quotes.\"@example.net",
	  "5.1.1", 550, NULL, "User Unknown", BK_KIND_BOUNCE },
	{ "jmrp", jmrp_msg, "reader@example.net", NULL, 0, NULL, NULL,
	  BK_KIND_FEEDBACK },
	{ "apple-unsubscribe", apple_unsub_msg, "reader@example.net", NULL, 0,
	  NULL, NULL, BK_KIND_FEEDBACK },
	{ "exim-pipe-dsn", exim_pipe_msg, "owner@example.net", "5.0.0", 0,
	  NULL, "pipe to |/usr/local/bin/prog", BK_KIND_BOUNCE },
	{ "opensmtpd", opensmtpd_msg, "gone@example.net", "5.1.1", 550, NULL,
	  "User unknown", BK_KIND_BOUNCE },
	{ "dsn-base64", b64_msg, "b64@example.net", "5.2.2", 0, NULL, NULL,
	  BK_KIND_BOUNCE },
	{ "dsn-qp-folded", qp_msg, "qp@example.net", "4.4.1", 421, NULL,
	  "Connection timed out", BK_KIND_DELAY },
	{ "courier-exchange", courier_msg, "gone@example.net", "5.1.1", 550,
	  "RCPT", "User unknown", BK_KIND_BOUNCE },
	{ "exchange-queue-history", xqueue_msg, "late@example.net", "4.4.0",
	  451, NULL, "Connection dropped", BK_KIND_BOUNCE },
	{ "rejection-notice", rejected_msg, "full@example.net", "5.2.2", 0,
	  NULL, "Not enough disk space", BK_KIND_BOUNCE },
	{ "pipe-verdict", pipe_msg, "who@example.net", "5.5.0", 554, NULL,
	  "Service unavailable", BK_KIND_BOUNCE },
	{ "sendmail-expanded", expanded_msg, "who@mx.example.net", NULL, 554,
	  NULL, "Too many hops", BK_KIND_BOUNCE },
	{ "mdn-rejection", mdn_reject_msg, "full@example.net", NULL, 0,
	  NULL, "Quota exceeded", BK_KIND_BOUNCE },
	{ "text-warning", warning_msg, "slow@example.net", NULL, 0, NULL,
	  NULL, BK_KIND_DELAY },
	{ "text-failure", failure_msg, "gone@example.net", NULL, 550, NULL,
	  "mailbox unavailable", BK_KIND_BOUNCE },
	{ "x-postfix-remote", xpostfix_msg, "old@example.net", "5.0.0", 550,
	  "RCPT", "unknown user", BK_KIND_BOUNCE },
};

/* Courier 1.0.16 (tests/mta/courier_e2e.sh): a delay, the exchange
 * indented by a space, no Remote-MTA or Diagnostic-Code in the report */
static const char courier_delay_msg[] =
	HDR("WARNING: delayed mail.")
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"K\"\n"
	"\n"
	"--K\n"
	"Content-Type: text/plain\n"
	"\n"
	"                     DELAYS IN DELIVERING YOUR MESSAGE\n"
	"\n"
	"This is an advisory notice for the following addresses only:\n"
	"\n"
	"<late@example.net>:\n"
	"     mx.example.net [192.0.2.25]:\n"
	" >>> RCPT TO:<late@example.net>\n"
	" <<< 451 4.7.1 <late@example.net>: Try again later\n"
	"\n"
	"--K\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: rfc822; late@example.net\n"
	"Action: delayed\n"
	"Status: 4.0.0\n"
	"--K--\n";

/* test_decode__courier_indented - the exchange read although indented */
static void
test_decode__courier_indented(void)
{
	static const char want[] = "451 4.7.1 <late@example.net>: Try again "
	    "later";
	bk_message *msg;
	bk_record *r;
	size_t n;

	r = decode_n("courier", courier_delay_msg, &msg, &n);
	BKT_EQ_INT("records", (int)n, 1);
	if (n == 1) {
		BKT_EQ_INT("kind", r[0].kind, BK_KIND_DELAY);
		BKT_EQ_STR("command", r[0].command.ptr, r[0].command.len,
		    "RCPT");
		BKT_EQ_STR("diagnostic", r[0].diagnostic.ptr,
		    r[0].diagnostic.len, want);
		BKT_EQ_INT("reply", r[0].reply_code, 451);
	}
	bk_message_free(msg);
}

/* test_decode__mdn - disposition notifications: rejection, read receipt */
static void
test_decode__mdn(void)
{
	static const struct {
		const char *name, *disposition, *text;
		bk_kind kind;
		const char *diag;
		int decoded;
	} t[] = {
		{ "sieve-reject", "automatic-action/MDN-sent-automatically; "
		  "deleted", "Your message to <ann@example.net> was "
		  "automatically rejected:\nNot wanted here.\n",
		  BK_KIND_BOUNCE, "Not wanted here.", 1 },
		{ "read-receipt", "manual-action/MDN-sent-manually; displayed",
		  "Your message was read.\n", BK_KIND_DELIVERED,
		  "manual-action/MDN-sent-manually; displayed", 1 },
		{ "DELETED-upper", "automatic-action/MDN-sent-automatically; "
		  "DELETED/error", "Rejected.\n", BK_KIND_BOUNCE,
		  "automatic-action/MDN-sent-automatically; DELETED/error", 1 },
		{ "no-type", "automatic-action/MDN-sent-automatically",
		  "Something.\n", BK_KIND_UNKNOWN, NULL, 0 },
	};
	char buf[2048];
	size_t i, n;
	bk_message *msg;
	bk_record *r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf),
		    "From: Postmaster <postmaster@mx.example.net>\n"
		    "To: <sender@example.com>\n"
		    "Subject: Report\n"
		    "MIME-Version: 1.0\n"
		    "Content-Type: multipart/report; "
		    "report-type=disposition-notification; boundary=\"D\"\n"
		    "\n--D\nContent-Type: text/plain\n\n%s"
		    "--D\nContent-Type: message/disposition-notification\n\n"
		    "Reporting-UA: mx.example.net; Dovecot Mail Delivery Agent\n"
		    "Final-Recipient: rfc822; ann@example.net\n"
		    "Original-Message-ID: <m1@example.com>\n"
		    "Disposition: %s\n"
		    "--D--\n", t[i].text, t[i].disposition);
		r = decode_n(t[i].name, buf, &msg, &n);
		BKT_EQ_INT(t[i].name, (int)n, 1);
		if (n == 1 && t[i].decoded) {
			BKT_EQ_INT(t[i].name, r[0].kind, t[i].kind);
			BKT_EQ_INT(t[i].name, strcmp(r[0].decoder, "mdn"), 0);
			BKT_EQ_STR(t[i].name, r[0].recipient.ptr,
			    r[0].recipient.len, "ann@example.net");
			BKT_EQ_STR(t[i].name, r[0].diagnostic.ptr,
			    r[0].diagnostic.len, t[i].diag);
			BKT_EQ_STR(t[i].name, r[0].reporting_mta.ptr,
			    r[0].reporting_mta.len, "mx.example.net");
			BKT_EQ_STR(t[i].name, r[0].message_id.ptr,
			    r[0].message_id.len, "m1@example.com");
		} else if (n == 1) {
			/* not a disposition this reader takes */
			BKT_CHECK(strcmp(r[0].decoder, "mdn") != 0);
		}
		bk_message_free(msg);
	}
}

/* test_decode__xfailed_block - a report block without recipient fields
 * takes the one address of X-Failed-Recipients; two addresses there, or
 * a block that states nothing, give it none */
static void
test_decode__xfailed_block(void)
{
	static const struct {
		const char *name, *xfailed, *fields, *want;
	} t[] = {
		{ "one", "gone@example.net", "Action: failed\nStatus: 5.1.1\n",
		  "gone@example.net" },
		{ "two", "gone@example.net, left@example.net",
		  "Action: failed\nStatus: 5.1.1\n", NULL },
		{ "nothing-stated", "gone@example.net",
		  "Remote-MTA: dns; mx.example.net\n", NULL },
	};
	char buf[1024];
	size_t i, n;
	bk_message *msg;
	bk_record *r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf),
		    "From: postmaster@mx.example.org\n"
		    "To: sender@example.com\n"
		    "Subject: Undeliverable: report\n"
		    "X-Failed-Recipients: %s\n"
		    "Content-Type: multipart/report; "
		    "report-type=delivery-status; boundary=\"B\"\n\n"
		    "--B\nContent-Type: text/plain\n\n"
		    "Delivery has failed to these recipients.\n"
		    "--B\nContent-Type: message/delivery-status\n\n"
		    "Reporting-MTA: dns; mx.example.org\n\n%s"
		    "--B--\n", t[i].xfailed, t[i].fields);
		r = decode_n(t[i].name, buf, &msg, &n);
		if (t[i].want != NULL) {
			BKT_EQ_INT(t[i].name, (int)n, 1);
			if (n == 1) {
				BKT_EQ_STR(t[i].name, r[0].recipient.ptr,
				    r[0].recipient.len, t[i].want);
				BKT_EQ_INT(t[i].name,
				    strcmp(r[0].decoder, "rfc3464"), 0);
				BKT_EQ_STR(t[i].name, r[0].status.ptr,
				    r[0].status.len, "5.1.1");
			}
		} else {
			/* not from the report's block */
			BKT_CHECK(n == 0 || strcmp(r[0].decoder,
			    "rfc3464") != 0);
		}
		bk_message_free(msg);
	}
}

/* test_decode__other_reply - a recipient whose diagnostic is the reply
 * about another recipient of the notice is marked; one whose reply names
 * itself, or an address that is no recipient, is not */
static void
test_decode__other_reply(void)
{
	static const char msg_text[] =
	    "From: MAILER-DAEMON@mx.example.org\n"
	    "To: sender@example.com\n"
	    "Subject: Returned mail: Could not send message\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"N\"\n\n"
	    "--N\nContent-Type: text/plain\n\nNot delivered.\n"
	    "--N\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: x-local-hostname; mx.example.org\n\n"
	    "Final-Recipient: rfc822; x@example.net\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: SMTP; 550 5.1.1 <x@example.net>: User unknown\n"
	    "\n"
	    "Final-Recipient: rfc822; y@example.net\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: SMTP; 550 5.1.1 <x@example.net>: User unknown\n"
	    "\n"
	    "Final-Recipient: rfc822; z@example.net\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: SMTP; 550 5.1.1 <w@example.org>: User unknown\n"
	    "--N--\n";
	bk_message *msg;
	bk_record *r;
	size_t n;

	r = decode_n("other", msg_text, &msg, &n);
	BKT_EQ_INT("records", (int)n, 3);
	if (n == 3) {
		BKT_EQ_INT("x names itself", r[0].other_reply, 0);
		BKT_EQ_INT("y names x", r[1].other_reply, 1);
		BKT_EQ_INT("z names no recipient", r[2].other_reply, 0);
	}
	bk_message_free(msg);
}

/* test_decode__acknowledgement - "Thank you for your e-mail" is an
 * auto-reply when sent as one (null Return-Path), not otherwise */
static void
test_decode__acknowledgement(void)
{
	static const struct {
		const char *name, *return_path;
		bk_kind kind;
	} t[] = {
		{ "null sender", "<>", BK_KIND_AUTOREPLY },
		{ "a person", "<ann@example.net>", BK_KIND_UNKNOWN },
	};
	char buf[1024];
	size_t i, n;
	bk_message *msg;
	bk_record *r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf),
		    "Return-Path: %s\n"
		    "From: Ann Example <ann@example.net>\n"
		    "To: <news@example.com>\n"
		    "Subject: Thank you for your e-mail\n"
		    "Date: Tue, 02 Jan 2024 10:00:00 +0000\n"
		    "Precedence: bulk\n"
		    "\n"
		    "Thank you for your e-mail.\n"
		    "I will reply as soon as possible.\n", t[i].return_path);
		r = decode_n(t[i].name, buf, &msg, &n);
		BKT_EQ_INT(t[i].name, (int)n, 1);
		if (n == 1) {
			BKT_EQ_INT(t[i].name, r[0].kind, t[i].kind);
			if (t[i].kind == BK_KIND_AUTOREPLY)
				BKT_EQ_STR(t[i].name, r[0].recipient.ptr,
				    r[0].recipient.len, "ann@example.net");
		}
		bk_message_free(msg);
	}
}

/* test_decode__mta_names - Remote-MTA and Reporting-MTA give a host */
static void
test_decode__mta_names(void)
{
	static const struct {
		const char *remote, *reporting, *want_remote, *want_reporting;
	} t[] = {
		{ "dns; mx.example.net [192.0.2.25]", "dns; mx.example.org",
		  "mx.example.net", "mx.example.org" },
		{ "dns; [192.0.2.25] [192.0.2.25]", "dns; [192.0.2.7]",
		  "192.0.2.25", "192.0.2.7" },
		{ "dns; mx.example.net. (192.0.2.25, the server for the\n"
		  " domain example.net.)", "dns;mx.example.org.",
		  "mx.example.net", "mx.example.org" },
		{ "dns; mx.example.net (TCP|192.0.2.1|4000|192.0.2.25|25)\n"
		  " (mx.example.net ESMTP)", "dns; mx.example.org (8.17/8.17)",
		  "mx.example.net", "mx.example.org" },
		{ "dns; (unknown)", "dns; mx.example.org", NULL,
		  "mx.example.org" },
		/* nullmailer's type is 16 letters long */
		{ "dns; 192.0.2.25", "x-local-hostname; mx.example.org",
		  "192.0.2.25", "mx.example.org" },
	};
	char buf[1024];
	size_t i, n;
	bk_message *msg;
	bk_record *r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = decode_dsn1(t[i].remote, buf, sizeof(buf),
		    t[i].reporting, "Status: 5.1.1\nRemote-MTA: %s\n",
		    t[i].remote, &msg, &n);
		BKT_EQ_INT(t[i].remote, (int)n, 1);
		if (n == 1) {
			BKT_EQ_STR(t[i].remote, r[0].remote_mta.ptr,
			    r[0].remote_mta.len, t[i].want_remote);
			BKT_EQ_STR(t[i].reporting, r[0].reporting_mta.ptr,
			    r[0].reporting_mta.len, t[i].want_reporting);
		}
		bk_message_free(msg);
	}
}

/* test_decode__stated_hints - reasons the format itself states */
static void
test_decode__stated_hints(void)
{
	static const struct {
		const char *name;
		const char *msg;
		bk_reason hint;
	} t[] = {
		{ "exchange-queue-history", xqueue_msg, BK_REASON_EXPIRED },
		{ "pipe-verdict", pipe_msg, BK_REASON_MAILERERROR },
		{ "courier-exchange", courier_msg, BK_REASON_UNDEFINED },
	};
	size_t i, n;
	bk_message *msg;
	bk_record *r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		msg = NULL;
		BKT_EQ_INT(t[i].name, bk_message_new(&msg, t[i].msg,
		    strlen(t[i].msg), NULL), 0);
		if (msg == NULL)
			continue;
		BKT_EQ_INT(t[i].name, bk_message_decode(msg, &r, &n), 0);
		if (n > 0)
			BKT_EQ_INT(t[i].name, r[0].reason_hint, t[i].hint);
		bk_message_free(msg);
	}
}

/* test_decode__families - one bounce per format family */
static void
test_decode__families(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* with_eol - copy @s with every LF replaced by @eol */
static char *
with_eol(const char *s, const char *eol, size_t *len)
{
	size_t n = strlen(s), k = strlen(eol), i, o = 0;
	char *out = malloc(n * k + 1);

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '\n') {
			memcpy(out + o, eol, k);
			o += k;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	*len = o;
	return out;
}

/* test_decode__line_endings - CRLF, LF and bare CR give the same records */
static void
test_decode__line_endings(void)
{
	static const char *const eols[] = { "\n", "\r\n", "\r" };
	const char *srcs[] = { postfix_msg, exim_msg, sendmail_msg };
	size_t s, e;

	for (s = 0; s < sizeof(srcs) / sizeof(srcs[0]); s++) {
		bk_str want_d = { NULL, 0 };
		char *keep = NULL;
		size_t keep_len = 0;

		for (e = 0; e < 3; e++) {
			bk_message *msg = NULL;
			bk_record *r;
			size_t n = 0, len;
			char *m = with_eol(srcs[s], eols[e], &len);

			if (m == NULL || bk_message_new(&msg, m, len,
			    NULL) != 0 || bk_message_decode(msg, &r,
			    &n) != 0 || n == 0) {
				BKT_FAIL("eol %zu/%zu: no record", s, e);
				free(m);
				bk_message_free(msg);
				continue;
			}
			if (e == 0) {
				keep = malloc(r[0].diagnostic.len + 1);
				if (keep != NULL && r[0].diagnostic.ptr) {
					memcpy(keep, r[0].diagnostic.ptr,
					    r[0].diagnostic.len);
					keep_len = r[0].diagnostic.len;
					want_d.ptr = keep;
					want_d.len = keep_len;
				}
			} else if (want_d.ptr != NULL &&
			    (r[0].diagnostic.len != want_d.len ||
			    memcmp(r[0].diagnostic.ptr, want_d.ptr,
			    want_d.len) != 0)) {
				BKT_FAIL("eol %zu/%zu: diagnostic differs", s,
				    e);
			}
			BKT_CHECK(r[0].status.ptr != NULL);
			BKT_CHECK(r[0].reply_code != 0);
			free(m);
			bk_message_free(msg);
		}
		free(keep);
	}
}

/* test_decode__original - RFC 2047 subject and id of the returned copy */
static void
test_decode__original(void)
{
	bk_message *msg = NULL;
	bk_record *r;
	size_t n = 0;

	if (bk_message_new(&msg, postfix_msg, strlen(postfix_msg),
	    NULL) != 0 || bk_message_decode(msg, &r, &n) != 0 || n == 0) {
		BKT_FAIL("postfix: no record");
		bk_message_free(msg);
		return;
	}
	BKT_EQ_STR("subject", r[0].subject.ptr, r[0].subject.len,
	    "\xc3\xa9preuve");
	BKT_EQ_STR("message-id", r[0].message_id.ptr, r[0].message_id.len,
	    "m2@example.com");
	BKT_EQ_STR("remote", r[0].remote_mta.ptr, r[0].remote_mta.len,
	    "mx.example.net");
	bk_message_free(msg);
}

/* test_decode__unknown - a message with no report: one unknown record */
static void
test_decode__unknown(void)
{
	static const char m[] =
	    "From: friend@example.com\n"
	    "To: me@example.org\n"
	    "Subject: lunch\n"
	    "\n"
	    "Shall we meet at noon?\n";
	bk_message *msg = NULL;
	bk_record *r;
	size_t n = 0;

	if (bk_message_new(&msg, m, sizeof(m) - 1, NULL) != 0 ||
	    bk_message_decode(msg, &r, &n) != 0) {
		BKT_FAIL("unknown: decode failed");
		bk_message_free(msg);
		return;
	}
	BKT_EQ_INT("unknown", n, 1);
	if (n == 1) {
		BKT_EQ_INT("unknown", r[0].kind, BK_KIND_UNKNOWN);
		BKT_CHECK(r[0].error.ptr != NULL);
	}
	bk_message_free(msg);
	/* a log file given to parse: the error names the reader of logs */
	{
		static const struct {
			const char *text;
			int log;
		} t[] = {
			{ "type,timeLogged,orig,rcpt\nb,x,y,z\n", 1 },
			{ "#type,timeLogged,rcpt\n", 1 },
			{ "Nov 28 06:35:12 mx postfix/smtp[1]: 4A: to=<a@b>\n",
			  1 },
			{ "2026-11-28 06:35:15 1vAbCd-000123-AB ** a@b\n", 1 },
			{ "hello there, this is no log at all\n", 0 },
			{ "Nov 28 is a date, not a stamp\n", 0 },
		};
		size_t i;

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			r = decode_n(t[i].text, t[i].text, &msg, &n);
			BKT_EQ_INT(t[i].text, (int)n, 1);
			if (n == 1)
				BKT_EQ_INT(t[i].text, r[0].error.ptr != NULL &&
				    contains(r[0].error, "bouncekit classify"),
				    t[i].log);
			bk_message_free(msg);
		}
	}
}

/*
 * test_decode__own - the bounce's own To and From are no failed
 * recipient, compared as whole addresses: a recipient whose address ends
 * the way the To address does is still one, and From's real address is
 * known even behind a display name that looks like an address.
 */
static void
test_decode__own(void)
{
#define OWN_NOTICE(from, to, rcpt)                                         \
	"From: " from "\nTo: " to "\nSubject: Undelivered Mail Returned to " \
	"Sender\n\nThis is the mail system at host mx.example.org.\n\n"      \
	"<" rcpt ">: host mx.example.net[192.0.2.7] said: 550 5.1.1 "       \
	"user unknown (in reply to RCPT TO command)\n"
	static const char suffix[] = OWN_NOTICE(
	    "MAILER-DAEMON@mx.example.org", "kijitora@example.net",
	    "ora@example.net");
	static const char own[] = OWN_NOTICE(
	    "looks-like@an.address <daemon@example.org>", "s@example.com",
	    "daemon@example.org");
	bk_message *msg;
	bk_record *r;
	size_t n;

	r = decode_n("own suffix", suffix, &msg, &n);
	BKT_EQ_INT("own suffix records", (int)n, 1);
	if (n > 0)
		BKT_EQ_STR("own suffix", r[0].recipient.ptr,
		    r[0].recipient.len, "ora@example.net");
	bk_message_free(msg);
	r = decode_n("own from", own, &msg, &n);
	BKT_EQ_INT("own from records", (int)n, 1);
	if (n > 0)
		BKT_EQ_INT("own from kind", r[0].kind, BK_KIND_UNKNOWN);
	bk_message_free(msg);
#undef OWN_NOTICE
}

/*
 * test_decode__field - one field of the one record of a message: the
 * alias Sendmail expanded is the original recipient; a remote reply an
 * old Postfix typed X-Postfix is typed SMTP.
 */
static void
test_decode__field(void)
{
	static const struct {
		const char *name;
		const char *msg;
		int original;          /* 1: original_recipient, 0: type */
		const char *want;
	} t[] = {
		{ "expanded", expanded_msg, 1, "alias@example.net" },
		{ "x-postfix", xpostfix_msg, 0, "SMTP" },
	};
	bk_message *msg;
	bk_record *r;
	bk_str got;
	size_t i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = decode_n(t[i].name, t[i].msg, &msg, &n);
		BKT_EQ_INT(t[i].name, (int)n, 1);
		if (n > 0) {
			got = t[i].original ? r[0].original_recipient :
			    r[0].diagnostic_type;
			BKT_EQ_STR(t[i].name, got.ptr, got.len, t[i].want);
		}
		bk_message_free(msg);
	}
}

/* test_decode__arf_many - one feedback record per Original-Rcpt-To */
static void
test_decode__arf_many(void)
{
	static const char m[] =
	    "From: abuse@example.net\n"
	    "To: postmaster@example.org\n"
	    "Subject: complaint\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=feedback-report;\n"
	    " boundary=\"b1\"\n"
	    "\n"
	    "--b1\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "An abuse report.\n"
	    "--b1\n"
	    "Content-Type: message/feedback-report\n"
	    "\n"
	    "Feedback-Type: abuse\n"
	    "Version: 1\n"
	    "Original-Mail-From: <sender@example.org>\n"
	    "Original-Rcpt-To: one@example.com\n"
	    "Original-Rcpt-To: two@example.com\n"
	    "Original-Rcpt-To: <three@example.net>\n"
	    "Original-Rcpt-To: two@example.com\n"
	    "\n"
	    "--b1--\n";
	static const char *const want[] = {
		"one@example.com", "two@example.com", "three@example.net"
	};
	bk_message *msg;
	bk_record *r;
	size_t n, i;

	r = decode_n("arf_many", m, &msg, &n);
	BKT_EQ_INT("arf_many", n, 3);
	for (i = 0; r != NULL && i < n && i < 3; i++) {
		BKT_EQ_STR("arf_many", r[i].recipient.ptr, r[i].recipient.len,
		    want[i]);
		BKT_EQ_INT("arf_many", r[i].kind, BK_KIND_FEEDBACK);
		BKT_EQ_STR("arf_many", r[i].sender.ptr, r[i].sender.len,
		    "sender@example.org");
		BKT_EQ_STR("arf_many", r[i].feedback_type.ptr,
		    r[i].feedback_type.len, "abuse");
	}
	bk_message_free(msg);
}

/*
 * test_decode__own_heading - a mailbox bouncing to itself: the failed
 * address is the bounce's own To, written as a qmail "<a@b>:" heading
 * with the error under it; and a MAILER-DAEMON report with
 * Auto-Submitted is a bounce, not an auto-reply.
 */
static void
test_decode__own_heading(void)
{
	static const char q[] =
	    "From: MAILER-DAEMON@mx.example.org\n"
	    "To: cat@example.org\n"
	    "Subject: failure notice\n"
	    "\n"
	    "Hi. This is the qmail-send program at example.org.\n"
	    "I'm afraid I wasn't able to deliver your message to the "
	    "following addresses.\n"
	    "\n"
	    "<cat@example.org>:\n"
	    "192.0.2.1 does not like recipient.\n"
	    "Remote host said: 552 Error: disk quota exceeded\n"
	    "\n"
	    "--- Below this line is a copy of the message.\n"
	    "\n"
	    "From: cat@example.org\n"
	    "To: cat@example.org\n"
	    "Subject: hi\n";
	static const char a[] =
	    "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n"
	    "To: cat@example.org\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Auto-Submitted: auto-replied\n"
	    "\n"
	    "This is the mail system at host mx.example.org.\n"
	    "\n"
	    "<dog@example.net>: host mx.example.net[192.0.2.9] said: 550 "
	    "5.1.1\n"
	    "    no such user (in reply to RCPT TO command)\n";
	bk_message *msg;
	bk_record *r;
	size_t n;

	r = decode_n("own_heading", q, &msg, &n);
	BKT_EQ_INT("own_heading", n, 1);
	if (r != NULL && n == 1) {
		BKT_EQ_STR("own_heading", r[0].recipient.ptr,
		    r[0].recipient.len, "cat@example.org");
		BKT_EQ_INT("own_heading", r[0].kind, BK_KIND_BOUNCE);
		BKT_EQ_INT("own_heading", r[0].reply_code, 552);
	}
	bk_message_free(msg);
	r = decode_n("daemon_autosubmitted", a, &msg, &n);
	BKT_EQ_INT("daemon_autosubmitted", n, 1);
	if (r != NULL && n == 1) {
		BKT_EQ_STR("daemon_autosubmitted", r[0].recipient.ptr,
		    r[0].recipient.len, "dog@example.net");
		BKT_EQ_INT("daemon_autosubmitted", r[0].kind, BK_KIND_BOUNCE);
		BKT_EQ_STR("daemon_autosubmitted", r[0].command.ptr,
		    r[0].command.len, "RCPT");
	}
	bk_message_free(msg);
}

/* rec_of - the record of @addr among @n, NULL (and a failure) if none */
static bk_record *
rec_of(const char *name, bk_record *r, size_t n, const char *addr)
{
	size_t i;

	for (i = 0; r != NULL && i < n; i++) {
		if (r[i].recipient.ptr != NULL &&
		    r[i].recipient.len == strlen(addr) &&
		    memcmp(r[i].recipient.ptr, addr, r[i].recipient.len) == 0)
			return &r[i];
	}
	BKT_FAIL("[%s] no record for %s", name, addr);
	return NULL;
}

/*
 * test_decode__v5sendmail - several recipients in one plain Sendmail
 * notification: a MAIL failure belongs to the verdict after it that
 * has no reply of its own, a verdict with its own reply keeps it, a
 * RCPT failure belongs to its recipient only; a host verdict alone
 * names the returned copy's recipient in that domain.
 */
static void
test_decode__v5sendmail(void)
{
	static const char m[] =
	    HDR("Returned mail: Service unavailable")
	    "\n"
	    "   ----- Transcript of session follows -----\n"
	    "While talking to mx.example.net:\n"
	    ">>> MAIL From:<sender@example.com>\n"
	    "<<< 550 Relaying denied for you\n"
	    "554 <one@example.net>... Remote protocol error\n"
	    "550 example.org (smtp)... 550 Host unknown\n"
	    "554 <two@example.org>... 550 Host unknown (no such domain)\n"
	    "While talking to mx.example.com:\n"
	    ">>> RCPT To:<three@example.com>\n"
	    "<<< 550 No mailbox by that name\n"
	    "550 <three@example.com>... User unknown\n"
	    "\n"
	    "   ----- Unsent message follows -----\n"
	    "From: sender@example.com\n"
	    "To: one@example.net\n"
	    "Subject: hi\n"
	    "\n"
	    "hi\n";
	static const char h[] =
	    HDR("Returned mail: Cannot send message for 5 days")
	    "\n"
	    "   ----- Transcript of session follows -----\n"
	    "421 example.net (smtp)... Deferred: Connection timed out\n"
	    "\n"
	    "   ----- Unsent message follows -----\n"
	    "From: sender@example.com\n"
	    "To: other@example.org, late@example.net\n"
	    "Subject: hi\n"
	    "\n"
	    "hi\n";
	bk_message *msg;
	bk_record *r, *x;
	size_t n;

	r = decode_n("v5-multi", m, &msg, &n);
	BKT_EQ_INT("v5-multi", n, 3);
	if ((x = rec_of("v5-multi", r, n, "one@example.net")) != NULL) {
		BKT_EQ_INT("v5-multi one", x->reply_code, 550);
		BKT_EQ_STR("v5-multi one", x->command.ptr, x->command.len,
		    "MAIL");
		/* the verdict's words, then the remote's reply */
		BKT_EQ_STR("v5-multi one", x->diagnostic.ptr,
		    x->diagnostic.len,
		    "Remote protocol error: 550 Relaying denied for you");
	}
	if ((x = rec_of("v5-multi", r, n, "two@example.org")) != NULL) {
		BKT_EQ_INT("v5-multi two", x->reply_code, 550);
		BKT_EQ_STR("v5-multi two", x->command.ptr, x->command.len,
		    NULL);
		BKT_EQ_STR("v5-multi two", x->diagnostic.ptr,
		    x->diagnostic.len, "550 Host unknown (no such domain)");
	}
	if ((x = rec_of("v5-multi", r, n, "three@example.com")) != NULL) {
		BKT_EQ_STR("v5-multi three", x->command.ptr, x->command.len,
		    "RCPT");
		BKT_EQ_STR("v5-multi three", x->diagnostic.ptr,
		    x->diagnostic.len,
		    "User unknown: 550 No mailbox by that name");
	}
	bk_message_free(msg);
	r = decode_n("v5-host", h, &msg, &n);
	BKT_EQ_INT("v5-host", n, 1);
	if (r != NULL && n == 1) {
		BKT_EQ_STR("v5-host", r[0].recipient.ptr, r[0].recipient.len,
		    "late@example.net");
		BKT_EQ_INT("v5-host", r[0].reply_code, 421);
		BKT_EQ_INT("v5-host", r[0].reason_hint, BK_REASON_EXPIRED);
		BKT_EQ_STR("v5-host", r[0].subject.ptr, r[0].subject.len,
		    "hi");
	}
	bk_message_free(msg);
}

/*
 * test_decode__postfix_session - Postfix's postmaster notice of a
 * session it served: the failing "Out:" reply, the last "In:" command,
 * the recipients it had accepted; a RCPT reply only to its recipient.
 */
static void
test_decode__postfix_session(void)
{
	static const char m[] =
	    "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n"
	    "To: postmaster@mx.example.org (Postmaster)\n"
	    "Subject: Postfix SMTP server: errors from client.example.com"
	    "[192.0.2.7]\n"
	    "\n"
	    "Transcript of session follows.\n"
	    "\n"
	    " Out: 220 mx.example.org ESMTP\n"
	    " In:  EHLO client.example.com\n"
	    " Out: 250-mx.example.org\n"
	    " Out: 250 DSN\n"
	    " In:  MAIL\n"
	    "     FROM:<sender@example.com> SIZE=100\n"
	    " Out: 250 2.1.0 Ok\n"
	    " In:  RCPT TO:<gone@example.org>\n"
	    " Out: 550 5.1.1 <gone@example.org>: Recipient address rejected\n"
	    " In:  RCPT TO:<here@example.org>\n"
	    " Out: 250 2.1.5 Ok\n"
	    " In:  DATA\n"
	    " Out: 354 End data with <CR><LF>.<CR><LF>\n"
	    " Out: 451 4.3.0 Error: queue file write error\n"
	    " In:  QUIT\n"
	    " Out: 221 2.0.0 Bye\n"
	    "\n"
	    "For other details, see the local mail logfile\n";
	bk_message *msg;
	bk_record *r, *x;
	size_t n;

	r = decode_n("postfix-session", m, &msg, &n);
	BKT_EQ_INT("postfix-session", n, 2);
	if ((x = rec_of("postfix-session", r, n, "gone@example.org")) !=
	    NULL) {
		BKT_EQ_INT("postfix-session gone", x->reply_code, 550);
		BKT_EQ_STR("postfix-session gone", x->command.ptr,
		    x->command.len, "RCPT");
		BKT_EQ_STR("postfix-session gone", x->status.ptr,
		    x->status.len, "5.1.1");
	}
	if ((x = rec_of("postfix-session", r, n, "here@example.org")) !=
	    NULL) {
		BKT_EQ_INT("postfix-session here", x->reply_code, 451);
		BKT_EQ_STR("postfix-session here", x->command.ptr,
		    x->command.len, "DATA");
		BKT_EQ_STR("postfix-session here", x->status.ptr,
		    x->status.len, "4.3.0");
	}
	bk_message_free(msg);
}

/*
 * test_decode__arf_undisclosed - a feedback report that names no
 * recipient: one feedback record with a null recipient that still has
 * the feedback type, the reporting host and the returned message's
 * fields; the ARF draft's Removal-Recipient names the opted-out one.
 */
static void
test_decode__arf_undisclosed(void)
{
	static const char m[] =
	    "Received: from fbl.example.net (fbl.example.net [192.0.2.5])\n"
	    "\tby mx.example.com; Tue, 02 Jan 2024 10:00:00 +0000\n"
	    "From: fbl@example.net\n"
	    "To: postmaster@example.com\n"
	    "Subject: complaint\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=feedback-report;\n"
	    " boundary=\"b1\"\n"
	    "\n"
	    "--b1\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "An abuse report.\n"
	    "--b1\n"
	    "Content-Type: message/feedback-report\n"
	    "\n"
	    "Feedback-Type: abuse\n"
	    "Version: 1\n"
	    "Source-IP: 192.0.2.9\n"
	    "\n"
	    "--b1\n"
	    "Content-Type: text/rfc822-header\n"
	    "\n"
	    "From: <sender@example.com>\n"
	    "To: <Undisclosed Recipients>\n"
	    "Subject: offer\n"
	    "Message-ID: <u1@example.com>\n"
	    "\n"
	    "--b1--\n";
	static const char o[] =
	    "From: fbl@example.net\n"
	    "To: postmaster@example.com\n"
	    "Subject: opt-out\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=feedback-report;\n"
	    " boundary=\"b2\"\n"
	    "\n"
	    "--b2\n"
	    "Content-Type: message/feedback-report\n"
	    "\n"
	    "Feedback-Type: opt-out\n"
	    "Version: 0.1\n"
	    "Removal-Recipient: reader@example.org\n"
	    "\n"
	    "--b2--\n";
	bk_message *msg;
	bk_record *r;
	size_t n;

	r = decode_n("arf-undisclosed", m, &msg, &n);
	BKT_EQ_INT("arf-undisclosed", n, 1);
	if (r != NULL && n == 1) {
		BKT_EQ_INT("arf-undisclosed", r[0].kind, BK_KIND_FEEDBACK);
		BKT_EQ_STR("arf-undisclosed", r[0].recipient.ptr,
		    r[0].recipient.len, NULL);
		BKT_EQ_STR("arf-undisclosed", r[0].feedback_type.ptr,
		    r[0].feedback_type.len, "abuse");
		BKT_EQ_STR("arf-undisclosed", r[0].reporting_mta.ptr,
		    r[0].reporting_mta.len, "fbl.example.net");
		BKT_EQ_STR("arf-undisclosed", r[0].remote_mta.ptr,
		    r[0].remote_mta.len, "192.0.2.9");
		BKT_EQ_STR("arf-undisclosed", r[0].subject.ptr,
		    r[0].subject.len, "offer");
		BKT_EQ_STR("arf-undisclosed", r[0].message_id.ptr,
		    r[0].message_id.len, "u1@example.com");
	}
	bk_message_free(msg);
	r = decode_n("arf-removal", o, &msg, &n);
	BKT_EQ_INT("arf-removal", n, 1);
	if (r != NULL && n == 1) {
		BKT_EQ_STR("arf-removal", r[0].recipient.ptr,
		    r[0].recipient.len, "reader@example.org");
		BKT_EQ_STR("arf-removal", r[0].feedback_type.ptr,
		    r[0].feedback_type.len, "opt-out");
	}
	bk_message_free(msg);
}

/* test_decode__text_shapes - notification shapes of the text reader */
static void
test_decode__text_shapes(void)
{
	static const struct {
		const char *name;
		const char *msg;
		const char *rcpt;
		const char *diag;      /* NULL: none */
		const char *command;   /* NULL: none */
		bk_reason hint;
		bk_kind kind;
	} c[] = {
		{ "reply-before-recipient",
		  HDR("Undelivered mail")
		  "\n"
		  "Your message was not delivered.\n"
		  "\n"
		  "Remote server returned:\n"
		  "535 Invalid login: 535 Authentication credentials invalid\n"
		  "\n"
		  "Failed recipient: who@example.net\n"
		  "Original-Subject: hello\n",
		  "who@example.net", "535 Invalid login: 535 Authentication "
		  "credentials invalid", NULL, BK_REASON_UNDEFINED,
		  BK_KIND_BOUNCE },
		{ "two-replies-stay",
		  HDR("Undelivered mail")
		  "\n"
		  "Remote server returned:\n"
		  "451 Try again\n"
		  "550 Refused\n"
		  "\n"
		  "Failed recipient: who@example.net\n"
		  "Original-Subject: hello\n",
		  "who@example.net", "Original-Subject: hello", NULL,
		  BK_REASON_UNDEFINED, BK_KIND_BOUNCE },
		{ "following-recipient",
		  "From: Postmaster <postmaster@example.org>\n"
		  "To: sender@example.com\n"
		  "Subject: Undeliverable: hi\n"
		  "\n"
		  "Your Message\n"
		  "\n"
		  "To:      <gone@example.net>\n"
		  "Subject: hi\n"
		  "\n"
		  "Did not reach the following recipient: gone@example.net\n",
		  "gone@example.net", NULL, NULL, BK_REASON_UNDEFINED,
		  BK_KIND_BOUNCE },
		{ "because-after",
		  HDR("DELIVERY FAILURE: User not listed")
		  "\n"
		  "Your message\n"
		  "\n"
		  "  Subject: hi\n"
		  "\n"
		  "was not delivered to:\n"
		  "\n"
		  "  who@example.net\n"
		  "\n"
		  "because:\n"
		  "\n"
		  "  User who (who@example.net) not listed in Directory\n",
		  "who@example.net", "User who (who@example.net) not listed "
		  "in Directory", NULL, BK_REASON_UNDEFINED, BK_KIND_BOUNCE },
		{ "because-before",
		  HDR("Undeliverable Mail")
		  "\n"
		  "Could not be delivered because of\n"
		  "\n"
		  "550 5.1.1 User unknown\n"
		  "\n"
		  "The following recipients were affected: \n"
		  "    who@example.net\n"
		  "\n"
		  "\n"
		  "Additional Information\n"
		  "======================\n"
		  "Reporting-MTA:      <mx.example.org>\n",
		  "who@example.net", "550 5.1.1 User unknown", NULL,
		  BK_REASON_UNDEFINED, BK_KIND_BOUNCE },
		{ "wrapped-address",
		  HDR("Undelivered Mail Returned to Sender")
		  "\n"
		  "<who@example.net>: host mx.example.net[192.0.2.3] said: "
		  "550 5.2.1\n"
		  "<who@example.net>... User Unknown (in reply to RCPT TO "
		  "command)\n",
		  "who@example.net", "User Unknown (in reply to", "RCPT",
		  BK_REASON_UNDEFINED, BK_KIND_BOUNCE },
		{ "opensmtpd-expired",
		  HDR("Delivery status notification: error")
		  "\n"
		  "    This is the MAILER-DAEMON, please DO NOT REPLY to this "
		  "e-mail.\n"
		  "\n"
		  "    An error has occurred while attempting to deliver a "
		  "message for\n"
		  "    the following list of recipients:\n"
		  "\n"
		  "late@example.net: Envelope expired\n"
		  "\n"
		  "    Below is a copy of the original message:\n",
		  "late@example.net", "Envelope expired", NULL,
		  BK_REASON_EXPIRED, BK_KIND_BOUNCE },
		{ "mfilter",
		  HDR("failure notice")
		  "\n"
		  "The mail could not be sent to:\n"
		  "who@example.net\n"
		  "\n"
		  "\n"
		  "-------server message\n"
		  "550 5.1.1 <who@example.net>: Recipient address rejected\n"
		  "\n"
		  "-------SMTP command\n"
		  "DATA\n"
		  "\n"
		  "-------original message\n"
		  "From: sender@example.com\n"
		  "To: who@example.net\n"
		  "Subject: hi\n"
		  "\n"
		  "hi\n",
		  "who@example.net", "Recipient address rejected", "DATA",
		  BK_REASON_UNDEFINED, BK_KIND_BOUNCE },
		/* Exchange without its report: the recipient again under
		 * "Diagnostic information for administrators", with the
		 * remote's reply, which says more than the first words */
		{ "exchange-admin-section",
		  HDR("Undeliverable: hi")
		  "\n"
		  "Delivery has failed to these recipients or groups:\n"
		  "\n"
		  "who@example.net\n"
		  "Your message couldn't be delivered because the recipient's "
		  "email address was wrong or doesn't exist.\n"
		  "\n"
		  "Diagnostic information for administrators:\n"
		  "\n"
		  "Generating server: mx.example.org\n"
		  "who@example.net\n"
		  "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; "
		  "not found'\n",
		  "who@example.net", "Remote Server returned '550 5.1.1 "
		  "RESOLVER.ADR.RecipNotFound; not found'", NULL,
		  BK_REASON_UNDEFINED, BK_KIND_BOUNCE },
		/* CommuniGate Pro: the quoted address, the reason under it;
		 * its report names the recipient only as the original one */
		{ "failed-to-deliver",
		  HDR("Undeliverable mail: hi")
		  "MIME-Version: 1.0\n"
		  "Content-Type: multipart/report; "
		  "report-type=delivery-status;\n"
		  "\tboundary=\"G1\"\n"
		  "\n--G1\nContent-Type: text/plain\n\n"
		  "Failed to deliver to '<who@example.net>'\n"
		  "LOCAL module(account who) reports:\n"
		  " account is full (quota exceeded)\n"
		  "\n--G1\nContent-Type: message/delivery-status\n\n"
		  "Reporting-MTA: dns; example.net\n\n"
		  "Original-Recipient: rfc822;<who@example.net>\n"
		  "Final-Recipient: system;<>\n"
		  "Action: failed\nStatus: 5.0.0\n\n--G1--\n",
		  "who@example.net", "LOCAL module(account who) reports: "
		  "account is full (quota exceeded)", NULL, BK_REASON_UNDEFINED,
		  BK_KIND_BOUNCE },
		{ "auto-reply-subject",
		  "From: away@example.net\n"
		  "To: sender@example.com\n"
		  "Subject: Auto reply: hi\n"
		  "X-Apple-Action: VACATION\n"
		  "\n"
		  "I am away.\n",
		  "away@example.net", "I am away.", NULL, BK_REASON_VACATION,
		  BK_KIND_AUTOREPLY },
		{ "auto-reply-polish",
		  "From: away@example.net\n"
		  "To: sender@example.com\n"
		  "Subject: [Automatyczna odpowied\xc5\xba] hi\n"
		  "Precedence: junk\n"
		  "\n"
		  "Jestem na urlopie.\n",
		  "away@example.net", "Jestem na urlopie.", NULL,
		  BK_REASON_VACATION, BK_KIND_AUTOREPLY },
		{ "auto-reply-russian",
		  "From: away@example.net\n"
		  "To: sender@example.com\n"
		  "Subject: =?UTF-8?B?0JDQstGC0L7QvtGC0LLQtdGCOiBoaQ==?=\n"
		  "\n"
		  "Away.\n",
		  "away@example.net", "Away.", NULL, BK_REASON_VACATION,
		  BK_KIND_AUTOREPLY },
		{ "dsn-without-recipient",
		  HDR("Undelivered Mail Returned to Sender")
		  "MIME-Version: 1.0\n"
		  "Content-Type: multipart/report; "
		  "report-type=delivery-status;\n"
		  "\tboundary=\"R1\"\n"
		  "\n"
		  "--R1\n"
		  "Content-Type: text/plain\n"
		  "\n"
		  "\t--- Delivery report unavailable ---\n"
		  "\n"
		  "--R1\n"
		  "Content-Type: message/delivery-status\n"
		  "\n"
		  "Reporting-MTA: dns; mx.example.org\n"
		  "\n"
		  "--R1\n"
		  "Content-Type: message/rfc822\n"
		  "\n"
		  "From: sender@example.com\n"
		  "To: lost@example.net\n"
		  "Subject: hi\n"
		  "\n"
		  "hi\n"
		  "--R1--\n",
		  "lost@example.net", NULL, NULL, BK_REASON_UNDEFINED,
		  BK_KIND_BOUNCE },
	};
	bk_message *msg;
	bk_record *r;
	size_t n, i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		r = decode_n(c[i].name, c[i].msg, &msg, &n);
		BKT_EQ_INT(c[i].name, n, 1);
		if (r != NULL && n == 1) {
			BKT_EQ_STR(c[i].name, r[0].recipient.ptr,
			    r[0].recipient.len, c[i].rcpt);
			BKT_EQ_INT(c[i].name, r[0].kind, c[i].kind);
			BKT_EQ_INT(c[i].name, r[0].reason_hint, c[i].hint);
			BKT_EQ_STR(c[i].name, r[0].command.ptr,
			    r[0].command.len, c[i].command);
			if (c[i].diag == NULL)
				BKT_EQ_STR(c[i].name, r[0].diagnostic.ptr,
				    r[0].diagnostic.len, NULL);
			else if (!contains(r[0].diagnostic, c[i].diag))
				BKT_FAIL("[%s] diagnostic \"%.*s\" lacks "
				    "\"%s\"", c[i].name,
				    (int)r[0].diagnostic.len,
				    r[0].diagnostic.ptr ? r[0].diagnostic.ptr :
				    "", c[i].diag);
		}
		bk_message_free(msg);
	}
}

/*
 * test_decode__office365_claim - Exchange Online stamps X-MS-Exchange-*
 * fields and outlook.com hops on every message it delivers: a Postfix
 * report delivered into it stays a plain report; a report whose
 * Reporting-MTA is Microsoft's is Office 365's.
 */
static void
test_decode__office365_claim(void)
{
#define O365(extra, rmta)                                                  \
	"Received: from mx.example.org (192.0.2.2) by\n"                    \
	"    AB1CD2EF.mail.protection.outlook.com with Microsoft SMTP\n"    \
	"X-MS-Exchange-CrossTenant-Id: 00000000-0000\n"                     \
	extra                                                               \
	"To: sender@example.com\n"                                          \
	"Subject: Undelivered Mail Returned to Sender\n"                    \
	"MIME-Version: 1.0\n"                                               \
	"Content-Type: multipart/report; report-type=delivery-status;\n"   \
	"\tboundary=\"C1\"\n"                                               \
	"\n"                                                                \
	"--C1\n"                                                            \
	"Content-Type: message/delivery-status\n"                           \
	"\n"                                                                \
	"Reporting-MTA: dns; " rmta "\n"                                    \
	"\n"                                                                \
	"Final-Recipient: rfc822; who@example.net\n"                        \
	"Action: failed\n"                                                  \
	"Status: 5.1.1\n"                                                   \
	"\n"                                                                \
	"--C1--\n"
	static const char pf[] = O365(
	    "From: MAILER-DAEMON@mx.example.org\n", "mx.example.org");
	static const char ms[] = O365(
	    "From: postmaster@example.org\n",
	    "AB1CD2EF.mail.protection.outlook.com");
#undef O365
	bk_message *msg;
	bk_record *r;
	size_t n;

	r = decode_n("o365-postfix", pf, &msg, &n);
	if (r != NULL && n == 1)
		BKT_EQ_STR("o365-postfix", r[0].decoder,
		    strlen(r[0].decoder), "rfc3464");
	bk_message_free(msg);
	r = decode_n("o365-microsoft", ms, &msg, &n);
	if (r != NULL && n == 1)
		BKT_EQ_STR("o365-microsoft", r[0].decoder,
		    strlen(r[0].decoder), "office365");
	bk_message_free(msg);
}

/*
 * test_decode__second_look - what only a second look decides: a report
 * whose first delivery-status part is the notice's text (the real report
 * follows); an auto-reply whose words sound like a bounce, taken as one
 * only once no reader found a bounce in it, and only when a field and
 * the subject both say auto-reply and the sender is a mailbox.
 */
static void
test_decode__second_look(void)
{
	static const char two_reports[] =
	    "From: Mail Administrator <Postmaster@example.net>\n"
	    "To: sender@example.com\n"
	    "Subject: Mail System Error - Returned Mail\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"T2\"\n"
	    "\n--T2\nContent-Type: message/delivery-status;\n\n"
	    "This Message was undeliverable due to the following reason:\n\n"
	    "<who@example.net> has restricted SMS e-mail\n"
	    "\n--T2\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\n"
	    "Original-Recipient: rfc822;who@example.net\n"
	    "Final-Recipient: RFC822; <who@example.net>\n"
	    "Action: failed\nStatus: 5.3.0\n"
	    "\n--T2--\n";
#define OOO(from, subj)                                                    \
	"From: " from "\n"                                                  \
	"To: sender@example.com\n"                                          \
	"Subject: " subj "\n"                                               \
	"Auto-Submitted: auto-replied\n"                                    \
	"\n"                                                                \
	"I am out of the office. Your message could not be delivered to\n"  \
	"me personally, but I will read it when I am back.\n"
	static const struct {
		const char *name, *msg, *rcpt;
		bk_kind kind;
	} c[] = {
		{ "two reports", two_reports, "who@example.net",
		  BK_KIND_BOUNCE },
		{ "auto-reply in bounce words",
		  OOO("Ann <ann@example.net>", "Automatic reply: report"),
		  "ann@example.net", BK_KIND_AUTOREPLY },
		/* the field alone: the bounce words weigh as much */
		{ "auto-submitted alone",
		  OOO("Ann <ann@example.net>", "Re: report"), NULL,
		  BK_KIND_UNKNOWN },
		/* a postmaster's notice is no one's auto-reply */
		{ "postmaster",
		  OOO("postmaster@example.net", "Automatic reply: report"),
		  NULL, BK_KIND_UNKNOWN },
		/* Korean "[auto-reply] away", UTF-8 in an encoded word */
		{ "auto-reply korean",
		  "From: park@example.net\nTo: sender@example.com\n"
		  "Subject: =?UTF-8?B?W+yekOuPme2ajOyLoF0g67aA7J6s7KSRIOyViOuCtA==?=\n"
		  "\nAway.\n", "park@example.net", BK_KIND_AUTOREPLY },
	};
#undef OOO
	bk_message *msg;
	bk_record *r;
	size_t i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		r = decode_n(c[i].name, c[i].msg, &msg, &n);
		BKT_EQ_INT(c[i].name, n, 1);
		if (r != NULL && n == 1) {
			BKT_EQ_INT(c[i].name, r[0].kind, c[i].kind);
			BKT_EQ_STR(c[i].name, r[0].recipient.ptr,
			    r[0].recipient.len, c[i].rcpt);
		}
		bk_message_free(msg);
	}
}

/* name_case - decode @m; the first record's decoder, kind and diagnostic */
static void
name_case(const char *name, const char *m, const char *decoder,
    bk_kind kind, const char *status, const char *diag_has)
{
	bk_message *msg;
	bk_record *r;
	size_t n;

	r = decode_n(name, m, &msg, &n);
	if (r != NULL && n >= 1) {
		BKT_EQ_STR(name, r[0].decoder, strlen(r[0].decoder), decoder);
		BKT_EQ_INT(name, r[0].kind, kind);
		BKT_EQ_STR(name, r[0].status.ptr, r[0].status.len, status);
		if (diag_has != NULL && !contains(r[0].diagnostic, diag_has))
			BKT_FAIL("[%s] diagnostic \"%.*s\" lacks \"%s\"", name,
			    (int)r[0].diagnostic.len, r[0].diagnostic.ptr ?
			    r[0].diagnostic.ptr : "", diag_has);
	}
	bk_message_free(msg);
}

/*
 * test_decode__named_formats - formats read under their own name:
 * OpenSMTPD's notice (plain and with its report), Mail.Ru's Exim, and
 * a Sendmail transcript whose multi-line reply the report cut short.
 */
static void
test_decode__named_formats(void)
{
#define SMTPD_HEAD(subj)                                                   \
	"Received: from mx.example.org (mx.example.org [local])\n"          \
	"\tby mx.example.org (OpenSMTPD) with ESMTPA id 94c5a197\n"         \
	"From: Mailer Daemon <MAILER-DAEMON@mx.example.org>\n"             \
	"To: sender@example.org\n"                                          \
	"Subject: Delivery status notification: " subj "\n"                 \
	"Date: Mon, 17 Jun 2024 07:44:38 +0000 (UTC)\n"
#define SMTPD_HI                                                           \
	"    Hi!\n\n"                                                        \
	"    This is the MAILER-DAEMON, please DO NOT REPLY to this email.\n\n"
	static const char smtpd_delay[] = SMTPD_HEAD("delayed")
	    "\n" SMTPD_HI
	    "    A message is delayed for more than 4 hours for the following\n"
	    "    list of recipients:\n\n"
	    "who@example.net: Network error on destination MXs\n\n"
	    "    Please note that this is only a temporary failure report.\n\n"
	    "    Below is a copy of the original message:\n\n"
	    "From: sender@example.org\nTo: who@example.net\nSubject: x\n\nx\n";
	static const char smtpd_dsn[] = SMTPD_HEAD("failed")
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed;boundary=\"S1\"\n"
	    "\n--S1\nContent-Type: text/plain; charset=us-ascii\n\n" SMTPD_HI
	    "    An error has occurred while attempting to deliver a message for\n"
	    "    the following list of recipients:\n\n"
	    "who@cx.example.net: Domain does not exist\n\n"
	    "    Below is a copy of the original message:\n\n"
	    "--S1\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.org\n\n"
	    "Final-Recipient: rfc822; who@cx.example.net\n"
	    "Action: failed\nStatus: 5.0.0\n\n--S1--\n";
	static const char mailru[] =
	    "From: mailer-daemon@corp.mail.ru\n"
	    "To: sender@example.org\n"
	    "Subject: Mail failure.\n"
	    "X-Failed-Recipients: who@example.net\n"
	    "\n"
	    "\xd0\xad\xd1\x82\xd0\xbe \xd0\xbf\xd0\xb8\xd1\x81\xd1\x8c"
	    "\xd0\xbc\xd0\xbe \xd1\x81\xd0\xbe\xd0\xb7\xd0\xb4\xd0\xb0"
	    "\xd0\xbd\xd0\xbe \xd1\x81\xd0\xb5\xd1\x80\xd0\xb2\xd0\xb5"
	    "\xd1\x80\xd0\xbe\xd0\xbc Mail.Ru.\n\n"
	    "This message was created automatically by mail delivery software.\n\n"
	    "A message that you sent could not be delivered to one or more of its\n"
	    "recipients. This is a permanent error. The following address(es) failed:\n"
	    "\n  who@example.net\n    retry timeout exceeded\n\n"
	    "------ This is a copy of the message, including all the headers. ------\n";
	/* Exchange Online's notice without its report: the recipient in
	 * its details, the error under them; Auto-Submitted: auto-replied
	 * from a postmaster is no auto-reply */
#define O365(err)                                                          \
	"From: <postmaster@example.onmicrosoft.com>\n"                      \
	"To: <sender@example.org>\n"                                        \
	"Subject: Undeliverable: hi\n"                                      \
	"Auto-Submitted: auto-replied\n"                                    \
	"\n"                                                                \
	"Your message to who@example.net couldn't be delivered.\n"          \
	"More Info for Email Admins\n"                                      \
	"Status code: 550 5.7.1\n\n"                                        \
	"Original Message Details\n"                                        \
	"Created Date:   9/23/2026 9:15:36 AM\n"                            \
	"Sender Address: sender@example.org\n"                              \
	"Recipient Address:      who@example.net\n"                         \
	"Subject:        hi\n\n"                                            \
	"Error Details\n" err "\n"
	static const char o365[] = O365("Error:  554 5.7.1 [CS01] Message "
	    "rejected due to local policy.\n"
	    "Message rejected by:    mx.example.net");
	static const char o365_reported[] = O365("Reported error:  550 5.1.10 "
	    "RESOLVER.ADR.RecipientNotFound; Recipient not found\n"
	    "DSN generated by:       AB1CD2EF.prod.outlook.com");
#undef O365
	/* Exchange's report without Diagnostic-Code: the reply is in its
	 * X-Supplementary-Info */
	static const char supp_info[] =
	    "From: postmaster@example.net\n"
	    "To: sender@example.org\n"
	    "Subject: Delivery Status Notification (Failure)\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"X1\"\n"
	    "\n--X1\nContent-Type: text/plain\n\n"
	    "Delivery to the following recipients failed.\n\n"
	    "       who@example.net\n"
	    "\n--X1\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\n"
	    "Final-recipient: RFC822; who@example.net\n"
	    "Action: failed\nStatus: 5.5.0\n"
	    "X-Supplementary-Info: < #5.5.0 smtp;550 Requested action not "
	    "taken: mailbox\n unavailable (495782920:4198:-2147467259)>\n"
	    "\n--X1--\n";
	/* Gmail's notice whose report part was emptied on its way: the
	 * text is read as if there were no report */
	static const char gmail_empty[] =
	    "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
	    "To: sender@example.org\n"
	    "Subject: Delivery Status Notification (Failure)\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; boundary=\"E1\"; "
	    "report-type=delivery-status\n"
	    "\n--E1\nContent-Type: text/plain; charset=UTF-8\n\n"
	    "** Address not found **\n\n"
	    "Your message wasn't delivered to who@example.net because the "
	    "address couldn't be found.\n\n"
	    "The response was:\n\n"
	    "550 5.1.1 The email account that you tried to reach does not "
	    "exist. - gsmtp\n"
	    "\n--E1\nContent-Type: message/delivery-status\n\n"
	    "\n--E1--\n";
	/* Yahoo's later notice: the recipient only in its summary */
	static const char yahoo_summary[] =
	    "From: MAILER-DAEMON@yahoo.com\n"
	    "To: sender@example.org\n"
	    "Subject: Failure Notice\n"
	    "\n"
	    "I'm afraid I wasn't able to deliver the following message.\n"
	    "This is a permanent error; I've given up. Sorry it didn't work "
	    "out.\n\n"
	    "Subject: hi\n"
	    "To: who@example.net\n\n"
	    "--- Below this line is a copy of the message.\n\n"
	    "From: sender@example.org\nTo: who@example.net\nSubject: hi\n\n"
	    "hi\n";
	static const char sendmail[] =
	    "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\n"
	    "To: sender@example.org\n"
	    "Subject: Returned mail: see transcript for details\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"M1\"\n"
	    "\n--M1\nContent-Type: text/plain\n\n"
	    "   ----- Transcript of session follows -----\n"
	    "... while talking to mx.example.net.:\n"
	    ">>> DATA\n"
	    "<<< 550-5.7.1 Unauthenticated email from example.org is not accepted due to domain's\n"
	    "<<< 550-5.7.1 DMARC policy. Please contact the administrator of\n"
	    "<<< 550 5.7.1 example.org. - gsmtp\n"
	    "554 5.0.0 Service unavailable\n"
	    "\n--M1\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.org\n\n"
	    "Final-Recipient: RFC822; who@example.net\n"
	    "Action: failed\nStatus: 5.7.1\n"
	    "Remote-MTA: DNS; mx.example.net\n"
	    "Diagnostic-Code: SMTP; 550-5.7.1 Unauthenticated email from example.org is not accepted due to domain's\n"
	    "\n--M1--\n";
	/* OpenSMTPD 6.8's delay notice, as tests/mta/opensmtpd_e2e.sh gets
	 * it: a deferral, and an envelope that expired, sent as a delay */
#define SMTPD_68(line, status)                                             \
	SMTPD_HEAD("delayed")                                               \
	"MIME-Version: 1.0\n"                                               \
	"Content-Type: multipart/mixed;boundary=\"S2\"\n"                    \
	"\n--S2\nContent-Type: text/plain; charset=us-ascii\n\n" SMTPD_HI    \
	"    A message is delayed for more than 5 seconds for the following\n" \
	"    list of recipients:\n\n" line "\n\n"                            \
	"    Please note that this is only a temporary failure report.\n"    \
	"    The message is kept in the queue for up to 7 days.\n"           \
	"    You DO NOT NEED to re-send the message to these recipients.\n\n" \
	"    Below is a copy of the original message:\n\n"                   \
	"--S2\nContent-Type: message/delivery-status\n\n"                    \
	"Reporting-MTA: dns; mx.example.org\n\n"                             \
	"Final-Recipient: rfc822; who@example.net\n"                         \
	"Action: delayed\nStatus: " status "\n\n--S2--\n"
	static const char smtpd_deferred[] = SMTPD_68("who@example.net: 451 "
	    "4.7.1 <who@example.net>: Try again later", "4.7.1");
	static const char smtpd_expired[] = SMTPD_68("who@example.net: "
	    "Envelope expired", "4.4.7");
	static const struct {
		const char *name, *msg, *diag;
		bk_kind kind;
	} exact[] = {
		/* the note after the list is not part of the reason */
		{ "opensmtpd deferral", smtpd_deferred,
		  "451 4.7.1 <who@example.net>: Try again later",
		  BK_KIND_DELAY },
		/* the envelope was dropped: no attempt follows */
		{ "opensmtpd expired", smtpd_expired, "Envelope expired",
		  BK_KIND_BOUNCE },
	};
	size_t i, n;
	bk_message *msg;
	bk_record *r;
#undef SMTPD_68
#undef SMTPD_HEAD
#undef SMTPD_HI

	name_case("opensmtpd delay", smtpd_delay, "opensmtpd", BK_KIND_DELAY,
	    NULL, "Network error on destination MXs");
	name_case("opensmtpd report", smtpd_dsn, "opensmtpd", BK_KIND_BOUNCE,
	    "5.0.0", "Domain does not exist");
	name_case("mail.ru", mailru, "mailru", BK_KIND_BOUNCE, NULL,
	    "retry timeout exceeded");
	name_case("supplementary info", supp_info, "rfc3464",
	    BK_KIND_BOUNCE, "5.5.0", "550 Requested action not taken: "
	    "mailbox unavailable");
	name_case("gmail empty report", gmail_empty, "gmail",
	    BK_KIND_BOUNCE, "5.1.1", "The email account that you tried");
	name_case("yahoo summary", yahoo_summary, "yahoo", BK_KIND_BOUNCE,
	    NULL, "This is a permanent error; I've given up.");
	name_case("office365 text", o365, "office365", BK_KIND_BOUNCE,
	    "5.7.1", "554 5.7.1 [CS01] Message rejected");
	name_case("office365 reported", o365_reported, "office365",
	    BK_KIND_BOUNCE, "5.1.10", "RESOLVER.ADR.RecipientNotFound");
	name_case("multi-line reply", sendmail, "rfc3464", BK_KIND_BOUNCE,
	    "5.7.1", "domain's DMARC policy. Please contact the administrator "
	    "of example.org. - gsmtp");
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		r = decode_n(exact[i].name, exact[i].msg, &msg, &n);
		BKT_EQ_INT(exact[i].name, n, 1);
		if (r != NULL && n == 1) {
			BKT_EQ_INT(exact[i].name, r[0].kind, exact[i].kind);
			BKT_EQ_STR(exact[i].name, r[0].diagnostic.ptr,
			    r[0].diagnostic.len, exact[i].diag);
			BKT_EQ_STR(exact[i].name, r[0].action.ptr,
			    r[0].action.len, "delayed");
		}
		bk_message_free(msg);
	}
}

/*
 * test_decode__notice - the last resort: a failure notice that names its
 * recipients only in sentences gives them; the sender, a postmaster, an
 * address without a word of failure near it, a list of many, or a
 * message that is no notice at all give nothing.
 */
static void
test_decode__notice(void)
{
/* sixteen addresses that are no recipient (NOTICE_SEEN_MAX is 64) */
#define NOTICE_P4 "postmaster@a.example.net postmaster@b.example.net "      \
	"postmaster@c.example.net postmaster@d.example.net\n"
#define NOTICE_P16 NOTICE_P4 NOTICE_P4 NOTICE_P4 NOTICE_P4
#define NOTICE_HEAD(from, subj)                                            \
	"From: " from "\n"                                                  \
	"To: list-bounces@example.org\n"                                    \
	"Subject: " subj "\n"                                               \
	"Date: Tue, 02 Jan 2024 10:00:00 +0000\n\n"
	static const struct {
		const char *name;
		const char *msg;
		const char *rcpt[3];  /* NULL-ended; none: kind unknown */
		int reply_code;
		bk_kind kind;
	} t[] = {
		{ "sentence", NOTICE_HEAD("MAILER-DAEMON@mx.example.net",
		    "failure notice")
		    "Sorry, unable to deliver your message to a@example.net "
		    "for\nthe following reason:\n\n 552 Quota violation for "
		    "a@example.net\n\nA copy of the original message below "
		    "this line:\n\nFrom: list-bounces@example.org\n"
		    "To: other@example.net\n",
		    { "a@example.net", NULL }, 552, BK_KIND_BOUNCE },
		{ "two", NOTICE_HEAD("postmaster@mx.example.net",
		    "Undeliverable Mail")
		    "undeliverable  to b@example.net\n"
		    "Local mailbox c@example.net is unavailable: user not "
		    "found\n",
		    { "b@example.net", "c@example.net", NULL }, 0,
		    BK_KIND_BOUNCE },
		{ "x400", NOTICE_HEAD("System Administrator <postmaster@"
		    "mx.example.net>", "Undeliverable: hello")
		    "Your message did not reach the following recipient(s):"
		    "\n\nc=US;a= ;p=EX;o=HQ;dda:SMTP=d@example.net; on Fri, "
		    "4 Oct 2002 10:00:00 -0400\n",
		    { "d@example.net", NULL }, 0, BK_KIND_BOUNCE },
		{ "alias", NOTICE_HEAD("Mail Delivery System <Mailer-Daemon@"
		    "mx.example.net>", "Mail delivery failed")
		    "The following address(es) failed:\n\n"
		    "  an undisclosed address\n"
		    "    (generated from e@example.net)\n",
		    { "e@example.net", NULL }, 0, BK_KIND_BOUNCE },
		{ "warning", NOTICE_HEAD("postmaster@mx.example.net",
		    "Mail Delivery Warning")
		    "Delivery to \"f@example.net\" has been postponed due "
		    "to a full mailbox.\nDelivery attempts will continue.\n",
		    { "f@example.net", NULL }, 0, BK_KIND_DELAY },
		{ "sender-only", NOTICE_HEAD("postmaster@mx.example.net",
		    "Undeliverable")
		    "Your mail could not be delivered because they are not "
		    "accepting mail from list-owner@example.org:\n\tscreen\n"
		    "Write to postmaster@mx.example.net for help.\n",
		    { NULL }, 0, BK_KIND_UNKNOWN },
		{ "no-cue", NOTICE_HEAD("postmaster@mx.example.net",
		    "Undeliverable")
		    "The standard form of address here is name@example.net,\n"
		    "though some choose another one.\n",
		    { NULL }, 0, BK_KIND_UNKNOWN },
		{ "list", NOTICE_HEAD("postmaster@mx.example.net",
		    "Undeliverable")
		    "Could not deliver to g1@example.net, g2@example.net,\n"
		    "g3@example.net, g4@example.net and g5@example.net.\n",
		    { NULL }, 0, BK_KIND_UNKNOWN },
		{ "quoted-cut", NOTICE_HEAD("Mail Delivery System <MAILER-"
		    "DAEMON@mx.example.net>", "Mail delivery failed")
		    "This message was created automatically by mail "
		    "delivery\nsoftware. A message that you sent could not "
		    "be delivered\nto all of its recipients.\n\n"
		    "The following message, addressed to 'i@example.net',\n"
		    "failed because it has not been collected after 30 days"
		    "\n\n---- START OF RETURNED MESSAGE ----\n"
		    "From: digest@example.org\nTo: list@example.org\n"
		    "Reply-To: list@example.org\n\nx\n",
		    { "i@example.net", NULL }, 0, BK_KIND_BOUNCE },
		{ "many-seen", NOTICE_HEAD("postmaster@mx.example.net",
		    "Undeliverable")
		    "Could not deliver to j@example.net.  Copies went to:\n"
		    NOTICE_P16 NOTICE_P16 NOTICE_P16 NOTICE_P16 NOTICE_P16,
		    { NULL }, 0, BK_KIND_UNKNOWN },
		{ "not-a-notice", NOTICE_HEAD("friend@example.com", "lunch")
		    "The mail to h@example.net failed, so I write again.\n",
		    { NULL }, 0, BK_KIND_UNKNOWN },
	};
	size_t i, j, n;
	bk_message *msg;
	bk_record *r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = decode_n(t[i].name, t[i].msg, &msg, &n);
		for (j = 0; t[i].rcpt[j] != NULL; j++)
			;
		if (j == 0) {
			BKT_EQ_INT(t[i].name, (int)n, 1);
			if (n == 1)
				BKT_EQ_INT(t[i].name, r[0].kind,
				    BK_KIND_UNKNOWN);
			bk_message_free(msg);
			continue;
		}
		BKT_EQ_INT(t[i].name, (int)n, (int)j);
		for (j = 0; j < n && t[i].rcpt[j] != NULL; j++) {
			BKT_EQ_STR(t[i].name, r[j].recipient.ptr,
			    r[j].recipient.len, t[i].rcpt[j]);
			BKT_EQ_INT(t[i].name, r[j].kind, t[i].kind);
		}
		if (n > 0)
			BKT_EQ_INT(t[i].name, r[0].reply_code,
			    t[i].reply_code);
		bk_message_free(msg);
	}
#undef NOTICE_HEAD
#undef NOTICE_P16
#undef NOTICE_P4
}

/*
 * test_decode__command - the SMTP command a Diagnostic-Code blames: each
 * phrasing, in any case, anywhere in the text (the last few bytes too),
 * the earlier phrase of the table winning over the earlier in the text,
 * qmail's own words in their order, and none when no phrase is whole.
 */
static void
test_decode__command(void)
{
	static const struct {
		const char *diag, *want;
	} t[] = {
		{ "550 5.1.1 <a@example.net>: user unknown", NULL },
		{ "550 5.1.1 user unknown (in reply to RCPT TO command)",
		  "RCPT" },
		{ "SMTP error from remote mail server after RCPT TO:"
		  "<a@example.net>: 550 5.1.1 unknown", "RCPT" },
		{ "554 rejected IN REPLY TO MAIL FROM", "MAIL" },
		{ "552 too big (in reply to end of DATA command)", "DATA" },
		{ "550 after data", "DATA" },
		{ "550 x after dot", "DATA" },
		{ "after data: 550 bad, then in reply to RCPT TO", "RCPT" },
		{ "421 lost after initial connection", "CONN" },
		{ "554 no (in reply to EHLO command)", "EHLO" },
		{ "mx.example.net does not like recipient. 550 no such user",
		  "RCPT" },
		{ "Connected to 192.0.2.1 but sender was rejected. 553 no",
		  "MAIL" },
		{ "mx.example.net failed on DATA command. 554 spam", "DATA" },
		{ "mx.example.net failed after I sent the message. 554 no",
		  "DATA" },
		{ "550 no. I'm not going to try again; this message has been "
		  "in the queue too long. most progress was MAIL FROM response",
		  "MAIL" },
		{ "Connected to 192.0.2.1 but sender was rejected. most "
		  "progress was RCPT TO response", "RCPT" },
		{ "host mx.example.net refused to talk to me: 421 busy",
		  "CONN" },
		{ "failed to deliver: most progress was DATA", NULL },
		{ "in reply to nothing after all", NULL },
		{ "does not like", NULL },
	};
	char buf[1024];
	size_t i, n;
	bk_message *msg;
	bk_record *r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = decode_dsn1(t[i].diag, buf, sizeof(buf),
		    "dns; mx.example.org",
		    "Status: 5.0.0\nDiagnostic-Code: smtp; %s\n", t[i].diag,
		    &msg, &n);
		BKT_EQ_INT(t[i].diag, (int)n, 1);
		if (n == 1 && t[i].want != NULL)
			BKT_EQ_STR(t[i].diag, r[0].command.ptr,
			    r[0].command.len, t[i].want);
		else if (n == 1 && r[0].command.ptr != NULL)
			BKT_FAIL("[%s] command %.*s, want none", t[i].diag,
			    (int)r[0].command.len, r[0].command.ptr);
		bk_message_free(msg);
	}
}

/*
 * test_decode__challenge - the answers of challenge-response filters are
 * auto-replies from the "challenge" reader, for the protected mailbox,
 * each filter known by what it always writes; mail that merely carries
 * one of those marks is not taken for a challenge.
 */
static void
test_decode__challenge(void)
{
	static const struct {
		const char *name, *msg, *decoder, *recipient;
		bk_kind kind;
	} t[] = {
		{ "boxtrapper",
		  "From: Ann <ann@example.net>\nTo: news@example.com\n"
		  "Subject: Your email requires verification verify#x1\n"
		  "X-Boxtrapper: abc\nPrecedence: auto_reply\n\n"
		  "Reply to this message to be verified.\n",
		  "challenge", "ann@example.net", BK_KIND_AUTOREPLY },
		{ "bluebottle, the address field first",
		  "From: Someone <other@example.net>\nTo: a@example.com\n"
		  "Subject: RE: hello\nX-Bluebottle-Request: <9>\n"
		  "X-Bluebottle-Address: <bob@example.net>\n\n"
		  "Open the link to be let through.\n",
		  "challenge", "bob@example.net", BK_KIND_AUTOREPLY },
		{ "ask",
		  "From: carol@example.net\nTo: a@example.com\n"
		  "Subject: Re: hello\nX-AskVersion: 2.5.3\n\n"
		  "Reply to confirm.\n",
		  "challenge", "carol@example.net", BK_KIND_AUTOREPLY },
		{ "tmda confirmation, the mailbox from the copy",
		  "From: dave-confirm-1.abc@example.org\nTo: a@example.com\n"
		  "Subject: Please confirm your message\n"
		  "X-Delivery-Agent: TMDA/1.1.12 (Macallan)\n"
		  "MIME-Version: 1.0\n"
		  "Content-Type: multipart/mixed; boundary=\"T\"\n\n--T\n"
		  "Content-Type: text/plain\n\n"
		  "Your message attached below is being held because the "
		  "address <a@example.com> has not been verified.\n--T\n"
		  "Content-Type: message/rfc822\n\n"
		  "From: a@example.com\nTo: Dave <dave@example.org>\n"
		  "Subject: hello\n\nhi\n--T--\n",
		  "challenge", "dave@example.org", BK_KIND_AUTOREPLY },
		{ "earthlink spamblocker",
		  "Return-Path: <spamblocker-challenge@bounce.earthlink.net>\n"
		  "From: eve@example.net\nTo: a@example.com\n"
		  "Subject: Re: hello\n\n"
		  "I allow mail only from senders I approved.\n",
		  "challenge", "eve@example.net", BK_KIND_AUTOREPLY },
		{ "boxbe, the mailbox in Reply-To",
		  "From: noreply@boxbe.com\nReply-To: fay@example.org\n"
		  "To: a@example.com\nSubject: Re: hello\n\n"
		  "Please add yourself to my Boxbe Guest List.\n",
		  "challenge", "fay@example.org", BK_KIND_AUTOREPLY },
		/* BoxTrapper's blacklist refuses for good: a bounce */
		{ "boxtrapper blacklist",
		  "From: Ann <ann@example.net>\nTo: news@example.com\n"
		  "Subject: Re: hello\nX-Boxtrapper: abc\n\n"
		  "The user ann@example.net does not accept mail from your "
		  "address.\n",
		  "challenge", "ann@example.net", BK_KIND_BOUNCE },
		/* TMDA signs every message of its user: a reply is no
		 * challenge */
		{ "tmda user's own mail",
		  "From: Gil <gil@example.org>\nTo: list@example.com\n"
		  "Subject: Re: kernel oops\n"
		  "X-Delivery-Agent: TMDA/1.0.3 (Seattle Slew)\n\n"
		  "It happens here too.\n",
		  "none", NULL, BK_KIND_UNKNOWN },
		/* a failure report from a host at boxbe.com is a bounce */
		{ "boxbe host's bounce",
		  "From: MAILER-DAEMON@boxbe.com\nTo: a@example.com\n"
		  "Subject: Undelivered Mail Returned to Sender\n"
		  "MIME-Version: 1.0\nContent-Type: multipart/report; "
		  "report-type=delivery-status; boundary=\"B\"\n\n"
		  "--B\nContent-Type: text/plain\n\nfailed\n"
		  "--B\nContent-Type: message/delivery-status\n\n"
		  "Reporting-MTA: dns; boxbe.com\n\n"
		  "Final-Recipient: rfc822; gone@example.net\n"
		  "Action: failed\nStatus: 5.1.1\n--B--\n",
		  "rfc3464", "gone@example.net", BK_KIND_BOUNCE },
	};
	size_t i, n;
	bk_message *msg;
	bk_record *r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = decode_n(t[i].name, t[i].msg, &msg, &n);
		BKT_EQ_INT(t[i].name, (int)n, 1);
		if (n == 1) {
			BKT_EQ_INT(t[i].name, (int)r[0].kind, (int)t[i].kind);
			BKT_EQ_STR(t[i].name, r[0].decoder,
			    strlen(r[0].decoder), t[i].decoder);
			if (t[i].recipient != NULL)
				BKT_EQ_STR(t[i].name, r[0].recipient.ptr,
				    r[0].recipient.len, t[i].recipient);
		}
		bk_message_free(msg);
	}
}

BK_TEST_MAIN(
	BKT(test_decode__named_formats),
	BKT(test_decode__second_look),
	BKT(test_decode__families),
	BKT(test_decode__field),
	BKT(test_decode__own),
	BKT(test_decode__notice),
	BKT(test_decode__line_endings),
	BKT(test_decode__original),
	BKT(test_decode__unknown),
	BKT(test_decode__arf_many),
	BKT(test_decode__own_heading),
	BKT(test_decode__v5sendmail),
	BKT(test_decode__postfix_session),
	BKT(test_decode__arf_undisclosed),
	BKT(test_decode__text_shapes),
	BKT(test_decode__office365_claim),
	BKT(test_decode__stated_hints),
	BKT(test_decode__courier_indented),
	BKT(test_decode__mta_names),
	BKT(test_decode__mdn),
	BKT(test_decode__xfailed_block),
	BKT(test_decode__other_reply),
	BKT(test_decode__acknowledgement),
	BKT(test_decode__command),
	BKT(test_decode__challenge)
)
