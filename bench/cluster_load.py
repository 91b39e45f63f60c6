#!/usr/bin/env python3
"""Submit N exports of promo-30s at once to a reelsmith HTTP server and time each one.

Usage: cluster_load.py URL TOKEN N SCRIPT MUSIC STILL...

Makes N sessions with the same stills, music and script (each its own render job), then asks
for every export with wait_s 0 at the same moment and waits for them all. Prints one JSON
object: {"makespan_s": …, "e2e_s": [per job, submit → done]}. Uses the Python MCP SDK's
streamable HTTP client (scripts/test-tools installs it)."""
import asyncio
import json
import sys
import time

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def structured(r):
    # The SDK's field names changed between versions (isError → is_error).
    if getattr(r, "is_error", getattr(r, "isError", False)):
        raise SystemExit("tool error: " + " ".join(c.text for c in r.content if hasattr(c, "text")))
    value = getattr(r, "structured_content", None)
    return value if value is not None else r.structuredContent


async def main(url, token, n, script, music, stills):
    client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    client.timeout = None
    async with client:
        async with streamable_http_client(url, http_client=client) as streams:
            async with ClientSession(streams[0], streams[1]) as s:
                await s.initialize()
                sessions = []
                for _ in range(n):
                    up = structured(await s.call_tool("upload_media", {"files": stills + [music]}))
                    sid = up["session_id"]
                    structured(await s.call_tool("create_video", {
                        "session_id": sid,
                        "prompt": "a 30-second promo with crossfades",
                        "script": script,
                        "options": {"duration_s": 30, "transition": "fade"},
                    }))
                    sessions.append(sid)

                async def one(sid):
                    t0 = time.perf_counter()
                    structured(await s.call_tool("export_video", {"session_id": sid, "wait_s": 0}))
                    while True:
                        out = structured(await s.call_tool(
                            "export_video", {"session_id": sid, "wait_s": 600}))
                        if out["status"] == "done":
                            return time.perf_counter() - t0

                t0 = time.perf_counter()
                e2e = await asyncio.gather(*(one(sid) for sid in sessions))
                print(json.dumps({"makespan_s": time.perf_counter() - t0, "e2e_s": e2e}))


if __name__ == "__main__":
    url, token, n, script, music, *stills = sys.argv[1:]
    asyncio.run(main(url, token, int(n), open(script).read(), music, stills))
