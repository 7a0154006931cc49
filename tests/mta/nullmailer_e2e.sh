#!/bin/bash
# nullmailer_e2e.sh BOUNCEKIT [DEBS_DIR] - a real nullmailer writes its
# own delivery status notifications.
#
# Debian's nullmailer (a relay-only MTA: every message goes to its
# "remotes") is fetched with `apt-get download` into DEBS_DIR (kept
# between runs; default: a folder in the test's run directory) and
# unpacked with `dpkg -x`, not installed.  Its programs call each other
# and read their configuration at paths built into them, so read-only
# overlays put the unpacked /usr/lib, /usr/sbin and /usr/bin over the
# host's, and its configuration (/etc/nullmailer, /etc/mailname) over
# /etc, in a private mount namespace (unshare -m); its queue is on a
# private tmpfs on /var/spool.  Nothing on the host changes.
#
# Messages are handed to nullmailer's sendmail; `nullmailer-send` runs
# twice in one-shot mode (pausetime 0), as the user mail: the first run
# tries the scenarios and queues nullmailer's notices, the second sends
# them.  A loopback SMTP sink (../store/smtp_sink.py) is the one remote:
# it plays the receiving servers and keeps the notices (the senders are
# at bounces.example):
#   x@reject.example  550 5.1.1 ... User unknown (at RCPT)
#   x@blocked.example 554 5.7.1 ... blocked using zen.spamhaus.org
#   x@full.example    552 5.2.2 Mailbox full (after the data)
#   x@multi.example   550 5.1.1, y@multi.example 552 5.2.2: nullmailer
#                     gives up the whole message at the first refused
#                     RCPT and reports both with x's reply; y's record
#                     must not call y's address bad
#   x@delay.example   451 4.7.1 ... Try again later, past the queue
#                     lifetime (1 s): nullmailer's notice says "delayed"
#   x@ok.example      accepted: no notice at all
# The test decodes each notice with bouncekit and checks each record.
#
# Skips (77) when not root, when unshare or the overlay mount is not
# possible here, or when the package cannot be downloaded.  Everything
# started is stopped on exit; bounded in time (about 5 s).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
MTA_TEST=nullmailer_e2e
. "$here/mta_lib.sh"
PKGS="nullmailer"
DEADLINE=${BK_NULLMAILER_DEADLINE:-60}
SEND=/usr/sbin/nullmailer-send

if [ "${BK_MTA_INNER:-}" != 1 ]; then
	mta_outer nullmailer "${2:-}" $PKGS
	[ -x "$lab/root$SEND" ] || {
		rm -rf "$lab"
		fail "nullmailer-send not in the package"
	}
	getent passwd mail > /dev/null || {
		rm -rf "$lab"
		skip "no user mail (nullmailer's queue belongs to it)"
	}
	mkdir -p "$lab/etc-add/nullmailer"
	chmod 755 "$lab/etc-add" "$lab/etc-add/nullmailer"
	mta_enter "$0" "$bin"
fi

# In the private mount namespace from here on.
lab=$BK_MTA_LAB
mta_traps "$SEND"
mkdir -p "$lab/out"

read -r sink_port _ < <(mta_ports 21000 21200)
[ -n "${sink_port:-}" ] || fail "no free port on 127.0.0.1"

# the configuration, written before /etc is overlaid (read-only there)
echo mx.lab.test > "$lab/etc-add/mailname"
echo lab.test > "$lab/etc-add/nullmailer/defaultdomain"
echo "127.0.0.1 smtp port=$sink_port" > "$lab/etc-add/nullmailer/remotes"
echo 0 > "$lab/etc-add/nullmailer/pausetime"
echo 1 > "$lab/etc-add/nullmailer/queuelifetime"
chmod 644 "$lab/etc-add/mailname" "$lab/etc-add/nullmailer"/*

mount -t overlay -o "lowerdir=$lab/etc-add:/etc" bk-nullmailer-etc /etc \
    2> /dev/null || skip "no overlay mount in a private namespace here"
for d in /usr/lib /usr/sbin /usr/bin; do
	mount -t overlay -o "lowerdir=$lab/root$d:$d" bk-nullmailer-usr "$d" \
	    2> /dev/null || skip "no overlay mount on $d here"
done
mount -t tmpfs bk-nullmailer-spool /var/spool 2> /dev/null ||
    skip "no tmpfs mount in a private namespace here"
if ldd "$SEND" | grep -q 'not found'; then
	fail "unresolved libraries: $(ldd "$SEND" | grep 'not found')"
fi
mkdir -p /var/spool/nullmailer/queue /var/spool/nullmailer/tmp \
    /var/spool/nullmailer/failed
mkfifo /var/spool/nullmailer/trigger
chown -R mail /var/spool/nullmailer
chmod 700 /var/spool/nullmailer/queue /var/spool/nullmailer/tmp

mta_sink ": "
for _ in $(seq 1 50); do
	mta_listening "$sink_port" && break
	sleep 0.2
done
mta_listening "$sink_port" || fail "the sink did not start"

"$here/mta_tool.py" pipe /usr/sbin/sendmail reject blocked full multi \
    delay ok || fail "nullmailer's sendmail refused a message"
# past the queue lifetime, so that the deferral gives a notice at once
sleep 2
for run in 1 2; do
	timeout "$DEADLINE" runuser -u mail -- "$SEND" \
	    > "$lab/send-$run.log" 2>&1 ||
	    fail "nullmailer-send: $(tail -n 3 "$lab/send-$run.log")"
done

mta_collect reject:1 blocked:1 full:1 multi:1 delay:1
[ -z "$(mta_notices ok)" ] || fail "a notice for a delivered message"
echo "$MTA_TEST: $(zcat "$lab/root/usr/share/doc/nullmailer/changelog.Debian.gz" \
    2> /dev/null | head -1 | cut -d' ' -f1-2)"
"$here/mta_tool.py" check "$MTA_TEST" "$lab/out" <<'EOF'
{
  "reject": ["sink", {"decoder": "rfc3464", "remote_mta": "127.0.0.1",
    "reporting_mta": "mx.lab.test", "message_id": "reject@lab.test"}],
  "blocked": "sink",
  "full": "sink",
  "multi": ["x@multi.example", [
    {"kind": "bounce", "status": "5.1.1", "reply_code": 550,
     "reason": "userunknown", "hard": true},
    {"recipient": "y@multi.example", "kind": "bounce", "reply_code": 550,
     "reason": "onhold", "rule": "other-recipient", "hard": false,
     "diagnostic": "550 5.1.1 <x@multi.example>: User unknown"}]],
  "delay": ["x@delay.example", [{"kind": "delay", "action": "delayed",
    "status": "4.7.1", "reply_code": 451, "hard": false,
    "diagnostic": "451 4.7.1 <x@delay.example>: Try again later"}]]
}
EOF
