#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the ledger tests and prints its URL on the last line.
# Installs Debian's `postgresql` package when no server binaries are found. The cluster lives
# in a temporary directory owned by the `postgres` user, listens on 127.0.0.1:${PGPORT:-54329}
# only, trusts local connections, and is stopped by `scripts/start_postgres.sh stop`.
#   export LEADSCORE_TEST_POSTGRES_URL=$(bash scripts/start_postgres.sh | tail -n 1)
set -euo pipefail
port="${PGPORT:-54329}"
dir="${LEADSCORE_PGDATA:-/tmp/leadscore-pg-$port}"

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  echo "installing Debian's postgresql" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    su postgres -s /bin/sh -c "$*"
  else
    sh -c "$*"
  fi
}

if [ "${1:-}" = stop ]; then
  as_pg "$bindir/pg_ctl -D $dir -m fast stop" >&2 || true
  exit 0
fi

if ! as_pg "$bindir/pg_ctl -D $dir status" >/dev/null 2>&1; then
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_pg "$bindir/initdb -D $dir -A trust -U postgres --no-sync -E UTF8" >/dev/null
  as_pg "$bindir/pg_ctl -D $dir -l $dir/server.log -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' -w start" >&2
fi
as_pg "$bindir/psql -h 127.0.0.1 -p $port -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname = 'leadscore'\"" | grep -q 1 \
  || as_pg "$bindir/createdb -h 127.0.0.1 -p $port -U postgres leadscore"
echo "postgres://postgres@127.0.0.1:$port/leadscore"
