#!/usr/bin/env bash
# Install what building and testing Taka needs, idempotently: each step runs only when
# its tool is missing or at the wrong version. Used by `make run` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
# cargo-leptos 0.3.11 needs a newer compiler to build than the project itself.
LEPTOS_TOOLCHAIN=1.96.0
# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes about 20 minutes on 2 cores, once)"
  rustup toolchain list | grep -q "^$LEPTOS_TOOLCHAIN" || rustup toolchain install "$LEPTOS_TOOLCHAIN" --profile minimal
  cargo +"$LEPTOS_TOOLCHAIN" install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: that lock file names a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ end2end/package.json -nt end2end/node_modules/.installed ]; then
  say "installing node packages (wasm-opt, playwright-core, axe-core)"
  (cd end2end && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.installed)
fi

# The OpenID Connect provider the sign-in tests start (npm oidc-provider, pinned by its lock file).
if [ ! -d end2end/oidc/node_modules/oidc-provider ] || [ end2end/oidc/package-lock.json -nt end2end/oidc/node_modules/.installed ]; then
  say "installing the test OpenID Connect provider (oidc-provider)"
  (cd end2end/oidc && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed)
fi

if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# Open311 client libraries from PyPI for the partner test (an independent client of ours).
if [ "${1:-}" = "--browser" ] && { [ ! -x target/open311-venv/bin/python ] || [ end2end/open311/requirements.txt -nt target/open311-venv/.installed ]; }; then
  say "installing the Open311 client libraries (georeport, civicbot) into target/open311-venv"
  python3 -m venv target/open311-venv
  target/open311-venv/bin/pip install --quiet --disable-pip-version-check -r end2end/open311/requirements.txt
  touch target/open311-venv/.installed
fi
# OpenAPI tools from PyPI: an independent validator of the document, and schemathesis, which
# calls every operation and checks the answers against it.
if [ "${1:-}" = "--browser" ] && { [ ! -x target/openapi-venv/bin/schemathesis ] || [ end2end/openapi/requirements.txt -nt target/openapi-venv/.installed ]; }; then
  say "installing openapi-spec-validator and schemathesis into target/openapi-venv"
  python3 -m venv target/openapi-venv
  target/openapi-venv/bin/pip install --quiet --disable-pip-version-check -r end2end/openapi/requirements.txt
  touch target/openapi-venv/.installed
fi
say "tools ready"
