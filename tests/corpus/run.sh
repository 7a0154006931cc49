#!/bin/sh
# run.sh BOUNCEKIT DIR - the golden corpus.
#
# Every DIR/<reason>/<case>.eml (and web hook events, <case>.json, or
# the form body a provider posts, <case>.form) is decoded;
# <case>.expect holds one JSON object per expected record, with only
# the keys that matter (recipient, status, reply_code, reason, hard,
# kind, ...).  Records and expectations are compared in order; any
# difference prints got and want.
set -u
bin=$1
dir=$2
exec python3 - "$bin" "$dir" <<'PY'
import json, os, subprocess, sys
bin, top = sys.argv[1], sys.argv[2]
passed = failed = 0
for root, dirs, files in sorted(os.walk(top)):
    dirs.sort()
    for f in sorted(files):
        if not f.endswith((".eml", ".json", ".form")):
            continue
        eml = os.path.join(root, f)
        exp_path = eml[:eml.rindex(".")] + ".expect"
        if not os.path.exists(exp_path):
            print(f"FAIL {eml}: no .expect file")
            failed += 1
            continue
        want = [json.loads(l) for l in open(exp_path) if l.strip()]
        res = subprocess.run([bin, "parse", eml], capture_output=True)
        got = [json.loads(l) for l in res.stdout.decode().splitlines() if l.strip()]
        bad = []
        if len(got) != len(want):
            bad.append(f"{len(got)} records, want {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            for k, v in w.items():
                if g.get(k) != v:
                    bad.append(f"record {i} {k}: got {g.get(k)!r}, want {v!r}")
        if bad:
            failed += 1
            print(f"FAIL {os.path.relpath(eml, top)}: " + "; ".join(bad))
        else:
            passed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
PY
