#!/usr/bin/env bash
# Make sure a PostgreSQL server is there for the integration tests and write its URL to
# target/test-postgres.env. Order: $TAKA_TEST_POSTGRES if set; the local server on
# 127.0.0.1:5432 if it answers; else a throwaway cluster of our own (trust auth) on 55432.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
out=target/test-postgres.env

if [ -n "${TAKA_TEST_POSTGRES:-}" ]; then
  echo "export TAKA_TEST_POSTGRES='$TAKA_TEST_POSTGRES'" >"$out"; exit 0
fi
if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432 \
   && psql -h 127.0.0.1 -U postgres -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
  echo "export TAKA_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres'" >"$out"; exit 0
fi

PORT=55432
if ! pg_isready -q -h 127.0.0.1 -p $PORT 2>/dev/null; then
  BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$BIN" ]; then
    echo "installing Debian's postgresql"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  DATA=/tmp/taka-test-pg
  RUN_AS=()
  if [ "$(id -u)" -eq 0 ]; then RUN_AS=(runuser -u postgres --); fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"; [ "$(id -u)" -eq 0 ] && chown postgres "$DATA"
    "${RUN_AS[@]}" "$BIN/initdb" -D "$DATA" -U postgres --auth=trust >/dev/null
  fi
  "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/log" -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null
  echo "started a test PostgreSQL on port $PORT"
fi
echo "export TAKA_TEST_POSTGRES='postgres://postgres@127.0.0.1:$PORT/postgres'" >"$out"
