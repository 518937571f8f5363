#!/usr/bin/env bash
# The long form of the team crash harnesses (CI runs a short slice in scripts/check.sh):
# 100 holders killed with SIGKILL mid-apply and 30 stopped with SIGSTOP past their lease, two
# seats with keychains of their own, a throwaway PostgreSQL. Prints the counts.
#   bash scripts/team-kill.sh            # SPO_TEAM_KILL_TRIALS / SPO_TEAM_STOP_TRIALS override
set -euo pipefail
cd "$(dirname "$0")/.."
export SPO_TEAM_KILL_TRIALS="${SPO_TEAM_KILL_TRIALS:-100}" SPO_TEAM_STOP_TRIALS="${SPO_TEAM_STOP_TRIALS:-30}"
if [ -z "${SPO_TEST_PG_URL:-}" ]; then
  eval "$(bash scripts/pg-test.sh start)"
  trap 'bash scripts/pg-test.sh stop "$SPO_TEST_PG_DIR"' EXIT
fi
keyring_home="$(mktemp -d)"
XDG_DATA_HOME="$keyring_home" dbus-run-session -- sh -c \
  'echo -n ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
   cargo nextest run --workspace --run-ignored only --test-threads 1 --no-capture -E "test(/^cli_team_/)"'
rm -rf "$keyring_home"
