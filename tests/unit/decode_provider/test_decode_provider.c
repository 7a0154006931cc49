/*
 * test_decode_provider.c - the provider, gateway and less common MTA
 * readers (lib/decode/vendor_p_*.c) on small synthetic bounces, one or
 * more per family.  Every fixture is written here, in the shape of the
 * real format, with example.com/org/net/jp addresses only.
 */
#include "bouncekit/bouncekit.h"
#include "bktest.h"

struct pcase {
	const char *name;
	const char *msg;
	const char *decoder;       /* expected decoder name */
	size_t nrec;               /* expected number of records */
	const char *recipient;     /* of the first record */
	const char *status;        /* NULL: must be absent */
	int reply_code;
	const char *command;       /* NULL: not checked */
	const char *diag_has;      /* substring of diagnostic, or NULL */
	bk_reason hint;            /* reason_hint */
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

/* run_case - decode and compare the first record */
static void
run_case(const struct pcase *c)
{
	bk_message *msg = NULL;
	bk_record *r;
	size_t n = 0;

	BKT_EQ_INT(c->name, bk_message_new(&msg, c->msg, strlen(c->msg),
	    NULL), 0);
	if (msg == NULL)
		return;
	BKT_EQ_INT(c->name, bk_message_decode(msg, &r, &n), 0);
	BKT_EQ_INT(c->name, n, c->nrec);
	if (n == 0) {
		bk_message_free(msg);
		return;
	}
	BKT_EQ_STR(c->name, r[0].decoder, strlen(r[0].decoder), c->decoder);
	BKT_EQ_STR(c->name, r[0].recipient.ptr, r[0].recipient.len,
	    c->recipient);
	BKT_EQ_STR(c->name, r[0].status.ptr, r[0].status.len, c->status);
	BKT_EQ_INT(c->name, r[0].reply_code, c->reply_code);
	BKT_EQ_INT(c->name, r[0].reason_hint, c->hint);
	if (c->command != NULL)
		BKT_EQ_STR(c->name, r[0].command.ptr, r[0].command.len,
		    c->command);
	if (c->diag_has != NULL && !contains(r[0].diagnostic, c->diag_has))
		BKT_FAIL("[%s] diagnostic \"%.*s\" lacks \"%s\"", c->name,
		    (int)r[0].diagnostic.len, r[0].diagnostic.ptr ?
		    r[0].diagnostic.ptr : "", c->diag_has);
	bk_message_free(msg);
}

static const struct pcase cases[] = {
	{ "dragonfly-rcpt",
	  "From: MAILER-DAEMON <>\n"
	  "To: sender@example.jp\n"
	  "Subject: Mail delivery failed\n"
	  "Date: Tue, 11 Jun 2024 18:02:02 +0900\n"
	  "\n"
	  "This is the DragonFly Mail Agent v0.13 at mx.example.jp.\n"
	  "\n"
	  "There was an error delivering your mail to <nobody@example.com>.\n"
	  "\n"
	  "mx.example.com [192.0.2.25] did not like our RCPT TO:\n"
	  "550-5.1.1 <nobody@example.com>: Recipient address rejected:\n"
	  "550 5.1.1 User unknown in virtual mailbox table\n"
	  "\n"
	  "Message headers follow.\n"
	  "\n"
	  "Subject: hello\n"
	  "To: <nobody@example.com>\n"
	  "From: <sender@example.jp>\n",
	  "dragonfly", 1, "nobody@example.com", "5.1.1", 550, "RCPT",
	  "User unknown in virtual", BK_REASON_UNDEFINED },
	{ "dragonfly-expired",
	  "From: MAILER-DAEMON <>\n"
	  "Subject: Mail delivery failed\n"
	  "\n"
	  "This is the DragonFly Mail Agent v0.13 at mx.example.jp.\n"
	  "\n"
	  "There was an error delivering your mail to <late@example.org>.\n"
	  "\n"
	  "Could not deliver for the last 432000 seconds. Giving up.\n"
	  "\n"
	  "Message headers follow.\n",
	  "dragonfly", 1, "late@example.org", NULL, 0, NULL,
	  "Giving up", BK_REASON_EXPIRED },
	{ "googlegroups",
	  "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
	  "To: sender@example.jp\n"
	  "Subject: Delivery Status Notification (Failure)\n"
	  "Auto-Submitted: auto-replied\n"
	  "X-Failed-Recipients: somegroup@googlegroups.com\n"
	  "Content-Type: text/plain; charset=\"UTF-8\"\n"
	  "\n"
	  "Hello sender@example.jp,\n"
	  "\n"
	  "We're writing to let you know that the group you tried to "
	  "contact (somegroup) may not exist, or you may not have "
	  "permission to post messages to the group.\n"
	  "\n"
	  "If you have questions, visit https://groups.google.com/support/.\n"
	  "\n"
	  "----- Original message -----\n"
	  "\n"
	  "From: sender@example.jp\n"
	  "To: somegroup@googlegroups.com\n"
	  "Subject: hi\n",
	  "googlegroups", 1, "somegroup@googlegroups.com", NULL, 0, NULL,
	  "may not have permission", BK_REASON_REJECTED },
	{ "zoho-permanent",
	  "From: mailer-daemon@mail.zoho.com\n"
	  "To: sender@zoho.example.com\n"
	  "Subject: Undelivered Mail Returned to Sender\n"
	  "X-ZohoMail: Si CHF_MF_NL SS_10\n"
	  "\n"
	  "This message was created automatically by mail delivery "
	  "software.\n"
	  "A message that you sent could not be delivered to one or more "
	  "of its recipients. This is a permanent error.\n"
	  "\n"
	  "one@example.jp Invalid Address, ERROR_CODE :550, ERROR_CODE "
	  ":5.1.1 <one@example.jp>... User Unknown\n"
	  "two@example.jp Invalid Address, ERROR_CODE :550, ERROR_CODE "
	  ":5.2.2 <two@example.jp>... Mailbox Full\n"
	  "\n"
	  "Received:from mail.zoho.com by mx.zohomail.com\n",
	  "zoho", 2, "one@example.jp", "5.1.1", 550, NULL, "User Unknown",
	  BK_REASON_UNDEFINED },
	{ "zoho-warning",
	  "From: mailer-daemon@mail.zoho.com\n"
	  "Subject: Undelivered Mail Returned to Sender\n"
	  "X-ZohoMail: Si\n"
	  "\n"
	  "This message was created automatically by mail delivery system.\n"
	  "\n"
	  "THIS IS A WARNING MESSAGE ONLY.\n"
	  "\n"
	  "----- The following addresses had fatal errors -----\n"
	  "[Status: Error, Address: <far@example.net>, ResponseCode 421, , "
	  "Host not reachable.]\n",
	  "zoho", 1, "far@example.net", NULL, 421, NULL,
	  "Host not reachable", BK_REASON_EXPIRED },
	{ "amazonses-dsn-inner-reply",
	  "From: MAILER-DAEMON@email-bounces.amazonses.com\n"
	  "To: sender@example.jp\n"
	  "Subject: Delivery Status Notification (Failure)\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: multipart/report; report-type=delivery-status; "
	  "boundary=\"b1\"\n"
	  "\n"
	  "--b1\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "An error occurred while trying to deliver the mail.\n"
	  "\n"
	  "--b1\n"
	  "Content-Type: message/delivery-status\n"
	  "\n"
	  "Reporting-MTA: dns; a1-2.smtp-out.amazonses.com\n"
	  "\n"
	  "Final-Recipient: rfc822; full@example.com\n"
	  "Action: failed\n"
	  "Status: 5.1.0\n"
	  "Diagnostic-Code: smtp; 5.1.0 - Unknown address error 550-'5.2.2 "
	  "<full@example.com>... Mailbox Full' (delivery attempts: 0)\n"
	  "\n"
	  "--b1--\n",
	  "amazonses", 1, "full@example.com", "5.2.2", 550, NULL,
	  "Mailbox Full", BK_REASON_UNDEFINED },
	{ "amazonses-dsn-expired",
	  "From: MAILER-DAEMON@us-west-2.amazonses.com\n"
	  "X-Mailer: Amazon WorkMail\n"
	  "Subject: Delivery Status Notification (Failure)\n"
	  "Content-Type: multipart/report; report-type=delivery-status; "
	  "boundary=\"b1\"\n"
	  "\n"
	  "--b1\n"
	  "Content-Type: message/delivery-status\n"
	  "\n"
	  "Reporting-MTA: dns; a1-2.smtp-out.amazonses.com\n"
	  "\n"
	  "Final-Recipient: rfc822; slow@example.org\n"
	  "Action: failed\n"
	  "Status: 4.4.7\n"
	  "Diagnostic-Code: smtp; 554 4.4.7 Message expired: unable to "
	  "deliver in 840 minutes.<421 4.4.2 Connection timed out>\n"
	  "\n"
	  "--b1--\n",
	  "amazonworkmail", 1, "slow@example.org", "4.4.2", 421, NULL,
	  "Message expired", BK_REASON_UNDEFINED },
	{ "amazonses-sns-bounce",
	  "From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
	  "Subject: AWS Notification Message\n"
	  "Content-Type: text/plain; charset=UTF-8\n"
	  "\n"
	  "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":"
	  "\"Permanent\",\"bouncedRecipients\":[{\"emailAddress\":"
	  "\"gone@example.com\",\"action\":\"failed\",\"status\":\"5.1.1\","
	  "\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}],"
	  "\"reportingMTA\":\"dsn; a1-2.smtp-out.amazonses.com\"},"
	  "\"mail\":{\"source\":\"sender@example.jp\",\"commonHeaders\":"
	  "{\"subject\":\"hello\"}}}\n",
	  "amazonses", 1, "gone@example.com", "5.1.1", 550, NULL,
	  "user unknown", BK_REASON_UNDEFINED },
	{ "amazonses-sns-wrapped-complaint",
	  "From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
	  "Subject: AWS Notification Message\n"
	  "\n"
	  "{\n"
	  "  \"Type\" : \"Notification\",\n"
	  "  \"Message\" : \"{\\\"notificationType\\\":\\\"Complaint\\\","
	  "\\\"complaint\\\":{\\\"complainedRecipients\\\":[{"
	  "\\\"emailAddress\\\":\\\"angry@example.net\\\"}],"
	  "\\\"complaintFeedbackType\\\":\\\"abuse\\\"}}\"\n"
	  "}\n",
	  "amazonses", 1, "angry@example.net", NULL, 0, NULL, NULL,
	  BK_REASON_FEEDBACK },
	{ "exchange2003",
	  "From: System Administrator <postmaster@example.jp>\n"
	  "Subject: Undeliverable: hello\n"
	  "X-MS-Embedded-Report: \n"
	  "X-Mailer: Internet Mail Service (5.5.2653.19)\n"
	  "\n"
	  "Your message\n"
	  "\n"
	  "  To:      a@example.co.jp\n"
	  "  Subject: hello\n"
	  "\n"
	  "did not reach the following recipient(s):\n"
	  "\n"
	  "a@example.co.jp on Thu, 29 Apr 2010 00:00:00 -0000\n"
	  "    The recipient name is not recognized\n"
	  "\tThe MTS-ID of the original message is: c=jp;a= ;p=org\n"
	  ";l=SERVER0000\n"
	  "    MSEXCH:IMS:ORG:SITE:SERVER 0 (000C05A6) Unknown Recipient\n"
	  "b@example.co.jp on Thu, 29 Apr 2010 00:00:00 -0000\n"
	  "    The recipient name is not recognized\n"
	  "    MSEXCH:IMS:ORG:SITE:SERVER 0 (000C05A6) Unknown Recipient\n",
	  "exchange2003", 2, "a@example.co.jp", NULL, 0, NULL,
	  "(000C05A6) Unknown Recipient", BK_REASON_USERUNKNOWN },
	{ "imailserver-expired",
	  "From: \"Postmaster\" <postmaster@example.net>\n"
	  "Subject: Undeliverable Mail\n"
	  "X-Mailer: <SMTP32 v8.22>\n"
	  "\n"
	  "Delivery failed 20 attempts: away@example.com\n"
	  "\n"
	  "Original message follows.\n"
	  "\n"
	  "From: sender@example.net\n"
	  "To: away@example.com\n"
	  "Subject: hi\n",
	  "imailserver", 1, "away@example.com", NULL, 0, NULL,
	  "Delivery failed", BK_REASON_EXPIRED },
	{ "imailserver-response",
	  "From: \"Postmaster\" <postmaster@example.net>\n"
	  "Subject: Undeliverable Mail\n"
	  "X-Mailer: <SMTP32 v9.23>\n"
	  "\n"
	  "To: sender@example.net\n"
	  "\n"
	  "undeliverable to spammy@example.org\n"
	  "\n"
	  "Body of message generated response:\n"
	  "550-REJECTED - listed URL in message\n"
	  "550 see the list operator\n",
	  "imailserver", 1, "spammy@example.org", NULL, 550, NULL,
	  "listed URL in message see the list", BK_REASON_UNDEFINED },
	{ "x1",
	  "From: \"Mail Deliver System\" <MAILER-DAEMON@mx.example.jp>\n"
	  "Subject: Returned Mail: User unknown\n"
	  "\n"
	  "The original message was received at Thu, 29 Apr 2010\n"
	  "from sender@example.jp\n"
	  "\n"
	  "---The following addresses had delivery errors---\n"
	  "\n"
	  "who@example.co.jp [User unknown]\n",
	  "x1", 1, "who@example.co.jp", NULL, 0, NULL, "User unknown",
	  BK_REASON_UNDEFINED },
	{ "x3",
	  "From: Mail Delivery System <Mail.Delivery.System@mx.example.com>\n"
	  "Subject: Delivery status notification\n"
	  "\n"
	  "======================================================\n"
	  "  This is an automatically generated Delivery Status "
	  "Notification.\n"
	  "\n"
	  "Delivery to the following recipients failed permanently:\n"
	  "\n"
	  "   * nouser@example.com\n"
	  "\n"
	  "======================================================\n"
	  "                  Technical details:\n"
	  "\n"
	  "SMTP:RCPT host 192.0.2.8: 553 5.3.0 <nouser@example.com>... "
	  "No such user here\n"
	  "\n"
	  "======================================================\n",
	  "x3", 1, "nouser@example.com", "5.3.0", 553, "RCPT",
	  "No such user here", BK_REASON_UNDEFINED },
	{ "x6",
	  "From: mailer-daemon\n"
	  "Subject: There was an error sending your mail\n"
	  "\n"
	  "We had trouble delivering your message. Full details follow:\n"
	  "\n"
	  "1 error(s):\n"
	  "\n"
	  "SMTP Server <mx.example.org> rejected recipient "
	  "<gone@example.org> (Error following RCPT command). It responded "
	  "as follows: [550 5.1.1 User unknown]\n",
	  "x6", 1, "gone@example.org", "5.1.1", 550, "RCPT", "User unknown",
	  BK_REASON_UNDEFINED },
	{ "gmail-permanent",
	  "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
	  "Subject: Delivery Status Notification (Failure)\n"
	  "\n"
	  "This is an automatically generated Delivery Status "
	  "Notification\n"
	  "\n"
	  "Delivery to the following recipient failed permanently:\n"
	  "\n"
	  "     nobody@example.jp\n"
	  "\n"
	  "Technical details of permanent failure:\n"
	  "Google tried to deliver your message, but it was rejected by "
	  "the recipient domain. The error that the other server returned "
	  "was:\n"
	  "550 5.1.1 <nobody@example.jp>... User Unknown (state 14).\n"
	  "\n"
	  "----- Original message -----\n"
	  "\n"
	  "From: sender@example.com\n"
	  "To: nobody@example.jp\n",
	  "gmail", 1, "nobody@example.jp", "5.1.1", 550, "RCPT",
	  "User Unknown", BK_REASON_UNDEFINED },
	{ "gmail-delay-connect",
	  "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
	  "Subject: Delivery Status Notification (Delay)\n"
	  "\n"
	  "Delivery to the following recipient has been delayed:\n"
	  "\n"
	  "     slow@example.org\n"
	  "\n"
	  "Technical details of temporary failure:\n"
	  "The recipient server did not accept our requests to connect.\n"
	  "\n"
	  "----- Original message -----\n",
	  "gmail", 1, "slow@example.org", NULL, 0, NULL, "to connect",
	  BK_REASON_EXPIRED },
	{ "gmail-now-nxdomain",
	  "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
	  "Subject: Delivery Status Notification (Failure)\n"
	  "\n"
	  "** Address not found **\n"
	  "\n"
	  "Your message wasn't delivered to who@nx.example.org because "
	  "the domain nx.example.org couldn't be found.\n"
	  "\n"
	  "The response was:\n"
	  "\n"
	  "DNS Error: DNS type 'mx' lookup of nx.example.org responded "
	  "with code NXDOMAIN\n"
	  "\n",
	  "gmail", 1, "who@nx.example.org", NULL, 0, NULL, "NXDOMAIN",
	  BK_REASON_HOSTUNKNOWN },
	{ "gmail-now-blocked",
	  "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
	  "Subject: Delivery Status Notification (Failure)\n"
	  "\n"
	  "** Message blocked **\n"
	  "\n"
	  "Your message to who@example.net has been blocked. See "
	  "technical details below for more information.\n"
	  "\n"
	  "The response was:\n"
	  "\n"
	  "552 5.7.0 This message was blocked because its content "
	  "presents a potential security issue.\n",
	  "gmail", 1, "who@example.net", "5.7.0", 552, NULL,
	  "potential security issue", BK_REASON_UNDEFINED },
	{ "mdaemon-transcript",
	  "From: \"MDaemon at mx.example.org\" <MDaemon@mx.example.org>\n"
	  "Subject: Permanent Delivery Failure\n"
	  "Auto-Submitted: auto-replied\n"
	  "\n"
	  "The attached message had PERMANENT fatal delivery errors!\n"
	  "\n"
	  "--- Session Transcript ---\n"
	  " Tue 2024-01-02 10:00:00.001: *  To: who@example.net\n"
	  " Tue 2024-01-02 10:00:00.002: --> MAIL From:<s@example.com>\n"
	  " Tue 2024-01-02 10:00:00.003: <-- 250 2.1.0 Ok\n"
	  " Tue 2024-01-02 10:00:00.004: --> RCPT To:<who@example.net>\n"
	  " Tue 2024-01-02 10:00:00.005: <-- 550 5.1.1 <who@example.net>: "
	  "User unknown\n"
	  "--- End Transcript ---\n",
	  "mdaemon", 1, "who@example.net", "5.1.1", 550, "RCPT",
	  "User unknown", BK_REASON_UNDEFINED },
	{ "mdaemon-greeting",
	  "From: MDaemon@mx.example.org\n"
	  "Subject: Permanent Delivery Failure\n"
	  "\n"
	  "--- Session Transcript ---\n"
	  " Tue 2024-01-02 10:00:00.001: *  To: a@example.net\n"
	  " Tue 2024-01-02 10:00:00.001: *  To: b@example.net\n"
	  " Tue 2024-01-02 10:00:00.002: <-- 554 5.7.1 Blocked: listed\n"
	  "--- End Transcript ---\n",
	  "mdaemon", 2, "a@example.net", "5.7.1", 554, "CONN", "listed",
	  BK_REASON_UNDEFINED },
	{ "yahoo",
	  "From: MAILER-DAEMON@yahoo.com\n"
	  "Subject: Failure Notice\n"
	  "\n"
	  "Sorry, we were unable to deliver your message to the following "
	  "address.\n"
	  "\n"
	  "<full@example.jp>:\n"
	  "550: 5.2.2 <full@example.jp>... Mailbox Full\n"
	  "[RCPT_TO]\n"
	  "\n"
	  "--- Below this line is a copy of the message.\n",
	  "yahoo", 1, "full@example.jp", "5.2.2", 550, "RCPT", "Mailbox Full",
	  BK_REASON_UNDEFINED },
	{ "activehunter",
	  "From: \"MAILER-DAEMON\" <MAILER-DAEMON@example.org>\n"
	  "To: <sender@example.jp>\n"
	  "Subject: FAILURE NOTICE : hello\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: multipart/report; report-type=delivery-status;\n"
	  "  boundary=\"----=_Active!Hunter_20240101T000000+0900-0001\"\n"
	  "X-AHMAILID: 20240101T000000+0900-0001\n"
	  "\n"
	  "------=_Active!Hunter_20240101T000000+0900-0001\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "  ----- The following addresses had permanent fatal errors -----\n"
	  "\n"
	  ">>> gone@example.org <gone@example.org>\n"
	  "\n"
	  "  ----- Transcript of session follows -----\n"
	  "550 no mailbox by that name (#5.1.1 - chkusr)\n"
	  "\n"
	  "------=_Active!Hunter_20240101T000000+0900-0001--\n",
	  "activehunter", 1, "gone@example.org", "5.1.1", 550, NULL,
	  "no mailbox by that name", BK_REASON_UNDEFINED },
	{ "ezweb-transcript",
	  "From: Postmaster@ezweb.ne.jp\n"
	  "To: <sender@example.jp>\n"
	  "Subject: Mail System Error - Returned Mail\n"
	  "\n"
	  "Each of the following recipients was rejected by a remote\n"
	  "mail server.\n"
	  "\n"
	  "    Recipient: <nobody@example.jp>\n"
	  "    >>> RCPT TO:<nobody@example.jp>\n"
	  "    <<< 550 <nobody@example.jp>: User unknown\n",
	  "ezweb", 1, "nobody@example.jp", NULL, 550, "RCPT",
	  "remote mail server. <<< 550", BK_REASON_UNDEFINED },
	{ "ezweb-expired",
	  "From: Postmaster@ezweb.ne.jp\n"
	  "Subject: Mail System Error - Returned Mail\n"
	  "\n"
	  "Your message was not delivered within 0 days and 4 hours.\n"
	  "Remote host is not responding.\n"
	  "\n"
	  "The following recipients did not receive this message:\n"
	  "\n"
	  "<slow@example.jp>\n",
	  "ezweb", 1, "slow@example.jp", NULL, 0, NULL, "not responding",
	  BK_REASON_EXPIRED },
	{ "gmx",
	  "From: MAILER-DAEMON@mail.gmx.com\n"
	  "To: sender@example.com\n"
	  "Subject: Mail delivery failed: returning message to sender\n"
	  "X-UI-Out-Filterresults: unknown:0;\n"
	  "\n"
	  "A message that you sent could not be delivered to one or more of\n"
	  "its recipients. This is a permanent error. The following address\n"
	  "failed:\n"
	  "\n"
	  "\"full@example.jp\":\n"
	  "SMTP error from remote server after RCPT command:\n"
	  "host: mx.example.jp\n"
	  "5.2.2 <full@example.jp>... Mailbox Full\n"
	  "\n"
	  "--- The header of the original message is following. ---\n",
	  "gmx", 1, "full@example.jp", "5.2.2", 0, "RCPT", "Mailbox Full",
	  BK_REASON_UNDEFINED },
	{ "einsundeins",
	  "From: \"Mail Delivery System\" <mailer-daemon@kundenserver.de>\n"
	  "To: gone@example.net\n"
	  "Subject: Mail delivery failed: returning message to sender\n"
	  "\n"
	  "A message that you sent could not be delivered to one or more of\n"
	  "its recipients. This is a permanent error.\n"
	  "\n"
	  "The following address failed:\n"
	  "\n"
	  "big@example.org\n"
	  "\n"
	  "For the following reason:\n"
	  "\n"
	  "Mail size limit exceeded.\n"
	  "\n"
	  "--- The header of the original message is following. ---\n",
	  "einsundeins", 1, "big@example.org", NULL, 0, NULL,
	  "Mail size limit exceeded", BK_REASON_UNDEFINED },
	{ "interscanmss-transcript",
	  "From: \"InterScan MSS\" <postmaster@example.co.jp>\n"
	  "Subject: delivery failure\n"
	  "Content-Type: multipart/mixed;\n"
	  "  boundary=\"------------InterScan_NT_MIME_Boundary\"\n"
	  "\n"
	  "--------------InterScan_NT_MIME_Boundary\n"
	  "Content-type: text/plain\n"
	  "\n"
	  "Sent <<< RCPT TO:<nobody@example.co.jp>\n"
	  "Received >>> 550 5.1.1 <nobody@example.co.jp>... user unknown\n"
	  "\n"
	  "--------------InterScan_NT_MIME_Boundary--\n",
	  "interscanmss", 1, "nobody@example.co.jp", "5.1.1", 550, "RCPT",
	  "user unknown", BK_REASON_UNDEFINED },
	{ "interscanmss-unable",
	  "From: postmaster@example.com (\"InterScan Notification\")\n"
	  "Subject: Mail could not be delivered\n"
	  "\n"
	  "****** Message from InterScan Messaging Security Suite ******\n"
	  "\n"
	  "Reason:  Unable to deliver message to <who@example.jp> (and "
	  "other recipients in the same domain).\n",
	  "interscanmss", 1, "who@example.jp", NULL, 0, NULL,
	  "Unable to deliver message to <who@example.jp>",
	  BK_REASON_UNDEFINED },
	{ "verizon-details",
	  "From: post_master@vtext.com\n"
	  "To: sender@example.org\n"
	  "Subject: Re:hello\n"
	  "\n"
	  "Error: Invalid user address\n"
	  "\n"
	  "Error message below:\n"
	  "550 - Requested action not taken: no such user here\n"
	  "\n"
	  "Message details:\n"
	  "  Subject: hello\n"
	  "  MAIL FROM: sender@example.org\n"
	  "  RCPT TO: 5550100@vtext.com\n"
	  "  Size (in bytes): 12\n",
	  "verizon", 1, "5550100@vtext.com", NULL, 550, NULL,
	  "no such user here", BK_REASON_UNDEFINED },
	{ "apachejames",
	  "From: postmaster@example.net\n"
	  "To: sender@example.org\n"
	  "Subject: Re:hello\n"
	  "\n"
	  "Error: Invalid user address\n"
	  "\n"
	  "Error message below:\n"
	  "550 - Requested action not taken: no such user here\n"
	  "\n"
	  "Message details:\n"
	  "  MAIL FROM: sender@example.org\n"
	  "  RCPT TO: nobody@example.net\n",
	  "apachejames", 1, "nobody@example.net", NULL, 550, NULL, NULL,
	  BK_REASON_UNDEFINED },
	{ "verizon-mmsc",
	  "From: MMSC NDR Administrator <sysadmin@m01.vzwpix.com>\n"
	  "Subject: Undeliverable Message\n"
	  "\n"
	  "Message could not be delivered to mobile.\n"
	  "Error: No valid recipients for this MM\n"
	  "\n"
	  "Original Message:\n"
	  "From: sender@example.org\n"
	  "To: 5550100@vzwpix.com\n"
	  "Subject: hello\n",
	  "verizon", 1, "5550100@vzwpix.com", NULL, 0, NULL,
	  "No valid recipients", BK_REASON_UNDEFINED },
	{ "fml",
	  "From: list-admin@example.jp\n"
	  "To: sender@example.org\n"
	  "Subject: Loop Alert: Duplicated Message-ID (list ML)\n"
	  "X-MLServer: fml [fml 4.0.3 release]\n"
	  "\n"
	  "Duplicated Message-ID in <list@example.jp>.\n"
	  "\n"
	  "Original mail as follows:\n",
	  "fml", 1, "list@example.jp", NULL, 0, NULL, "Duplicated Message-ID",
	  BK_REASON_UNDEFINED },
	{ "notes",
	  "From: postmaster@example.com\n"
	  "To: sender@example.org\n"
	  "Subject: Undeliverable message\n"
	  "\n"
	  "------- Failure Reasons  --------\n"
	  "\n"
	  "User  not listed in public Name & Address Book\n"
	  "nobody@example.com\n"
	  "\n"
	  "------- Returned Message --------\n"
	  "From: sender@example.org\n"
	  "To: nobody@example.com\n",
	  "notes", 1, "nobody@example.com", NULL, 0, NULL,
	  "not listed in public Name", BK_REASON_UNDEFINED },
	{ "claim-mcafee",
	  "From: <postmaster@example.jp>\n"
	  "Subject: Delivery Status\n"
	  "X-NAI-Header: Modified by McAfee Email Gateway\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: multipart/mixed; boundary=\"b1\"\n"
	  "\n"
	  "--b1\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "Delivery failed.\n"
	  "--b1\n"
	  "Content-Type: message/delivery-status\n"
	  "\n"
	  "Original-Recipient: <nobody@example.jp>\n"
	  "Action: failed\n"
	  "Diagnostic-Code: smtp; 550 Unknown user nobody@example.jp\n"
	  "Remote-MTA: 192.0.2.1\n"
	  "--b1--\n",
	  "mcafee", 1, "nobody@example.jp", NULL, 550, NULL, "Unknown user",
	  BK_REASON_UNDEFINED },
	{ "claim-aol-joined-blocks",
	  "From: Postmaster <Postmaster@AOL.com>\n"
	  "Subject: Undeliverable: hello\n"
	  "X-AOL-IP: 192.0.2.15\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: multipart/report; report-type=delivery-status; "
	  "boundary=\"b2\"\n"
	  "\n"
	  "--b2\n"
	  "Content-Type: message/delivery-status\n"
	  "\n"
	  "Reporting-MTA: dns; mx.example.com\n"
	  "Final-Recipient: rfc822; full@example.jp\n"
	  "Action: failed\n"
	  "Status: 5.2.2\n"
	  "Diagnostic-Code: smtp; 550 5.2.2 <full@example.jp>... Mailbox Full\n"
	  "Final-Recipient: rfc822; gone@example.jp\n"
	  "Action: failed\n"
	  "Status: 5.1.1\n"
	  "Diagnostic-Code: smtp; 550 5.1.1 <gone@example.jp>... User Unknown\n"
	  "--b2--\n",
	  "aol", 2, "full@example.jp", "5.2.2", 550, NULL, "Mailbox Full",
	  BK_REASON_UNDEFINED },
	{ "claim-messagingserver-routed",
	  "From: postmaster@example.net\n"
	  "Subject: Delivery Notification: Delivery has failed\n"
	  "MIME-Version: 1.0\n"
	  "Content-type: multipart/report; report-type=delivery-status;\n"
	  "  boundary=\"Boundary_(ID_0001)\"\n"
	  "\n"
	  "--Boundary_(ID_0001)\n"
	  "Content-type: message/delivery-status\n"
	  "\n"
	  "Reporting-MTA: dns;mx.example.net\n"
	  "\n"
	  "Original-recipient: rfc822;user@example.net\n"
	  "Final-recipient: rfc822;@relay.example.net:user@store\n"
	  "Action: failed\n"
	  "Status: 5.2.0\n"
	  "Diagnostic-code: smtp;552 5.2.0 Over quota\n"
	  "--Boundary_(ID_0001)--\n",
	  "messagingserver", 1, "user@example.net", "5.2.0", 552, NULL,
	  "Over quota", BK_REASON_UNDEFINED },
	{ "not-a-provider-bounce",
	  "From: friend@example.com\n"
	  "To: me@example.org\n"
	  "Subject: lunch\n"
	  "\n"
	  "There was an error delivering your mail to <x@example.com>, "
	  "they say, but this is just a letter.\n",
	  NULL, 1, NULL, NULL, 0, NULL, NULL, BK_REASON_UNDEFINED },
};

/* test_decode_provider__table - every row of cases[] */
static void
test_decode_provider__table(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].decoder == NULL) {
			/* must not be taken by a provider reader */
			bk_message *msg = NULL;
			bk_record *r;
			size_t n = 0;

			BKT_EQ_INT(cases[i].name, bk_message_new(&msg,
			    cases[i].msg, strlen(cases[i].msg), NULL), 0);
			if (msg == NULL)
				continue;
			BKT_EQ_INT(cases[i].name, bk_message_decode(msg, &r,
			    &n), 0);
			if (n > 0 && r[0].decoder != NULL &&
			    strcmp(r[0].decoder, "text") != 0 &&
			    strcmp(r[0].decoder, "none") != 0)
				BKT_FAIL("[%s] taken by %s", cases[i].name,
				    r[0].decoder);
			bk_message_free(msg);
			continue;
		}
		run_case(&cases[i]);
	}
}

/* test_decode_provider__truncated - cut fixtures never crash or overread */
static void
test_decode_provider__truncated(void)
{
	size_t i, k, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].msg);
		for (k = 1; k < len; k += 7) {
			bk_message *msg = NULL;
			bk_record *r;
			size_t n = 0;
			char *copy = malloc(k);

			if (copy == NULL)
				return;
			memcpy(copy, cases[i].msg, k);
			if (bk_message_new(&msg, copy, k, NULL) == 0 &&
			    msg != NULL)
				BKT_EQ_INT(cases[i].name,
				    bk_message_decode(msg, &r, &n), 0);
			bk_message_free(msg);
			free(copy);
		}
	}
}

BK_TEST_MAIN(BKT(test_decode_provider__table),
    BKT(test_decode_provider__truncated))
