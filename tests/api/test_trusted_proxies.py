"""X-Forwarded-For is believed only from VAULTRA_TRUSTED_PROXIES: by default not even from
loopback, so a client cannot reset the per-address sign-in limit by inventing addresses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.api.conftest import _api_deps, serve
from tests.cli.test_cli import CLEAN_ENV
from tests.deploy.test_two_replicas import free_port, stop, wait_until_ready
from tests.factories import KNOWLEDGE_INDEX, settings_for
from vaultra_mcp.errors import ConfigurationError
from vaultra_mcp.models import LoginFailure
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.settings import load_settings

LOGIN = "/api/v1/auth/login"
WRONG = {"email": "maya@northwind.example", "password": "not her password"}
VAULTRA = Path(sys.executable).with_name("vaultra")


async def addresses_counted(deps: Deps) -> list[str]:
    async with deps.db.sessions() as session:
        keys = await session.execute(
            select(col(LoginFailure.key)).where(col(LoginFailure.key).startswith("ip:"))
        )
    return sorted(key.removeprefix("ip:") for key in keys.scalars())


async def test_by_default_a_forwarded_address_from_loopback_is_ignored(database_url):
    async for deps in _api_deps(database_url):
        async for api in serve(deps, "127.0.0.1"):
            await api.post(LOGIN, json=WRONG, headers={"X-Forwarded-For": "203.0.113.77"})
        assert await addresses_counted(deps) == ["127.0.0.1"]


async def test_by_default_inventing_addresses_does_not_reset_the_address_limit(database_url):
    async for deps in _api_deps(database_url, auth={"login_failures_per_ip": 3}):
        async for api in serve(deps, "127.0.0.1"):
            for n in range(3):
                headers = {"X-Forwarded-For": f"203.0.113.{n}"}
                await api.post(LOGIN, json=WRONG | {"email": f"x{n}@e.example"}, headers=headers)

            response = await api.post(
                LOGIN, json=WRONG, headers={"X-Forwarded-For": "203.0.113.99"}
            )
    assert response.status_code == 429


async def test_a_listed_proxy_is_believed_about_the_client_behind_it(database_url):
    async for deps in _api_deps(database_url, http={"trusted_proxies": "10.0.0.0/8"}):
        async for api in serve(deps, "10.1.2.3"):
            await api.post(
                LOGIN, json=WRONG, headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.77"}
            )
        # the nearest address the proxy did not itself add is the client's (a client may
        # write anything at the left of the chain)
        assert await addresses_counted(deps) == ["203.0.113.77"]


async def test_a_peer_that_is_not_a_listed_proxy_is_not_believed(database_url):
    async for deps in _api_deps(database_url, http={"trusted_proxies": "10.0.0.0/8"}):
        async for api in serve(deps, "192.0.2.50"):
            await api.post(LOGIN, json=WRONG, headers={"X-Forwarded-For": "203.0.113.77"})
        assert await addresses_counted(deps) == ["192.0.2.50"]


def test_vaultra_serve_does_not_trust_forwarded_headers_from_loopback(tmp_path, sqlite_templates):
    """The real server, as `make run` and the image start it: uvicorn's own proxy handling
    (which trusts 127.0.0.1 by default) must stay off."""
    database = sqlite_templates.copy("empty", None, tmp_path / "serve.db")
    port, log = free_port(), tmp_path / "serve.log"
    env = {
        **CLEAN_ENV,  # no VAULTRA_TRUSTED_PROXIES: the default
        "DATABASE_URL": database,
        "VAULTRA_DATA_DIR": str(tmp_path),
        "VAULTRA_KNOWLEDGE_INDEX": str(KNOWLEDGE_INDEX),
        "VAULTRA_LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(VAULTRA), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(process, url, log)
        limit = 20  # VAULTRA_LOGIN_FAILURES_PER_IP's default
        for n in range(limit):
            httpx.post(
                url + LOGIN,
                json=WRONG | {"email": f"x{n}@e.example"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )

        response = httpx.post(url + LOGIN, json=WRONG, headers={"X-Forwarded-For": "198.51.100.1"})
    finally:
        stop(process)
    assert response.status_code == 429


@pytest.mark.parametrize("value", ["10.0.0.1", "10.0.0.0/8, 2001:db8::/32", "*", ""])
def test_trusted_proxies_take_addresses_networks_or_a_star(value):
    assert (
        settings_for("sqlite+aiosqlite://", http={"trusted_proxies": value}).http.trusted_proxies
        == value
    )


def test_a_trusted_proxy_that_is_not_an_address_stops_start_up(monkeypatch):
    monkeypatch.setenv("VAULTRA_TRUSTED_PROXIES", "ingress-nginx")
    with pytest.raises(ConfigurationError, match="trusted_proxies"):
        load_settings()
