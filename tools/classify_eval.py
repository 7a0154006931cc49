#!/usr/bin/env python3
"""classify_eval.py - measure bk_classify against a corpus of ideal facts.

usage: classify_eval.py EVAL_BINARY EXPECTED.jsonl [--misses N] [--rules FILE]
                        [--no-decoder]

Feeds each row's facts (kind, status, reply_code, command, remote_mta,
recipient, diagnostic_type, action, diagnostic and, unless --no-decoder,
the decoder name, lower-cased) to EVAL_BINARY (built from
tools/classify_eval.c) and prints reason/hard/status agreement.  Sisimai's
pseudo statuses (X.0.9NN) are what a classifier derives, never a decoder
fact, so they are withheld from the input and compared on output.

Build the driver (from the top of the tree, after building build/):
  cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude -Ilib \
      $(pkg-config --cflags libhs) tools/classify_eval.c \
      build/libbouncekit.a -o /tmp/classify_eval $(pkg-config --libs libhs) -lm
(the library carries the embedded rules and their serialised database;
add the libraries `pkg-config --libs bouncekit` lists if the link asks.)
"""
import json, re, subprocess, sys, collections

def esc(v):
    if v is None:
        return ''
    return str(v).replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace('\r', '\\r')

def main():
    binary, path = sys.argv[1], sys.argv[2]
    misses = 40
    extra = []
    if '--misses' in sys.argv:
        misses = int(sys.argv[sys.argv.index('--misses') + 1])
    if '--rules' in sys.argv:
        extra = ['-r', sys.argv[sys.argv.index('--rules') + 1]]
    nodec = '--no-decoder' in sys.argv
    rows = [json.loads(l) for l in open(path)]
    lines = []
    for r in rows:
        st = r.get('status') or ''
        if re.match(r'^[45]\.0\.9\d\d$', st):
            st = ''
        lines.append('\t'.join(esc(x) for x in [
            r.get('kind'), st, r.get('reply_code'), r.get('command'),
            r.get('remote_mta'), r.get('recipient'), r.get('diagnostic_type'),
            r.get('action'), r.get('diagnostic'),
            None if nodec else (r.get('sisimai_decoder') or '').lower()]))
    out = subprocess.run([binary] + extra, input='\n'.join(lines) + '\n',
                         capture_output=True, text=True, check=True).stdout
    got = [l.split('\t') for l in out.rstrip('\n').split('\n')]
    n = len(rows)
    ok_reason = ok_hard = ok_status = 0
    bad = collections.Counter()
    shown = 0
    for r, g in zip(rows, got):
        reason, status, hard = g[0], g[1], g[2] == '1'
        ok_reason += reason == r['reason']
        ok_hard += hard == bool(r['hard'])
        ok_status += (status or None) == r.get('status')
        if reason != r['reason']:
            bad[(r['reason'], reason)] += 1
            if shown < misses:
                shown += 1
                print('MISS %-28s want %-15s got %-15s rule %-24s st=%s cmd=%s host=%s dec=%s | %s' % (
                    r['file'], r['reason'], reason, g[4], r.get('status'),
                    r.get('command'), r.get('remote_mta'), r.get('sisimai_decoder'),
                    (r.get('diagnostic') or '')[:160]))
    print('rows %d  reason %.2f%% (%d)  hard %.2f%% (%d)  status %.2f%% (%d)' % (
        n, 100.0 * ok_reason / n, ok_reason, 100.0 * ok_hard / n, ok_hard,
        100.0 * ok_status / n, ok_status))
    for (w, g), c in bad.most_common(15):
        print('  want %-15s got %-15s x%d' % (w, g, c))

if __name__ == '__main__':
    main()
