#!/usr/bin/env python3
"""gen.py - pathological inputs for bouncekit.

    gen.py [--scale N] OUTDIR [KIND...]

Writes OUTDIR/<kind>.eml (or .mbox) for each kind (all by default) and
prints "kind file bytes" lines.  --scale multiplies the sizes: 1 is the
modest size the ctest (tests/patho/run.sh) uses, bench/patho/run.sh uses
more.  Every input is a plausible bounce with one hostile property, so a
parser that gives up early is visible in the records.

Kinds:
  ordinary        a Postfix bounce (the baseline for bench ratios)
  deep_multipart  multiparts nested far past BK_LIMIT_MIME_DEPTH
  deep_rfc822     message/rfc822 inside message/rfc822, as deep
  many_parts      a flat multipart with more parts than BK_LIMIT_MIME_PARTS
  huge_part       a report whose text part is megabytes of lines
  many_recipients a report with more blocks than BK_LIMIT_RECIPIENTS
  long_line       the notification as one line of megabytes
  many_headers    tens of thousands of header fields
  long_header     one Subject folded over megabytes, with encoded words
  base64_bomb     a base64 text part far past BK_LIMIT_DECODED_BYTES
  qp_bomb         quoted-printable soft breaks and escapes, as large
  dash_lines      megabytes of lines starting "--" that are no boundary
  mbox_from       an mbox of many tiny messages ("From " lines)
  text_recipients a plain-text notice naming more recipients than
                  BK_LIMIT_RECIPIENTS, addressed to thousands of addresses
  verdict_lines   a Sendmail transcript of more verdict lines ("550
                  <a@b>... User unknown") than BK_LIMIT_RECIPIENTS
  cross_replies   a report of BK_LIMIT_RECIPIENTS recipients whose every
                  reply names the next recipient (each record is matched
                  against the others: linear only with a table)
"""
import base64
import os
import sys

ORDINARY = """\
Return-Path: <>
Received: from mx.example.org (mx.example.org [192.0.2.1])
\tby mail.example.com (Postfix) with ESMTP id 4ABC12
\tfor <sender@example.com>; Tue, 14 Nov 2023 22:13:20 +0100 (CET)
Date: Tue, 14 Nov 2023 22:13:20 +0100 (CET)
From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: sender@example.com
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4ABC12.1700000000/mx.example.org"
Message-Id: <20231114211320.4ABC12@mx.example.org>

This is a MIME-encapsulated message.

--4ABC12.1700000000/mx.example.org
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<bob@example.net>: host mx.example.net[203.0.113.5] said: 550 5.1.1
    <bob@example.net>: Recipient address rejected: User unknown in virtual
    mailbox table (in reply to RCPT TO command)

--4ABC12.1700000000/mx.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
X-Postfix-Queue-ID: 4ABC12
X-Postfix-Sender: rfc822; sender@example.com
Arrival-Date: Tue, 14 Nov 2023 22:13:19 +0100 (CET)

Final-Recipient: rfc822; bob@example.net
Original-Recipient: rfc822;bob@example.net
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.net
Diagnostic-Code: smtp; 550 5.1.1 <bob@example.net>: Recipient address
    rejected: User unknown in virtual mailbox table

--4ABC12.1700000000/mx.example.org
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <sender@example.com>
From: sender@example.com
To: bob@example.net
Subject: hello
Message-Id: <abc@example.com>
Date: Tue, 14 Nov 2023 22:13:18 +0100

--4ABC12.1700000000/mx.example.org--
"""

HEAD = ("Date: Tue, 14 Nov 2023 22:13:20 +0100\n"
        "From: MAILER-DAEMON@mx.example.org\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "To: sender@example.com\n")
STATUS = ("Reporting-MTA: dns; mx.example.org\n\n"
          "Final-Recipient: rfc822; bob@example.net\n"
          "Action: failed\nStatus: 5.1.1\n"
          "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n")
NOTE = ("<bob@example.net>: host mx.example.net[203.0.113.5] said: 550 "
        "5.1.1 user unknown (in reply to RCPT TO command)\n")


def report(text_body, status=STATUS, text_headers="Content-Type: text/plain"
           "\n", extra_head=""):
    return (HEAD + extra_head + "MIME-Version: 1.0\nContent-Type: "
            "multipart/report; report-type=delivery-status; boundary=\"R\"\n"
            "\n--R\n" + text_headers + "\n" + text_body + "\n--R\n"
            "Content-Type: message/delivery-status\n\n" + status +
            "\n--R--\n")


def deep_multipart(s):
    depth = 2000 * s
    out = [HEAD, "MIME-Version: 1.0\n"]
    for k in range(depth):
        out.append("Content-Type: multipart/mixed; boundary=\"d%d\"\n\n"
                   "--d%d\n" % (k, k))
    out.append("Content-Type: text/plain\n\n" + NOTE)
    for k in reversed(range(depth)):
        out.append("--d%d--\n" % k)
    return "".join(out)


def deep_rfc822(s):
    depth = 2000 * s
    return (HEAD + "MIME-Version: 1.0\n" +
            "Content-Type: message/rfc822\n\nSubject: again\n" * depth +
            "Content-Type: text/plain\n\n" + NOTE)


def many_parts(s):
    n = 6000 * s
    out = [HEAD, "MIME-Version: 1.0\nContent-Type: multipart/report; "
           "report-type=delivery-status; boundary=\"P\"\n\n"
           "--P\nContent-Type: text/plain\n\n", NOTE,
           "--P\nContent-Type: message/delivery-status\n\n", STATUS]
    for _ in range(n):
        out.append("--P\nContent-Type: text/plain\n\nx\n")
    out.append("--P--\n")
    return "".join(out)


def huge_part(s):
    line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit 12345\n"
    return report(NOTE + line * (80000 * s))


def many_recipients(s):
    n = 12000 * s
    blocks = "".join("\nFinal-Recipient: rfc822; u%d@example.net\n"
                     "Action: failed\nStatus: 5.1.1\n" % k for k in range(n))
    return report(NOTE, "Reporting-MTA: dns; mx.example.org\n" + blocks)


def long_line(s):
    return report(NOTE.rstrip("\n") + " " + "x" * (5000000 * s) + "\n")


def many_headers(s):
    n = 50000 * s
    extra = "".join("X-Header-%d: value %d\n" % (k, k) for k in range(n))
    return report(NOTE, extra_head=extra)


def long_header(s):
    words = " ".join("=?UTF-8?B?w6nDqcOp?=" for _ in range(100000 * s))
    return report(NOTE, extra_head="X-Long: " + words.replace(" ", "\n ")
                  + "\n")


def base64_bomb(s):
    raw = (NOTE * 1 + "A" * (5 * 1024 * 1024 * s)).encode()
    b = base64.encodebytes(raw).decode()
    return report(b, text_headers="Content-Type: text/plain\n"
                  "Content-Transfer-Encoding: base64\n")


def qp_bomb(s):
    body = NOTE + ("=3D=\n" * 8 + "=41=42=43" * 8 + "\n") * (200000 * s)
    return report(body, text_headers="Content-Type: text/plain\n"
                  "Content-Transfer-Encoding: quoted-printable\n")


def dash_lines(s):
    return report(NOTE + "--R-not-quite\n--\n----------\n" * (150000 * s))


def mbox_from(s):
    n = 100000 * s   # two "From " lines each
    one = ("From MAILER-DAEMON Tue Nov 14 22:13:20 2023\n"
           "Date: Tue, 14 Nov 2023 22:13:20 +0100\n"
           "From: a@example.org\nSubject: x\n\nFrom here\n\n")
    return one * n


def text_recipients(s):
    n = 3000 * s
    to = ", ".join("list%d@example.org" % k for k in range(n // 2))
    lines = "".join("<u%d@example.net>: host mx.example.net[203.0.113.5] "
                    "said: 550 5.1.1 user unknown\n\n" % k
                    for k in range(n * 4))
    return ("From: MAILER-DAEMON@mx.example.org\nTo: " + to + "\n"
            "Subject: Undelivered Mail Returned to Sender\n"
            "Date: Tue, 14 Nov 2023 22:13:20 +0100\n\n"
            "This is the mail system at host mx.example.org.\n\n" + lines)


def verdict_lines(s):
    lines = "".join("550 5.1.1 <u%d@example.net>... User unknown\n" % k
                    for k in range(12000 * s))
    return ("From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\n"
            "To: sender@example.org\n"
            "Subject: Returned mail: see transcript for details\n"
            "Date: Tue, 14 Nov 2023 22:13:20 +0100\n\n"
            "   ----- The following addresses had permanent fatal errors "
            "-----\n<u0@example.net>\n\n"
            "   ----- Transcript of session follows -----\n" + lines)


def cross_replies(s):
    n = 10000
    blocks = "".join("\nFinal-Recipient: rfc822; u%d@example.net\n"
                     "Action: failed\nStatus: 5.1.1\n"
                     "Diagnostic-Code: smtp; 550 5.1.1 <u%d@example.net>: "
                     "User unknown\n" % (k, (k + 1) % n) for k in range(n))
    return report(NOTE, "Reporting-MTA: dns; mx.example.org\n" + blocks)


def ordinary(s):
    return ORDINARY


KINDS = ["ordinary", "deep_multipart", "deep_rfc822", "many_parts",
         "huge_part", "many_recipients", "long_line", "many_headers",
         "long_header", "base64_bomb", "qp_bomb", "dash_lines", "mbox_from",
         "text_recipients", "verdict_lines", "cross_replies"]


def main(argv):
    scale = 1
    if len(argv) > 2 and argv[1] == "--scale":
        scale = int(argv[2])
        argv = argv[:1] + argv[3:]
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    out = argv[1]
    kinds = argv[2:] or KINDS
    os.makedirs(out, exist_ok=True)
    for k in kinds:
        data = globals()[k](scale).encode()
        ext = ".mbox" if k == "mbox_from" else ".eml"
        path = os.path.join(out, k + ext)
        with open(path, "wb") as f:
            f.write(data)
        print(k, path, len(data))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
