#!/bin/bash
# dovecot_e2e.sh BOUNCEKIT [DEBS_DIR] - a real Dovecot delivery agent
# (dovecot-lda, with Pigeonhole Sieve) writes its own rejections and
# auto-replies.
#
# Debian's dovecot-core and dovecot-sieve are fetched with `apt-get
# download` into DEBS_DIR (kept between runs; default: a folder in the
# test's run directory) and unpacked with `dpkg -x`, not installed.  The
# delivery agent finds its libraries, plugins and doveconf at paths built
# into it, so read-only overlays put the unpacked /usr/lib and /usr/bin
# over the host's in a private mount namespace (unshare -m); nothing on
# the host changes.  dovecot-lda runs as nobody, one delivery per message,
# with a configuration of its own in the lab (every mailbox a Maildir
# under the lab, a storage quota of 1 KB, Sieve), and hands what it sends
# to a program in the lab that keeps each message (its sendmail_path).
# The scenarios (messages from s-NAME@bounces.example to x@NAME.example,
# handed as an MTA hands them to dovecot-lda, through mta_tool.py pipe):
#   x@quota.example     a mailbox already over its quota: "Quota
#                       exceeded", sent as a delivery status notification
#   x@reject.example    a Sieve script that rejects (RFC 5429): sent as a
#                       disposition notification, Disposition "deleted"
#   x@vacation.example  a Sieve vacation reply (RFC 5230, RFC 3834)
# The test decodes each message kept with bouncekit and checks each
# record.
#
# Skips (77) when not root, when unshare or the overlay mount is not
# possible here, or when the packages cannot be downloaded.  Bounded in
# time (about 5 s).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
MTA_TEST=dovecot_e2e
. "$here/mta_lib.sh"
PKGS="dovecot-core dovecot-sieve"
DEADLINE=${BK_DOVECOT_DEADLINE:-30}
LDA=/usr/lib/dovecot/dovecot-lda

if [ "${BK_MTA_INNER:-}" != 1 ]; then
	mta_outer dovecot "${2:-}" $PKGS
	[ -x "$lab/root$LDA" ] || {
		rm -rf "$lab"
		fail "dovecot-lda not in the package"
	}
	mta_enter "$0" "$bin"
fi

# In the private mount namespace from here on.
lab=$BK_MTA_LAB
mta_traps "$LDA"
mkdir -p "$lab/out" "$lab/run" "$lab/state" "$lab/home/quota/Maildir/cur" \
    "$lab/home/reject" "$lab/home/vacation"

cat > "$lab/dovecot.conf" <<EOF
protocols =
base_dir = $lab/run
state_dir = $lab/state
log_path = $lab/dovecot.log
ssl = no
hostname = mx.lab.test
postmaster_address = postmaster@mx.lab.test
mail_location = maildir:~/Maildir
mail_plugins = quota
sendmail_path = $lab/keep.sh
plugin {
  quota = maildir:User quota
  quota_rule = *:storage=1K
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_vacation_dont_check_recipient = yes
}
protocol lda {
  mail_plugins = \$mail_plugins sieve
}
EOF
# what dovecot-lda sends is kept, one file a message
cat > "$lab/keep.sh" <<EOF
#!/bin/sh
cat > "\$(mktemp "$lab/out/msg-XXXXXX.eml")"
EOF
# the MTA's side: dovecot-lda as the mailbox's owner, its home from the
# recipient's domain
cat > "$lab/lda.sh" <<EOF
#!/bin/sh
# lda.sh -f SENDER RECIPIENT
home=\${3#*@}
home=$lab/home/\${home%.example}
exec runuser -u nobody -- env HOME="\$home" USER="\${3%@*}" $LDA \\
    -c "$lab/dovecot.conf" -f "\$2" -a "\$3"
EOF
chmod 755 "$lab/keep.sh" "$lab/lda.sh"
# the quota mailbox already holds more than its 1 KB
head -c 2048 /dev/zero | tr '\0' x > "$lab/home/quota/Maildir/cur/1.host:2,S"
printf 'require "reject";\nreject "I do not accept messages from this sender.";\n' \
    > "$lab/home/reject/.dovecot.sieve"
printf 'require "vacation";\nvacation :days 1 :subject "Away until Monday" "I am out of the office until Monday.";\n' \
    > "$lab/home/vacation/.dovecot.sieve"
touch "$lab/dovecot.log"
chown -R nobody "$lab/home" "$lab/run" "$lab/state" "$lab/out" \
    "$lab/dovecot.log"

mount -t overlay -o "lowerdir=$lab/root/usr/lib:/usr/lib" bk-dovecot-lib \
    /usr/lib 2> /dev/null || skip "no overlay mount in a private namespace"
mount -t overlay -o "lowerdir=$lab/root/usr/bin:/usr/bin" bk-dovecot-bin \
    /usr/bin 2> /dev/null || skip "no overlay mount in a private namespace"
if ldd "$LDA" | grep -q 'not found'; then
	fail "unresolved libraries: $(ldd "$LDA" | grep 'not found')"
fi

timeout "$DEADLINE" "$here/mta_tool.py" pipe "$lab/lda.sh" quota reject \
    vacation || fail "dovecot-lda failed: $(tail -n 3 "$lab/dovecot.log")"
# the kept messages are addressed as the other tests' sink keeps them
mta_collect quota:1 reject:1 vacation:1
echo "$MTA_TEST: Dovecot $("$lab/root/usr/sbin/dovecot" --version \
    2> /dev/null | head -1)," \
    "$(grep -ho 'Pigeonhole Sieve [0-9.]*[0-9]' "$lab/out"/*.eml | head -1)"
"$here/mta_tool.py" check "$MTA_TEST" "$lab/out" <<'EOF'
{
  "quota": ["x@quota.example", [{"kind": "bounce", "decoder": "rfc3464",
    "action": "failed", "status": "5.2.2", "reason": "mailboxfull",
    "hard": false, "reporting_mta": "mx.lab.test",
    "message_id": "quota@lab.test",
    "diagnostic": "Quota exceeded (mailbox for user is full)"}]],
  "reject": ["x@reject.example", [{"kind": "bounce", "decoder": "mdn",
    "action": "failed", "reason": "filtered", "hard": false,
    "responsible": "recipient", "reporting_mta": "mx.lab.test",
    "message_id": "reject@lab.test",
    "diagnostic": "I do not accept messages from this sender."}]],
  "vacation": ["x@vacation.example", [{"kind": "autoreply",
    "decoder": "rfc3834", "reason": "vacation", "hard": false,
    "sender": "s-vacation@bounces.example",
    "message_id": "vacation@lab.test"}]]
}
EOF
