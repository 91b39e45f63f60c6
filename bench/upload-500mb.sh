#!/usr/bin/env bash
# Upload a 500 MB file to the fake NemoVideo through reelsmith's MCP upload_media (cloud
# backend) and with curl, in the same run; print both wall times, the throughput ratio and
# reelsmith's peak RSS (VmHWM). Target: peak RSS under 64 MB — the upload streams from disk.
#
# Usage: bench/upload-500mb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/upload
mkdir -p "$out"
cargo build --release --quiet --bin reelsmith --example fake_nemo
big="$out/big.mp4"
[ "$(stat -c %s "$big" 2>/dev/null || echo 0)" = 500000000 ] || head -c 500000000 /dev/urandom > "$big"

target/release/examples/fake_nemo > "$out/fake.url" &
fake=$!
trap 'kill $fake 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$out/fake.url" ] && break; sleep 0.1; done
base=$(cat "$out/fake.url")

# curl: a token and a session, then the same multipart upload.
token=$(curl -s -X POST -H "X-Client-Id: bench" "$base/api/auth/anonymous-token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])')
sid=$(curl -s -X POST -H "Authorization: Bearer $token" -H "Content-Type: application/json" -d '{"task_name":"project"}' \
  "$base/api/tasks/me/with-session/nemo_agent" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["session_id"])')
curl_s=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" -F "files=@$big" \
  "$base/api/upload-video/nemo_agent/me/$sid")

read -r rs_s rss_mb < <(python3 bench/mcp_upload.py target/release/reelsmith "$base" "$big")
printf '%-10s %8s %10s %12s\n' client wall_s MB_per_s peak_rss_MB
printf '%-10s %8.2f %10.1f %12s\n' curl "$curl_s" "$(echo "500 / $curl_s" | bc -l)" "-"
printf '%-10s %8.2f %10.1f %12.1f\n' reelsmith "$rs_s" "$(echo "500 / $rs_s" | bc -l)" "$rss_mb"
printf 'throughput ratio reelsmith/curl: %.2f\n' "$(echo "$curl_s / $rs_s" | bc -l)"
