#!/bin/sh
# offline_test.sh BOUNCEKIT - `bouncekit check --offline`: no query leaves
# the process; the records given with --record are checked, what needs
# DNS says so (exit 4).  When the kernel allows it (unshare -rn), every
# command runs in a new network namespace (only a loopback that is down),
# so a query could not be answered even by accident.
set -u
bk=$1
here=$(cd "$(dirname "$0")" && pwd)
pre=""
if command -v unshare >/dev/null 2>&1 && unshare -rn true 2>/dev/null; then
	pre="unshare -rn"
fi
pass=0
fail=0

# t NAME WANT_EXIT PATTERN... -- ARGS (patterns: grep -E over stdout+stderr)
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
	out=$(timeout 10 $pre "$bk" "$@" 2>&1)
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

# check spf: the given record, evaluated as far as it needs no DNS
t spf-no-record 4 'check spf needs DNS' 'record' -- \
	check spf --offline -i 192.0.2.1 example.com
t spf-pass 0 '^SPF pass' "matched 'ip4:192.0.2.0/24'" -- \
	check spf --offline -r 'v=spf1 ip4:192.0.2.0/24 -all' -i 192.0.2.1 example.com
t spf-fail 1 '"result":"fail"' -- \
	check spf -j --offline -r 'v=spf1 ip4:192.0.2.0/24 -all' -i 198.51.100.1 example.com
t spf-syntax 1 '"result":"permerror"' 'bad CIDR length' -- \
	check spf -j --offline -r 'v=spf1 ip4:192.0.2.0/33 -all' -i 192.0.2.1 example.com
t spf-needs-dns 4 '"result":"temperror"' 'mx: example.com not looked up \(offline\)' -- \
	check spf -j --offline -r 'v=spf1 mx -all' -i 192.0.2.1 example.com
t spf-needs-dns-text 4 'not looked up \(offline\)' '--offline: the evaluation needs a record' -- \
	check spf --offline -r 'v=spf1 mx -all' -i 192.0.2.1 example.com
t spf-include-given 0 '"result":"pass"' 'include:_spf.example.com' -- \
	check spf -j --offline -r 'v=spf1 include:_spf.example.com -all' \
	-r '_spf.example.com=v=spf1 ip4:198.51.100.0/24 -all' -i 198.51.100.1 example.com
t spf-two-records 1 '"result":"permerror"' 'more than one' -- \
	check spf -j --offline -r 'v=spf1 -all' -r 'v=spf1 +all' -i 192.0.2.1 example.com

# check domain: syntax and policy of the given records
t domain-no-record 4 'check domain needs DNS' -- \
	check domain --offline example.com
t domain-records 0 '"mx":\{"dns":"BK_DNS_OFFLINE"' \
	'"record":"v=spf1 mx include:_spf.example.com -all","terms":2' \
	'"domain":"_spf.example.com","record":null,"terms":0,"error":"not looked up \(offline\)"' \
	'"found_at":"_dmarc.example.com"[^}]*"usable":true,"p":"reject"' \
	'"problem":false' -- \
	check domain -j --offline -r 'v=spf1 mx include:_spf.example.com -all' \
	-r 'v=DMARC1; p=reject; rua=mailto:d@example.com' example.com
t domain-bad-dmarc 1 '"usable":false' 'p=bogus' '"problem":true' -- \
	check domain -j --offline -r 'v=spf1 -all' -r 'v=DMARC1; p=bogus' example.com
t domain-dkim-key 0 'DKIM key s1._domainkey.example.com: ed25519 256 bits' -- \
	check domain --offline -S s1 \
	-r 'v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' example.com
t domain-dkim-revoked 1 '"revoked":true' -- \
	check domain -j --offline -S s1 -r 'v=DKIM1; p=' example.com
t domain-sts-bad 1 '"mta_sts":\{[^}]*"valid":false,"problem":"id=' -- \
	check domain -j --offline -r 'v=STSv1; id=bad!' example.com
t domain-where 2 'cannot tell where record' -- \
	check domain --offline -r 'hello world' example.com

# check ip: nothing to check without DNS
t ip 4 'check ip needs DNS' -- check ip --offline 192.0.2.1

# check message: the trace and the signatures; keys, SPF and DMARC need
# DNS unless given
t message-no-records 4 'd=sender.test s=ed a=ed25519-sha256: temperror - key lookup failed: not looked up \(offline\)' \
	'^DMARC temperror' -- check message --offline "$here/messages/signed.eml"
key=$(grep '^ed\._domainkey' "$here/zones/sender.test.zone" | sed 's/^[^"]*"//; s/"$//; s/" "//g')
t message-records 0 '"dkim":\{"result":"pass"' '"spf":\{"result":"pass"' \
	'"dmarc":\{"result":"pass"' -- \
	check message -j --offline -r "ed._domainkey.sender.test=$key" \
	-r 'sender.test=v=spf1 ip4:192.0.2.10 -all' \
	-r '_dmarc.sender.test=v=DMARC1; p=reject' "$here/messages/signed.eml"
t message-body-changed 1 '"dkim":\{"result":"fail"' -- \
	check message -j --offline -r "ed._domainkey.sender.test=$key" \
	"$here/messages/body-changed.eml"

# usage
t record-without-offline 2 'is for --offline' -- \
	check spf -r 'v=spf1 -all' -i 192.0.2.1 example.com
t offline-with-dns 2 'dns does not apply' -- \
	check spf --offline -d 127.0.0.1:53 -r 'v=spf1 -all' -i 192.0.2.1 example.com

echo "offline_test: $pass passed, $fail failed${pre:+ (in a network namespace)}"
[ "$fail" -eq 0 ]
