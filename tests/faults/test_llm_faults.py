"""The model's API breaking in the middle of a streamed answer, through a fault proxy: the
chat turn ends with a clear ``error`` event, the user's message stays in the conversation, and
no traceback reaches the client."""

from __future__ import annotations

import pytest

from tests.api.conftest import DEVON, bearer
from tests.api.test_agent_chat import events_of
from tests.api.test_agent_llm import api_with, openai_settings
from tests.fakes.fixtures import Running
from tests.fakes.openai_api import assistant_message
from tests.support.fault_proxy import Fault, fault_proxy, through

QUESTION = "Where is my readiness weakest?"
LONG_ANSWER = "Disputes weigh most on your readiness this quarter. " * 20
MID_STREAM = 1_500  # bytes of the model's response (headers and a few chunks) before the fault


@pytest.mark.parametrize("fault", ["stall", "cut"])
async def test_a_model_failing_mid_stream_ends_the_turn_with_an_error_event(
    demo_database_url, openai_fake, fault: Fault
):
    openai_fake.state.script = [assistant_message(LONG_ANSWER) for _ in range(3)]
    async with fault_proxy(openai_fake.url) as proxy:
        proxy.fault_after(MID_STREAM, fault)
        fake = Running(through(openai_fake.url, proxy), openai_fake.state)
        settings = openai_settings(fake, provider_timeout=2.0, provider_retries=1)
        async with api_with(demo_database_url, **settings) as (client, deps):
            response = await client.post(
                "/api/v1/agent/chat",
                json={"message": QUESTION},
                headers={**bearer(deps, DEVON), "Accept": "text/event-stream"},
            )
            frames = events_of(response.text)
            conversation = await client.get(
                f"/api/v1/agent/conversations/{frames[0][1]['conversation_id']}",
                headers=bearer(deps, DEVON),
            )

    assert proxy.accepted >= 1
    assert "chunk" in [n for n, _ in frames]  # the fault came mid-stream
    name, data = frames[-1]
    assert name == "error" and data["error"] == "LLM_UNAVAILABLE", frames[-1]
    assert data["message"]
    assert "Traceback" not in response.text
    user_messages = [m for m in conversation.json()["messages"] if m["role"] == "user"]
    assert [m["content"] for m in user_messages] == [QUESTION]
