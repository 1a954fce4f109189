"""Identifier types, so a user id is never passed where a business id belongs; and the integer
type request bodies use."""

from typing import NewType

from pydantic import BeforeValidator

UserId = NewType("UserId", int)
BusinessId = NewType("BusinessId", int)
RecommendationId = NewType("RecommendationId", int)

# Users, businesses, tokens and integrations have 32-bit keys; event-sized tables (payments,
# snapshots, recommendations, messages) 64-bit ones. A larger id is well-formed but names
# nothing, and must never reach PostgreSQL, which would refuse the parameter.
MAX_SMALL_ID = 2**31 - 1
MAX_BIG_ID = 2**63 - 1


def _integral(value: object) -> object:
    """JSON Schema counts 3.0 as an integer; strict validation would not, so convert it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# For integers in JSON bodies validated strictly (``false`` is not 0), yet 3.0 is still 3. Put
# it after any bounds: ``Annotated[int, Field(ge=1), INTEGRAL]`` keeps them in the JSON schema.
INTEGRAL = BeforeValidator(_integral)
