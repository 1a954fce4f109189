"""Ollama chat with tools, through the official ``ollama`` client (host from ``OLLAMA_HOST``).

The client does not retry, so timeouts, connection failures, 429s and 5xx are retried here
within ``VAULTRA_PROVIDER_RETRIES``; a stream is retried only before its first piece arrived.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import ollama

from vaultra_mcp.agent.messages import ChatMessage, Completion, TextDelta, ToolSpec, Usage
from vaultra_mcp.agent.wire import ollama_messages, parse_call, tool_definitions
from vaultra_mcp.errors import LLMUnavailable
from vaultra_mcp.integrations.ollama_failures import transient
from vaultra_mcp.retries import Backoff, with_retries
from vaultra_mcp.settings import Settings


class OllamaProvider:
    name = "ollama"
    external = True  # usually a machine of ours, but it may not be: redact all the same

    def __init__(self, settings: Settings) -> None:
        self.model = settings.llm.ollama_model
        self.backoff = Backoff(settings.llm.provider_retries)
        self.client = ollama.AsyncClient(
            host=settings.llm.ollama_host, timeout=settings.llm.provider_timeout
        )
        self._ids = itertools.count(1)

    def _request(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> dict[str, Any]:
        request: dict[str, Any] = {"model": self.model, "messages": ollama_messages(messages)}
        if tools:
            request["tools"] = tool_definitions(tools)
        return request

    def _calls(self, message: Any) -> tuple[Any, ...]:
        return tuple(
            parse_call(f"call_{next(self._ids)}", c.function.name, dict(c.function.arguments))
            for c in message.tool_calls or ()
        )

    async def close(self) -> None:
        await self.client.close()  # type: ignore[no-untyped-call]  # untyped upstream

    async def complete(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> Completion:
        async def attempt() -> Any:
            return await self.client.chat(**self._request(messages, tools))

        try:
            response = await with_retries(attempt, self.backoff, transient=transient)
        except (ollama.ResponseError, httpx.HTTPError, ConnectionError) as exc:
            raise _unavailable(exc) from None
        return Completion(
            content=response.message.content or "",
            tool_calls=self._calls(response.message),
            usage=Usage(response.prompt_eval_count or 0, response.eval_count or 0),
        )

    async def stream(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> AsyncIterator[TextDelta | Completion]:
        async def opened() -> tuple[Any, Any]:
            chunks = await self.client.chat(**self._request(messages, tools), stream=True)
            iterator = aiter(chunks)
            return iterator, await anext(iterator)

        text: list[str] = []
        calls: list[Any] = []
        usage = Usage()
        try:
            iterator, chunk = await with_retries(opened, self.backoff, transient=transient)
            while True:
                if chunk.message.content:
                    text.append(chunk.message.content)
                    yield TextDelta(chunk.message.content)
                calls.extend(self._calls(chunk.message))
                if chunk.done:
                    usage = Usage(chunk.prompt_eval_count or 0, chunk.eval_count or 0)
                    break
                chunk = await anext(iterator)
        except StopAsyncIteration:
            pass
        except (ollama.ResponseError, httpx.HTTPError, ConnectionError) as exc:
            raise _unavailable(exc) from None
        yield Completion(content="".join(text), tool_calls=tuple(calls), usage=usage)


def _unavailable(exc: BaseException) -> LLMUnavailable:
    status = getattr(exc, "status_code", None)
    why = f"HTTP {status}" if status else type(exc).__name__
    return LLMUnavailable(f"The Ollama model did not answer ({why}) after retries.")
