#!/usr/bin/env bash
# Run every test: formatting and lints, unit tests, integration tests against SQLite and
# PostgreSQL, then the browser tests against the release build. Used by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
# One cargo target directory shared by every clone (the Makefile sets the same default).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taka/target}"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

scripts/setup.sh --browser

say "PostgreSQL"
scripts/postgres.sh
# shellcheck disable=SC1091
source target/test-postgres.env
echo "integration tests use ${TAKA_TEST_POSTGRES}"

say "virus scanner (a private clamd that knows the EICAR test signature)"
scripts/clamd.sh
# shellcheck disable=SC1091
source target/test-clamd.env
echo "scanning tests use ${TAKA_TEST_CLAMD}"

say "formatting and lints"
cargo fmt --all -- --check
cargo clippy -p app --features ssr --all-targets -- -D warnings
cargo clippy -p server --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

say "unit tests (domain, service helpers)"
cargo test -p app --features ssr --lib

say "integration tests (service layer and HTTP, SQLite and PostgreSQL)"
cargo test -p server

say "release build (server and WASM)"
cargo leptos build --release --split

say "browser tests (Debian chromium, axe-core)"
# A free port, so a server left running elsewhere cannot answer in our place.
PORT=${TAKA_E2E_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
DB_DIR=$(mktemp -d)
LOG="$DB_DIR/server.log"
# The OpenID Connect provider citizens sign in with (npm oidc-provider, accounts anna and janis).
OIDC_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd end2end/oidc && OIDC_PORT="$OIDC_PORT" OIDC_CLIENT_ID=taka-e2e OIDC_CLIENT_SECRET=e2e-secret-not-for-production \
  OIDC_REDIRECT_URIS="http://127.0.0.1:$PORT/signin/callback" exec node provider.mjs) >"$DB_DIR/oidc.log" 2>&1 &
OIDC=$!
# Spelled as a newcomer would: a SQLite URL without ?mode=rwc, and TAKA_DEMO=1.
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=taka LEPTOS_SITE_PKG_DIR=pkg \
  DATABASE_URL="sqlite://$DB_DIR/e2e.db" TAKA_DEMO=1 MAIL_DIR="$DB_DIR/mail" RUST_LOG=warn \
  TAKA_DATA_DIR="$DB_DIR" TAKA_DEV_INSECURE_COOKIES=true CLAMD_URL="$TAKA_TEST_CLAMD" \
  TAKA_OIDC_ISSUER="http://127.0.0.1:$OIDC_PORT" TAKA_OIDC_CLIENT_ID=taka-e2e \
  TAKA_OIDC_CLIENT_SECRET=e2e-secret-not-for-production TAKA_OIDC_NAME="Test ID" \
  "${CARGO_TARGET_DIR:-target}/release/taka" serve >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER $OIDC 2>/dev/null || true; wait $SERVER $OIDC 2>/dev/null || true; rm -rf "$DB_DIR"' EXIT
# Wait until URL answers, or fail with LOG if process PID has ended.
wait_up() {
  for _ in $(seq 1 120); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { cat "$3"; echo "$1 did not start"; exit 1; }
    sleep 0.5
  done
  echo "$1 did not answer within a minute"; exit 1
}
wait_up "http://127.0.0.1:$PORT/healthz" $SERVER "$LOG"
wait_up "http://127.0.0.1:$OIDC_PORT/.well-known/openid-configuration" $OIDC "$DB_DIR/oidc.log"
(cd end2end && TAKA_E2E_URL="http://127.0.0.1:$PORT" TAKA_E2E_MAIL_DIR="$DB_DIR/mail" node --test --test-concurrency=1 tests/) || { echo "--- server log"; tail -50 "$LOG"; exit 1; }

say "Open311 through existing client libraries (georeport and civicbot from PyPI), JSON and XML"
target/open311-venv/bin/python end2end/open311/client_test.py "http://127.0.0.1:$PORT/open311/v2" tkp_demo_valmiera_city_app_2026 VNP-PROBLEMA \
  || { echo "--- server log"; tail -50 "$LOG"; exit 1; }

say "OpenAPI: the document validated by openapi-spec-validator; schemathesis calls every operation and checks every answer against it"
# A server of its own, without abuse limits: thousands of generated calls from one address
# would otherwise meet 429 (documented, but the answers behind it would go unchecked).
API_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
API_ENV=(LEPTOS_SITE_ADDR="127.0.0.1:$API_PORT" LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=taka LEPTOS_SITE_PKG_DIR=pkg
  DATABASE_URL="sqlite://$DB_DIR/openapi.db" TAKA_DEMO=1 MAIL_DIR="$DB_DIR/openapi-mail" RUST_LOG=warn
  TAKA_DATA_DIR="$DB_DIR/openapi" TAKA_LIMIT_SCALE=0 CLAMD_URL="$TAKA_TEST_CLAMD")
mkdir -p "$DB_DIR/openapi"
env "${API_ENV[@]}" "${CARGO_TARGET_DIR:-target}/release/taka" serve >"$DB_DIR/openapi.log" 2>&1 &
API_SERVER=$!
trap 'kill $SERVER $OIDC $API_SERVER 2>/dev/null || true; wait $SERVER $OIDC $API_SERVER 2>/dev/null || true; rm -rf "$DB_DIR"' EXIT
wait_up "http://127.0.0.1:$API_PORT/healthz" $API_SERVER "$DB_DIR/openapi.log"
# A personal token of the demo's portfolio owner, made with the CLI as an administrator would.
STAFF_TOKEN=$(env "${API_ENV[@]}" "${CARGO_TARGET_DIR:-target}/release/taka" create-token vaditajs --name openapi-check | tail -1)
end2end/openapi/check.sh "http://127.0.0.1:$API_PORT" "$STAFF_TOKEN" tkp_demo_valmiera_city_app_2026 \
  || { echo "--- server log"; tail -50 "$DB_DIR/openapi.log"; exit 1; }
