"""The Claude Desktop extension bundle: validated by the official mcpb CLI, carrying the code,
the corpus and a manifest that matches the live server."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("npm") is None, reason="needs Node.js and npm")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("mcpb")
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_mcpb.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("vaultra-*.mcpb")
    return zipfile.ZipFile(built)


def test_the_bundle_carries_the_server_the_corpus_and_its_dependencies_list(bundle):
    names = set(bundle.namelist())
    assert {
        "manifest.json",
        "pyproject.toml",
        "setup.py",
        "vaultra_mcp/server/__main__.py",
    } <= names
    corpus = {n for n in names if n.startswith("knowledge/") and n.endswith(".md")}
    assert len(corpus) == len(list((ROOT / "knowledge").glob("*.md")))
    assert not any("__pycache__" in n or n.startswith(("tests/", ".venv/")) for n in names)


def test_the_manifest_lists_the_live_tools_and_keeps_the_token_secret(bundle):
    manifest = json.loads(bundle.read("manifest.json"))
    assert manifest["server"]["type"] == "uv"
    assert {t["name"] for t in manifest["tools"]} == {
        "get_readiness_breakdown",
        "get_top_recommendations",
        "get_metric_summary",
        "get_business_context",
        "get_funding_options",
        "simulate_readiness",
        "search_knowledge",
        "list_businesses",
        "update_recommendation_status",
    }
    token = manifest["user_config"]["vaultra_token"]
    assert token["sensitive"] is True and token["required"] is True
    env = manifest["server"]["mcp_config"]["env"]
    assert env["VAULTRA_TOKEN"] == "${user_config.vaultra_token}"
