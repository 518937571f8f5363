#!/usr/bin/env bash
# Prints the numbers we track for the desktop app: binary size and idle memory after start
# (resident set of the app process and of the WebKit processes it spawned), under Xvfb.
# Usage: scripts/measure.sh [path/to/spo-desktop] [seconds to settle, default 15]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP="$(realpath "${1:-$root/target/release/spo-desktop}")"
SETTLE="${2:-15}"
if [ -z "${MEASURE_INNER:-}" ]; then
  export MEASURE_INNER=1
  scratch="$(mktemp -d)"
  export XDG_DATA_HOME="$scratch/xdg" SPO_DATA_DIR="$scratch/data" SPO_LOG_DIR="$scratch/logs"
  mkdir -p "$XDG_DATA_HOME"
  status=0
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- "$0" "$APP" "$SETTLE" 2>/dev/null || status=$?
  rm -rf "$scratch"
  exit "$status"
fi
echo -n m | gnome-keyring-daemon --unlock --components=secrets >/dev/null
printf 'binary          %s  %s bytes (%s)\n' "$APP" "$(stat -c %s "$APP")" "$(du -h "$APP" | cut -f1)"
start=$(date +%s%N)
"$APP" >/dev/null 2>&1 &
pid=$!
sleep "$SETTLE"
tree() { local p=$1; echo "$p"; for c in $(pgrep -P "$p"); do tree "$c"; done; }
# RSS counts shared library pages in every process; PSS splits them fairly between processes.
total=0; total_pss=0
for p in $(tree "$pid"); do
  rss=$(ps -o rss= -p "$p" 2>/dev/null | tr -d ' ') || continue
  [ -n "$rss" ] || continue
  pss=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
  printf 'memory          %-16s rss %7d KiB  pss %7d KiB\n' "$(ps -o comm= -p "$p")" "$rss" "${pss:-0}"
  total=$((total + rss)); total_pss=$((total_pss + ${pss:-0}))
done
printf 'memory total    rss %d MiB, pss %d MiB, after %ss idle\n' $((total / 1024)) $((total_pss / 1024)) "$SETTLE"
kill "$pid"; wait "$pid" 2>/dev/null || true
