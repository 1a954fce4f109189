"""``offline``: the embedded default provider. No language model, no network, no randomness.

It plays the model's part in the same loop: given the conversation, it either asks for the
tool calls its planner chooses, or, once their results are in, writes the answer from them.
A business named by name is looked up among the caller's own (``list_businesses``) before
anything else is called; a name that is not theirs is answered as not found, and nothing
else is called. When a tool says the user must pick a business, it lists the businesses and
asks; the next message naming one re-runs the earlier question for that business.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from vaultra_mcp.agent.messages import ChatMessage, Completion, TextDelta, ToolCall, ToolSpec, Usage
from vaultra_mcp.agent.offline import answers
from vaultra_mcp.agent.offline.lexicon import names_business
from vaultra_mcp.agent.offline.planner import Plan, PlannedCall, plan
from vaultra_mcp.agent.offline.results import Result
from vaultra_mcp.tokens import count_tokens

CHUNK_PATTERN = re.compile(r"[^\n]*\n*")


def _results(turn: Sequence[ChatMessage]) -> list[Result]:
    calls = {c.id: c for m in turn if m.role == "assistant" for c in m.tool_calls}
    results = []
    for m in turn:
        if m.role != "tool" or m.tool_call_id not in calls:
            continue
        call = calls[m.tool_call_id]
        summary, data = _read(m.content)
        results.append(
            Result(
                name=call.name,
                arguments=call.arguments,
                is_error=data is None or "error" in data,
                summary=summary,
                data=data or {},
            )
        )
    return results


def _read(content: str) -> tuple[str, dict[str, Any] | None]:
    """A tool message as every content-reading client gets it: a summary line, then the JSON
    result (errors carry ``error``); a refusal by the loop itself is the line alone."""
    summary, _, body = content.partition("\n")
    try:
        data = json.loads(body)
    except ValueError:
        return summary, None
    return summary, data if isinstance(data, dict) else None


def _turns(messages: Sequence[ChatMessage]) -> list[list[ChatMessage]]:
    turns: list[list[ChatMessage]] = []
    for m in messages:
        if m.role == "user":
            turns.append([m])
        elif turns:
            turns[-1].append(m)
    return turns


def _needs_selection(results: list[Result]) -> bool:
    return any(r.is_error and r.data.get("error") == "NEEDS_BUSINESS_SELECTION" for r in results)


def _listed(results: list[Result]) -> Result | None:
    return next((r for r in results if r.name == "list_businesses" and not r.is_error), None)


def _chosen(text: str, listed: Result) -> dict[str, Any] | None:
    """The business the user's reply names, by name or by id."""
    said = text.lower()
    for b in listed.data.get("businesses", []):
        name = str(b["name"]).lower()
        words = [w for w in re.findall(r"[a-z0-9]+", name) if len(w) > 3]
        if (
            name in said
            or str(b["id"]) in re.findall(r"\d+", said)
            or any(w in said for w in words[:1])
        ):
            return {"business_id": int(b["id"])}
    return None


def _named(names: tuple[str, ...], listed: Result | None) -> dict[str, Any] | None:
    """The caller's business that a name in the question names, if any."""
    for b in listed.data.get("businesses", []) if listed else []:
        if any(names_business(n, str(b["name"])) for n in names):
            return {"business_id": int(b["id"])}
    return None


def _only_listing(turn: Sequence[ChatMessage]) -> bool:
    calls = [c for m in turn if m.role == "assistant" for c in m.tool_calls]
    return bool(calls) and all(c.name == "list_businesses" for c in calls)


def _sticky(turns: list[list[ChatMessage]]) -> dict[str, Any] | None:
    """The business an earlier turn settled on (a successful call naming it), if any."""
    for turn in reversed(turns[:-1]):
        for r in _results(turn):
            if not r.is_error and "business_id" in r.arguments:
                return {"business_id": r.arguments["business_id"]}
    return None


class OfflineProvider:
    name = "offline"
    model = "vaultra-offline-planner"
    external = False

    async def close(self) -> None:
        """Nothing to release: no client, no connection."""

    async def complete(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> Completion:
        turns = _turns(messages)
        if not turns:
            return self._answer(messages, answers.reply("en", "help"))
        turn = turns[-1]
        results = _results(turn)
        offered = {t.name for t in tools}
        question, business = self._question(turns)
        planned = plan(question, business or _sticky(turns))
        if not any(m.role == "assistant" and m.tool_calls for m in turn):
            return self._first_step(messages, planned, offered, len(turn))
        if _needs_selection(results):
            listed = _listed(results)
            if listed is None and "list_businesses" in offered:
                return self._calls(messages, [PlannedCall("list_businesses")], len(turn))
            return self._answer(messages, answers.ask_which_business(planned.language, listed))
        if planned.needs_business_name:
            chosen = _named(planned.names, _listed(results))
            if chosen is None:
                return self._answer(messages, self._not_yours(planned, _listed(results)))
            planned = plan(question, chosen)
            calls = [c for c in planned.calls if c.name in offered]
            if _only_listing(turn) and calls:
                return self._calls(messages, calls, len(turn))
        return self._answer(messages, answers.compose(planned, results))

    async def stream(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> AsyncIterator[TextDelta | Completion]:
        completion = await self.complete(messages, tools)
        for piece in CHUNK_PATTERN.findall(completion.content):
            if piece:
                yield TextDelta(piece)
        yield completion

    @staticmethod
    def _question(turns: list[list[ChatMessage]]) -> tuple[str, dict[str, Any] | None]:
        """The question to answer, and the business it is for: a reply that picks one of the
        businesses the previous turn listed answers that turn's question for it."""
        question = turns[-1][0].content
        if len(turns) > 1:
            earlier = _results(turns[-2])
            listed = _listed(earlier)
            if _needs_selection(earlier) and listed is not None:
                business = _chosen(question, listed)
                if business is not None:
                    return turns[-2][0].content, business
        return question, None

    def _first_step(
        self, messages: Sequence[ChatMessage], planned: Plan, offered: set[str], step: int
    ) -> Completion:
        if planned.reply is not None:
            return self._answer(messages, answers.reply(planned.language, planned.reply))
        if planned.needs_business_name and "list_businesses" in offered:
            return self._calls(messages, [PlannedCall("list_businesses")], step)
        calls = [c for c in planned.calls if c.name in offered]
        if not calls:
            return self._answer(messages, answers.reply(planned.language, "out_of_scope"))
        return self._calls(messages, calls, step)

    @staticmethod
    def _not_yours(planned: Plan, listed: Result | None) -> str:
        names = ", ".join(b["name"] for b in (listed.data["businesses"] if listed else []))
        return answers.reply(planned.language, "not_yours", names=names or "-")

    @staticmethod
    def _calls(
        messages: Sequence[ChatMessage], planned: list[PlannedCall], step: int
    ) -> Completion:
        calls = tuple(
            ToolCall(id=f"offline_{step}_{i}", name=c.name, arguments=c.arguments)
            for i, c in enumerate(planned)
        )
        return Completion(content="", tool_calls=calls, usage=_usage(messages, ""))

    @staticmethod
    def _answer(messages: Sequence[ChatMessage], text: str) -> Completion:
        return Completion(content=text, usage=_usage(messages, text))


def _usage(messages: Sequence[ChatMessage], output: str) -> Usage:
    """What the same exchange would cost a model, counted with tiktoken: usage stays
    comparable across providers even though nothing is billed."""
    prompt = sum(count_tokens(m.content) for m in messages)
    return Usage(prompt_tokens=prompt, completion_tokens=count_tokens(output))
