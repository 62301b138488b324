#!/bin/sh
# The README demo: a local Sentry-compatible server, a few real SDK-shaped error events sent
# through the ingest endpoint, and the CLI reading them back. No account, no network.
set -eu

cd "$(dirname "$0")/.."
echo "==> Building sentry (cargo build -p sentry; the first build compiles ~300 crates and takes a few minutes)" >&2
cargo build -p sentry
BIN="${CARGO_TARGET_DIR:-target}/debug/sentry"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# A private config dir and HOME so the demo never touches your real login.
export SENTRY_CONFIG_DIR="$WORK/config" HOME="$WORK/home"
mkdir -p "$SENTRY_CONFIG_DIR" "$HOME"
unset SENTRY_AUTH_TOKEN SENTRY_TOKEN SENTRY_ORG SENTRY_PROJECT SENTRY_DSN 2>/dev/null || true

echo "==> Starting the local Sentry server (sentry local serve --port 0 --memory)" >&2
"$BIN" local serve --port 0 --memory --json >"$WORK/server.json" 2>"$WORK/server.log" &
SERVER_PID=$!

# Wait for the server to print its connection details (one JSON object).
i=0
while ! grep -q '"project"' "$WORK/server.json" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 100 ]; then echo "local server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1; fi
    sleep 0.1
done

field() { sed -n "s/^ *\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" "$WORK/server.json"; }
SENTRY_URL="$(field url)"
SENTRY_AUTH_TOKEN="$(field token)"
DSN="$(field dsn)"
export SENTRY_URL SENTRY_AUTH_TOKEN

run() { printf '\n$ sentry %s\n' "$*"; "$BIN" "$@"; }

printf 'Local Sentry server at %s\n' "$SENTRY_URL"
echo "==> Sending SDK-shaped error events to its DSN, as an app with a Sentry SDK would" >&2
run local demo-events --dsn "$DSN"
sleep 0.3   # ingest commits in small batches

run org list
run issue list local/

SHORT_ID="$("$BIN" issue list local/ --sort freq --json --fields shortId,count | sed -n 's/.*"shortId": *"\([^"]*\)".*/\1/p' | head -n 1)"
run issue view "$SHORT_ID"

EVENT_ID="$("$BIN" issue events "$SHORT_ID" --json --fields eventID | sed -n 's/.*"eventID": *"\([0-9a-f]*\)".*/\1/p' | head -n 1)"
run event view local/app "$EVENT_ID"
