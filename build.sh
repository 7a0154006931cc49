#!/bin/sh
# build.sh - install what is missing, build, and run.
#
#   ./build.sh run     install Debian packages, build, decode a sample
#   ./build.sh test    install, build, run every test and the corpus
#                      evaluation (when ../shared/corpus is beside us)
#   ./build.sh bench   build and run the benchmarks
#
# BUILD_DIR (default build) and BK_CMAKE_FLAGS pass through to CMake.
set -eu
cd "$(dirname "$0")"
build=${BUILD_DIR:-build}
packages="build-essential cmake pkg-config python3 valgrind libvectorscan-dev libsqlite3-dev libssl-dev libpq-dev postgresql"
# DNS checks: c-ares, the Public Suffix List; knot for tests/dns
packages="$packages libc-ares-dev libpsl-dev publicsuffix knot knot-dnsutils"
# DMARC reports: expat (XML), zlib (gzip and zip members)
packages="$packages libexpat1-dev zlib1g-dev libjansson-dev"
# the store's end-to-end test runs a private Postfix (tests/store)
packages="$packages postfix"

install_missing() {
	missing=""
	for p in $packages; do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "build.sh: installing$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	case " $missing " in
	*" postfix "*)
		# Postfix's installer asks what kind of mail system this is:
		# "No configuration" writes no /etc/postfix/main.cf, so there
		# is no system instance to start.  The tests run a private
		# instance of their own on loopback (tests/store/postfix_e2e.sh)
		# and nothing may listen on port 25 here.  policy-rc.d (exit
		# 101) also keeps the package's scripts from starting the
		# service during the install; it is removed again afterwards,
		# and if a system Postfix runs anyway it is stopped.
		echo "postfix postfix/main_mailer_type select No configuration" |
		    $sudo debconf-set-selections
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' |
			    $sudo tee /usr/sbin/policy-rc.d > /dev/null
			$sudo chmod 755 /usr/sbin/policy-rc.d
			own_policy=1
		fi
		;;
	esac
	rc=0
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing ||
	    rc=$?
	if [ -n "${own_policy:-}" ]; then
		$sudo rm -f /usr/sbin/policy-rc.d
	fi
	[ "$rc" -eq 0 ] || exit "$rc"
	case " $missing " in
	*" postfix "*)
		# belt and braces: no system-wide Postfix left running
		if [ -f /etc/postfix/main.cf ] &&
		    $sudo postfix status > /dev/null 2>&1; then
			$sudo postfix stop || true
		fi
		;;
	esac
}

compile() {
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${BK_CMAKE_FLAGS:-} >/dev/null
	cmake --build "$build" -j "$(nproc)"
}

case "${1:-run}" in
run)
	install_missing
	compile
	echo "\$ $build/bouncekit parse samples/postfix-user-unknown.eml"
	"$build/bouncekit" parse samples/postfix-user-unknown.eml
	;;
test)
	install_missing
	compile
	(cd "$build" && ctest --output-on-failure -j "$(nproc)")
	corpus=../shared/corpus/sisimai
	[ -d "$corpus" ] || corpus=""
	# the floor catches regressions; raise it as accuracy improves
	MIN_FULL=${MIN_FULL:-97} tools/eval.sh "$build/bouncekit" "$corpus"
	# The whole suite again under AddressSanitizer and UBSan (debug
	# build, so BK_ASSERT guards abort), then the corpus under valgrind.
	if [ "${BK_SKIP_SANITIZERS:-0}" != 1 ]; then
		san=${build}-sanitize
		cmake -S . -B "$san" -DCMAKE_BUILD_TYPE=Debug -DBK_SANITIZE=ON >/dev/null
		cmake --build "$san" -j "$(nproc)"
		(cd "$san" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		    ctest --output-on-failure -j "$(nproc)")
		if [ -n "$corpus" ]; then
			echo "valgrind memcheck over $corpus/emails"
			valgrind -q --error-exitcode=9 --leak-check=full \
			    --errors-for-leak-kinds=definite \
			    --suppressions=tests/valgrind.supp \
			    "$build/bouncekit" parse "$corpus/emails" >/dev/null ||
			    [ $? -eq 4 ]
			echo "valgrind: no errors"
		fi
	fi
	;;
bench)
	install_missing
	compile
	bench/run.sh "$build/bouncekit"
	;;
*)
	echo "usage: ./build.sh run|test|bench" >&2
	exit 2
	;;
esac
