#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the team-sync tests.
#   eval "$(bash scripts/pg-test.sh start)"   # exports SPO_TEST_PG_URL and SPO_TEST_PG_DIR
#   bash scripts/pg-test.sh stop "$SPO_TEST_PG_DIR"
# With SPO_PG_TLS_CERT and SPO_PG_TLS_KEY (PEM files) the cluster also speaks TLS, and with
# SPO_PG_LISTEN (an address of this machine) it listens there too, where it takes TLS logins only
# (the team-sync TLS test reaches it off loopback with verify-full).
# initdb and postgres refuse to run as root, so as root the cluster runs as the `postgres` user.
set -euo pipefail
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (run scripts/setup.sh)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
  start)
    dir="$(mktemp -d /tmp/spo-pg.XXXXXX)"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # Seats authenticate with passwords even on loopback, as they would against a real server.
    printf 'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n' \
      | as_pg tee "$dir/data/pg_hba.conf" >/dev/null
    listen=127.0.0.1
    extra=""
    if [ -n "${SPO_PG_TLS_CERT:-}" ]; then
      for f in cert key; do
        src="SPO_PG_TLS_$(echo $f | tr a-z A-Z)"
        as_pg install -m 600 "${!src}" "$dir/data/server.$f" 2>/dev/null \
          || { cp "${!src}" "$dir/data/server.$f"; chmod 600 "$dir/data/server.$f"; \
               [ "$(id -u)" = 0 ] && chown postgres: "$dir/data/server.$f"; }
      done
      extra="-c ssl=on -c ssl_cert_file=server.cert -c ssl_key_file=server.key"
    fi
    if [ -n "${SPO_PG_LISTEN:-}" ]; then
      listen="127.0.0.1,$SPO_PG_LISTEN"
      printf 'hostssl all all %s/32 scram-sha-256\n' "$SPO_PG_LISTEN" | as_pg tee -a "$dir/data/pg_hba.conf" >/dev/null
    fi
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
      "-p $port -k $dir -c listen_addresses=$listen -c fsync=off -c max_connections=200 $extra" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "export SPO_TEST_PG_DIR='$dir'"
    echo "export SPO_TEST_PG_URL='postgres://postgres@127.0.0.1:$port/postgres'"
    ;;
  stop)
    dir="${2:?usage: pg-test.sh stop DIR}"
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: pg-test.sh start | stop DIR" >&2; exit 2 ;;
esac
