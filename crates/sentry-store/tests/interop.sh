#!/usr/bin/env bash
# cli.db interop between our CLI and upstream npm `sentry` 0.49, in both directions and both
# journal modes. Needs Node and the 0.49 launcher, so CI does not run it (CI reads the
# committed fixtures instead, see tests/it/interop.rs).
#
#   crates/sentry-store/tests/interop.sh /path/to/node_modules/.bin/sentry [our-v16-binary]
#
# Run from the workspace root. Builds our binary and the `accounts` example, starts two
# throw-away local servers, and prints one PASS/FAIL/INFO line per check; exits 1 if any
# check failed. With a second argument (a build of ours from before schema 21), also checks
# that a v16 file of ours survives 0.49's migration.
set -u

UP=${1:?usage: interop.sh <0.49 launcher> [our v16-era binary]}
OLD=${2:-}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT" || exit 2
cargo build -q -p sentry || exit 2
cargo build -q -p sentry-store --example accounts || exit 2
# Wherever cargo builds (CARGO_TARGET_DIR is honoured).
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
OURS=$TARGET/debug/sentry
LIST=$TARGET/debug/examples/accounts

W=$(mktemp -d)
export HOME=$W SENTRY_CLI_NO_TELEMETRY=1 SENTRY_CLI_NO_UPDATE_CHECK=1
unset SENTRY_URL SENTRY_HOST SENTRY_AUTH_TOKEN SENTRY_TOKEN SENTRY_ORG SENTRY_PROJECT SENTRY_CONFIG_DIR
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$W"
}
trap cleanup EXIT

json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
for n in 1 2; do
    SENTRY_CONFIG_DIR=$W/srv$n "$OURS" local serve --port 0 --memory --json >"$W/server$n.json" 2>"$W/server$n.err" &
    PIDS+=($!)
done
for n in 1 2; do
    for _ in $(seq 50); do [ -s "$W/server$n.json" ] && python3 -c 'import json,sys;json.load(open(sys.argv[1]))' "$W/server$n.json" 2>/dev/null && break; sleep 0.1; done
done
U1=$(json "$W/server1.json" url); T1=$(json "$W/server1.json" token)
U2=$(json "$W/server2.json" url); T2=$(json "$W/server2.json" token)

FAILED=0
pass() { printf 'PASS  %s\n' "$1"; }
fail() { printf 'FAIL  %s\n' "$1"; shift; printf '      %s\n' "$@"; FAILED=1; }
info() { printf 'INFO  %s\n' "$1"; shift; printf '      %s\n' "$@"; }
up() { SENTRY_CONFIG_DIR=$1 "$UP" "${@:2}"; }
ours() { SENTRY_CONFIG_DIR=$1 "$OURS" "${@:2}"; }
mode() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma journal_mode").fetchone()[0])' "$1/cli.db"; }
to_wal() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma journal_mode=wal").fetchone()[0])' "$1/cli.db" >/dev/null; }
# 0.49's `auth list --json` and ours (the example), reduced to the fields both print.
same_list() {
    local dir=$1 a b
    a=$(up "$dir" auth list --json 2>"$W/up.err" | python3 -c 'import json,sys; print(json.dumps([{k:v for k,v in x.items() if k!="expiresAt"} for x in json.load(sys.stdin) if not x.get("envVar")], sort_keys=True))')
    b=$("$LIST" "$dir" 2>"$W/ours.err" | python3 -c 'import json,sys; print(json.dumps([{k:v for k,v in x.items() if k!="expiresAt"} for x in json.load(sys.stdin)], sort_keys=True))')
    if [ -n "$a" ] && [ "$a" = "$b" ]; then return 0; fi
    echo "0.49: $a"; echo "ours: $b"; return 1
}
status_host() { up "$1" auth status --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("authenticated"), d.get("host") or d.get("user",{}).get("email"))' 2>/dev/null; }

# 1. A login of ours (new file: rollback journal) read by 0.49.
D=$W/ours-delete
ours "$D" auth login --token "$T1" --url "$U1" >/dev/null 2>&1
m=$(mode "$D")
out=$(up "$D" auth status --json 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q '"authenticated": true' <<<"$out" && [ "$m" = delete ]; then
    pass "ours login ($m journal) -> 0.49 auth status --json: authenticated"
else fail "ours login ($m journal) -> 0.49 auth status --json (exit $rc)" "$out"; fi
if r=$(same_list "$D"); then pass "ours login ($m) -> 0.49 auth list --json equals our accounts"; else fail "0.49 auth list --json differs" "$r"; fi

# 2. The same in WAL mode (as 0.49's native driver leaves files).
D=$W/ours-wal
ours "$D" auth login --token "$T1" --url "$U1" >/dev/null 2>&1
to_wal "$D"
before=$(mode "$D")
out=$(up "$D" auth status --json 2>&1); rc=$?
after=$(mode "$D")
if [ $rc -eq 0 ] && grep -q '"authenticated": true' <<<"$out" && [ "$before" = wal ]; then
    pass "ours login ($before journal) -> 0.49 auth status --json: authenticated (0.49 left it: $after)"
else fail "ours login (wal) -> 0.49 auth status --json (exit $rc)" "$out"; fi
if r=$(same_list "$D"); then pass "ours login (wal) -> 0.49 auth list --json equals our accounts"; else fail "0.49 auth list --json differs (wal)" "$r"; fi
tok=$(ours "$D" auth token 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$tok" = "$T1" ]; then pass "after 0.49 ran on it ($after journal), ours auth token still works"
else fail "ours auth token after 0.49 (exit $rc)" "$tok"; fi

# 3. While another process holds the file open.
D=$W/held-delete
ours "$D" auth login --token "$T1" --url "$U1" >/dev/null 2>&1
python3 -c 'import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1]); c.execute("select count(*) from accounts").fetchone(); time.sleep(30)' "$D/cli.db" &
HOLD=$!; sleep 0.3
out=$(up "$D" auth status --json 2>&1); rc=$?
kill $HOLD 2>/dev/null; wait $HOLD 2>/dev/null
if [ $rc -eq 0 ] && grep -q '"authenticated": true' <<<"$out"; then
    pass "rollback-journal file held open by another process -> 0.49 reads it"
else fail "rollback-journal file held open -> 0.49 (exit $rc)" "$out"; fi
D=$W/held-wal
ours "$D" auth login --token "$T1" --url "$U1" >/dev/null 2>&1
to_wal "$D"
python3 -c 'import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1]); c.execute("select count(*) from accounts").fetchone(); time.sleep(30)' "$D/cli.db" &
HOLD=$!; sleep 0.3
out=$(up "$D" auth status --json 2>&1); rc=$?
kill $HOLD 2>/dev/null; wait $HOLD 2>/dev/null
info "WAL file held open by another process -> 0.49 exit $rc (why new files of ours use a rollback journal)" "$(head -c 300 <<<"$out" | tr '\n' ' ')"

# 4. 0.49 logins (two accounts on two servers) read by us.
D=$W/upstream
up "$D" auth login --token "$T1" --url "$U1" >/dev/null 2>&1
tok=$(ours "$D" auth token 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$tok" = "$T1" ]; then pass "0.49 login -> ours auth token"; else fail "0.49 login -> ours auth token (exit $rc)" "$tok"; fi
out=$(ours "$D" auth status --json 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q '"authenticated": true' <<<"$out"; then pass "0.49 login -> ours auth status --json: authenticated"
else fail "0.49 login -> ours auth status --json (exit $rc)" "$out"; fi
up "$D" auth login dev@localhost --token "$T2" --url "$U2" >/dev/null 2>&1
if r=$(same_list "$D"); then pass "0.49 two accounts -> our accounts equal 0.49 auth list --json"; else fail "two accounts differ" "$r"; fi
tok=$(ours "$D" auth token 2>&1)
if [ "$tok" = "$T2" ]; then pass "0.49's active (second) account is ours too"; else fail "active account differs" "$tok"; fi

# 5. Our logout of the active account -> 0.49 sees the other one active.
ours "$D" auth logout >/dev/null 2>&1
if r=$(same_list "$D"); then pass "ours logout of the active account -> 0.49 agrees on the remaining, active account"; else fail "after our logout" "$r"; fi
act=$(up "$D" auth list --json 2>/dev/null | python3 -c 'import json,sys; print([x["host"] for x in json.load(sys.stdin) if x["active"]])')
if [ "$act" = "['$U1']" ]; then pass "0.49: remaining account on $U1 is active"; else fail "0.49 active after our logout" "$act"; fi

# 6. 0.49 writes to a file of ours; then logging out of the last account.
D=$W/mixed
ours "$D" auth login --token "$T1" --url "$U1" >/dev/null 2>&1
up "$D" cli defaults project app >/dev/null 2>&1
out=$(ours "$D" cli defaults --json 2>&1)
if grep -q '"app"' <<<"$out"; then pass "0.49 cli defaults on our file -> ours reads it"; else fail "ours cli defaults after 0.49" "$out"; fi
ours "$D" auth logout >/dev/null 2>&1
out=$(up "$D" auth status 2>&1); rc=$?
if [ $rc -eq 10 ] && ! grep -qi 'database\|repair' <<<"$out"; then pass "ours logout of the last account -> 0.49: not authenticated, file fine (exit 10)"
else fail "0.49 after our last logout (exit $rc)" "$out"; fi
# `cli fix` also reports file ownership/permissions (root-owned dirs when run as root):
# only its schema findings are about the file we wrote.
out=$(up "$D" cli fix --dry-run --json 2>/dev/null)
schema=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["schemaVersion"], [i for i in d["issues"] if i["category"] not in ("permission","ownership")])' <<<"$out" 2>&1)
if [ "$schema" = "21 []" ]; then pass "0.49 cli fix --dry-run --json: schema 21, no schema issue in our file"; else fail "0.49 cli fix --dry-run --json" "$schema" "$out"; fi

# 7. Optional: a v16 file of our older build, migrated by 0.49, read by us.
if [ -n "$OLD" ]; then
    D=$W/v16
    SENTRY_CONFIG_DIR=$D "$OLD" auth login --token "$T1" --url "$U1" >/dev/null 2>&1
    up "$D" auth status >/dev/null 2>&1
    tok=$(ours "$D" auth token 2>&1); rc=$?
    if [ $rc -eq 0 ] && [ "$tok" = "$T1" ]; then pass "v16 file of ours, migrated by 0.49 -> ours auth token"
    else fail "v16 -> 0.49 -> ours (exit $rc)" "$tok"; fi
    D=$W/v16b
    SENTRY_CONFIG_DIR=$D "$OLD" auth login --token "$T1" --url "$U1" >/dev/null 2>&1
    ours "$D" auth token >/dev/null 2>&1
    if r=$(same_list "$D"); then pass "v16 file of ours, migrated by us -> 0.49 auth list --json agrees"; else fail "v16 migrated by us" "$r"; fi
fi

# 8. The account commands of both CLIs on one file: two servers, switch both ways, logout all.
D=$W/accounts
ours "$D" auth login --token "$T1" --url "$U1" >/dev/null 2>&1
ours "$D" auth login dev@localhost --token "$T2" --url "$U2" >/dev/null 2>&1
norm='import json,sys; print(json.dumps(sorted(json.load(sys.stdin), key=lambda x: x["host"]), sort_keys=True))'
a=$(up "$D" auth list --json 2>/dev/null | python3 -c "$norm"); b=$(ours "$D" auth list --json 2>/dev/null | python3 -c "$norm")
if [ -n "$a" ] && [ "$a" = "$b" ]; then pass "two accounts logged in by ours: auth list --json of 0.49 and ours are equal"; else fail "auth list --json differs" "0.49: $a" "ours: $b"; fi
active() { python3 -c 'import json,sys; print([x["host"] for x in json.load(sys.stdin) if x["active"]])'; }
ours "$D" auth switch dev@localhost --url "$U1" >/dev/null 2>&1
act=$(up "$D" auth list --json 2>/dev/null | active)
if [ "$act" = "['$U1']" ]; then pass "ours auth switch -> 0.49 lists $U1 as active"; else fail "0.49 active after our switch" "$act"; fi
up "$D" auth switch dev@localhost --url "$U2" >/dev/null 2>&1
act=$(ours "$D" auth list --json 2>/dev/null | active)
tok=$(ours "$D" auth token 2>&1)
if [ "$act" = "['$U2']" ] && [ "$tok" = "$T2" ]; then pass "0.49 auth switch -> ours lists $U2 as active and uses its token"; else fail "ours after 0.49 switch" "$act" "$tok"; fi
ours "$D" auth logout all >/dev/null 2>&1
a=$(up "$D" auth list --json 2>/dev/null)
if [ "$(tr -d ' \n' <<<"$a")" = "[]" ]; then pass "ours auth logout all -> 0.49 auth list --json is empty"; else fail "0.49 after our logout all" "$a"; fi
up "$D" auth login --token "$T1" --url "$U1" >/dev/null 2>&1
up "$D" auth login dev@localhost --token "$T2" --url "$U2" >/dev/null 2>&1
up "$D" auth logout all >/dev/null 2>&1
b=$(ours "$D" auth list --json 2>/dev/null)
if [ "$(tr -d ' \n' <<<"$b")" = "[]" ]; then pass "0.49 auth logout all -> ours auth list --json is empty"; else fail "ours after 0.49 logout all" "$b"; fi

exit $FAILED
