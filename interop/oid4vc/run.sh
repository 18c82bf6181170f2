#!/usr/bin/env bash
# Message-level interop for OpenID4VCI / OpenID4VP (crates/credentials/src/oid4vc): our offer,
# metadata, key proof, signed request object and DCQL query, checked by the oid4vc-ts libraries
# (@openid4vc/openid4vci, @openid4vc/openid4vp, dcql). No server is involved; the endpoint-level
# run against `passport serve` comes with the issuer and verifier endpoints.
# Skips with a message when node/npm is missing or the packages cannot be installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIPPED oid4vc interop: node/npm not found"
  exit 0
fi
if ! (cd "$here" && { [[ -d node_modules/@openid4vc/openid4vp ]] || npm ci --no-audit --no-fund --silent; }); then
  echo "SKIPPED oid4vc interop: npm could not install the oid4vc-ts packages"
  exit 0
fi
(cd "$root" && cargo run --quiet -p credentials --example oid4vc_messages) >"$work/messages.json"
node "$here/messages.mjs" "$work/messages.json"
