#!/bin/sh
# run.sh BOUNCEKIT [CORPUS] - decoding speed against baselines, same run.
#
# Copies the corpus (default ../shared/corpus/sisimai/emails, else the
# project's own samples) into a scratch folder until it holds at least
# 10,000 messages, then times, over the same files (bouncekit and Sisimai:
# the fastest of three runs each, as other load only adds time):
#   read       reading every file and counting its lines (the floor)
#   bouncekit  bouncekit parse, output to /dev/null
#   sisimai    Debian's Sisimai 4 (libsisimai-perl), when installed
# and prints msgs/s for each and the ratios.  It also measures peak RSS
# of bouncekit on 1x and 10x the messages as one mbox (memory must stay
# flat).  Nothing here is a pass/fail test.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
src=${2:-$here/../../shared/corpus/sisimai/emails}
[ -d "$src" ] || src=$here/../samples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=$(ls "$src" | wc -l)
copies=$(( (10000 + n - 1) / n ))
i=0
while [ $i -lt $copies ]; do
	mkdir -p "$tmp/set/c$i"
	cp "$src"/* "$tmp/set/c$i/"
	i=$((i + 1))
done
total=$(find "$tmp/set" -type f | wc -l)
echo "messages: $total ($copies copies of $n from $src)"

now() { date +%s.%N; }
rate() { python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2]))))" "$@"; }
# best RUNS CMD... - the least wall time in seconds of RUNS runs of CMD
# (other load on the machine only ever adds time); CMD's output is
# discarded, its standard error kept in $tmp/best.err
best() {
	runs=$1
	shift
	b=
	k=0
	while [ $k -lt "$runs" ]; do
		t0=$(now)
		"$@" > /dev/null 2> "$tmp/best.err" || true
		t1=$(now)
		b=$(python3 -c "import sys; d = float(sys.argv[2]) - float(sys.argv[1]); print(d if sys.argv[3] == '' or d < float(sys.argv[3]) else sys.argv[3])" "$t0" "$t1" "$b")
		k=$((k + 1))
	done
	echo "$b"
}
per_s() { python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$@"; }

# warm the page cache once so every contender reads from memory
find "$tmp/set" -type f -exec cat {} + > /dev/null

t0=$(now); find "$tmp/set" -type f -exec cat {} + | wc -l > /dev/null; t1=$(now)
read_rate=$(rate "$total" "$t0" "$t1")
echo "read+line-scan:  $read_rate msgs/s"

bk_rate=$(per_s "$total" "$(best 3 "$bin" parse "$tmp/set")")
echo "bouncekit:       $bk_rate msgs/s (best of 3 runs)"

if perl -MSisimai -e 1 2>/dev/null; then
	si_rate=$(per_s "$total" "$(best 3 perl -MSisimai -e 'my $n = 0; for my $d (@ARGV) { my $v = Sisimai->make($d) || []; $n += scalar @$v } print STDERR "sisimai records: $n\n"' "$tmp"/set/c*)")
	tail -1 "$tmp/best.err"
	echo "sisimai 4:       $si_rate msgs/s (best of 3 runs)"
	python3 -c "import sys; print('bouncekit / sisimai: %.1fx' % (float(sys.argv[1]) / float(sys.argv[2])))" "$bk_rate" "$si_rate"
else
	echo "sisimai 4:       not installed (apt-get install libsisimai-perl)"
fi
python3 -c "import sys; print('bouncekit / read:   %.2fx' % (float(sys.argv[1]) / float(sys.argv[2])))" "$bk_rate" "$read_rate"

# peak memory: one mbox of n messages vs one of 10n
if [ -x /usr/bin/time ]; then
	for f in "$src"/*; do printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n'; sed 's/^From />From /' "$f"; echo; done > "$tmp/x1.mbox"
	for i in 1 2 3 4 5 6 7 8 9 10; do cat "$tmp/x1.mbox"; done > "$tmp/x10.mbox"
	r1=$(/usr/bin/time -f %M "$bin" parse "$tmp/x1.mbox" 2>&1 >/dev/null | tail -1)
	r10=$(/usr/bin/time -f %M "$bin" parse "$tmp/x10.mbox" 2>&1 >/dev/null | tail -1)
	echo "peak RSS: 1x ${r1} KiB, 10x ${r10} KiB ($(python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) / float(sys.argv[1])))" "$r1" "$r10")x)"
else
	echo "peak RSS: /usr/bin/time not installed (apt-get install time)"
fi
