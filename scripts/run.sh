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
echo "Taka: http://$LEPTOS_SITE_ADDR  (staff: sniedzejs / demo-parole-2026; Ctrl-C stops)"
exec "${CARGO_TARGET_DIR:-target}/release/taka" serve
