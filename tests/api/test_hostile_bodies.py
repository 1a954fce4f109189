"""Hostile bytes (``tests/api/hostile.py``, the webhook gets them too) to every JSON route: one
400 saying what is wrong, never a 422, a 500 or silence, and nothing written."""

from __future__ import annotations

import pytest

from tests.api.conftest import DEVON, bearer, count
from tests.api.hostile import HOSTILE
from vaultra_mcp.models import AgentConversation, Business, LoginFailure

ROUTES = {
    "create a business": ("/api/v1/users/businesses", b'{"name": HOLE}'),
    "sign in": ("/api/v1/auth/login", b'{"email": "maya@northwind.example", "password": HOLE}'),
    "chat": ("/api/v1/agent/chat", b'{"message": HOLE, "business_id": 3}'),
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("hostile", HOSTILE)
async def test_a_hostile_rest_body_is_one_400_naming_the_problem(api, api_deps, route, hostile):
    path, template = ROUTES[route]
    value, problem = HOSTILE[hostile]
    before = [await count(api_deps, model) for model in (Business, AgentConversation, LoginFailure)]

    response = await api.post(
        path,
        content=template.replace(b"HOLE", value),
        headers={"Content-Type": "application/json", **bearer(api_deps, DEVON)},
    )

    assert response.status_code == 400, response.text
    assert response.json()["error"] in ("MALFORMED_JSON", "MALFORMED_TEXT")
    assert problem in response.json()["message"]
    after = [await count(api_deps, model) for model in (Business, AgentConversation, LoginFailure)]
    assert after == before
