#!/bin/bash
# exim_e2e.sh BOUNCEKIT [DEBS_DIR] - a real Exim writes its own bounces.
#
# Debian's Exim 4 (exim4-daemon-light) cannot be installed beside the
# postfix package the other tests need (both are the system's MTA), so
# its packages are fetched with `apt-get download` into DEBS_DIR (kept
# between runs; default: a folder in the test's run directory) and
# unpacked with `dpkg -x`, not installed.  The unpacked binary runs as
# root with a private configuration (-C), spool, log and pid file, a
# daemon on a free high port of 127.0.0.1 (never 25) and no DNS at all.
#
# Two things the unpacked binary needs are given to it in a private
# mount namespace (unshare -m), so that only this test's processes see
# them: Exim looks up its built-in user Debian-exim before it reads any
# configuration, and it re-executes itself without LD_LIBRARY_PATH, so
# libidn.so.12 (package libidn12) must be in the system library folder.
# A read-only overlay on /etc adds the user and the trusted-configuration
# list; one on the library folder adds the library.  Nothing on the host
# changes.
#
# A loopback SMTP sink (../store/smtp_sink.py) plays the remote servers:
#   x@reject.example   550 5.1.1 ... User unknown (at RCPT)
#   x@blocked.example  554 5.7.1 ... blocked using zen.spamhaus.org
#   x@full.example     552 5.2.2 Mailbox full (after the data)
#   x@delay.example    451 4.7.1 ... Try again later: a delay warning
#                      (delay_warning 20s)
#   x@giveup.example   451 4.7.1 ... Try again later, given up after
#                      30 s by a retry rule: "retry timeout exceeded"
#   x@multi.example    550 5.1.1 and y@multi.example 552 5.2.2, both
#                      recipients of one message: one notice, two records
# and two addresses fail inside Exim: one no router takes ("Unrouteable
# address") and one a redirect fails (":fail: Unknown user").  One more
# is submitted over SMTP with a DSN request (RET=HDRS, ENVID, NOTIFY,
# ORCPT).  Every notice Exim writes is delivered to a file; the test
# decodes each with bouncekit and checks the facts of each record.
#
# Skips (77) when not root, when unshare or the overlay mount is not
# possible here, or when the packages cannot be downloaded.  Everything
# started is stopped on exit; bounded in time (about 45 s).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
MTA_TEST=exim_e2e
. "$here/mta_lib.sh"
PKGS="exim4-daemon-light exim4-base exim4-config libidn12"
# Exim's file names must come from its configuration (taint): the
# mailboxes' local parts are listed there, and the file takes the listed one
DEADLINE=${BK_EXIM_DEADLINE:-120}

#--------------------------------------------------------------------------
# Outside the namespace: fetch, unpack, prepare, then re-run inside it.
#--------------------------------------------------------------------------
if [ "${BK_MTA_INNER:-}" != 1 ]; then
	mta_outer exim "${2:-}" $PKGS
	exim=$lab/root/usr/sbin/exim4
	libdir=$lab/root/usr/lib/x86_64-linux-gnu
	if LD_LIBRARY_PATH=$libdir ldd "$exim" | grep -q 'not found'; then
		rm -rf "$lab"
		fail "unresolved libraries: $(LD_LIBRARY_PATH=$libdir ldd \
		    "$exim" | grep 'not found')"
	fi
	# /etc as this test's processes see it: the host's, plus the user
	mkdir -p "$lab/etc-add/exim4"
	cp /etc/passwd /etc/group "$lab/etc-add/"
	mta_user "$lab/etc-add" Debian-exim "$lab/spool"
	echo "$lab/exim.conf" > "$lab/etc-add/exim4/trusted_configs"
	chmod 644 "$lab/etc-add/passwd" "$lab/etc-add/group" \
	    "$lab/etc-add/exim4/trusted_configs"
	mta_enter "$0" "$bin"
fi

#--------------------------------------------------------------------------
# Inside the private mount namespace.
#--------------------------------------------------------------------------
lab=$BK_MTA_LAB
exim=$lab/root/usr/sbin/exim4
libdir=$lab/root/usr/lib/x86_64-linux-gnu
sysdir=/usr/lib/x86_64-linux-gnu
mount -t overlay -o "lowerdir=$lab/etc-add:/etc" bk-exim-etc /etc \
    2> /dev/null || skip "no overlay mount in a private namespace here"
mount -t overlay -o "lowerdir=$libdir:$sysdir" bk-exim-lib "$sysdir" \
    2> /dev/null || skip "no overlay mount in a private namespace here"
euid=$(id -u Debian-exim)
egid=$(id -g Debian-exim)

# no file owned by the namespace's own user is left behind
mta_cleanup() { chown -R root:root "$lab" 2> /dev/null; }
mta_traps "$exim"

mkdir -p "$lab/spool" "$lab/log" "$lab/run" "$lab/out"
chown "$euid:$egid" "$lab/spool" "$lab/log"
chmod 750 "$lab/spool"
chown nobody:nogroup "$lab/out"

# two free high ports on 127.0.0.1: the Exim daemon and the sink
read -r smtp_port sink_port < <(mta_ports 20000 20200)
[ -n "${sink_port:-}" ] || fail "no free port on 127.0.0.1"

cat > "$lab/exim.conf" <<EOF
exim_path = $exim
keep_environment =
spool_directory = $lab/spool
log_file_path = $lab/log/%slog
pid_file_path = $lab/run/exim.pid
primary_hostname = mx.lab.test
qualify_domain = lab.test
disable_ipv6 = true
local_interfaces = 127.0.0.1
daemon_smtp_ports = $smtp_port
host_lookup =
rfc1413_hosts =
dsn_advertise_hosts = *
tls_advertise_hosts =
acl_smtp_rcpt = accept
delay_warning = 20s
delay_warning_condition = \${if eq{\$sender_address_local_part}{s-delay}{yes}{no}}

begin routers
mailboxes:
  driver = accept
  domains = lab.test
  local_parts = s-reject : s-blocked : s-full : s-unroute : s-fail : s-dsn : s-delay : s-giveup : s-multi
  transport = to_file
gone:
  driver = redirect
  domains = lab.test
  local_parts = gone
  data = :fail: Unknown user (account closed)
  allow_fail
remote:
  driver = manualroute
  domains = *.example
  route_list = * 127.0.0.1
  self = send
  transport = to_sink
  no_more

begin transports
to_file:
  driver = appendfile
  file = $lab/out/\${local_part_data}-\${message_exim_id}.eml
  user = nobody
  group = nogroup
  mode = 0644
  message_prefix =
  message_suffix =
  check_string =
  escape_string =
  return_path_add
to_sink:
  driver = smtp
  port = $sink_port
  allow_localhost
  helo_data = mx.lab.test

begin retry
giveup.example  *  F,30s,10s
*               *  F,1h,10s
EOF
chmod 644 "$lab/exim.conf"

python3 "$sink" "$sink_port" "$lab/run/sink.pid" \
    "x@reject.example=550 5.1.1 <x@reject.example>: Recipient address rejected: User unknown" \
    "x@blocked.example=554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org" \
    "x@delay.example=451 4.7.1 <x@delay.example>: Recipient address rejected: Try again later" \
    "x@giveup.example=451 4.7.1 <x@giveup.example>: Recipient address rejected: Try again later" \
    "x@multi.example=550 5.1.1 <x@multi.example>: User unknown" \
    "y@multi.example=552 5.2.2 <y@multi.example>: Mailbox full" \
    "data:x@full.example=552 5.2.2 Mailbox full" &
sink_pid=$!
"$exim" -C "$lab/exim.conf" -bdf -q5s 2>> "$lab/log/daemon.stderr" &
daemon_pid=$!

# bounded wait for both listeners
mta_up "the Exim daemon" "$lab/log/paniclog" "$lab/log/daemon.stderr"

submit() {  # submit SENDER RECIPIENT NAME: on the command line, at once
	printf 'From: <%s>\nTo: <%s>\nSubject: %s\nMessage-ID: <%s@lab.test>\n\nscenario %s\n' \
	    "$1" "$2" "$3" "$3" "$3" |
	    "$exim" -C "$lab/exim.conf" -odi -f "$1" "$2"
}
submit s-delay@lab.test x@delay.example delay
submit s-giveup@lab.test x@giveup.example giveup
submit s-reject@lab.test x@reject.example reject
submit s-blocked@lab.test x@blocked.example blocked
submit s-full@lab.test x@full.example full
submit s-unroute@lab.test nobody-here@lab.test unroute
submit s-fail@lab.test gone@lab.test fail
# one message to two recipients that both fail: one notice, two records
printf 'From: <s-multi@lab.test>\nTo: <x@multi.example>, <y@multi.example>\nSubject: multi\nMessage-ID: <multi@lab.test>\n\nscenario multi\n' |
    "$exim" -C "$lab/exim.conf" -odi -f s-multi@lab.test x@multi.example \
    y@multi.example
python3 - "$smtp_port" <<'EOF' || fail "SMTP submission with DSN failed"
import smtplib, sys
msg = ("From: <s-dsn@lab.test>\r\nTo: <x@reject.example>\r\n"
       "Subject: dsn\r\nMessage-ID: <dsn@lab.test>\r\n\r\nscenario dsn\r\n")
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20) as s:
    s.ehlo("client.lab.test")
    if not s.has_extn("dsn"):
        sys.exit("no DSN extension")
    s.sendmail("s-dsn@lab.test", ["x@reject.example"], msg,
               mail_options=["RET=HDRS", "ENVID=bk-dsn-1"],
               rcpt_options=["NOTIFY=FAILURE",
                             "ORCPT=rfc822;x@reject.example"])
EOF

# the notices: one a sender, found by the sender's local part and the
# subject Exim gives a failure or a delay warning
senders="s-reject s-blocked s-full s-unroute s-fail s-dsn s-delay s-giveup
    s-multi"
found() {  # found LOCALPART -> the path of its notice, or nothing
	local subj="Mail delivery failed"

	[ "$1" = s-delay ] && subj="Warning: message"
	grep -l "^Subject: $subj" "$lab/out/$1"-*.eml 2> /dev/null | head -1
}
end=$((SECONDS + DEADLINE))
while [ $SECONDS -lt $end ]; do
	missing=$(for lp in $senders; do
		[ -n "$(found "$lp")" ] || echo "$lp"
	done)
	[ -z "$missing" ] && break
	sleep 1
done
[ -z "$missing" ] || fail "no notice from Exim for:" $missing \
    "(log: $(tail -3 "$lab/log/mainlog" 2> /dev/null))"

# decode each and check its record
for lp in $senders; do
	f=$(found "$lp")
	"$bin" parse "$f" > "$lab/out/$lp.jsonl"
	rc=$?
	[ $rc -eq 0 ] || fail "bouncekit parse $f: exit $rc"
done
"$exim" --version 2> /dev/null | head -1 | sed 's/^/exim_e2e: /'
# sender local part: [recipient, [expected fields of each record]]
"$here/mta_tool.py" check "$MTA_TEST" "$lab/out" <<'EOF'
{
  "s-reject": ["x@reject.example", [{"kind": "bounce", "status": "5.1.1",
    "reply_code": 550, "command": "RCPT", "reason": "userunknown",
    "hard": true, "permanent": true}]],
  "s-dsn": ["x@reject.example", [{"kind": "bounce", "status": "5.1.1",
    "reply_code": 550, "reason": "userunknown", "hard": true,
    "original_recipient": "x@reject.example"}]],
  "s-blocked": ["x@blocked.example", [{"kind": "bounce", "status": "5.7.1",
    "reply_code": 554, "reason": "blocked", "hard": false,
    "blocklist": "spamhaus-zen", "responsible": "sender"}]],
  "s-full": ["x@full.example", [{"kind": "bounce", "status": "5.2.2",
    "reply_code": 552, "reason": "mailboxfull", "hard": false}]],
  "s-unroute": ["nobody-here@lab.test", [{"kind": "bounce",
    "permanent": true, "hard": true}]],
  "s-fail": ["gone@lab.test", [{"kind": "bounce", "permanent": true}]],
  "s-delay": ["x@delay.example", [{"kind": "delay", "reply_code": 451,
    "status": "4.7.1", "hard": false}]],
  "s-giveup": ["x@giveup.example", [{"kind": "bounce", "reply_code": 451,
    "reason": "expired", "hard": false}]],
  "s-multi": ["x@multi.example", [
    {"kind": "bounce", "status": "5.1.1", "reply_code": 550,
     "command": "RCPT", "reason": "userunknown", "hard": true},
    {"recipient": "y@multi.example", "kind": "bounce", "status": "5.2.2",
     "reply_code": 552, "command": "RCPT", "reason": "mailboxfull",
     "hard": false}]]
}
EOF
