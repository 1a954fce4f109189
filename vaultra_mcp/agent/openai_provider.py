"""OpenAI chat completions with tools, through the official ``openai`` client.

Model, base URL, timeout and retries come from settings: the library's own default waits up
to 600 seconds, far too long for a person watching a chat. The client retries timeouts, 429s
and 5xx itself (``max_retries``, exponential backoff honouring ``Retry-After``); whatever is
still failing after that becomes ``LLMUnavailable``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import openai

from vaultra_mcp.agent.messages import ChatMessage, Completion, TextDelta, ToolSpec, Usage
from vaultra_mcp.agent.wire import openai_messages, parse_call, tool_definitions
from vaultra_mcp.errors import LLMUnavailable
from vaultra_mcp.settings import Settings


class OpenAIProvider:
    name = "openai"
    external = True

    def __init__(self, settings: Settings) -> None:
        self.model = settings.llm.openai_model
        key = settings.llm.openai_api_key.get_secret_value() if settings.llm.openai_api_key else ""
        self.client = openai.AsyncOpenAI(
            api_key=key or "unset",
            base_url=settings.llm.openai_base_url,
            timeout=settings.llm.provider_timeout,
            max_retries=settings.llm.provider_retries,
        )

    def _request(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": openai_messages(messages),
        }
        if tools:
            request["tools"] = tool_definitions(tools)
        return request

    async def close(self) -> None:
        await self.client.close()

    async def complete(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> Completion:
        try:
            response = await self.client.chat.completions.create(**self._request(messages, tools))
        except openai.APIError as exc:
            raise _unavailable(exc) from None
        message = response.choices[0].message
        calls = tuple(
            parse_call(c.id, c.function.name, c.function.arguments)
            for c in message.tool_calls or ()
            if c.type == "function"
        )
        usage = response.usage
        return Completion(
            content=message.content or "",
            tool_calls=calls,
            usage=Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage(),
        )

    async def stream(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> AsyncIterator[TextDelta | Completion]:
        text: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        usage = Usage()
        try:
            chunks = await self.client.chat.completions.create(
                **self._request(messages, tools),
                stream=True,
                stream_options={"include_usage": True},
            )
            async for chunk in chunks:
                if chunk.usage is not None:
                    usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        text.append(delta.content)
                        yield TextDelta(delta.content)
                    for piece in delta.tool_calls or ():
                        call = calls.setdefault(piece.index, {"id": "", "name": "", "args": ""})
                        call["id"] = piece.id or call["id"]
                        if piece.function is not None:
                            call["name"] += piece.function.name or ""
                            call["args"] += piece.function.arguments or ""
        except openai.APIError as exc:
            raise _unavailable(exc) from None
        assembled = tuple(
            parse_call(c["id"] or f"call_{i}", c["name"], c["args"])
            for i, c in sorted(calls.items())
        )
        yield Completion(content="".join(text), tool_calls=assembled, usage=usage)


def _unavailable(exc: openai.APIError) -> LLMUnavailable:
    status = getattr(exc, "status_code", None)
    why = f"HTTP {status}" if status else type(exc).__name__
    return LLMUnavailable(f"The OpenAI model did not answer ({why}) after retries.")
