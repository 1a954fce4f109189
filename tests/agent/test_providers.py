"""The OpenAI and Ollama providers through their official clients, against fakes on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import settings_for
from tests.fakes.ollama_api import ollama_message, ollama_tool_call
from tests.fakes.openai_api import assistant_message, script_error, tool_call
from vaultra_mcp.agent.messages import ChatMessage, Completion, TextDelta, ToolCall, ToolSpec
from vaultra_mcp.agent.ollama_provider import OllamaProvider
from vaultra_mcp.agent.openai_provider import OpenAIProvider
from vaultra_mcp.errors import LLMUnavailable

TOOLS = [ToolSpec("get_metric_summary", "Metrics.", {"type": "object", "properties": {}})]
ASK = [ChatMessage("system", "rules"), ChatMessage("user", "How are my refunds?")]


def openai_provider(fake: Any, **more: Any) -> OpenAIProvider:
    llm = {
        "openai_base_url": f"{fake.url}/v1",
        "openai_api_key": "sk-test",
        "provider_retries": 1,
        "provider_timeout": 2.0,
    }
    settings = settings_for("sqlite+aiosqlite://", llm=llm | more)
    return OpenAIProvider(settings)


async def test_openai_completion_parses_tool_calls_and_usage(openai_fake):
    openai_fake.state.script = [
        assistant_message(tool_calls=[tool_call("get_metric_summary", {"period": "12m"})])
    ]
    provider = openai_provider(openai_fake)

    completion = await provider.complete(ASK, TOOLS)
    await provider.close()

    (call,) = completion.tool_calls
    assert (call.name, call.arguments, call.malformed) == (
        "get_metric_summary",
        {"period": "12m"},
        None,
    )
    assert completion.usage.prompt_tokens > 0
    sent = openai_fake.state.bodies("/v1/chat/completions")[0]
    assert sent["tools"][0]["function"]["name"] == "get_metric_summary"


async def test_openai_arguments_that_are_not_json_are_kept_raw_not_guessed(openai_fake):
    openai_fake.state.script = [
        assistant_message(tool_calls=[tool_call("get_metric_summary", "{oops")])
    ]
    provider = openai_provider(openai_fake)

    completion = await provider.complete(ASK, TOOLS)
    await provider.close()

    assert completion.tool_calls[0].arguments == {}
    assert completion.tool_calls[0].malformed == "{oops"


async def test_openai_stream_yields_text_then_the_assembled_completion(openai_fake):
    openai_fake.state.script = [assistant_message("Refunds are 5.52% of volume.")]
    provider = openai_provider(openai_fake)

    pieces = [p async for p in provider.stream(ASK, TOOLS)]
    await provider.close()

    assert (
        "".join(p.text for p in pieces if isinstance(p, TextDelta))
        == "Refunds are 5.52% of volume."
    )
    assert isinstance(pieces[-1], Completion) and pieces[-1].usage.completion_tokens > 0


async def test_openai_a_tool_result_goes_back_with_its_call_id(openai_fake):
    openai_fake.state.script = [assistant_message("ok")]
    call = ToolCall("call_1", "get_metric_summary", {"period": "90d"})
    history = [
        *ASK,
        ChatMessage("assistant", "", (call,)),
        ChatMessage("tool", '{"summary": "x"}', tool_call_id="call_1", name="get_metric_summary"),
    ]
    provider = openai_provider(openai_fake)

    await provider.complete(history, TOOLS)
    await provider.close()

    sent = openai_fake.state.bodies("/v1/chat/completions")[0]["messages"]
    assert sent[2]["tool_calls"][0]["function"]["arguments"] == '{"period": "90d"}'
    assert sent[3] == {"role": "tool", "content": '{"summary": "x"}', "tool_call_id": "call_1"}


async def test_openai_failing_past_its_retries_is_llm_unavailable(openai_fake):
    openai_fake.state.script = [script_error(500), script_error(500)]
    provider = openai_provider(openai_fake)

    with pytest.raises(LLMUnavailable, match="HTTP 500"):
        await provider.complete(ASK, TOOLS)
    await provider.close()

    assert len(openai_fake.state.bodies("/v1/chat/completions")) == 2


def ollama_provider(fake: Any, **more: Any) -> OllamaProvider:
    settings = settings_for("sqlite+aiosqlite://", llm={"ollama_host": fake.url, **more})
    return OllamaProvider(settings)


async def test_ollama_completion_parses_tool_calls_and_usage(ollama_fake):
    ollama_fake.state.script = [
        ollama_message(tool_calls=[ollama_tool_call("get_metric_summary", {"period": "6m"})])
    ]
    provider = ollama_provider(ollama_fake)

    completion = await provider.complete(ASK, TOOLS)
    await provider.close()

    assert [(c.name, c.arguments) for c in completion.tool_calls] == [
        ("get_metric_summary", {"period": "6m"})
    ]
    assert ollama_fake.state.bodies("/api/chat")[0]["model"] == "llama3.1"


async def test_ollama_a_timeout_is_retried_then_llm_unavailable(ollama_fake):
    ollama_fake.state.delay_seconds = 1.0
    provider = ollama_provider(ollama_fake, provider_timeout=0.2, provider_retries=1)

    with pytest.raises(LLMUnavailable):
        await provider.complete(ASK, TOOLS)
    await provider.close()

    assert len(ollama_fake.state.bodies("/api/chat")) == 2
