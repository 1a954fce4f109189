"""The OpenAPI 3.1 document, generated from the operations' own declarations."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from api_shell.errors import ErrorBody
from api_shell.operations import Operation, id_limit

REF = "#/components/schemas/{model}"
ALWAYS = (400, 404, 413, 500)
DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    302: "Redirect",
    400: "Bad request: malformed input, or an argument the operation cannot use",
    401: "Missing, invalid or expired credentials",
    403: "Not allowed",
    404: "Not found (another tenant's id looks the same)",
    409: "Conflict with the current state",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Body or query does not fit the schema",
    429: "Rate limited; see Retry-After",
    500: "Unexpected failure",
    502: "An upstream service failed",
    503: "A dependency is unavailable or not configured",
}


def document(operations: list[Operation], title: str, version: str, prefix: str) -> dict[str, Any]:
    schemas = _schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(prefix + op.openapi_path, {})[op.method.lower()] = _operation(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _schemas(operations: list[Operation]) -> dict[str, Any]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for op in operations:
        wanted += [(m, "validation") for m in (op.body, op.query) if m is not None]
        if op.response is not None:
            wanted.append((op.response, "serialization"))
    keys, top = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REF)
    return {"keys": keys, "$defs": top.get("$defs", {})}


def _ref(schemas: dict[str, Any], model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
    return dict(schemas["keys"][(model, mode)])


def _operation(op: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "operationId": op.handler.__name__,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _parameters(op, schemas),
        "responses": {},
    }
    if op.auth:
        entry["security"] = [{"bearer": []}]
    if op.body is not None:
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(schemas, op.body, "validation")}},
        }
    elif op.raw_body:
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    success: dict[str, Any] = {"description": DESCRIPTIONS.get(op.status, "OK")}
    if op.response is not None:
        success["content"] = {
            "application/json": {"schema": _ref(schemas, op.response, "serialization")}
        }
    entry["responses"][str(op.status)] = success
    errors = set(ALWAYS) | set(op.errors)
    if op.auth:
        errors.add(401)
    if op.body is not None:
        errors |= {415, 422}
    if op.query is not None:
        errors.add(422)
        if "business_id" in op.query.model_fields:
            errors.add(409)  # several businesses and none chosen
    error_schema = {"application/json": {"schema": _ref(schemas, ErrorBody, "serialization")}}
    for status in sorted(errors):
        entry["responses"][str(status)] = {
            "description": DESCRIPTIONS[status],
            "content": error_schema,
        }
    return entry


def _parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": id_limit(name)}
            if kind == "int"
            else {"type": "string"},
        }
        for name, kind in op.path_params
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            description = prop.pop("description", None)
            parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if description:
                parameter["description"] = description
            parameters.append(parameter)
    return parameters
