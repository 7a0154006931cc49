#!/bin/sh
# run.sh BOUNCEKIT [CORPUS] - decoding speed against baselines, same run.
#
# Copies the corpus (default ../shared/corpus/sisimai/emails, else the
# project's own samples) into a scratch folder until it holds at least
# 10,000 messages, then times, over the same files (bouncekit and Sisimai:
# three runs each, taken in turn, the least wall and the least CPU time
# of each, as other load only adds time):
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

# warm the page cache once so every contender reads from memory
find "$tmp/set" -type f -exec cat {} + > /dev/null

t0=$(now); find "$tmp/set" -type f -exec cat {} + | wc -l > /dev/null; t1=$(now)
read_rate=$(rate "$total" "$t0" "$t1")
echo "read+line-scan:  $read_rate msgs/s"

# bouncekit and Sisimai, three runs each, taken in turn (bouncekit,
# Sisimai, bouncekit, ...) so that both meet the same moments of a shared
# machine; each contender's least wall time and least CPU time (user +
# system, from wait4) count, as other load only ever adds time.  Sisimai
# prints its record count on standard error.
have_sisimai=0
perl -MSisimai -e 1 2>/dev/null && have_sisimai=1
python3 - "$total" "$have_sisimai" "$bin" "$tmp/set" "$read_rate" <<'PY'
import os, subprocess, sys, time
total, have_si, bk, top, read_rate = (int(sys.argv[1]), sys.argv[2] == "1",
                                      sys.argv[3], sys.argv[4],
                                      float(sys.argv[5]))
dirs = sorted(os.path.join(top, d) for d in os.listdir(top))
cmds = {"bouncekit": [bk, "parse", top]}
if have_si:
    cmds["sisimai 4"] = ["perl", "-MSisimai", "-e",
                         "my $n = 0; for my $d (@ARGV) { my $v = "
                         "Sisimai->make($d) || []; $n += scalar @$v } "
                         "print STDERR \"$n\\n\"", *dirs]
best = {k: [float("inf"), float("inf")] for k in cmds}
records = None
for _ in range(3):
    for name, cmd in cmds.items():
        t0 = time.monotonic()
        with open(os.devnull, "wb") as null:
            p = subprocess.Popen(cmd, stdout=null, stderr=subprocess.PIPE)
            err = p.stderr.read()
            _, _, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        cpu = ru.ru_utime + ru.ru_stime
        best[name][0] = min(best[name][0], wall)
        best[name][1] = min(best[name][1], cpu)
        if name != "bouncekit" and err.strip():
            records = err.decode().strip().splitlines()[-1]
for name in cmds:
    w, c = best[name]
    print("%-16s %6.0f msgs/s wall, %6.0f msgs/s CPU (best of 3 runs)" %
          (name + ":", total / w, total / c))
if have_si:
    print("sisimai records: %s" % records)
    bw, bc = best["bouncekit"]
    sw, sc = best["sisimai 4"]
    print("bouncekit / sisimai: %.1fx wall, %.1fx CPU" % (sw / bw, sc / bc))
else:
    print("sisimai 4:       not installed (apt-get install libsisimai-perl)")
print("bouncekit / read:   %.2fx" % ((total / best["bouncekit"][0]) /
                                     read_rate))
PY

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
