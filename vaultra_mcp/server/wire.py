"""Every request gets exactly one answer, even one the MCP SDK cannot parse.

The SDK's stdio reader parses each line with pydantic's JSON parser, which refuses lone
surrogate escapes (``"\\ud902"``), nesting past its recursion limit and integers past 64 bits,
and hands the failure to the server as an exception that it logs and drops: the client waits
for an answer that never comes. ``answering_unreadable`` sits between the transport and the
server and answers each such line with a JSON-RPC error carrying the request's own id, found
by a scan of the top level that does not parse the rest (which is exactly what failed).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp_types as types
from anyio.abc import ObjectReceiveStream, ObjectSendStream
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

log = logging.getLogger("vaultra.mcp")

PARSE_ERROR, INVALID_REQUEST = -32700, -32600
MAX_ID_DIGITS = 19  # a JSON-RPC id we echo must fit the integers the SDK accepts
# One JSON token: a string (escapes kept), a structural character, or a bare literal.
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)
INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
REASONS = (
    ("hex escape", "a \\u escape that is not a whole character (a lone surrogate)"),
    ("surrogate", "a \\u escape that is not a whole character (a lone surrogate)"),
    ("recursion limit", "arrays or objects nested too deeply"),
    ("out of range", "a number too large to represent"),
)

RequestId = int | str


def top_level(text: str) -> tuple[RequestId | None, bool]:
    """The top-level ``id`` of a JSON object text (when it is a usable one) and whether the
    object has a ``method``: read token by token, so depth and odd content elsewhere do not
    matter. An id we could not echo back as valid JSON is ``None``."""
    depth, key, expect_key = 0, None, False
    found_id: RequestId | None = None
    has_method = False
    for match in TOKEN.finditer(text):
        token = match.group()
        if token in "{[":
            if depth == 1 and key is not None:
                key = None  # a container value: not a usable id
            depth += 1
            expect_key = token == "{" and depth == 1
        elif token in "}]":
            depth -= 1
            if depth <= 0:
                break
        elif depth != 1 or token == ":":
            continue
        elif token == ",":
            expect_key, key = True, None
        elif expect_key:
            key, expect_key = _string(token), False
            has_method = has_method or key == "method"
        elif key == "id":
            found_id, key = _id_value(token), None
    return found_id, has_method


def _string(token: str) -> str | None:
    if len(token) < 2 or token[0] != '"':
        return None
    try:
        value = json.loads(token)
    except ValueError:
        return None
    return value if isinstance(value, str) and _encodable(value) else None


def _id_value(token: str) -> RequestId | None:
    if token.startswith('"'):
        return _string(token)
    if INTEGER.fullmatch(token) and len(token.lstrip("-")) <= MAX_ID_DIGITS:
        number = int(token)
        return number if -(2**63) <= number < 2**63 else None
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def refusal(exc: Exception) -> types.JSONRPCError | None:
    """The answer to a message the SDK could not read: a parse error (-32700) or an invalid
    request (-32600) with the request's id, or ``id: null`` when none can be found, as JSON-RPC
    asks. None for a broken response to one of our own requests, which gets no answer."""
    if not isinstance(exc, ValidationError):
        return None
    errors = exc.errors(include_url=False)
    first: dict[str, Any] = dict(errors[0]) if errors else {}
    raw = first.get("input")
    if first.get("type") == "json_invalid" and isinstance(raw, str):
        request_id, is_request = top_level(raw)
        reason = next(
            (text for needle, text in REASONS if needle in str(first.get("msg", ""))),
            "text that is not valid JSON",
        )
        code, message = PARSE_ERROR, f"Parse error: the message contains {reason}."
    else:
        whole = next((e["input"] for e in errors if _is_message(e["input"])), raw)
        request_id = _echoable(whole.get("id")) if isinstance(whole, dict) else None
        is_request = not isinstance(whole, dict) or "method" in whole
        code, message = INVALID_REQUEST, "Invalid request: not a JSON-RPC 2.0 message."
    if request_id is not None and not is_request:
        return None
    return types.JSONRPCError(
        jsonrpc="2.0",
        id=request_id,
        error=types.ErrorData(code=code, message=f"{message} Nothing was run; fix and resend."),
    )


def _is_message(value: object) -> bool:
    return isinstance(value, dict) and bool({"jsonrpc", "id", "method"} & value.keys())


def _echoable(value: object) -> RequestId | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return value
    if isinstance(value, str) and _encodable(value):
        return value
    return None


@asynccontextmanager
async def answering_unreadable(
    read_stream: ObjectReceiveStream[SessionMessage | Exception],
    write_stream: ObjectSendStream[SessionMessage],
) -> AsyncIterator[ObjectReceiveStream[SessionMessage | Exception]]:
    """The server's read stream, with every unreadable request answered on ``write_stream``
    instead of being passed on to be dropped."""
    forward, received = anyio.create_memory_object_stream[SessionMessage | Exception](0)

    async def pump() -> None:
        async with forward, read_stream:
            async for item in read_stream:
                if isinstance(item, Exception):
                    answer = refusal(item)
                    log.warning("unreadable message refused: %s", type(item).__name__)
                    if answer is not None:
                        await write_stream.send(SessionMessage(answer))
                    continue
                await forward.send(item)

    async with anyio.create_task_group() as tg:
        tg.start_soon(pump)
        try:
            yield received
        finally:
            tg.cancel_scope.cancel()
