#!/usr/bin/env bash
# Side-by-side check of the read commands (feedback, replay, explore, attribute, issue tags,
# trace/span/log with --fields) against the official `sentry` 0.49: one fresh local server, one
# set of telemetry sent through the DSN (an error, a widget feedback, a user report, a
# transaction with a span, two logs, a two-segment replay, trace metrics, an error inside the
# trace), then each command run by both clients, each with its own empty HOME.
# `log list --follow` runs both clients at once while one more log is sent, then stops them
# with SIGINT.
# JSON output is compared key-order-insensitively, human output byte for byte, plus the exit
# codes and stderr. Time series (`explore -b`) depend on the clock twice: a relative --period
# ends "now" (SERIES=1 drops meta.start/end and the human "Range (UTC)" line before comparing),
# and a bucket is incomplete until its window ends, so each such comparison starts well clear
# of a minute boundary (every interval is whole minutes) and the two runs see the same buckets.
#
#   scripts/read-parity.sh        # needs: cargo, curl, jq, and npm `sentry@0.49.0` under $REF
#
# Environment: REF (default /work/ref), BIN (our binaries; default target/debug after a
# `cargo build`), KEEP=1 keeps the scratch directory.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REF=${REF:-/work/ref}
THEIRS="$REF/node_modules/.bin/sentry"
if [[ -z "${BIN:-}" ]]; then
    (cd "$ROOT" && cargo build -q --bin sentry) || exit 1
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
fi
OURS="$BIN/sentry"
for f in "$THEIRS" "$OURS"; do
    [[ -x "$f" ]] || { echo "missing: $f" >&2; exit 1; }
done

SCRATCH=$(mktemp -d)
[[ -n "${KEEP:-}" ]] || trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$SCRATCH"' EXIT

"$OURS" local serve --port 0 --memory --json >"$SCRATCH/serve.json" 2>"$SCRATCH/serve.err" &
for _ in $(seq 50); do
    jq -e .url "$SCRATCH/serve.json" >/dev/null 2>&1 && break
    sleep 0.1
done
URL=$(jq -r .url "$SCRATCH/serve.json")
TOKEN=$(jq -r .token "$SCRATCH/serve.json")
KEY=$(jq -r .dsn "$SCRATCH/serve.json" | sed 's#^[a-z]*://\([^@]*\)@.*#\1#')

# One envelope: the header line, then (item header, payload) pairs.
send() {
    local body="$1"
    shift
    for item in "$@"; do body+=$'\n'"$item"; done
    curl -sf -X POST "$URL/api/1/envelope/" -H "X-Sentry-Auth: Sentry sentry_key=$KEY, sentry_version=7" \
        -H 'Content-Type: application/x-sentry-envelope' --data-binary "$body"$'\n' >/dev/null ||
        { echo "ingest failed" >&2; exit 1; }
}
NOW=$(date +%s)
ERR=0123456789abcdef0123456789abcdef
FB=fedcba9876543210fedcba9876543210
TRACE=aaaa1111bbbb2222cccc3333dddd4444
REPLAY=346789a703f6454384f1de473b8b9fcc
send "{\"event_id\":\"$ERR\"}" '{"type":"event"}' \
    "{\"event_id\":\"$ERR\",\"level\":\"error\",\"platform\":\"javascript\",\"message\":\"checkout failed\",\"release\":\"1.0\",\"environment\":\"prod\",\"timestamp\":$NOW}"
send "{\"event_id\":\"$FB\"}" '{"type":"feedback"}' \
    "{\"event_id\":\"$FB\",\"type\":\"feedback\",\"platform\":\"javascript\",\"level\":\"info\",\"timestamp\":$NOW,\"sdk\":{\"name\":\"sentry.javascript.browser\",\"version\":\"9.1.0\"},\"contexts\":{\"feedback\":{\"message\":\"The checkout button does not work\\nPlease fix\",\"contact_email\":\"ada@example.com\",\"name\":\"Ada\",\"url\":\"https://shop.example.com/checkout\",\"associated_event_id\":\"$ERR\"}},\"tags\":{\"replay.id\":\"$REPLAY\"}}"
send "{\"event_id\":\"$ERR\"}" '{"type":"user_report"}' \
    "{\"event_id\":\"$ERR\",\"name\":\"Bo\",\"email\":\"bo@example.com\",\"comments\":\"It crashed when I paid\"}"
send '{"event_id":"11112222333344445555666677778888"}' '{"type":"transaction"}' \
    "{\"event_id\":\"11112222333344445555666677778888\",\"type\":\"transaction\",\"transaction\":\"GET /checkout\",\"start_timestamp\":$NOW,\"timestamp\":$NOW.5,\"environment\":\"prod\",\"tags\":{\"region\":\"eu\"},\"contexts\":{\"trace\":{\"trace_id\":\"$TRACE\",\"span_id\":\"1111222233334444\",\"op\":\"http.server\",\"data\":{\"http.method\":\"GET\"}}},\"spans\":[{\"span_id\":\"5555666677778888\",\"parent_span_id\":\"1111222233334444\",\"trace_id\":\"$TRACE\",\"op\":\"db.query\",\"start_timestamp\":$NOW.1,\"timestamp\":$NOW.2,\"data\":{\"db.system\":\"postgresql\",\"cart.total\":12.5}}]}"
send '{}' '{"type":"log","item_count":2,"content_type":"application/vnd.sentry.items.log+json"}' \
    "{\"items\":[{\"timestamp\":$NOW,\"trace_id\":\"$TRACE\",\"level\":\"info\",\"body\":\"user logged in\",\"attributes\":{\"user.id\":{\"value\":\"42\",\"type\":\"string\"}}},{\"timestamp\":$NOW.3,\"trace_id\":\"$TRACE\",\"level\":\"error\",\"body\":\"payment failed\",\"attributes\":{\"retry\":{\"value\":3,\"type\":\"integer\"}}}]}"
for SEG in 0 1; do
    REC="{\"segment_id\":$SEG}"$'\n'"[{\"type\":$((2 + SEG)),\"timestamp\":${NOW}${SEG}00,\"data\":{\"href\":\"https://shop.example.com/p$SEG\"}},{\"type\":5,\"timestamp\":${NOW}${SEG}50,\"data\":{\"tag\":\"breadcrumb\",\"payload\":{\"category\":\"ui.click\",\"message\":\"button#pay\"}}}]"
    send "{\"event_id\":\"$REPLAY\"}" '{"type":"replay_event"}' \
        "{\"type\":\"replay_event\",\"replay_id\":\"$REPLAY\",\"segment_id\":$SEG,\"timestamp\":$((NOW + SEG)),\"replay_start_timestamp\":$((NOW - 5)),\"urls\":[\"https://shop.example.com/p$SEG\"],\"error_ids\":[\"$ERR\"],\"trace_ids\":[\"$TRACE\"],\"platform\":\"javascript\",\"environment\":\"prod\",\"release\":\"1.0\",\"user\":{\"email\":\"ada@example.com\"},\"contexts\":{\"browser\":{\"name\":\"Chrome\",\"version\":\"120\"}}}" \
        "{\"type\":\"replay_recording\",\"length\":$(printf '%s' "$REC" | wc -c)}" "$REC"
done

# Trace metrics as the SDKs send them (`trace_metric` items of `{version, items}`): token usage
# per model, a cache hit rate without a unit, a duration in milliseconds and a counter.
metric() { # name type value unit model
    local unit=""
    [[ -n "$4" ]] && unit=",\"unit\":\"$4\""
    printf '{"timestamp":%s.25,"trace_id":"%s","name":"%s","type":"%s","value":%s%s,"attributes":{"gen_ai.request.model":{"value":"%s","type":"string"},"sentry.environment":{"value":"prod","type":"string"}}}' \
        "$NOW" "$TRACE" "$1" "$2" "$3" "$unit" "$5"
}
send '{}' '{"type":"trace_metric","item_count":7,"content_type":"application/vnd.sentry.items.trace-metric+json"}' \
    "{\"version\":2,\"items\":[$(metric llm.token_usage distribution 120 '' gpt-4o),$(metric llm.token_usage distribution 80 '' gpt-4o),$(metric llm.token_usage distribution 40 '' claude),$(metric cache.hit_rate distribution 100 '' x),$(metric cache.hit_rate distribution 0 '' x),$(metric request.duration distribution 250 millisecond x),$(metric jobs.processed counter 3 '' worker)]}"
# Last, so the short IDs above stay APP-1…3: an error inside the trace (APP-4).
send '{"event_id":"abababababababababababababababab"}' '{"type":"event"}' \
    "{\"event_id\":\"abababababababababababababababab\",\"level\":\"error\",\"platform\":\"python\",\"message\":\"card declined\",\"timestamp\":$NOW,\"contexts\":{\"trace\":{\"trace_id\":\"$TRACE\",\"span_id\":\"5555666677778888\"}}}"

FAILED=0
# compare NAME ARGS...: one run each; `-f` (0.49's cache bypass) is added for 0.49 when FRESH=1.
compare() {
    local extra=() jqn=. sedn=''
    [[ "${FRESH:-1}" == 1 ]] && extra=(-f)
    if [[ "${SERIES:-}" == 1 ]]; then
        jqn='del(.meta.start, .meta.end)'
        sedn='s/Range \(UTC\): [0-9: -]+ to [0-9: -]+/Range (UTC): (now)/'
    fi
    # Time series: stay clear of the minute boundary, where buckets open and close.
    if [[ " $* " == *" -b "* ]]; then
        while (($(date +%s) % 60 >= 54)); do sleep 1; done
    fi
    for side in theirs ours; do
        local bin=$OURS
        [[ $side == theirs ]] && bin=$THEIRS
        mkdir -p "$SCRATCH/home-$side"
        (cd "$SCRATCH" && env -i PATH="$PATH" HOME="$SCRATCH/home-$side" SENTRY_URL="$URL" \
            SENTRY_AUTH_TOKEN="$TOKEN" NO_COLOR=1 "$bin" "$@" $([[ $side == theirs ]] && echo "${extra[@]}") \
            >"$SCRATCH/$side.out" 2>"$SCRATCH/$side.err")
        echo $? >"$SCRATCH/$side.rc"
    done
    local verdict=same
    if [[ $(cat "$SCRATCH/theirs.rc") != $(cat "$SCRATCH/ours.rc") ]]; then
        verdict="exit $(cat "$SCRATCH/theirs.rc") vs $(cat "$SCRATCH/ours.rc")"
    elif jq -e . "$SCRATCH/theirs.out" >/dev/null 2>&1; then
        cmp -s <(jq -S "$jqn" "$SCRATCH/theirs.out") <(jq -S "$jqn" "$SCRATCH/ours.out") || verdict="JSON differs"
    else
        cmp -s <(sed -E "$sedn" "$SCRATCH/theirs.out") <(sed -E "$sedn" "$SCRATCH/ours.out") || verdict="stdout differs"
    fi
    [[ $verdict == same ]] && ! cmp -s "$SCRATCH/theirs.err" "$SCRATCH/ours.err" &&
        [[ $(cat "$SCRATCH/ours.rc") != 0 ]] && verdict="stderr differs"
    [[ $verdict == same && ! -s "$SCRATCH/ours.out" && $(cat "$SCRATCH/ours.rc") == 0 ]] && verdict="empty"
    printf '%-72s %s\n' "$*" "$verdict"
    [[ $verdict == same ]] || FAILED=1
}

compare feedback list local/app --json
compare feedback list local/ --json
compare feedback list local/app
compare feedback view local/APP-2 --json
compare feedback view 2 --json
compare feedback view @latest --json
compare feedback local/APP-3 --json
compare feedback view local/APP-2
compare feedback view local/APP-1
compare feedback view local/APP-99
compare feedback view @most_frequent
FRESH=0 compare feedback resolve local/APP-2 --json
FRESH=0 compare feedback spam local/APP-2 --json
FRESH=0 compare feedback unresolve local/APP-2 --json
compare issue tags local/APP-1 release --json
compare issue tags local/APP-1 release
compare attribute list local/app --json
compare attribute list local/app
compare attribute list local/ --dataset logs --json
compare attribute list local/ --type string -n 2 --json
compare replay list local/app --json
compare replay list local/app
compare replay view "local/$REPLAY" --json
compare replay view "local/$REPLAY"
compare replay view "local/$TRACE" --json
compare replay download "local/$REPLAY" --output "$SCRATCH/replay.json" --json
compare explore local/app --json
compare explore local/app
compare explore local/app --dataset spans -F span.op -F "count()" --json
compare explore local/ --dataset logs -F severity -F "count()" --json
compare explore local/app --dataset transactions --json
# Time series over a fixed range around the telemetry, then over relative periods.
FROM=$(date -u -d "@$((NOW / 3600 * 3600 - 3600))" +%Y-%m-%dT%H:%M:%SZ)
TO=$(date -u -d "@$((NOW / 3600 * 3600 + 7200))" +%Y-%m-%dT%H:%M:%SZ)
compare explore local/app -b --period "$FROM..$TO" --json
compare explore local/app -b 15m --period "$FROM..$TO" --json
compare explore local/app -b 15m --period "$FROM..$TO"
compare explore local/app --dataset spans -F "p95(span.duration)" -F "count()" -b --period "$FROM..$TO" --json
compare explore local/app --dataset spans -F "p95(span.duration)" -F "count()" -b 30m --period "$FROM..$TO"
compare explore local/ --dataset logs -F "count()" -b 1h --period "$FROM..$TO" --json
compare explore local/ --dataset logs -F "count()" -b 1h --period "$FROM..$TO"
compare explore local/app --dataset transactions -b 1h --period "$FROM..$TO" --json
compare explore local/app -b 1h --period "$FROM..$TO" --json --fields timestamp,value
SERIES=1 compare explore local/app -b --json
SERIES=1 compare explore local/app -b 15m --period 1h --json
SERIES=1 compare explore local/app -b 15m --period 1h
SERIES=1 compare explore local/app --dataset spans -F "p95(span.duration)" -b --period 24h --json
SERIES=1 compare explore local/app --dataset spans -F "p95(span.duration)" -b --period 24h
SERIES=1 compare explore local/app --dataset logs -F "count()" -b 1h --json
SERIES=1 compare explore local/app --dataset logs -F "count()" -b 1h
compare explore local/app -b --cursor next
compare explore local/app -b -n 5
compare explore local/app -b -F title -F "count()"
compare explore local/app -b --period 10s
compare explore local/app -b 1h --period 30m
compare explore local/app -b 15s --period 7d
compare explore local/app -b -F "foo(bar)"
# Span and log attributes named in --fields (requested from the server by both).
compare trace view "local/$TRACE" --json --fields traceId,http.method
compare trace view "local/$TRACE" --json --fields spans.span_id,spans.data.db.system
compare trace view "local/$TRACE" --json --fields spans.children.additional_attributes.db.system
compare trace view "local/$TRACE" --json --fields "spans,tags[cart.total,number]"
compare trace view "local/$TRACE" --fields http.method
compare span list local/app --json --fields "span_id,http.method,db.system,tags[cart.total,number]"
compare span list local/app --json --fields gen_ai,op
FRESH=0 compare log list local/app --json --fields sentry.item_id,user.id,retry --fresh
FRESH=0 compare log list local/app --fields user.id --fresh
FRESH=0 compare log list "local/$TRACE" --json --fields message,user.id --fresh
LOG_ID=$(env -i PATH="$PATH" HOME="$SCRATCH/home-ours" SENTRY_URL="$URL" SENTRY_AUTH_TOKEN="$TOKEN" \
    "$OURS" log list local/app -q 'user logged in' --json | jq -r '.data[0]["sentry.item_id"]')
compare log view local/app "$LOG_ID" --json --fields sentry.item_id,user.id
compare log view local/app "$LOG_ID" --fields user.id
compare trace list local/app --json --fields trace,http.method
compare trace logs "local/$TRACE" --json --fields message,retry
# An issue short ID where a trace ID belongs: the trace of the issue's latest event.
compare trace view APP-4 --json
compare trace view APP-4

# compare_follow ARGS...: `log list ARGS` followed by both clients at once; one new log is
# sent once both poll; both get SIGINT. stdout and the exit code must match.
compare_follow() {
    local pids=()
    for side in theirs ours; do
        local bin=$OURS
        [[ $side == theirs ]] && bin=$THEIRS
        (cd "$SCRATCH" && exec setsid env -i PATH="$PATH" HOME="$SCRATCH/home-$side" SENTRY_URL="$URL" \
            SENTRY_AUTH_TOKEN="$TOKEN" NO_COLOR=1 "$bin" log list "$@" --fresh \
            >"$SCRATCH/$side.out" 2>"$SCRATCH/$side.err") &
        pids+=($!)
    done
    sleep 6
    local now
    now=$(date +%s.%N | cut -c1-16)
    send '{}' '{"type":"log","item_count":1,"content_type":"application/vnd.sentry.items.log+json"}' \
        "{\"items\":[{\"timestamp\":$now,\"trace_id\":\"$TRACE\",\"level\":\"warn\",\"body\":\"streamed\",\"attributes\":{\"user.id\":{\"value\":\"7\",\"type\":\"string\"}}}]}"
    sleep 4
    local codes=()
    for p in "${pids[@]}"; do
        kill -INT -- "-$p" 2>/dev/null
        wait "$p"
        codes+=($?)
    done
    local verdict=same
    if [[ ${codes[0]} != "${codes[1]}" ]]; then
        verdict="exit ${codes[0]} vs ${codes[1]}"
    elif ! cmp -s "$SCRATCH/theirs.out" "$SCRATCH/ours.out"; then
        verdict="stdout differs"
    elif ! grep -q streamed "$SCRATCH/ours.out"; then
        verdict="new log not shown"
    fi
    printf '%-72s %s\n' "log list $* (follow)" "$verdict"
    [[ $verdict == same ]] || FAILED=1
}
compare_follow local/app -f 1 --json
compare_follow local/app -f 1 --json --fields sentry.item_id,message,user.id
compare_follow "local/$TRACE" -f 1 --json
compare_follow local/app -f 1 --fields user.id
# The metrics dataset: -m resolves the metric's type and unit through tracemetrics discovery.
compare explore local/ -m llm.token_usage --dataset metrics --json
compare explore local/ -m llm.token_usage --json
compare explore local/ -m llm.token_usage --agg avg --dataset metrics --json
compare explore local/ -m request.duration --agg p95 --dataset metrics --json
compare explore local/app -F gen_ai.request.model -m llm.token_usage --dataset metrics --json
compare explore local/app -F gen_ai.request.model -m llm.token_usage --dataset metrics
compare explore local/app -F gen_ai.request.model -m llm.token_usage --agg avg -n 1 -t 2d
compare explore local/ -F "sum(value,llm.token_usage,distribution,none)" --dataset metrics --json
compare explore local/ -F "sum(value,llm.token_usage,distribution,none)" -F gen_ai.request.model --dataset metrics -n 1
compare explore local/app -F gen_ai.request.model -m llm.token_usage -q "gen_ai.request.model:*" -n 1
compare explore local/ -e prod -q "gen_ai.request.model:x OR gen_ai.request.model:claude" -F gen_ai.request.model -m cache.hit_rate --agg max
compare explore local/ --dataset metrics
compare explore local/ --dataset metrics -F "count()" -F "p50(value)" -F gen_ai.request.model
compare explore local/ -m llm.token_usag --dataset metrics
compare explore local/ -m nothing_like_it --dataset metrics
compare explore local/ -m llm.token_usage --agg median --dataset metrics
compare attribute list local/ --dataset metrics --json
compare attribute list local/ --dataset metrics
# The replays dataset: the replay index as a table.
compare explore local/app --dataset replays --json
compare explore local/app --dataset replays
compare explore local/app --dataset replays -F activity -F duration -F count_errors --json
compare explore local/app --dataset replays -F activity -F duration -F count_errors
compare explore local/ --dataset replays -F user -F browser -F url -F screens -F release -F count_traces -F tags -F has_viewed --json
compare explore local/ --dataset replay -s -count_errors -e prod -q release:1.0 -n 1 -t 2d
compare explore local/app --dataset replays -F bogus
compare explore local/app --dataset replays -s bogus
exit $FAILED
