#!/bin/sh
# run.sh [BUILD_DIR] [LINES] - classifier start-up and per-line speed.
#
# Builds the bench_classify target (bench/classify/bench_classify.c, not
# part of `all`, registered nowhere in ctest) in BUILD_DIR (default
# ../../build) and runs it once: bk_classifier_new() start-up in ms, then
# bk_classify_reply() over at least LINES (default 1,000,000) reply lines
# made from the rule samples, with a tenth of the rules and with all of
# them, as lines/s and the ratio all/tenth (1.00 = flat in the number of
# rules).  Times are CPU time of one thread.  Nothing here is pass/fail.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
lines=${2:-1000000}
cmake --build "$build" --target bench_classify >/dev/null
"$build/bench_classify" -n "$lines"
