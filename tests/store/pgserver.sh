# pgserver.sh - a throwaway PostgreSQL cluster for tests and benchmarks.
# Sourced (". pgserver.sh"), not run.  Functions:
#
#   pg_find            PGBIN := the directory of initdb and pg_ctl; 1 if none
#   pg_start           initdb in a new temp dir, start on a free loopback
#                      port (unix socket in the same dir); sets PGDIR,
#                      PGPORT_BK and PG_URL (postgresql://bk@127.0.0.1:P/bkt)
#   pg_stop            stop the server (fast, then immediate); keeps data
#   pg_restart         start the stopped server again on the same port
#   pg_clean           pg_stop, then delete PGDIR
#   pg_psql SQL        run SQL as the bootstrap superuser over the socket
#
# Pitfalls handled (see ../shared/suites/postgres): initdb, pg_ctl and
# postgres refuse to run as root, so as root every server command runs as
# the "postgres" account (else "nobody") through runuser, from "/", in a
# directory that account owns; mktemp -d makes 0700 directories, so the
# run directory is opened to 0755 (data/ stays 0700).  The server runs in
# its own session and outlives a killed harness: callers set a trap that
# calls pg_clean.  Settings trade durability for speed (fsync off) unless
# PG_DURABLE=1, as the benchmark sets.

PGBIN=${PGBIN:-}
PGDIR=
PGPORT_BK=
PG_URL=

pg_find() {
	if [ -z "$PGBIN" ]; then
		for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -rV); do
			if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
				PGBIN=$d
				break
			fi
		done
	fi
	[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ]
}

# as_server CMD... - run a server command as the account that owns PGDIR
as_server() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u "$PG_OS_USER" -- "$@")
	else
		"$@"
	fi
}

# port_free PORT - nothing accepts connections on 127.0.0.1:PORT
port_free() {
	! (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}

pg_start() {
	pg_find || { echo "pgserver: no initdb/pg_ctl (Debian package postgresql)" >&2; return 1; }
	PG_OS_USER=postgres
	id postgres > /dev/null 2>&1 || PG_OS_USER=nobody
	PGDIR=$(mktemp -d /tmp/bk-pg.XXXXXX) || return 1
	chmod 755 "$PGDIR"
	[ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$PGDIR"
	if ! as_server "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -A trust \
	    -E UTF8 --locale=C --no-sync > "$PGDIR/initdb.log" 2>&1; then
		echo "pgserver: initdb failed:" >&2
		tail -5 "$PGDIR/initdb.log" >&2
		return 1
	fi
	if [ "${PG_DURABLE:-0}" = 1 ]; then
		durable="fsync = on"
	else
		durable="fsync = off
synchronous_commit = off
full_page_writes = off"
	fi
	cat >> "$PGDIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGDIR'
max_connections = 40
shared_buffers = 32MB
autovacuum = off
jit = off
timezone = 'UTC'
lc_messages = 'C'
$durable
CONF
	tries=0
	while [ $tries -lt 8 ]; do
		tries=$((tries + 1))
		# a port below the ephemeral range (32768-60999), picked at random
		PGPORT_BK=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
		port_free "$PGPORT_BK" || continue
		sed -i "/^port = /d" "$PGDIR/data/postgresql.conf"
		echo "port = $PGPORT_BK" >> "$PGDIR/data/postgresql.conf"
		if as_server "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" \
		    -w -t 30 start > /dev/null 2>&1; then
			{ pg_psql "CREATE ROLE bk LOGIN" && pg_psql "CREATE DATABASE bkt OWNER bk"; } > /dev/null || return 1
			PG_URL="postgresql://bk@127.0.0.1:$PGPORT_BK/bkt"
			return 0
		fi
		# lost a race for the port: try another one
		grep -q "could not bind\|could not create any TCP" "$PGDIR/server.log" 2> /dev/null || break
	done
	echo "pgserver: the server did not start:" >&2
	tail -5 "$PGDIR/server.log" >&2
	return 1
}

pg_psql() {
	as_server "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" \
	    -p "$PGPORT_BK" -U postgres -d "${PG_PSQL_DB:-postgres}" -At -c "$1"
}

pg_stop() {
	[ -n "$PGDIR" ] && [ -d "$PGDIR/data" ] || return 0
	as_server "$PGBIN/pg_ctl" -D "$PGDIR/data" -w -t 10 -m fast stop > /dev/null 2>&1 ||
	    as_server "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop > /dev/null 2>&1
	return 0
}

pg_restart() {
	as_server "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" \
	    -w -t 30 start > /dev/null 2>&1
}

pg_clean() {
	pg_stop
	case "$PGDIR" in
	/tmp/bk-pg.*) rm -rf "$PGDIR" ;;
	esac
	PGDIR=
}
