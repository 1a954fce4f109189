"""Identifier types, so a user id is never passed where a business id belongs."""

from typing import NewType

UserId = NewType("UserId", int)
BusinessId = NewType("BusinessId", int)
RecommendationId = NewType("RecommendationId", int)
