#!/usr/bin/env bash
# Renders every page with the preview program and screenshots the chosen
# ones in headless Chromium at desktop (1280px) and phone (390px) widths.
#   bash api/pages/internal/preview/screenshots.sh [out-dir] [page ...]
set -euo pipefail
cd "$(dirname "$0")/../../../.."
out="${1:-testout/screenshots}"; shift || true
pagesdir="$(mktemp -d)"
go run ./api/pages/internal/preview -out "$pagesdir" >/dev/null
command -v chromium >/dev/null || apt-get install -y chromium >/dev/null
mkdir -p "$out"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  names=(credential-verified-en credential-verified-mi credential-revoked-en credential-not_verified-en
         credential-could_not_check-mi verify-empty-en verify-verified-en verify-revoked-mi verify-error-en
         achievement-en achievement-mi issuer-en error-not-found-mi)
fi
for n in "${names[@]}"; do
  for size in 1280,2400 390,4200; do
    w="${size%%,*}"
    chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$(mktemp -d)" \
      --screenshot="$out/$n-$w.png" --window-size="$size" "file://$pagesdir/$n.html" >/dev/null 2>&1
    echo "$out/$n-$w.png"
  done
done
