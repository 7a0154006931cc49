#!/bin/sh
# run.sh BUILD SECONDS TARGET... - run libFuzzer targets one after the
# other, each for SECONDS, over a scratch copy of its seeds (plus, for the
# message parsers, ../shared/corpus when it is beside the tree), with its
# dictionary.  Logs, the grown corpus and crashes go to
# ${BK_FUZZ_WORK:-/tmp/bk-fuzz}/<target>/; the last lines of each log
# (execs, cov:) are what docs/SECURITY.md records.
#
#   cmake -S . -B build-fuzz -DBK_FUZZ=ON -DBK_TESTS=OFF -DCMAKE_C_COMPILER=clang
#   cmake --build build-fuzz --target fuzz_all
#   tests/fuzz/run.sh build-fuzz 600 message dsn
set -u
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$(cd "$(dirname "$0")" && pwd)/ubsan.supp"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
build=$1
secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=${BK_FUZZ_WORK:-/tmp/bk-fuzz}
shared=$here/../../../shared/corpus/sisimai
for t in "$@"; do
	dir=$work/$t
	mkdir -p "$dir/corpus"
	cp -n "$here/seeds/$t/"* "$dir/corpus/" 2>/dev/null
	[ -d "$here/regressions/$t" ] &&
	    cp -n "$here/regressions/$t/"* "$dir/corpus/" 2>/dev/null
	case $t in
	message|source)
		[ -d "$shared" ] && find "$shared" -name '*.eml' -size -64k \
		    -exec cp -n {} "$dir/corpus/" \; ;;
	esac
	"$build/tests/fuzz/fuzz_$t" "$dir/corpus" -dict="$here/$t.dict" \
	    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=25 \
	    -print_final_stats=1 -artifact_prefix="$dir/" \
	    > "$dir/log" 2>&1
	echo "$t: exit $? $(grep -E '^#[0-9]+.*(DONE|cov:)' "$dir/log" |
	    tail -1)"
done
