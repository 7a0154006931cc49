#!/usr/bin/env python3
"""spf_zones.py SCENARIOS_JSON OUTDIR - one root zone per OpenSPF scenario.

Reads the converted suite (../shared/suites/spf/json/FILE.scenarios.json)
and writes OUTDIR/N.zone (origin ".", for knotd) and OUTDIR/N.drop (the
scenario's TIMEOUT names, one a line with the types that do have data,
for tests/dns/drop_proxy.py).  Prints the number of scenarios.  SPF
(type 99) entries are skipped: the converter already copied them to TXT,
and RFC 7208 checkers ask TXT only.  Names and strings are written byte
for byte (UTF-8, as the suite's harness encodes them) with \\DDD escapes.
"""
import json
import os
import sys

SAFE = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def name(n):
    n = n.rstrip(".")
    out = []
    for label in n.split("."):
        b = label.encode("utf-8")
        out.append("".join(chr(c) if c in SAFE else "\\%03d" % c for c in b))
    return ".".join(out) + "."


def qstr(s):
    b = s.encode("utf-8")
    chunks = [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]
    return " ".join('"' + "".join(
        chr(c) if 0x20 <= c < 0x7f and c not in (0x22, 0x5c) else "\\%03d" % c
        for c in ch) + '"' for ch in chunks)


def main():
    scen = json.load(open(sys.argv[1], encoding="utf-8"))
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for sc in scen:
        n = sc["scenario"]
        zone = ["$TTL 300",
                ". 300 IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 86400 60",
                ". 300 IN NS ns.invalid."]
        drop = []
        for owner, entries in sorted((sc.get("zonedata") or {}).items()):
            for e in entries:
                if e == "TIMEOUT":
                    # a timeout for the types without data (pyspf's
                    # harness): the proxy answers only the types listed
                    types = sorted({x.get("type") for x in entries
                                    if isinstance(x, dict)} - {"SPF"})
                    drop.append(owner.rstrip(".").lower() +
                                (" " + ",".join(types) if types else ""))
                    continue
                if not isinstance(e, dict):
                    continue
                t = e.get("type")
                o = name(owner)
                if t == "TXT":
                    rd = " ".join(qstr(x) for x in e.get("strings") or [""])
                    zone.append("%s 300 IN TXT %s" % (o, rd))
                elif t in ("A", "AAAA"):
                    zone.append("%s 300 IN %s %s" % (o, t, e["value"]))
                elif t == "MX":
                    zone.append("%s 300 IN MX %d %s" % (o, int(e["pref"]),
                                                       name(e["host"])))
                elif t in ("PTR", "CNAME"):
                    zone.append("%s 300 IN %s %s" % (o, t, name(e["value"])))
        with open(os.path.join(out, "%d.zone" % n), "w", encoding="ascii") as f:
            f.write("\n".join(zone) + "\n")
        with open(os.path.join(out, "%d.drop" % n), "w", encoding="utf-8") as f:
            f.write("".join(d + "\n" for d in drop))
    print(len(scen))


main()
