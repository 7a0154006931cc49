#!/bin/bash
# pg.sh TEST_STORE BOUNCEKIT - the store suite against a real PostgreSQL.
#
# Starts a throwaway cluster (pgserver.sh: initdb in a temp dir, a free
# loopback port, the socket beside it), runs the unit suite TEST_STORE
# with BK_TEST_PG_URL set (every backend-level case then runs on SQLite
# and on PostgreSQL), then the CLI over postgresql:// URLs: ingest and
# suppress, idempotence, four concurrent ingesters with exact counts, and
# pipe mode when the server is down or stops in the middle of a delivery
# (exit 75, nothing half-written, recorded once it is back).  Stops and
# deletes the cluster on any exit.
#
# Exit 77 (ctest: skipped) only when the PostgreSQL server binaries are
# not installed (Debian package postgresql; build.sh installs it).
set -u
test_store=$1
bin=$2
here=$(cd "$(dirname "$0")" && pwd)
samples="$here/../../samples"
. "$here/pgserver.sh"

if ! pg_find; then
	echo "pg.sh: skipped: no PostgreSQL server binaries (initdb, pg_ctl;" \
	    "Debian package postgresql)"
	exit 77
fi
tmp=$(mktemp -d)
child=
cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	[ -n "$child" ] && kill "$child" 2> /dev/null
	pg_clean
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
pg_start || exit 1
echo "pg.sh: PostgreSQL on 127.0.0.1:$PGPORT_BK ($PGBIN)"
export HOME="$tmp" XDG_CONFIG_HOME="$tmp/config"
unset BOUNCEKIT_DB BOUNCEKIT_POLICY

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

# schema NAME - a fresh schema of our role; prints the store's URL
schema() {
	PG_PSQL_DB=bkt pg_psql "SET client_min_messages = warning;
	    DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1 AUTHORIZATION bk" > /dev/null
	echo "$PG_URL?options=-c%20search_path%3D$1"
}

# 1. the unit suite on both backends (background + wait: signals act at once)
BK_TEST_PG_URL=$PG_URL "$test_store" > "$tmp/unit.out" 2>&1 &
child=$!
wait "$child"
rc=$?
child=
cat "$tmp/unit.out"
check "unit suite on PostgreSQL" "$rc" 0

# 2. the CLI on a postgresql:// store
db=$(schema cli)
hard="$samples/postfix-user-unknown.eml"
blocked="$samples/exim-blocklist.eml"
"$bin" ingest --db "$db" "$hard" "$blocked" 2> "$tmp/err"
check "ingest rc" $? 0
check "summary" "$(grep -c 'ingested 2 messages, 2 records: 1 hard, 0 soft, 0 complaint, 1 sender-side' "$tmp/err")" 1
"$bin" suppress --db "$db" check jane.doe@example.net > /dev/null
check "hard suppressed" $? 1
"$bin" suppress --db "$db" check bob@example.net > /dev/null
check "blocked clear" $? 0
check "ip counted" "$("$bin" suppress --db "$db" senders | grep -c "$(printf '^ip\t198.51.100.9\tblocked\t1\t')")" 1
"$bin" ingest --db "$db" "$hard" "$blocked" 2> "$tmp/err"
check "re-ingest" "$(grep -c '2 duplicates; 0 addresses suppressed' "$tmp/err")" 1
"$bin" suppress --db "$db" export > "$tmp/pg.csv"
"$bin" suppress --db "$tmp/s.db" import "$tmp/pg.csv" 2> /dev/null
check "export from PostgreSQL imports into SQLite" "$("$bin" suppress --db "$tmp/s.db" list | cut -f1-3)" "$(printf 'jane.doe@example.net\tsuppressed\thard')"
"$bin" suppress --db "postgresql://bk@127.0.0.1:$PGPORT_BK/bkt?options=-c%20search_path%3Dnosuch" check a@example.org 2> "$tmp/err" > /dev/null
check "no such schema rc" $? 2

# 3. four concurrent ingesters of 300 distinct messages each, 100 shared
for k in 0 1 2 3; do
	: > "$tmp/in$k.mbox"
done
i=0
while [ $i -lt 400 ]; do
	if [ $i -lt 300 ]; then ks="0 1 2 3"; else ks=all; fi
	for k in 0 1 2 3; do
		if [ "$ks" = all ]; then tag="shared$i"; else tag="c$k-$i"; fi
		{
			echo "From MAILER-DAEMON Mon Nov 16 09:12:44 2026"
			sed "s/jane\.doe@/u$((i % 20))@/g; s/news-2026-11\.42@/$tag@/" "$hard"
			echo
		} >> "$tmp/in$k.mbox"
	done
	i=$((i + 1))
done
db=$(schema four)
pids=
for k in 0 1 2 3; do
	"$bin" ingest --db "$db" "$tmp/in$k.mbox" 2> "$tmp/four$k.err" &
	pids="$pids $!"
done
rcs=
for p in $pids; do
	wait "$p"
	rcs="$rcs$?"
done
check "four ingesters rc" "$rcs" 0000
check "four: duplicates" "$(cat "$tmp"/four?.err | sed -n 's/.*; \([0-9]*\) duplicates;.*/\1/p' | awk "{ s += \$1 } END { print s }")" 300
n=$("$bin" suppress --db "$db" history u7@example.net | grep -c "$(printf '\tevent\t')")
check "four: events of one address (4 x 15 own + 5 shared)" "$n" 65
check "four: one change" "$("$bin" suppress --db "$db" history u7@example.net | grep -c "$(printf '\tchange\t')")" 1
check "four: suppressed" "$("$bin" suppress --db "$db" list | wc -l)" 20
check "four: total events" "$(PG_PSQL_DB=bkt pg_psql "SELECT count(*), count(DISTINCT (message_hash, recipient)) FROM four.events")" "1300|1300"
check "four: hard counts" "$(PG_PSQL_DB=bkt pg_psql "SELECT sum(hard_count) FROM four.addresses")" 1300
# report over the stored events, one row at a time from the server
"$bin" report -f json --db "$db" > "$tmp/four.json"
check "four: report rc" $? 0
check "four: report counts every event" "$(python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['totals']; print(t['records'], t['hard'], t['unknown'])" "$tmp/four.json")" "1300 1300 0"

# 4. pipe mode: 75 when the server is down, nothing half-written when it
# stops in the middle of a delivery, recorded once it is back
db=$(schema pipe)
sed 's/jane\.doe@/midway@/g' "$hard" > "$tmp/midway.eml"
head -c 1000 "$tmp/midway.eml" > "$tmp/part1"
tail -c +1001 "$tmp/midway.eml" > "$tmp/part2"
mkfifo "$tmp/fifo"
"$bin" ingest --db "$db" --sender MAILER-DAEMON --recipient bounces@example.org < "$tmp/fifo" 2> "$tmp/mid.err" &
child=$!
exec 4> "$tmp/fifo"
cat "$tmp/part1" >&4
# wait until its session exists, then stop the server under it
n=0
while [ "$(PG_PSQL_DB=bkt pg_psql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bouncekit'")" != 1 ] && [ $n -lt 100 ]; do
	sleep 0.05
	n=$((n + 1))
done
pg_stop
cat "$tmp/part2" >&4
exec 4>&-
wait "$child"
check "pipe, server stopped mid-delivery rc" $? 75
child=
check "pipe, says why" "$(grep -c 'connection' "$tmp/mid.err")" 1
"$bin" ingest --db "$db" --sender MAILER-DAEMON --recipient bounces@example.org < "$tmp/midway.eml" 2> /dev/null
check "pipe, server down rc" $? 75
pg_restart || echo "pg.sh: restart failed"
"$bin" suppress --db "$db" history midway@example.net > "$tmp/hist"
check "nothing half-written" "$(wc -l < "$tmp/hist")" 0
check "no event rows" "$(PG_PSQL_DB=bkt pg_psql "SELECT count(*) FROM pipe.events")" 0
"$bin" ingest --db "$db" --sender MAILER-DAEMON --recipient bounces@example.org < "$tmp/midway.eml" 2> /dev/null
check "pipe, retried rc" $? 0
"$bin" suppress --db "$db" check midway@example.net > /dev/null
check "pipe, retried suppressed" $? 1

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
