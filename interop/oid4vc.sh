#!/usr/bin/env bash
# Endpoint-level OpenID4VC interop: starts `passport demo` on a free loopback port and lets the
# oid4vc-ts libraries (@openid4vc/openid4vci, @openid4vc/openid4vp, dcql) act as the wallet
# against our issuer and verifier (interop/oid4vc/endpoints.mjs): a pre-authorised issuance with
# the PIN, then an answer to a verifier request built from a role, whose result must say ready;
# then, once the host has signed the demo's proposed deployment, the same wallet signs it through
# OpenID4VP transaction data and the agreement must read signed.
# Skips with a message when node/npm is missing or the packages cannot be installed.
# Env: PASSPORT_BIN (default target/debug/passport, built when missing).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
here="$root/interop/oid4vc"
bin="${PASSPORT_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/passport}"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIPPED oid4vc endpoint interop: node/npm not found"
  exit 0
fi
if ! (cd "$here" && { [[ -d node_modules/@openid4vc/openid4vci ]] || npm ci --no-audit --no-fund --silent; }); then
  echo "SKIPPED oid4vc endpoint interop: npm could not install the oid4vc-ts packages"
  exit 0
fi
[ -x "$bin" ] || (cd "$root" && cargo build --quiet -p passport)

work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
"$bin" demo --file "$work/demo.db" --listen "127.0.0.1:$port" >"$work/demo.out" 2>"$work/demo.err" &
demo=$!
trap 'kill $demo 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 90); do grep -q "^Serving on" "$work/demo.out" 2>/dev/null && break; sleep 1; done
grep -q "^Serving on" "$work/demo.out" || { echo "demo did not start:"; cat "$work/demo.err"; exit 1; }

field() { grep -m1 "$1" "$work/demo.out" | awk "{print \$$2}"; }
offer="$(field '^    link  openid-credential-offer' 2)"
pin="$(field '^    PIN ' 2)"
request="$(field '^    link  openid4vp' 2)"
# The verifier's result: the curl line printed after "the ready-to-work result".
result_line="$(grep -A1 'the ready-to-work result' "$work/demo.out" | tail -1 || true)"
token="$(sed -E "s/.*Bearer ([^']+)'.*/\1/" <<<"$result_line")"
result="$(awk '{print $NF}' <<<"$result_line" | tr -d "'")"
if [ -z "$offer" ] || [ -z "$request" ] || [ -z "$result" ]; then
  echo "the demo printed no wallet walk-through:"; cat "$work/demo.out"; exit 1
fi
# The demo's proposed deployment: its worker-signing link (the last wallet line), the host's
# signature and the employer's view, as printed.
signing="$(grep ' present --yes ' "$work/demo.out" | tail -1 | sed -E "s/.* present --yes '([^']+)'.*/\1/")"
host_sign="$(grep -m1 ' agreement sign ' "$work/demo.out" | sed -E 's/^ *\$ //')"
show="$(grep -m1 ' agreement show ' "$work/demo.out" | sed -E 's/^ *\$ //')"
if [ -z "$signing" ] || [ -z "$host_sign" ] || [ -z "$show" ]; then
  echo "the demo printed no agreement to sign:"; cat "$work/demo.out"; exit 1
fi
bash -c "$host_sign" >/dev/null
node "$here/endpoints.mjs" "$offer" "$pin" "$request" "$result" "$token" "$signing"
bash -c "$show" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const a = JSON.parse(s);
    if (a.state !== "signed") { console.log(`FAIL the agreement is ${a.state}, awaiting ${a.awaiting}`); process.exit(1); }
    console.log("ok   the agreement reads signed by the employer, the host and the worker");
  });' 
