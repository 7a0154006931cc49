#!/usr/bin/env python3
"""mta_tool.py - the Python half of the real-MTA tests (mta_lib.sh).

  mta_tool.py submit PORT NAME...
      one message a scenario to 127.0.0.1:PORT over SMTP, from
      s-NAME@bounces.example to x@NAME.example (Message-ID <NAME@lab.test>);
      the scenario "ok" asks for a DSN (RET=HDRS, ENVID, NOTIFY=SUCCESS,
      ORCPT=rfc822;orig@ok.example); the scenario "multi" is one message
      to x@multi.example and y@multi.example.
  mta_tool.py pipe PROGRAM NAME...
      the same messages handed to a sendmail-style PROGRAM instead (the
      way a local program submits mail): PROGRAM -f SENDER RECIPIENT...
      with the message on its standard input; it must exit 0.
  mta_tool.py check TEST DIR < WANT.json
      WANT maps each scenario to [recipient, [facts, ...]]: the records of
      DIR/NAME.jsonl must be those, one record to each facts object (every
      key given must match; "recipient" in facts names another than the
      scenario's), in any order.  A scenario mapped to "sink" instead
      wants one bounce record a recipient with what the sink's reply to
      it says (SINK below, the replies of mta_lib.sh's mta_sink);
      ["sink", {facts}] adds those facts to each of them.
      Prints one line a record and exits 1 on any difference.
"""
import json
import os
import smtplib
import subprocess
import sys


def scenario(name):
    """(sender, recipients, message) of scenario @name"""
    rcpts = ["x@%s.example" % name]
    if name == "multi":
        rcpts.append("y@multi.example")
    sender = "s-%s@bounces.example" % name
    msg = ("From: <%s>\r\nTo: %s\r\nSubject: %s\r\n"
           "Message-ID: <%s@lab.test>\r\n\r\nscenario %s\r\n" % (
               sender, ", ".join("<%s>" % r for r in rcpts), name,
               name, name))
    return sender, rcpts, msg


def pipe(prog, names):
    for name in names:
        sender, rcpts, msg = scenario(name)
        p = subprocess.run([prog, "-f", sender] + rcpts,
                           input=msg.replace("\r\n", "\n").encode(),
                           timeout=60)
        if p.returncode != 0:
            sys.exit("%s exited %d for %s" % (prog, p.returncode, name))


def submit(port, names):
    for name in names:
        sender, rcpts, msg = scenario(name)
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


# what the sink's reply to each recipient says, whatever MTA relays it
SINK = {
    "reject": [("x@reject.example", dict(status="5.1.1", reply_code=550,
                                         reason="userunknown", hard=True))],
    "blocked": [("x@blocked.example", dict(
        status="5.7.1", reply_code=554, reason="blocked", hard=False,
        blocklist="spamhaus-zen", responsible="sender"))],
    "full": [("x@full.example", dict(status="5.2.2", reply_code=552,
                                     reason="mailboxfull", hard=False))],
    "multi": [("x@multi.example", dict(status="5.1.1", reply_code=550,
                                       reason="userunknown", hard=True)),
              ("y@multi.example", dict(status="5.2.2", reply_code=552,
                                       reason="mailboxfull", hard=False))],
}


def wanted(name, want):
    """(recipient, [facts, ...]) of scenario @name from its WANT entry"""
    extra = {}
    if isinstance(want, list) and want and want[0] == "sink":
        extra = want[1] if len(want) > 1 else {}
        want = "sink"
    if want != "sink":
        return want
    return SINK[name][0][0], [dict(f, kind="bounce", recipient=a, **extra)
                              for a, f in SINK[name]]


SHOWN = ("kind", "recipient", "action", "status", "reply_code", "command",
         "reason", "hard", "original_recipient", "diagnostic")


def check(test, out, want):
    bad = 0
    for name, w in sorted(want.items()):
        rcpt, wants = wanted(name, w)
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
    if len(sys.argv) >= 3 and sys.argv[1] == "pipe":
        pipe(sys.argv[2], sys.argv[3:])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3], json.load(sys.stdin))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
