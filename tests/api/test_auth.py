"""/auth: accounts, sign-in with rate limits, JWTs that must be exactly right, and access tokens."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import timedelta

import jwt
import pytest
from sqlmodel import col

from api_shell.app import OPERATIONS
from tests.api.conftest import DEVON, bearer, count, serve
from vaultra_mcp.models import LoginFailure, PersonalAccessToken, User
from vaultra_mcp.services.access import mint_jwt

PASSWORD = "correct horse battery staple"


async def sign_up(api, email="new@owner.example", password=PASSWORD, **extra):
    return await api.post(
        "/api/v1/auth/signup", json={"email": email, "password": password, **extra}
    )


async def test_sign_up_returns_a_token_that_opens_the_account(empty_api):
    created = await sign_up(empty_api, full_name="Ada Owner")
    me = await empty_api.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {created.json()['access_token']}"}
    )

    assert created.status_code == 201
    assert me.json()["email"] == "new@owner.example" and me.json()["full_name"] == "Ada Owner"


async def test_passwords_are_stored_as_argon2id_hashes(empty_api, empty_api_deps):
    await sign_up(empty_api)

    async with empty_api_deps.db.sessions() as session:
        user = (await session.execute(User.__table__.select())).one()
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in user.password_hash


async def test_an_email_can_only_sign_up_once(empty_api, empty_api_deps):
    await sign_up(empty_api)
    again = await sign_up(empty_api, email="NEW@owner.example")

    assert again.status_code == 409 and again.json()["error"] == "EMAIL_TAKEN"
    assert await count(empty_api_deps, User) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "a@b.example", "password": "short"}, 422),
        ({"email": "a@b.example", "password": " " * 12}, 422),
        ({"email": "not-an-email", "password": PASSWORD}, 422),
        ({"email": "a@b.example"}, 422),
        ({"email": "a@b.example", "password": PASSWORD, "is_active": False}, 422),
        ({"email": "a@b.example", "password": PASSWORD, "id": 1}, 422),
        ({"email": "a@b.example", "password": "x" * 10_000}, 422),
        (["a@b.example", PASSWORD], 422),
    ],
)
async def test_bad_sign_ups_are_refused_and_create_nothing(empty_api, empty_api_deps, body, status):
    response = await empty_api.post("/api/v1/auth/signup", json=body)

    assert response.status_code == status
    assert set(response.json()) >= {"error", "message", "request_id"}
    assert await count(empty_api_deps, User) == 0


async def test_malformed_json_is_a_400_and_creates_nothing(empty_api, empty_api_deps):
    response = await empty_api.post(
        "/api/v1/auth/signup", content=b'{"email": ', headers={"content-type": "application/json"}
    )

    assert response.status_code == 400 and response.json()["error"] == "MALFORMED_JSON"
    assert await count(empty_api_deps, User) == 0


async def test_a_body_that_is_not_json_is_a_415(empty_api):
    response = await empty_api.post("/api/v1/auth/signup", content=b"email=a@b.example")

    assert response.status_code == 415


async def test_login_with_the_right_password_returns_a_token(empty_api):
    await sign_up(empty_api)
    response = await empty_api.post(
        "/api/v1/auth/login", json={"email": "New@Owner.example", "password": PASSWORD}
    )

    assert response.status_code == 200 and response.json()["token_type"] == "bearer"


LOGIN = "/api/v1/auth/login"
OWNER = "new@owner.example"
WRONG = {"email": OWNER, "password": "wrong-password"}


def same_answer(response) -> tuple[int, str, str, str | None]:
    """What a caller can tell from a response, but for the request id."""
    body = response.json()
    return response.status_code, body["error"], body["message"], response.headers.get("retry-after")


async def fail_until_refused(api, body, limit: int) -> list:
    return [await api.post(LOGIN, json=body) for _ in range(limit + 1)]


async def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(empty_api):
    await sign_up(empty_api)
    wrong = await empty_api.post(LOGIN, json={"email": OWNER, "password": "nope-nope-nope"})
    unknown = await empty_api.post(
        LOGIN, json={"email": "ghost@owner.example", "password": "nope-nope-nope"}
    )

    assert wrong.status_code == 401
    assert same_answer(wrong) == same_answer(unknown)


async def test_a_known_and_an_unknown_email_are_throttled_alike(empty_api, empty_api_deps):
    await sign_up(empty_api)
    limit = empty_api_deps.settings.auth.login_failures_per_account_address

    known = await fail_until_refused(empty_api, WRONG, limit)
    unknown = await fail_until_refused(
        empty_api, {"email": "ghost@owner.example", "password": "wrong-password"}, limit
    )

    assert [same_answer(r) for r in known] == [same_answer(r) for r in unknown]
    assert known[-1].status_code == 429


async def test_repeated_failures_make_that_address_wait_for_that_account(empty_api, empty_api_deps):
    await sign_up(empty_api)
    for _ in range(empty_api_deps.settings.auth.login_failures_per_account_address):
        assert (await empty_api.post(LOGIN, json=WRONG)).status_code == 401

    locked = await empty_api.post(LOGIN, json={"email": OWNER, "password": PASSWORD})

    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 900


async def test_a_stranger_failing_from_elsewhere_cannot_lock_the_owner_out(
    empty_api, empty_api_deps
):
    await sign_up(empty_api)
    limit = empty_api_deps.settings.auth.login_failures_per_account_address
    async for stranger in serve(empty_api_deps, peer="198.51.100.66"):
        refused = (await fail_until_refused(stranger, WRONG, limit * 3))[-1]

    owner = await empty_api.post(LOGIN, json={"email": OWNER, "password": PASSWORD})

    assert refused.status_code == 429
    assert owner.status_code == 200


async def test_each_failure_past_the_limit_doubles_the_wait(empty_api, empty_api_deps):
    clock, settings = empty_api_deps.clock, empty_api_deps.settings
    for _ in range(settings.auth.login_failures_per_account_address):
        await empty_api.post(LOGIN, json=WRONG)
    waits = []
    for _ in range(4):
        refused = await empty_api.post(LOGIN, json=WRONG)
        waits.append(int(refused.headers["retry-after"]))
        clock.moment += timedelta(seconds=waits[-1])
        assert (await empty_api.post(LOGIN, json=WRONG)).status_code == 401

    assert waits == [1, 2, 4, 8]


async def test_a_burst_of_concurrent_guesses_gets_only_the_limit(empty_api, empty_api_deps):
    await sign_up(empty_api)
    limit = empty_api_deps.settings.auth.login_failures_per_account_address

    answers = await asyncio.gather(*(empty_api.post(LOGIN, json=WRONG) for _ in range(12)))

    assert sorted(a.status_code for a in answers) == [401] * limit + [429] * (12 - limit)
    assert await count(empty_api_deps, LoginFailure, col(LoginFailure.key).startswith("pair:")) == (
        limit
    )


async def test_the_wait_ends_once_the_window_has_passed(empty_api, empty_api_deps):
    await sign_up(empty_api)
    for _ in range(empty_api_deps.settings.auth.login_failures_per_account_address * 3):
        await empty_api.post(LOGIN, json=WRONG)
    empty_api_deps.clock.moment += timedelta(seconds=901)

    response = await empty_api.post(LOGIN, json={"email": OWNER, "password": PASSWORD})

    assert response.status_code == 200
    assert await count(empty_api_deps, LoginFailure, col(LoginFailure.key).startswith("pair:")) == 0


async def test_signing_in_clears_the_pairs_failures_but_not_the_addresss(empty_api, empty_api_deps):
    await sign_up(empty_api)
    await empty_api.post(LOGIN, json=WRONG)

    await empty_api.post(LOGIN, json={"email": OWNER, "password": PASSWORD})

    assert await count(empty_api_deps, LoginFailure, col(LoginFailure.key).startswith("pair:")) == 0
    assert await count(empty_api_deps, LoginFailure, col(LoginFailure.key).startswith("ip:")) == 1


async def test_one_address_guessing_many_accounts_is_limited_too(empty_api, empty_api_deps):
    limit = empty_api_deps.settings.auth.login_failures_per_ip
    for n in range(limit):
        await empty_api.post(
            LOGIN,
            json={"email": f"victim{n}@owner.example", "password": "guess1234"},
        )

    response = await empty_api.post(
        LOGIN, json={"email": "someone-else@owner.example", "password": "guess1234"}
    )

    assert response.status_code == 429 and "retry-after" in response.headers


def _forged(deps, **changes):
    now = int(deps.clock.now().timestamp())
    claims = {
        "iss": deps.settings.auth.jwt_issuer,
        "aud": deps.settings.auth.jwt_audience,
        "sub": str(DEVON),
        "iat": now,
        "exp": now + 600,
    } | changes
    return jwt.encode(claims, deps.settings.auth.jwt_secret.get_secret_value(), algorithm="HS256")


def _alg_none(deps):
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    good = _forged(deps).split(".")[1]
    return f"{header.rstrip(b'=').decode()}.{good}."


def _tampered(deps):
    head, body, signature = _forged(deps).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["sub"] = "1"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"


BAD_TOKENS = {
    "missing": lambda deps: None,
    "garbage": lambda deps: "not.a.jwt",
    "expired": lambda deps: _forged(deps, exp=int(deps.clock.now().timestamp()) - 1),
    "tampered": _tampered,
    "alg_none": _alg_none,
    "wrong_audience": lambda deps: _forged(deps, aud="someone-else"),
    "wrong_issuer": lambda deps: _forged(deps, iss="evil"),
    "other_secret": lambda deps: jwt.encode(
        jwt.decode(_forged(deps), options={"verify_signature": False}), "x" * 40, algorithm="HS256"
    ),
    "issued_in_the_future": lambda deps: _forged(
        deps,
        iat=int(deps.clock.now().timestamp()) + 3600,
        exp=int(deps.clock.now().timestamp()) + 7200,
    ),
    "not_valid_before_an_hour_from_now": lambda deps: _forged(
        deps, nbf=int(deps.clock.now().timestamp()) + 3600
    ),
    "not_before_that_is_not_a_time": lambda deps: _forged(deps, nbf="soon"),
}
PROTECTED = [op for op in OPERATIONS if op.auth]


@pytest.mark.parametrize("op", PROTECTED, ids=lambda op: f"{op.method} {op.path}")
async def test_every_protected_route_refuses_every_kind_of_bad_token(api, api_deps, op):
    path = "/api/v1" + op.openapi_path.format(
        business_id=3, recommendation_id=1, token_id=1, conversation_id=1
    )
    for kind, make in BAD_TOKENS.items():
        token = make(api_deps)
        headers = {"Authorization": f"Bearer {token}"} if token else {}

        response = await api.request(op.method, path, headers=headers, json={} if op.body else None)

        assert response.status_code == 401, (kind, response.text)
        assert response.json()["error"] == "UNAUTHENTICATED", kind
        assert response.headers["www-authenticate"].startswith("Bearer"), kind


async def test_a_token_whose_not_before_has_passed_is_accepted(api, api_deps):
    token = _forged(api_deps, nbf=int(api_deps.clock.now().timestamp()) - 60)

    response = await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200 and response.json()["id"] == DEVON


async def test_a_valid_token_for_a_deleted_user_is_refused(api, api_deps):
    token = mint_jwt(api_deps.settings, 999, int(api_deps.clock.now().timestamp()))

    response = await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401


async def test_an_access_token_is_shown_once_and_works_for_the_api(api, api_deps):
    created = await api.post(
        "/api/v1/auth/tokens", json={"name": "claude desktop"}, headers=bearer(api_deps, DEVON)
    )
    token = created.json()["token"]
    me = await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    listed = await api.get("/api/v1/auth/tokens", headers=bearer(api_deps, DEVON))

    assert created.status_code == 201 and token.startswith("vtk_")
    assert me.json()["id"] == DEVON
    assert token not in listed.text
    assert created.json()["prefix"] in [t["prefix"] for t in listed.json()["tokens"]]


async def test_a_revoked_access_token_stops_working(api, api_deps):
    created = (
        await api.post(
            "/api/v1/auth/tokens", json={"name": "laptop"}, headers=bearer(api_deps, DEVON)
        )
    ).json()

    revoked = await api.delete(
        f"/api/v1/auth/tokens/{created['id']}", headers=bearer(api_deps, DEVON)
    )
    me = await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {created['token']}"})

    assert revoked.status_code == 204
    assert me.status_code == 401


async def test_another_users_access_token_cannot_be_revoked(api, api_deps):
    created = (
        await api.post(
            "/api/v1/auth/tokens", json={"name": "laptop"}, headers=bearer(api_deps, DEVON)
        )
    ).json()

    response = await api.delete(f"/api/v1/auth/tokens/{created['id']}", headers=bearer(api_deps, 1))

    assert response.status_code == 404
    assert (
        await count(
            api_deps,
            PersonalAccessToken,
            col(PersonalAccessToken.id) == created["id"],
            col(PersonalAccessToken.revoked_at).is_(None),
        )
        == 1
    )


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"name": "ok", "expires_in_days": 0},
        {"name": "ok", "user_id": 1},
    ],
)
async def test_bad_token_requests_create_nothing(api, api_deps, body):
    before = await count(api_deps, PersonalAccessToken)

    response = await api.post("/api/v1/auth/tokens", json=body, headers=bearer(api_deps, DEVON))

    assert response.status_code == 422
    assert await count(api_deps, PersonalAccessToken) == before
