# mta_lib.sh - shared by the tests that run a real MTA unpacked from its
# Debian package (exim_e2e.sh, opensmtpd_e2e.sh, sendmail_e2e.sh,
# dma_e2e.sh, courier_e2e.sh, dovecot_e2e.sh, nullmailer_e2e.sh) or
# installed (postfix_e2e.sh);
# sourced, not run.  mta_tool.py is its Python half.
# The caller sets here (its folder) and MTA_TEST (its name) first.

sink=$here/../store/smtp_sink.py
export PATH="$PATH:/usr/sbin:/sbin"

skip() { echo "$MTA_TEST: SKIP: $*"; exit 77; }
fail() { echo "$MTA_TEST: FAIL: $*"; exit 1; }

# mta_fetch DEBS ROOT PKG... - the packages' .deb files in DEBS (fetched
# with apt-get download when missing, kept between runs), unpacked into
# ROOT.  Returns 77 when the download fails, 1 when unpacking does.
mta_fetch() {
	local debs=$1 root=$2 need= p d
	shift 2
	mkdir -p "$debs"
	for p in "$@"; do
		ls "$debs/${p}"_*.deb > /dev/null 2>&1 || need="$need $p"
	done
	if [ -n "$need" ]; then
		if ! (cd "$debs" && apt-get download -qq $need) > /dev/null 2>&1; then
			apt-get update -qq > /dev/null 2>&1
			(cd "$debs" && apt-get download -qq $need) > /dev/null 2>&1 ||
			    { echo "apt-get download$need failed"; return 77; }
		fi
	fi
	for p in "$@"; do
		d=$(ls "$debs/${p}"_*.deb | head -1)
		dpkg -x "$d" "$root" || { echo "dpkg -x $d"; return 1; }
	done
}

# mta_outer TAG DEBS PKG... - outside the namespace: the checks each such
# test makes first, a lab folder /tmp/bk-TAG.* (sets lab), the packages
# unpacked into $lab/root (their .deb files kept in DEBS, or in the lab)
mta_outer() {
	local tag=$1 debs=$2 why rc

	shift 2
	[ "$(id -u)" -eq 0 ] || skip "needs root (a daemon with its own users)"
	command -v unshare > /dev/null || skip "unshare (util-linux) missing"
	command -v dpkg > /dev/null && command -v apt-get > /dev/null ||
	    skip "needs dpkg and apt-get to fetch the packages"
	lab=$(mktemp -d "/tmp/bk-$tag.XXXXXX")
	chmod 755 "$lab"
	why=$(mta_fetch "${debs:-$lab/debs}" "$lab/root" "$@")
	rc=$?
	[ $rc -eq 0 ] && return 0
	rm -rf "$lab"
	[ $rc -eq 77 ] && skip "$why"
	fail "$why"
}

# mta_enter SCRIPT ARG... - run SCRIPT again inside a private mount
# namespace (and UTS namespace, with MTA_UTS set: a host name of its own),
# where BK_MTA_INNER=1 and BK_MTA_LAB=$lab, bounded by
# DEADLINE plus a minute; then remove the lab and exit with its status
mta_enter() {
	local rc

	export BK_MTA_INNER=1 BK_MTA_LAB=$lab
	timeout -k 10 $((DEADLINE + 60)) unshare -m ${MTA_UTS:+-u} \
	    --propagation private bash "$@"
	rc=$?
	# BK_MTA_KEEP=DIR: the notices are copied there first (to read them)
	[ -n "${BK_MTA_KEEP:-}" ] && mkdir -p "$BK_MTA_KEEP" &&
	    cp -r "$lab/out/." "$BK_MTA_KEEP/"
	rm -rf "$lab"
	exit $rc
}

# mta_user ETC NAME HOME - add user and group NAME (with a free id) to
# the passwd and group copies in ETC, unless the host has that user
mta_user() {
	local etc=$1 name=$2 home=$3 uid

	getent passwd "$name" > /dev/null && return 0
	uid=$(awk -F: '{ used[$3] = 1 } END { for (i = 999; i >= 100; i--)
	    if (!(i in used)) { print i; exit } }' "$etc/passwd" "$etc/group")
	echo "$name:x:$uid:$uid::$home:/usr/sbin/nologin" >> "$etc/passwd"
	echo "$name:x:$uid:" >> "$etc/group"
}

# mta_ports FIRST LAST - two free TCP ports of 127.0.0.1 in [FIRST, LAST)
mta_ports() {
	python3 - "$1" "$2" <<'PY'
import socket, sys
free = []
for port in range(int(sys.argv[1]), int(sys.argv[2])):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        free.append(port)
    except OSError:
        pass
    finally:
        s.close()
    if len(free) == 2:
        break
print(*free)
PY
}

# mta_listening PORT - an SMTP server greets on 127.0.0.1:PORT
mta_listening() {
	python3 - "$1" 2> /dev/null <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)
s.settimeout(2)
ok = s.makefile("rb").readline().startswith(b"220")
s.sendall(b"QUIT\r\n")
s.close()
sys.exit(0 if ok else 1)
PY
}

# mta_kill_exe PATH - kill every process running the binary PATH
mta_kill_exe() {
	local p

	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2> /dev/null)" = "$1" ] &&
		    kill -KILL "${p#/proc/}" 2> /dev/null
	done
}

# mta_notices NAME - the notices the sink kept for scenario NAME's sender
mta_notices() {
	grep -l "^To:.*s-$1@bounces.example" "$lab/out"/*.eml 2> /dev/null
}

# mta_collect NAME:COUNT... - wait (up to DEADLINE seconds) until the sink
# holds COUNT notices for each scenario NAME, then decode each scenario's
# into $lab/out/NAME.jsonl
mta_collect() {
	local end=$((SECONDS + DEADLINE)) missing s f rc

	while [ $SECONDS -lt $end ]; do
		missing=$(for s in "$@"; do
			[ "$(mta_notices "${s%:*}" | wc -l)" -ge "${s#*:}" ] ||
			    echo "${s%:*}"
		done)
		[ -z "$missing" ] && break
		sleep 1
	done
	[ -z "$missing" ] || fail "no notice for:" $missing
	for s in "$@"; do
		for f in $(mta_notices "${s%:*}"); do
			"$bin" parse "$f" >> "$lab/out/${s%:*}.jsonl"
			rc=$?
			[ $rc -eq 0 ] || fail "bouncekit parse $f: exit $rc"
		done
	done
}

# mta_traps EXE - on exit, stop the daemon ($daemon_pid), the sink
# ($sink_pid) and any process left running the binary EXE (deliveries,
# queue runners), then run the caller's mta_cleanup if it has one
mta_traps() {
	mta_exe=$1
	sink_pid=
	daemon_pid=
	trap mta_stop EXIT
	trap 'exit 1' INT TERM
}
mta_stop() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2> /dev/null
	[ -n "$sink_pid" ] && kill "$sink_pid" 2> /dev/null
	sleep 0.3
	mta_kill_exe "$mta_exe"
	wait 2> /dev/null
	if declare -F mta_cleanup > /dev/null; then
		mta_cleanup
	fi
}

# mta_up WHAT LOG... - wait (10 s at most) until the sink and the daemon
# greet on $sink_port and $smtp_port; else fail, quoting the logs' ends
mta_up() {
	local what=$1

	shift
	for _ in $(seq 1 50); do
		mta_listening "$sink_port" && mta_listening "$smtp_port" &&
		    return 0
		sleep 0.2
	done
	fail "$what did not start: $(tail -q -n 3 "$@" 2> /dev/null)"
}

# mta_sink SEP - start the sink on $sink_port (sets sink_pid), keeping
# the notices in $lab/out and answering the scenarios of mta_tool.py:
# reject, blocked, delay and multi at RCPT, full after the data; SEP goes
# between a reply's address and its words (": " or "... ")
mta_sink() {
	python3 "$sink" "$sink_port" "$lab/sink.pid" "keep:$lab/out" \
	    "x@reject.example=550 5.1.1 <x@reject.example>$1User unknown" \
	    "x@blocked.example=554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org" \
	    "x@delay.example=451 4.7.1 <x@delay.example>$1Try again later" \
	    "x@multi.example=550 5.1.1 <x@multi.example>$1User unknown" \
	    "y@multi.example=552 5.2.2 <y@multi.example>$1Mailbox full" \
	    "data:x@full.example=552 5.2.2 <x@full.example>$1Mailbox full" &
	sink_pid=$!
}

# mta_scenarios - submit the scenarios to $smtp_port and decode their
# notices (a delay warning and an expiry for delay, one for the others)
mta_scenarios() {
	"$here/mta_tool.py" submit "$smtp_port" reject blocked full delay ok \
	    multi || fail "submission to the daemon failed"
	mta_collect reject:1 blocked:1 full:1 delay:2 ok:1 multi:1
}
