"""A fake of the OpenAI REST API (embeddings and chat completions).

Serves the wire format the official ``openai`` client expects, so tests run the real
client (encoding, retries, timeouts, SSE streaming) against scripted answers.
Point a client at it with ``OpenAI(base_url=f"{url}/v1", api_key="test")``.
"""

from __future__ import annotations

import base64
import itertools
import json
import struct
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.common import ScriptedState, intercept, next_reply, script_error
from tests.fakes.embedding import embed_text, words

__all__ = [
    "OpenAIState",
    "assistant_message",
    "build_openai_app",
    "embed_text",
    "script_error",
    "tool_call",
]

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    408: "timeout",
    429: "rate_limit_exceeded",
    503: "service_unavailable",
}
_CHUNK = 8


@dataclass
class OpenAIState(ScriptedState):
    """Script, recorded requests and failure switches of one OpenAI fake."""

    _ids: Iterator[int] = field(default_factory=itertools.count, repr=False)


def tool_call(name: str, arguments: dict[str, Any] | str, id: str | None = None) -> dict[str, Any]:
    """An OpenAI tool call; dict arguments are JSON-encoded as the API does."""
    encoded = arguments if isinstance(arguments, str) else json.dumps(arguments)
    call: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": encoded}}
    if id is not None:
        call["id"] = id
    return call


def assistant_message(
    content: str | None = None, tool_calls: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """A script item: the assistant's reply, with optional tool calls."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = list(tool_calls)
    return message


def openai_error(status: int, message: str) -> Response:
    """An error response shaped like OpenAI's ``{"error": {...}}``."""
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return JSONResponse(body, status_code=status)


def _count_tokens(value: Any) -> int:
    """A rough token count (words) of any JSON value, for ``usage``."""
    return len(words(value if isinstance(value, str) else json.dumps(value)))


def _encode(vector: list[float], encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":  # little-endian float32, as the client decodes it
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector


async def _embeddings(request: Request, state: OpenAIState) -> Response:
    body, failure = await intercept(request, state, openai_error)
    if failure is not None:
        return failure
    if not isinstance(body, dict) or "input" not in body or "model" not in body:
        return openai_error(400, "'model' and 'input' are required")
    raw = body["input"]
    texts = [raw] if isinstance(raw, str) else [t if isinstance(t, str) else str(t) for t in raw]
    dims = int(body.get("dimensions") or state.dimensions)
    fmt = body.get("encoding_format", "float")
    data = [
        {"object": "embedding", "index": i, "embedding": _encode(embed_text(text, dims), fmt)}
        for i, text in enumerate(texts)
    ]
    tokens = sum(_count_tokens(t) for t in texts)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return JSONResponse({"object": "list", "data": data, "model": body["model"], "usage": usage})


def _complete_message(item: dict[str, Any], state: OpenAIState) -> dict[str, Any]:
    """The scripted message with the fields the API always sends filled in."""
    message = {"role": "assistant", "content": None, "refusal": None, **item}
    calls = [dict(call) for call in item.get("tool_calls") or []]
    for call in calls:
        call.setdefault("id", f"call_fake{next(state._ids)}")
        call.setdefault("type", "function")
    if calls:
        message["tool_calls"] = calls
    return message


def _usage(request_body: dict[str, Any], message: dict[str, Any]) -> dict[str, int]:
    prompt = _count_tokens(request_body.get("messages", []))
    completion = _count_tokens(message.get("content") or "") + _count_tokens(
        message.get("tool_calls") or ""
    )
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _pieces(text: str) -> list[str]:
    return [text[i : i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]


def _delta_chunks(message: dict[str, Any], finish_reason: str) -> Iterator[dict[str, Any]]:
    """The ``choices[0]`` deltas of a streamed message, as OpenAI splits them."""
    yield {"delta": {"role": "assistant", "content": "", "refusal": None}, "finish_reason": None}
    if message.get("content"):
        for piece in _pieces(message["content"]):
            yield {"delta": {"content": piece}, "finish_reason": None}
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call["function"]
        head = {"name": function["name"], "arguments": ""}
        first = {"index": index, "id": call["id"], "type": "function", "function": head}
        yield {"delta": {"tool_calls": [first]}, "finish_reason": None}
        for piece in _pieces(function["arguments"]):
            more = {"index": index, "function": {"arguments": piece}}
            yield {"delta": {"tool_calls": [more]}, "finish_reason": None}
    yield {"delta": {}, "finish_reason": finish_reason}


def _sse(
    envelope: dict[str, Any],
    message: dict[str, Any],
    finish_reason: str,
    usage: dict[str, int] | None,
) -> Iterator[str]:
    chunk = {**envelope, "object": "chat.completion.chunk"}
    if usage is not None:
        chunk["usage"] = None
    for choice in _delta_chunks(message, finish_reason):
        data = {**chunk, "choices": [{"index": 0, "logprobs": None, **choice}]}
        yield f"data: {json.dumps(data)}\n\n"
    if usage is not None:
        yield f"data: {json.dumps({**chunk, 'choices': [], 'usage': usage})}\n\n"
    yield "data: [DONE]\n\n"


async def _chat(request: Request, state: OpenAIState) -> Response:
    body, failure = await intercept(request, state, openai_error)
    if failure is not None:
        return failure
    if not isinstance(body, dict) or "messages" not in body or "model" not in body:
        return openai_error(400, "'model' and 'messages' are required")
    item, failure = await next_reply(state, body, openai_error)
    if item is None:
        assert failure is not None
        return failure
    message = _complete_message(item, state)
    finish_reason = "tool_calls" if message.get("tool_calls") else item.get("finish_reason", "stop")
    message.pop("finish_reason", None)
    envelope = {
        "id": f"chatcmpl-fake{next(state._ids)}",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": "fp_fake",
    }
    usage = _usage(body, message)
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events = _sse(envelope, message, finish_reason, usage if include_usage else None)
        return StreamingResponse(events, media_type="text/event-stream")
    choice = {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
    completion = {**envelope, "object": "chat.completion", "choices": [choice], "usage": usage}
    return JSONResponse(completion)


def build_openai_app(state: OpenAIState) -> Starlette:
    """The fake's ASGI app; every route reads and updates *state*."""

    async def embeddings(request: Request) -> Response:
        return await _embeddings(request, state)

    async def chat(request: Request) -> Response:
        return await _chat(request, state)

    return Starlette(
        routes=[
            Route("/v1/embeddings", embeddings, methods=["POST"]),
            Route("/v1/chat/completions", chat, methods=["POST"]),
        ]
    )
