"""Sign in with Google: OIDC code flow with state, nonce and PKCE, against a fake Google."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import col

from tests.api.conftest import _api_deps, count, serve
from tests.fakes.fixtures import Running
from tests.fakes.google_oidc import GoogleState, Tamper
from vaultra_mcp.models import User


@pytest.fixture
async def google_deps(database_url, google_fake: Running[GoogleState]):
    async for deps in _api_deps(
        database_url,
        auth={
            "google_client_id": google_fake.state.client_id,
            "google_client_secret": google_fake.state.client_secret,
            "google_discovery_url": f"{google_fake.url}/.well-known/openid-configuration",
        },
        llm={"provider_retries": 0},
    ):
        yield deps


@pytest.fixture
async def google_api(google_deps) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(google_deps):
        yield client


async def consent(google_api) -> str:
    """Start at Vaultra, let the user consent at Google; the callback path Google sends back."""
    start = await google_api.get("/api/v1/auth/login/google")
    assert start.status_code == 302, start.text
    async with httpx.AsyncClient() as browser:
        at_google = await browser.get(start.headers["location"])
    assert at_google.status_code == 302, at_google.text
    back = urlsplit(at_google.headers["location"])
    return f"{back.path}?{back.query}"


async def test_the_redirect_to_google_carries_state_nonce_and_an_s256_challenge(
    google_api, google_fake
):
    location = (await google_api.get("/api/v1/auth/login/google")).headers["location"]
    query = parse_qs(urlsplit(location).query)

    assert location.startswith(f"{google_fake.url}/o/oauth2/v2/auth?")
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43 and query["nonce"] and query["state"]
    assert query["scope"] == ["openid email profile"]
    assert query["redirect_uri"] == ["http://testserver/api/v1/auth/callback/google"]


async def test_a_first_google_sign_in_creates_the_account_and_returns_a_token(
    google_api, google_deps
):
    response = await google_api.get(await consent(google_api))
    me = await google_api.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )

    assert response.status_code == 200
    assert me.json()["email"] == GoogleState().users[0].email
    assert await count(google_deps, User, col(User.google_subject).is_not(None)) == 1


async def test_the_verifier_sent_to_google_matches_the_challenge(google_api, google_fake):
    callback = await consent(google_api)
    await google_api.get(callback)

    sent = google_fake.state.bodies("/token")[-1]
    challenge = google_fake.state.requests[1].query["code_challenge"][0]
    digest = hashlib.sha256(sent["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge


async def test_signing_in_again_finds_the_same_account(google_api, google_deps):
    first = await google_api.get(await consent(google_api))
    second = await google_api.get(await consent(google_api))

    assert first.json()["user_id"] == second.json()["user_id"]
    assert await count(google_deps, User) == 1


async def test_an_existing_password_account_with_that_email_is_linked(google_api, google_deps):
    email = GoogleState().users[0].email
    await google_api.post(
        "/api/v1/auth/signup", json={"email": email, "password": "a long password 1"}
    )

    response = await google_api.get(await consent(google_api))

    assert response.status_code == 200
    assert await count(google_deps, User) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        Tamper.WRONG_ISSUER,
        Tamper.WRONG_AUDIENCE,
        Tamper.EXPIRED,
        Tamper.ISSUED_IN_FUTURE,
        Tamper.UNKNOWN_SIGNING_KEY,
        Tamper.UNKNOWN_KID,
        Tamper.ALG_NONE,
        Tamper.EMAIL_UNVERIFIED,
        Tamper.WRONG_NONCE,
    ],
)
async def test_an_id_token_that_does_not_verify_signs_no_one_in(
    google_api, google_deps, google_fake, tamper
):
    callback = await consent(google_api)
    google_fake.state.tamper_next = tamper

    response = await google_api.get(callback)

    assert response.status_code == 401 and response.json()["error"] == "GOOGLE_SIGNIN_FAILED"
    assert await count(google_deps, User) == 0


async def test_a_callback_state_works_once(google_api, google_deps):
    callback = await consent(google_api)
    await google_api.get(callback)

    again = await google_api.get(callback)

    assert again.status_code == 400 and again.json()["error"] == "INVALID_STATE"


async def test_a_callback_without_a_state_we_issued_is_refused_before_google_is_asked(
    google_api, google_fake
):
    before = len(google_fake.state.requests)

    response = await google_api.get(
        "/api/v1/auth/callback/google", params={"code": "4/0Afake", "state": "x" * 43}
    )

    assert response.status_code == 400
    assert len(google_fake.state.requests) == before


async def test_google_being_down_is_a_502(google_api, google_deps, google_fake):
    callback = await consent(google_api)
    google_fake.state.down = True

    response = await google_api.get(callback)

    assert response.status_code == 502
    assert await count(google_deps, User) == 0


async def test_without_google_configured_the_start_is_503(empty_api):
    response = await empty_api.get("/api/v1/auth/login/google")

    assert response.status_code == 503 and response.json()["error"] == "CONFIGURATION_ERROR"


async def test_a_browser_coming_back_from_google_gets_a_session_cookie_and_the_dashboard(
    google_api,
):
    response = await google_api.get(await consent(google_api), headers={"Accept": "text/html"})
    me = await google_api.get("/api/v1/auth/me")

    assert response.status_code == 303 and response.headers["location"] == "/dashboard/"
    assert "httponly" in response.headers["set-cookie"].lower()
    assert me.status_code == 200 and me.json()["email"] == GoogleState().users[0].email


async def test_a_browser_whose_google_sign_in_fails_goes_back_to_sign_in_without_a_cookie(
    google_api,
):
    response = await google_api.get(
        "/api/v1/auth/callback/google?code=abc&state=forged", headers={"Accept": "text/html"}
    )

    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin/?error=")
    assert "set-cookie" not in response.headers
