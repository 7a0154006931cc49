# tests/dns: DNS and SPF conformance drivers (included from
# tests/CMakeLists.txt).  Suites outside the repository are passed as
# arguments; a driver without its suite skips (exit 77).
set(BK_SHARED_DIR ${CMAKE_SOURCE_DIR}/../shared CACHE PATH
	"folder holding suites/ (conformance suites; optional)")

add_executable(spf_suite ${CMAKE_CURRENT_LIST_DIR}/spf_suite.c)
target_include_directories(spf_suite PRIVATE ${CMAKE_SOURCE_DIR}/include
	${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(spf_suite PRIVATE bouncekit_static)
add_test(NAME spf_suite_rfc7208
	COMMAND spf_suite ${BK_SHARED_DIR}/suites/spf rfc7208-tests.yml)
set_tests_properties(spf_suite_rfc7208 PROPERTIES SKIP_RETURN_CODE 77)

# `bouncekit check` against knotd on loopback (skips without knot).
add_test(NAME dns_knot_integration
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/knot_test.sh $<TARGET_FILE:bouncekit>)
set_tests_properties(dns_knot_integration PROPERTIES SKIP_RETURN_CODE 77
	TIMEOUT 300)

# DKIM suite (../shared/suites/dkim, 222 cases; keys from the fake zone).
add_executable(dkim_suite ${CMAKE_CURRENT_LIST_DIR}/dkim_suite.c)
target_include_directories(dkim_suite PRIVATE ${CMAKE_SOURCE_DIR}/include
	${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(dkim_suite PRIVATE bouncekit_static)
add_test(NAME dkim_suite COMMAND dkim_suite ${BK_SHARED_DIR}/suites/dkim)
set_tests_properties(dkim_suite PROPERTIES SKIP_RETURN_CODE 77)

# DMARC suite (../shared/suites/dmarc; zones/test.zone from the fake zone).
add_executable(dmarc_suite ${CMAKE_CURRENT_LIST_DIR}/dmarc_suite.c)
target_include_directories(dmarc_suite PRIVATE ${CMAKE_SOURCE_DIR}/include
	${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(dmarc_suite PRIVATE bouncekit_static)
add_test(NAME dmarc_suite COMMAND dmarc_suite ${BK_SHARED_DIR}/suites/dmarc)
set_tests_properties(dmarc_suite PROPERTIES SKIP_RETURN_CODE 77)

# `bouncekit check --offline` (no server; in a network namespace when
# unshare -rn works).
add_test(NAME dns_offline
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/offline_test.sh $<TARGET_FILE:bouncekit>)

# the OpenSPF rfc7208 scenarios over real DNS: knotd serves each
# scenario's zone, a drop proxy makes its TIMEOUT names time out (skips
# without knot or the suite).
add_test(NAME spf_suite_knot
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/spf_knot.sh $<TARGET_FILE:spf_suite>
	${BK_SHARED_DIR}/suites/spf rfc7208-tests.yml)
set_tests_properties(spf_suite_knot PROPERTIES SKIP_RETURN_CODE 77
	TIMEOUT 300)
