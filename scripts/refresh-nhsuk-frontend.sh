#!/usr/bin/env bash
# Refreshes the vendored NHS design system (nhsuk-frontend, MIT) under crates/server/assets/nhsuk/ from npm.
#
#   scripts/refresh-nhsuk-frontend.sh [VERSION]     # default: the newest 10.x
#
# The portal embeds these files in the binary (crates/server/src/web/assets.rs) and serves them under
# /assets/nhsuk-<version>/ with a year's cache lifetime: the version in the path changes when they change.
# Two edits are made to the compiled CSS, both because the portal loads nothing from other origins (its
# Content-Security-Policy is 'self' only):
#   - the image URLs `/assets/images/…` become relative (`images/…`), so they resolve under the versioned path;
#   - the @font-face rules for Frutiger (licensed to the NHS, served from assets.nhs.uk, not in the npm
#     package) are removed: the design system's font stack then falls back to Arial, as it does offline.
set -euo pipefail
cd "$(dirname "$0")/.."
spec="nhsuk-frontend@${1:-10}"
out=crates/server/assets/nhsuk
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts "$spec" >/dev/null)
pkg="$tmp/node_modules/nhsuk-frontend"
version=$(node -p "require('$pkg/package.json').version")
dist="$pkg/dist/nhsuk"

rm -rf "$out"
mkdir -p "$out/images"
sed -e 's#url(/assets/images/#url(images/#g' -e 's#@font-face{[^}]*}##g' "$dist/nhsuk-frontend.min.css" >"$out/nhsuk-frontend.min.css"
# The source map comment points at a file we do not ship.
sed -e 's#//\# sourceMappingURL=.*##' "$dist/nhsuk-frontend.min.js" >"$out/nhsuk-frontend.min.js"
sed -i -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$out/nhsuk-frontend.min.css"
for image in favicon.ico favicon.svg nhsuk-icon-arrow-down.svg nhsuk-icon-arrow-up.svg nhsuk-icon-arrow-up-down.svg \
  nhsuk-icon-cross.svg nhsuk-icon-180.png; do
  cp "$dist/assets/images/$image" "$out/images/"
done
echo "$version" >"$out/VERSION"
# The package ships no licence file; its package.json says MIT and its README "released under the MIT Licence".
cat >"$out/LICENCE" <<LICENCE
nhsuk-frontend $version (https://github.com/nhsuk/nhsuk-frontend), vendored from npm by
scripts/refresh-nhsuk-frontend.sh. Licence as stated in the package (package.json "license": "MIT"):

The MIT License (MIT)

Copyright (c) NHS England

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and
to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of
the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO
THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
IN THE SOFTWARE.
LICENCE
echo "nhsuk-frontend $version vendored into $out"
