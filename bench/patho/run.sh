#!/bin/sh
# run.sh [BOUNCEKIT] [SCALE] - time per megabyte of `bouncekit parse` on
# each pathological input of tests/patho/gen.py, against an mbox of
# ordinary bounces decoded in turn with it, and peak RSS (CPU time, the
# least of five runs, each over at least 32 MB: a smaller input is given
# that many times over; BK_BENCH_CLOCK=wall for wall time).  Prints one
# line per input with the ratio (target: within 2x of ordinary) and ends with
# "N within 2x, N over".  SCALE (default 4) multiplies the input sizes;
# at 5 the mbox holds a million "From " lines.  BK_BENCH_ONLY=kind,...
# times those inputs alone.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bk=${1:-$here/../../build/bouncekit}
scale=${2:-4}
exec python3 "$here/bench.py" "$bk" "$scale" "$here/../../tests/patho/gen.py"
