"""A real `vaultra serve` on 127.0.0.1 over the demo data, and Debian's Chromium driven by
Playwright (no browser download: ``executable_path``). One server and one browser per module.

Without Chromium, Playwright or a web build the tests skip, and ``tests/conftest.py`` says so
in the summary in capitals, so a green run cannot hide that no browser ran.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import seed_demo
from tests.databases import SqliteTemplates
from tests.factories import HASH_KEY
from vaultra_mcp.services.identity import demo_password, demo_token

ROOT = Path(__file__).resolve().parents[2]
WEB_BUILD = ROOT / "web" / "dist"
CHROMIUM = Path(os.environ.get("VAULTRA_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / ".artifacts" / "browser"
START_TIMEOUT = 60.0


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (make setup)"
    if not (WEB_BUILD / "index.html").is_file():
        return "the web app is not built (make web; needs Node.js 20.3+)"
    return None


@dataclass(frozen=True)
class Owner:
    email: str
    password: str
    token: str
    business_ids: tuple[int, ...]


def owner(email: str, *business_ids: int) -> Owner:
    return Owner(
        email, demo_password(HASH_KEY, email, 7), demo_token(HASH_KEY, email, 7), business_ids
    )


MAYA = owner("maya@northwind.example", 1, 2)
DEVON = owner("devon@voltline.example", 3)
PRIYA = owner("priya@brightside.example", 4)
TOM = owner("tom@oldmill.example", 5)
SAM = owner("sam@sprout.example", 6)


@dataclass
class Server:
    url: str

    def api(self, who: Owner, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {who.token}", **kwargs.pop("headers", {})}
        return httpx.request(method, f"{self.url}/api/v1{path}", headers=headers, **kwargs)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_templates: SqliteTemplates
) -> Iterator[Server]:
    reason = browser_unavailable()
    if reason is not None:
        pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")
    home = tmp_path_factory.mktemp("web")
    database = sqlite_templates.copy("demo", seed_demo, home / "vaultra.db")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("VAULTRA_", "DATABASE_URL"))},
        "DATABASE_URL": database,
        "VAULTRA_DATA_DIR": str(home),
        "VAULTRA_KNOWLEDGE_INDEX": str(home / "knowledge.sqlite"),
        "VAULTRA_WEB_DIR": str(WEB_BUILD),
        "VAULTRA_PUBLIC_URL": url,
        "STRIPE_CONNECT_CLIENT_ID": "ca_test_vaultra",
        "VAULTRA_LOG_LEVEL": "WARNING",
    }
    log = home / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "vaultra_mcp.cli", "serve", "--port", str(port)],
            cwd=home,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(process, url, log)
        yield Server(url)
    finally:
        process.terminate()
        process.wait(timeout=15)


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"vaultra serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"vaultra serve did not become ready in {START_TIMEOUT:.0f} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
