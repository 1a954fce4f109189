"""One turn of the agent: model -> tool calls -> results, until it answers or runs out of steps.

The model sees only the tools the server lists and the results the server returns; a call to a
tool that is not listed, or with arguments that are not a JSON object, is answered with an
error for the model to read, and never reaches the server. Text bound for an external model is
redacted first. The last step offers no tools, so a model that keeps calling must answer.

Text bound for the user passes an ``AnswerGuard`` as it streams: images, raw HTML and links to
hosts off the allowlist never reach a client that renders markdown, and the answer reported
at the end is exactly what was streamed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

from vaultra_mcp.agent.events import (
    AgentEvent,
    AnswerChunk,
    ToolCallFinished,
    ToolCallStarted,
    TurnComplete,
)
from vaultra_mcp.agent.history import fit_history
from vaultra_mcp.agent.messages import ChatMessage, Completion, ToolCall, ToolSpec, Usage
from vaultra_mcp.agent.prompt import business_context, system_prompt
from vaultra_mcp.agent.provider import LLMProvider
from vaultra_mcp.agent.session import ToolOutcome, ToolSession
from vaultra_mcp.core.answer_guard import AnswerGuard
from vaultra_mcp.core.link_safety import NO_LINKS, LinkPolicy
from vaultra_mcp.core.redaction import redact


class Agent:
    """A conversation with one caller: its history lives as long as this object."""

    def __init__(
        self,
        provider: LLMProvider,
        session: ToolSession,
        *,
        max_steps: int,
        context_tokens: int,
        redact_kinds: Sequence[str] = (),
        history: Sequence[ChatMessage] = (),
        context: str | None = None,
        links: LinkPolicy = NO_LINKS,
    ) -> None:
        """``context`` describes the business when the host already knows it; otherwise it is
        read through the session before the first turn. ``links``: which links an answer may
        keep (by default none)."""
        self.provider = provider
        self.session = session
        self.max_steps = max_steps
        self.context_tokens = context_tokens
        self.redact_kinds = tuple(redact_kinds)
        self.history: list[ChatMessage] = list(history)
        self.links = links
        self._system = None if context is None else ChatMessage("system", system_prompt(context))

    async def turn(self, user_text: str) -> AsyncIterator[AgentEvent]:
        tools = await self.session.tools()
        if self._system is None:
            self._system = ChatMessage(
                "system", system_prompt(await business_context(self.session))
            )
        self.history.append(ChatMessage("user", user_text))
        usage, finished = Usage(), list[ToolCallFinished]()
        for step in range(1, self.max_steps + 2):
            offered = tools if step <= self.max_steps else []
            completion, guard = None, AnswerGuard(self.links)
            async for piece in self.provider.stream(self._outgoing(), offered):
                if isinstance(piece, Completion):
                    completion = piece
                elif shown := guard.feed(piece.text):
                    yield AnswerChunk(shown)
            assert completion is not None, "a provider's stream ends with its Completion"
            if rest := guard.finish():
                yield AnswerChunk(rest)
            usage += completion.usage
            self.history.append(ChatMessage("assistant", completion.content, completion.tool_calls))
            if not completion.tool_calls or not offered:
                yield TurnComplete(guard.shown, usage, step, finished)
                return
            for call in completion.tool_calls:
                yield ToolCallStarted(call)
                outcome = await self._execute(call, offered)
                finished.append(ToolCallFinished(call, outcome))
                yield finished[-1]
                self.history.append(
                    ChatMessage("tool", outcome.for_model(), tool_call_id=call.id, name=call.name)
                )
        raise AssertionError("the last step offers no tools, so it always answers")

    async def _execute(self, call: ToolCall, offered: Sequence[ToolSpec]) -> ToolOutcome:
        if call.name not in {t.name for t in offered}:
            return _refused(call, "UNKNOWN_TOOL", f"There is no tool named {call.name!r}.")
        if call.malformed is not None:
            return _refused(call, "INVALID_ARGUMENT", "The arguments are not a JSON object.")
        return await self.session.call(call.name, call.arguments)

    def _outgoing(self) -> list[ChatMessage]:
        assert self._system is not None
        messages = fit_history([self._system, *self.history], self.context_tokens)
        if not (self.provider.external and self.redact_kinds):
            return messages
        return [replace(m, content=redact(m.content, self.redact_kinds).text) for m in messages]


def _refused(call: ToolCall, code: str, message: str) -> ToolOutcome:
    return ToolOutcome(
        name=call.name,
        arguments=call.arguments,
        is_error=True,
        text=f"{code}: {message}",
        structured={"error": code, "message": message},
        latency_ms=0.0,
    )
