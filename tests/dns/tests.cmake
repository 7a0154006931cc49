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
