#!/bin/sh
# test_report.sh BOUNCEKIT - "report" over the project's own samples
# (tests/corpus): its totals and tables agree with what "parse" prints for
# the same messages, every format writes, the HTML page is well formed
# and self-contained, an unreadable input is counted and named (exit 3),
# a mailbox read from stdin gives the same counts as its files, and so
# do the records read back (--records) and the store's events (--db).
set -u
BK=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
pass=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
unset NO_COLOR BOUNCEKIT_RULES

# the samples alone (the folder also holds their expected outputs)
corpus=$T/emails
mkdir "$corpus"
find "$SRC/tests/corpus" -name '*.eml' -exec cp {} "$corpus/" \;
"$BK" parse "$corpus" > "$T/records.jsonl" 2> /dev/null
"$BK" report -f json "$corpus" > "$T/report.json"; rc=$?
[ $rc -eq 0 ] && ok || no "report json: exit $rc"

# the report's counts are those of the records parse prints
python3 - "$T/records.jsonl" "$T/report.json" <<'PY' || no "json report disagrees with parse"
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
rep = json.load(open(sys.argv[2]))
t = rep["totals"]
bad = []
def want(what, got, exp):
    if got != exp:
        bad.append("%s: got %r, want %r" % (what, got, exp))
want("records", t["records"], len(recs))
for k in ("bounce", "delay", "delivered", "feedback", "autoreply", "unknown"):
    want(k, t[k], sum(1 for r in recs if r["kind"] == k))
want("hard", t["hard"], sum(1 for r in recs if r["kind"] == "bounce" and r["hard"]))
fail = [r for r in recs if r["kind"] in ("bounce", "delay")]
want("sender_side", t["sender_side"], sum(1 for r in fail if r["responsible"] == "sender"))
for dim, key in (("cause", "cause"), ("provider", "provider"),
                 ("reason", "reason"), ("status", "status"),
                 ("blocklist", "blocklist")):
    exp = collections.Counter(r[key] for r in fail if r[key])
    got = {v["value"]: v["count"] for v in rep[dim]["values"]}
    want(dim, got, dict(exp))
    want(dim + " none", rep[dim]["none"], sum(1 for r in fail if not r[key]))
dom = collections.Counter(r["recipient"].rsplit("@", 1)[1] for r in fail if r["recipient"] and "@" in r["recipient"])
want("domain", {v["value"]: v["count"] for v in rep["domain"]["values"]}, dict(dom))
# values come most counted first
for dim in ("cause", "domain", "status"):
    counts = [v["count"] for v in rep[dim]["values"]]
    want(dim + " order", counts, sorted(counts, reverse=True))
if t["records"] == 0 or t["unknown"] != 0:
    bad.append("the samples should all decode")
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
[ $? -eq 0 ] && ok

# HTML: one well-formed page, no script, nothing fetched from elsewhere
"$BK" report -f html -o "$T/report.html" "$corpus"; rc=$?
[ $rc -eq 0 ] && ok || no "report html: exit $rc"
python3 - "$T/report.html" <<'PY' && ok || no "html report is not a well-formed self-contained page"
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "rect"}
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.bad, self.tags = [], [], set()
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k == "src" or (k == "href" and not v.startswith(("https://", "http://"))):
                self.bad.append("%s %s=%s" % (tag, k, v))
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.bad.append("unbalanced </%s>" % tag)
        else:
            self.stack.pop()
p = P()
text = open(sys.argv[1], encoding="utf-8").read()
p.feed(text)
if p.stack: p.bad.append("unclosed %s" % p.stack)
for need in ("svg", "table", "h1"):
    if need not in p.tags: p.bad.append("no <%s>" % need)
for never in ("script", "link", "img", "iframe"):
    if never in p.tags: p.bad.append("<%s> present" % never)
if not text.startswith("<!DOCTYPE html>"): p.bad.append("no doctype")
for b in p.bad: print(b, file=sys.stderr)
sys.exit(1 if p.bad else 0)
PY

# text: fits 80 columns, names the totals
"$BK" report "$corpus" > "$T/report.txt"; rc=$?
[ $rc -eq 0 ] && ok || no "report text: exit $rc"
awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$T/report.txt" && ok || no "a text line is wider than 80 columns"
n=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['totals']['records'])" "$T/report.json")
grep -q "^bouncekit report: $n records from" "$T/report.txt" && ok || no "text headline: $(head -1 "$T/report.txt")"

# an unreadable path: named on stderr, counted, the report still written
"$BK" report -f json "$corpus" "$T/no-such-file" > "$T/r2.json" 2> "$T/err"; rc=$?
[ $rc -eq 3 ] && ok || no "unreadable input: exit $rc, want 3"
grep -q "no-such-file" "$T/err" && ok || no "unreadable input not named"
python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['totals']; sys.exit(0 if t['unreadable'] == 1 and t['records'] == $n else 1)" "$T/r2.json" && ok || no "unreadable input not counted"

# the same messages as one mbox on stdin: the same counts
for f in $(find "$corpus" -name '*.eml' | sort); do
	printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n'
	sed 's/^From />From /' "$f"
	echo
done > "$T/all.mbox"
"$BK" report -f json < "$T/all.mbox" > "$T/r3.json"; rc=$?
[ $rc -eq 0 ] && ok || no "report from stdin: exit $rc"
python3 -c "
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
for k in ('records', 'bounce', 'hard', 'sender_side'):
    if a['totals'][k] != b['totals'][k]:
        sys.exit('%s: %s vs %s' % (k, a['totals'][k], b['totals'][k]))
" "$T/report.json" "$T/r3.json" && ok || no "stdin mbox counts differ from the files'"

# a message with no report in it is counted as undecodable, not dropped
printf 'From: a@example.org\nSubject: hello\n\nJust a note.\n' > "$T/plain.eml"
"$BK" report -f json "$T/plain.eml" > "$T/r4.json"; rc=$?
python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['totals']; sys.exit(0 if t['undecodable'] == 1 and t['inputs'] == 1 else 1)" "$T/r4.json" && ok || no "plain message not counted as undecodable"

# records read back (--records) count as the messages they came from;
# the suppression store's events (--db) too
"$BK" parse "$corpus" > "$T/recs.jsonl" 2> /dev/null
"$BK" report -f json --records "$T/recs.jsonl" > "$T/r5.json"; rc=$?
[ $rc -eq 0 ] && ok || no "report --records: exit $rc"
"$BK" ingest -q --db "$T/s.db" "$corpus" 2> /dev/null
"$BK" report -f json --db "$T/s.db" > "$T/r6.json"; rc=$?
[ $rc -eq 0 ] && ok || no "report --db: exit $rc"
for r in r5 r6; do
	python3 - "$T/report.json" "$T/$r.json" <<'PY' && ok || no "$r: counts differ from the messages'"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
# inputs differ by design: a message, a record line, an event
for d in (a, b):
    d["totals"].pop("inputs"); d["totals"].pop("undecodable")
diff = [k for k in a if a[k] != b[k]]
if diff:
    sys.exit("differ in %s" % diff)
PY
done
# a line that is not a record: named with its line number, counted
head -3 "$T/recs.jsonl" > "$T/mixed.jsonl"
echo '{"kind":"bounce",' >> "$T/mixed.jsonl"
tail -1 "$T/recs.jsonl" >> "$T/mixed.jsonl"
"$BK" report -f json -J < "$T/mixed.jsonl" > "$T/r7.json" 2> "$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q '^bouncekit: -:4: not a record' "$T/err" && ok || no "bad record line: exit $rc, $(cat "$T/err")"
python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['totals']; sys.exit(0 if t['records'] == 4 and t['unreadable'] == 1 else 1)" "$T/r7.json" && ok || no "bad record line not counted"
# --since over a window wider than the samples' dates keeps every event
# (which events a narrower one keeps is tested with a fixed clock in
# tests/unit/store)
"$BK" report -f json --db "$T/s.db" --since 36500 > "$T/r8.json" && ok || no "--since"
python3 -c "import json,sys; a=json.load(open(sys.argv[1]))['totals']; b=json.load(open(sys.argv[2]))['totals']; sys.exit(0 if a['records'] == b['records'] else 1)" "$T/r6.json" "$T/r8.json" && ok || no "--since 36500 lost events"
"$BK" report --db "$T/no-such.db" > /dev/null 2>&1; rc=$?
[ $rc -ne 0 ] && [ ! -e "$T/no-such.db" ] && ok || no "report --db created or read a missing store (exit $rc)"

# MTA logs (--log): each delivery outcome counted, other lines apart
cat > "$T/mail.log" <<'LOG'
Nov 28 06:35:12 mx postfix/smtpd[19214]: connect from unknown[127.0.0.1]
Nov 28 06:35:12 mx postfix/smtp[19218]: E446F: to=<x@reject.example>, relay=mx.reject.example[192.0.2.7]:25, delay=0.08, dsn=5.1.1, status=bounced (host mx.reject.example[192.0.2.7] said: 550 5.1.1 <x@reject.example>: Recipient address rejected: User unknown (in reply to RCPT TO command))
Nov 28 06:35:12 mx postfix/smtp[19221]: E6C01: to=<y@reject.example>, relay=mx.reject.example[192.0.2.7]:25, delay=0.06, dsn=5.7.1, status=bounced (host mx.reject.example[192.0.2.7] said: 554 5.7.1 Service unavailable; Client host [198.51.100.9] blocked using zen.spamhaus.org (in reply to RCPT TO command))
Nov 28 06:35:13 mx postfix/qmgr[19170]: E446F: removed
Nov 28 06:35:14 mx sm-mta[4242]: 5ASxxA: to=<z@other.example>, delay=00:00:01, mailer=esmtp, relay=mx.other.example. [192.0.2.8], dsn=2.0.0, stat=Sent (Ok: queued as 4F0)
2026-11-28 06:35:15 1vAbCd-000123-AB == w@slow.example R=dnslookup T=remote_smtp defer (-44) H=mx.slow.example [192.0.2.9]: SMTP error from remote mail server after RCPT TO:<w@slow.example>: 451 4.7.1 Greylisted, try again later
2026-11-28 06:35:16 1vAbCd-000123-AB Completed

LOG
"$BK" report -f json --log "$T/mail.log" > "$T/r9.json"; rc=$?
[ $rc -eq 0 ] && ok || no "report --log: exit $rc"
python3 -c "
import json, sys
r = json.load(open(sys.argv[1])); t = r['totals']
got = (t['inputs'], t['quiet'], t['records'], t['bounce'], t['hard'], t['delay'], t['delivered'], t['sender_side'], t['undecodable'])
want = (7, 3, 4, 2, 1, 1, 1, 1, 0)
dom = {v['value']: v['count'] for v in r['domain']['values']}
if got != want or dom != {'reject.example': 2, 'slow.example': 1}:
    sys.exit('got %s %s' % (got, dom))
" "$T/r9.json" && ok || no "report --log counts"
"$BK" report --log < "$T/mail.log" | grep -q "log lines of no delivery (connections, queue entries): 3" && ok || no "report --log text: quiet lines not shown"

# PowerMTA accounting files: read by their header's column names, in
# "report --log" and in "classify" alike; each file its own header
cat > "$T/acct.csv" <<'CSV'
type,timeLogged,orig,rcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat
b,2025-11-17 12:00:02-0800,s@example.com,bob@bad.example,failed,5.1.1 (bad destination mailbox address),"smtp;550 5.1.1 <bob@bad.example>: unknown, sorry",mx.bad.example (192.0.2.7),bad-mailbox
t,2025-11-17 12:00:03-0800,s@example.com,cat@slow.example,delayed,4.2.2 (mailbox full),smtp;452 4.2.2 Mailbox full,mx.slow.example (192.0.2.9),quota-issues
d,2025-11-17 12:00:04-0800,s@example.com,dan@ok.example,relayed,2.0.0 (success),smtp;250 2.0.0 OK,mx.ok.example (192.0.2.8),
r,2025-11-17 12:00:05-0800,s@example.com,eve@ok.example,,,,,
CSV
printf 'b,x,y\n' > "$T/acct2.csv"
"$BK" report -f json --log "$T/acct.csv" "$T/acct2.csv" > "$T/r10.json"; rc=$?
[ $rc -eq 0 ] && ok || no "report --log acct: exit $rc"
python3 -c "
import json, sys
t = json.load(open(sys.argv[1]))['totals']
got = (t['records'], t['bounce'], t['hard'], t['delay'], t['delivered'], t['quiet'])
# acct2.csv has no header: its row is read as a reply line (a bounce)
want = (4, 2, 1, 1, 1, 2)
if got != want:
    sys.exit('got %s' % (got,))
" "$T/r10.json" && ok || no "report --log acct counts"
"$BK" classify "$T/acct.csv" > "$T/acct.jsonl"; rc=$?
[ $rc -eq 0 ] && ok || no "classify acct: exit $rc"
python3 -c "
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
got = [(x['kind'], x['decoder'], x['recipient'], x['reason']) for x in r]
want = [('unknown', 'pmta-acct', None, 'undefined'),
        ('bounce', 'pmta-acct', 'bob@bad.example', 'userunknown'),
        ('delay', 'pmta-acct', 'cat@slow.example', 'mailboxfull'),
        ('delivered', 'pmta-acct', 'dan@ok.example', 'delivered'),
        ('unknown', 'pmta-acct', None, 'undefined')]
if got != want or r[1]['diagnostic'] != '550 5.1.1 <bob@bad.example>: unknown, sorry':
    sys.exit('got %s' % (got,))
" "$T/acct.jsonl" && ok || no "classify acct records"

# --top: values per table
n3=$("$BK" report -n 3 "$corpus" | grep -c '^Status codes (top 3 of')
[ "$n3" = 1 ] && ok || no "--top 3 not applied"
"$BK" report --top 0 "$corpus" > /dev/null 2>&1; [ $? -eq 2 ] && ok || no "--top 0"

# a terminal gets a progress line on stderr while messages are read,
# taken off before the report; -q and a pipe get none.  script(1) gives
# the command a terminal; 640 messages make sure the line is drawn (the
# clock is looked at every 64).
if command -v script > /dev/null 2>&1; then
	mkdir "$T/many"
	i=0
	while [ $i -lt 640 ]; do
		cp "$SRC/samples/postfix-user-unknown.eml" "$T/many/m$i.eml"
		i=$((i + 1))
	done
	script -qec "\"$BK\" report -f json -o \"$T/tty.json\" \"$T/many\"" \
	    /dev/null > "$T/tty.out" 2>&1
	[ $? -eq 0 ] && ok || no "report on a terminal: exit"
	tr '\r' '\n' < "$T/tty.out" | grep -qE '^bouncekit: \[[#.]{20}\] +[0-9]+% [0-9]+ messages' && ok || no "no progress line on a terminal"
	python3 -c "import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))['totals']['records'] == 640 else 1)" "$T/tty.json" && ok || no "report written beside the progress line"
	script -qec "\"$BK\" report -q -f json -o \"$T/tty.json\" \"$T/many\"" \
	    /dev/null > "$T/tty.out" 2>&1
	grep -q 'messages' "$T/tty.out" && no "-q still draws" || ok
	"$BK" report -f json "$T/many" 2> "$T/err" > /dev/null
	[ -s "$T/err" ] && no "progress drawn into a pipe" || ok
fi

# usage
"$BK" report --since 7 "$corpus" > /dev/null 2>&1; [ $? -eq 2 ] && ok || no "--since without --db"
"$BK" report --db "$T/s.db" "$corpus" > /dev/null 2>&1; [ $? -eq 2 ] && ok || no "--db with paths"
"$BK" report --db "$T/s.db" --since 0 > /dev/null 2>&1; [ $? -eq 2 ] && ok || no "--since 0"
"$BK" report --log --records "$T/mail.log" > /dev/null 2>&1; [ $? -eq 2 ] && ok || no "--log with --records"
"$BK" report -f pdf "$corpus" > /dev/null 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "unknown report format 'pdf'" "$T/err" && ok || no "bad format: exit $rc"
"$BK" report -o "$T/no/such/dir/r.html" "$corpus" > /dev/null 2>&1; rc=$?
[ $rc -ne 0 ] && ok || no "unwritable output accepted"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
