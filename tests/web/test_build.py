"""The web build: what `make web` does without Node, and what the built pages may contain."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.conftest import ROOT, WEB_BUILD

PAGES = sorted(WEB_BUILD.glob("**/*.html"))
built = pytest.mark.skipif(not PAGES, reason="the web app is not built (make web)")


def test_without_node_the_build_says_what_is_missing_and_succeeds(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_web.py")],
        env={"PATH": str(tmp_path)},  # no node, no npm
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0
    assert "NOT BUILT: Node.js and npm were not found" in result.stdout
    assert "the API and MCP still run" in result.stdout


@built
@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(WEB_BUILD)))
def test_a_built_page_has_no_inline_script_or_style(page: Path):
    html = page.read_text()

    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all(re.search(r'\bsrc="/_astro/', tag) for tag in scripts), scripts
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    assert not re.search(r'<(?:script|link|img)\b[^>]*(?:src|href)="(?:https?:)?//', html)


@built
def test_every_asset_is_bundled_under_a_hashed_name():
    assets = [p for p in (WEB_BUILD / "_astro").iterdir() if p.suffix in (".js", ".css")]

    assert assets and all(re.search(r"\.[A-Za-z0-9_-]{8}\.(js|css)$", p.name) for p in assets)
