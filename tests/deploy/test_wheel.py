"""The built wheel, installed into a fresh virtualenv and started from ``/`` as a client would:
the corpus travels inside the package and no default depends on the working directory."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from fastmcp import Client
from fastmcp.client.transports import StdioTransport

from tests.factories import HASH_KEY
from vaultra_mcp.services.identity import demo_token

ROOT = Path(__file__).resolve().parents[2]
TOKEN = demo_token(HASH_KEY, "devon@voltline.example", 7)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv holding only the wheel; its dependencies come from the test's own venv."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(work / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (work / "dist").glob("vaultra-*.whl")
    fresh = work / "venv"
    venv.create(fresh, with_pip=True)
    python = fresh / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Not a .pth of the project venv's own .pth files: its editable finder stays out of reach.
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return fresh


def client_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """What a client passes: the token and the database, and a home of its own."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "VAULTRA_TOKEN": TOKEN,
        "DATABASE_URL": database_url,
        **extra,
    }


async def test_the_installed_server_searches_its_packaged_corpus_from_the_root_directory(
    installed, tmp_path, demo_database_url
):
    server = StdioTransport(
        str(installed / "bin" / "vaultra-mcp"),
        [],
        env=client_env(tmp_path, demo_database_url),
        cwd="/",
    )
    async with Client(server) as client:
        found = await client.call_tool("search_knowledge", {"query": "SBA 7(a) eligibility"})
    out = found.structured_content
    assert out["passages"] and not out["low_confidence"]
    assert "sba-7a" in out["documents"]
    assert all(d["url"].startswith("https://") for d in out["documents"].values())
    assert (tmp_path / "data" / "vaultra" / "knowledge.sqlite").exists()  # per-user data dir


async def test_a_missing_corpus_is_a_configuration_error_naming_the_setting(
    installed, tmp_path, demo_database_url
):
    env = client_env(tmp_path, demo_database_url, VAULTRA_KNOWLEDGE_DIR=str(tmp_path / "nowhere"))
    server = StdioTransport(str(installed / "bin" / "vaultra-mcp"), [], env=env, cwd="/")
    async with Client(server) as client:
        result = await client.call_tool(
            "search_knowledge", {"query": "SBA 7(a) eligibility"}, raise_on_error=False
        )
    assert result.is_error
    assert result.structured_content["error"] == "NOT_CONFIGURED"
    assert "VAULTRA_KNOWLEDGE_DIR" in result.structured_content["message"]


def test_doctor_shows_the_packaged_corpus_and_the_user_data_directory(installed, tmp_path):
    result = subprocess.run(
        [str(installed / "bin" / "vaultra"), "doctor"],
        env=client_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/none.db"),
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "site-packages/vaultra_knowledge" in result.stdout
    assert "the per-user data directory" in result.stdout
