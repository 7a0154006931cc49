#!/usr/bin/env python3
"""bench.py BOUNCEKIT SCALE GEN - see run.sh.

Each input is decoded three times and the median run counts (the
baseline and the fixed cost, which every ratio divides by, seven times).  Time is
the CPU time of the process (user + system, from wait4), not wall time:
on a shared machine wall time also counts the time spent waiting for a
core, which says more about the neighbours than about bouncekit.  Set
BK_BENCH_CLOCK=wall for wall-clock time.  The fixed cost of a run
(start-up, loading the rules) is measured on one ordinary bounce and
subtracted, so what is compared is the time per megabyte of input.  The
baseline is an mbox of ordinary bounces of about 8 MB.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

RUNS = 3
BASE_RUNS = 7
CLOCK = os.environ.get("BK_BENCH_CLOCK", "cpu")


def run(bk, path, runs=RUNS):
    """(seconds, peak RSS KB, exit status): the median of @runs runs"""
    times, rss, rc = [], 0, 0
    for _ in range(runs):
        t0 = time.monotonic()
        with open(os.devnull, "wb") as null:
            p = subprocess.Popen([bk, "parse", path], stdout=null,
                                 stderr=null)
            _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        cpu = ru.ru_utime + ru.ru_stime
        times.append(wall if CLOCK == "wall" else cpu)
        rss = max(rss, ru.ru_maxrss)
        rc = os.waitstatus_to_exitcode(status)
    times.sort()
    return times[len(times) // 2], rss, rc


def main():
    bk, scale, gen = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    d = tempfile.mkdtemp(prefix="bk-bench-patho.")
    try:
        out = subprocess.run([sys.executable, gen, "--scale", str(scale), d],
                             check=True, capture_output=True, text=True)
        files = [l.split()[:2] for l in out.stdout.splitlines()]
        ordinary = os.path.join(d, "ordinary.eml")
        with open(ordinary, "rb") as f:
            one = f.read()
        mbox = os.path.join(d, "ordinary-mbox.mbox")
        n = max(1, (8 << 20) // (len(one) + 50))
        with open(mbox, "wb") as f:
            for _ in range(n):
                f.write(b"From MAILER-DAEMON Tue Nov 14 22:13:20 2023\n" +
                        one + b"\n")
        # every ratio divides by the baseline: measure it more often
        fixed = run(bk, ordinary, BASE_RUNS)[0]
        base_t, base_rss, _ = run(bk, mbox, BASE_RUNS)
        base_mb = os.path.getsize(mbox) / 1e6
        base = (base_t - fixed) / base_mb
        print("%s time, median of %d runs (baseline: of %d)" % (
            CLOCK, RUNS, BASE_RUNS))
        print("fixed cost per run %.3f s; ordinary bounces: %d in %.1f MB, "
              "%.4f s/MB, peak RSS %d KB" % (fixed, n, base_mb, base,
                                             base_rss))
        print("%-16s %8s %8s %9s %6s %9s %4s" % ("input", "MB", "s",
              "s/MB", "ratio", "RSS KB", "exit"))
        within = over = 0
        for kind, path in files:
            if kind == "ordinary":
                continue
            t, rss, rc = run(bk, path)
            mb = os.path.getsize(path) / 1e6
            per = max(t - fixed, 0.0) / mb
            ratio = per / base if base > 0 else 0.0
            ok = ratio <= 2.0
            within += ok
            over += not ok
            print("%-16s %8.1f %8.3f %9.4f %6.2f %9d %4d%s" % (
                kind, mb, t, per, ratio, rss, rc, "" if ok else "  OVER 2x"))
        print("%d within 2x, %d over" % (within, over))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
