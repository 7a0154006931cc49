#!/bin/sh
# test_store.sh BOUNCEKIT - ingest and suppress over the samples.
#
# A hard bounce suppresses its recipient; a blocklist bounce does not and
# is counted against the sending domain and IP; a second ingest changes
# no count; suppress check's exit status; manual add/remove; CSV export
# and import (all or nothing); MTA logs (--log); MTA pipe mode exit codes
# (0 or 75 only);
# foreign files refused unchanged; PostgreSQL unreachable; the XDG default.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
samples="$here/../../samples"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
unset BOUNCEKIT_DB BOUNCEKIT_POLICY XDG_DATA_HOME
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config"
mkdir -p "$HOME"

check() {   # check NAME GOT WANT
	if [ "$2" = "$3" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $1: got [$2], want [$3]"
	fi
}

db="$tmp/s.db"
hard="$samples/postfix-user-unknown.eml"
blocked="$samples/exim-blocklist.eml"

# first ingest: one hard bounce, one blocklist bounce
"$bin" ingest --db "$db" "$hard" "$blocked" 2> "$tmp/err"
check "ingest rc" $? 0
check "summary" "$(grep -c 'ingested 2 messages, 2 records: 1 hard, 0 soft, 0 complaint, 1 sender-side' "$tmp/err")" 1

"$bin" suppress --db "$db" check jane.doe@example.net > "$tmp/out"
check "hard suppressed rc" $? 1
check "hard suppressed line" "$(cut -f1-3 "$tmp/out")" "$(printf 'jane.doe@example.net\tsuppressed\thard')"
"$bin" suppress --db "$db" check bob@example.net > "$tmp/out"
check "blocked clear rc" $? 0
check "blocked clear line" "$(cat "$tmp/out")" "$(printf 'bob@example.net\tclear')"
"$bin" suppress --db "$db" check bob@example.net Jane.Doe@Example.NET > "$tmp/out"
check "any suppressed rc" $? 1
check "each printed" "$(wc -l < "$tmp/out" | tr -d ' ')" 2

"$bin" suppress --db "$db" senders > "$tmp/senders"
check "domain counted" "$(grep -c "$(printf '^domain\texample.com\tblocked\t1\t')" "$tmp/senders")" 1
check "ip counted" "$(grep -c "$(printf '^ip\t198.51.100.9\tblocked\t1\t')" "$tmp/senders")" 1

# second ingest of the same messages: nothing counts twice
"$bin" ingest --db "$db" "$hard" "$blocked" 2> "$tmp/err"
check "re-ingest rc" $? 0
check "re-ingest duplicates" "$(grep -c '2 duplicates; 0 addresses suppressed' "$tmp/err")" 1
"$bin" suppress --db "$db" senders > "$tmp/senders2"
check "senders unchanged" "$(cmp -s "$tmp/senders" "$tmp/senders2" && echo same)" same
check "one event" "$("$bin" suppress --db "$db" history jane.doe@example.net | grep -c "$(printf '\tevent\t')")" 1
check "one change" "$("$bin" suppress --db "$db" history jane.doe@example.net | grep -c "$(printf '\tchange\tclear -> suppressed\tby ingest')")" 1

# an undecodable message is stored for review, not refused
printf 'Subject: hello\n\njust a letter\n' > "$tmp/letter.eml"
"$bin" ingest --db "$db" "$tmp/letter.eml" 2> "$tmp/err"
check "undecodable rc" $? 0
check "undecodable review" "$(grep -c '1 for review' "$tmp/err")" 1

# manual add and remove, with reasons
"$bin" suppress --db "$db" add Boss@Example.org --reason "asked by phone"
check "add rc" $? 0
"$bin" suppress --db "$db" check boss@example.org > /dev/null
check "added" $? 1
"$bin" suppress --db "$db" remove boss@example.org > /dev/null 2>&1
check "remove without reason" $? 2
"$bin" suppress --db "$db" remove boss@example.org --reason "changed mind"
check "remove rc" $? 0
"$bin" suppress --db "$db" remove boss@example.org --reason again 2> /dev/null
check "remove twice" $? 1
check "audit" "$("$bin" suppress --db "$db" history boss@example.org | cut -f3,5 | tr '\t\n' '| ')" "clear -> suppressed|asked by phone suppressed -> clear|changed mind "
"$bin" suppress --db "$db" add not-an-address --reason x 2> /dev/null
check "malformed add" $? 2
"$bin" suppress --db "$db" check "not an address" > /dev/null 2>&1
check "malformed check" $? 2

# export, and import into a new store
"$bin" suppress --db "$db" export > "$tmp/list.csv"
check "export rc" $? 0
check "export header" "$(head -1 "$tmp/list.csv")" "address,cause,reason,first_bounce,last_bounce,expires_at"
check "export row" "$(sed -n 2p "$tmp/list.csv" | cut -d, -f1-3)" "jane.doe@example.net,hard,userunknown"
"$bin" suppress --db "$tmp/new.db" import "$tmp/list.csv" 2> /dev/null
check "import rc" $? 0
check "import list" "$("$bin" suppress --db "$tmp/new.db" list | cut -f1-4)" "$("$bin" suppress --db "$db" list | cut -f1-4)"
printf 'address,reason\nok1@example.org,x\nbroken,y\n' > "$tmp/bad.csv"
"$bin" suppress --db "$tmp/new.db" import "$tmp/bad.csv" 2> "$tmp/err"
check "bad import rc" $? 4
check "bad import line" "$(grep -c 'line 3: malformed address' "$tmp/err")" 1
"$bin" suppress --db "$tmp/new.db" check ok1@example.org > /dev/null
check "bad import changed nothing" $? 0
printf 'email\nx@example.org\n' > "$tmp/cols.csv"
"$bin" suppress --db "$tmp/new.db" import "$tmp/cols.csv" 2> "$tmp/err"
check "wrong columns rc" $? 4
check "wrong columns line" "$(grep -c 'line 1: unknown column "email"' "$tmp/err")" 1

# MTA logs (--log): a PowerMTA accounting file read by its header, a
# Postfix line; each delivery outcome stored once, read twice
cat > "$tmp/acct.csv" <<'CSV'
type,timeLogged,orig,rcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat
b,2025-11-17 12:00:02-0800,s@example.com,bob@bad.example,failed,5.1.1 (bad destination mailbox address),"smtp;550 5.1.1 <bob@bad.example>: unknown, sorry",mx.bad.example (192.0.2.7),bad-mailbox
b,2025-11-17 12:00:03-0800,s@example.com,cat@full.example,failed,5.2.2 (mailbox full),,mx.full.example (192.0.2.9),quota-issues
d,2025-11-17 12:00:04-0800,s@example.com,dan@ok.example,relayed,2.0.0 (success),smtp;250 2.0.0 OK,mx.ok.example (192.0.2.8),
r,2025-11-17 12:00:05-0800,s@example.com,eve@ok.example,,,,,
CSV
printf '%s\n' 'Nov 28 06:35:12 mx postfix/smtp[1]: 4ABC: to=<fay@gone.example>, relay=mx.gone.example[192.0.2.1]:25, dsn=5.1.1, status=bounced (host mx.gone.example[192.0.2.1] said: 550 5.1.1 unknown (in reply to RCPT TO command))' > "$tmp/mail.log"
"$bin" ingest --db "$tmp/log.db" --log "$tmp/acct.csv" "$tmp/mail.log" 2> "$tmp/err"
check "ingest --log rc" $? 0
check "ingest --log lines" "$(grep -c 'read 6 log lines, 2 of no delivery outcome' "$tmp/err")" 1
check "ingest --log summary" "$(grep -c '4 records: 2 hard, 1 soft, 0 complaint, 0 sender-side, 1 delivered' "$tmp/err")" 1
"$bin" suppress --db "$tmp/log.db" check bob@bad.example fay@gone.example > /dev/null
check "ingest --log suppressed" $? 1
"$bin" suppress --db "$tmp/log.db" check cat@full.example > /dev/null
check "ingest --log soft not yet" $? 0
"$bin" ingest --db "$tmp/log.db" --log "$tmp/acct.csv" "$tmp/mail.log" 2> "$tmp/err"
check "ingest --log again" "$(grep -c '4 records: 0 hard, 0 soft, 0 complaint, 0 sender-side, 0 delivered, 0 ignored, 0 for review; 4 duplicates' "$tmp/err")" 1
"$bin" ingest --db "$tmp/log.db" --log "$tmp/none.log" "$tmp/mail.log" 2> "$tmp/err"
check "ingest --log unreadable rc" $? 3
"$bin" ingest --db "$tmp/log.db" --log --sender a@example.com --recipient b@example.com < "$tmp/mail.log" 2> /dev/null
check "ingest --log in pipe mode" $? 75

# MTA pipe mode: 0 once recorded
"$bin" ingest --db "$tmp/pipe.db" --sender "" --recipient bounces@example.org < "$hard" 2> /dev/null
check "pipe rc" $? 0
"$bin" suppress --db "$tmp/pipe.db" check jane.doe@example.net > /dev/null
check "pipe suppressed" $? 1
"$bin" ingest --db "$tmp/pipe.db" --sender "" --recipient bounces@example.org < "$tmp/letter.eml" 2> /dev/null
check "pipe undecodable rc" $? 0
# ... and 75, never a permanent code, when the store cannot be used
"$bin" ingest --db "$tmp/no/such/dir/x.db" --sender "" --recipient b@example.org < "$hard" 2> /dev/null
check "pipe unavailable rc" $? 75
"$bin" ingest --db "$tmp/pipe.db" --sender "" --recipient b@example.org --bogus < "$hard" 2> /dev/null
check "pipe bad option rc" $? 75
python3 - "$tmp/pipe.db" <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[1] + ".locked", "w").close()
time.sleep(3)
EOF
locker=$!
n=0
while [ ! -e "$tmp/pipe.db.locked" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
BOUNCEKIT_BUSY_MS=200 "$bin" ingest --db "$tmp/pipe.db" --sender "" --recipient b@example.org < "$blocked" 2> "$tmp/err"
check "pipe locked rc" $? 75
check "pipe locked says so" "$(grep -c 'locked' "$tmp/err")" 1
kill "$locker" 2> /dev/null
wait "$locker" 2> /dev/null
"$bin" ingest --db "$tmp/pipe.db" --sender "" --recipient b@example.org < "$blocked" 2> /dev/null
check "pipe after unlock rc" $? 0

# pipe mode: VERP in --recipient names the address, SRS unwrapped first
"$bin" ingest --db "$tmp/verp.db" --sender MAILER-DAEMON --recipient 'SRS0=h=tt=example.org=team-bounces+Kim=example.net@fwd.example' < "$tmp/letter.eml" 2> /dev/null
check "verp undecodable rc" $? 0
check "verp undecodable kept for kim" "$("$bin" suppress --db "$tmp/verp.db" history kim@example.net | cut -f2,3)" "$(printf 'event	review')"
"$bin" ingest --db "$tmp/verp.db" --sender MAILER-DAEMON --recipient 'bounces-lee#example.net@example.org' --verp-delimiters '-#' < "$hard" 2> /dev/null
check "verp delimiters rc" $? 0
"$bin" suppress --db "$tmp/verp.db" check lee@example.net > /dev/null
check "verp recipient suppressed" $? 1
"$bin" ingest --db "$tmp/verp.db" --sender MAILER-DAEMON --recipient 'list-return-7-ann=example.net@example.org' < "$hard" 2> /dev/null
"$bin" suppress --db "$tmp/verp.db" check ann@example.net > /dev/null
check "qmail verp suppressed" $? 1
"$bin" ingest --db "$tmp/verp.db" --recipient b@example.org --verp-delimiters + < "$hard" 2> /dev/null
check "bad delimiters pipe rc" $? 75

# a file that is not ours: refused, unchanged
printf 'my notes\n' > "$tmp/notes.txt"
cp "$tmp/notes.txt" "$tmp/notes.orig"
"$bin" ingest --db "$tmp/notes.txt" "$hard" 2> "$tmp/err"
check "not ours rc" $? 2
check "not ours says so" "$(grep -c 'not a bouncekit store' "$tmp/err")" 1
check "not ours unchanged" "$(cmp -s "$tmp/notes.txt" "$tmp/notes.orig" && echo same)" same
"$bin" ingest --db "$tmp/notes.txt" --sender "" --recipient b@example.org < "$hard" 2> /dev/null
check "not ours pipe rc" $? 75

# PostgreSQL without a server: temporary (75); a malformed URL: usage (2)
# (the backend itself is tested against a real server by tests/store/pg.sh)
"$bin" suppress --db postgresql://u@127.0.0.1:1/db check a@example.org 2> "$tmp/err"
check "postgresql down rc" $? 75
check "postgresql down says so" "$(grep -c 'cannot connect' "$tmp/err")" 1
"$bin" ingest --db postgresql://u@127.0.0.1:1/db --sender "" --recipient b@example.org < "$hard" 2> /dev/null
check "postgresql down pipe rc" $? 75
"$bin" suppress --db 'postgresql://u@[::1/db' check a@example.org 2> "$tmp/err"
check "postgresql bad url rc" $? 2

# the default location: $BOUNCEKIT_DB, else the XDG data directory
BOUNCEKIT_DB="$tmp/env.db" "$bin" ingest -q "$hard"
check "env db" "$(test -s "$tmp/env.db" && echo yes)" yes
"$bin" ingest -q "$hard"
check "home default" "$(test -s "$HOME/.local/share/bouncekit/suppress.db" && echo yes)" yes
XDG_DATA_HOME="$tmp/xdg" "$bin" ingest -q "$hard"
check "xdg default" "$(test -s "$tmp/xdg/bouncekit/suppress.db" && echo yes)" yes

# a policy file: one soft bounce is enough when soft_limit = 1
mkdir -p "$XDG_CONFIG_HOME/bouncekit"
printf 'soft_limit = 1\n' > "$XDG_CONFIG_HOME/bouncekit/policy.conf"
sed 's/5\.1\.1/4.2.2/g; s/User unknown in virtual mailbox table/Mailbox full/; s/^Action: failed/Action: failed/' "$hard" > "$tmp/full.eml"
"$bin" ingest --db "$tmp/policy.db" "$tmp/full.eml" 2> "$tmp/err"
check "policy soft" "$(grep -c '1 soft' "$tmp/err")" 1
"$bin" suppress --db "$tmp/policy.db" check jane.doe@example.net > /dev/null
check "policy soft suppresses" $? 1
printf 'soft_limit = lots\n' > "$tmp/bad.conf"
"$bin" ingest --db "$tmp/policy.db" --policy "$tmp/bad.conf" "$hard" 2> "$tmp/err"
check "bad policy rc" $? 2
check "bad policy line" "$(grep -c 'bad.conf:1:' "$tmp/err")" 1

# a terminal gets a progress bar (sized from the input) and the summary;
# script(1) gives the command one.  A folder of 640 messages: the clock
# is looked at every 64 and the line drawn at most every 0.2 s, so the
# first look always draws it.
if command -v script > /dev/null 2>&1; then
	mkdir -p "$tmp/many"
	i=0
	while [ $i -lt 640 ]; do
		sed "s/^Message-Id: <\(.*\)>/Message-Id: <$i.\1>/" "$hard" \
		    > "$tmp/many/m$i.eml"
		i=$((i + 1))
	done
	script -qec "\"$bin\" ingest --db \"$tmp/tty.db\" \"$tmp/many\"" \
	    /dev/null > "$tmp/tty.out" 2>&1
	check "tty rc" $? 0
	check "tty bar" "$(tr '\r' '\n' < "$tmp/tty.out" |
	    grep -qE '^bouncekit: \[[#.]{20}\] +[0-9]+% [0-9]+ messages' &&
	    echo shown)" shown
	check "tty summary" "$(tr '\r' '\n' < "$tmp/tty.out" |
	    grep -c 'ingested 640 messages')" 1
	# not a terminal: no progress line, only the summary
	"$bin" ingest --db "$tmp/tty2.db" "$tmp/many" 2> "$tmp/notty.err"
	check "no tty bar" "$(grep -c '\[' "$tmp/notty.err")" 0
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
