#!/usr/bin/env bash
# The OpenAPI document of /api/v1 against two independent tools from PyPI (pinned in
# requirements.txt, installed by scripts/setup.sh into target/openapi-venv):
#   1. openapi-spec-validator: the document is valid OpenAPI 3.1;
#   2. schemathesis: every operation is called with generated input, and every answer must
#      be one the document gives (status, content type, headers, body schema).
# Usage: check.sh BASE_URL STAFF_TOKEN PARTNER_KEY
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=$1
export TAKA_STAFF_TOKEN=$2 TAKA_PARTNER_KEY=$3
VENV=target/openapi-venv
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

curl -fsS "$BASE/api/v1/openapi.json" -o "$OUT/openapi.json"
"$VENV/bin/openapi-spec-validator" --schema 3.1 "$OUT/openapi.json"

# A request with a photo, for the operations that read one.
"$VENV/bin/python" end2end/openapi/seed.py "$BASE" "$TAKA_PARTNER_KEY" >"$OUT/seed.env"
set -a
# shellcheck disable=SC1091
source "$OUT/seed.env"
set +a

ST=("$VENV/bin/schemathesis" --no-color --config-file end2end/openapi/schemathesis.toml run "$BASE/api/v1/openapi.json")
# Revoking tokens last and alone: the run's own token may be among those it revokes.
"${ST[@]}" --exclude-operation-id revoke_token
"${ST[@]}" --include-operation-id revoke_token
