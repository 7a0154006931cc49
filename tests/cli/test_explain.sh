#!/bin/sh
# test_explain.sh BOUNCEKIT - "explain" (golden text and JSON output, bad
# input) and "rules check" (valid file, line-numbered errors, failing
# samples), and the number options every subcommand checks alike.  The
# golden outputs below are the reviewed output of this
# version; a change to the knowledge files changes them on purpose.
set -u
BK=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
pass=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
golden() {	# name, file with the output; the golden text on stdin
	cat > "$T/want"
	if cmp -s "$T/want" "$2"; then ok; else
		no "$1 differs from its golden output:"
		diff -u "$T/want" "$2" >&2
	fi
}
unset NO_COLOR

# 1. a blocklist named in a bare reply line (text)
"$BK" explain --text "554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org" > "$T/out" 2>&1 || no "explain text exit $?"
golden "explain text" "$T/out" <<'EOF'
Listed on Spamhaus: refused by the receiving side -- your move (sender side)

What it means
  The receiving server looked up your sending IP address (or a domain in the
  message) in a blocklist it trusts and found it listed, so it refused the mail.
  Nothing is wrong with the recipient's address.
  The sending IP or domain is listed on the Spamhaus blocklist the receiver
  uses.

Evidence
  status 5.7.1, reply 554, reason blocked
  said "554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using
    zen.spamhaus.org"

Likely causes
  1. Listed on Spamhaus [blocklist.spamhaus], confidence 90%
     matched "Client host [203.0.113.5] blocked using"
  2. less likely: The receiver does not trust the sending IP or domain
  3. less likely: The sending account was stopped

What to check
  - Find the IP that actually connected: it is in the bounce text or in the
    Received header your own server added on the way out.
  - Look the IP up on the list the bounce names (bouncekit check ip IP), from a
    resolver of your own: public resolvers get refusals, not answers, from
    several lists.
  - Read why it was listed and search your outgoing logs for the source: a
    hijacked account, an infected host behind the same NAT, an abused web form,
    a bought list.

How to fix
  1. Stop whatever sent the unwanted mail before you ask for removal; a list
     that sees the same traffic again relists quickly.
  2. Send mail only from your mail servers: block outgoing port 25 for
     everything else.
  3. Ask the list for removal on its own site (see the blocklist below); some
     lists only let entries expire.
  4. On a dynamic or end-user address, relay through your provider's smarthost
     instead of sending directly.

Blocklist
  Spamhaus ZEN (combined IP list)
  Spamhaus' combined IP list (SBL, XBL and PBL in one query); most receivers use
  it.
  Removal: Look the IP up on the Spamhaus checker to see which part lists it,
    fix that cause, then request removal there.

Retry
  Retry only after the fix. Do not resend while listed: each attempt is refused
  the same way. After removal wait for the receiver's DNS cache (minutes to a
  day), then flush the queue.

Links
  https://check.spamhaus.org/
  https://www.rfc-editor.org/rfc/rfc6471
EOF

# 2. Gmail's "likely unsolicited" with its host (JSON)
"$BK" explain --json -H gmail-smtp-in.l.google.com --text "550-5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail." > "$T/out" 2>&1 || no "explain json exit $?"
golden "explain json" "$T/out" <<'EOF'
{"recipient":null,"kind":"bounce","outcome":"refused","reason":"spamdetected","status":"5.7.1","reply_code":550,"remote_mta":"gmail-smtp-in.l.google.com","diagnostic":"550-5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail.","error":null,"cause":{"id":"content.spam","name":"Judged as spam","about":"The receiver's filter classified the message as spam."},"category":{"id":"content-spam","name":"The content looks like spam","about":"The receiver's filter scored this message as spam (its text, links, attachments, or the way it is built) and refused it. The address may be fine."},"provider":{"id":"google-gmail","name":"Google Gmail (personal) and Google Workspace","kind":"mailbox","code":"5.7.1","links":["https://postmaster.google.com/","https://support.google.com/a/answer/3726730","https://support.google.com/mail/answer/81126","https://support.google.com/a/answer/14229414"]},"provider_code":"5.7.1","blocklist":null,"responsible":"sender","whose_move":"your move (sender side)","retry":"after-fix","retry_after":null,"retry_text":"Retry only after the fix.","retry_advice":"Resending the same content fails again; change the message first.","likely_causes":[{"rank":1,"id":"content.spam","name":"Judged as spam","confidence":90,"evidence":"likely unsolicited mail","rule":"google.spam"}],"checks":["Look at what the message links to: a domain on a URI blocklist or a URL shortener can block the whole message.","Send the same message to a test mailbox you control and read the spam-filter headers.","Compare with messages that were delivered: what is different?"],"fixes":["Remove or replace links to listed or shortened domains; link to your own domain.","Send a plain, honest message with a text part; avoid attachments the recipient did not expect.","Authenticate the mail (SPF, DKIM, DMARC): filters trust authenticated mail more."],"links":[]}
EOF

# 3. a whole bounce message
"$BK" explain "$SRC/samples/postfix-user-unknown.eml" > "$T/out" 2>&1 || no "explain file exit $?"
golden "explain file" "$T/out" <<'EOF'
Unknown recipient: jane.doe@example.net refused by mx.example.net -- the
  recipient's side

What it means
  The receiving server says this mailbox does not exist (or the address is
  malformed). The address itself is bad.
  The receiving server has no mailbox for this address.

Evidence
  status 5.1.1, reply 550, reason userunknown
  remote server mx.example.net
  said "550 5.1.1 <jane.doe@example.net>: Recipient address rejected: User
    unknown in virtual mailbox table"

Likely causes
  1. Unknown recipient [user.unknown], confidence 60%
  2. less likely: The mailbox is disabled or inactive

What to check
  - Check the address for typos, especially in the domain.
  - Check when it last received mail from you: old addresses get removed.

How to fix
  1. Remove the address from your lists (suppress it).
  2. Ask the person for a current address through another channel.

Retry
  Do not retry. Never retry: a nonexistent address stays nonexistent, and
  repeated attempts hurt your reputation.
EOF

# 3b. the same bounce at 40 columns: every line wrapped, the host cut
"$BK" explain -w 40 "$SRC/samples/postfix-user-unknown.eml" > "$T/out" 2>&1 || no "explain -w 40 exit $?"
golden "explain -w 40" "$T/out" <<'EOF'
Unknown recipient: jane.doe@example.net
  refused by mx.example.net -- the
  recipient's side

What it means
  The receiving server says this mailbox
  does not exist (or the address is
  malformed). The address itself is bad.
  The receiving server has no mailbox
  for this address.

Evidence
  status 5.1.1, reply 550, reason
    userunknown
  remote server mx.example.net
  said "550 5.1.1
    <jane.doe@example.net>: Recipient
    address rejected: User unknown in
    virtual mailbox table"

Likely causes
  1. Unknown recipient [user.unknown],
     confidence 60%
  2. less likely: The mailbox is
     disabled or inactive

What to check
  - Check the address for typos,
    especially in the domain.
  - Check when it last received mail
    from you: old addresses get removed.

How to fix
  1. Remove the address from your lists
     (suppress it).
  2. Ask the person for a current
     address through another channel.

Retry
  Do not retry. Never retry: a
  nonexistent address stays nonexistent,
  and repeated attempts hurt your
  reputation.
EOF

# 3c. no line wider than the width, over every bounce the tests keep
# (samples, the corpus, the DNS tests' bounces, the message fuzz seeds):
# display columns per code point, East Asian wide and fullwidth ones 2
if command -v python3 > /dev/null 2>&1; then
	find "$SRC/samples" "$SRC/tests/corpus" "$SRC/tests/dns/bounces" \
	    "$SRC/tests/fuzz/seeds/message" -type f \
	    \( -name '*.eml' -o -path '*/seeds/message/*' \) | sort > "$T/files"
	for w in 40 80 120; do
		mkdir "$T/w$w"
		i=0
		while IFS= read -r f; do
			i=$((i + 1))
			printf '%s\n' "$f" > "$T/w$w/$i.name"
			"$BK" explain -w "$w" "$f" > "$T/w$w/$i.out" 2>/dev/null
		done < "$T/files"
		python3 -c '
import glob, sys, unicodedata
w = int(sys.argv[1])
for out in sorted(glob.glob(sys.argv[2] + "/*.out")):
    name = open(out[:-4] + ".name").read().strip()
    text = open(out, encoding="utf-8", errors="replace").read()
    for n, line in enumerate(text.split("\n"), 1):
        c = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1
            for ch in line)
        if c > w:
            print("%s: line %d: %d columns" % (name, n, c))
' "$w" "$T/w$w" > "$T/wide" 2>&1
		if [ -s "$T/wide" ]; then
			no "explain -w $w: lines wider than $w:"; cat "$T/wide" >&2
		else ok; fi
	done
	[ "$(wc -l < "$T/files")" -ge 40 ] && ok || no "too few bounces for the width test"
else
	echo "SKIP: width test (no python3)"
fi

# 4. bad input: escapes never reach the output, nothing crashes
esc=$(printf '550 5.1.1 \033[2J\033]0;owned\007 user \377\376 unknown\001')
"$BK" explain --text "$esc" > "$T/out" 2>&1 || no "escape text exit $?"
if LC_ALL=C grep -q "$(printf '\033')" "$T/out"; then no "ESC reached the output"; else ok; fi
grep -q 'x1b\[2J' "$T/out" && ok || no "escape not shown as \\x1b"
"$BK" explain --json --text "$esc" > "$T/out" 2>&1 || no "escape json exit $?"
if LC_ALL=C grep -q "$(printf '\033')" "$T/out"; then no "ESC in JSON"; else ok; fi
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" 2>/dev/null && ok || no "JSON does not parse"
"$BK" explain --text "" > /dev/null 2>&1; [ $? -eq 2 ] && ok || no "empty text is not a usage error"
head -c 1048576 /dev/zero | tr '\0' 'a' | sed 's/^/550 5.1.1 /' > "$T/big"
"$BK" explain --text "$(head -c 100000 "$T/big")" > "$T/out" 2>&1 && ok || no "long text"
head -c 65536 /dev/urandom > "$T/bin"
"$BK" explain "$T/bin" > "$T/out" 2>&1; rc=$?
[ $rc -eq 0 ] || [ $rc -eq 4 ] && ok || no "binary file exit $rc"
if LC_ALL=C grep -q "$(printf '\033')" "$T/out"; then no "ESC from a binary file"; else ok; fi
printf '\n\n\n' | "$BK" explain - > "$T/out" 2>&1; rc=$?
[ $rc -eq 0 ] || [ $rc -eq 4 ] && ok || no "empty lines exit $rc"
NO_COLOR=1 "$BK" explain --text "550 5.1.1 user unknown" > "$T/out" 2>&1
if LC_ALL=C grep -q "$(printf '\033')" "$T/out"; then no "colour with NO_COLOR"; else ok; fi

# 5. rules check
cat > "$T/good.rules" <<'EOF'
version 1
define cause my.greylist
	name "Greylisted by our partner"
	about "The partner's gateway defers first attempts."
	category greylisting
	responsible unknown
	retry later
	retry-after 600
rule my.greylist
	reason blocked
	priority 960
	text "greylisted, please try again"
	cause my.greylist
	must "451 4.7.1 greylisted, please try again in 300 seconds"
	mustnot "550 5.7.1 rejected"
EOF
"$BK" rules check "$T/good.rules" > "$T/out" 2>&1 && ok || { no "valid file rejected"; cat "$T/out" >&2; }
printf 'version 1\nrule x\n\treason blocked\n\tpriority 10\n\tfoo bar\n' > "$T/bad.rules"
"$BK" rules check "$T/bad.rules" > "$T/out" 2>&1; rc=$?
[ $rc -eq 1 ] && ok || no "invalid file exit $rc"
grep -q 'bad.rules:5: unknown key' "$T/out" && ok || { no "no line number"; cat "$T/out" >&2; }
printf 'version 1\ndefine cause c.x\n\tname "x"\n\tabout "y"\n\tcategory no-such\n' > "$T/ref.rules"
"$BK" rules check "$T/ref.rules" > "$T/out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "ref.rules:2: cause 'c.x': category 'no-such'" "$T/out" && ok || { no "undefined category: $rc"; cat "$T/out" >&2; }
sed 's/greylisted, please try again in/nothing to see in/' "$T/good.rules" > "$T/sample.rules"
"$BK" rules check "$T/sample.rules" > "$T/out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q 'sample.rules:14:' "$T/out" && ok || { no "failing sample: $rc"; cat "$T/out" >&2; }
"$BK" rules check > /dev/null 2>&1; [ $? -eq 2 ] && ok || no "usage"
BOUNCEKIT_RULES="$T/good.rules" "$BK" explain --json --text "451 4.7.1 greylisted, please try again in 300 seconds" | grep -q '"cause":{"id":"my.greylist"' && ok || no "user knowledge via BOUNCEKIT_RULES"
BOUNCEKIT_RULES= "$BK" explain --json --text "451 4.7.1 greylisted, please try again in 300 seconds" | grep -q '"cause":{"id":"greylist.deferred"' && ok || no "an empty BOUNCEKIT_RULES is not unset"

# a log line of no delivery: explained as not decoded, with the reason
"$BK" explain --text "Nov 28 06:35:12 mx postfix/smtpd[19214]: connect from unknown[127.0.0.1]" > "$T/out" 2>&1
grep -q "Not decoded: an MTA log line without a delivery outcome" "$T/out" && ok || { no "log line of no delivery"; cat "$T/out" >&2; }
"$BK" explain --json --text "Nov 28 06:35:12 mx postfix/smtpd[19214]: connect from unknown[127.0.0.1]" | grep -q '"kind":"unknown".*"error":"an MTA log line without a delivery outcome' && ok || no "log line of no delivery (json)"

# number options, one range rule for every subcommand: below, at and over
# the bounds, and what is not a number
range() {	# expected exit, expected message or "", command...
	want=$1 msg=$2
	shift 2
	"$@" > /dev/null 2> "$T/err" < /dev/null
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		no "$*: exit $rc, want $want"
	elif [ -n "$msg" ] && ! grep -qx "bouncekit: $msg" "$T/err"; then
		no "$*: said '$(head -1 "$T/err")', want '$msg'"
	else
		ok
	fi
}
w="-w wants 40..1000"
range 2 "$w" "$BK" explain -w 39 --text "550 5.1.1 unknown"
range 0 "" "$BK" explain -w 40 --text "550 5.1.1 unknown"
range 0 "" "$BK" explain -w 1000 --text "550 5.1.1 unknown"
range 2 "$w" "$BK" explain -w 1001 --text "550 5.1.1 unknown"
range 2 "$w" "$BK" explain -w 80x --text "550 5.1.1 unknown"
range 2 "$w" "$BK" explain -w "" --text "550 5.1.1 unknown"
range 2 "$w" "$BK" explain -w 99999999999999999999 --text "550 5.1.1 unknown"
range 2 "$w" "$BK" diagnose -w 39 -
t="--timeout wants 1..60000 ms"
range 2 "$t" "$BK" check ip -t 0 192.0.2.1
range 2 "$t" "$BK" check ip -t 60001 192.0.2.1
range 2 "$t" "$BK" check ip -t -1 192.0.2.1
range 2 "$t" "$BK" diagnose -t 0 -
range 2 "--dmarc-rules wants 9989 or 7489" "$BK" check domain --dmarc-rules 1234 example.org
range 2 "--dmarc-rules wants 9989 or 7489" "$BK" diagnose --dmarc-rules x -
range 2 "--expires wants 1..36500 days" "$BK" suppress --db "$T/s.db" add -e 0 a@example.org
range 2 "--expires wants 1..36500 days" "$BK" suppress --db "$T/s.db" add -e 36501 a@example.org

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
