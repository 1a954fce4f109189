"""A fake of the Ollama HTTP API (embed and chat).

Serves the wire format of a local Ollama server so the official ``ollama`` client is
exercised for real: ``ollama.Client(host=url)`` / ``ollama.AsyncClient(host=url)``.
Chat answers come from a script; streamed answers are newline-delimited JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.common import ScriptedState, intercept, next_reply, script_error
from tests.fakes.embedding import embed_text, words

__all__ = [
    "OllamaState",
    "build_ollama_app",
    "ollama_message",
    "ollama_tool_call",
    "script_error",
]

_CHUNK = 8
_NANOS = 1_000_000  # durations reported by the fake: 1 ms each


@dataclass
class OllamaState(ScriptedState):
    """Script, recorded requests and failure switches of one Ollama fake."""


def ollama_tool_call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """An Ollama tool call: arguments are a JSON object, not an encoded string."""
    return {"function": {"name": name, "arguments": arguments}}


def ollama_message(content: str = "", tool_calls: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A script item: the assistant's reply, with optional tool calls."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = list(tool_calls)
    return message


def ollama_error(status: int, message: str) -> Response:
    """An error response shaped like Ollama's ``{"error": "..."}``."""
    return JSONResponse({"error": message}, status_code=status)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


async def _embed(request: Request, state: OllamaState) -> Response:
    body, failure = await intercept(request, state, ollama_error)
    if failure is not None:
        return failure
    if not isinstance(body, dict) or not body.get("model"):
        return ollama_error(400, "model is required")
    raw = body.get("input", "")
    texts = [raw] if isinstance(raw, str) else [str(t) for t in raw]
    dims = int(body.get("dimensions") or state.dimensions)
    return JSONResponse(
        {
            "model": body["model"],
            "embeddings": [embed_text(text, dims) for text in texts],
            "total_duration": _NANOS,
            "load_duration": _NANOS,
            "prompt_eval_count": sum(len(words(t)) for t in texts),
        }
    )


def _final(model: str, prompt_tokens: int, eval_tokens: int, reason: str) -> dict[str, Any]:
    return {
        "model": model,
        "created_at": _now(),
        "done": True,
        "done_reason": reason,
        "total_duration": 3 * _NANOS,
        "load_duration": _NANOS,
        "prompt_eval_count": prompt_tokens,
        "prompt_eval_duration": _NANOS,
        "eval_count": eval_tokens,
        "eval_duration": _NANOS,
    }


def _stream(model: str, message: dict[str, Any], final: dict[str, Any]) -> Iterator[str]:
    """Content in small pieces, tool calls whole in one chunk, then the done chunk."""

    def chunk(part: dict[str, Any]) -> str:
        body = {"model": model, "created_at": _now(), "message": part, "done": False}
        return json.dumps(body) + "\n"

    content = message.get("content") or ""
    for i in range(0, len(content), _CHUNK):
        yield chunk({"role": "assistant", "content": content[i : i + _CHUNK]})
    if message.get("tool_calls"):
        yield chunk({"role": "assistant", "content": "", "tool_calls": message["tool_calls"]})
    yield json.dumps({**final, "message": {"role": "assistant", "content": ""}}) + "\n"


async def _chat(request: Request, state: OllamaState) -> Response:
    body, failure = await intercept(request, state, ollama_error)
    if failure is not None:
        return failure
    if not isinstance(body, dict) or not body.get("model"):
        return ollama_error(400, "model is required")
    item, failure = await next_reply(state, body, ollama_error)
    if item is None:
        assert failure is not None
        return failure
    message = {"role": "assistant", "content": "", **item}
    reason = message.pop("done_reason", "stop")
    prompt_tokens = len(words(json.dumps(body.get("messages") or [])))
    eval_tokens = len(words(message["content"] or "")) + len(message.get("tool_calls") or [])
    final = _final(body["model"], prompt_tokens, eval_tokens, reason)
    if body.get("stream", True):  # Ollama streams unless told otherwise
        return StreamingResponse(
            _stream(body["model"], message, final), media_type="application/x-ndjson"
        )
    return JSONResponse({**final, "message": message})


def build_ollama_app(state: OllamaState) -> Starlette:
    """The fake's ASGI app; every route reads and updates *state*."""

    async def embed(request: Request) -> Response:
        return await _embed(request, state)

    async def chat(request: Request) -> Response:
        return await _chat(request, state)

    async def root(request: Request) -> Response:
        return PlainTextResponse("Ollama is running")

    return Starlette(
        routes=[
            Route("/", root, methods=["GET", "HEAD"]),
            Route("/api/embed", embed, methods=["POST"]),
            Route("/api/chat", chat, methods=["POST"]),
        ]
    )
