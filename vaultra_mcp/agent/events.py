"""What a turn reports as it runs: the SSE events of the chat endpoint, and what evals record."""

from __future__ import annotations

from dataclasses import dataclass, field

from vaultra_mcp.agent.messages import ToolCall, Usage
from vaultra_mcp.agent.session import ToolOutcome


@dataclass(frozen=True)
class ToolCallStarted:
    call: ToolCall


@dataclass(frozen=True)
class ToolCallFinished:
    call: ToolCall
    outcome: ToolOutcome


@dataclass(frozen=True)
class AnswerChunk:
    text: str


@dataclass(frozen=True)
class TurnComplete:
    answer: str
    usage: Usage
    steps: int
    tool_calls: list[ToolCallFinished] = field(default_factory=list)


AgentEvent = ToolCallStarted | ToolCallFinished | AnswerChunk | TurnComplete
