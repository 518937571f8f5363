#!/usr/bin/env bash
# Every check CI runs (.ci/run calls this). Idempotent set-up first, then format, lints (native and
# wasm), all tests (unit, storage, IPC contract, CLI), the real-keychain tests inside a private
# D-Bus session, and the end-to-end tests through the real window under Xvfb.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0
start=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - start ))s)"; }

step "setup"
# A cold build of everything below peaks at about 4 GiB in target/ (measured on a fresh clone);
# a full disk shows up much later as a linker or archive error, so say it here.
free_kib=$(df -Pk . | awk 'NR==2 {print $4}')
echo "free disk space here: $(( free_kib / 1024 / 1024 )) GiB"
if [ "$free_kib" -lt $(( 6 * 1024 * 1024 )) ]; then
  echo "WARNING: less than 6 GiB free; the build needs about 4 GiB for target/ and more for the tools" >&2
fi
bash scripts/setup.sh

step "build the UI (wasm)"
bash scripts/build-ui.sh

step "rustfmt"
cargo fmt --all --check

step "clippy (native)"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "clippy (wasm32: UI and IPC contract)"
cargo clippy --locked -p spo-ui -p spo-ipc --target wasm32-unknown-unknown -- -D warnings

step "tests"
# Team sync tests run against a real PostgreSQL: a throwaway cluster on loopback, stopped on exit.
eval "$(bash scripts/pg-test.sh start)"
trap 'bash scripts/pg-test.sh stop "$SPO_TEST_PG_DIR"' EXIT
echo "PostgreSQL for the team-sync tests: ${SPO_TEST_PG_URL%%/postgres}"
# One package selection (the whole workspace) for every nextest call below, so cargo builds each
# crate once: the keychain and end-to-end runs reuse these artifacts and only filter differently.
cargo nextest run --locked --workspace -E 'not package(spo-e2e)' --no-fail-fast
cargo test --locked --workspace --doc

step "OS keychain: real Secret Service, and fail-closed without one"
# One at a time: these tests share the session's keychain, and the demo store's entry is one.
keyring_home="$(mktemp -d)"
XDG_DATA_HOME="$keyring_home" dbus-run-session -- sh -c \
  'echo -n ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
   cargo nextest run --locked --workspace --run-ignored only --test-threads 1 -E "test(=real_secret_service_round_trip) | test(/^cli_/)"'
rm -rf "$keyring_home"
DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus" \
  cargo nextest run --locked --workspace --run-ignored only -E "test(=no_secret_service_fails_closed)"

step "fuzz the competitor-price extractor (bounded)"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}" bash scripts/fuzz.sh

step "end-to-end through the real window"
# The test build above built target/debug/spo-desktop and target/debug/spo.
bash scripts/e2e.sh

step "all checks passed in $(( $(date +%s) - start ))s"
