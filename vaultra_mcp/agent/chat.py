"""A chat turn for the web: store the message, run the agent over in-memory MCP, store the answer.

``prepare`` does everything that can be refused (bad input, someone else's conversation, a
spent budget) before any byte is streamed, so those are plain HTTP errors; ``run`` then yields
the turn as named events (``start``, ``tool_call``, ``tool_result``, ``chunk``, ``complete``,
or ``error``). The MCP server is bound to the conversation's business out of band: whatever
the model asks for, it reaches that business and nothing else. Answers keep links only to the
sources Vaultra cites and to the app itself (``core.link_safety``), whatever the provider.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from vaultra_mcp.agent.events import AnswerChunk, ToolCallFinished, ToolCallStarted, TurnComplete
from vaultra_mcp.agent.loop import Agent
from vaultra_mcp.agent.messages import ChatMessage, Usage
from vaultra_mcp.agent.prompt import describe
from vaultra_mcp.agent.provider import LLMProvider, build_provider
from vaultra_mcp.agent.session import ServerPool, SessionPool
from vaultra_mcp.caller import Caller
from vaultra_mcp.core.redaction import parse_kinds, redact
from vaultra_mcp.errors import VaultraError
from vaultra_mcp.services.businesses import business_context
from vaultra_mcp.services.conversations import (
    AssistantReply,
    TurnStart,
    finish_turn,
    start_turn,
)
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.web_config import link_policy
from vaultra_mcp.settings import Settings

log = logging.getLogger("vaultra.agent")
ChatEvent = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class ChatRuntime:
    """What every turn shares, built once per process: the model, the in-process servers and
    an open session to each (a turn reuses its caller's instead of a handshake per turn)."""

    deps: Deps
    provider: LLMProvider
    sessions: SessionPool

    @classmethod
    def build(cls, deps: Deps) -> ChatRuntime:
        return cls(deps, build_provider(deps.settings), SessionPool(ServerPool(deps)))

    async def close(self) -> None:
        await self.sessions.close()
        await self.provider.close()


def cost_micros(settings: Settings, provider: LLMProvider, usage: Usage) -> int:
    """Estimated USD cost in millionths: tokens times the price per million tokens. Local
    models (offline, Ollama) cost nothing per token."""
    if provider.name != "openai":
        return 0
    return round(
        usage.prompt_tokens * settings.llm.llm_input_price
        + usage.completion_tokens * settings.llm.llm_output_price
    )


async def prepare(
    deps: Deps,
    caller: Caller,
    *,
    message: str,
    business_id: int | None,
    conversation_id: int | None,
) -> TurnStart:
    """Checks, then the user's message committed (PII already replaced by placeholders)."""
    kinds = parse_kinds(deps.settings.redact_pii)
    text = redact(message, kinds).text if kinds else message
    return await start_turn(
        deps, caller, text=text, business_id=business_id, conversation_id=conversation_id
    )


def _history(started: TurnStart) -> list[ChatMessage]:
    return [
        ChatMessage("user" if m.role == "user" else "assistant", m.content)
        for m in started.history
        if m.role in ("user", "assistant")
    ]


async def run(runtime: ChatRuntime, started: TurnStart) -> AsyncIterator[ChatEvent]:
    deps, provider, settings = runtime.deps, runtime.provider, runtime.deps.settings
    yield (
        "start",
        {
            "conversation_id": started.conversation_id,
            "message_id": started.message_id,
            "business_id": started.business_id,
            "provider": provider.name,
            "model": provider.model,
        },
    )
    calls: list[dict[str, Any]] = []
    caller = Caller.pinned(started.business_id)
    try:
        business = await business_context(deps, caller, started.business_id)
        session = await runtime.sessions.session(caller)
        agent = Agent(
            provider,
            session,
            max_steps=settings.llm.agent_max_steps,
            context_tokens=settings.llm.agent_context_tokens,
            redact_kinds=parse_kinds(settings.redact_pii),
            history=_history(started),
            context=describe(business),
            links=link_policy(deps),
        )
        async for event in agent.turn(started.text):
            if isinstance(event, ToolCallStarted):
                c = event.call
                yield "tool_call", {"id": c.id, "name": c.name, "arguments": c.arguments}
            elif isinstance(event, ToolCallFinished):
                calls.append(_recorded(event))
                yield "tool_result", calls[-1]
            elif isinstance(event, AnswerChunk):
                yield "chunk", {"text": event.text}
            elif isinstance(event, TurnComplete):
                yield "complete", await _complete(deps, provider, started, event, calls)
    except VaultraError as exc:
        log.warning("chat turn %s failed: %s", started.conversation_id, exc.code)
        yield "error", _error(started, exc.code, exc.message, exc.next_step)
    except Exception:  # the stream has started: say so in an event, never a stack trace
        log.exception("chat turn %s failed unexpectedly", started.conversation_id)
        yield "error", _error(started, "INTERNAL_ERROR", INTERNAL, "Send the message again.")


INTERNAL = "Something went wrong on our side; your message is saved."


def _error(started: TurnStart, code: str, message: str, next_step: str) -> dict[str, Any]:
    return {
        "error": code,
        "message": message,
        "next_step": next_step,
        "conversation_id": started.conversation_id,
        "message_id": started.message_id,
    }


def _recorded(event: ToolCallFinished) -> dict[str, Any]:
    o = event.outcome
    return {
        "id": event.call.id,
        "name": event.call.name,
        "arguments": event.call.arguments,
        "is_error": o.is_error,
        "error": o.error_code,
        "summary": o.summary,
        "latency_ms": round(o.latency_ms, 2),
    }


async def _complete(
    deps: Deps,
    provider: LLMProvider,
    started: TurnStart,
    done: TurnComplete,
    calls: list[dict[str, Any]],
) -> dict[str, Any]:
    cost = cost_micros(deps.settings, provider, done.usage)
    message_id = await finish_turn(
        deps,
        started,
        AssistantReply(
            content=done.answer,
            tool_calls=calls,
            prompt_tokens=done.usage.prompt_tokens,
            completion_tokens=done.usage.completion_tokens,
            provider=provider.name,
            model=provider.model,
            cost_usd_micros=cost,
        ),
    )
    return {
        "conversation_id": started.conversation_id,
        "message_id": message_id,
        "answer": done.answer,
        "tool_calls": calls,
        "steps": done.steps,
        "usage": {
            "prompt_tokens": done.usage.prompt_tokens,
            "completion_tokens": done.usage.completion_tokens,
            "total_tokens": done.usage.total,
            "estimated_cost_usd_micros": cost,
        },
        "provider": provider.name,
        "model": provider.model,
    }
