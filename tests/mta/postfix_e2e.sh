#!/bin/bash
# postfix_e2e.sh BOUNCEKIT - a real Postfix writes its own delivery
# status notifications, for the scenarios of the other MTA tests.
#
# Debian's Postfix (the package build.sh installs) runs as a private
# instance in this test's lab folder: its own config_directory,
# queue_directory and data_directory, listening on a free high port of
# 127.0.0.1 (never 25), no DNS, every domain routed to a loopback SMTP
# sink (../store/smtp_sink.py) that plays the remote servers and receives
# the notices (the senders are at bounces.example):
#   x@reject.example  550 5.1.1 ... User unknown (at RCPT)
#   x@blocked.example 554 5.7.1 ... blocked using zen.spamhaus.org
#   x@full.example    552 5.2.2 Mailbox full (after the data)
#   x@multi.example   550 5.1.1 and y@multi.example 552 5.2.2, both
#                     recipients of one message: one notice
#   x@delay.example   451 4.7.1 ... Try again later: a delay warning
#                     (delay_warning_time 2s), then the failure when the
#                     queue lifetime (12 s) is over
#   x@ok.example      accepted, with a DSN request (NOTIFY=SUCCESS): a
#                     success notice ("relayed": the sink has no DSN)
# The test decodes each notice with bouncekit and checks each record.
# (tests/store/postfix_e2e.sh is the other Postfix test: its notices go
# through pipe(8) into `bouncekit ingest`.)
#
# Needs root (postfix start does) and the Postfix binaries; skips (77)
# without them.  Everything started is stopped on exit, nothing outside
# the lab is touched; bounded in time (about 25 s).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
MTA_TEST=postfix_e2e
. "$here/mta_lib.sh"
. "$here/../postfix_services.sh"
DEADLINE=${BK_POSTFIX_DEADLINE:-90}

command -v postfix > /dev/null && command -v postconf > /dev/null ||
    skip "the Postfix binaries are not installed (Debian package postfix)"
[ "$(id -u)" -eq 0 ] || skip "needs root (postfix start does)"
lab=$(mktemp -d /tmp/bk-postfix-mta.XXXXXX)
chmod 755 "$lab"
conf=$lab/conf
started=

# mta_traps' own stop kills by binary, which would reach a Postfix of
# the host's: this instance is stopped by its configuration instead,
# then whatever still names the lab folder
mta_traps /nonexistent
mta_cleanup() {
	local p pid

	if [ -n "$started" ]; then
		postfix -c "$conf" stop > /dev/null 2>&1
		started=
	fi
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = $$ ] && continue
		{ tr '\0' ' ' < "$p/cmdline"; } 2> /dev/null |
		    grep -qF "$lab" && kill -KILL "$pid" 2> /dev/null
	done
	[ -n "${BK_MTA_KEEP:-}" ] && mkdir -p "$BK_MTA_KEEP" &&
	    cp -r "$lab/out/." "$BK_MTA_KEEP/"
	rm -rf "$lab"
}

mkdir -p "$conf" "$lab/queue" "$lab/data" "$lab/log" "$lab/out"
chown postfix "$lab/data"
chmod 700 "$lab/data"

read -r smtp_port sink_port < <(mta_ports 20800 21000)
[ -n "${sink_port:-}" ] || fail "no free port on 127.0.0.1"

cat > "$conf/main.cf" <<EOF
# private test instance: nothing here touches /etc/postfix or port 25
compatibility_level = 3.6
queue_directory = $lab/queue
data_directory = $lab/data
mail_owner = postfix
maillog_file = $lab/log/maillog
maillog_file_prefixes = $lab/log
myhostname = mx.lab.test
myorigin = \$myhostname
mydestination =
relay_domains =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
default_transport = smtp:[127.0.0.1]:$sink_port
delay_warning_time = 2s
maximal_queue_lifetime = 12s
bounce_queue_lifetime = 12s
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 3s
EOF
{
	echo "127.0.0.1:$smtp_port inet n - n - - smtpd"
	postfix_services
} > "$conf/master.cf"
# Postfix waits for configuration files younger than a second
touch -d "@$(($(date +%s) - 10))" "$conf"/*

mta_sink ": Recipient address rejected: "
postfix -c "$conf" start > "$lab/log/start.out" 2>&1 ||
    fail "postfix start: $(tail -n 3 "$lab/log/start.out")"
started=1
mta_up postfix "$lab/log/maillog" "$lab/log/start.out"

mta_scenarios
echo "$MTA_TEST: Postfix $(postconf -c "$conf" -h mail_version)"
# the failure at the end of the queue lifetime keeps the last reply as
# its diagnostic and its status (Postfix reports 4.7.1, Action failed)
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
     "reply_code": 451, "command": "RCPT", "hard": false},
    {"kind": "bounce", "action": "failed", "status": "4.7.1",
     "reply_code": 451, "command": "RCPT", "hard": false}]],
  "ok": ["x@ok.example", [{"kind": "delivered", "action": "relayed",
    "status": "2.0.0", "reason": "delivered", "hard": false,
    "original_recipient": "orig@ok.example"}]]
}
EOF
