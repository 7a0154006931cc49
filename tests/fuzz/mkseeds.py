#!/usr/bin/env python3
"""mkseeds.py - (re)write tests/fuzz/seeds/<parser>/ from the project's
fixtures and a few hand-made inputs.

Sources: tests/corpus/*/*.eml and *.json (web hook events), and
samples/*.eml (messages, header blocks,
delivery-status parts, diagnostic lines), tests/dns/zones (SPF, DKIM and
DMARC records), tests/dns/messages (signed messages), tests/dns/lists.conf
and rules/*.rules (stanzas).  DNS replies are built here in wire format.
Run from anywhere; the seeds are committed, so this only needs running
when the fixtures change.  Hand-made seeds carry an "h-" prefix.
"""
import glob
import hashlib
import os
import re
import struct

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEEDS = os.path.join(TOP, "tests", "fuzz", "seeds")


def put(parser, name, data):
    d = os.path.join(SEEDS, parser)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def short(data):
    return hashlib.sha1(data).hexdigest()[:12]


def emls():
    paths = sorted(glob.glob(os.path.join(TOP, "tests/corpus/*/*.eml")))
    paths += sorted(glob.glob(os.path.join(TOP, "tests/corpus/*/*.json")))
    paths += sorted(glob.glob(os.path.join(TOP, "samples/*.eml")))
    for p in paths:
        with open(p, "rb") as f:
            yield os.path.basename(p), f.read()


def main():
    dsn_parts, headers, lines = [], [], set()
    for name, m in emls():
        put("message", name, m)
        put("report", name, m)
        if name.endswith(".json"):
            put("webhook", name, m)
        norm = m.replace(b"\r\n", b"\n")
        headers.append((name, norm.split(b"\n\n", 1)[0] + b"\n\n"))
        for mo in re.finditer(
                rb"Content-Type:\s*message/(?:global-)?delivery-status[^\n]*\n"
                rb"(?:[ \t][^\n]*\n)*(?:[^\n]+\n)*\n(.*?)\n--", norm,
                re.S | re.I):
            dsn_parts.append((name, mo.group(1)))
        for mo in re.finditer(rb"(?im)^(?:Diagnostic-Code|Status|"
                              rb"Final-Recipient|Original-Recipient|"
                              rb"Remote-MTA|Action):[^\n]*(?:\n[ \t][^\n]*)*",
                              norm):
            lines.add(mo.group(0))
        for mo in re.finditer(rb"(?m)^[^\n]*\b[245][0-9][0-9][ -][^\n]*$",
                              norm):
            if len(mo.group(0)) < 400:
                lines.add(mo.group(0))
    for name, h in headers:
        put("header", name.replace(".eml", ".hdr"), h)
    for name, d in dsn_parts:
        put("dsn", name.replace(".eml", ".ds"), d)
    # the message parser's own header-field decoding cases
    for i, s in enumerate([
        "Subject: =?UTF-8?B?w6l0w6kgZMOpbGl2csOp?= =?UTF-8?Q?_=C3=A9?=\n\n",
        "Subject: =?ISO-8859-1?Q?Andr=E9?= Pirard\n\t=?us-ascii?Q?x?=\n\n",
        "Content-Type: text/plain; charset*=utf-8''%E2%82%AC;\n"
        " name*0*=us-ascii'en'a%20b; name*1=\"c d\"; name*2=e\n\n",
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        "  boundary=\"----=_Part_0_1.2\"\n\n",
        "Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\n\n",
        "Subject: =?utf-8?q?=?=\n\n",
        "From: \"a, b\" <a@b> (comment (nested)) , c@d\n\n",
    ]):
        put("header", "h-%02d" % i, s)
    for i, s in enumerate(["Reporting-MTA: dns; mx.example.org\n\n"
                           "Final-Recipient: rfc822; a@example.net\n"
                           "Action: failed\nStatus: 5.1.1\n"
                           "Diagnostic-Code: smtp; 550 5.1.1 no such user\n",
                           # "Final-Recipient: rfc822;\n\nAction:\n" waits
                           # for the NULL + 0 fix in lib/decode (ubsan.supp)
                           "Original-Recipient: utf-8; a\\x{40}b\n"
                           "Final-Recipient: x400; /G=a/S=b/\n"
                           "Action: delayed\nStatus: 4.4.7\n"
                           "Will-Retry-Until: Mon, 1 Jan 2024 00:00:00 +0000\n"]):
        put("dsn", "h-%02d" % i, s)
    # reply lines: from the corpus, and the rules' samples
    for f in sorted(glob.glob(os.path.join(TOP, "rules/*.rules"))):
        with open(f, "rb") as fp:
            for mo in re.finditer(rb'(?m)^\s*must(?:not)?\s+"(.*)"\s*$',
                                  fp.read()):
                if len(lines) < 600:
                    lines.add(mo.group(1))
    for l in sorted(lines):
        put("reply", short(l), l)
    for i, s in enumerate(["550-5.1.1 The email account that you tried to "
                           "reach does not exist.\n550 5.1.1 https://x",
                           "421 4.7.0 [TSS04] Messages from 1.2.3.4 "
                           "temporarily deferred",
                           "5.7.1", "554 5.7.1 Service unavailable; Client "
                           "host [198.51.100.9] blocked using zen.spamhaus.org",
                           "#5.1.1", "999 9.999.999 x", "550",
                           # a PowerMTA accounting file: header and rows
                           "type,timeLogged,orig,rcpt,dsnAction,dsnStatus,"
                           "dsnDiag,dsnMta,bounceCat\n"
                           "b,2025-11-17 12:00:02-0800,s@example.com,"
                           "b@example.org,failed,5.1.1 (bad destination),"
                           "\"smtp;550 5.1.1 <b@example.org>: no, \"\"b\"\"\","
                           "mx.example.org (192.0.2.7),bad-mailbox\n"
                           "t,2025-11-17 12:00:03-0800,s@example.com,"
                           "c@example.com,delayed,4.2.2,smtp;452 4.2.2 full,"
                           "mx.example.com,quota-issues\n"
                           "#type,rcpt,dsnDiag\nrb,d@example.net,smtp;552 x\n"]):
        put("reply", "h-%02d" % i, s)
    # addresses and codes in free text
    for i, s in enumerate([
            "<bob@example.net>: host mx[1.2.3.4] said: 550 5.1.1 user "
            "unknown (in reply to RCPT TO command)",
            "rfc822; \"quoted local\"@example.com",
            "To: Bob <bob+tag@sub.example.co.uk>, \"x@y\" <z@w>",
            "bob@[192.0.2.1]", "<>", "a@b@c", "@example.com",
            "Date: Tue, 14 Nov 2023 22:13:20 +0100 (CET)",
            "Date: 31 Dec 1999 23:59:60 -1200", "5.1.1 4.2.2 550 452"]):
        put("address", "h-%02d" % i, s)
    # mbox sources
    msgs = [m for _, m in emls()]
    mb = b""
    for m in msgs[:6]:
        body = re.sub(rb"(?m)^(>*From )", rb">\1", m.replace(b"\r\n", b"\n"))
        mb += b"From MAILER-DAEMON Tue Nov 14 22:13:20 2023\n" + body + b"\n"
    put("source", "mbox-6", mb)
    put("source", "single.eml", msgs[0])
    put("source", "h-00", "From a Mon Jan  1 00:00:00 2024\n\n"
        "From b Mon Jan  1 00:00:01 2024\nX: y\n\n>From quoted\n"
        ">>From twice\n")
    put("source", "h-01", "From \nFrom \n\nFrom x 00:00\n")
    # rules: one seed per stanza of the shipped files (each loads alone
    # only when it names nothing defined elsewhere: fine for a seed)
    for f in sorted(glob.glob(os.path.join(TOP, "rules/*.rules"))):
        with open(f, "rb") as fp:
            text = fp.read()
        stanzas = re.split(rb"\n(?=[a-z])", text)
        for s in stanzas[:12]:
            if not s.startswith(b"#") and len(s) < 4000:
                put("rules", short(s), b"version 1\n\n" + s + b"\n")
    put("rules", "h-00", "version 1\n\nphrases p\n\ttext \"user unknown\"\n"
        "\tregex \"no such .* here\"\n\trule r\n")
    # SPF, DKIM, DMARC records from the test zones
    recs = {"spf": set(), "dkim": set(), "dmarc": set()}
    for z in sorted(glob.glob(os.path.join(TOP, "tests/dns/zones/*"))):
        with open(z, "rb") as fp:
            for mo in re.finditer(rb'TXT\s+((?:"[^"]*"\s*)+)', fp.read()):
                txt = b"".join(re.findall(rb'"([^"]*)"', mo.group(1)))
                if txt.lower().startswith(b"v=spf1"):
                    recs["spf"].add(txt)
                elif txt.startswith(b"v=DKIM1") or b"p=" in txt:
                    recs["dkim"].add(txt)
                elif txt.startswith(b"v=DMARC1"):
                    recs["dmarc"].add(txt)
    for r in sorted(recs["spf"]):
        put("spf", short(r), r)
    for i, s in enumerate([
            "v=spf1 a:%{ir}.%{v}._spf.%{d2} mx/24//64 exists:%{l1r+-}.x "
            "exp=explain.%{d} -all",
            "v=spf1 ip4:192.0.2.0/33 ip6:::1/129 ~all",
            "v=spf1 redirect=_spf.example.com", "v=spf1 include:%{",
            "v=spf1 ptr:example.com ?all unknown=%{s}x -all",
            "v=spf1 exists:%{i}.%{h}.%{p}.%{c}.%{r}.%{t} -all"]):
        put("spf", "h-%02d" % i, s)
    signed = []
    for p in sorted(glob.glob(os.path.join(TOP, "tests/dns/messages/*.eml"))):
        with open(p, "rb") as fp:
            signed.append(fp.read())
    keys = sorted(recs["dkim"]) or [b"v=DKIM1; k=rsa; p="]
    for i, m in enumerate(signed):
        for j, k in enumerate(keys[:3]):
            put("dkim", "m%d-k%d" % (i, j), k + b"\n--\n" + m)
    put("dkim", "h-00", "v=DKIM1; k=rsa; h=sha1:sha256; s=email; t=y:s; "
        "n=notes; p=\n--\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com;"
        " s=sel; c=relaxed/relaxed; h=from:to:subject; l=5; t=1; x=2;\n"
        " i=@example.com; bh=; b=\nFrom: a@example.com\n\nbody\n")
    for r in sorted(recs["dmarc"]):
        put("dmarc", short(r), r)
    for i, s in enumerate([
            "v=DMARC1; p=quarantine; sp=none; pct=50; adkim=s; aspf=r; "
            "rua=mailto:a@b.example!10m,mailto:c@d; ruf=mailto:e@f; fo=1:d:s;"
            " rf=afrf; ri=3600", "v=DMARC1;p=", "p=reject; v=DMARC1",
            "example.co.uk", "a.b.c.example.com.", "xn--bcher-kva.example"]):
        put("dmarc", "h-%02d" % i, s)
    # DNS replies (first byte: the type index of fuzz_dns.c)
    tindex = {1: 0, 2: 1, 5: 2, 6: 3, 12: 4, 15: 5, 16: 6, 28: 7}

    def name(n):
        out = b""
        for l in n.split(".") if n else []:
            out += bytes([len(l)]) + l.encode()
        return out + b"\0"

    def reply(qtype, answers, rcode=0, extra_an=0):
        h = struct.pack(">HHHHHH", 0x1234, 0x8180 | rcode, 1,
                        len(answers) + extra_an, 0, 0)
        q = name("example.com") + struct.pack(">HH", qtype, 1)
        body = b""
        for owner, t, rdata in answers:
            body += owner + struct.pack(">HHIH", t, 1, 300, len(rdata)) + rdata
        return bytes([tindex[qtype]]) + h + q + body
    ptr = b"\xc0\x0c"
    put("dns", "a", reply(1, [(ptr, 1, bytes([192, 0, 2, 1])),
                              (ptr, 1, bytes([192, 0, 2, 2]))]))
    put("dns", "aaaa", reply(28, [(ptr, 28, bytes(range(16)))]))
    put("dns", "mx", reply(15, [(ptr, 15, struct.pack(">H", 10) +
                                 b"\x02mx\xc0\x0c")]))
    put("dns", "txt", reply(16, [(ptr, 16, b"\x0bv=spf1 -all\x03abc")]))
    put("dns", "cname", reply(1, [(ptr, 5, b"\x03www\xc0\x0c"),
                                  (b"\x03www\xc0\x0c", 1, b"\x7f\0\0\2")]))
    put("dns", "ptr", reply(12, [(ptr, 12, b"\x04host\xc0\x0c")]))
    put("dns", "nxdomain", reply(1, [], rcode=3))
    put("dns", "fwdptr", reply(1, [(b"\xc0\x30", 1, b"\x7f\0\0\2")]))
    put("dns", "loop", reply(1, [(ptr, 5, b"\xc0\x0c")]))
    put("dns", "soa", reply(6, [(ptr, 6, b"\x02ns\xc0\x0c\x04host\xc0\x0c" +
                                 struct.pack(">IIIII", 1, 2, 3, 4, 5))]))
    # VERP / SRS
    for i, s in enumerate([
            "bounce+bob=example.net@lists.example.org",
            "SRS0=HHH=TT=example.net=bob@forwarder.example",
            "SRS1=HHH=orig.example==HHH=TT=example.net=bob@fwd.example",
            "list-return-12-bob=example.net@lists.example.org",
            "owner-list+bob==example.net@example.org",
            "bounces+bob=example.net@example.org", "+=a@b", "=@", "SRS0=@",
            "prefix-bob=example.net@x"]):
        put("verp", "h-%02d" % i, s)
    # CSV imports
    for i, s in enumerate([
            "address,cause,reason,expires_at\nbob@example.net,hard,"
            "\"550 5.1.1, no such user\",2030-01-01T00:00:00Z\n",
            "address\r\nA@Example.NET\r\n\"quoted\"\"@x\"\r\n",
            "address,cause,reason,first_bounce,last_bounce,expires_at\n"
            "a@b.example,soft,,,,1700000000\n",
            "address,extra\na@b,1\n", "address\n\"unclosed\n",
            "\xef\xbb\xbfaddress,reason\na@b,\"multi\nline\"\n"]):
        put("csv", "h-%02d" % i, s)
    # blocklist definitions
    with open(os.path.join(TOP, "tests/dns/lists.conf"), "rb") as fp:
        put("dnsbl", "lists.conf", fp.read())
    with open(os.path.join(TOP, "lib/check/check_dnsbl_data.c"), "rb") as fp:
        src = fp.read()
    text = b"".join(re.findall(rb'^"((?:[^"\\]|\\.)*)"', src, re.M))
    put("dnsbl", "builtin", text.replace(b"\\n", b"\n").replace(b'\\"', b'"'))
    put("dnsbl", "h-00", "list a a.example ip4 A\ncode a 127.0.0.2 listed x\n"
        "code * 127.0.0.0 error y\nlist b b.example domain\n# c\n")


if __name__ == "__main__":
    main()
