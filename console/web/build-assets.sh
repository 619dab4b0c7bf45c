#!/usr/bin/env bash
# Copies GOV.UK Frontend's compiled CSS, JavaScript, fonts and images from the
# pinned npm package (node_modules, installed by `npm ci`) into OUT, the folder
# the console embeds. The stylesheet's /assets/ URLs are rewritten to where
# the console serves them. Run by `make console-assets`; `make test` runs it
# into a temporary folder and compares (console-assets-check).
set -euo pipefail
out=${1:?usage: build-assets.sh OUT}
src="$(dirname "$0")/node_modules/govuk-frontend/dist/govuk"
[ -f "$src/govuk-frontend.min.css" ] || { echo "govuk-frontend is not installed: run npm ci in console/web" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/fonts" "$out/images"
sed 's#url(/assets/#url(/console/assets/govuk/#g' "$src/govuk-frontend.min.css" > "$out/govuk-frontend.min.css"
# The source map comment points at a file that is not shipped.
sed -i 's#/\*\# sourceMappingURL=[^*]*\*/##' "$out/govuk-frontend.min.css"
sed 's#//\# sourceMappingURL=.*$##' "$src/govuk-frontend.min.js" > "$out/govuk-frontend.min.js"
cp "$src"/assets/fonts/*.woff2 "$src"/assets/fonts/*.woff "$out/fonts/"
for f in favicon.ico favicon.svg govuk-crest.svg govuk-icon-180.png govuk-icon-mask.svg; do
  cp "$src/assets/images/$f" "$out/images/$f"
done
find "$out" -type f -exec chmod 644 {} +
echo "govuk-frontend $(node -p "require('$(cd "$(dirname "$0")" && pwd)/node_modules/govuk-frontend/package.json').version")" > "$out/VERSION"
