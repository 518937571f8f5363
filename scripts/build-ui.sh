#!/usr/bin/env bash
# Builds the Yew UI into ui/dist without trunk: cargo (wasm32) + wasm-bindgen (pinned, see
# scripts/versions.env) + the static files. `--release` for an optimised build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
profile=debug; flags=()
if [ "${1:-}" = "--release" ]; then profile=release; flags=(--release); fi
. scripts/versions.env
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$WASM_BINDGEN_VERSION" ]; then
  echo "build-ui: wasm-bindgen $WASM_BINDGEN_VERSION required (found '${have:-none}'); run scripts/setup.sh" >&2
  exit 1
fi
target_dir="$(cargo metadata --format-version 1 --no-deps --offline 2>/dev/null | python3 -c 'import sys,json;print(json.load(sys.stdin)["target_directory"])' || echo target)"
cargo build --locked -p spo-ui --target wasm32-unknown-unknown "${flags[@]}"
rm -rf ui/dist.tmp && mkdir -p ui/dist.tmp/styles
wasm-bindgen --target web --no-typescript --out-dir ui/dist.tmp --out-name spo-ui \
  "$target_dir/wasm32-unknown-unknown/$profile/spo-ui.wasm"
cp ui/index.html ui/boot.js ui/dist.tmp/
cp ui/styles/*.css ui/dist.tmp/styles/
cp icons/128x128.png ui/dist.tmp/icon.png
rm -rf ui/dist && mv ui/dist.tmp ui/dist
echo "build-ui: ui/dist ($profile, $(du -sh ui/dist | cut -f1))"
