"""The fields every view of a business shares, defined once."""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from pydantic import BaseModel, Field


class BusinessProfile(BaseModel):
    """What a business says about itself: the fields every view of a business shares."""

    id: int
    name: str
    industry: str
    country: str | None = None
    entity_type: str | None = None
    founded_on: date | None = None
    currency: str
    funding_goal_amount: int | None = Field(None, description="Minor units of the currency.")
    funding_purpose: str | None = None

    @classmethod
    def of(cls, business: Any, **more: Any) -> Self:
        """This view of a business row (or a ``BusinessRef``), with the view's own fields."""
        return cls(**{name: getattr(business, name) for name in PROFILE_FIELDS}, **more)


PROFILE_FIELDS: tuple[str, ...] = tuple(BusinessProfile.model_fields)
