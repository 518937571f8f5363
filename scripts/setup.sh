#!/usr/bin/env bash
# One-time, idempotent set-up for a Debian 12 / Ubuntu 22.04+ machine (run as root or with sudo).
# Installs: Tauri's Linux build dependencies, Xvfb + WebKitWebDriver + gnome-keyring for the
# headless end-to-end and keychain tests, PostgreSQL 15 for team-sync tests, the wasm32 target,
# and the pinned wasm-bindgen-cli / tauri-driver. Versions are pinned in scripts/versions.env.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

pkgs=(build-essential pkg-config curl file libssl-dev libdbus-1-dev
      libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
      webkit2gtk-driver xvfb xauth dbus-x11 gnome-keyring libsecret-1-dev
      imagemagick xdotool fonts-noto-core fonts-noto-ui-core postgresql)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
rustup component add rustfmt clippy >/dev/null 2>&1 || true

have() { cargo install --list | grep -q "^$1 v$2:"; }
have wasm-bindgen-cli "$WASM_BINDGEN_VERSION" || cargo install --locked wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
have tauri-driver "$TAURI_DRIVER_VERSION" || cargo install --locked tauri-driver --version "$TAURI_DRIVER_VERSION"
# The extractor's fuzz target (scripts/fuzz.sh) needs nightly and cargo-fuzz.
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
have cargo-fuzz "$CARGO_FUZZ_VERSION" || cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
echo "setup: done"
