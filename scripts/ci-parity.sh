#!/usr/bin/env bash
# The same CI script run by the official clients and by ours, each against its own fresh
# local server: every step must give the same exit code, and the servers must end in the
# same state (release, projects, commits, finalized, deploys, events, monitors, check-ins).
#
#   scripts/ci-parity.sh            # needs: cargo, git, jq, and the reference clients:
#                                   #   npm install --prefix "$REF" sentry@0.49.0 @sentry/cli-linux-x64@3.8.0
#
# Two comparisons:
#   v3:   sentry-cli 3.8.0 vs our sentry-cli (the 3.x grammar CI scripts use)
#   v049: sentry 0.49.0    vs our sentry     (0.49's spellings)
#
# Environment: REF (default /work/ref), BIN (our binaries; default target/debug after a
# `cargo build`), KEEP=1 keeps the scratch directory.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REF=${REF:-/work/ref}
V3_REF="$REF/node_modules/@sentry/cli-linux-x64/bin/sentry-cli"
V049_REF="$REF/node_modules/.bin/sentry"
if [[ -z "${BIN:-}" ]]; then
    (cd "$ROOT" && cargo build -q --bins) || exit 1
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
fi
for f in "$V3_REF" "$V049_REF" "$BIN/sentry" "$BIN/sentry-cli"; do
    [[ -x "$f" ]] || { echo "missing: $f" >&2; exit 1; }
done

SCRATCH=$(mktemp -d)
[[ -n "${KEEP:-}" ]] || trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$SCRATCH"' EXIT
FAILED=0

# A git checkout with a GitHub origin and three commits, as CI checks it out.
CHECKOUT="$SCRATCH/checkout"
git init -q -b main "$CHECKOUT"
git -C "$CHECKOUT" remote add origin https://github.com/acme/app.git
for i in 1 2 3; do
    echo "line $i" >>"$CHECKOUT/app.js"
    git -C "$CHECKOUT" add app.js
    GIT_AUTHOR_DATE="2026-01-0${i}T10:00:00Z" GIT_COMMITTER_DATE="2026-01-0${i}T10:00:00Z" \
        git -C "$CHECKOUT" -c user.name="Jane Doe" -c user.email=jane@example.com \
        commit -q -m "change $i"
done

# Starts a fresh in-memory server; sets URL, TOKEN, DSN.
start_server() {
    local dir="$1" out="$1/server.json"
    mkdir -p "$dir/home"
    HOME="$dir/home" SENTRY_CONFIG_DIR="$dir/home/.sentry" \
        "$BIN/sentry" local serve --port 0 --memory --json >"$out" 2>"$dir/server.log" &
    for _ in $(seq 100); do
        [[ -s "$out" ]] && jq -e .url "$out" >/dev/null 2>&1 && break
        sleep 0.1
    done
    URL=$(jq -r .url "$out")
    TOKEN=$(jq -r .token "$out")
    DSN=$(jq -r .dsn "$out")
}

# The server's state after the script, without ids, dates and durations (which differ by
# nature), as one JSON document. Commit messages are compared without their trailing
# newline: 3.x sends git's raw message ("change 1\n"), we send it trimmed.
state() {
    local get=(curl -sf -H "Authorization: Bearer $TOKEN")
    local o="$URL/api/0/organizations/local" p="$URL/api/0/projects/local/app"
    jq -n \
        --argjson releases "$("${get[@]}" "$o/releases/")" \
        --argjson commits "$("${get[@]}" "$o/releases/$1/commits/" || echo null)" \
        --argjson deploys "$("${get[@]}" "$o/releases/$1/deploys/" || echo null)" \
        --argjson events "$("${get[@]}" "$p/events/?full=true")" \
        --argjson monitors "$("${get[@]}" "$o/monitors/")" \
        --argjson checkins "$("${get[@]}" "$o/monitors/$2/checkins/" || echo null)" '
    {
      releases: [$releases[] | {version, projects: [.projects[].slug] | sort,
                 finalized: (.dateReleased != null), commitCount, deployCount,
                 status}] | sort_by(.version),
      commits: (if $commits == null then null else [$commits[] | {id,
                 message: (.message // "" | rtrimstr("\n")),
                 author: .author.email}] end),
      deploys: (if $deploys == null then null else [$deploys[] | .environment] end),
      events: [$events[] | {message: (.message // .title), level: (.tags // [] | map(select(.key == "level")) | .[0].value)}],
      monitors: [$monitors[] | {slug, schedule: .config.schedule,
                 schedule_type: .config.schedule_type,
                 environments: [.environments[]? | {name, status}]}],
      checkins: (if $checkins == null then null else [$checkins[] | .status] | sort end)
    }'
}

# Runs one step: logs the command and its exit code to $LOG, output to $LOG.out.
step() {
    local name="$1"
    shift
    (cd "$CHECKOUT" && "$@") >>"$LOG.out" 2>&1
    echo "$name $?" >>"$LOG"
}

# The 3.x CI script of issue 11, run with the given sentry-cli binary.
script_v3() {
    local cli="$1"
    step new          "$cli" releases -o local new -p app 1.0
    step set-commits  "$cli" releases set-commits 1.0 --auto
    step finalize     "$cli" releases finalize 1.0
    step deploy       "$cli" releases deploys 1.0 new -e production
    step list         "$cli" releases list
    step info         "$cli" releases info 1.0
    step send-event   "$cli" send-event -m "parity check"
    step mon-schedule "$cli" monitors run -s "0 0 * * *" nightly -- true
    step mon-fail     "$cli" monitors run nightly -- false
    step propose      "$cli" releases propose-version
    step info-missing "$cli" releases info 9.9.9
}

# The same pipeline in 0.49's spellings.
script_v049() {
    local cli="$1"
    step create       "$cli" release create local/2.0 -p app
    step set-commits  "$cli" release set-commits local/2.0 --local
    step finalize     "$cli" release finalize local/2.0
    step deploy       "$cli" release deploy local/2.0 staging
    step event-send   "$cli" event send -m "parity check"
    step mon-schedule "$cli" monitor run --schedule "0 0 * * 0" weekly -- true
    step mon-fail     "$cli" monitor run weekly -- false
    step view-missing "$cli" release view local/9.9.9
}

# compare <label> <script> <version> <monitor> <reference binary> <our binary>
compare() {
    local label="$1" script="$2" version="$3" monitor="$4"
    local -a names=(reference ours) bins=("$5" "$6")
    for i in 0 1; do
        local dir="$SCRATCH/$label-${names[$i]}"
        start_server "$dir"
        LOG="$dir/steps"
        : >"$LOG"
        env -i PATH="$PATH" HOME="$dir/home" SENTRY_CONFIG_DIR="$dir/home/.sentry" \
            SENTRY_URL="$URL" SENTRY_AUTH_TOKEN="$TOKEN" SENTRY_DSN="$DSN" \
            SENTRY_ORG=local SENTRY_PROJECT=app SENTRY_INTEGRATION_TEST=1 \
            SENTRY_CLI_NO_EXIT_TRAP=1 LOG="$LOG" CHECKOUT="$CHECKOUT" \
            bash -c "$(declare -f step "$script"); $script '${bins[$i]}'"
        state "$version" "$monitor" >"$dir/state.json"
    done
    local a="$SCRATCH/$label-reference" b="$SCRATCH/$label-ours"
    echo "== $label: exit codes (step reference ours)"
    paste -d' ' "$a/steps" <(cut -d' ' -f2 "$b/steps") | while read -r s x y; do
        printf '  %-13s %3s %3s %s\n' "$s" "$x" "$y" "$([[ $x == "$y" ]] && echo same || echo DIFFERENT)"
    done
    if ! cmp -s <(cut -d' ' -f2 "$a/steps") <(cut -d' ' -f2 "$b/steps"); then
        FAILED=1
    fi
    echo "== $label: server state"
    if diff -u "$a/state.json" "$b/state.json" >"$SCRATCH/$label.diff"; then
        echo "  same:"
        jq -c '.[]' "$a/state.json" | sed 's/^/    /'
    else
        FAILED=1
        sed 's/^/  /' "$SCRATCH/$label.diff"
    fi
}

compare v3 script_v3 1.0 nightly "$V3_REF" "$BIN/sentry-cli"
compare v049 script_v049 2.0 weekly "$V049_REF" "$BIN/sentry"
[[ -n "${KEEP:-}" ]] && echo "scratch kept: $SCRATCH"
if [[ $FAILED == 0 ]]; then echo "PARITY: PASS"; else echo "PARITY: FAIL"; fi
exit $FAILED
