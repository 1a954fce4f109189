"""The Google OIDC fake behaves like Google for a client that does the code flow right.

The client here is deliberately plain (httpx plus PyJWT) and checks what Vaultra's must:
``state`` round trip, PKCE S256, the ID token's signature against the JWKS, ``iss``, ``aud``,
``exp``, ``iat``, ``nonce`` and ``email_verified``.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.fakes.fixtures import Running
from tests.fakes.google_oidc import (
    GOOGLE_ISSUER,
    GoogleState,
    Tamper,
    build_google_app,
    s256_challenge,
)
from vaultra_mcp.loopback import BackgroundServer

#: Google documents both spellings of its issuer; a correct verifier accepts either.
ISSUERS = [GOOGLE_ISSUER, "accounts.google.com"]
REDIRECT = "http://127.0.0.1:8000/auth/google/callback"
SCOPE = "openid email profile"
AUTH = "/o/oauth2/v2/auth"
TOKEN = "/token"
CERTS = "/oauth2/v3/certs"

Fake = Running[GoogleState]


class Rejected(Exception):
    """The application-level checks PyJWT leaves to the caller."""


@dataclass
class Login:
    """What a client keeps in the user's session between the redirect and the callback."""

    state: str
    nonce: str
    verifier: str


def new_login() -> Login:
    return Login(secrets.token_urlsafe(16), secrets.token_urlsafe(16), secrets.token_urlsafe(48))


def auth_params(fake: Fake, login: Login, **changes: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "client_id": fake.state.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": SCOPE,
        "state": login.state,
        "nonce": login.nonce,
        "code_challenge": s256_challenge(login.verifier),
        "code_challenge_method": "S256",
        **changes,
    }
    return {key: value for key, value in params.items() if value is not None}


def authorize(client: httpx.Client, fake: Fake, **changes: str | None) -> tuple[Login, str]:
    """Send the user to the fake, follow it back, check ``state``: (login, code)."""
    login = new_login()
    response = client.get(f"{fake.url}{AUTH}", params=auth_params(fake, login, **changes))
    assert response.status_code == 302, response.text
    callback = httpx.URL(response.headers["location"])
    assert str(callback.copy_with(query=None)) == REDIRECT
    assert callback.params["state"] == login.state
    return login, callback.params["code"]


def exchange(
    client: httpx.Client, fake: Fake, code: str, login: Login, **changes: str | None
) -> httpx.Response:
    form: dict[str, str | None] = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": fake.state.client_id,
        "client_secret": fake.state.client_secret,
        "code_verifier": login.verifier,
        **changes,
    }
    data = {key: value for key, value in form.items() if value is not None}
    return client.post(f"{fake.url}{TOKEN}", data=data)


def verify(fake: Fake, id_token: str, nonce: str) -> dict[str, Any]:
    """Verify like a relying party: key by ``kid`` from the JWKS, RS256 only, all claims."""
    jwks = jwt.PyJWKClient(f"{fake.url}{CERTS}", cache_jwk_set=False, timeout=5)
    key = jwks.get_signing_key_from_jwt(id_token)
    claims = jwt.decode(
        id_token,
        key,
        algorithms=["RS256"],
        audience=fake.state.client_id,
        issuer=ISSUERS,
        options={"require": ["iss", "aud", "sub", "iat", "exp"]},
    )
    if claims.get("nonce") != nonce:
        raise Rejected("nonce does not match the one sent")
    if claims.get("email_verified") is not True:
        raise Rejected("email is not verified")
    return claims


def sign_in(client: httpx.Client, fake: Fake, **changes: str | None) -> dict[str, Any]:
    """The whole flow; returns the verified claims."""
    login, code = authorize(client, fake, **changes)
    response = exchange(client, fake, code, login)
    assert response.status_code == 200, response.text
    return verify(fake, response.json()["id_token"], login.nonce)


def assert_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[ASGIApp]]]:
    """One server for the module, since stopping uvicorn takes ~0.15 s; each test gets a fresh
    app and state through ``google``. (Tests of the ``google_fake`` fixture use their own.)"""
    current: list[ASGIApp] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await current[0](scope, receive, send)

    with BackgroundServer(app) as url:
        yield url, current


@pytest.fixture
def google(server: tuple[str, list[ASGIApp]]) -> Fake:
    """Like ``google_fake``, with fresh state on the module's server."""
    url, current = server
    state = GoogleState()
    current[:] = [build_google_app(state)]
    return Running(url, state)


# ---- happy paths -----------------------------------------------------------------


def test_discovery_document(google_fake: Fake, client: httpx.Client) -> None:
    document = client.get(f"{google_fake.url}/.well-known/openid-configuration").json()

    assert document["issuer"] == GOOGLE_ISSUER
    assert document["authorization_endpoint"] == f"{google_fake.url}{AUTH}"
    assert document["token_endpoint"] == f"{google_fake.url}{TOKEN}"
    assert document["jwks_uri"] == f"{google_fake.url}{CERTS}"
    assert document["userinfo_endpoint"] == f"{google_fake.url}/v1/userinfo"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert document["code_challenge_methods_supported"] == ["plain", "S256"]
    assert "code" in document["response_types_supported"]
    assert document["subject_types_supported"] == ["public"]
    keys = client.get(document["jwks_uri"]).json()["keys"]
    assert [(k["kty"], k["alg"], k["use"], k["e"]) for k in keys] == [
        ("RSA", "RS256", "sig", "AQAB")
    ]
    assert len(base64.urlsafe_b64decode(keys[0]["n"] + "==")) == 256  # 2048 bits


def test_happy_path(google: Fake, client: httpx.Client) -> None:
    login, code = authorize(client, google)
    assert code.startswith("4/")  # arrives URL-encoded, like Google's
    response = exchange(client, google, code, login)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599
    assert set(body["scope"].split()) == {
        "openid",
        "https://www.googleapis.com/auth/userinfo.email",
        "https://www.googleapis.com/auth/userinfo.profile",
    }
    header = jwt.get_unverified_header(body["id_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] == google.state.signing_keys[0].kid
    claims = verify(google, body["id_token"], login.nonce)
    user = google.state.users[0]
    assert claims["iss"] == GOOGLE_ISSUER
    assert claims["aud"] == claims["azp"] == google.state.client_id
    assert (claims["sub"], claims["email"], claims["name"]) == (user.sub, user.email, user.name)
    assert claims["email_verified"] is True
    assert claims["exp"] - claims["iat"] == 3600
    userinfo = client.get(
        f"{google.url}/v1/userinfo",
        headers={"authorization": f"Bearer {body['access_token']}"},
    )
    assert userinfo.json()["email"] == user.email
    sent = google.state.bodies(TOKEN)[0]
    assert sent["code_verifier"] == login.verifier
    assert google.state.requests[0].query["code_challenge_method"] == ["S256"]


async def test_discovered_issuer_and_basic_auth_async(google_fake: Fake) -> None:
    google_fake.state.issuer = google_fake.url
    login = new_login()
    async with httpx.AsyncClient(timeout=5) as http:
        document = (await http.get(f"{google_fake.url}/.well-known/openid-configuration")).json()
        params = auth_params(google_fake, login, login_hint="grace@example.com")
        redirect = await http.get(document["authorization_endpoint"], params=params)
        code = httpx.URL(redirect.headers["location"]).params["code"]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        form["code_verifier"] = login.verifier
        basic = httpx.BasicAuth(google_fake.state.client_id, google_fake.state.client_secret)
        tokens = (await http.post(document["token_endpoint"], data=form, auth=basic)).json()
        jwks = jwt.PyJWKSet.from_dict((await http.get(document["jwks_uri"])).json())

    id_token = tokens["id_token"]
    key = jwks[jwt.get_unverified_header(id_token)["kid"]]
    claims = jwt.decode(
        id_token,
        key,
        algorithms=["RS256"],
        audience=google_fake.state.client_id,
        issuer=document["issuer"],
    )
    assert claims["iss"] == google_fake.url
    assert claims["email"] == "grace@example.com"
    assert claims["nonce"] == login.nonce


def test_scopes_limit_the_claims(google: Fake, client: httpx.Client) -> None:
    login, code = authorize(client, google, scope="openid")
    id_token = exchange(client, google, code, login).json()["id_token"]

    claims = jwt.decode(id_token, options={"verify_signature": False})
    assert "email" not in claims and "name" not in claims
    assert claims["sub"] == google.state.users[0].sub


def test_rotation_keeps_old_tokens_verifiable(google: Fake, client: httpx.Client) -> None:
    login, code = authorize(client, google)
    before = exchange(client, google, code, login).json()["id_token"]
    new_key = google.state.rotate()

    claims = sign_in(client, google)
    assert jwt.get_unverified_header(before)["kid"] != new_key.kid
    assert verify(google, before, login.nonce)["sub"] == claims["sub"]
    google.state.signing_keys = [new_key]  # the outgoing key is retired
    with pytest.raises(jwt.PyJWKClientError):
        verify(google, before, login.nonce)


def test_plain_pkce_and_optional_params_when_not_strict(google: Fake, client: httpx.Client) -> None:
    google.state.strict = False
    login = new_login()
    params = auth_params(google, login, code_challenge=login.verifier, state=None)
    params.update(code_challenge_method="plain", nonce="n")
    response = client.get(f"{google.url}{AUTH}", params=params)
    code = httpx.URL(response.headers["location"]).params["code"]

    assert exchange(client, google, code, login).status_code == 200


# ---- token endpoint errors -------------------------------------------------------


def test_code_is_single_use(google: Fake, client: httpx.Client) -> None:
    login, code = authorize(client, google)
    assert exchange(client, google, code, login).status_code == 200

    assert_error(exchange(client, google, code, login), 400, "invalid_grant")


@pytest.mark.parametrize("verifier", ["wrong-" + "v" * 50, "short", None])
def test_wrong_or_missing_verifier(
    google: Fake, client: httpx.Client, verifier: str | None
) -> None:
    login, code = authorize(client, google)

    response = exchange(client, google, code, login, code_verifier=verifier)
    assert_error(response, 400, "invalid_grant")
    # The attempt burnt the code: the right verifier is too late now.
    assert_error(exchange(client, google, code, login), 400, "invalid_grant")


def test_redirect_uri_mismatch(google: Fake, client: httpx.Client) -> None:
    login, code = authorize(client, google)

    response = exchange(client, google, code, login, redirect_uri=REDIRECT + "/")
    # Google answers redirect_uri_mismatch here, not RFC 6749's invalid_grant.
    assert_error(response, 400, "redirect_uri_mismatch")


def test_expired_code(google: Fake, client: httpx.Client) -> None:
    login, code = authorize(client, google)
    later = google.state.clock() + 601
    google.state.clock = lambda: later

    assert_error(exchange(client, google, code, login), 400, "invalid_grant")


def test_bad_client_credentials(google: Fake, client: httpx.Client) -> None:
    login, code = authorize(client, google)

    response = exchange(client, google, code, login, client_secret="nope")
    assert_error(response, 401, "invalid_client")
    response = exchange(client, google, code, login, client_id="other.apps")
    assert_error(response, 401, "invalid_client")
    bad_basic = httpx.BasicAuth(google.state.client_id, "nope")
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    response = client.post(f"{google.url}{TOKEN}", data=form, auth=bad_basic)
    assert_error(response, 401, "invalid_client")
    # Failed client authentication does not burn the code.
    assert exchange(client, google, code, login).status_code == 200


def test_unsupported_grant_type(google: Fake, client: httpx.Client) -> None:
    login, code = authorize(client, google)

    response = exchange(client, google, code, login, grant_type="password")
    assert_error(response, 400, "unsupported_grant_type")


# ---- authorization endpoint errors -----------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"client_id": "unknown.apps.googleusercontent.com"}, "invalid_client"),
        ({"client_id": None}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "email profile"}, "invalid_scope"),
        ({"state": None}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"login_hint": "nobody@example.com"}, "invalid_request"),
    ],
)
def test_authorize_errors_show_a_page(
    google: Fake, client: httpx.Client, changes: dict[str, str | None], error: str
) -> None:
    params = auth_params(google, new_login(), **changes)
    response = client.get(f"{google.url}{AUTH}", params=params)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert f"Error 400: {error}" in response.text
    assert not google.state.codes


def test_unregistered_redirect_uri(google: Fake, client: httpx.Client) -> None:
    google.state.redirect_uris = ["https://vaultra.example/auth/google/callback"]
    response = client.get(f"{google.url}{AUTH}", params=auth_params(google, new_login()))

    assert response.status_code == 400
    assert "redirect_uri_mismatch" in response.text


def test_user_denies_consent(google: Fake, client: httpx.Client) -> None:
    google.state.deny_consent = True
    login = new_login()
    response = client.get(f"{google.url}{AUTH}", params=auth_params(google, login))

    callback = httpx.URL(response.headers["location"])
    assert response.status_code == 302
    assert dict(callback.params) == {"error": "access_denied", "state": login.state}


# ---- tampered ID tokens ----------------------------------------------------------

REJECTIONS: list[tuple[Tamper, type[Exception], str | None]] = [
    (Tamper.WRONG_ISSUER, jwt.InvalidIssuerError, None),
    (Tamper.WRONG_AUDIENCE, jwt.InvalidAudienceError, None),
    (Tamper.EXPIRED, jwt.ExpiredSignatureError, None),
    (Tamper.ISSUED_IN_FUTURE, jwt.ImmatureSignatureError, None),
    (Tamper.UNKNOWN_SIGNING_KEY, jwt.InvalidSignatureError, None),
    (Tamper.UNKNOWN_KID, jwt.PyJWKClientError, None),
    (Tamper.ALG_NONE, jwt.InvalidAlgorithmError, None),
    (Tamper.EMAIL_UNVERIFIED, Rejected, "email"),
    (Tamper.WRONG_NONCE, Rejected, "nonce"),
]


def test_every_tamper_is_covered() -> None:
    assert {tamper for tamper, _, _ in REJECTIONS} == set(Tamper)


@pytest.mark.parametrize(
    ("tamper", "expected", "match"), REJECTIONS, ids=[t.value for t, _, _ in REJECTIONS]
)
def test_tampered_token_is_rejected_once(
    google: Fake,
    client: httpx.Client,
    tamper: Tamper,
    expected: type[Exception],
    match: str | None,
) -> None:
    google.state.tamper_next = tamper
    login, code = authorize(client, google)
    id_token = exchange(client, google, code, login).json()["id_token"]

    with pytest.raises(expected, match=match):
        verify(google, id_token, login.nonce)
    assert google.state.tamper_next is None
    assert sign_in(client, google)["sub"] == google.state.users[0].sub


# ---- shared failure switches -----------------------------------------------------


def test_fail_next_and_down(google: Fake, client: httpx.Client) -> None:
    login, code = authorize(client, google)
    google.state.fail_next = [503]

    assert_error(exchange(client, google, code, login), 503, "temporarily_unavailable")
    assert exchange(client, google, code, login).status_code == 200
    google.state.down = True
    assert client.get(f"{google.url}{CERTS}").status_code == 503
    response = client.get(f"{google.url}{AUTH}", params=auth_params(google, login))
    assert response.status_code == 503
    assert [r.path for r in google.state.requests] == [AUTH, TOKEN, TOKEN, CERTS, AUTH]
