#!/usr/bin/env bash
# `make audit`: RustSec advisories for Cargo.lock (cargo audit) and npm advisories for the
# test and benchmark tools (npm audit). Needs the network: cargo audit fetches the advisory
# database from GitHub unless TAKA_ADVISORY_DB names a local copy (a clone of
# github.com/rustsec/advisory-db); npm audit asks the npm registry. Not part of `make test`,
# which must pass offline. Exceptions and the last result are in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo audit --version >/dev/null 2>&1; then
  cargo install cargo-audit --locked
fi
if [ -n "${TAKA_ADVISORY_DB:-}" ]; then
  cargo audit --db "$TAKA_ADVISORY_DB" --no-fetch --stale
else
  cargo audit
fi
for dir in end2end bench/web; do
  (cd "$dir" && npm audit --omit=optional) || { echo "npm audit failed in $dir (see README)"; exit 1; }
done
