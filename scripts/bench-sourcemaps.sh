#!/usr/bin/env bash
# Source-map inject + upload benchmark, ours vs sentry-cli 3.8 (called by scripts/bench.sh,
# runnable alone). Prints a Markdown section on stdout.
#
#   scripts/bench-sourcemaps.sh <ours: sentry-cli binary> <sentry-cli 3.8 binary> <work dir>
#
# A synthetic ~50 MB build (scripts/gen-sourcemap-build.js: 60 minified JS files + maps) is
# copied fresh before every run (inject rewrites it), and each run uploads under a new release
# so the server never answers "already have it": every byte is hashed, sent and assembled.
# Both CLIs speak the same 3.x grammar against the same `sentry local serve` (in memory):
#   sentry-cli sourcemaps inject build && sentry-cli sourcemaps upload build --release <new>
# Wall time: median of interleaved hyperfine rounds; CPU time and peak RSS: /usr/bin/time -v
# of one more run each (user+sys of the two commands, the larger of their peak RSS).
set -euo pipefail
OURS_CLI=$1 V3=$2 WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${ROUNDS:-3}
RUNS=${SOURCEMAP_RUNS:-3}
cd "$WORK"
OURS_SENTRY=$(dirname "$OURS_CLI")/sentry
node "$HERE/gen-sourcemap-build.js" pristine 60 3500
SIZE=$(du -sb pristine | cut -f1)

"$OURS_SENTRY" local serve --port 0 --memory --json >smserver.json 2>smserver.log &
SM_PID=$!
trap 'kill $SM_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '"project"' smserver.json 2>/dev/null && break; sleep 0.1; done
export SENTRY_URL=$(jq -r .url smserver.json) SENTRY_AUTH_TOKEN=$(jq -r .token smserver.json)
export SENTRY_ORG=local SENTRY_PROJECT=app

job() { # cli → the shell command of one inject + upload
    echo "$1 sourcemaps inject build >/dev/null && $1 sourcemaps upload build --release r\$(date +%s%N) >/dev/null"
}
PREP="rm -rf build && cp -r pristine build"
for r in $(seq "$ROUNDS"); do
    for who in ours v3; do
        cli=$OURS_CLI
        [ "$who" = v3 ] && cli=$V3
        hyperfine --warmup 1 -r "$RUNS" --prepare "$PREP" --export-json "sm-$who-$r.json" "$(job "$cli")" >/dev/null 2>&1
    done
done
median() { jq -rs 'map(.results[0]) | sort_by(.mean) | .[length / 2 | floor]
    | "\(.mean * 1000 | round) ms ± \(.stddev * 1000 | round)"' "$@"; }
usage() { # cli → "user+sys s | peak RSS MiB"
    rm -rf build && cp -r pristine build
    /usr/bin/time -v sh -c "$(job "$1")" 2>time.txt >/dev/null
    awk -F': ' '/User time/{u=$2} /System time/{s=$2} /Maximum resident/{m=$2}
        END {printf "%.2f s | %.0f MiB", u+s, m/1024}' time.txt
}
echo "## Source maps: inject + upload of a ${SIZE}-byte build (60 JS files + maps) to \`sentry local serve\`"
echo
echo "\`sentry-cli sourcemaps inject build && sentry-cli sourcemaps upload build --release <new>\`, fresh copy each run."
echo
echo "| CLI | wall (median of $ROUNDS interleaved rounds × $RUNS) | CPU (user+sys) | peak RSS |"
echo "|---|---|---|---|"
echo "| ours | $(median sm-ours-*.json) | $(usage "$OURS_CLI") |"
echo "| sentry-cli 3.8.0 | $(median sm-v3-*.json) | $(usage "$V3") |"
