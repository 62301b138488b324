#!/usr/bin/env bash
# Start-up benchmark: ours against the official CLIs installed from npm (not a test).
#   scripts/bench-startup.sh            # builds release, installs official CLIs into $SCRATCH
# Needs hyperfine (apt-get install hyperfine) and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-/tmp/sentry-bench-upstream}
cargo build --release -q -p sentry
OURS=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release/sentry
if [ ! -x "$SCRATCH/node_modules/.bin/sentry" ]; then
  mkdir -p "$SCRATCH"
  (cd "$SCRATCH" && npm install --silent sentry@0.45.0 @sentry/cli-linux-x64@3.8.0 >/dev/null)
fi
UP="$SCRATCH/node_modules/.bin/sentry"
LEGACY="$SCRATCH/node_modules/@sentry/cli-linux-x64/bin/sentry-cli"
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"' EXIT
export HOME="$HOME_DIR" SENTRY_CONFIG_DIR="$HOME_DIR/.sentry" SENTRY_CLI_NO_TELEMETRY=1 SENTRY_CLI_NO_UPDATE_CHECK=1
cd "$HOME_DIR"
echo "binary size: $(stat -c %s "$OURS") bytes ($OURS)"
hyperfine -N --warmup 5 -r 50 "$OURS --version" "$OURS info --config-status-json" "$LEGACY --version" "$LEGACY info --config-status-json"
hyperfine --warmup 2 -r 10 "$UP --version" "$UP info --config-status-json"
