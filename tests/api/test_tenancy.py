"""Every route reaches only the caller's own businesses; another tenant's id looks missing.

The sweep below is built from the app's own operation list, and the last test fails if a new
protected route is added without being classified here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api_shell.app import OPERATIONS
from tests.api.conftest import DEVON, MAYA, bearer, count
from vaultra_mcp.models import Business, Membership, OAuthState, RecommendationRow

BY_BUSINESS_QUERY = [
    op for op in OPERATIONS if op.query is not None and "business_id" in op.query.model_fields
]
# Lists across all of the caller's businesses, so no choice is needed; filtering by another
# tenant's business is still "not found".
ACROSS_OWN_BUSINESSES = {("GET", "/agent/conversations")}
BY_BODY_BUSINESS = {  # another tenant's id in the body: test_agent_llm, and the what-if below
    ("POST", "/agent/chat"),
    ("POST", "/readiness/simulate"),
}
BY_PATH_ID = {
    ("PATCH", "/recommendations/{recommendation_id:int}"),
    ("PATCH", "/users/businesses/{business_id:int}"),
    ("DELETE", "/auth/tokens/{token_id:int}"),
    ("GET", "/agent/conversations/{conversation_id:int}"),
}
CALLER_ONLY = {
    ("GET", "/auth/me"),
    ("GET", "/auth/tokens"),
    ("POST", "/auth/tokens"),
    ("GET", "/users/me"),
    ("PATCH", "/users/me"),
    ("POST", "/users/businesses"),
}


@pytest.mark.parametrize("op", BY_BUSINESS_QUERY, ids=lambda op: f"{op.method} {op.path}")
async def test_another_tenants_business_id_is_not_found_like_a_missing_one(api, api_deps, op):
    path = "/api/v1" + op.openapi_path

    foreign = await api.request(
        op.method, path, params={"business_id": 1}, headers=bearer(api_deps, DEVON)
    )
    missing = await api.request(
        op.method, path, params={"business_id": 999}, headers=bearer(api_deps, DEVON)
    )

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"] == missing.json()["error"] == "BUSINESS_NOT_FOUND"
    assert await count(api_deps, OAuthState) == 0


@pytest.mark.parametrize(
    "op",
    [op for op in BY_BUSINESS_QUERY if (op.method, op.path) not in ACROSS_OWN_BUSINESSES],
    ids=lambda op: f"{op.method} {op.path}",
)
async def test_two_businesses_and_no_choice_asks_which_one(api, api_deps, op):
    response = await api.request(
        op.method, "/api/v1" + op.openapi_path, headers=bearer(api_deps, MAYA)
    )

    assert response.status_code == 409
    assert response.json()["error"] == "NEEDS_BUSINESS_SELECTION"
    assert response.json()["details"] == {"business_ids": [1, 2]}


async def test_a_what_if_on_another_tenants_business_is_not_found(api, api_deps):
    body = {"changes": {"refund_rate_pct": 1.0}}
    foreign = await api.post(
        "/api/v1/readiness/simulate",
        json={**body, "business_id": 1},
        headers=bearer(api_deps, DEVON),
    )
    missing = await api.post(
        "/api/v1/readiness/simulate",
        json={**body, "business_id": 999},
        headers=bearer(api_deps, DEVON),
    )

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"] == missing.json()["error"] == "BUSINESS_NOT_FOUND"


async def test_another_tenants_recommendation_cannot_be_changed(api, api_deps):
    async with api_deps.db.sessions() as session:
        theirs = (
            (
                await session.execute(
                    select(RecommendationRow).where(RecommendationRow.business_id == 1)
                )
            )
            .scalars()
            .first()
        )

    response = await api.patch(
        f"/api/v1/recommendations/{theirs.id}",
        json={"status": "dismissed"},
        headers=bearer(api_deps, DEVON),
    )

    assert response.status_code == 404
    async with api_deps.db.sessions() as session:
        assert (await session.get(RecommendationRow, theirs.id)).status == theirs.status


async def test_another_tenants_business_cannot_be_changed(api, api_deps):
    response = await api.patch(
        "/api/v1/users/businesses/1", json={"name": "Mine now"}, headers=bearer(api_deps, DEVON)
    )

    assert response.status_code == 404
    async with api_deps.db.sessions() as session:
        assert (await session.get(Business, 1)).name != "Mine now"


async def test_a_new_business_belongs_to_the_caller_whatever_the_body_says(api, api_deps):
    response = await api.post(
        "/api/v1/users/businesses",
        json={"name": "Side Hustle", "user_id": MAYA, "owner_id": MAYA, "role": "owner"},
        headers=bearer(api_deps, DEVON),
    )

    assert response.status_code == 422
    assert await count(api_deps, Business, Business.name == "Side Hustle") == 0


async def test_the_profile_lists_only_the_callers_businesses(api, api_deps):
    response = await api.get("/api/v1/users/me", headers=bearer(api_deps, DEVON))

    assert [b["id"] for b in response.json()["businesses"]] == [3]
    assert await count(api_deps, Membership, Membership.user_id == DEVON) == 1


def test_every_protected_route_is_classified_for_tenancy():
    protected = {(op.method, op.path) for op in OPERATIONS if op.auth}
    by_query = {(op.method, op.path) for op in BY_BUSINESS_QUERY}

    assert protected == by_query | BY_BODY_BUSINESS | BY_PATH_ID | CALLER_ONLY
