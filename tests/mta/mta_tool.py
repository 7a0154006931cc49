#!/usr/bin/env python3
"""mta_tool.py - the Python half of the real-MTA tests (mta_lib.sh).

  mta_tool.py submit PORT NAME...
      one message a scenario to 127.0.0.1:PORT over SMTP, from
      s-NAME@bounces.example to x@NAME.example (Message-ID <NAME@lab.test>);
      the scenario "ok" asks for a DSN (RET=HDRS, ENVID, NOTIFY=SUCCESS,
      ORCPT=rfc822;orig@ok.example); the scenario "multi" is one message
      to x@multi.example and y@multi.example.
  mta_tool.py check TEST DIR < WANT.json
      WANT maps each scenario to [recipient, [facts, ...]]: the records of
      DIR/NAME.jsonl must be those, one record to each facts object (every
      key given must match; "recipient" in facts names another than the
      scenario's), in any order.  Prints one line a record and
      exits 1 on any difference.
"""
import json
import os
import smtplib
import sys


def submit(port, names):
    for name in names:
        rcpts = ["x@%s.example" % name]
        if name == "multi":
            rcpts.append("y@multi.example")
        sender = "s-%s@bounces.example" % name
        msg = ("From: <%s>\r\nTo: %s\r\nSubject: %s\r\n"
               "Message-ID: <%s@lab.test>\r\n\r\nscenario %s\r\n" % (
                   sender, ", ".join("<%s>" % r for r in rcpts), name,
                   name, name))
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
            s.ehlo("client.lab.test")
            opts = {}
            if name == "ok":
                if not s.has_extn("dsn"):
                    sys.exit("no DSN extension")
                opts = dict(mail_options=["RET=HDRS", "ENVID=bk-dsn-1"],
                            rcpt_options=["NOTIFY=SUCCESS,FAILURE",
                                          "ORCPT=rfc822;orig@ok.example"])
            s.sendmail(sender, rcpts, msg, **opts)


SHOWN = ("kind", "recipient", "action", "status", "reply_code", "command",
         "reason", "hard", "original_recipient", "diagnostic")


def check(test, out, want):
    bad = 0
    for name, (rcpt, wants) in sorted(want.items()):
        with open(os.path.join(out, name + ".jsonl")) as f:
            recs = [json.loads(l) for l in f if l.strip()]
        left = list(wants)
        for r in recs:
            hit = [w for w in left
                   if r.get("recipient") == w.get("recipient", rcpt) and
                   all(r.get(k) == v for k, v in w.items())]
            if hit:
                left.remove(hit[0])
                print("%s: %s: ok (%s, %s, %s, %s)" % (test, name,
                      r.get("kind"), r.get("recipient"), r.get("reason"),
                      r.get("diagnostic")))
            else:
                print("%s: %s: unexpected record: %s" % (test, name,
                      {k: r.get(k) for k in SHOWN}))
                bad += 1
        for w in left:
            print("%s: %s: no record %s %s" % (test, name, rcpt, w))
            bad += 1
    return 1 if bad else 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "submit":
        submit(int(sys.argv[2]), sys.argv[3:])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3], json.load(sys.stdin))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
