"""Chat conversations and their messages: stored before and after the model runs.

The user's message is committed before any model is called, so a model that fails never
loses it. A conversation belongs to one user and one of that user's businesses; anyone
else's id reads as "not found", exactly like an id that does not exist.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, func, select
from sqlmodel import col

from vaultra_mcp.caller import Caller
from vaultra_mcp.db import day_key
from vaultra_mcp.errors import InvalidInput, NotFound, RateLimited
from vaultra_mcp.models import AgentConversation, AgentMessage, Membership
from vaultra_mcp.services.businesses import can_access, resolve_ref
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.rate_limits import chat_limits, take

MAX_MESSAGE_CHARS = 4_000
TITLE_CHARS = 80


class MessageView(BaseModel):
    id: int
    role: str
    content: str
    tool_calls: list[dict[str, Any]] | None
    prompt_tokens: int
    completion_tokens: int
    provider: str | None
    model: str | None
    created_at: datetime


class ConversationSummary(BaseModel):
    id: int
    business_id: int
    title: str
    created_at: datetime
    updated_at: datetime


class ConversationView(ConversationSummary):
    messages: list[MessageView]


class TurnStart(BaseModel):
    """What the agent needs once the user's message is safely stored."""

    conversation_id: int
    message_id: int
    business_id: int
    business_name: str
    text: str  # the message as stored (personal data already redacted)
    history: list[MessageView]


class AssistantReply(BaseModel):
    content: str
    tool_calls: list[dict[str, Any]]
    prompt_tokens: int
    completion_tokens: int
    provider: str
    model: str
    cost_usd_micros: int


def _not_found(conversation_id: int) -> NotFound:
    return NotFound(
        f"Conversation {conversation_id} not found.",
        code="CONVERSATION_NOT_FOUND",
        next_step="List your conversations with GET /api/v1/agent/conversations.",
    )


def _view(m: AgentMessage) -> MessageView:
    assert m.id is not None
    return MessageView(
        id=m.id,
        role=m.role,
        content=m.content,
        tool_calls=m.tool_calls,
        prompt_tokens=m.prompt_tokens,
        completion_tokens=m.completion_tokens,
        provider=m.provider,
        model=m.model,
        created_at=m.created_at,
    )


def seconds_to_midnight(now: datetime) -> int:
    tomorrow = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=UTC)
    return max(1, int((tomorrow - now).total_seconds()))


async def tokens_today(deps: Deps, business_id: int) -> int:
    start = datetime.combine(deps.clock.now().date(), time(), tzinfo=UTC)
    query = select(
        func.coalesce(func.sum(AgentMessage.prompt_tokens + AgentMessage.completion_tokens), 0)
    ).where(col(AgentMessage.business_id) == business_id, col(AgentMessage.created_at) >= start)
    async with deps.db.engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def check_budget(deps: Deps, business_id: int) -> None:
    """429 once the business has spent its daily token budget (``VAULTRA_AGENT_DAILY_TOKENS``)."""
    budget = deps.settings.llm.agent_daily_tokens
    if budget is None:
        return
    if await tokens_today(deps, business_id) >= budget:
        raise RateLimited(
            f"This business has used its {budget:,} assistant tokens for today.",
            retry_after=seconds_to_midnight(deps.clock.now()),
            next_step="Try again after midnight UTC, or ask an admin to raise the budget.",
        )


async def start_turn(
    deps: Deps,
    caller: Caller,
    *,
    text: str,
    business_id: int | None,
    conversation_id: int | None,
) -> TurnStart:
    """Check access, budget and rate limits, then store the user's message (committed) and
    return the conversation so far. A turn over a limit writes nothing."""
    if not text.strip():
        raise InvalidInput("message is empty.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(f"message is longer than {MAX_MESSAGE_CHARS:,} characters.")
    if conversation_id is not None:
        business_id = await _conversation_business(deps, caller, conversation_id, business_id)
    business = await resolve_ref(deps, caller, business_id)
    await check_budget(deps, business.id)
    now = deps.clock.now()
    async with deps.db.transaction() as session:
        await take(session, deps, chat_limits(deps, caller, business.id))
        if conversation_id is None:
            conversation = AgentConversation(
                business_id=business.id,
                user_id=caller.user_id or 0,
                title=_title(text),
                created_at=now,
                updated_at=now,
            )
            session.add(conversation)
            await session.flush()
        else:
            found = await session.get(AgentConversation, conversation_id, with_for_update=True)
            assert found is not None
            conversation = found
            conversation.updated_at = now
        assert conversation.id is not None
        earlier = [] if conversation_id is None else await _messages(session, conversation.id)
        message = AgentMessage(
            conversation_id=conversation.id,
            business_id=business.id,
            role="user",
            content=text,
            created_at=now,
        )
        session.add(message)
        await session.flush()
        assert message.id is not None
        return TurnStart(
            conversation_id=conversation.id,
            message_id=message.id,
            business_id=business.id,
            business_name=business.name,
            text=text,
            history=[_view(m) for m in earlier],
        )


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


async def _conversation_business(
    deps: Deps, caller: Caller, conversation_id: int, business_id: int | None
) -> int:
    async with deps.db.sessions() as session:
        found = await session.get(AgentConversation, conversation_id)
        if (
            found is None
            or found.user_id != caller.user_id
            or (business_id is not None and business_id != found.business_id)
            or not await can_access(session, caller, found.business_id)
        ):
            raise _not_found(conversation_id)
        return found.business_id


async def _messages(session: Any, conversation_id: int) -> list[AgentMessage]:
    query = (
        select(AgentMessage)
        .where(col(AgentMessage.conversation_id) == conversation_id)
        .order_by(col(AgentMessage.id))
    )
    return list((await session.execute(query)).scalars())


async def finish_turn(deps: Deps, started: TurnStart, reply: AssistantReply) -> int:
    """Store the assistant's answer; returns its message id."""
    now = deps.clock.now()
    async with deps.db.transaction() as session:
        message = AgentMessage(
            conversation_id=started.conversation_id,
            business_id=started.business_id,
            role="assistant",
            created_at=now,
            **reply.model_dump(),
        )
        session.add(message)
        conversation = await session.get(AgentConversation, started.conversation_id)
        assert conversation is not None
        conversation.updated_at = now
        await session.flush()
        assert message.id is not None
        return message.id


async def list_conversations(
    deps: Deps, caller: Caller, business_id: int | None, limit: int
) -> list[ConversationSummary]:
    """The caller's conversations, newest first, in businesses they still belong to."""
    if business_id is not None:
        await resolve_ref(deps, caller, business_id)
    member = and_(
        col(Membership.business_id) == col(AgentConversation.business_id),
        col(Membership.user_id) == caller.user_id,
    )
    query = (
        select(AgentConversation)
        .join(Membership, member)
        .where(col(AgentConversation.user_id) == caller.user_id)
        .order_by(col(AgentConversation.updated_at).desc(), col(AgentConversation.id).desc())
        .limit(limit)
    )
    if business_id is not None:
        query = query.where(col(AgentConversation.business_id) == business_id)
    async with deps.db.sessions() as session:
        rows = (await session.execute(query)).scalars()
        return [ConversationSummary.model_validate(r, from_attributes=True) for r in rows]


async def get_conversation(deps: Deps, caller: Caller, conversation_id: int) -> ConversationView:
    await _conversation_business(deps, caller, conversation_id, None)
    async with deps.db.sessions() as session:
        found = await session.get(AgentConversation, conversation_id)
        assert found is not None
        messages = await _messages(session, conversation_id)
        summary = ConversationSummary.model_validate(found, from_attributes=True)
    return ConversationView(**summary.model_dump(), messages=[_view(m) for m in messages])


class UsageDay(BaseModel):
    date: date
    messages: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    estimated_cost_usd_micros: int


class UsageReport(BaseModel):
    business_id: int
    business_name: str
    days: list[UsageDay]
    daily_token_budget: int | None
    used_today: int
    remaining_today: int | None


async def usage_report(
    deps: Deps, caller: Caller, business_id: int | None, days: int
) -> UsageReport:
    """Tokens and estimated cost per day, newest first, for one of the caller's businesses."""
    business = await resolve_ref(deps, caller, business_id)
    today = deps.clock.now().date()
    start = datetime.combine(today - timedelta(days=days - 1), time(), tzinfo=UTC)
    day = day_key(AgentMessage.created_at)
    query = (
        select(
            day.label("day"),
            func.count().label("messages"),
            func.coalesce(func.sum(AgentMessage.prompt_tokens), 0).label("prompt"),
            func.coalesce(func.sum(AgentMessage.completion_tokens), 0).label("completion"),
            func.coalesce(func.sum(AgentMessage.cost_usd_micros), 0).label("cost"),
        )
        .where(col(AgentMessage.business_id) == business.id, col(AgentMessage.created_at) >= start)
        .group_by(day)
        .order_by(day.desc())
    )
    async with deps.db.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    report = [
        UsageDay(
            date=date.fromisoformat(row.day),
            messages=row.messages,
            prompt_tokens=row.prompt,
            completion_tokens=row.completion,
            total_tokens=row.prompt + row.completion,
            estimated_cost_usd_micros=row.cost,
        )
        for row in rows
    ]
    used = next((d.total_tokens for d in report if d.date == today), 0)
    budget = deps.settings.llm.agent_daily_tokens
    return UsageReport(
        business_id=business.id,
        business_name=business.name,
        days=report,
        daily_token_budget=budget,
        used_today=used,
        remaining_today=None if budget is None else max(0, budget - used),
    )
