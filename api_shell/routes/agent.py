"""``/agent``: chat (JSON, or Server-Sent Events), conversations, and usage.

The business is the caller's only one, ``business_id`` among the caller's own, or the one the
conversation belongs to; the agent's MCP session is bound to it, so neither the model nor the
text of a message can reach another business.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.responses import Response

from api_shell.errors import error_response
from api_shell.operations import (
    SEVERAL_BUSINESSES,
    BusinessIdBody,
    BusinessIdQuery,
    Call,
    Negotiated,
    Operation,
)
from vaultra_mcp.agent import chat
from vaultra_mcp.services.conversations import (
    MAX_MESSAGE_CHARS,
    ConversationSummary,
    ConversationView,
    UsageReport,
    get_conversation,
    list_conversations,
    usage_report,
)
from vaultra_mcp.types import INTEGRAL, MAX_BIG_ID


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE_CHARS)]
    conversation_id: (
        Annotated[
            int,
            Field(
                ge=1, le=MAX_BIG_ID, description="Continue this conversation; omit to start one."
            ),
            INTEGRAL,
        ]
        | None
    ) = None
    business_id: BusinessIdBody | None = None


class ToolCallRecord(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any]
    is_error: bool
    error: str | None
    summary: str
    latency_ms: float


class ChatUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    estimated_cost_usd_micros: int


class ChatReply(BaseModel):
    conversation_id: int
    message_id: int
    answer: str
    tool_calls: list[ToolCallRecord]
    steps: int
    usage: ChatUsage
    provider: str
    model: str


class ConversationsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    business_id: int | None = BusinessIdQuery
    limit: int = Field(20, ge=1, le=100)


class ConversationList(BaseModel):
    conversations: list[ConversationSummary]


class UsageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    business_id: int | None = BusinessIdQuery
    days: int = Field(30, ge=1, le=366)


async def post_chat(call: Call) -> Response | ChatReply:
    body: ChatRequest = call.body
    runtime: chat.ChatRuntime = call.request.app.state.chat
    started = await chat.prepare(
        call.deps,
        call.caller,
        message=body.message,
        business_id=body.business_id,
        conversation_id=body.conversation_id,
    )
    events = chat.run(runtime, started)
    if "text/event-stream" in call.request.headers.get("accept", ""):

        async def stream() -> AsyncIterator[ServerSentEvent]:
            async for name, data in events:
                yield ServerSentEvent(json.dumps(data, default=str), event=name, sep="\n")

        return EventSourceResponse(stream(), sep="\n", headers={"Cache-Control": "no-cache"})
    ending = [(name, data) async for name, data in events if name in ("complete", "error")]
    name, data = ending[-1]
    if name == "complete":
        return ChatReply.model_validate(data)
    details = {k: data[k] for k in ("conversation_id", "message_id")}
    status = 502 if data["error"] == "LLM_UNAVAILABLE" else 500
    return error_response(call.request, status, data["error"], data["message"], details)


async def get_conversations(call: Call) -> ConversationList:
    query: ConversationsQuery = call.query
    found = await list_conversations(call.deps, call.caller, query.business_id, query.limit)
    return ConversationList(conversations=found)


async def get_one_conversation(call: Call) -> ConversationView:
    return await get_conversation(call.deps, call.caller, call.path("conversation_id"))


async def get_usage(call: Call) -> UsageReport:
    query: UsageQuery = call.query
    return await usage_report(call.deps, call.caller, query.business_id, query.days)


OPERATIONS = [
    Operation(
        "POST",
        "/agent/chat",
        post_chat,
        "Ask the assistant (JSON, or SSE with Accept: text/event-stream)",
        "agent",
        response=ChatReply,
        body=ChatRequest,
        negotiated=(
            Negotiated(
                "text/event-stream",
                200,
                "Server-Sent Events: start, tool_call, tool_result, chunk (answer text), then "
                "complete (as the JSON reply) or error",
            ),
        ),
        errors={
            404: "BUSINESS_NOT_FOUND, CONVERSATION_NOT_FOUND: not one of yours",
            409: SEVERAL_BUSINESSES,
            429: "RATE_LIMITED: too many chat turns for your account or this business in the "
            "rate-limit window, or the business has spent its assistant tokens for today; "
            "see Retry-After",
            502: "LLM_UNAVAILABLE: the chat model did not answer; the message is kept",
        },
    ),
    Operation(
        "GET",
        "/agent/conversations",
        get_conversations,
        "Your conversations, most recent first",
        "agent",
        response=ConversationList,
        query=ConversationsQuery,
    ),
    Operation(
        "GET",
        "/agent/conversations/{conversation_id:int}",
        get_one_conversation,
        "A conversation with its messages and tool calls",
        "agent",
        response=ConversationView,
    ),
    Operation(
        "GET",
        "/agent/usage",
        get_usage,
        "Assistant tokens and estimated cost per day",
        "agent",
        response=UsageReport,
        query=UsageQuery,
        errors={409: SEVERAL_BUSINESSES},
    ),
]
