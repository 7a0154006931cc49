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
