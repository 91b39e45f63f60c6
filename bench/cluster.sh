#!/usr/bin/env bash
# Cluster-mode figures (the cluster issue), all measured in this run on this machine:
#   * 12 exports of promo-30s submitted at once through one front end of a 3-node NATS
#     JetStream cluster, rendered by 1 worker, then by 2 workers: throughput (exports/min),
#     queue wait (from the workers' logs: publish → taken) and end-to-end p50/p95 (submit →
#     done, as the agent sees it);
#   * one export through cluster mode (1 worker) vs the embedded mode (`serve --http`, no
#     cluster), end to end — target ≤ 1.10.
# Every export is the same promo, so the render cache (each worker's, and the windows workers
# share) would serve all but the first from finished windows: the cache is turned off here
# (REELSMITH_CACHE_MB=0) so every export is a full render, in the embedded run too. Without a
# cache workers also draw alone (helping with one export's windows goes through the cache).
# Renders are CPU-bound: on one machine two workers share its cores, so 2 workers vs 1 shows
# the cluster's overhead and fairness rather than a speed-up; on N machines throughput scales
# with N (see the capacity model printed at the end).
#
# Needs nats-server (scripts/test-nats) and the Python MCP SDK (scripts/test-tools).
# Usage: bench/cluster.sh [JOBS]   (default 12)
#        REELSMITH_BIN=target/debug/reelsmith bench/cluster.sh   (skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${1:-12}
out=bench/out
mkdir -p "$out/stills"
. bench/lib/promo-inputs.sh
nats=${NATS_SERVER:-$(command -v nats-server || echo target/test-tools/venv/bin/nats-server)}
py=target/test-clients/venv/bin/python
[ -x "$nats" ] || scripts/test-nats
[ -x "$py" ] || scripts/test-tools
printf 'Promo 30\nFresh every morning\nMade by hand\nOpen late on Fridays\nLocal flour only\nCoffee from the corner\nKids eat free\nFree delivery\nSee you soon\n' >"$out/cluster-script.txt"

run=$(mktemp -d "${TMPDIR:-/tmp}/reelsmith-cluster-bench.XXXXXX")
export REELSMITH_CACHE_MB=0
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$run"
}
trap cleanup EXIT
token=bench-cluster-token-5b8e1d
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_nats() { # a fresh 3-node cluster; sets $urls
  local dir=$run/nats-$1 ports=() cports=() routes="" i
  mkdir -p "$dir"
  for i in 0 1 2; do ports+=("$(free_port)"); cports+=("$(free_port)"); done
  for i in 0 1 2; do routes+="\"nats-route://127.0.0.1:${cports[$i]}\","; done
  for i in 0 1 2; do
    cat >"$dir/n$i.conf" <<EOF
server_name: n$i
listen: "127.0.0.1:${ports[$i]}"
jetstream { store_dir: "$dir/n$i" }
cluster { name: bench, listen: "127.0.0.1:${cports[$i]}", routes: [${routes%,}] }
EOF
    "$nats" -c "$dir/n$i.conf" 2>"$dir/n$i.log" &
    pids+=($!)
  done
  urls="nats://127.0.0.1:${ports[0]},nats://127.0.0.1:${ports[1]},nats://127.0.0.1:${ports[2]}"
  for i in 0 1 2; do # until each node takes connections
    for _ in $(seq 1 300); do
      (exec 3<>"/dev/tcp/127.0.0.1/${ports[$i]}") 2>/dev/null && break
      sleep 0.1
    done
  done
}

start_server() { # HOME LOG [--cluster URLS]; sets $addr
  local home=$1 log=$2; shift 2
  mkdir -p "$home"
  REELSMITH_HOME=$home REELSMITH_HTTP_TOKEN=$token REELSMITH_ALLOWED_DIRS="$PWD/$out" \
    RUST_LOG=info "$bin" serve --http 127.0.0.1:0 "$@" 2>"$log" &
  pids+=($!)
  for _ in $(seq 1 1500); do
    addr=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1 || true)
    [ -n "$addr" ] && return 0
    sleep 0.2
  done
  echo "the server did not start:" >&2
  tail -20 "$log" >&2
  exit 1
}

start_worker() { # NAME
  mkdir -p "$run/$1"
  REELSMITH_HOME=$run/$1 RUST_LOG=info NO_COLOR=1 "$bin" worker --cluster "$urls" --replicas 3 \
    --name "$1" 2>"$run/$1.log" &
  pids+=($!)
}

load() { # ADDR N → JSON
  "$py" bench/cluster_load.py "$1/mcp" "$token" "$2" "$out/cluster-script.txt" "$PWD/$music" \
    "$PWD/$out"/stills/s*.jpg
}

stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

# Embedded mode, one export.
start_server "$run/embedded" "$run/embedded.log"
embedded=$(load "$addr" 1)
stop_all

# Cluster mode: one export, then JOBS at once — with 1 worker, then 2.
results=()
for workers in 1 2; do
  start_nats "w$workers"
  start_server "$run/front-w$workers" "$run/front-w$workers.log" --cluster "$urls" --replicas 3
  for w in $(seq 1 "$workers"); do start_worker "w$workers-$w"; done
  [ "$workers" = 1 ] && single=$(load "$addr" 1)
  results+=("$(load "$addr" "$jobs")")
  cat "$run"/w"$workers"-*.log >"$run/workers-$workers.log"
  stop_all
done

"$py" - "$jobs" "$embedded" "$single" "${results[0]}" "${results[1]}" \
  "$run/workers-1.log" "$run/workers-2.log" <<'EOF'
import json, re, statistics, sys
jobs = int(sys.argv[1])
embedded, single, r1, r2 = (json.loads(a) for a in sys.argv[2:6])
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]
def log_figures(path, last):
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    waits, renders = [], []
    for line in open(path, errors="replace"):
        line = ansi.sub("", line)
        if "job done" in line:
            waits.append(int(re.search(r"waited_ms=(\d+)", line).group(1)) / 1000)
            renders.append(int(re.search(r"render_ms=(\d+)", line).group(1)) / 1000)
    # The batch's jobs are the last ones done (the 1-worker run did a single export first).
    return waits[-last:], renders[-last:]
print(f"{'figure':44} {'1 worker':>10} {'2 workers':>10}")
rows = []
for r, log in ((r1, sys.argv[6]), (r2, sys.argv[7])):
    waits, renders = log_figures(log, jobs)
    rows.append({
        "throughput": jobs / r["makespan_s"] * 60,
        "wait50": pct(waits, 50), "wait95": pct(waits, 95),
        "e2e50": pct(r["e2e_s"], 50), "e2e95": pct(r["e2e_s"], 95),
        "render50": pct(renders, 50), "done": len(renders),
    })
for key, label, fmt in (
    ("throughput", f"throughput, {jobs} at once (exports/min)", "{:10.2f}"),
    ("wait50", "queue wait p50 (s)", "{:10.1f}"), ("wait95", "queue wait p95 (s)", "{:10.1f}"),
    ("e2e50", "end to end p50 (s)", "{:10.1f}"), ("e2e95", "end to end p95 (s)", "{:10.1f}"),
    ("render50", "render on a worker p50 (s)", "{:10.1f}"), ("done", "jobs done", "{:10d}"),
):
    print(f"{label:44} {fmt.format(rows[0][key])} {fmt.format(rows[1][key])}")
e, c = embedded["e2e_s"][0], single["e2e_s"][0]
print(f"\none export: embedded {e:.2f} s, cluster {c:.2f} s, ratio {c / e:.3f} (target <= 1.10)")
# Capacity model from the 1-worker run: a worker renders one job at a time with all its cores.
import os
render, cores = rows[0]["render50"], os.cpu_count()
per_hour = 3600 / render
print(f"\ncapacity: one promo-30s (0.5 output minutes) takes {render:.1f} s on a {cores}-core worker: "
      f"{render * 2:.0f} worker-seconds ({render * 2 * cores:.0f} CPU-seconds) per output minute, "
      f"{per_hour:.0f} exports per worker-hour; N such workers serve about {per_hour:.0f}·N exports "
      f"an hour (an agent exporting ~6 times an hour: ~{per_hour / 6:.0f} agents per worker)")
EOF
