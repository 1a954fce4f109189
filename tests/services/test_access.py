"""Bearer credentials: JWTs with pinned algorithm and required claims, and access tokens."""

import base64
import json
import time

import jwt as pyjwt
import pytest
from sqlalchemy import update

from tests.factories import AS_OF, settings_for
from vaultra_mcp.caller import Caller
from vaultra_mcp.errors import Unauthenticated
from vaultra_mcp.models import PersonalAccessToken, User
from vaultra_mcp.services.access import authenticate_bearer, mint_jwt, user_from_jwt
from vaultra_mcp.services.identity import issue_token

SETTINGS = settings_for("sqlite+aiosqlite:///unused.db")
NOW = int(AS_OF.timestamp())


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(**changes) -> dict:
    base = {"iss": "vaultra", "aud": "vaultra-api", "sub": "2", "iat": NOW, "exp": NOW + 600}
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def signed(payload: dict, key: str | None = None, algorithm: str = "HS256") -> str:
    return pyjwt.encode(
        payload, key or SETTINGS.auth.jwt_secret.get_secret_value(), algorithm=algorithm
    )


def test_a_minted_jwt_names_its_user():
    assert user_from_jwt(SETTINGS, mint_jwt(SETTINGS, 7, NOW), NOW) == 7


@pytest.mark.parametrize(
    "token",
    [
        signed(claims(exp=NOW - 1)),
        signed(claims(aud="someone-else")),
        signed(claims(iss="evil")),
        signed(claims(iat=None)),
        signed(claims(exp=None)),
        signed(claims(sub="not-a-number")),
        signed(claims(), key="a-different-secret-of-a-decent-length"),
        signed(claims(), key="k" * 64, algorithm="HS512"),
        b64({"alg": "none", "typ": "JWT"}) + "." + b64(claims()) + ".",
        "not.a.jwt",
        "",
    ],
)
def test_expired_tampered_and_unsigned_jwts_are_refused(token):
    with pytest.raises(Unauthenticated):
        user_from_jwt(SETTINGS, token, NOW)


def test_a_token_with_an_edited_payload_is_refused():
    header, _, signature = mint_jwt(SETTINGS, 2, NOW).split(".")
    forged = f"{header}.{b64(claims(sub='1'))}.{signature}"
    with pytest.raises(Unauthenticated):
        user_from_jwt(SETTINGS, forged, NOW)


async def test_a_jwt_for_a_disabled_user_is_refused(demo_deps):
    token = mint_jwt(demo_deps.settings, 2, NOW)
    assert await authenticate_bearer(demo_deps, token) == Caller.user(2)
    async with demo_deps.db.transaction() as session:
        await session.execute(update(User).where(User.id == 2).values(is_active=False))
    with pytest.raises(Unauthenticated):
        await authenticate_bearer(demo_deps, token)


async def test_a_revoked_access_token_stops_working(demo_deps):
    issued = await issue_token(demo_deps, email="tom@oldmill.example", name="cli")
    assert await authenticate_bearer(demo_deps, issued.token) == Caller.user(issued.user_id)
    async with demo_deps.db.transaction() as session:
        await session.execute(
            update(PersonalAccessToken)
            .where(PersonalAccessToken.id == issued.id)
            .values(revoked_at=AS_OF)
        )
    with pytest.raises(Unauthenticated):
        await authenticate_bearer(demo_deps, issued.token)


@pytest.mark.parametrize("bearer", ["", "   ", "x" * 5_000, "vtk_" + "a" * 300])
async def test_malformed_bearers_are_refused_without_a_lookup(demo_deps, bearer):
    with pytest.raises(Unauthenticated):
        await authenticate_bearer(demo_deps, bearer)


def test_the_server_time_is_what_expires_a_token():
    token = mint_jwt(SETTINGS, 3, int(time.time()) - 7200)
    with pytest.raises(Unauthenticated, match="expired"):
        user_from_jwt(SETTINGS, token, int(time.time()))


def test_a_token_issued_in_the_future_is_refused():
    with pytest.raises(Unauthenticated):
        user_from_jwt(SETTINGS, signed(claims(iat=NOW + 3600, exp=NOW + 7200)), NOW)
