#!/usr/bin/env python3
"""Drive `reelsmith serve` (nemo backend) over raw stdio JSON-RPC: one upload_media call.
Prints "<seconds> <peak RSS MB>" (VmHWM of the server process, read before it exits)."""
import json
import os
import subprocess
import sys
import tempfile
import time

binary, base, path = sys.argv[1:4]
env = dict(os.environ, REELSMITH_HOME=tempfile.mkdtemp(), REELSMITH_BACKEND="nemo",
           NEMO_API_URL=base, RUST_LOG="warn")
env.pop("NEMO_TOKEN", None)
p = subprocess.Popen([binary, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)


def send(msg):
    p.stdin.write((json.dumps(msg) + "\n").encode())
    p.stdin.flush()


def wait(i):
    while True:
        m = json.loads(p.stdout.readline())
        if m.get("id") == i:
            return m


send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
wait(1)
send({"jsonrpc": "2.0", "method": "notifications/initialized"})
t0 = time.perf_counter()
send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
      "params": {"name": "upload_media", "arguments": {"files": [path]}}})
r = wait(2)
dt = time.perf_counter() - t0
assert not r["result"].get("isError"), r
with open(f"/proc/{p.pid}/status") as f:
    hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
p.stdin.close()
p.wait(timeout=10)
print(f"{dt:.3f} {hwm:.1f}")
