"""The official Python MCP SDK drives reelsmith end to end over stdio and streamable HTTP:
upload -> create -> get_timeline -> export, checking the MP4, the preview image and progress.
With REELSMITH_HTTP_TOKEN set, a request without the token gets 401.

Run by scripts/test after `cargo build`; REELSMITH_BIN names the binary under test.
"""

import asyncio
import logging
import base64
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

BIN = os.environ.get("REELSMITH_BIN") or str(
    Path(__file__).resolve().parents[2] / "target" / "debug" / "reelsmith"
)
TOKEN = "py-test-token-7f3a"


def make_stills(dir: Path, n: int = 3) -> list[str]:
    paths = []
    for i in range(n):
        w, h = (1280, 720) if i % 2 == 0 else (720, 900)
        p = dir / f"still{i}.jpg"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={w}x{h}",
             "-vf", f"hue=h={i * 60}", "-frames:v", "1", str(p)],
            check=True,
        )
        paths.append(str(p))
    return paths


def structured(result) -> dict:
    value = getattr(result, "structured_content", None)
    if value is None:
        value = getattr(result, "structuredContent", None)
    assert value is not None, f"no structured content: {result}"
    return value


def is_error(result) -> bool:
    return bool(getattr(result, "is_error", getattr(result, "isError", False)))


def text(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def workflow(session: ClientSession, work: Path) -> None:
    """upload -> create -> get_timeline -> export, with every check the issue asks for."""
    tools = await session.list_tools()
    names = sorted(t.name for t in tools.tools)
    assert names == ["check_credits", "create_video", "export_video", "get_timeline", "upload_media"]

    up = await session.call_tool("upload_media", {"files": make_stills(work)})
    assert not is_error(up), text(up)
    sid = structured(up)["session_id"]
    assert len(structured(up)["media"]) == 3

    created = await session.call_tool(
        "create_video",
        {"prompt": "a 4 second promo titled \"Python SDK\"", "session_id": sid,
         "options": {"resolution": "720p", "music": True}},
    )
    assert not is_error(created), text(created)
    assert structured(created)["action"] == "created"
    images = [c for c in created.content if getattr(c, "type", "") == "image"]
    assert len(images) == 1
    assert (getattr(images[0], "mime_type", None) or getattr(images[0], "mimeType", None)) == "image/jpeg"
    data = base64.b64decode(images[0].data)
    assert data[:2] == b"\xff\xd8", "preview is a JPEG"

    tl = await session.call_tool("get_timeline", {"session_id": sid})
    assert not is_error(tl), text(tl)
    assert structured(tl)["revision"] == 1
    assert structured(tl)["timeline"]["d"] == 4000
    assert any(getattr(c, "type", "") == "image" for c in tl.content)

    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(p: float, total: float | None, message: str | None) -> None:
        progress.append((p, total, message))

    out = work / "py export.mp4"
    exported = await session.call_tool(
        "export_video",
        {"session_id": sid, "output_path": str(out), "wait_s": 300},
        progress_callback=on_progress,
    )
    assert not is_error(exported), text(exported)
    assert structured(exported)["status"] == "done"
    assert out.is_file() and out.stat().st_size > 10_000
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(out)],
        check=True, capture_output=True, text=True).stdout)
    video = next(s for s in probe["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (1280, 720)
    assert abs(float(probe["format"]["duration"]) - 4.0) <= 0.1
    assert progress, "no progress notifications arrived"
    assert any(m and "Rendering" in m for _, _, m in progress), progress
    values = [p for p, _, _ in progress]
    assert all(a < b for a, b in zip(values, values[1:])), values


def server_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["REELSMITH_HOME"] = str(home)
    env.pop("REELSMITH_BACKEND", None)
    env["RUST_LOG"] = "warn"
    return env


def test_stdio_workflow(tmp_path: Path) -> None:
    async def run() -> None:
        params = StdioServerParameters(command=BIN, args=["serve"], env=server_env(tmp_path / "home"))
        async with stdio_client(params) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                await workflow(session, tmp_path)

    asyncio.run(run())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def http_server(tmp_path: Path):
    port = free_port()
    env = server_env(tmp_path / "home")
    env["REELSMITH_HTTP_TOKEN"] = TOKEN
    # Over HTTP the server reads and writes only under these folders.
    env["REELSMITH_ALLOWED_DIRS"] = str(tmp_path / "allowed")
    (tmp_path / "allowed").mkdir()
    proc = subprocess.Popen([BIN, "serve", "--http", f"127.0.0.1:{port}"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/mcp"
    proc.terminate()
    proc.wait(timeout=10)


def test_http_workflow_with_token(http_server: str, tmp_path: Path) -> None:
    async def run() -> None:
        client = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
        async with client:
            async with streamable_http_client(http_server, http_client=client) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    await session.initialize()
                    # A file outside the allowed folders is refused, naming the file and the rule.
                    outside = make_stills(tmp_path, 1)[0]
                    r = await session.call_tool("upload_media", {"files": [outside]})
                    assert is_error(r) and "outside the folders" in text(r), text(r)
                    await workflow(session, tmp_path / "allowed")

    asyncio.run(run())


def test_http_without_token_is_401(http_server: str) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}}).encode()
    req = urllib.request.Request(http_server, data=body, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 401
    assert "Bearer" in e.value.headers.get("WWW-Authenticate", "")


def test_http_session_end_logs_no_warning(http_server: str, caplog: pytest.LogCaptureFixture) -> None:
    """Leaving the `async with` makes the SDK DELETE its session; it warns unless that is 200/204."""
    session_ids: list[str] = []

    deletes: list[int] = []

    async def on_response(response) -> None:
        sid = response.headers.get("mcp-session-id")
        if sid and not session_ids:
            session_ids.append(sid)
        if response.request.method == "DELETE":
            deletes.append(response.status_code)

    async def run() -> None:
        client = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
        client.event_hooks["response"].append(on_response)
        async with client:
            async with streamable_http_client(http_server, http_client=client) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    await session.initialize()
                    await session.list_tools()

    with caplog.at_level(logging.DEBUG):
        asyncio.run(run())
    assert session_ids and session_ids[0], "the server gave no session id"
    noisy = [r.getMessage() for r in caplog.records
             if r.levelno >= logging.WARNING or "termination" in r.getMessage().lower()]
    assert not noisy, noisy
    assert deletes == [200], deletes
    # The session is really gone: a request naming it is refused.
    req = urllib.request.Request(http_server, method="GET", headers={
        "Authorization": f"Bearer {TOKEN}", "Accept": "text/event-stream",
        "Mcp-Session-Id": session_ids[0], "MCP-Protocol-Version": "2025-06-18"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 404, e.value.code
