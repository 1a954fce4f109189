"""What the tools share: the business argument, annotations and the output schema helper."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from vaultra_mcp.types import MAX_SMALL_ID

BusinessIdArg = Annotated[
    int | None,
    Field(
        ge=1,
        le=MAX_SMALL_ID,
        description="The business to ask about. Omit it if you have only one; otherwise use an "
        "id from list_businesses. Only your own businesses can be reached.",
    ),
]

READ_ONLY = ToolAnnotations(
    readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False
)


def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


def money(cents: int | None, currency: str = "usd") -> str:
    if cents is None:
        return "n/a"
    symbol = "$" if currency.lower() == "usd" else f"{currency.upper()} "
    return f"{symbol}{cents / 100:,.0f}"
