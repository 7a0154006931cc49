#!/bin/sh
# eval.sh BOUNCEKIT CORPUS - decode a corpus and score it.
#
# CORPUS is a folder with emails/ and expected.jsonl (for example
# ../shared/corpus/sisimai) and score.py one level above it.  Without a
# corpus the evaluation is skipped, not failed.  MIN_FULL (percent) makes
# it fail below that full-agreement figure.
set -u
bin=$1
corpus=${2:-}
if [ -z "$corpus" ] || [ ! -d "$corpus/emails" ] || [ ! -f "$corpus/expected.jsonl" ]; then
	echo "eval: no corpus given or found (CORPUS=$corpus): skipped"
	exit 0
fi
score="$corpus/../score.py"
if [ ! -f "$score" ]; then
	echo "eval: $score not found: skipped"
	exit 0
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" parse "$corpus/emails" >"$out"
rc=$?
undecoded=$(grep -c '"kind":"unknown"' "$out")
echo "eval: messages not decoded (records of kind unknown): $undecoded"
grep '"kind":"unknown"' "$out" | sed 's/.*"origin":"\([^"]*\)".*"error":\(.*\)}/  \1: \2/' | head -20
# 4 only says that some message was undecodable: counted above
[ $rc -eq 4 ] && rc=0
if [ -n "${MIN_FULL:-}" ]; then
	python3 "$score" "$corpus/expected.jsonl" "$out" --by-reason --min-full "$MIN_FULL"
else
	python3 "$score" "$corpus/expected.jsonl" "$out" --by-reason
fi
s=$?
[ $rc -eq 0 ] || exit $rc
exit $s
