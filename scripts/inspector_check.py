"""List and call every tool with the MCP Inspector CLI, over stdio and over Streamable HTTP.

    python scripts/inspector_check.py

Uses @modelcontextprotocol/inspector 0.15.0 (the newest that runs on Node 20), installed into
scripts/inspector/ on first use. That version's CLI cannot send headers, so over HTTP it talks
to a small local proxy that adds the bearer token. The Inspector exits 0 even when a tool returns
isError, so every result's JSON is checked. Exits non-zero on the first failure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

ROOT = Path(__file__).resolve().parents[1]
INSPECTOR_DIR = ROOT / "scripts" / "inspector"
INSPECTOR = INSPECTOR_DIR / "node_modules" / ".bin" / "mcp-inspector"
CALLS: list[tuple[str, dict[str, str]]] = [
    ("list_businesses", {}),
    ("get_business_context", {}),
    ("get_readiness_breakdown", {}),
    ("get_top_recommendations", {"limit": "2"}),
    ("get_metric_summary", {"period": "6m"}),
    ("get_funding_options", {}),
    ("simulate_readiness", {"changes": '{"dispute_activity_pct": 0.2}'}),
    ("search_knowledge", {"query": "Stripe Capital eligibility", "top_k": "2"}),
    ("update_recommendation_status", {"recommendation_id": "{rec}", "status": "accepted"}),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def install_inspector() -> None:
    if not INSPECTOR.exists():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=INSPECTOR_DIR,
            check=True,
        )


def inspect(
    target: list[str], method: str, env: dict[str, str] | None = None, **options: object
) -> dict:
    args = [str(INSPECTOR), "--cli"]
    for key, value in (env or {}).items():
        args += ["-e", f"{key}={value}"]
    args += [*target, "--method", method]
    if "tool" in options:
        args += ["--tool-name", str(options["tool"])]
        for key, value in dict(options.get("args", {})).items():  # type: ignore[call-overload]
            args += ["--tool-arg", f"{key}={value}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"inspector failed ({method}): {done.stderr.strip()[-500:]}")
    start = done.stdout.index("{")
    return json.loads(done.stdout[start:])


def check(target: list[str], label: str, env: dict[str, str] | None = None) -> None:
    listed = inspect(target, "tools/list", env)
    names = sorted(t["name"] for t in listed["tools"])
    if len(names) != 9:
        raise SystemExit(f"{label}: expected 9 tools, got {names}")
    rec = inspect(target, "tools/call", env, tool="get_top_recommendations", args={"status": "all"})
    rec_id = str(rec["structuredContent"]["recommendations"][0]["id"])
    for tool, args in CALLS:
        args = {k: v.replace("{rec}", rec_id) for k, v in args.items()}
        result = inspect(target, "tools/call", env, tool=tool, args=args)
        if result.get("isError"):
            raise SystemExit(f"{label}: {tool} returned isError: {result}")
        print(f"  {label:5} {tool:30} ok  {result['content'][0]['text'][:70]}")


def proxy(upstream: str, token: str) -> Starlette:
    """Forwards /mcp to ``upstream`` with the Authorization header the CLI cannot send."""
    client = httpx.AsyncClient(timeout=60)

    async def forward(request: Request) -> Response:
        skip = ("host", "content-length")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in skip}
        headers["authorization"] = f"Bearer {token}"
        upstream_request = client.build_request(
            request.method, upstream, headers=headers, content=await request.body()
        )
        reply = await client.send(upstream_request, stream=True)
        drop = {"content-length", "transfer-encoding", "content-encoding"}
        kept = {k: v for k, v in reply.headers.items() if k.lower() not in drop}

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in reply.aiter_raw():
                    yield chunk
            except httpx.HTTPError:
                pass  # the server went away mid-stream (it is being stopped)
            finally:
                await reply.aclose()

        return StreamingResponse(body(), reply.status_code, kept)

    return Starlette(routes=[Route("/mcp", forward, methods=["GET", "POST", "DELETE"])])


def serve_in_thread(app: Starlette, port: int) -> None:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)


def main() -> None:
    install_inspector()
    work = Path(tempfile.mkdtemp(prefix="vaultra-inspector-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{work / 'demo.db'}",
        "VAULTRA_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
        "VAULTRA_KNOWLEDGE_INDEX": str(work / "knowledge.sqlite"),
        "VAULTRA_LOG_LEVEL": "WARNING",
    }
    demo = subprocess.run(
        [sys.executable, "-m", "vaultra_mcp.cli", "demo", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    devon = next(u for u in json.loads(demo.stdout)["users"] if u["email"].startswith("devon"))
    server_env = {
        k: env[k] for k in ("DATABASE_URL", "VAULTRA_KNOWLEDGE_DIR", "VAULTRA_KNOWLEDGE_INDEX")
    }

    print("stdio:")
    check(
        [sys.executable, "-m", "vaultra_mcp.server"],
        "stdio",
        {**server_env, "VAULTRA_TOKEN": devon["token"]},
    )

    print("http:")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "vaultra_mcp.server", "--transport", "http", "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        proxy_port = free_port()
        serve_in_thread(proxy(f"http://127.0.0.1:{port}/mcp", devon["token"]), proxy_port)
        check([f"http://127.0.0.1:{proxy_port}/mcp", "--transport", "http"], "http")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("MCP Inspector CLI: every tool listed and called over stdio and HTTP.")


if __name__ == "__main__":
    main()
