#!/usr/bin/env python3
"""Cold start → tools/list time, tools/list size and idle RSS of `reelsmith serve` (stdio).

Usage: bench/mcp-startup.py [BINARY] [RUNS]   (default target/release/reelsmith, 10 runs)
Speaks raw JSON-RPC over the child's stdin/stdout (no SDK), so nothing but reelsmith is timed.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/reelsmith"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10


def send(p, msg):
    p.stdin.write((json.dumps(msg) + "\n").encode())
    p.stdin.flush()


def read_id(p, want):
    while True:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("server closed stdout")
        msg = json.loads(line)
        if msg.get("id") == want:
            return line, msg


times, sizes, rss = [], [], []
for _ in range(runs):
    home = tempfile.mkdtemp()
    env = dict(os.environ, REELSMITH_HOME=home, RUST_LOG="warn")
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    send(p, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
    read_id(p, 1)
    send(p, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    send(p, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    line, msg = read_id(p, 2)
    times.append((time.perf_counter() - t0) * 1000)
    sizes.append(len(json.dumps(msg["result"], separators=(",", ":")).encode()))
    time.sleep(1.0)
    with open(f"/proc/{p.pid}/status") as f:
        rss.append(next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024)
    p.stdin.close()
    p.wait(timeout=10)

print(f"cold start -> tools/list: median {statistics.median(times):.1f} ms (min {min(times):.1f}, max {max(times):.1f}, {runs} runs)")
print(f"tools/list result: {sizes[0]} bytes (compact JSON)")
print(f"idle RSS after tools/list: median {statistics.median(rss):.1f} MiB")
