#!/usr/bin/env bash
# Benchmark (not a test): analytics figures on a generated national data set.
#   bench/analytics.sh [DATABASE_URL]   (default: a fresh SQLite file in target/)
# Generates BENCH_REQUESTS (default 1,000,000) requests over 3 years across 50 institutions
# and 500 services unless the database already has them, then times
# GET /api/v1/analytics/summary for several scopes and periods (BENCH_RUNS each) and
# prints p50 and p99 per case, as the client saw them on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taka/target}"
BIN="$CARGO_TARGET_DIR/release/taka"
REQUESTS=${BENCH_REQUESTS:-1000000}
RUNS=${BENCH_RUNS:-30}
mkdir -p target
URL=${1:-"sqlite://$PWD/target/analytics-bench.db?mode=rwc"}
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
[ -x "$BIN" ] || cargo leptos build --release --split

export DATABASE_URL="$URL" RUST_LOG=warn
have=$(python3 - "$URL" <<'PY'
import sys, sqlite3, subprocess
url = sys.argv[1]
if url.startswith("sqlite://"):
    path = url[len("sqlite://"):].split("?")[0]
    try:
        print(sqlite3.connect(path).execute("SELECT COUNT(*) FROM requests").fetchone()[0])
    except Exception:
        print(0)
else:
    out = subprocess.run(["psql", url, "-tAc", "SELECT COUNT(*) FROM requests"], capture_output=True, text=True)
    print(out.stdout.strip() or 0)
PY
)
if [ "$have" -lt "$REQUESTS" ]; then
  echo "== generating $REQUESTS requests (once)"
  "$BIN" generate --requests "$REQUESTS" --institutions 50 --services 500 --years 3
fi
echo "bench-password-2026" | "$BIN" create-user bench.lead --name "Bench lead" --role portfolio_owner --institution GEN001 >/dev/null 2>&1 || true
TOKEN=$("$BIN" create-token bench.lead --name bench)

LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=taka LEPTOS_SITE_PKG_DIR=pkg \
  TAKA_JOBS=false TAKA_LIMIT_SCALE=0 "$BIN" serve >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done

today=$(date +%F)
ago() { date -d "$1 ago" +%F; }
cases=(
  "country, last 30 days|scope=country&from=$(ago '29 days')&to=$today"
  "country, last year|scope=country&from=$(ago '1 year')&to=$today"
  "country, 3 years|scope=country&from=$(ago '3 years')&to=$today"
  "sector, last year|scope=sector:health&from=$(ago '1 year')&to=$today"
  "institution, last year|scope=institution:GEN017&from=$(ago '1 year')&to=$today"
  "service, last year|scope=service:GEN17-S0016&from=$(ago '1 year')&to=$today"
)
printf '%-26s %8s %8s %8s\n' case p50_ms p99_ms status
for c in "${cases[@]}"; do
  name=${c%%|*}; q=${c#*|}
  times=()
  status=0
  for _ in $(seq 1 "$RUNS"); do
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/analytics/summary?$q")
    status=${out% *}; times+=("${out#* }")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v status="$status" '
    { t[NR] = $1 * 1000 }
    END { p50 = t[int((NR + 1) / 2)]; i = int(NR * 0.99 + 0.999); if (i > NR) i = NR; p99 = t[i];
          printf "%-26s %8.1f %8.1f %8s\n", name, p50, p99, status }'
done
