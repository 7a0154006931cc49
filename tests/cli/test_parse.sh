#!/bin/sh
# test_parse.sh BOUNCEKIT - the parse command over every kind of source.
#
# Sources: a file, stdin, a Maildir (cur/ new/, tmp/ skipped), a folder
# tree in sorted order, an mbox with ">From " quoting, an unreadable
# path.  Formats: JSON Lines, CSV, text; --only; exit statuses.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
samples="$here/../../samples"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

check() {   # check NAME GOT WANT
	if [ "$2" = "$3" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $1: got [$2], want [$3]"
	fi
}

field() {   # field KEY < jsonl: the values of KEY, one per line
	python3 -c 'import json,sys
for l in sys.stdin:
    v = json.loads(l).get(sys.argv[1])
    print("null" if v is None else v)' "$1"
}

# a single file
out=$("$bin" parse "$samples/postfix-user-unknown.eml")
check "file rc" $? 0
check "file recipient" "$(echo "$out" | field recipient)" "jane.doe@example.net"
check "file status" "$(echo "$out" | field status)" "5.1.1"
check "file origin" "$(echo "$out" | field origin)" "$samples/postfix-user-unknown.eml"
check "format version" "$(echo "$out" | field format_version)" "1"

# stdin, with - and with no path
out=$("$bin" parse - < "$samples/postfix-user-unknown.eml" | field recipient)
check "stdin -" "$out" "jane.doe@example.net"
out=$("$bin" parse < "$samples/exim-blocklist.eml" | field recipient)
check "stdin implicit" "$out" "bob@example.net"

# a Maildir: cur/ and new/ read in sorted order, tmp/ skipped
mkdir -p "$tmp/Maildir/cur" "$tmp/Maildir/new" "$tmp/Maildir/tmp"
cp "$samples/postfix-user-unknown.eml" "$tmp/Maildir/new/2.host"
cp "$samples/exim-blocklist.eml" "$tmp/Maildir/cur/1.host:2,S"
cp "$samples/exim-blocklist.eml" "$tmp/Maildir/tmp/3.host"
out=$("$bin" parse "$tmp/Maildir" | field recipient | tr '\n' ' ')
check "maildir" "$out" "bob@example.net jane.doe@example.net "

# an mbox of three messages with mboxrd quoting in a body
{
	echo "From MAILER-DAEMON Mon Nov 16 09:12:44 2026"
	cat "$samples/postfix-user-unknown.eml"
	echo
	echo "From MAILER-DAEMON Tue Nov 17 14:03:09 2026"
	sed 's/^The disk/>From the disk/' "$samples/exim-blocklist.eml"
	echo
	echo "From MAILER-DAEMON Tue Nov 17 14:03:10 2026"
	cat "$samples/postfix-user-unknown.eml"
} > "$tmp/box"
out=$("$bin" parse "$tmp/box" | field origin | sed 's|.*/||' | tr '\n' ' ')
check "mbox origins" "$out" "box:1 box:2 box:3 "
out=$("$bin" parse --format csv "$tmp/box" | wc -l | tr -d ' ')
check "csv rows" "$out" "4"
out=$("$bin" parse --format csv "$tmp/box" | head -1 | cut -d, -f1-3)
check "csv header" "$out" "origin,kind,recipient"

# --only filters kinds; unknown records are never dropped silently
printf 'Subject: hello\n\njust a letter\n' > "$tmp/letter.eml"
"$bin" parse "$tmp/letter.eml" > "$tmp/out"
check "undecodable rc" $? 4
check "undecodable kind" "$(field kind < "$tmp/out")" "unknown"
check "undecodable says why" "$(field error < "$tmp/out" | grep -c recognised)" "1"
out=$("$bin" parse --only bounce "$tmp/letter.eml" "$samples/exim-blocklist.eml" | field kind | tr '\n' ' ')
check "only" "$out" "bounce "
"$bin" parse --only nonsense "$tmp/letter.eml" > /dev/null 2>&1
check "bad kind rc" $? 2

# an empty file and a missing path
: > "$tmp/empty.eml"
check "empty kind" "$("$bin" parse "$tmp/empty.eml" | field kind)" "unknown"
"$bin" parse "$tmp/does-not-exist" > /dev/null 2> "$tmp/err"
check "missing rc" $? 3
check "missing message" "$(grep -c 'does-not-exist' "$tmp/err")" "1"

# text output escapes control bytes
printf 'From: MAILER-DAEMON@example.org\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; esc@example.net\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 \033[31mred\n' > "$tmp/esc.eml"
out=$("$bin" parse --format text "$tmp/esc.eml")
check "text escapes" "$(printf '%s' "$out" | grep -c "$(printf '\033')")" "0"
check "text shows escape" "$(printf '%s' "$out" | grep -c 'x1b')" "1"

# usage errors
"$bin" > /dev/null 2>&1
check "no command" $? 2
"$bin" frobnicate > /dev/null 2>&1
check "unknown command" $? 2
# the help fits an 80-column terminal, every subcommand's too
for c in "" "report" "check spf" "diagnose" "explain"; do
	# shellcheck disable=SC2086
	"$bin" $c --help > "$tmp/help" 2>&1
	check "help of '$c' within 80 columns" \
	    "$(awk 'length($0) > 80' "$tmp/help" | wc -l)" 0
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
