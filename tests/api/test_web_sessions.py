"""Browser sessions: an HttpOnly cookie that only this origin can use to change anything.

A cookie rides along on every request the browser makes to us, including ones another site
triggers, so every unsafe request it authenticates must come from our own origin; bearer
tokens carry no such ambient authority and keep working unchanged.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from tests.api.conftest import DEVON, _api_deps, bearer, count, serve
from tests.factories import HASH_KEY
from vaultra_mcp.models import Business, WebSession
from vaultra_mcp.services.identity import demo_password

ORIGIN = {"Origin": "http://testserver"}
FOREIGN = {"Origin": "https://evil.example"}
DEVON_EMAIL = "devon@voltline.example"
DEVON_LOGIN = {"email": DEVON_EMAIL, "password": demo_password(HASH_KEY, DEVON_EMAIL, 7)}


async def sign_in(api: httpx.AsyncClient) -> httpx.Response:
    response = await api.post("/api/v1/auth/session", json=DEVON_LOGIN, headers=ORIGIN)
    assert response.status_code == 200, response.text
    return response


async def test_signing_in_sets_an_httponly_lax_cookie_that_authenticates(api):
    response = await sign_in(api)
    cookie = response.headers["set-cookie"].lower()
    me = await api.get("/api/v1/users/me")

    assert cookie.startswith("vaultra_session=vss_")
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "max-age=28800" in cookie and "secure" not in cookie
    assert me.status_code == 200 and me.json()["email"] == DEVON_EMAIL


async def test_over_https_the_cookie_is_secure_with_the_host_prefix(demo_database_url):
    async for deps in _api_deps(
        demo_database_url, http={"public_url": "https://app.vaultra.example"}
    ):
        async for client in serve(deps):
            response = await client.post(
                "/api/v1/auth/session",
                json=DEVON_LOGIN,
                headers={"Origin": "https://app.vaultra.example"},
            )
    cookie = response.headers["set-cookie"].lower()

    assert response.status_code == 200
    assert cookie.startswith("__host-vaultra_session=") and "; secure" in cookie
    assert "domain=" not in cookie


async def test_only_the_hash_of_the_session_is_stored(api, api_deps):
    response = await sign_in(api)
    token = api.cookies["vaultra_session"]
    async with api_deps.db.sessions() as session:
        stored = (await session.execute(select(WebSession.token_hash))).scalars().all()

    assert response.json()["user_id"] == DEVON
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


async def test_a_cross_site_request_with_the_cookie_is_refused_and_writes_nothing(api, api_deps):
    await sign_in(api)
    before = await count(api_deps, Business)

    forged = await api.post(
        "/api/v1/users/businesses", json={"name": "Forged Ltd"}, headers=FOREIGN
    )

    assert forged.status_code == 403 and forged.json()["error"] == "CROSS_SITE_REQUEST"
    assert await count(api_deps, Business) == before


async def test_an_unsafe_cookie_request_without_an_origin_is_refused(api, api_deps):
    await sign_in(api)

    anonymous_origin = await api.post("/api/v1/users/businesses", json={"name": "No Origin"})

    assert anonymous_origin.status_code == 403
    assert await count(api_deps, Business, Business.name == "No Origin") == 0


@pytest.mark.parametrize(
    "headers",
    [ORIGIN, {"Sec-Fetch-Site": "same-origin"}],
    ids=["origin", "fetch-metadata"],
)
async def test_a_same_origin_unsafe_request_with_the_cookie_works(api, api_deps, headers):
    await sign_in(api)

    created = await api.post("/api/v1/users/businesses", json={"name": "Own Ltd"}, headers=headers)

    assert created.status_code == 201, created.text
    assert await count(api_deps, Business, Business.name == "Own Ltd") == 1


async def test_reads_with_the_cookie_need_no_origin(api):
    await sign_in(api)

    assert (await api.get("/api/v1/readiness", headers=FOREIGN)).status_code == 200


async def test_signing_in_from_another_site_is_refused(api, api_deps):
    response = await api.post("/api/v1/auth/session", json=DEVON_LOGIN, headers=FOREIGN)

    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert await count(api_deps, WebSession) == 0


async def test_a_wrong_password_opens_no_session(api, api_deps):
    response = await api.post(
        "/api/v1/auth/session", json={**DEVON_LOGIN, "password": "not-the-password"}, headers=ORIGIN
    )

    assert response.status_code == 401 and "set-cookie" not in response.headers
    assert await count(api_deps, WebSession) == 0


async def test_signing_out_revokes_the_session_so_a_copied_cookie_stops_working(api):
    await sign_in(api)
    copied = api.cookies["vaultra_session"]

    out = await api.delete("/api/v1/auth/session", headers=ORIGIN)
    api.cookies.set("vaultra_session", copied)
    after = await api.get("/api/v1/users/me")

    assert out.status_code == 204 and 'vaultra_session=""' in out.headers["set-cookie"]
    assert after.status_code == 401 and after.json()["error"] == "SESSION_EXPIRED"


async def test_a_session_idle_past_its_limit_ends(api, api_deps):
    await sign_in(api)
    api_deps.clock.moment += timedelta(minutes=api_deps.settings.auth.session_idle_minutes)

    assert (await api.get("/api/v1/users/me")).status_code == 401


async def test_a_used_session_ends_at_its_absolute_lifetime(api, api_deps):
    await sign_in(api)
    for _ in range(api_deps.settings.auth.session_ttl_minutes // 50):
        api_deps.clock.moment += timedelta(minutes=50)
        still = await api.get("/api/v1/users/me")
        assert still.status_code == 200
    api_deps.clock.moment += timedelta(minutes=50)

    assert (await api.get("/api/v1/users/me")).status_code == 401


async def test_a_bearer_token_wins_over_a_cookie_and_needs_no_origin(api, api_deps):
    api.cookies.set("vaultra_session", "vss_not-a-session")

    created = await api.post(
        "/api/v1/users/businesses",
        json={"name": "Bearer Ltd"},
        headers={**bearer(api_deps, DEVON), **FOREIGN},
    )

    assert created.status_code == 201
    assert await count(api_deps, Business, Business.name == "Bearer Ltd") == 1


async def test_a_made_up_cookie_is_unauthenticated(api):
    api.cookies.set("vaultra_session", "vss_made-up")

    response = await api.get("/api/v1/users/me")

    assert response.status_code == 401 and response.json()["error"] == "SESSION_EXPIRED"
