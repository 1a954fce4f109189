"""Who is asking: a user (from a JWT or access token) or, for local demos, one pinned business."""

from __future__ import annotations

from dataclasses import dataclass

from vaultra_mcp.types import BusinessId, UserId


@dataclass(frozen=True, slots=True)
class Caller:
    """Exactly one of ``user_id`` and ``pinned_business_id`` is set."""

    user_id: UserId | None = None
    pinned_business_id: BusinessId | None = None

    @classmethod
    def user(cls, user_id: int) -> Caller:
        return cls(user_id=UserId(user_id))

    @classmethod
    def pinned(cls, business_id: int) -> Caller:
        return cls(pinned_business_id=BusinessId(business_id))
