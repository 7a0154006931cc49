/*
 * fuzz_dsn.c - libFuzzer target: RFC 3464 delivery-status fields.
 *
 * The input is the body of a message/delivery-status part inside a
 * multipart/report (the path a real report takes: RFC 3464 2.2 per-
 * message fields, 2.3 per-recipient blocks), and is also read as pasted
 * plain text (bk__decode_dsn_text, the readers of notification
 * paragraphs, bk__text_blocks).  Records are classified and formatted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncekit/bouncekit.h"
#include "decode/decode_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char head[] =
    "From: MAILER-DAEMON@example.org\n"
    "To: sender@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Date: Tue, 14 Nov 2023 22:13:20 +0100\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"=fuzz=\"\n"
    "\n"
    "--=fuzz=\n"
    "Content-Type: text/plain\n"
    "\n"
    "This is the mail system.\n"
    "\n"
    "--=fuzz=\n"
    "Content-Type: message/delivery-status\n"
    "\n";
static const char tail[] =
    "\n--=fuzz=\n"
    "Content-Type: text/rfc822-headers\n"
    "\n"
    "Message-ID: <x@example.com>\n"
    "\n"
    "--=fuzz=--\n";

static bk_classifier *cls;

/* run - decode, classify and format one message */
static void
run(const char *m, size_t len)
{
	bk_message *msg;
	bk_record *recs;
	size_t n, i;
	static FILE *null;

	if (null == NULL)
		null = fopen("/dev/null", "w");
	if (bk_message_new(&msg, m, len, NULL) != 0)
		return;
	if (bk_message_decode(msg, &recs, &n) == 0) {
		for (i = 0; i < n; i++) {
			if (cls != NULL)
				(void)bk_classify(cls, &recs[i]);
			if (null != NULL)
				bk_format_record(null, BK_FORMAT_JSON,
				    &recs[i], "f");
		}
	}
	bk_message_free(msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char shell[] = "Subject: fuzz\n\n";
	size_t len = sizeof(head) - 1 + size + sizeof(tail) - 1;
	char *m;
	bk_message *msg;
	bk__dctx ctx;
	bk__tblock *blocks;
	size_t nb;

	if (cls == NULL)
		(void)bk_classifier_new(&cls, NULL, NULL);
	m = malloc(len);
	if (m == NULL)
		return 0;
	memcpy(m, head, sizeof(head) - 1);
	memcpy(m + sizeof(head) - 1, data, size);
	memcpy(m + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
	run(m, len);
	free(m);

	if (bk_message_new(&msg, shell, sizeof(shell) - 1, NULL) != 0)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.msg = msg;
	(void)bk__decode_dsn_text(&ctx, bk__str((const char *)data, size),
	    "fuzz");
	memset(&ctx, 0, sizeof(ctx));
	ctx.msg = msg;
	(void)bk__text_blocks(&ctx, bk__str((const char *)data, size),
	    &blocks, &nb);
	(void)bk__text_cut(bk__str((const char *)data, size));
	bk_message_free(msg);
	return 0;
}
