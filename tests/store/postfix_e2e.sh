#!/bin/bash
# postfix_e2e.sh BOUNCEKIT - a real Postfix hands its own DSNs to ingest.
#
# A private Postfix instance lives in this test's temporary directory (its
# own config_directory, queue_directory and data_directory, mail_owner
# postfix, listening on 127.0.0.1 only, on a free high port: never 25).
# It relays two messages from sender@bounces.example to a loopback SMTP
# sink (smtp_sink.py beside this file) that rejects at RCPT:
#   x@reject.example  550 5.1.1 <x@reject.example>: Recipient address
#                     rejected: User unknown
#   y@reject.example  554 5.7.1 Service unavailable; Client host
#                     [127.0.0.1] blocked using zen.spamhaus.org
# Postfix fails each, writes its own DSN to the sender, and delivers the
# DSN through a pipe(8) transport into
#   bouncekit ingest --db DB --sender ${sender} --recipient ${recipient}
# (docs/store.md shows the main.cf and master.cf lines).  The test polls
# the store (bounded) and asserts: x suppressed (hard); y not suppressed,
# counted against the sending domain and IP; the envelope as pipe(8)
# passed it.  Everything started here is stopped on exit.
#
# Needs root (postfix start does) and Debian's postfix package (build.sh
# installs it); skips (77) only when the Postfix binaries are missing.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../postfix_services.sh"
export PATH="$PATH:/usr/sbin:/sbin"
if ! command -v postfix > /dev/null || ! command -v postconf > /dev/null ||
    [ ! -x "$(postconf -dh daemon_directory 2> /dev/null)/pipe" ]; then
	echo "postfix_e2e: SKIP: the Postfix binaries are not installed" \
	    "(Debian package postfix; build.sh installs it)"
	exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "postfix_e2e: FAIL: needs root (postfix start refuses otherwise)"
	exit 1
fi
pipe_user=nobody

# The run directory and every parent must be searchable by postfix and by
# the pipe user: mktemp -d gives 0700, so open it up.
run=$(mktemp -d /tmp/bk-postfix.XXXXXX)
chmod 755 "$run"
conf=$run/conf
sink_pid=
started=

stop_all() {
	local pid p
	if [ -n "$started" ]; then
		postfix -c "$conf" stop > /dev/null 2>&1
		# bounded: the master is gone once its pid file is unlocked
		for _ in $(seq 1 50); do
			pid=$(head -1 "$run/queue/pid/master.pid" 2> /dev/null |
			    tr -d ' ')
			[ -z "$pid" ] && break
			kill -0 "$pid" 2> /dev/null || break
			awk '{ exit $3 == "Z" ? 0 : 1 }' "/proc/$pid/stat" \
			    2> /dev/null && break
			sleep 0.1
		done
		started=
	fi
	if [ -n "$sink_pid" ]; then
		kill "$sink_pid" 2> /dev/null
		wait "$sink_pid" 2> /dev/null
		sink_pid=
	fi
	# leftovers: any process whose command line names our directory
	# (pipe(8) runs its command in a session of its own)
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = $$ ] && continue
		if { tr '\0' ' ' < "$p/cmdline"; } 2> /dev/null |
		    grep -qF "$run"; then
			kill -KILL "$pid" 2> /dev/null
		fi
	done
}
trap 'stop_all; rm -rf "$run"' EXIT
trap 'exit 1' INT TERM

pass=0
fail=0
check() {   # check NAME GOT WANT
	if [ "$2" = "$3" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $1: got [$2], want [$3]"
	fi
}

# two free loopback ports: the instance's smtpd and the sink
read -r port sink_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
listen25_before=$(ss -Hltn 'sport = :25' 2> /dev/null | wc -l)

mkdir -p "$conf" "$run/queue" "$run/data" "$run/log" "$run/bin" "$run/db"
chown postfix "$run/data"
chmod 700 "$run/data"
chown "$pipe_user" "$run/db"
# the binary may sit under a directory the pipe user cannot search
cp "$bin" "$run/bin/bouncekit"
chmod 755 "$run/bin/bouncekit"
db=$run/db/suppress.db

cat > "$conf/main.cf" <<EOF
# private test instance: nothing here touches /etc/postfix or port 25
compatibility_level = 3.6
queue_directory = $run/queue
data_directory = $run/data
mail_owner = postfix
maillog_file = $run/log/maillog
maillog_file_prefixes = $run/log
myhostname = bk-test-$port.invalid
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
transport_maps = texthash:$conf/transport
default_transport = error:5.4.4 no route in this test instance
notify_classes = resource, software
bouncekit_destination_recipient_limit = 1
EOF
cat > "$conf/transport" <<EOF
reject.example     smtp:[127.0.0.1]:$sink_port
bounces.example    bouncekit:
EOF
# no chroot anywhere (postfix_services): the private queue has no
# /etc/passwd for pipe(8)
{
	cat <<EOF
127.0.0.1:$port inet n - n - - smtpd
proxywrite unix  - - n -   1 proxymap
bouncekit  unix  - n n -   - pipe
  flags=Rq user=$pipe_user argv=$run/bin/bouncekit ingest --db $db --sender \${sender} --recipient \${recipient}
EOF
	postfix_services
} > "$conf/master.cf"
# Postfix waits for config files younger than a second: back-date them
touch -d "@$(($(date +%s) - 10))" "$conf"/*

python3 "$here/smtp_sink.py" "$sink_port" "$run/sink.pid" \
    "x@reject.example=550 5.1.1 <x@reject.example>: Recipient address rejected: User unknown" \
    "y@reject.example=554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org" \
    > "$run/log/sink.out" 2>&1 &
sink_pid=$!
for _ in $(seq 1 100); do
	[ -s "$run/sink.pid" ] && break
	sleep 0.05
done
check "sink listening" "$([ -s "$run/sink.pid" ] && echo yes)" yes

if ! postfix -c "$conf" start > "$run/log/start.out" 2>&1; then
	echo "postfix_e2e: postfix start failed:"
	cat "$run/log/start.out"
	# fatal messages go to a terminal only
	script -qec "postfix -c '$conf' check" /dev/null 2>&1 | head -20
	exit 1
fi
started=1
check "listens on loopback only, our port" \
    "$(postconf -c "$conf" -h inet_interfaces)" 127.0.0.1

# submit over SMTP to the instance (bounded by the socket timeout)
python3 - "$port" <<'PY'
import smtplib, sys, time
port = int(sys.argv[1])
for attempt in range(50):
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=10)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("postfix_e2e: no SMTP listener on 127.0.0.1:%d" % port)
for rcpt in ("x@reject.example", "y@reject.example"):
    msg = ("From: Sender <sender@bounces.example>\r\n"
           "To: <%s>\r\nSubject: bouncekit e2e\r\n"
           "Message-ID: <e2e-%s@bounces.example>\r\n\r\nHello.\r\n"
           % (rcpt, rcpt.split("@")[0]))
    s.sendmail("sender@bounces.example", [rcpt], msg)
s.quit()
PY
check "submitted" $? 0

# poll the store as the pipe user (so that no root-owned WAL files
# appear), until both DSNs are in and Postfix has logged both hand-offs
# (pipe(8) logs only after bouncekit has exited, so the store is ahead of
# the log), or 30 s pass
as_pipe() { runuser -u "$pipe_user" -- "$run/bin/bouncekit" "$@"; }
log=$run/log/maillog
piped() {
	grep -c 'relay=bouncekit,.*status=sent (delivered via bouncekit service' \
	    "$log" 2> /dev/null
}
ok=
for _ in $(seq 1 300); do
	if [ -f "$db" ] && [ "$(piped)" = 2 ]; then
		as_pipe suppress --db "$db" check x@reject.example > /dev/null 2>&1
		x=$?
		n=$(as_pipe suppress --db "$db" senders 2> /dev/null | grep -c .)
		if [ "$x" -eq 1 ] && [ "${n:-0}" -ge 2 ]; then
			ok=1
			break
		fi
	fi
	sleep 0.1
done
check "both DSNs recorded and logged within 30 s" "${ok:-no}" 1

# Postfix's own account of the hand-off
check "pipe deliveries" "$(piped)" 2
check "remote 550 seen" \
    "$(grep -c 'said: 550 5.1.1 <x@reject.example>' "$log")" 1
check "remote 554 seen" \
    "$(grep -c 'said: 554 5.7.1 Service unavailable; Client host \[127.0.0.1\] blocked' "$log")" 1

# the same log through "report --log": Postfix's own lines, each
# recipient's outcome counted, the rest (connections, queue) apart
"$run/bin/bouncekit" report -f json --log "$log" > "$run/log.json" 2>&1
check "report --log rc" $? 0
check "report --log counts" "$(python3 -c "
import json, sys
r = json.load(open(sys.argv[1])); t = r['totals']
dom = {v['value']: v['count'] for v in r['domain']['values']}
print(t['bounce'], t['hard'], t['sender_side'], t['delivered'], dom.get('reject.example'), t['quiet'] > 0, t['unknown'])
" "$run/log.json")" "2 1 1 2 2 True 0"

# hard: suppressed
out=$(as_pipe suppress --db "$db" check x@reject.example)
check "x suppressed (exit 1)" $? 1
check "x cause" "$(echo "$out" | cut -f2,3)" "$(printf 'suppressed\thard')"
# blocklist: not suppressed, counted against the sender's domain and IP
as_pipe suppress --db "$db" check y@reject.example > /dev/null
check "y clear (exit 0)" $? 0
snd=$(as_pipe suppress --db "$db" senders)
check "domain counter" "$(echo "$snd" | awk '$1 == "domain" && $2 == "bounces.example" { print $3, $4 }')" "blocked 1"
check "ip counter" "$(echo "$snd" | awk '$1 == "ip" && $2 == "127.0.0.1" { print $3, $4 }')" "blocked 1"

# the events: Postfix's statuses, the envelope as pipe(8) passed it
ev=$(python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for r in c.execute("SELECT recipient, status, effect, env_sender, "
                   "env_recipient, sender_ip FROM events ORDER BY recipient"):
    print("|".join("" if v is None else str(v) for v in r))
PY
)
check "events" "$ev" "x@reject.example|5.1.1|hard|MAILER-DAEMON|sender@bounces.example|
y@reject.example|5.7.1|sender|MAILER-DAEMON|sender@bounces.example|127.0.0.1"

if [ "$fail" -ne 0 ]; then
	echo "--- maillog"
	cat "$log"
	echo "--- history"
	as_pipe suppress --db "$db" history x@reject.example
	as_pipe suppress --db "$db" history y@reject.example
fi

stop_all
check "instance stopped" "$(ss -Hltn "sport = :$port" | wc -l)" 0
check "nothing left on port 25" \
    "$(ss -Hltn 'sport = :25' | wc -l)" "$listen25_before"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
