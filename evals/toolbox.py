"""What an agent under evaluation is given: the server's tools, with every call recorded.

The runner, not the agent, talks to the server, so any agent (ours, a Python callable, a
command speaking JSON lines) is scored on exactly the calls it made.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from vaultra_mcp.agent.messages import ToolSpec
from vaultra_mcp.agent.session import ToolOutcome, ToolSession


@dataclass
class RecordedCall:
    turn: int
    name: str
    arguments: dict[str, Any]
    is_error: bool
    error: str | None
    summary: str
    structured: dict[str, Any] | None
    latency_ms: float

    @property
    def result_hash(self) -> str:
        body = json.dumps(self.structured, sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def record(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "name": self.name,
            "arguments": self.arguments,
            "is_error": self.is_error,
            "error": self.error,
            "result_hash": self.result_hash,
            "latency_ms": round(self.latency_ms, 2),
        }


@dataclass
class ToolBox:
    """Duck-types ``ToolSession`` so our own agent loop can run on it unchanged."""

    session: ToolSession
    calls: list[RecordedCall] = field(default_factory=list)
    turn: int = 0

    async def tools(self) -> list[ToolSpec]:
        return await self.session.tools()

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        outcome = await self.session.call(name, arguments)
        self.calls.append(
            RecordedCall(
                turn=self.turn,
                name=name,
                arguments=arguments,
                is_error=outcome.is_error,
                error=outcome.error_code,
                summary=outcome.summary,
                structured=outcome.structured,
                latency_ms=outcome.latency_ms,
            )
        )
        return outcome
