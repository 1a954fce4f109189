"""The web app at ``/``: caching, security headers, what ``/`` says without a build, and the
configuration and API contract the pages are built against."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from api_shell.app import openapi_document
from api_shell.web import CSP
from tests.api.conftest import _api_deps, serve
from vaultra_mcp.services.web_config import method_urls

ROOT = Path(__file__).resolve().parents[2]
ASSET = "_astro/app.3f9a1c.js"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A stand-in for ``web/dist``: two pages, a hashed asset and the 404 page."""
    (tmp_path / "_astro").mkdir()
    (tmp_path / "dashboard").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>home</title>")
    (tmp_path / "dashboard" / "index.html").write_text("<!doctype html><title>dashboard</title>")
    (tmp_path / "404.html").write_text("<!doctype html><title>not found</title>")
    (tmp_path / ASSET).write_text("console.log('vaultra');" * 200)
    return tmp_path


@pytest.fixture
async def web(database_url: str, site: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for deps in _api_deps(database_url, http={"web_dir": str(site)}):
        async for client in serve(deps):
            yield client


async def test_pages_are_revalidated_on_every_load(web):
    page = await web.get("/dashboard/")

    assert page.status_code == 200 and "dashboard" in page.text
    assert page.headers["cache-control"] == "no-cache" and page.headers["etag"]


async def test_hashed_assets_are_cached_for_a_year_and_compressed(web):
    asset = await web.get(f"/{ASSET}", headers={"Accept-Encoding": "gzip"})

    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-encoding"] == "gzip"


async def test_a_directory_url_without_its_slash_is_redirected(web):
    response = await web.get("/dashboard")

    assert response.status_code == 307 and response.headers["location"].endswith("/dashboard/")


async def test_an_unknown_page_is_the_404_page(web):
    response = await web.get("/no-such-page/")

    assert response.status_code == 404 and "not found" in response.text


async def test_the_api_still_answers_beside_the_site(web):
    assert (await web.get("/api/v1/users/me")).status_code == 401
    assert (await web.get("/api/v1/no-such-route")).json()["error"] == "NOT_FOUND"


@pytest.mark.parametrize("path", ["/dashboard/", "/api/v1/openapi.json", "/healthz"])
async def test_every_response_carries_the_security_headers(web, path):
    headers = (await web.get(path)).headers

    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in headers  # plain HTTP: HSTS would be ignored


def test_the_policy_allows_no_inline_script_and_no_other_origin():
    directives = dict(d.split(" ", 1) for d in CSP.split("; "))

    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in CSP and "*" not in CSP


async def test_over_https_responses_carry_hsts(database_url, site):
    async for deps in _api_deps(
        database_url,
        http={"web_dir": str(site), "public_url": "https://v.example"},
    ):
        async for client in serve(deps):
            headers = (await client.get("/healthz")).headers

    assert headers["strict-transport-security"].startswith("max-age=31536000")


async def test_without_a_build_the_root_says_what_is_missing_and_the_api_runs(database_url):
    async for deps in _api_deps(database_url, http={"web_dir": ""}):
        async for client in serve(deps):
            root = await client.get("/")
            health = await client.get("/healthz")

    assert root.status_code == 503 and "not built" in root.text and "Node.js" in root.text
    assert health.status_code == 200


async def test_the_web_config_names_what_to_show_and_the_citable_hosts(web):
    config = (await web.get("/api/v1/web/config")).json()

    assert config["assistant"] == "offline" and config["stripe_connect"] is True
    assert config["google_signin"] is False
    assert {urlsplit(u).hostname.removeprefix("www.") for u in method_urls()} <= set(
        config["source_hosts"]
    )
    assert all("/" not in host and "." in host for host in config["source_hosts"])
    assert any(d["doc_id"] == "vaultra-readiness-score" for d in config["documents"])
    assert config["mcp_url"] == "http://testserver/mcp"


def test_the_web_apps_copy_of_the_openapi_document_is_current():
    committed = json.loads((ROOT / "web" / "openapi.json").read_text())

    assert committed == openapi_document(), "run scripts/export_openapi.py, then npm run api-types"
