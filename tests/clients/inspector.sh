#!/usr/bin/env bash
# The MCP Inspector CLI lists reelsmith's tools and calls one over stdio.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm_dir=target/test-clients/npm
node="$npm_dir/node_modules/.bin/node"
inspector="$npm_dir/node_modules/@modelcontextprotocol/inspector/cli/build/cli.js"
bin=${REELSMITH_BIN:-target/debug/reelsmith}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export REELSMITH_HOME="$home"
pass=0 fail=0
check() { if "$@"; then pass=$((pass + 1)); else echo "FAILED: $*" >&2; fail=$((fail + 1)); fi; }

tools=$("$node" "$inspector" --cli "$bin" serve --method tools/list 2>/dev/null)
names=$(printf '%s' "$tools" | python3 -c 'import json,sys; print(" ".join(sorted(t["name"] for t in json.load(sys.stdin)["tools"])))')
check [ "$names" = "check_credits create_video export_video get_timeline upload_media" ]

credits=$("$node" "$inspector" --cli "$bin" serve --method tools/call --tool-name check_credits 2>/dev/null)
backend=$(printf '%s' "$credits" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["structuredContent"]["backend"], r["isError"])')
check [ "$backend" = "local False" ]

echo "inspector: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
