"""What a provider reads and writes: chat messages, tool calls, tool specs, usage.

Kept independent of any vendor's types so the loop, the offline planner and the stores speak
one language; each provider translates at its own boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]
    malformed: str | None = None  # the raw arguments when the model sent no JSON object


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None  # on a tool message: the call it answers
    name: str | None = None  # on a tool message: the tool


@dataclass(frozen=True)
class ToolSpec:
    """A tool as the model sees it: the server's own name, description and input schema."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Completion:
    """One model step: text, tool calls to make, or both."""

    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer as the model streams it."""

    text: str
