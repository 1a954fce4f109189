"""/users: the profile and owned businesses, with nothing settable that should not be."""

from __future__ import annotations

import pytest

from tests.api.conftest import DEVON, bearer, count
from vaultra_mcp.models import Business, Membership


async def test_the_profile_can_be_renamed(api, api_deps):
    response = await api.patch(
        "/api/v1/users/me", json={"full_name": "Devon A."}, headers=bearer(api_deps, DEVON)
    )

    assert response.status_code == 200 and response.json()["full_name"] == "Devon A."


@pytest.mark.parametrize(
    "body", [{"email": "x@y.example"}, {"is_active": False}, {"full_name": ""}]
)
async def test_the_profile_refuses_fields_it_does_not_own(api, api_deps, body):
    response = await api.patch("/api/v1/users/me", json=body, headers=bearer(api_deps, DEVON))
    after = await api.get("/api/v1/users/me", headers=bearer(api_deps, DEVON))

    assert response.status_code == 422
    assert after.json()["email"] == "devon@oldmill.example" or after.json()["id"] == DEVON


async def test_a_created_business_is_owned_by_its_creator(api, api_deps):
    response = await api.post(
        "/api/v1/users/businesses",
        json={"name": "Second Shop", "industry": "retail_in_store", "country": "US"},
        headers=bearer(api_deps, DEVON),
    )

    assert response.status_code == 201
    assert response.json()["role"] == "owner" and response.json()["currency"] == "usd"
    assert (
        await count(
            api_deps,
            Membership,
            Membership.business_id == response.json()["id"],
            Membership.user_id == DEVON,
        )
        == 1
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "X", "industry": "casino"},
        {"name": "X", "country": "usa"},
        {"name": "X", "currency": "USD"},
        {"name": "X", "funding_goal_amount": -1},
        {"name": "X", "id": 77},
        {"name": "X", "payments_version": 9},
        {"name": "X", "demo_key": "steady_saas"},
    ],
)
async def test_bad_business_bodies_create_nothing(api, api_deps, body):
    before = await count(api_deps, Business)

    response = await api.post(
        "/api/v1/users/businesses", json=body, headers=bearer(api_deps, DEVON)
    )

    assert response.status_code in (400, 422)
    assert await count(api_deps, Business) == before


async def test_an_owner_can_change_their_business(api, api_deps):
    response = await api.patch(
        "/api/v1/users/businesses/3",
        json={"funding_goal_amount": 5_000_000, "funding_purpose": "a second oven"},
        headers=bearer(api_deps, DEVON),
    )

    assert response.status_code == 200
    assert response.json()["funding_goal_amount"] == 5_000_000


async def test_a_member_who_is_not_an_owner_cannot_change_the_business(api, api_deps):
    async with api_deps.db.transaction() as session:
        session.add(Membership(user_id=DEVON, business_id=1, role="viewer"))

    response = await api.patch(
        "/api/v1/users/businesses/1", json={"name": "Renamed"}, headers=bearer(api_deps, DEVON)
    )

    assert response.status_code == 403
    async with api_deps.db.sessions() as session:
        assert (await session.get(Business, 1)).name != "Renamed"


async def test_a_business_id_beyond_64_bits_is_not_found(api, api_deps):
    response = await api.patch(
        f"/api/v1/users/businesses/{2**64}", json={"name": "X"}, headers=bearer(api_deps, DEVON)
    )

    assert response.status_code == 404
