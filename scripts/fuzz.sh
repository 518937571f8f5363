#!/usr/bin/env bash
# Fuzzes the competitor-price extractor for a bounded time (default 60 s; FUZZ_SECONDS to change):
# no input may panic or take longer than 1 s. A find is written to crates/extract/fuzz/artifacts:
# copy it to crates/extract/tests/regressions with the fix. Seeds: the golden corpus (copied, so the fuzzer's
# finds do not land in tests/corpus). Needs the nightly toolchain and cargo-fuzz (scripts/setup.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seeds="$(mktemp -d)"
trap 'rm -rf "$seeds"' EXIT
cp "$root"/crates/extract/tests/corpus/*.html "$seeds"/
# …and the inputs that once broke it (tests/regressions; corpus.rs replays them in every test run).
cp "$root"/crates/extract/tests/regressions/* "$seeds"/
cd "$root/crates/extract"
cargo +nightly fuzz run extract "$seeds" -- \
  -max_total_time="${FUZZ_SECONDS:-60}" -timeout=1 -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1
