#!/usr/bin/env python3
"""bench.py BOUNCEKIT SCALE GEN - see run.sh.

Each input is decoded five times and the fastest run counts: other load
on the machine only ever adds time, so the least is the figure that says
most about bouncekit.  The baseline is run in turn with each input
(baseline, input, baseline, ...) and each ratio divides by the least of
those five baseline runs, so that an input and its baseline meet the
same moments of a shared machine.  Time is the CPU time of the
process (user + system, from wait4), not wall time: on a shared machine
wall time also counts the time spent waiting for a core, which says
more about the neighbours than about bouncekit.  Set BK_BENCH_CLOCK=wall
for wall-clock time.  The fixed cost of a run (start-up, loading the
rules) is measured on one ordinary bounce and subtracted, so what is
compared is the time per megabyte of input.  The baseline is an mbox of
ordinary bounces of about 32 MB.  An input smaller than that (the deep
nestings cannot grow: their depth is the point) is given to one run
that many times over, as separate messages, so that no input is timed
over less than about 32 MB: a run of a tenth of a second or more, so
that the fixed cost subtracted, and a millisecond of jitter, stay small
beside it.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

RUNS = 5
BASE_RUNS = 9
# bytes each input is timed over, at least (small ones are repeated)
TIMED_BYTES = 32 << 20
CLOCK = os.environ.get("BK_BENCH_CLOCK", "cpu")


def once(bk, path, times_over=1):
    """(seconds, peak RSS KB, exit status) of one run of bouncekit over
    @path, given @times_over times"""
    t0 = time.monotonic()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen([bk, "parse"] + [path] * times_over,
                             stdout=null, stderr=null)
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    cpu = ru.ru_utime + ru.ru_stime
    return (wall if CLOCK == "wall" else cpu, ru.ru_maxrss,
            os.waitstatus_to_exitcode(status))


def run(bk, path, runs=RUNS, times_over=1, base=None):
    """(seconds, peak RSS KB, exit status, baseline seconds): the least
    of @runs runs of bouncekit over @path, given @times_over times; with
    @base, a run over @base before each, and the least of those"""
    times, base_times, rss, rc = [], [], 0, 0
    for _ in range(runs):
        if base is not None:
            base_times.append(once(bk, base)[0])
        t, r, rc = once(bk, path, times_over)
        times.append(t)
        rss = max(rss, r)
    return (min(times), rss, rc,
            min(base_times) if base_times else None)


def main():
    bk, scale, gen = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    d = tempfile.mkdtemp(prefix="bk-bench-patho.")
    try:
        # BK_BENCH_ONLY=kind,kind: those inputs alone (and the baseline)
        only = [k for k in os.environ.get("BK_BENCH_ONLY", "").split(",")
                if k]
        kinds = ["ordinary"] + only if only else []
        out = subprocess.run([sys.executable, gen, "--scale", str(scale), d]
                             + kinds,
                             check=True, capture_output=True, text=True)
        files = [l.split()[:2] for l in out.stdout.splitlines()]
        ordinary = os.path.join(d, "ordinary.eml")
        with open(ordinary, "rb") as f:
            one = f.read()
        mbox = os.path.join(d, "ordinary-mbox.mbox")
        n = max(1, TIMED_BYTES // (len(one) + 50))
        with open(mbox, "wb") as f:
            for _ in range(n):
                f.write(b"From MAILER-DAEMON Tue Nov 14 22:13:20 2023\n" +
                        one + b"\n")
        # every ratio divides by the baseline: measure it more often
        fixed = run(bk, ordinary, BASE_RUNS)[0]
        base_t, base_rss, _, _ = run(bk, mbox, BASE_RUNS)
        base_mb = os.path.getsize(mbox) / 1e6
        base = (base_t - fixed) / base_mb
        print("%s time, least of %d runs, each input's ratio against "
              "the baseline run in turn with it; inputs under %d MB "
              "given to a run that many times over" % (
                  CLOCK, RUNS, TIMED_BYTES >> 20))
        print("fixed cost per run %.3f s; ordinary bounces: %d in %.1f MB, "
              "%.4f s/MB, peak RSS %d KB" % (fixed, n, base_mb, base,
                                             base_rss))
        print("%-16s %8s %5s %8s %9s %6s %9s %4s" % ("input", "MB", "x",
              "s", "s/MB", "ratio", "RSS KB", "exit"))
        within = over = 0
        for kind, path in files:
            if kind == "ordinary":
                continue
            size = os.path.getsize(path)
            times_over = max(1, -(-TIMED_BYTES // max(size, 1)))
            t, rss, rc, bt = run(bk, path, times_over=times_over,
                                 base=mbox)
            mb = size * times_over / 1e6
            per = max(t - fixed, 0.0) / mb
            # this input's own baseline, run in turn with it
            here = max(bt - fixed, 0.0) / base_mb
            ratio = per / here if here > 0 else 0.0
            ok = ratio <= 2.0
            within += ok
            over += not ok
            print("%-16s %8.1f %5d %8.3f %9.4f %6.2f %9d %4d%s" % (
                kind, size / 1e6, times_over, t, per, ratio, rss, rc,
                "" if ok else "  OVER 2x"))
        print("%d within 2x, %d over" % (within, over))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
