"""Chat history: conversations and their messages, with tool calls and token counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from vaultra_mcp.models.columns import BigId, Json, Money, utcnow


class AgentConversation(SQLModel, table=True):
    __tablename__ = "agent_conversations"
    __table_args__ = (Index("ix_agent_conversations_user_business", "user_id", "business_id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    business_id: int = Field(foreign_key="businesses.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    title: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AgentMessage(SQLModel, table=True):
    """One message. ``business_id`` is copied from the conversation so usage per business per
    day is one indexed range scan; ``cost_usd_micros`` is the estimate at the time of the call."""

    __tablename__ = "agent_messages"
    __table_args__ = (Index("ix_agent_messages_business_created", "business_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    conversation_id: int = Field(
        foreign_key="agent_conversations.id", ondelete="CASCADE", index=True, sa_type=BigId
    )
    business_id: int | None = Field(default=None, foreign_key="businesses.id", ondelete="CASCADE")
    role: str = Field(max_length=20)
    content: str = Field(sa_column=Column(Text, nullable=False))
    tool_calls: list[dict[str, Any]] | None = Field(default=None, sa_type=Json)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    provider: str | None = Field(default=None, max_length=20)
    model: str | None = Field(default=None, max_length=100)
    cost_usd_micros: int = Field(default=0, sa_type=Money)
    created_at: datetime = Field(default_factory=utcnow)
