"""Rate limits on chat turns (HTTP) and tool calls (MCP): 429 + Retry-After, nothing written."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from tests.api.conftest import DEVON, MAYA, count
from tests.api.test_agent_chat import HURTING
from tests.api.test_agent_llm import api_with, chat
from tests.server.clients import call, connect, error_code
from vaultra_mcp.caller import Caller
from vaultra_mcp.models import AgentMessage, RecommendationRow
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.settings import LimitSettings

DEFAULT_PER_USER = LimitSettings.model_fields["chat_turns_per_user"].default


def tool_calls_limited(deps: Deps, per_user: int) -> Deps:
    settings = deps.settings.changed(limits={"tool_calls_per_user": per_user})
    return Deps(settings, deps.db, deps.clock, deps.knowledge)


async def test_30_concurrent_turns_from_one_account_run_exactly_the_limit(demo_database_url):
    async with api_with(demo_database_url, limits={"chat_turns_per_user": DEFAULT_PER_USER}) as (
        client,
        deps,
    ):
        responses = await asyncio.gather(*(chat(client, deps, HURTING) for _ in range(30)))
        stored = await count(deps, AgentMessage, AgentMessage.role == "user")

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * DEFAULT_PER_USER + [429] * (30 - DEFAULT_PER_USER)
    assert stored == DEFAULT_PER_USER


async def test_over_the_limit_is_a_429_in_the_error_envelope_with_retry_after(demo_database_url):
    async with api_with(demo_database_url, limits={"chat_turns_per_user": 1}) as (client, deps):
        await chat(client, deps, HURTING)
        before = await count(deps, AgentMessage)
        refused = await chat(client, deps, HURTING)
        after = await count(deps, AgentMessage)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    body = refused.json()
    assert body["error"] == "RATE_LIMITED"
    assert body["details"] == {"retry_after": 60, "limit": 1, "window_seconds": 60}
    assert body["request_id"] == refused.headers["X-Request-ID"]
    assert before == after


async def test_one_accounts_turns_never_limit_another_account(demo_database_url):
    async with api_with(demo_database_url, limits={"chat_turns_per_user": 1}) as (client, deps):
        await chat(client, deps, HURTING)
        devon_again = await chat(client, deps, HURTING)
        maya = await chat(client, deps, HURTING, user=MAYA, business_id=1)

    assert (devon_again.status_code, maya.status_code) == (429, 200)


async def test_turns_are_limited_per_business_too(demo_database_url):
    async with api_with(demo_database_url, limits={"chat_turns_per_business": 1}) as (client, deps):
        first = await chat(client, deps, HURTING, user=MAYA, business_id=1)
        same = await chat(client, deps, HURTING, user=MAYA, business_id=1)
        other = await chat(client, deps, HURTING, user=MAYA, business_id=2)

    assert [r.status_code for r in (first, same, other)] == [200, 429, 200]


async def test_a_spent_tool_call_limit_is_a_tool_error_that_says_when_and_writes_nothing(
    demo_deps,
):
    tight = tool_calls_limited(demo_deps, 1)
    async with tight.db.sessions() as session:
        row = (
            (
                await session.execute(
                    select(RecommendationRow).where(RecommendationRow.business_id == 3)
                )
            )
            .scalars()
            .first()
        )
    async with connect(tight, Caller.user(DEVON)) as client:
        first = await call(client, "list_businesses")
        refused = await call(
            client, "update_recommendation_status", recommendation_id=row.id, status="dismissed"
        )
    async with tight.db.sessions() as session:
        status_after = (await session.get(RecommendationRow, row.id)).status

    assert not first.is_error
    assert error_code(refused) == "RATE_LIMITED"
    assert refused.structured_content["details"]["retry_after"] == 60
    assert "retry after 60 seconds" in refused.content[0].text
    assert status_after == row.status


async def test_another_users_tool_calls_are_not_limited_by_mine(demo_deps):
    tight = tool_calls_limited(demo_deps, 1)
    async with connect(tight, Caller.user(DEVON)) as devon:
        await call(devon, "list_businesses")
        spent = await call(devon, "list_businesses")
    async with connect(tight, Caller.user(MAYA)) as maya:
        fresh = await call(maya, "list_businesses")

    assert error_code(spent) == "RATE_LIMITED"
    assert not fresh.is_error
