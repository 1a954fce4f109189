"""Our messages and tools in the wire formats of OpenAI's and Ollama's chat APIs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from vaultra_mcp.agent.messages import ChatMessage, ToolCall, ToolSpec


def tool_definitions(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": t.input_schema,
            },
        }
        for t in tools
    ]


def openai_messages(messages: Sequence[ChatMessage]) -> list[Any]:
    """OpenAI: tool-call arguments as a JSON string; a tool message names its call's id."""
    wire: list[dict[str, Any]] = []
    for m in messages:
        item: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            item["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                }
                for c in m.tool_calls
            ]
        if m.tool_call_id is not None:
            item["tool_call_id"] = m.tool_call_id
        wire.append(item)
    return wire


def ollama_messages(messages: Sequence[ChatMessage]) -> list[Any]:
    """Ollama: arguments as an object; a tool message names its tool."""
    wire: list[dict[str, Any]] = []
    for m in messages:
        item: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            item["tool_calls"] = [
                {"function": {"name": c.name, "arguments": c.arguments}} for c in m.tool_calls
            ]
        if m.role == "tool" and m.name:
            item["tool_name"] = m.name
        wire.append(item)
    return wire


def parse_call(call_id: str, name: str, raw: str | dict[str, Any] | None) -> ToolCall:
    """A tool call whose arguments may be anything a model wrote: malformed ones are kept
    raw, so the loop can tell the model instead of calling the tool."""
    if isinstance(raw, dict):
        return ToolCall(id=call_id, name=name, arguments=raw)
    try:
        parsed = json.loads(raw or "{}")
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return ToolCall(id=call_id, name=name, arguments={}, malformed=str(raw)[:200])
    return ToolCall(id=call_id, name=name, arguments=parsed)
