"""A stand-in model behind the OpenAI and Ollama fakes: the offline planner, spoken over each
API's wire format.

The fake hands it every chat request the test did not script; it turns the wire messages back
into our ``ChatMessage``s, lets the offline assistant decide, and answers in the API's own
shape. So the OpenAI and Ollama providers run the whole eval suite through their official
clients (tool specs out, tool calls back, tool results as "summary line\\n{json}" text, streamed
answers) and must score exactly what the offline assistant scores directly: any difference is
the provider's plumbing.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.ollama_api import ollama_message, ollama_tool_call
from tests.fakes.openai_api import assistant_message, tool_call
from vaultra_mcp.agent.messages import ChatMessage, Completion, ToolCall, ToolSpec
from vaultra_mcp.agent.offline.provider import OfflineProvider


def _specs(body: dict[str, Any]) -> list[ToolSpec]:
    return [
        ToolSpec(
            t["function"]["name"],
            t["function"].get("description", ""),
            t["function"].get("parameters", {}),
        )
        for t in body.get("tools") or []
    ]


async def _decide(messages: list[ChatMessage], body: dict[str, Any]) -> Completion:
    return await OfflineProvider().complete(messages, _specs(body))


async def openai_stand_in(body: dict[str, Any]) -> dict[str, Any]:
    """OpenAI: tool calls carry ids and JSON-string arguments; tool messages name the id."""
    messages = []
    for m in body["messages"]:
        calls = tuple(
            ToolCall(c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
            for c in m.get("tool_calls") or []
        )
        messages.append(
            ChatMessage(m["role"], m.get("content") or "", calls, m.get("tool_call_id"))
        )
    completion = await _decide(messages, body)
    calls = [tool_call(c.name, c.arguments, id=c.id) for c in completion.tool_calls]
    return assistant_message(completion.content or None, calls)


async def ollama_stand_in(body: dict[str, Any]) -> dict[str, Any]:
    """Ollama: tool calls have no ids, so each tool message answers the next call in order."""
    messages: list[ChatMessage] = []
    pending: list[str] = []
    for n, m in enumerate(body["messages"]):
        if m["role"] == "tool":
            messages.append(
                ChatMessage("tool", m.get("content") or "", tool_call_id=pending.pop(0))
            )
            continue
        calls = tuple(
            ToolCall(f"call_{n}_{i}", c["function"]["name"], dict(c["function"]["arguments"]))
            for i, c in enumerate(m.get("tool_calls") or [])
        )
        pending = [c.id for c in calls]
        messages.append(ChatMessage(m["role"], m.get("content") or "", calls))
    completion = await _decide(messages, body)
    calls = [ollama_tool_call(c.name, c.arguments) for c in completion.tool_calls]
    return ollama_message(completion.content, calls)
