#!/bin/bash
# opensmtpd_e2e.sh BOUNCEKIT [DEBS_DIR] - a real OpenSMTPD writes its own
# delivery notices.
#
# Debian's OpenSMTPD (package opensmtpd) is the system's MTA and cannot be
# installed beside the postfix package the other tests need, so it is
# fetched with `apt-get download` into DEBS_DIR (kept between runs;
# default: a folder in the test's run directory) and unpacked with
# `dpkg -x`, not installed.  The unpacked smtpd runs in the foreground as
# root with a private configuration (-f), listening on a free high port of
# 127.0.0.1 (never 25), relaying by IP address only (no DNS).
#
# What smtpd needs at paths built into it is given in a private mount
# namespace (unshare -m), so only this test's processes see it: its two
# privilege-separation users (opensmtpd, opensmtpq) in a read-only overlay
# on /etc; its empty chroot folder /var/lib/opensmtpd/empty in one on
# /var/lib; a private tmpfs on /var/spool for its queue and on /run for
# its control socket.  Nothing on the host changes.
#
# A loopback SMTP sink (../store/smtp_sink.py) plays the remote servers
# and also receives the notices (the senders are at bounces.example,
# relayed to the sink, which keeps what it accepts):
#   x@reject.example  550 5.1.1 ... User unknown (at RCPT)
#   x@blocked.example 554 5.7.1 ... blocked using zen.spamhaus.org
#   x@full.example    552 5.2.2 Mailbox full (after the data)
#   x@delay.example   451 4.7.1 ... Try again later: a delay notice at
#                     once, then "Envelope expired" when the queue's
#                     lifetime (queue ttl 15s) is over
#   x@multi.example   550 5.1.1 and y@multi.example 552 5.2.2, both
#                     recipients of one message: one notice, two records
#   x@ok.example      accepted, with a DSN request (NOTIFY=SUCCESS): a
#                     success notice ("relayed": the sink has no DSN)
# The test decodes each notice with bouncekit and checks each record.
#
# Skips (77) when not root, when unshare or the overlay mount is not
# possible here, or when the package cannot be downloaded.  Everything
# started is stopped on exit; bounded in time (about 25 s).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
MTA_TEST=opensmtpd_e2e
. "$here/mta_lib.sh"
PKGS="opensmtpd"
DEADLINE=${BK_OPENSMTPD_DEADLINE:-90}

# First, on the host: smtpd unpacked, its users and its chroot folder
# prepared in the lab; then this script again, in the namespace.
if [ "${BK_MTA_INNER:-}" != 1 ]; then
	mta_outer osmtpd "${2:-}" $PKGS
	smtpd=$lab/root/usr/sbin/smtpd
	if ldd "$smtpd" | grep -q 'not found'; then
		rm -rf "$lab"
		fail "unresolved libraries: $(ldd "$smtpd" | grep 'not found')"
	fi
	# /etc as this test's processes see it: the host's, plus the users
	mkdir -p "$lab/etc-add" "$lab/varlib-add/opensmtpd/empty"
	cp /etc/passwd /etc/group "$lab/etc-add/"
	mta_user "$lab/etc-add" opensmtpd /nonexistent
	mta_user "$lab/etc-add" opensmtpq /nonexistent
	echo "mx.lab.test" > "$lab/etc-add/mailname"
	chmod 644 "$lab/etc-add/passwd" "$lab/etc-add/group" \
	    "$lab/etc-add/mailname"
	chmod 755 "$lab/varlib-add" "$lab/varlib-add/opensmtpd" \
	    "$lab/varlib-add/opensmtpd/empty"
	mta_enter "$0" "$bin"
fi

# In the private mount namespace from here on.
lab=$BK_MTA_LAB
smtpd=$lab/root/usr/sbin/smtpd
mount -t overlay -o "lowerdir=$lab/etc-add:/etc" bk-osmtpd-etc /etc \
    2> /dev/null || skip "no overlay mount in a private namespace here"
mount -t overlay -o "lowerdir=$lab/varlib-add:/var/lib" bk-osmtpd-lib \
    /var/lib 2> /dev/null || skip "no overlay mount in a private namespace"
mount -t tmpfs bk-osmtpd-spool /var/spool 2> /dev/null &&
    mount -t tmpfs bk-osmtpd-run /run 2> /dev/null ||
    skip "no tmpfs mount in a private namespace here"
mkdir -p /var/spool/smtpd
chmod 711 /var/spool/smtpd

mta_traps "$smtpd"

mkdir -p "$lab/out" "$lab/run"

# two free high ports on 127.0.0.1: smtpd and the sink
read -r smtp_port sink_port < <(mta_ports 20200 20400)
[ -n "${sink_port:-}" ] || fail "no free port on 127.0.0.1"

cat > "$lab/smtpd.conf" <<EOF
queue ttl 15s
bounce warn-interval 5s
listen on 127.0.0.1 port $smtp_port hostname mx.lab.test
action "sink" relay host smtp://127.0.0.1:$sink_port
match from any for domain "reject.example" action "sink"
match from any for domain "blocked.example" action "sink"
match from any for domain "full.example" action "sink"
match from any for domain "delay.example" action "sink"
match from any for domain "ok.example" action "sink"
match from any for domain "multi.example" action "sink"
match from any for domain "bounces.example" action "sink"
EOF
"$smtpd" -n -f "$lab/smtpd.conf" > /dev/null 2>&1 ||
    fail "smtpd refuses the configuration: $("$smtpd" -n -f \
    "$lab/smtpd.conf" 2>&1 | tail -2)"

mta_sink ": Recipient address rejected: "
"$smtpd" -d -f "$lab/smtpd.conf" > "$lab/smtpd.log" 2>&1 &
daemon_pid=$!

# bounded wait for both listeners
mta_up smtpd "$lab/smtpd.log"

mta_scenarios
"$smtpd" -h 2>&1 | head -1 | sed "s/^/$MTA_TEST: /"
# each notice's record: the deferral's notice has the reply alone as its
# diagnostic; the envelope's expiry, which smtpd calls a delay, is a bounce
"$here/mta_tool.py" check "$MTA_TEST" "$lab/out" <<'EOF'
{
  "reject": ["x@reject.example", [{"kind": "bounce", "decoder": "opensmtpd",
    "status": "5.1.1", "reply_code": 550, "reason": "userunknown",
    "hard": true, "message_id": "reject@lab.test"}]],
  "blocked": "sink",
  "full": ["x@full.example", [{"kind": "bounce", "status": "5.2.2",
    "reply_code": 552, "reason": "mailboxfull", "hard": false}]],
  "delay": ["x@delay.example", [
    {"kind": "delay", "action": "delayed", "status": "4.7.1",
     "reply_code": 451, "hard": false,
     "diagnostic": "451 4.7.1 <x@delay.example>: Recipient address rejected: Try again later"},
    {"kind": "bounce", "action": "delayed", "reason": "expired",
     "hard": false, "diagnostic": "Envelope expired"}]],
  "multi": "sink",
  "ok": ["x@ok.example", [{"kind": "delivered", "action": "relayed",
    "status": "2.0.0", "reason": "delivered", "hard": false}]]
}
EOF
