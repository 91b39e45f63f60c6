#!/usr/bin/env python3
"""Run a command and print the peak of the summed resident memory of it and all its
descendants (reelsmith and its ffmpeg children together), sampled from /proc every 20 ms.

Usage: bench/peak-rss.py COMMAND [ARGS...]   → prints "peak_rss_mb <N>" on stderr at the end.
"""
import os
import subprocess
import sys
import time


def children():
    kids = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(pid))
    return kids


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss(root):
    kids = children()
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += rss_kb(p)
        todo.extend(kids.get(p, []))
    return total


proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak = 0
while proc.poll() is None:
    peak = max(peak, tree_rss(proc.pid))
    time.sleep(0.02)
print(f"peak_rss_mb {peak / 1024:.0f}", file=sys.stderr)
sys.exit(proc.returncode)
