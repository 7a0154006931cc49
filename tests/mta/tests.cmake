# tests/mta: a real MTA writes the bounces bouncekit decodes (included
# from tests/CMakeLists.txt).  exim_e2e.sh fetches Debian's Exim 4 with
# apt-get download (kept in the build folder between runs), runs it
# unpacked in a private mount namespace against a loopback SMTP sink and
# checks bouncekit's record of each notice Exim writes: remote
# rejections at RCPT and after the data, a blocklist, a delay warning, a
# retry timeout, two local failures, a message to two failing recipients
# and a DSN request.  opensmtpd_e2e.sh
# does the same with Debian's OpenSMTPD: rejections at RCPT and after the
# data, a blocklist, a deferral, an expired envelope, a message to two
# failing recipients and a success notice;
# sendmail_e2e.sh with Debian's Sendmail 8.17 (its configuration built
# from the package's m4 files): the same, with a warning and an expiry;
# dma_e2e.sh with Debian's dma (the DragonFly Mail Agent, handed the
# messages as sendmail would be): rejections at RCPT and after the data,
# a blocklist, two failing recipients, an expiry, no notice for a
# delivered message; courier_e2e.sh with Debian's Courier 1.0 (its
# libraries and modules overlaid on /usr/lib): the same, with a delay
# warning and the failure at the end of the queue lifetime;
# postfix_e2e.sh with the installed Postfix as a private instance (no
# namespace, nothing fetched): the same, with a success notice;
# dovecot_e2e.sh with Debian's Dovecot delivery agent and Sieve: a quota
# rejection, a Sieve reject and a vacation reply; nullmailer_e2e.sh with
# Debian's nullmailer: rejections, a blocklist, a notice for two
# recipients that carries one recipient's reply for both, a deferral past
# the queue lifetime.
# Each skips (77) when not root or where the namespace, the overlay
# mount or the download is not possible.
add_test(NAME mta_exim_e2e
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/exim_e2e.sh $<TARGET_FILE:bouncekit>
		${CMAKE_BINARY_DIR}/exim-debs)
set_tests_properties(mta_exim_e2e PROPERTIES SKIP_RETURN_CODE 77
	TIMEOUT 240)
add_test(NAME mta_opensmtpd_e2e
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/opensmtpd_e2e.sh
		$<TARGET_FILE:bouncekit> ${CMAKE_BINARY_DIR}/opensmtpd-debs)
set_tests_properties(mta_opensmtpd_e2e PROPERTIES SKIP_RETURN_CODE 77
	TIMEOUT 180)
add_test(NAME mta_sendmail_e2e
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/sendmail_e2e.sh
		$<TARGET_FILE:bouncekit> ${CMAKE_BINARY_DIR}/sendmail-debs)
set_tests_properties(mta_sendmail_e2e PROPERTIES SKIP_RETURN_CODE 77
	TIMEOUT 180)
add_test(NAME mta_dma_e2e
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/dma_e2e.sh $<TARGET_FILE:bouncekit>
		${CMAKE_BINARY_DIR}/dma-debs)
set_tests_properties(mta_dma_e2e PROPERTIES SKIP_RETURN_CODE 77
	TIMEOUT 120)
add_test(NAME mta_courier_e2e
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/courier_e2e.sh
		$<TARGET_FILE:bouncekit> ${CMAKE_BINARY_DIR}/courier-debs)
set_tests_properties(mta_courier_e2e PROPERTIES SKIP_RETURN_CODE 77
	TIMEOUT 180)
add_test(NAME mta_postfix_e2e
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/postfix_e2e.sh $<TARGET_FILE:bouncekit>)
set_tests_properties(mta_postfix_e2e PROPERTIES SKIP_RETURN_CODE 77
	TIMEOUT 180)
add_test(NAME mta_dovecot_e2e
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/dovecot_e2e.sh
		$<TARGET_FILE:bouncekit> ${CMAKE_BINARY_DIR}/dovecot-debs)
set_tests_properties(mta_dovecot_e2e PROPERTIES SKIP_RETURN_CODE 77
	TIMEOUT 120)
add_test(NAME mta_nullmailer_e2e
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/nullmailer_e2e.sh
		$<TARGET_FILE:bouncekit> ${CMAKE_BINARY_DIR}/nullmailer-debs)
set_tests_properties(mta_nullmailer_e2e PROPERTIES SKIP_RETURN_CODE 77
	TIMEOUT 120)
