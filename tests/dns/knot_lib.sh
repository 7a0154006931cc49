# knot_lib.sh - start knotd for a test or a benchmark (sourced, POSIX sh).
#
#   . tests/dns/knot_lib.sh
#   ports=$(knot_free_ports 2)
#   knot_start "$run/knot.conf" "$run/knot.log"     # sets knot_pid
#   knot_wait 127.0.0.1 "$port" sender.test || exit 1
#
# The caller owns the run directory, the configuration and the clean-up
# (kill "$knot_pid").  Used by knot_test.sh, spf_knot.sh and
# bench/dns/run.sh.

knotd=$(command -v knotd || echo /usr/sbin/knotd)

# knot_have - are knotd, kdig and python3 installed?
knot_have() {
	[ -x "$knotd" ] && command -v kdig >/dev/null 2>&1 &&
	    command -v python3 >/dev/null 2>&1
}

# knot_free_ports N - N loopback ports free for both UDP and TCP, chosen
# by the kernel, on one line
knot_free_ports() {
	python3 - "$1" <<'EOF'
import socket, sys
out = []
while len(out) < int(sys.argv[1]):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        t.close()
        u.close()
    out.append(str(p))
print(" ".join(out))
EOF
}

# knot_start CONF LOG - run knotd in the background (as nobody when we
# are root: setpriv execs, so $! is knotd itself); sets knot_pid.  The
# log is appended to, so one log can hold several starts.
knot_start() {
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$knotd" -c "$1" 2>>"$2" &
	else
		"$knotd" -c "$1" 2>>"$2" &
	fi
	knot_pid=$!
}

# knot_wait ADDR PORT NAME - wait up to 5 s until knotd answers the SOA
# of zone NAME with NOERROR; 1 (and a note on stderr) when it does not or
# when knotd exited
knot_wait() {
	n=0
	until kdig @"$1" -p "$2" +timeout=1 +retry=0 "$3" SOA 2>/dev/null |
	    grep -q 'status: NOERROR'; do
		n=$((n + 1))
		if [ "$n" -gt 50 ] || ! kill -0 "$knot_pid" 2>/dev/null; then
			echo "knotd did not serve $3 on port $2" >&2
			return 1
		fi
		sleep 0.1
	done
	return 0
}
