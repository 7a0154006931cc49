#!/bin/bash
# sendmail_e2e.sh BOUNCEKIT [DEBS_DIR] - a real Sendmail writes its own
# delivery notices.
#
# Debian's Sendmail (sendmail-bin) is the system's MTA and cannot be
# installed beside the postfix package the other tests need, so its
# packages are fetched with `apt-get download` into DEBS_DIR (kept between
# runs) and unpacked with `dpkg -x`, not installed.  Its configuration is
# built from the package's own m4 files (sendmail-cf, and m4 itself) and
# the daemon runs as root with it (-C), on a free high port of 127.0.0.1
# (never 25), with its queue in the test's folder.
#
# Sendmail resolves its own host name before anything else, so the test
# runs in private mount and UTS namespaces (unshare -m -u): the host name
# is mx.lab.test, and a read-only overlay on /etc gives hosts (mx.lab.test
# and sink.lab.test on 127.0.0.1), a resolver without a server and an
# nsswitch.conf of files only; no DNS is asked.  libwrap.so.0 (package
# libwrap0) is added to the library folder by another overlay.  Nothing
# on the host changes.
#
# Every delivery goes to the smart host [sink.lab.test], a loopback SMTP
# sink (../store/smtp_sink.py) that plays the remote servers and keeps the
# notices (the senders are at bounces.example):
#   x@reject.example  550 5.1.1 ... User unknown (at RCPT)
#   x@blocked.example 554 5.7.1 ... blocked using zen.spamhaus.org
#   x@full.example    552 5.2.2 ... Mailbox full (after the data)
#   x@delay.example   451 4.7.1 ... Try again later: a warning after 8 s
#                     (Timeout.queuewarn), a bounce after 20 s
#                     (Timeout.queuereturn)
#   x@multi.example   550 5.1.1 and y@multi.example 552 5.2.2, both
#                     recipients of one message: one notice, two records
#   x@ok.example      accepted, with a DSN request (NOTIFY=SUCCESS, ORCPT,
#                     ENVID): a "relayed" notice, as the sink has no DSN
# The test decodes each notice with bouncekit and checks each record.
#
# Skips (77) when not root, when unshare or the overlay mount is not
# possible here, or when the packages cannot be downloaded.  Everything
# started is stopped on exit; bounded in time (about 30 s).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
MTA_TEST=sendmail_e2e
MTA_UTS=1
. "$here/mta_lib.sh"
PKGS="sendmail-bin sendmail-cf m4 libwrap0"
DEADLINE=${BK_SENDMAIL_DEADLINE:-90}

# On the host: the packages unpacked, the configuration built; then this
# script again, in the namespaces.
if [ "${BK_MTA_INNER:-}" != 1 ]; then
	mta_outer sendmail "${2:-}" $PKGS
	mkdir -p "$lab/etc-add" "$lab/queue" "$lab/out"
	cp /etc/passwd /etc/group "$lab/etc-add/"
	printf '127.0.0.1\tmx.lab.test mx localhost sink.lab.test\n' \
	    > "$lab/etc-add/hosts"
	printf '::1\tlocalhost\n' >> "$lab/etc-add/hosts"
	echo "nameserver 127.0.0.1" > "$lab/etc-add/resolv.conf"
	sed 's/^hosts:.*/hosts: files/' /etc/nsswitch.conf \
	    > "$lab/etc-add/nsswitch.conf"
	echo "hosts files" > "$lab/service.switch"
	chmod 644 "$lab/etc-add"/* "$lab/service.switch"
	read -r smtp_port sink_port < <(mta_ports 20400 20600)
	[ -n "${sink_port:-}" ] || { rm -rf "$lab"; fail "no free port"; }
	echo "$smtp_port $sink_port" > "$lab/ports"
	cf=$lab/root/usr/share/sendmail/cf
	cat > "$lab/bk.mc" <<EOF
divert(-1)
bouncekit's test: a loopback daemon, every delivery to the sink.
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.lab.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confSERVICE_SWITCH_FILE', \`$lab/service.switch')dnl
define(\`QUEUE_DIR', \`$lab/queue')dnl
define(\`STATUS_FILE', \`$lab/statistics')dnl
define(\`confPID_FILE', \`$lab/sendmail.pid')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confTO_QUEUEWARN', \`8s')dnl
define(\`confTO_QUEUERETURN', \`20s')dnl
define(\`confMIN_QUEUE_AGE', \`0s')dnl
define(\`SMART_HOST', \`[sink.lab.test]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $sink_port')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(\`Port=$smtp_port, Addr=127.0.0.1, Name=MTA')dnl
MAILER(\`smtp')dnl
EOF
	"$lab/root/usr/bin/m4" -D_CF_DIR_="$cf/" "$cf/m4/cf.m4" "$lab/bk.mc" \
	    > "$lab/sendmail.cf" 2> "$lab/m4.err" ||
	    { cat "$lab/m4.err"; rm -rf "$lab"; fail "m4 sendmail.cf"; }
	touch "$lab/statistics"
	chmod 700 "$lab/queue"
	mta_enter "$0" "$bin"
fi

# In the private mount and UTS namespaces from here on.
lab=$BK_MTA_LAB
sendmail=$lab/root/usr/libexec/sendmail/sendmail
libdir=$lab/root/usr/lib/x86_64-linux-gnu
sysdir=/usr/lib/x86_64-linux-gnu
read -r smtp_port sink_port < "$lab/ports"
hostname mx.lab.test || skip "no private host name (UTS namespace) here"
mount -t overlay -o "lowerdir=$lab/etc-add:/etc" bk-sm-etc /etc \
    2> /dev/null || skip "no overlay mount in a private namespace here"
mount -t overlay -o "lowerdir=$libdir:$sysdir" bk-sm-lib "$sysdir" \
    2> /dev/null || skip "no overlay mount in a private namespace here"
if ldd "$sendmail" | grep -q 'not found'; then
	fail "unresolved libraries: $(ldd "$sendmail" | grep 'not found')"
fi

mta_traps "$sendmail"

mta_sink "... "
"$sendmail" -C "$lab/sendmail.cf" -bD -q2s > "$lab/sendmail.log" 2>&1 &
daemon_pid=$!

# bounded wait for both listeners
mta_up sendmail "$lab/sendmail.log"

mta_scenarios
echo "$MTA_TEST: $("$sendmail" -d0.1 -bt < /dev/null 2>&1 | head -1)"
# each notice's record: the warning ("THIS IS A WARNING MESSAGE ONLY")
# and the bounce when the message was too old to keep trying
"$here/mta_tool.py" check "$MTA_TEST" "$lab/out" <<'EOF'
{
  "reject": ["x@reject.example", [{"kind": "bounce", "status": "5.1.1",
    "reply_code": 550, "command": "RCPT", "reason": "userunknown",
    "hard": true, "permanent": true, "message_id": "reject@lab.test"}]],
  "blocked": "sink",
  "full": ["sink", {"command": "DATA"}],
  "delay": ["x@delay.example", [
    {"kind": "delay", "action": "delayed", "status": "4.7.1",
     "reply_code": 451, "hard": false},
    {"kind": "bounce", "action": "failed", "reason": "expired",
     "reply_code": 451, "hard": false}]],
  "multi": ["x@multi.example", [
    {"kind": "bounce", "status": "5.1.1", "reply_code": 550, "command": "RCPT",
     "reason": "userunknown", "hard": true},
    {"recipient": "y@multi.example", "kind": "bounce", "status": "5.2.2",
     "reply_code": 552, "command": "RCPT", "reason": "mailboxfull", "hard": false}]],
  "ok": ["x@ok.example", [{"kind": "delivered", "action": "relayed",
    "reason": "delivered", "hard": false,
    "original_recipient": "orig@ok.example"}]]
}
EOF
