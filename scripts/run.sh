#!/usr/bin/env bash
# Build the release site and serve it at http://127.0.0.1:3000 on a SQLite file with demo
# data. Used by `make run`. Override with DATABASE_URL, TAKA_DEMO, LEPTOS_SITE_ADDR.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
# One cargo target directory shared by every clone (the Makefile sets the same default).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taka/target}"
scripts/setup.sh
cargo leptos build --release --split
mkdir -p data
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}" LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=taka LEPTOS_SITE_PKG_DIR=pkg
export DATABASE_URL="${DATABASE_URL:-sqlite://data/taka.db?mode=rwc}" TAKA_DEMO="${TAKA_DEMO:-true}"
# Plain HTTP on localhost: cookies cannot be Secure here (never set this on a served portal).
export TAKA_DEV_INSECURE_COOKIES="${TAKA_DEV_INSECURE_COOKIES:-true}"
# Citizen sign-in for the demo: the test OpenID Connect provider (accounts anna and janis) on
# the next port, unless a real provider is configured (TAKA_OIDC_ISSUER).
if [ -z "${TAKA_OIDC_ISSUER:-}" ] && [ "$TAKA_DEMO" != "false" ] && command -v node >/dev/null; then
  OIDC_PORT="${TAKA_DEMO_OIDC_PORT:-3001}"
  (cd end2end/oidc && OIDC_PORT="$OIDC_PORT" OIDC_CLIENT_ID=taka-demo OIDC_CLIENT_SECRET=demo-secret-not-for-production \
    OIDC_REDIRECT_URIS="http://$LEPTOS_SITE_ADDR/signin/callback" exec node provider.mjs) &
  OIDC=$!
  trap 'kill $OIDC 2>/dev/null || true' EXIT
  export TAKA_OIDC_ISSUER="http://127.0.0.1:$OIDC_PORT" TAKA_OIDC_CLIENT_ID=taka-demo \
    TAKA_OIDC_CLIENT_SECRET=demo-secret-not-for-production TAKA_OIDC_NAME="${TAKA_OIDC_NAME:-Demo ID}"
  echo "Citizen sign-in: the demo provider at $TAKA_OIDC_ISSUER (user names anna or janis, no password)"
fi
echo "Taka: http://$LEPTOS_SITE_ADDR  (staff: sniedzejs / demo-parole-2026; Ctrl-C stops)"
"${CARGO_TARGET_DIR:-target}/release/taka" serve
