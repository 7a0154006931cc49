#!/bin/sh
# bench/dns/run.sh [BOUNCEKIT] [DELAY_MS] - round trips and wall time of
# `check domain`, `check ip` with 20 blocklists and `check message` (a
# message signed with Ed25519: DKIM key, SPF and DMARC), against knotd on
# loopback behind a proxy that answers every query after DELAY_MS
# (default 50).  Each command runs twice: as shipped (all lookups of a
# step concurrent) and with --sequential (the resolver hands c-ares one
# query at a time, so every lookup waits for the one before it).
#
# Round trips on the critical path are measured at the proxy: queries
# that arrive within DELAY_MS/2 of the previous one belong to the same
# wave; the number of waves is the number of sequential round trips.
# Not a test: it prints figures and exits 0 (77 without knotd/python3).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bk=${1:-$top/build/bouncekit}
delay=${2:-50}
. "$top/tests/dns/knot_lib.sh"
if ! knot_have; then
	echo "bench/dns: skipped: needs knotd, kdig and python3"
	exit 77
fi
[ -x "$bk" ] || { echo "bench/dns: no bouncekit at $bk"; exit 2; }

run=$(mktemp -d /tmp/bk-bench-dns.XXXXXX)
knot_pid=""
proxy_pid=""
cleanup() {
	[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
	[ -n "$knot_pid" ] && kill "$knot_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT INT TERM

ports=$(knot_free_ports 2)
port=${ports% *}
pport=${ports#* }

mkdir -p "$run/zones"
cp "$top/tests/dns/zones/sender.test.zone" \
	"$top/tests/dns/zones/2.0.192.in-addr.arpa.zone" "$run/zones/"
cat >"$run/zones/bench.zone" <<'Z'
$ORIGIN bench.
$TTL 300
@ IN SOA ns.bench. hostmaster.bench. 1 3600 600 86400 60
@ IN NS ns.bench.
ns IN A 192.0.2.1
Z
: >"$run/lists.conf"
i=0
while [ $i -lt 20 ]; do
	echo "list b$i b$i.bench ip Bench list $i" >>"$run/lists.conf"
	i=$((i + 1))
done
sed -e "s|@RUNDIR@|$run|g" -e "s|@PORT@|$port|g" "$here/knot.conf.in" \
	>"$run/knot.conf"
chmod -R a+rwX "$run"
knot_start "$run/knot.conf" "$run/knot.log"
python3 "$top/tests/dns/dns_proxy.py" "$pport" "$port" --delay "$delay" --log "$run/arrivals" &
proxy_pid=$!
if ! knot_wait 127.0.0.1 "$port" sender.test; then
	echo "bench/dns: knotd did not start"; cat "$run/knot.log"; exit 1
fi
sleep 0.3

# measure LABEL ARGS...: prints "queries waves wall_ms"
measure() {
	: >"$run/arrivals"
	t0=$(date +%s.%N)
	"$bk" "$@" >"$run/out" 2>&1
	[ -n "${BK_BENCH_DEBUG:-}" ] && cat "$run/out" >&2
	t1=$(date +%s.%N)
	sleep 0.1
	python3 - "$run/arrivals" "$t0" "$t1" "$delay" <<'PY'
import sys
ts = sorted(float(x) for x in open(sys.argv[1]) if x.strip())
gap = float(sys.argv[4]) / 2000.0
waves = 0
last = None
for t in ts:
    if last is None or t - last > gap:
        waves += 1
    last = t
if __import__("os").environ.get("BK_BENCH_DEBUG"): print(" ".join("%.0f" % ((t - ts[0]) * 1000) for t in ts), file=sys.stderr)
print(len(ts), waves, int((float(sys.argv[3]) - float(sys.argv[2])) * 1000))
PY
}

dns="127.0.0.1:$pport"
dom="check domain -d $dns -t 10000 -S ed -S rsa2048 sender.test"
ipc="check ip -d $dns -t 10000 -l $run/lists.conf 192.0.2.10"
msg="check message -d $dns -t 10000 $top/tests/dns/messages/signed.eml"
printf 'bench/dns: proxy delay %s ms per query, knotd on 127.0.0.1\n' "$delay"
printf '%-28s %8s %12s %10s\n' "command / mode" queries "round trips" "wall ms"
tq=0; tw=0; tt=0; sq=0; sw=0; st=0
for which in dom ipc msg; do
	eval "args=\$$which"
	# shellcheck disable=SC2086
	set -- $(measure $args)
	printf '%-28s %8s %12s %10s\n' "$which concurrent" "$1" "$2" "$3"
	tq=$((tq + $1)); tw=$((tw + $2)); tt=$((tt + $3))
	# shellcheck disable=SC2086
	set -- $(measure $args --sequential)
	printf '%-28s %8s %12s %10s\n' "$which sequential" "$1" "$2" "$3"
	sq=$((sq + $1)); sw=$((sw + $2)); st=$((st + $3))
done
printf '%-28s %8s %12s %10s\n' "total concurrent" "$tq" "$tw" "$tt"
printf '%-28s %8s %12s %10s\n' "total sequential" "$sq" "$sw" "$st"
python3 -c "import sys; a,b,c,d=map(int,sys.argv[1:]); print('ratio sequential/concurrent: round trips %.1fx, wall time %.1fx' % (c/max(a,1), d/max(b,1)))" \
	"$tw" "$tt" "$sw" "$st"
