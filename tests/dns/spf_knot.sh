#!/bin/sh
# spf_knot.sh SPF_SUITE SUITEDIR [FILE] - the OpenSPF scenarios over real
# DNS: for each scenario, knotd serves a root zone generated from the
# suite JSON (tests/dns/spf_zones.py) behind tests/dns/dns_proxy.py,
# which never answers the scenario's TIMEOUT names (for the types without
# data); spf_suite --dns runs that scenario's tests through c-ares.
# Skips (77) without knotd, python3 or the suite folder.
set -u
suite_bin=$1
dir=${2:-}
file=${3:-rfc7208-tests.yml}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/knot_lib.sh"
json="$dir/json/$file.scenarios.json"
if [ -z "$dir" ] || [ ! -r "$json" ]; then
	echo "spf_knot: skipped (no suite: $json)"
	exit 77
fi
if ! knot_have; then
	echo "spf_knot: skipped: needs knotd, kdig and python3"
	exit 77
fi
[ -x "$suite_bin" ] || { echo "spf_knot: no driver at $suite_bin"; exit 1; }

run=$(mktemp -d /tmp/bk-spfknot.XXXXXX)
knot_pid=""
px_pid=""
cleanup() {
	[ -n "$knot_pid" ] && kill "$knot_pid" 2>/dev/null
	[ -n "$px_pid" ] && kill "$px_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT INT TERM

ports=$(knot_free_ports 2)
port=${ports% *}
pxport=${ports#* }
mkdir -p "$run/zones"
nscen=$(python3 "$here/spf_zones.py" "$json" "$run/zones") || exit 1
: >"$run/drop"
python3 "$here/dns_proxy.py" "$pxport" "$port" --drop "$run/drop" 2>/dev/null &
px_pid=$!
chmod -R a+rwX "$run"

pass=0
fail=0
i=0
while [ "$i" -lt "$nscen" ]; do
	cat >"$run/knot.conf" <<K
server:
    rundir: "$run"
    pidfile: "$run/knot.pid"
    listen: [ 127.0.0.1@$port ]
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: error
database:
    storage: "$run"
zone:
  - domain: .
    file: "$run/zones/$i.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
K
	cp "$run/zones/$i.drop" "$run/drop"
	knot_start "$run/knot.conf" "$run/knot.log"
	if ! knot_wait 127.0.0.1 "$port" .; then
		echo "spf_knot: knotd did not load scenario $i:"
		cat "$run/knot.log"
		exit 1
	fi
	# the proxy answers too (python may start slowly under load)
	if [ "$i" -eq 0 ] && ! knot_wait 127.0.0.1 "$pxport" .; then
		echo "spf_knot: the DNS proxy did not start"
		exit 1
	fi
	out=$(timeout 120 "$suite_bin" --dns "127.0.0.1:$pxport" --scenario "$i" \
		"$dir" "$file" 2>&1)
	line=$(echo "$out" | grep -E "^$file: [0-9]+ passed" | tail -1)
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	[ -z "$line" ] && { p=0; f=1; echo "$out"; }
	echo "$out" | grep '^FAIL' | sed "s/^/scenario $i: /"
	pass=$((pass + p))
	fail=$((fail + f))
	kill "$knot_pid" 2>/dev/null
	wait "$knot_pid" 2>/dev/null
	knot_pid=""
	i=$((i + 1))
done
echo "spf_knot: $file over knotd: $pass passed, $fail failed ($nscen scenarios)"
[ "$fail" -eq 0 ]
