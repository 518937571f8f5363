#!/usr/bin/env bash
# Sets up what is missing, builds the UI and starts the desktop app. Data lives in the OS app-data
# folder (Linux: ~/.local/share/sa.priceoptimizer.desktop). `--release` for an optimised build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
if [ "${1:-}" = "--release" ]; then
  bash scripts/build-ui.sh --release
  exec cargo run --locked --release --features custom-protocol --bin spo-desktop
else
  bash scripts/build-ui.sh
  exec cargo run --locked --bin spo-desktop
fi
