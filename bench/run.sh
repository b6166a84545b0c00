#!/usr/bin/env bash
# Benchmark (not a test): the release server on a fresh SQLite file (WAL, synchronous=FULL),
# loaded by wrk from the same machine. Prints submissions/s and lookups/s with p50/p99,
# the disk's fsync rate measured in the same run, the WASM size raw and brotli, and for the
# citizen pages the files a phone fetches (raw and brotli) and their Lighthouse 12 scores.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
# One cargo target directory shared by every clone (the Makefile sets the same default).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taka/target}"
DURATION=${BENCH_SECONDS:-15}
PORT=${BENCH_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
scripts/setup.sh
for tool in wrk brotli; do
  command -v $tool >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk brotli >/dev/null; }
done
cargo leptos build --release --split >/dev/null 2>&1 || cargo leptos build --release --split
BIN="${CARGO_TARGET_DIR:-target}/release/taka"

DIR=$(mktemp -d -p "${BENCH_DIR:-$PWD/target}")
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=taka LEPTOS_SITE_PKG_DIR=pkg \
  DATABASE_URL="sqlite://$DIR/bench.db?mode=rwc" TAKA_DEMO=true MAIL_DIR="$DIR/mail" RUST_LOG=error TAKA_LIMIT_SCALE=0 TAKA_MAX_DAILY_MB=0 TAKA_DEV_INSECURE_COOKIES=true TAKA_DATA_DIR="$DIR" "$BIN" serve >"$DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done

echo "== disk: fsync rate on the database's file system"
python3 bench/fsync.py "$DIR" 3

echo; echo "== submissions: POST /api/v1/requests, ${DURATION}s, 2 threads, 16 connections"
wrk -t2 -c16 -d"${DURATION}s" --latency -s bench/submit.lua "http://127.0.0.1:$PORT/api/v1/requests" | tee "$DIR/submit.txt"

created=$(curl -fsS -X POST "http://127.0.0.1:$PORT/api/v1/requests" -H 'content-type: application/json' \
  -d '{"service_code":"VNP-STAVATLAUJA","values":{"plate":"KL-1","address":"Rīgas iela 1","zone":"a"},"contact":{"name":"Bench"}}')
ref=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["reference"])' <<<"$created")
code=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tracking_code"])' <<<"$created")
echo; echo "== tracking lookups: GET /api/v1/requests/$ref, ${DURATION}s, 2 threads, 32 connections"
wrk -t2 -c32 -d"${DURATION}s" --latency -H "X-Tracking-Code: $code" "http://127.0.0.1:$PORT/api/v1/requests/$ref" | tee "$DIR/lookup.txt"

echo; echo "== uploads: 20 parallel 20 MB files (multipart POST /api/v1/requests), streamed into the database"
python3 bench/uploads.py "http://127.0.0.1:$PORT" "$SERVER" 20 20000000

echo; echo "== WASM: the main module and the chunks split off for lazy islands (bytes raw / brotli q11)"
total_raw=0; total_br=0
for wasm in target/site/pkg/*.wasm; do
  raw=$(stat -c %s "$wasm"); br=$(brotli -c -q 11 "$wasm" | wc -c)
  total_raw=$((total_raw + raw)); total_br=$((total_br + br))
  printf '%-70s %8d %8d\n' "$(basename "$wasm")" "$raw" "$br"
done
printf '%-70s %8d %8d\n' "all WASM (what staff and citizens together could load)" "$total_raw" "$total_br"
printf 'taka.js %d bytes; taka.css %d bytes\n' "$(stat -c %s target/site/pkg/taka.js)" "$(stat -c %s target/site/pkg/taka.css)"

echo
if [ ! -x bench/web/node_modules/.bin/lighthouse ] || [ bench/web/package.json -nt bench/web/node_modules/.installed ]; then
  (cd bench/web && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.installed)
fi
# Bytes each citizen page fetches and Lighthouse 12 (mobile) scores, in Debian's chromium.
CHROME_PATH=/usr/bin/chromium node bench/web/pages.mjs "http://127.0.0.1:$PORT"
