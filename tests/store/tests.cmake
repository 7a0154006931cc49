# tests/store: the store against real servers (included from
# tests/CMakeLists.txt).  pg.sh starts a throwaway PostgreSQL cluster and
# runs the store's unit suite and CLI checks against it; it skips (77)
# only when the PostgreSQL server binaries are not installed.
if(BK_POSTGRESQL)
	add_test(NAME store_postgresql
		COMMAND ${CMAKE_CURRENT_LIST_DIR}/pg.sh $<TARGET_FILE:test_store>
			$<TARGET_FILE:bouncekit>)
	set_tests_properties(store_postgresql PROPERTIES SKIP_RETURN_CODE 77
		TIMEOUT 300)
endif()

# kill -9 during a large SQLite ingest, then the same ingest again
add_test(NAME store_crash
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/crash.sh $<TARGET_FILE:bouncekit>)
set_tests_properties(store_crash PROPERTIES TIMEOUT 300)

# bench/store/bench_store.c: the store part of ingest apart from decoding
# (bench/store/run.sh runs it on the corpus).  Built with the tests; the
# store_bench_agrees test checks that it and the CLI count the same.
add_executable(bench_store ${CMAKE_SOURCE_DIR}/bench/store/bench_store.c)
target_include_directories(bench_store PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(bench_store PRIVATE bouncekit_static)

# A private Postfix instance relays to a loopback SMTP sink that rejects
# at RCPT, writes its own DSNs and pipes them into "bouncekit ingest";
# skips (77) only when the Postfix binaries are missing (build.sh installs
# the postfix package).  Needs root, as postfix start does.
add_test(NAME store_postfix_e2e
	COMMAND ${CMAKE_CURRENT_LIST_DIR}/postfix_e2e.sh $<TARGET_FILE:bouncekit>)
set_tests_properties(store_postfix_e2e PROPERTIES SKIP_RETURN_CODE 77
	TIMEOUT 120)
