#!/bin/sh
# test_check_report.sh BOUNCEKIT - `bouncekit check report`: the text and
# JSON of an aggregate and a failure report, each container (XML, gzip,
# zip, mail), --strict against a repairable report, and the exit status
# for a file that is no report, an unreadable one and a mix.
set -u
BK=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
D=$SRC/tests/unit/check/dmarc_report
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
pass=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
# has NAME FILE PATTERN...: every extended regex matches a line of FILE
has() {
	name=$1 file=$2
	shift 2
	for pat in "$@"; do
		if ! grep -Eq -- "$pat" "$file"; then
			no "$name: no line matches /$pat/"
			sed 's/^/  | /' "$file" >&2
			return
		fi
	done
	ok
}
# status NAME WANT GOT
status() {
	if [ "$2" -eq "$3" ]; then ok; else no "$1: exit $3, want $2"; fi
}

# 1. each container of the same aggregate report reads the same rows
for f in report.xml report.xml.gz report.xml.zip report-zip.eml; do
	"$BK" check report --json "$D/$f" > "$T/$f.json"
	status "json $f" 0 $?
	has "json $f" "$T/$f.json" '"kind":"aggregate"' \
	    '"org_name":"receiver.example"' '"report_id":"rid-0001"' \
	    '"source_ip":"192.0.2.10","count":12'
	# one object per report, on one line
	[ "$(wc -l < "$T/$f.json")" -eq 1 ] && ok || no "json $f: not one line"
done
has "containers" "$T/report.xml.gz.json" '"container":"gzip"'
has "containers" "$T/report.xml.zip.json" '"container":"zip"'
has "containers" "$T/report-zip.eml.json" '"container":"email/zip"'

# 2. text for a person: the policy and every row
"$BK" check report "$D/report.xml" > "$T/text"
status "text" 0 $?
has "text" "$T/text" '^Report .*report.xml: aggregate \(xml\)' \
    'policy published: +sender.example p=quarantine' \
    '192.0.2.10 x12 none dkim=pass spf=fail' '2001:db8::25 x3 quarantine'

# 3. a failure report (ARF): UTF-8 kept as text, in both forms
"$BK" check report "$D/failure-arf.eml" > "$T/fail.txt"
status "failure text" 0 $?
has "failure text" "$T/fail.txt" ': failure \(email\)' \
    'auth failure: +dmarc' 'source IP: +203.0.113.9' 'Café <news@sender.example>'
"$BK" check report -j "$D/failure-arf.eml" > "$T/fail.json"
has "failure json" "$T/fail.json" '"kind":"failure"' '"arf":true' \
    '"from":"Café <news@sender.example>"'
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/fail.json" &&
    ok || no "failure json: not valid JSON"

# 4. repairable damage: read with a warning, refused with --strict
printf '<?xml version="1.0"?>\n<feedback><report_metadata><org_name>Caf\351</org_name><email>a@b.example</email><report_id>x1</report_id><date_range><begin>1</begin><end>2</end></date_range></report_metadata><policy_published><domain>s.example</domain><p>none</p></policy_published><record><row><source_ip>192.0.2.1</source_ip><count>1</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>s.example</header_from></identifiers><auth_results><spf><domain>s.example</domain><result>pass</result></spf></auth_results></record></feedback>\n' > "$T/latin1.xml"
"$BK" check report -j "$T/latin1.xml" > "$T/lenient.json"
status "lenient" 0 $?
has "lenient" "$T/lenient.json" '"kind":"aggregate"' '"org_name":"Café"' \
    '"diagnostic":\{"severity":"warning","text":"invalid UTF-8'
"$BK" check report -j --strict "$T/latin1.xml" > "$T/strict.json"
status "strict" 1 $?
has "strict" "$T/strict.json" '"kind":"error"' '"error":\{"code":"BK_ESYNTAX","message":"invalid UTF-8'

# 5. not a report, unreadable, and a mix
printf 'hello\n' > "$T/junk.txt"
"$BK" check report "$T/junk.txt" > "$T/junk.out"
status "junk" 1 $?
has "junk" "$T/junk.out" 'error: not a DMARC report'
"$BK" check report "$T/missing.xml" > /dev/null 2> "$T/missing.err"
status "missing" 3 $?
has "missing" "$T/missing.err" "cannot read"
"$BK" check report "$D/report.xml" "$T/junk.txt" > "$T/mix.out"
status "mix" 1 $?
has "mix" "$T/mix.out" ': aggregate \(xml\)' ': error'
"$BK" check report > /dev/null 2>&1
status "no file" 2 $?

echo "test_check_report: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
