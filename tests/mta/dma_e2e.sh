#!/bin/bash
# dma_e2e.sh BOUNCEKIT [DEBS_DIR] - a real DragonFly Mail Agent (dma)
# writes its own delivery notices.
#
# Debian's dma (package dma) is the system's MTA and cannot be installed
# beside the postfix package the other tests need, so it is fetched with
# `apt-get download` into DEBS_DIR (kept between runs; default: a folder
# in the test's run directory) and unpacked with `dpkg -x`, not
# installed.  dma has no SMTP listener: mail is handed to it as to
# sendmail (dma -f SENDER RECIPIENT... < MESSAGE), and it relays every
# message to its smart host, here a free high port of 127.0.0.1.
#
# What dma reads at paths built into it is given in a private mount
# namespace (unshare -m), so only this test's processes see it: its
# configuration /etc/dma/dma.conf in a read-only overlay on /etc, and a
# private tmpfs on /var/spool for its queue.  Nothing on the host changes.
#
# A loopback SMTP sink (../store/smtp_sink.py) is the smart host: it plays
# the remote servers and receives the notices (the senders are at
# bounces.example, relayed to the sink, which keeps what it accepts):
#   x@reject.example  550 5.1.1 ... User unknown (at RCPT)
#   x@blocked.example 554 5.7.1 ... blocked using zen.spamhaus.org
#   x@full.example    552 5.2.2 Mailbox full (after the data)
#   x@multi.example   550 5.1.1 and y@multi.example 552 5.2.2, both
#                     recipients of one message: dma writes a notice per
#                     recipient
#   x@delay.example   451 4.7.1 ... Try again later; its queue file is
#                     made six days old first, so dma gives up at once
#                     (it keeps a message five days): the expiry notice
#   x@ok.example      accepted: no notice at all
# The messages are queued first (DEFER) and then delivered by one
# `dma -q -D` in the foreground.  The test decodes each notice with
# bouncekit and checks each record.
#
# Skips (77) when not root, when unshare or the overlay mount is not
# possible here, or when the package cannot be downloaded.  Everything
# started is stopped on exit; bounded in time (about 10 s).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
MTA_TEST=dma_e2e
. "$here/mta_lib.sh"
PKGS="dma"
DEADLINE=${BK_DMA_DEADLINE:-60}

# First, on the host: dma unpacked and its configuration folder made in
# the lab; then this script again, in the namespace.
if [ "${BK_MTA_INNER:-}" != 1 ]; then
	mta_outer dma "${2:-}" $PKGS
	dma=$lab/root/usr/sbin/dma
	if ldd "$dma" | grep -q 'not found'; then
		rm -rf "$lab"
		fail "unresolved libraries: $(ldd "$dma" | grep 'not found')"
	fi
	getent group mail > /dev/null || {
		rm -rf "$lab"
		skip "no group mail (dma's queue belongs to it)"
	}
	mkdir -p "$lab/etc-add/dma"
	chmod 755 "$lab/etc-add" "$lab/etc-add/dma"
	mta_enter "$0" "$bin"
fi

# In the private mount namespace from here on.
lab=$BK_MTA_LAB
dma=$lab/root/usr/sbin/dma

mta_traps "$dma"
mkdir -p "$lab/out"

# one free high port on 127.0.0.1: the sink (the smart host)
read -r sink_port _ < <(mta_ports 20400 20600)
[ -n "${sink_port:-}" ] || fail "no free port on 127.0.0.1"

# the configuration is written before /etc is overlaid (the lower folder
# is read-only through the overlay)
cat > "$lab/etc-add/dma/dma.conf" <<EOF
SMARTHOST 127.0.0.1
PORT $sink_port
MAILNAME mx.lab.test
NULLCLIENT
DEFER
EOF
chmod 644 "$lab/etc-add/dma/dma.conf"
mount -t overlay -o "lowerdir=$lab/etc-add:/etc" bk-dma-etc /etc \
    2> /dev/null || skip "no overlay mount in a private namespace here"
mount -t tmpfs bk-dma-spool /var/spool 2> /dev/null ||
    skip "no tmpfs mount in a private namespace here"
mkdir -p /var/spool/dma
chgrp mail /var/spool/dma
chmod 770 /var/spool/dma

mta_sink ": "
for _ in $(seq 1 50); do
	mta_listening "$sink_port" && break
	sleep 0.2
done
mta_listening "$sink_port" || fail "the sink did not start"

"$here/mta_tool.py" pipe "$dma" reject blocked full multi delay ok ||
    fail "dma refused a message"
# the delay scenario's queue files, six days old: past dma's five days
old=$(grep -l "x@delay.example" /var/spool/dma/Q* 2> /dev/null)
[ -n "$old" ] || fail "the delay scenario is not in the queue"
for f in $old; do
	touch -d '6 days ago' "$f" "/var/spool/dma/M${f##*/Q}"
done
timeout "$DEADLINE" "$dma" -q -D > "$lab/dma.log" 2>&1 ||
    fail "dma -q: $(tail -n 3 "$lab/dma.log")"

mta_collect reject:1 blocked:1 full:1 multi:2 delay:1
[ -z "$(mta_notices ok)" ] || fail "a notice for a delivered message"
left=$(ls /var/spool/dma | grep -c '^Q')
[ "$left" -eq 0 ] || fail "$left messages left in dma's queue"
echo "$MTA_TEST: $(grep -ho 'DragonFly Mail Agent v[0-9.]*' \
    "$lab/out"/*.eml | head -1)"
"$here/mta_tool.py" check "$MTA_TEST" "$lab/out" <<'EOF'
{
  "reject": ["sink", {"decoder": "dragonfly", "command": "RCPT",
    "remote_mta": "127.0.0.1", "reporting_mta": "mx.lab.test",
    "message_id": "reject@lab.test"}],
  "blocked": "sink",
  "full": ["sink", {"command": "DATA"}],
  "multi": "sink",
  "delay": ["x@delay.example", [{"kind": "bounce", "action": "failed",
    "reason": "expired", "hard": false, "message_id": "delay@lab.test",
    "diagnostic": "Could not deliver for the last 432000 seconds. Giving up."}]]
}
EOF
