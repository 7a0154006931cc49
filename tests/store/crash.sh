#!/bin/sh
# crash.sh BOUNCEKIT - kill -9 during a large SQLite ingest, then again.
#
# 30,000 distinct bounces are ingested once without interruption (the
# reference store), and once killed with SIGKILL after some batches were
# committed, then run again to the end.  The second store must equal the
# reference: every event once (none lost, none counted twice), the same
# suppressions and the same sender-side counters; and the rerun must
# report exactly the committed events as duplicates.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2> /dev/null; rm -rf "$tmp"' EXIT
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
events() {  # events DB - rows in the events table (read-only)
	python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(c.execute("SELECT count(*) FROM events").fetchone()[0])' "$1"
}
n=30000
"$here/mkmbox.sh" $n "$tmp/in.mbox"
export HOME="$tmp"
unset BOUNCEKIT_DB BOUNCEKIT_POLICY XDG_CONFIG_HOME

"$bin" ingest -q --db "$tmp/ref.db" "$tmp/in.mbox"
check "reference rc" $? 0

"$bin" ingest -q --db "$tmp/crash.db" "$tmp/in.mbox" &
pid=$!
# wait for a few committed batches (5000 records each), then SIGKILL
k=0
while [ $k -lt 600 ]; do
	c=$(events "$tmp/crash.db" 2> /dev/null || echo 0)
	[ "${c:-0}" -ge 10000 ] && break
	sleep 0.05
	k=$((k + 1))
done
kill -9 $pid
wait $pid 2> /dev/null
check "killed by SIGKILL" $? 137
pid=
before=$(events "$tmp/crash.db")
echo "crash.sh: killed with $before of $n events committed"
check "killed mid-way" "$([ "$before" -ge 5000 ] && [ "$before" -lt $n ] && echo yes)" yes
check "whole batches only" "$((before % 5000))" 0

"$bin" ingest --db "$tmp/crash.db" "$tmp/in.mbox" 2> "$tmp/err"
check "rerun rc" $? 0
check "rerun duplicates = committed" "$(sed -n 's/.*; \([0-9]*\) duplicates;.*/\1/p' "$tmp/err")" "$before"
check "no event lost or doubled" "$(events "$tmp/crash.db")" $n
"$bin" suppress --db "$tmp/ref.db" export > "$tmp/ref.csv"
"$bin" suppress --db "$tmp/crash.db" export > "$tmp/crash.csv"
check "same suppressions" "$(cmp -s "$tmp/ref.csv" "$tmp/crash.csv" && echo same)" same
check "suppressed count" "$(($(wc -l < "$tmp/crash.csv") - 1))" 375
"$bin" suppress --db "$tmp/ref.db" senders > "$tmp/ref.snd"
"$bin" suppress --db "$tmp/crash.db" senders > "$tmp/crash.snd"
check "same sender counters" "$(cmp -s "$tmp/ref.snd" "$tmp/crash.snd" && echo same)" same
check "sender count" "$(awk '$1 == "ip" { s += $4 } END { print s }' "$tmp/crash.snd")" $((n / 4))
"$bin" suppress --db "$tmp/crash.db" history u8@example.net | grep -c "$(printf '\tevent\t')" > "$tmp/h"
check "events of one address" "$(cat "$tmp/h")" $((n / 500))

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
