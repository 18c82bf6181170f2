#!/usr/bin/env bash
# Property-based fuzzing of the whole HTTP API from its own OpenAPI document (schemathesis): generated requests,
# valid and invalid, against a demo world. Fails on any 5xx, any answer whose status, content type or body the
# document does not describe, any undocumented method not answered 405 with `Allow`. Then unmatched routes and
# methods by hand: each must be a problem details document. Skips with a message when python3/pip is missing.
# Env: PASSPORT_BIN (default target/debug/passport), FUZZ_EXAMPLES (default 30).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${PASSPORT_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/passport}"

if ! command -v st >/dev/null 2>&1; then
  if command -v pip >/dev/null 2>&1 || command -v pip3 >/dev/null 2>&1; then
    "$(command -v pip || command -v pip3)" install --quiet schemathesis || { echo "skipped: schemathesis could not be installed"; exit 0; }
  else
    echo "skipped: API fuzzing needs python3/pip (schemathesis)"; exit 0
  fi
fi
[ -x "$bin" ] || (cd "$root" && cargo build --quiet -p passport)

work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
"$bin" demo --file "$work/fuzz.db" --listen "127.0.0.1:$port" >"$work/demo.out" 2>"$work/demo.err" &
demo=$!
trap 'kill $demo 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do grep -q "^Serving on" "$work/demo.out" 2>/dev/null && break; sleep 1; done
grep -q "^Serving on" "$work/demo.out" || { echo "demo did not start:"; cat "$work/demo.err"; exit 1; }
token="$(grep -m1 "curl -s" "$work/demo.out" | sed "s/.*Bearer \([^']*\)'.*/\1/")"

# The stateful phase is left out: the API declares no OpenAPI links, and schemathesis 4.32 infers a wrong one from
# the cohort job's `Location` header (`/api/v1/transfer-cohorts/{id}` read as `/api/v1/transfers/{transfer_id}`),
# then fails the run on its own inference.
st run "http://127.0.0.1:$port/openapi.json" -H "Authorization: Bearer $token" -n "${FUZZ_EXAMPLES:-30}" \
  --phases examples,coverage,fuzzing \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,unsupported_method,allow_header_conformance

# Unmatched routes, methods no route has, a path that is not UTF-8: problem details, never a bare answer.
fail=0
for probe in "GET /no/such/route" "POST /api/v1/nothing-here" "DELETE /api/v1/people" "PATCH /api/v1/roles" \
             "GET /api/v1/people/%FF%FE" "PUT /health" "BREW /api/v1/people" "GET /api/v1/people?limit=x"; do
  set -- $probe
  out="$(curl -s -o /dev/null -w '%{http_code} %{content_type}' -X "$1" -H "Authorization: Bearer $token" "http://127.0.0.1:$port$2")"
  case "$out" in
    4??\ application/problem+json*) echo "ok: $1 $2 -> $out" ;;
    *) echo "FAIL: $1 $2 -> $out (want a 4xx problem+json)"; fail=1 ;;
  esac
done
exit $fail
