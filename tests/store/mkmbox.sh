#!/bin/sh
# mkmbox.sh N OUT [SAMPLES] - an mbox of N distinct bounces for store tests.
#
# Message i is the Postfix user-unknown sample (hard) for u(i % 500), or
# every fourth one the Exim blocklist sample (sender-side) for b(i % 50),
# with i in the Message-ID so that every message hashes differently.
set -eu
n=$1
out=$2
samples=${3:-$(cd "$(dirname "$0")/../../samples" && pwd)}
awk -v n="$n" -v hard="$samples/postfix-user-unknown.eml" \
    -v blocked="$samples/exim-blocklist.eml" '
function slurp(f,   s, line) {
	s = ""
	while ((getline line < f) > 0)
		s = s line "\n"
	close(f)
	return s
}
BEGIN {
	h = slurp(hard)
	b = slurp(blocked)
	for (i = 0; i < n; i++) {
		if (i % 4 == 3) {
			m = b
			gsub(/bob@example\.net/, "b" (i % 50) "@example.net", m)
		} else {
			m = h
			gsub(/jane\.doe@example\.net/, "u" (i % 500) "@example.net", m)
		}
		sub(/\n\n/, "\nX-Seq: " i "\n\n", m)
		printf "From MAILER-DAEMON Mon Nov 16 09:12:44 2026\n%s\n", m
	}
}' > "$out"
