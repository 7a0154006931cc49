#!/bin/sh
# run.sh BOUNCEKIT [PYTHON] - pathological inputs (gen.py, modest sizes)
# through `bouncekit parse`; asserts every outcome: the exit status (0, or
# 4 with an unknown record; never a crash), the number of records and
# what they say.  Prints one line per input and "N passed, N failed".
set -u
bk=$1
py=${2:-python3}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/bk-patho.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
"$py" "$here/gen.py" "$dir/in" > "$dir/list" || exit 1
pass=0
fail=0

# check KIND FILE WANT_RC WANT_RECORDS PATTERN... - each PATTERN (fixed
# string) must occur in the output; WANT_RC may be "0|4"
check() {
	kind=$1 file=$2 want_rc=$3 want_n=$4
	shift 4
	"$bk" parse "$file" > "$dir/out" 2> "$dir/err"
	rc=$?
	n=$(wc -l < "$dir/out" | tr -d ' ')
	why=""
	case "|$want_rc|" in
	*"|$rc|"*) ;;
	*) why="exit $rc, want $want_rc" ;;
	esac
	[ "$rc" -ge 128 ] && why="crashed (exit $rc)"
	[ -z "$why" ] && [ "$n" != "$want_n" ] && why="$n records, want $want_n"
	for pat in "$@"; do
		[ -n "$why" ] && break
		grep -qF -- "$pat" "$dir/out" || why="no $pat in the output"
	done
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		echo "ok   $kind: exit $rc, $n records"
	else
		fail=$((fail + 1))
		echo "FAIL $kind: $why"
		head -c 600 "$dir/err"
	fi
}

bounce='"kind":"bounce"'
bob='"recipient":"bob@example.net"'
st='"status":"5.1.1"'
in=$dir/in
check ordinary "$in/ordinary.eml" 0 1 "$bounce" "$bob" "$st"
check deep_multipart "$in/deep_multipart.eml" 4 1 '"kind":"unknown"' \
    '"error":"MIME nesting too deep"'
check deep_rfc822 "$in/deep_rfc822.eml" 4 1 '"kind":"unknown"' \
    '"error":"MIME nesting too deep"'
check many_parts "$in/many_parts.eml" 0 1 "$bounce" "$bob" "$st"
check huge_part "$in/huge_part.eml" 0 1 "$bounce" "$bob" "$st"
check many_recipients "$in/many_recipients.eml" "0|4" 10000 "$bounce" \
    '"recipient":"u9999@example.net"'
check long_line "$in/long_line.eml" 0 1 "$bounce" "$bob" "$st"
check many_headers "$in/many_headers.eml" 0 1 "$bounce" "$bob" "$st"
check long_header "$in/long_header.eml" 0 1 "$bounce" "$bob" "$st"
check base64_bomb "$in/base64_bomb.eml" 0 1 "$bounce" "$bob" "$st"
check qp_bomb "$in/qp_bomb.eml" 0 1 "$bounce" "$bob" "$st"
check dash_lines "$in/dash_lines.eml" 0 1 "$bounce" "$bob" "$st"
# 100000 tiny messages: every one is reported, none is a bounce
check mbox_from "$in/mbox_from.mbox" 4 100000 \
    "mbox_from.mbox:100000\"" '"error":"no bounce'
# a plain-text notice of 12,000 recipients to 1,500 addresses: the first
# 10,000 recipients, in linear time
check text_recipients "$in/text_recipients.eml" "0|4" 10000 "$bounce" \
    '"recipient":"u9999@example.net"'
# a Sendmail transcript of 12,000 verdict lines: the first 10,000
check verdict_lines "$in/verdict_lines.eml" "0|4" 10000 "$bounce" \
    '"recipient":"u9999@example.net"'
# 10,000 recipients, each reply naming the next: all onhold, in linear
# time (a record is looked up among the others in a table)
check cross_replies "$in/cross_replies.eml" 0 10000 "$bounce" \
    '"recipient":"u9999@example.net"' '"rule":"other-recipient"'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
