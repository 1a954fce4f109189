"""Agents under evaluation, behind one small interface.

``AgentUnderTest.turn(message, tools)`` answers one user message, calling tools only through
``tools`` (a ``ToolBox``); a fresh agent is made for every trial. Built in: our chat agent with
the ``offline``, ``openai`` or ``ollama`` provider. Bring your own: ``python:module:factory``
(a callable returning an object with ``async turn``), or ``cmd:<command line>`` speaking JSON
lines on stdin/stdout:

    runner -> agent  {"type": "user", "text": "...", "tools": [{name, description, input_schema}]}
    agent -> runner  {"type": "tool_call", "name": "...", "arguments": {...}}
    runner -> agent  {"type": "tool_result", "name": "...", "is_error": false, "content": "..."}
    agent -> runner  {"type": "answer", "text": "...", "usage": {"prompt_tokens": 0, ...}}
"""

from __future__ import annotations

import asyncio
import importlib
import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from evals.toolbox import ToolBox
from vaultra_mcp.agent.events import TurnComplete
from vaultra_mcp.agent.loop import Agent
from vaultra_mcp.agent.messages import Usage
from vaultra_mcp.agent.prompt import business_context
from vaultra_mcp.agent.provider import LLMProvider, build_provider
from vaultra_mcp.settings import Settings

MAX_TOOL_CALLS_PER_TURN = 20


@dataclass(frozen=True)
class Reply:
    text: str
    usage: Usage = field(default_factory=Usage)


class AgentUnderTest(Protocol):
    async def turn(self, message: str, tools: ToolBox) -> Reply: ...

    async def close(self) -> None: ...


class LoopAgent:
    """Our chat agent; the business context is read outside the recorded calls."""

    def __init__(self, provider: LLMProvider, settings: Settings) -> None:
        self.provider = provider
        self.settings = settings
        self.agent: Agent | None = None

    async def turn(self, message: str, tools: ToolBox) -> Reply:
        if self.agent is None:
            self.agent = Agent(
                self.provider,
                tools,  # type: ignore[arg-type]  # ToolBox records, then delegates to a ToolSession
                max_steps=self.settings.llm.agent_max_steps,
                context_tokens=self.settings.llm.agent_context_tokens,
                context=await business_context(tools.session),
            )
        async for event in self.agent.turn(message):
            if isinstance(event, TurnComplete):
                return Reply(event.answer, event.usage)
        raise AssertionError("a turn ends with TurnComplete")

    async def close(self) -> None:
        await self.provider.close()


class CommandAgent:
    """An agent in another process, speaking the JSON-lines protocol above."""

    def __init__(self, command: str) -> None:
        self.command = shlex.split(command)
        self.process: asyncio.subprocess.Process | None = None

    async def _send(self, message: dict[str, Any]) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        await self.process.stdin.drain()

    async def _receive(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"agent command {self.command[0]} exited without answering")
        message = json.loads(line)
        if not isinstance(message, dict):
            raise RuntimeError("agent command sent a line that is not a JSON object")
        return message

    async def turn(self, message: str, tools: ToolBox) -> Reply:
        if self.process is None:
            self.process = await asyncio.create_subprocess_exec(
                *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
            )
        specs = [t.__dict__ for t in await tools.tools()]
        await self._send({"type": "user", "text": message, "tools": specs})
        for _ in range(MAX_TOOL_CALLS_PER_TURN + 1):
            reply = await self._receive()
            if reply.get("type") == "answer":
                usage = reply.get("usage") or {}
                return Reply(
                    str(reply.get("text", "")),
                    Usage(
                        int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
                    ),
                )
            outcome = await tools.call(str(reply.get("name")), dict(reply.get("arguments") or {}))
            await self._send(
                {
                    "type": "tool_result",
                    "name": outcome.name,
                    "is_error": outcome.is_error,
                    "content": outcome.for_model(),
                }
            )
        raise RuntimeError(f"agent command made more than {MAX_TOOL_CALLS_PER_TURN} calls")

    async def close(self) -> None:
        if self.process is not None and self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


AgentFactory = Callable[[], AgentUnderTest]


def agent_factory(spec: str, settings: Settings) -> AgentFactory:
    """``offline`` | ``openai`` | ``ollama`` | ``python:module:factory`` | ``cmd:command line``."""
    if spec in ("offline", "openai", "ollama"):
        return lambda: LoopAgent(build_provider(settings, spec), settings)
    if spec.startswith("python:"):
        module, _, name = spec.removeprefix("python:").partition(":")
        factory = getattr(importlib.import_module(module), name)
        return lambda: factory()
    if spec.startswith("cmd:"):
        command = spec.removeprefix("cmd:")
        return lambda: CommandAgent(command)
    raise ValueError(f"unknown agent {spec!r}: use offline, openai, ollama, python:..., cmd:...")
