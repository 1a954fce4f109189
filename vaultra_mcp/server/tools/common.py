"""What the tools share: the business argument, annotations, and the schemas a model is shown."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from vaultra_mcp.types import MAX_BIG_ID, MAX_SMALL_ID

BusinessIdArg = Annotated[
    int | None,
    Field(
        ge=1,
        le=MAX_SMALL_ID,
        description="Omit if you have one business; else an id from list_businesses.",
    ),
]

STORAGE_LIMITS = (MAX_SMALL_ID, MAX_BIG_ID)
READ_ONLY = ToolAnnotations(
    readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False
)
UPDATE = ToolAnnotations(
    readOnlyHint=False, destructiveHint=False, idempotentHint=True, openWorldHint=False
)


def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


def optional_as_omittable(schema: dict[str, Any]) -> dict[str, Any]:
    """The input schema a model reads, without what tells it nothing: the ``anyOf [T, null]`` +
    ``default: null`` pydantic writes for every optional argument (an optional argument is one
    you leave out), and id maxima that are only the database column's range.

    Validation is unchanged (it runs on the function's own types); only what a model is shown
    gets shorter, and ``null`` stays accepted for clients that send it.
    """
    if not isinstance(schema, dict):
        return schema
    result = {
        key: _compact(value) if key == "properties" else value for key, value in schema.items()
    }
    for key in ("$defs", "items"):
        if key in result:
            result[key] = (
                {name: optional_as_omittable(d) for name, d in result[key].items()}
                if key == "$defs"
                else optional_as_omittable(result[key])
            )
    return result


def _compact(properties: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, prop in properties.items():
        variants = prop.get("anyOf")
        if variants and len(variants) == 2 and {"type": "null"} in variants:
            (kept,) = (v for v in variants if v != {"type": "null"})
            rest = {k: v for k, v in prop.items() if k != "anyOf"}
            if rest.get("default", ...) is None:
                del rest["default"]
            prop = {**kept, **rest}
        if prop.get("maximum") in STORAGE_LIMITS:
            prop = {k: v for k, v in prop.items() if k != "maximum"}
        out[name] = optional_as_omittable(prop)
    return out
