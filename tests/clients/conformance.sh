#!/usr/bin/env bash
# The official MCP conformance suite against `reelsmith serve --http`: every server scenario that
# applies to a server with tools, progress and logging (the others need the suite's own fixture
# tools, resources, prompts, sampling or elicitation, which reelsmith does not offer).
# server-sse-polling passes with one warning, "Server closes SSE stream mid-call and resumes after
# client reconnects with Last-Event-ID": the scenario calls its fixture tool `test_reconnection`,
# which reelsmith does not have, so the call ends at once with "tool not found" and there is
# nothing left to resume. Resumption of a real tool call (an export whose POST stream is dropped
# mid-render) is tested in tests/it/http_resume.rs.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm_dir=target/test-clients/npm
node="$npm_dir/node_modules/.bin/node"
suite="$npm_dir/node_modules/@modelcontextprotocol/conformance/dist/index.js"
[ -f "$suite" ] || suite="$npm_dir/node_modules/.bin/conformance"
bin=${REELSMITH_BIN:-target/debug/reelsmith}
home=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
REELSMITH_HOME="$home" "$bin" serve --http "127.0.0.1:$port" 2>"$home/server.log" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$home"' EXIT
for _ in $(seq 50); do
  (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

scenarios=(server-initialize ping tools-list logging-set-level dns-rebinding-protection
  server-sse-multiple-streams server-sse-polling)
pass=0 fail=0
for s in "${scenarios[@]}"; do
  out=$("$node" "$suite" server --url "http://127.0.0.1:$port/mcp" --scenario "$s" 2>&1) || true
  if printf '%s' "$out" | grep -Eq 'Passed: ([0-9]+)/\1, 0 failed'; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "conformance scenario $s FAILED:" >&2
    printf '%s\n' "$out" | tail -20 >&2
  fi
done
echo "conformance: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
