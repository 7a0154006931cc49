#!/bin/bash
# courier_e2e.sh BOUNCEKIT [DEBS_DIR] - a real Courier mail server writes
# its own delivery status notifications.
#
# Debian's Courier (packages courier-mta and courier-base, with
# courier-authlib, libcourier-unicode4 and libidn12 for their libraries)
# is the system's MTA and cannot be installed beside the postfix package
# the other tests need, so the packages are fetched with `apt-get
# download` into DEBS_DIR (kept between runs; default: a folder in the
# test's run directory) and unpacked with `dpkg -x`, not installed.
#
# Courier finds everything at paths built into it, so the test gives them
# in a private mount namespace (unshare -m), where only its processes
# see them: read-only overlays put the unpacked /usr/lib (programs,
# modules, libraries) over the host's, and /etc/courier (the package's
# configuration with ours: host name mx.lab.test, every domain routed to
# the sink, a queue lifetime of 12 s and a delay warning after 3 s) and
# the user courier over /etc; private tmpfs mounts hold the queue
# (/var/lib/courier) and /run.  courierd runs as root; messages are
# handed to Courier's own sendmail.  Nothing on the host changes.
#
# A loopback SMTP sink (../store/smtp_sink.py) plays the remote servers
# and receives the notices (the senders are at bounces.example, relayed
# to the sink, which keeps what it accepts):
#   x@reject.example  550 5.1.1 ... User unknown (at RCPT)
#   x@blocked.example 554 5.7.1 ... blocked using zen.spamhaus.org
#   x@full.example    552 5.2.2 Mailbox full (after the data)
#   x@multi.example   550 5.1.1 and y@multi.example 552 5.2.2, both
#                     recipients of one message
#   x@delay.example   451 4.7.1 ... Try again later: a delay warning,
#                     then the failure when the queue lifetime is over
#   x@ok.example      accepted: no notice at all
# The test decodes each notice with bouncekit and checks each record.
#
# Skips (77) when not root, when unshare or the overlay mount is not
# possible here, or when the packages cannot be downloaded.  Everything
# started is stopped on exit; bounded in time (about 30 s).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
MTA_TEST=courier_e2e
. "$here/mta_lib.sh"
PKGS="courier-mta courier-base courier-authlib libcourier-unicode4 libidn12"
DEADLINE=${BK_COURIER_DEADLINE:-90}
MODS=/usr/lib/courier/courier

# First, on the host: the packages unpacked, the user courier and the
# configuration prepared in the lab; then this script again, in the
# namespace.
if [ "${BK_MTA_INNER:-}" != 1 ]; then
	mta_outer courier "${2:-}" $PKGS
	[ -x "$lab/root$MODS/courierd" ] || {
		rm -rf "$lab"
		fail "courierd not in the package"
	}
	mkdir -p "$lab/etc-add" "$lab/varlib-add/courier"
	cp /etc/passwd /etc/group "$lab/etc-add/"
	mta_user "$lab/etc-add" courier /var/lib/courier
	cp -a "$lab/root/etc/courier" "$lab/etc-add/"
	chmod 644 "$lab/etc-add/passwd" "$lab/etc-add/group"
	chmod 755 "$lab/etc-add" "$lab/varlib-add" "$lab/varlib-add/courier"
	mta_enter "$0" "$bin"
fi

# In the private mount namespace from here on.
lab=$BK_MTA_LAB
conf=$lab/etc-add/courier

mta_traps "$MODS/courierd"
# courierd's modules (and their children) run binaries of their own
mta_cleanup() {
	local m

	for m in esmtp/courieresmtp local/courierlocal dsn/courierdsn; do
		mta_kill_exe "$MODS/modules/$m"
	done
}
mkdir -p "$lab/out"

# one free high port on 127.0.0.1: the sink
read -r sink_port _ < <(mta_ports 20600 20800)
[ -n "${sink_port:-}" ] || fail "no free port on 127.0.0.1"

# the configuration, written before /etc is overlaid (read-only there)
echo mx.lab.test > "$conf/me"
echo mx.lab.test > "$conf/defaultdomain"
echo ":[127.0.0.1],$sink_port" > "$conf/esmtproutes"
echo 12s > "$conf/queuetime"
echo 3s > "$conf/warntime"
echo 2s > "$conf/retryalpha"
echo 2 > "$conf/retrybeta"
echo 3s > "$conf/retrygamma"
uid=$(awk -F: '$1 == "courier" { print $3 }' "$lab/etc-add/passwd")
chown -R "0:$uid" "$conf"
chmod -R g+rX,o+rX "$conf"

mount -t overlay -o "lowerdir=$lab/etc-add:/etc" bk-courier-etc /etc \
    2> /dev/null || skip "no overlay mount in a private namespace here"
mount -t overlay -o "lowerdir=$lab/root/usr/lib:/usr/lib" bk-courier-lib \
    /usr/lib 2> /dev/null || skip "no overlay mount on /usr/lib here"
mount -t overlay -o "lowerdir=$lab/varlib-add:/var/lib" bk-courier-var \
    /var/lib 2> /dev/null || skip "no overlay mount on /var/lib here"
mount -t tmpfs bk-courier-queue /var/lib/courier 2> /dev/null &&
    mount -t tmpfs bk-courier-run /run 2> /dev/null ||
    skip "no tmpfs mount in a private namespace here"
if ldd "$MODS/courierd" | grep -q 'not found'; then
	fail "unresolved libraries: $(ldd "$MODS/courierd" | grep 'not found')"
fi
mkdir -p /run/courier /var/lib/courier/msgs /var/lib/courier/msgq \
    /var/lib/courier/tmp /var/lib/courier/track /var/lib/courier/sts \
    /var/lib/courier/filters /var/lib/courier/allfilters
chown -R courier:courier /var/lib/courier
chmod 750 /var/lib/courier /var/lib/courier/*
chmod 770 /var/lib/courier/tmp
chgrp courier /run/courier
chmod 775 /run/courier

mta_sink ": "
# courierctl.start: courierd with the environment of /etc/courier/courierd
/usr/lib/courier/courierctl.start > "$lab/courierd.log" 2>&1
for _ in $(seq 1 50); do
	mta_listening "$sink_port" && [ -e /var/lib/courier/tmp/trigger ] &&
	    break
	sleep 0.2
done
mta_listening "$sink_port" || fail "the sink did not start"
[ -e /var/lib/courier/tmp/trigger ] ||
    fail "courierd did not start: $(tail -n 3 "$lab/courierd.log")"

"$here/mta_tool.py" pipe "$lab/root/usr/sbin/sendmail" reject blocked full \
    multi delay ok || fail "Courier's sendmail refused a message"
mta_collect reject:1 blocked:1 full:1 multi:1 delay:2
[ -z "$(mta_notices ok)" ] || fail "a notice for a delivered message"
echo "$MTA_TEST: $(grep -ho 'the Courier mail server, version [0-9.]*[0-9]' \
    "$lab/out"/*.eml | head -1)"
# the delay warning has no Diagnostic-Code: the exchange in the text
# gives the command and the reply; the failure at the end of the queue
# lifetime reports Status 5.0.0 with the last reply, 451 4.7.1
"$here/mta_tool.py" check "$MTA_TEST" "$lab/out" <<'EOF'
{
  "reject": ["sink", {"decoder": "rfc3464", "command": "RCPT",
    "remote_mta": "127.0.0.1", "reporting_mta": "mx.lab.test",
    "message_id": "reject@lab.test"}],
  "blocked": "sink",
  "full": ["sink", {"command": "DATA"}],
  "multi": "sink",
  "delay": ["x@delay.example", [
    {"kind": "delay", "action": "delayed", "status": "4.7.1",
     "reply_code": 451, "command": "RCPT", "hard": false,
     "diagnostic": "451 4.7.1 <x@delay.example>: Try again later"},
    {"kind": "bounce", "action": "failed", "reply_code": 451,
     "command": "RCPT", "hard": false,
     "diagnostic": "451 4.7.1 <x@delay.example>: Try again later"}]]
}
EOF
