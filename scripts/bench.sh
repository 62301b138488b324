#!/usr/bin/env bash
# Benchmarks against the official CLIs (not a test, not run by CI). Writes BENCHMARKS.md.
#
#   scripts/bench.sh
#
# Needs: hyperfine, ripgrep and jq (Debian: apt-get install hyperfine ripgrep jq), npm (the
# official CLIs are installed from the npm registry into $SCRATCH), a C compiler for the
# hello-world baseline. Measures, on this machine:
#   1. start-up: `--version` and `info --config-status-json` of ours, sentry-cli 3.8 and sentry
#      0.49, plus a Rust hello world as the floor (interleaved rounds, so load drift hits all);
#   2. `issue list` end to end against the same local server (`sentry local serve`), ours and 0.49;
#   3. DSN detection on a generated 10,000-file tree, ours and `rg -l`;
#   4. ingest throughput of the local server (file and in-memory storage);
#   5. source maps: inject + upload of a ~50 MB synthetic build, ours vs sentry-cli 3.8
#      (scripts/bench-sourcemaps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCRATCH=${SCRATCH:-/tmp/sentry-bench-upstream}
ROUNDS=${ROUNDS:-3}
for tool in hyperfine rg jq npm; do
    command -v "$tool" >/dev/null || { echo "bench.sh needs $tool" >&2; exit 1; }
done

echo "==> Building release binaries and examples" >&2
cargo build --release -q -p sentry
cargo build --release -q -p sentry-local --example ingest_bench
cargo build --release -q -p sentry-target --example scan_bench
TARGET=$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
OURS=$TARGET/release/sentry

echo "==> Installing the official CLIs into $SCRATCH" >&2
if [ ! -x "$SCRATCH/node_modules/.bin/sentry" ]; then
    mkdir -p "$SCRATCH"
    (cd "$SCRATCH" && npm install --silent sentry@0.49.0 @sentry/cli-linux-x64@3.8.0 >/dev/null)
fi
V49="$SCRATCH/node_modules/.bin/sentry"
V3="$SCRATCH/node_modules/@sentry/cli-linux-x64/bin/sentry-cli"

WORK=$(mktemp -d)
# The floor for start-up: a Rust hello world, built before HOME moves (rustup lives there).
printf 'fn main() { println!("hello"); }\n' >"$WORK/hello.rs"
rustc -O -o "$WORK/hello" "$WORK/hello.rs"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
export HOME="$WORK/home" SENTRY_CONFIG_DIR="$WORK/home/.sentry"
export SENTRY_CLI_NO_TELEMETRY=1 SENTRY_CLI_NO_UPDATE_CHECK=1
mkdir -p "$HOME"
cd "$WORK"

# "mean ms ± stddev" of the hyperfine export with the median mean among the given files.
median_ms() {
    jq -rs 'map(.results[0]) | sort_by(.mean) | .[length / 2 | floor]
        | "\(.mean * 100000 | round / 100) ms ± \(.stddev * 100000 | round / 100)"' "$@"
}

# Interleaved rounds: each command gets $ROUNDS short hyperfine runs, alternating, and the
# round with the median mean is reported.
interleaved() { # name runs command...
    local name=$1 runs=$2
    shift 2
    local i=0
    for r in $(seq "$ROUNDS"); do
        for cmd in "$@"; do
            hyperfine -N --warmup 2 -r "$runs" --export-json "$name-$i-$r.json" "$cmd" >/dev/null 2>&1
            i=$((i + 1))
        done
        i=0
    done
}

echo "==> Start-up" >&2
interleaved startup 50 "$WORK/hello" "$OURS --version" "$OURS info --config-status-json" \
    "$V3 --version" "$V3 info --config-status-json"
interleaved startup49 5 "$V49 --version" "$V49 info --config-status-json"

echo "==> issue list end to end (local server)" >&2
"$OURS" local serve --port 0 --memory --json >server.json 2>server.log &
SERVER_PID=$!
for _ in $(seq 100); do grep -q '"project"' server.json 2>/dev/null && break; sleep 0.1; done
URL=$(jq -r .url server.json)
TOKEN=$(jq -r .token server.json)
"$OURS" local demo-events --dsn "$(jq -r .dsn server.json)" >/dev/null
sleep 0.5
export SENTRY_URL=$URL SENTRY_AUTH_TOKEN=$TOKEN
interleaved issues 30 "$OURS issue list local/ --json"
interleaved issues49 5 "$V49 issue list local/ --json -f"
unset SENTRY_URL SENTRY_AUTH_TOKEN

echo "==> DSN detection" >&2
SCAN_BENCH_KEEP=1 "$TARGET/release/examples/scan_bench" >scan.txt 2>&1
TREE=$(sed -n 's/^kept tree at //p' scan.txt)
hyperfine -N --warmup 2 -r 10 --export-json rg.json "rg -l 'https://[0-9a-f]+@' $TREE" >/dev/null 2>&1

echo "==> Ingest" >&2
"$TARGET/release/examples/ingest_bench" 20000 8 >ingest-file.txt 2>&1
"$TARGET/release/examples/ingest_bench" 20000 8 --memory >ingest-mem.txt 2>&1
rm -rf "$TREE"

echo "==> Source maps: inject + upload" >&2
mkdir -p "$WORK/sourcemaps"
"$ROOT/scripts/bench-sourcemaps.sh" "$TARGET/release/sentry-cli" "$V3" "$WORK/sourcemaps" >sourcemaps.md

cd "$ROOT"
{
    echo "# Benchmarks"
    echo
    echo "Written by \`scripts/bench.sh\` on $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD)."
    echo "Machine: $(nproc) cores, $(uname -sm), load average $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Release build, $(stat -c %s "$OURS") bytes. Each time is the median of $ROUNDS interleaved hyperfine rounds."
    echo
    echo "## Start-up"
    echo
    echo "| command | time |"
    echo "|---|---|"
    echo "| Rust hello world (floor) | $(median_ms "$WORK/startup-0"-*.json) |"
    echo "| \`sentry --version\` (ours) | $(median_ms "$WORK/startup-1"-*.json) |"
    echo "| \`sentry info --config-status-json\` (ours) | $(median_ms "$WORK/startup-2"-*.json) |"
    echo "| \`sentry-cli --version\` (3.8.0) | $(median_ms "$WORK/startup-3"-*.json) |"
    echo "| \`sentry-cli info --config-status-json\` (3.8.0) | $(median_ms "$WORK/startup-4"-*.json) |"
    echo "| \`sentry --version\` (0.49.0, Node $(node --version)) | $(median_ms "$WORK/startup49-0"-*.json) |"
    echo "| \`sentry info --config-status-json\` (0.49.0) | $(median_ms "$WORK/startup49-1"-*.json) |"
    echo
    echo "## \`issue list local/ --json\` against \`sentry local serve\` (same server, same events)"
    echo
    echo "| CLI | time |"
    echo "|---|---|"
    echo "| ours | $(median_ms "$WORK/issues-0"-*.json) |"
    echo "| sentry 0.49.0 (\`-f\`: no response cache) | $(median_ms "$WORK/issues49-0"-*.json) |"
    echo
    echo "## DSN detection, generated tree of 10,000 files plus 2,000 git-ignored decoys"
    echo
    echo "| tool | time |"
    echo "|---|---|"
    echo "| ours (\`scan_bench\`, in-process, median of 5) | $(sed -n 's/.*median=\([0-9.]*\)\(.s\).*/\1 \2/p' "$WORK/scan.txt") |"
    echo "| \`rg -l 'https://[0-9a-f]+@'\` | $(median_ms "$WORK/rg.json") |"
    echo
    echo "## Ingest (\`ingest_bench 20000 8\`: 8 sender threads, 20,000 envelopes, every one verified stored)"
    echo
    echo '```'
    grep -h "envelopes/s\|verified" "$WORK/ingest-file.txt" "$WORK/ingest-mem.txt"
    echo '```'
    echo
    cat "$WORK/sourcemaps.md"
} >BENCHMARKS.md
echo "==> Wrote BENCHMARKS.md" >&2
