#!/usr/bin/env bash
# Interop, both directions, for the credential engine (crates/credentials):
#   ours -> theirs: our SD-JWT VC presentation (KB-JWT, status list) verifies in
#                   @sd-jwt/sd-jwt-vc (npm) and in sd-jwt (PyPI, the reference implementation);
#   theirs -> ours: their issued-and-presented credentials verify in our verify_presentation,
#                   and a tampered copy of each is rejected by ours.
# A side whose runtime (node/npm, python3/pip) is missing is skipped with a message.
# Env: INTEROP_BIN=<prebuilt examples/interop binary> skips the cargo build.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

bin="${INTEROP_BIN:-}"
if [[ -z "$bin" ]]; then
  (cd "$root" && cargo build --quiet -p credentials --example interop)
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/examples/interop"
fi
"$bin" issue "$work"
nonce="$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["nonce"])' "$work/ours.meta.json" 2>/dev/null || echo interop-nonce-0001)"
aud="https://verifier.interop.example"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Ours must refuse our own expired credential, whatever the other libraries do with it.
if "$bin" verify "$work/ours.expired.presentation.txt" "$work/ours.issuer.jwk.json" \
    "https://rx1.passport.example.nhs.uk" "$nonce" "$aud" >"$work/out.json"; then
  fail "ours accepted an expired credential"
else
  echo "ours: expired credential rejected: $(cat "$work/out.json")"
fi

# Our verifier on their presentation: must accept it, and must reject it once a disclosure is edited.
ours_verify() {
  local side="$1"
  if "$bin" verify "$work/$side.presentation.txt" "$work/$side.issuer.jwk.json" "$(cat "$work/$side.iss.txt")" "$nonce" "$aud"; then
    echo "ours: $side presentation VERIFIED"
  else
    fail "ours rejected the $side presentation"
  fi
  # Re-encode the first disclosure with a different value: well-formed, but not what was signed.
  python3 - "$work/$side.presentation.txt" "$work/$side.tampered.txt" <<'PY'
import base64, json, sys
parts = open(sys.argv[1]).read().strip().split("~")
arr = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
arr[-1] = "Mallory"
parts[1] = base64.urlsafe_b64encode(json.dumps(arr).encode()).decode().rstrip("=")
open(sys.argv[2], "w").write("~".join(parts))
PY
  if "$bin" verify "$work/$side.tampered.txt" "$work/$side.issuer.jwk.json" "$(cat "$work/$side.iss.txt")" "$nonce" "$aud" >"$work/out.json"; then
    fail "ours accepted a tampered $side presentation"
  else
    echo "ours: tampered $side presentation rejected: $(cat "$work/out.json")"
  fi
}

if command -v node >/dev/null && command -v npm >/dev/null; then
  if (cd "$here/node" && { [[ -d node_modules/@sd-jwt/sd-jwt-vc ]] || npm ci --no-audit --no-fund --silent; }); then
    (cd "$here/node" && node interop.mjs verify-ours "$work") || fail "@sd-jwt/sd-jwt-vc rejected our presentation"
    if (cd "$here/node" && node interop.mjs issue-theirs "$work"); then ours_verify node; else fail "node issuance"; fi
  else
    echo "SKIPPED node side: npm could not install @sd-jwt/sd-jwt-vc"
  fi
else
  echo "SKIPPED node side: node/npm not found"
fi

if command -v python3 >/dev/null; then
  if python3 -c 'import sd_jwt' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check -r "$here/python/requirements.txt"; then
    python3 "$here/python/interop.py" verify-ours "$work" || fail "sd-jwt (PyPI) rejected our presentation"
    if python3 "$here/python/interop.py" issue-theirs "$work"; then ours_verify python; else fail "python issuance"; fi
  else
    echo "SKIPPED python side: could not install sd-jwt from PyPI"
  fi
else
  echo "SKIPPED python side: python3 not found"
fi

if [[ $failures -gt 0 ]]; then
  echo "interop: $failures failure(s)"
  exit 1
fi
echo "interop: OK"
