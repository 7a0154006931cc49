#!/bin/sh
# knot_test.sh BOUNCEKIT - `bouncekit check` against a real authoritative
# DNS server on loopback.
#
# Starts knotd (Debian package knot) on a free port in a temporary
# directory with the zones of tests/dns/zones, and a "blackhole" port that
# accepts queries and never answers (timeouts).  Runs every case through
# the CLI, so the whole path (c-ares, UDP, TCP fallback, parser, checks)
# is exercised, and stops both servers on exit.  Each command runs under
# timeout(1): a hang is a failure.  Exits 77 (skip) when knotd or kdig is
# missing, and says why.
set -u
bk=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/knot_lib.sh"
if ! knot_have; then
	echo "knot_test: skipped: needs knotd, kdig and python3 (apt-get install knot knot-dnsutils python3)"
	exit 77
fi

run=$(mktemp -d /tmp/bk-knot.XXXXXX)
knot_pid=""
bh_pid=""
px_pid=""
cleanup() {
	[ -n "$knot_pid" ] && kill "$knot_pid" 2>/dev/null
	[ -n "$bh_pid" ] && kill "$bh_pid" 2>/dev/null
	[ -n "$px_pid" ] && kill "$px_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT INT TERM

# three free ports (UDP and TCP both free), chosen by the kernel
ports=$(knot_free_ports 3)
set -- $ports
port=$1 bhport=$2 pxport=$3
shift 3

mkdir -p "$run/zones"
cp "$here"/zones/*.zone "$run/zones/"
python3 "$here/big_txt.py" "$run/zones/sender.test.zone"
sed -e "s|@RUNDIR@|$run|g" -e "s|@PORT@|$port|g" "$here/knot.conf.in" \
	>"$run/knot.conf"
chmod -R a+rwX "$run"

knot_start "$run/knot.conf" "$run/knot.log"

# the blackhole: reads queries on UDP and TCP, never answers
python3 - "$bhport" <<'EOF' 2>/dev/null &
import socket, sys, time
p = int(sys.argv[1])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", p))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", p))
t.listen(16)
time.sleep(600)
EOF
bh_pid=$!

# a proxy in front of knotd that never answers the names in $run/drop:
# one name times out while the others answer
printf 'slow.sender.test\n_dmarc.slowdmarc.sender.test\n' >"$run/drop"
python3 "$here/dns_proxy.py" "$pxport" "$port" --drop "$run/drop" 2>/dev/null &
px_pid=$!

if ! knot_wait 127.0.0.1 "$port" sender.test; then
	echo "knot_test: knotd did not start:"
	cat "$run/knot.log"
	exit 1
fi
# and the proxy answers for it (python may start slowly under load)
if ! knot_wait 127.0.0.1 "$pxport" sender.test; then
	echo "knot_test: the DNS proxy did not start"
	exit 1
fi

pass=0
fail=0
dns="127.0.0.1:$port"
lists="$here/lists.conf"

# t NAME WANT_EXIT PATTERN... -- ARGS: run bouncekit ARGS, check the exit
# status and that the output matches every PATTERN (grep -E)
t() {
	name=$1 want=$2
	shift 2
	pats=""
	while [ "$1" != "--" ]; do
		pats="$pats
$1"
		shift
	done
	shift
	out=$(timeout 20 "$bk" "$@" 2>&1)
	got=$?
	ok=1
	[ "$got" -eq "$want" ] || ok=0
	echo "$pats" | while IFS= read -r p; do
		[ -z "$p" ] && continue
		echo "$out" | grep -Eq -- "$p" || { echo "x"; break; }
	done | grep -q x && ok=0
	if [ "$ok" -eq 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name: exit $got (want $want)"
		echo "  \$ bouncekit $*"
		echo "$out" | sed 's/^/  | /'
	fi
}

# SPF over the real resolver path
t spf-mx 0 '"result":"pass"' "matched 'mx'" -- \
	check spf -j -d "$dns" -i 192.0.2.10 -s a@sender.test sender.test
t spf-include 0 '"result":"pass"' '_spf.sender.test' -- \
	check spf -j -d "$dns" -i 198.51.100.7 sender.test
t spf-fail 1 '"result":"fail"' "'-all'" -- \
	check spf -j -d "$dns" -i 203.0.113.1 sender.test
t spf-ip6 0 '"result":"pass"' -- \
	check spf -j -d "$dns" -i 2001:db8:5::1 sender.test
t spf-include-loop 1 '"result":"permerror"' 'include loop' -- \
	check spf -j -d "$dns" -i 203.0.113.1 loop.sender.test
t spf-11-terms 1 '"result":"permerror"' 'more than 10' -- \
	check spf -j -d "$dns" -i 192.0.2.200 c0.sender.test
t spf-servfail 1 '"result":"temperror"' 'SERVFAIL' -- \
	check spf -j -d "$dns" -i 192.0.2.1 servfail.sender.test
t spf-refused 1 '"result":"temperror"' 'REFUSED' -- \
	check spf -j -d "$dns" -i 192.0.2.1 refused.sender.test
t spf-tcp-only 0 '"result":"pass"' -- \
	check spf -j -d "$dns" -i 192.0.2.77 tc.sender.test
t spf-big-txt 0 '"result":"pass"' -- \
	check spf -j -d "$dns" -i 192.0.2.150 big.sender.test
t spf-cname 0 '"result":"pass"' -- \
	check spf -j -d "$dns" -i 198.51.100.5 cn.sender.test
t spf-cname-loop 1 '"result":"temperror"' 'CNAME' -- \
	check spf -j -d "$dns" -i 198.51.100.5 cnloop.sender.test
t spf-two-records 1 '"result":"permerror"' 'more than one' -- \
	check spf -j -d "$dns" -i 198.51.100.5 two.sender.test
t spf-none 1 '"result":"none"' -- \
	check spf -j -d "$dns" -i 198.51.100.5 bl2.test
t spf-text 0 '^SPF pass for sender.test' 'terms: 2 of 10' -- \
	check spf -d "$dns" -i 198.51.100.7 sender.test
start=$(date +%s)
t spf-timeout 1 '"result":"temperror"' 'timed out' -- \
	check spf -j -d "127.0.0.1:$bhport" -t 200 -i 192.0.2.1 sender.test
if [ $(($(date +%s) - start)) -gt 5 ]; then
	fail=$((fail + 1))
	echo "FAIL spf-timeout: took more than 5 s"
fi

# a 60 KB TXT (UDP truncated, TCP retry) and BK_LIMIT_DNS_TXT_BYTES
# (64512) under, at and over
t spf-60k-txt 0 '"result":"pass"' "matched 'ip4:192.0.2.150'" -- \
	check spf -j -d "$dns" -i 192.0.2.150 big60k.sender.test
t spf-60k-txt-fail 1 '"result":"fail"' "'-all'" -- \
	check spf -j -d "$dns" -i 192.0.2.151 big60k.sender.test
t spf-txt-under-limit 0 '"result":"pass"' -- \
	check spf -j -d "$dns" -i 192.0.2.150 under.sender.test
t spf-txt-at-limit 0 '"result":"pass"' -- \
	check spf -j -d "$dns" -i 192.0.2.150 at.sender.test
t spf-txt-over-limit 1 '"result":"permerror"' \
	'SPF record of over.sender.test cannot be used: TXT record longer than 64512 bytes' -- \
	check spf -j -d "$dns" -i 192.0.2.150 over.sender.test
t domain-60k-txt 0 '"domain":"big60k.sender.test","record":"v=spf1 ip4:192.0.2.150' \
	'pad=x+ -all","terms":0,"error":null' -- \
	check domain -j -d "$dns" big60k.sender.test
t domain-over-limit 1 '"dns":"BK_DNS_TOOBIG"' -- \
	check domain -j -d "$dns" -S over over.sender.test
t domain-over-limit-text 1 'TXT record longer than 64512 bytes' -- \
	check domain -d "$dns" -S over over.sender.test

# one name times out while the others answer (the drop proxy)
px="127.0.0.1:$pxport"
start=$(date +%s)
t spf-one-name-timeout 1 '"result":"temperror"' \
	'DNS lookup failed for the SPF record: slow.sender.test timed out' -- \
	check spf -j -d "$px" -t 200 -i 192.0.2.1 tmo.sender.test
t spf-one-name-timeout-matched-first 0 '"result":"pass"' -- \
	check spf -j -d "$px" -t 200 -i 203.0.113.9 tmo.sender.test
t domain-dmarc-timeout 1 '"found_at":null' 'DMARC lookup failed \(temperror\): timed out' \
	'"spf":\{[^]]*"record":"v=spf1 -all"' -- \
	check domain -j -d "$px" -t 200 slowdmarc.sender.test
if [ $(($(date +%s) - start)) -gt 8 ]; then
	fail=$((fail + 1))
	echo "FAIL one-name timeouts: took more than 8 s"
fi

# blocklists and reverse DNS
t ip-listed 1 '"id":"test-bl","zone":"bl.test","state":"listed"' \
	'"code":"127.0.0.4"' 'bl.test/66' -- \
	check ip -j -d "$dns" -l "$lists" 192.0.2.66
t ip-error-254 1 '"state":"error","query":"67.2.0.192.bl.test","code":"127.255.255.254"' \
	'public resolver' -- check ip -j -d "$dns" -l "$lists" 192.0.2.67
t ip-error-127001 1 '"state":"error"[^}]*"code":"127.0.0.1"' 'never a listing' -- \
	check ip -j -d "$dns" -l "$lists" 192.0.2.68
t ip-error-outside 1 '"code":"10.0.0.1"' 'outside 127' -- \
	check ip -j -d "$dns" -l "$lists" 192.0.2.69
t ip-v6 1 '"id":"test-bl","zone":"bl.test","state":"listed"' \
	'"id":"test-bl2","zone":"bl2.test","state":"skipped"' -- \
	check ip -j -d "$dns" -l "$lists" 2001:db8::66
t ip-clean-fcrdns 0 '"state":"not-listed"' '"fcrdns":true' \
	'"name":"mail.sender.test","confirmed":true' -- \
	check ip -j -d "$dns" -l "$lists" 192.0.2.10
t ip-no-fcrdns 1 '"fcrdns":false' '"name":"fake.sender.test","confirmed":false' -- \
	check ip -j -d "$dns" -l "$lists" 192.0.2.11
t ip-no-ptr 1 '"ptr":"BK_DNS_NXDOMAIN"' -- \
	check ip -j -d "$dns" -l "$lists" 192.0.2.12
t ip-domain-list 1 '"id":"test-dbl","zone":"dbl.test","state":"listed"' \
	'"code":"127.0.1.2"' -- check ip -j -d "$dns" -l "$lists" bad.example
t ip-text 1 'test-bl +listed +127.0.0.4' 'Forward-confirmed reverse DNS: NO' -- \
	check ip -d "$dns" -l "$lists" 192.0.2.66

# the domain: MX, SPF tree, DMARC
t domain-ok 0 '"pref":10,"host":"mail.sender.test"' '"dns_terms":2' \
	'"found_at":"_dmarc.sender.test"' '"p":"reject"' -- \
	check domain -j -d "$dns" sender.test
t domain-org-dmarc 1 '"org_domain":"sender.test","found_at":"_dmarc.sender.test"' -- \
	check domain -j -d "$dns" mail.sender.test
t domain-too-many 1 '"dns_terms":11' -- \
	check domain -j -d "$dns" c0.sender.test
t domain-loop 1 'already in the tree' -- \
	check domain -j -d "$dns" loop.sender.test
t domain-rua-only 0 '"p":"none"' 'treated as p=none' -- \
	check domain -j -d "$dns" norua.sender.test
t domain-text 0 'SPF: 2 DNS-querying terms' 'include:_spf.sender.test' \
	'policy p=reject' -- check domain -d "$dns" sender.test

# check domain: the domain lists of the set (test-dbl, and test-sfdbl
# whose zone answers SERVFAIL), asked with the other lookups; a listing
# is a problem, an error code or a failed lookup is not
t domain-dbl-clean 0 '"blocklists":\[\{"id":"test-dbl","zone":"dbl.test","state":"not-listed","query":"sender.test.dbl.test"' \
	'"id":"test-sfdbl","zone":"servfail.test","state":"failed"' '"problem":false' -- \
	check domain -j -d "$dns" -l "$lists" sender.test
t domain-dbl-listed 1 '"id":"test-dbl","zone":"dbl.test","state":"listed","query":"norua.sender.test.dbl.test","code":"127.0.1.2","meaning":"spam domain","txt":"norua.sender.test is a test listing"' \
	'"problem":true' -- check domain -j -d "$dns" -l "$lists" norua.sender.test
t domain-dbl-error 0 '"id":"test-dbl","zone":"dbl.test","state":"error"[^}]*"code":"127.255.255.254","meaning":"the list refused the query \(public resolver\)"' \
	'"problem":false' -- check domain -j -d "$dns" -l "$lists" dblerr.sender.test
t domain-dbl-127001 0 '"state":"error"[^}]*"code":"127.0.0.1"[^}]*never a listing' -- \
	check domain -j -d "$dns" -l "$lists" dblone.sender.test
t domain-dbl-text 1 'Domain blocklists:' 'test-dbl +listed +127.0.1.2 - spam domain' \
	'test-sfdbl +lookup failed' -- \
	check domain -d "$dns" -l "$lists" norua.sender.test
if "$bk" check domain -j -d "$dns" -l "$lists" sender.test | grep -q '"test-bl"'; then
	fail=$((fail + 1))
	echo "FAIL domain-dbl-no-ip-lists: an address list was asked"
else
	pass=$((pass + 1))
fi

# DKIM keys by selector, MTA-STS and TLS-RPT
t domain-selectors 1 '"name":"ed._domainkey.sender.test"[^}]*"usable":true,"type":"ed25519","bits":256' \
	'"name":"rsa2048._domainkey.sender.test"[^}]*"type":"rsa","bits":2048,"revoked":false,"testing":true' \
	'"name":"revoked._domainkey.sender.test"[^}]*"revoked":true' \
	'"name":"none._domainkey.sender.test","dns":"BK_DNS_NXDOMAIN"' \
	'"mta_sts":\{[^}]*"valid":true' '"tls_rpt":\{[^}]*"valid":true' -- \
	check domain -j -d "$dns" -S ed -S rsa2048 -S revoked -S none sender.test
t domain-selector-ok 0 'DKIM key ed._domainkey.sender.test: ed25519 256 bits' \
	'MTA-STS \(_mta-sts.sender.test\): v=STSv1' -- \
	check domain -d "$dns" -S ed sender.test
t domain-bad-sts 1 '"mta_sts":\{[^}]*"valid":false,"problem":"id=' -- \
	check domain -j -d "$dns" mail.sender.test

# check message: DKIM over the real resolver, SPF from the trace
# fields, DMARC alignment
msgs="$here/messages"
t message-pass 0 '"ip":"192.0.2.10","ip_source":"Received"' \
	'"mail_from":"bounce@sender.test"' \
	'"dkim":\{"result":"pass"' '"spf":\{"result":"pass"' \
	'"dmarc":\{"result":"pass","policy_domain":"sender.test","disposition":"none","spf_aligned":true,"dkim_aligned":true' -- \
	check message -j -d "$dns" "$msgs/signed.eml"
t message-body-changed 1 '"dkim":\{"result":"fail"' 'body hash' \
	'"dmarc":\{"result":"pass"[^}]*"spf_aligned":true,"dkim_aligned":false' -- \
	check message -j -d "$dns" "$msgs/body-changed.eml"
t message-forwarded 1 '"ip":"203.0.113.1"' '"spf":\{"result":"fail"' \
	'"dmarc":\{"result":"pass"[^}]*"spf_aligned":false,"dkim_aligned":true' -- \
	check message -j -d "$dns" "$msgs/forwarded.eml"
t message-text 0 '^DKIM pass' 'd=sender.test s=ed a=ed25519-sha256: pass' \
	'^SPF pass' '^DMARC pass for sender.test' -- \
	check message -d "$dns" "$msgs/signed.eml"
t message-unreadable 3 'cannot read' -- \
	check message -d "$dns" "$msgs/does-not-exist.eml"

# diagnose: a bounce tied to the checks its cause calls for (bounces/)
b="$here/bounces"
dl="$here/diagnose-lists.conf"
t diagnose-listed 1 '"sending_ip":"198.51.100.9","sending_ip_source":"diagnostic"' \
	'"kind":"blocklist","id":"spamhaus-zen","title":"Spamhaus ZEN \(zen.spamhaus.org\)","target":"198.51.100.9","state":"still-wrong","named":true' \
	'"id":"test-bl"[^}]*"state":"looks-fixed","named":false' \
	'"plan":\["blocklist","domain-blocklist"\]' \
	'"kind":"domain-blocklist","id":"test-dbl","title":"Test domain list \(dbl.test\) for example.org","target":"example.org","state":"looks-fixed","named":false,"detail":"not listed [^"]* \[the From domain\]"' \
	'"verdict":"still-wrong","summary":"Still listed on Spamhaus ZEN \(combined IP list\)[^"]*delist at https://check.spamhaus.org/' -- \
	diagnose -j -d "$dns" -l "$dl" "$b/blocklisted.eml"
# a link domain of the returned message (quoted-printable) on a domain
# list: www.bad.example and its registered domain bad.example are asked,
# with the sending domain; mailto: names no site
t diagnose-uri-listed 1 '"plan":\["domain-blocklist"\]' \
	'"kind":"domain-blocklist","id":"test-dbl","title":"Test domain list \(dbl.test\) for bad.example","target":"bad.example","state":"still-wrong"[^}]*"detail":"listed: 127.0.1.2 spam domain \[the registered domain of a link' \
	'"target":"www.bad.example","state":"looks-fixed"' \
	'"target":"shop.example.org","state":"looks-fixed"' \
	'"target":"example.org","state":"looks-fixed"[^}]*\[the registered domain' \
	'"verdict":"still-wrong","summary":"bad.example is still listed' -- \
	diagnose -j -d "$dns" -l "$dl" "$b/uri-listed.eml"
t diagnose-uri-text 1 'Checks +domain blocklists' \
	'still wrong now +Test domain list \(dbl.test\) for bad.example' \
	'bad.example is still listed' -- \
	diagnose -d "$dns" -l "$dl" "$b/uri-listed.eml"
t diagnose-uri-nolists 0 '"kind":"domain-blocklist","id":null[^}]*"state":"not-checked"[^}]*has no domain list' -- \
	diagnose -j -d "$dns" -l "$here/diagnose-nodomain.conf" "$b/uri-listed.eml"
t diagnose-unlisted 0 '"sending_ip":"198.51.100.10"' \
	'"id":"spamhaus-zen"[^}]*"state":"looks-fixed","named":true' \
	'"verdict":"looks-fixed","summary":"Not listed on Spamhaus ZEN' -- \
	diagnose -j -d "$dns" -l "$dl" "$b/unlisted.eml"
t diagnose-listed-text 1 '^Diagnosis' 'Sending IP +198.51.100.9, named in the receiver' \
	'still wrong now +Spamhaus ZEN \(zen.spamhaus.org\), named in the bounce' \
	'^  Still listed on Spamhaus ZEN' -- \
	diagnose -d "$dns" -l "$dl" "$b/blocklisted.eml"
t diagnose-dmarc 1 '"plan":\["authentication"\]' \
	'"sending_ip":"198.51.100.25","sending_ip_source":"received"' \
	'"returned_message":"whole"' \
	'"kind":"spf","id":"example.org"[^}]*"state":"still-wrong","named":false,"detail":"fail' \
	'"kind":"dkim"[^}]*"state":"still-wrong"[^}]*no DKIM-Signature' \
	'"kind":"dmarc","id":"example.org"[^}]*"state":"still-wrong"[^}]*p=reject' \
	'"verdict":"still-wrong","summary":"SPF still does not pass for 198.51.100.25' -- \
	diagnose -j -d "$dns" "$b/dmarc-reject.eml"
t diagnose-dmarc-fixed 0 '"sending_ip":"192.0.2.10","sending_ip_source":"option"' \
	'"returned_message":"headers"' \
	'"kind":"spf"[^}]*"state":"looks-fixed"' \
	'"kind":"dkim-key","id":"s1._domainkey.example.org"[^}]*"state":"looks-fixed"' \
	'"kind":"dkim"[^}]*"state":"not-checked"[^}]*only the headers' \
	'"kind":"dmarc"[^}]*"state":"looks-fixed"[^}]*SPF aligned' \
	'"summary":"SPF now passes for 192.0.2.10' -- \
	diagnose -j -d "$dns" -i 192.0.2.10 -S s1 "$b/dmarc-reject-headers.eml"
t diagnose-ptr-missing 1 '"plan":\["reverse-dns"\]' \
	'"kind":"rdns","id":"198.51.100.11"[^}]*"state":"still-wrong"[^}]*no PTR record' -- \
	diagnose -j -d "$dns" "$b/requireptr-noptr.eml"
t diagnose-ptr-present 0 \
	'"kind":"rdns","id":"198.51.100.10"[^}]*"state":"looks-fixed"[^}]*PTR mail.example.org' \
	'"summary":"198.51.100.10 now has forward-confirmed reverse DNS' -- \
	diagnose -j -d "$dns" "$b/requireptr-ptr.eml"
t diagnose-not-applicable 0 '"plan":\[\]' '"verdict":"not-applicable"' \
	'"checks":\[\]' -- diagnose -j -d "$dns" "$here/../../samples/postfix-user-unknown.eml"
start=$(date +%s)
t diagnose-timeout 0 '"state":"not-checked"[^}]*timed out' '"verdict":"not-checked"' -- \
	diagnose -j -d "127.0.0.1:$bhport" -t 200 -l "$dl" "$b/blocklisted.eml"
if [ $(($(date +%s) - start)) -gt 5 ]; then
	fail=$((fail + 1))
	echo "FAIL diagnose-timeout: took more than 5 s"
fi
t diagnose-unreadable 3 -- diagnose -d "$dns" "$b/does-not-exist.eml"
t diagnose-usage 2 -- diagnose -d "$dns" -i not-an-ip "$b/blocklisted.eml"

echo "knot_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
