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
packages="build-essential cmake pkg-config python3 libvectorscan-dev libsqlite3-dev libssl-dev libpq-dev postgresql"
# DNS checks: c-ares, the Public Suffix List; knot for tests/dns
packages="$packages libc-ares-dev libpsl-dev publicsuffix knot knot-dnsutils"

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
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
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
	MIN_FULL=${MIN_FULL:-78} tools/eval.sh "$build/bouncekit" "$corpus"
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
