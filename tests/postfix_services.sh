# postfix_services.sh - sourced by the tests that run a private Postfix
# (tests/mta/postfix_e2e.sh, tests/store/postfix_e2e.sh).
#
# postfix_services prints the master.cf lines of the services every such
# instance needs: none chrooted (the private queue has no copy of /etc).
# The caller adds its own smtpd listener and any other service.
postfix_services() {
	cat <<'CF'
pickup     unix  n - n 60  1 pickup
cleanup    unix  n - n -   0 cleanup
qmgr       unix  n - n 300 1 qmgr
rewrite    unix  - - n -   - trivial-rewrite
bounce     unix  - - n -   0 bounce
defer      unix  - - n -   0 bounce
trace      unix  - - n -   0 bounce
verify     unix  - - n -   1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -   - proxymap
smtp       unix  - - n -   - smtp
relay      unix  - - n -   - smtp
showq      unix  n - n -   - showq
error      unix  - - n -   - error
retry      unix  - - n -   - error
discard    unix  - - n -   - discard
anvil      unix  - - n -   1 anvil
scache     unix  - - n -   1 scache
postlog    unix-dgram n - n - 1 postlogd
CF
}
