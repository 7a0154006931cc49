#!/bin/bash
# bench/store/run.sh [CORPUS] [BOUNCEKIT] [BENCH_STORE] - store rates.
#
# Builds an mbox of the corpus's messages repeated 20 times, each copy
# made distinct (an X-Seq header, so every message hashes differently),
# and measures:
#   - the store part alone (bench_store, built with the tests: decodes
#     everything first, then times bk_store_ingest over the records;
#     durable commits in batches of 1000 as before, and the CLI's bulk
#     settings: fast commits in batches of 5000)
# and end to end with the CLI:
#   - ingest into SQLite (batches of 5000 records, fast commits)
#   - ingest into PostgreSQL (a throwaway cluster, durable settings,
#     one connection), when the server binaries are installed
#   - "suppress check" lookups/s over every stored recipient, one process
#     for all of them (the per-process start-up is measured apart)
# CORPUS defaults to ../shared/corpus/sisimai/emails beside the
# repository, else samples/.  BENCH_MBOX=FILE keeps the built mbox in
# FILE and reuses it when it exists (several runs, one corpus).  Prints
# figures; it is not a test.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=${1:-$root/../shared/corpus/sisimai/emails}
bin=${2:-$root/build/bouncekit}
bench=${3:-$(dirname "$bin")/tests/bench_store}
[ -d "$corpus" ] || corpus=$root/samples
copies=${BENCH_COPIES:-20}
tmp=$(mktemp -d /tmp/bk-bench.XXXXXX)
. "$root/tests/store/pgserver.sh"
trap 'pg_clean; rm -rf "$tmp"' EXIT
export HOME="$tmp"
unset BOUNCEKIT_DB BOUNCEKIT_POLICY XDG_CONFIG_HOME

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

files=$(find "$corpus" -type f \( -name '*.eml' -o -name '*.txt' -o -name '*.msg' \) | sort)
[ -n "$files" ] || files=$(find "$corpus" -maxdepth 1 -type f | sort)
nfiles=$(echo "$files" | wc -l)
if [ -n "${BENCH_MBOX:-}" ] && [ -s "$BENCH_MBOX" ]; then
	ln -s "$BENCH_MBOX" "$tmp/in.mbox"
else
	for c in $(seq 1 "$copies"); do
		for f in $files; do
			echo "From MAILER-DAEMON Thu Jan  1 00:00:00 2026"
			# a copy number ahead of the headers keeps copies distinct
			printf 'X-Seq: %s\n' "$c"
			sed 's/^From />From /' "$f"
			echo
		done
	done > "$tmp/in.mbox"
	[ -n "${BENCH_MBOX:-}" ] && cp "$tmp/in.mbox" "$BENCH_MBOX"
fi
echo "corpus: $corpus ($nfiles messages) x $copies = $((nfiles * copies)) messages, $(($(wc -c < "$tmp/in.mbox") / 1024 / 1024)) MB"

t0=$(now)
"$bin" parse "$tmp/in.mbox" > /dev/null 2>&1
t1=$(now)
echo "parse only (decode + classify):    $(secs "$t0" "$t1") s"

if [ -x "$bench" ]; then
	for opts in "-b 1000" "-f -b 5000"; do
		rm -f "$tmp"/b.db*
		# shellcheck disable=SC2086
		"$bench" $opts "$tmp/b.db" "$tmp/in.mbox" |
		    grep -v '^store.*ingest: [0-9]* hard'
	done
	rm -f "$tmp"/b.db*
else
	echo "store part: skipped (no $bench: build the tests)"
fi

t0=$(now)
"$bin" ingest --db "$tmp/s.db" "$tmp/in.mbox" 2> "$tmp/sq.err"
t1=$(now)
records=$(sed -n 's/.*messages, \([0-9]*\) records.*/\1/p' "$tmp/sq.err")
echo "SQLite ingest:                     $(secs "$t0" "$t1") s, $records records, $(rate "$records" "$t0" "$t1") records/s end to end"
t0=$(now)
"$bin" ingest --db "$tmp/s.db" "$tmp/in.mbox" 2> /dev/null
t1=$(now)
echo "SQLite re-ingest (all duplicates): $(secs "$t0" "$t1") s, $(rate "$records" "$t0" "$t1") records/s"

# every recipient the store knows, plus as many never seen
python3 - "$tmp/s.db" > "$tmp/addrs" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = [r[0] for r in c.execute("SELECT DISTINCT recipient FROM events WHERE recipient <> ''")]
for r in rows:
    print(r)
for i in range(len(rows)):
    print("nobody%d@example.invalid" % i)
PY
# repeated to give the clock something to measure
for i in $(seq 1 20); do cat "$tmp/addrs"; done > "$tmp/addrs20"
mv "$tmp/addrs20" "$tmp/addrs"
naddr=$(wc -l < "$tmp/addrs")
check_rate() {   # check_rate DB LABEL
	# in chunks of 2000 arguments per process
	t0=$(now)
	xargs -n 2000 "$bin" suppress --db "$1" check < "$tmp/addrs" > /dev/null 2>&1
	t1=$(now)
	echo "$2 suppress check:                $naddr lookups in $(secs "$t0" "$t1") s, $(rate "$naddr" "$t0" "$t1") lookups/s"
}
check_rate "$tmp/s.db" "SQLite    "
t0=$(now)
for i in $(seq 1 50); do "$bin" suppress --db "$tmp/s.db" check a@example.org > /dev/null; done
t1=$(now)
echo "SQLite one-address check process:  $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 / 50 }') ms each (start-up included)"

if pg_find; then
	PG_DURABLE=1 pg_start || exit 1
	t0=$(now)
	"$bin" ingest --db "$PG_URL" "$tmp/in.mbox" 2> "$tmp/pg.err"
	t1=$(now)
	echo "PostgreSQL ingest (1 process):     $(secs "$t0" "$t1") s, $(rate "$records" "$t0" "$t1") records/s end to end"
	check_rate "$PG_URL" "PostgreSQL"
	PG_PSQL_DB=bkt pg_psql "DROP TABLE addresses, events, sender_counters, audit, schema_version CASCADE" > /dev/null
	# four mboxes, message by message
	awk -v d="$tmp" '/^From MAILER-DAEMON / { n++ } { print > (d "/part." (n % 4)) }' "$tmp/in.mbox"
	t0=$(now)
	for p in "$tmp"/part.*; do "$bin" ingest --db "$PG_URL" "$p" 2> "$p.err" & done
	wait
	t1=$(now)
	r4=$(cat "$tmp"/part.*.err | sed -n 's/.*messages, \([0-9]*\) records.*/\1/p' | awk '{ s += $1 } END { print s }')
	d4=$(cat "$tmp"/part.*.err | sed -n 's/.*; \([0-9]*\) duplicates;.*/\1/p' | awk '{ s += $1 } END { print s }')
	echo "PostgreSQL ingest (4 processes):   $(secs "$t0" "$t1") s, $r4 records ($d4 duplicates), $(rate "$r4" "$t0" "$t1") records/s end to end"
else
	echo "PostgreSQL: skipped (no server binaries)"
fi
echo "machine: $(nproc) CPUs, $(uname -m), $(sqlite3 --version 2> /dev/null | cut -d' ' -f1 || true)"
