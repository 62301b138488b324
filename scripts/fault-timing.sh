#!/usr/bin/env bash
# Not a test (minutes long; needs python3, bc and the official CLIs that scripts/bench.sh installs
# into $SCRATCH). OURS, UP and V3 override the binaries.
# Wall time of `org list` against a refused port, a stalled server and a 503 server.
OURS=${OURS:-$(cd "$(dirname "$0")/.." && pwd)/target/release/sentry}
UP=${UP:-${SCRATCH:-/tmp/sentry-bench-upstream}/node_modules/.bin/sentry}
V3=${V3:-${SCRATCH:-/tmp/sentry-bench-upstream}/node_modules/@sentry/cli-linux-x64/bin/sentry-cli}
W=$(mktemp -d)
python3 - <<'PY' &
import socket, threading, http.server, socketserver
# stalled: accept, never answer
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 18771)); s.listen(100)
conns = []
def stall():
    while True:
        c, _ = s.accept(); conns.append(c)
threading.Thread(target=stall, daemon=True).start()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(503); self.send_header("Content-Type", "text/plain"); self.send_header("Content-Length", "11"); self.end_headers(); self.wfile.write(b"unavailable")
    def log_message(self, *a): pass
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", 18772), H).serve_forever()
PY
PY=$!
sleep 1
t() { local s=$(date +%s.%N); timeout 600 "$@" >/dev/null 2>"$W/err"; local rc=$?; local e=$(date +%s.%N); printf '%6.2fs exit %3d  %s\n' "$(echo "$e - $s" | bc)" "$rc" "$(head -c 110 "$W/err" | tr '\n' ' ')"; }
export HOME=$W SENTRY_CONFIG_DIR=$W/.sentry SENTRY_AUTH_TOKEN=sntryu_0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab
for target in refused:http://127.0.0.1:1 stalled:http://127.0.0.1:18771 503:http://127.0.0.1:18772; do
  name=${target%%:*}; url=${target#*:}
  echo "== $name ($url)"
  printf 'ours      '; SENTRY_URL=$url t "$OURS" org list
  printf 'cli 3.8   '; SENTRY_URL=$url t "$V3" organizations list
  printf 'sentry049 '; SENTRY_URL=$url t "$UP" org list
done
kill $PY
