"""The OpenAPI 3.1 document, generated from the operations' own declarations.

Everything a schema-driven client must know is declared: both ways to authenticate (a bearer
token, or the web app's session cookie, whose unsafe requests must come from this origin or
get a 403), every parameter and request header an operation reads, every status it may answer
with the error codes behind it, and the headers that come back (``X-Request-ID`` always,
``Retry-After`` with a 429 and with a 503 the store being down, ``WWW-Authenticate`` with a
401, ``Location`` with a redirect).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from api_shell.errors import ErrorBody
from api_shell.operations import SEVERAL_BUSINESSES, Header, Negotiated, Operation, id_limit
from api_shell.sessions import COOKIE, SAFE_METHODS, SECURE_COOKIE

REF = "#/components/schemas/{model}"
ALWAYS = (400, 404, 413, 500, 503)
REQUEST_ID = Header(
    "X-Request-ID",
    "Your id for this request (1-64 of A-Z a-z 0-9 . _ -), echoed back and logged; "
    "anything else is replaced by a new one.",
    max_length=None,
)
REQUEST_ID_HEADER: dict[str, Any] = {
    "description": "The request's id: yours when it was sane, else a new one.",
    "required": True,
    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9._-]{1,64}$"},
}
RETRY_AFTER: dict[str, Any] = {
    "description": "Seconds to wait before trying again.",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
LOCATION: dict[str, Any] = {
    "description": "Where to go next.",
    "required": True,
    "schema": {"type": "string"},
}
HEADERS_BY_STATUS: dict[int, dict[str, dict[str, Any]]] = {
    302: {"Location": LOCATION},
    303: {"Location": LOCATION},
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with: Bearer.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {"Retry-After": RETRY_AFTER},
    503: {
        "Retry-After": RETRY_AFTER
        | {
            "description": "Seconds to wait before trying again: sent with STORE_UNAVAILABLE, "
            "not with CONFIGURATION_ERROR.",
            "required": False,
        }
    },
}
STORE_DOWN = "STORE_UNAVAILABLE: the database is not answering; retry after Retry-After seconds"
CROSS_ORIGIN = (
    "PERMISSION_DENIED: authenticated by the session cookie from another origin (an unsafe "
    "method needs Origin, or Sec-Fetch-Site: same-origin, naming this server)"
)
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": f"The web app's HttpOnly session cookie ({SECURE_COOKIE} when served over "
        "HTTPS), set by POST /auth/session. Used only when no Authorization header is sent; "
        "a POST, PATCH or DELETE with it must carry Origin (or Sec-Fetch-Site: same-origin) "
        "naming this server, else 403.",
    },
}
DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    302: "Redirect",
    303: "See other: a browser is sent on to a page of the web app",
    400: "Bad request. MALFORMED_JSON: not UTF-8 JSON with finite numbers nested at most 64 "
    "deep; MALFORMED_TEXT: NUL characters or unpaired surrogates; INVALID_ARGUMENT: an argument "
    "the operation cannot use",
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
    503: STORE_DOWN,
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
            "securitySchemes": SECURITY_SCHEMES,
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
        entry["security"] = [{"bearer": []}, {"session": []}]
    if op.body is not None:
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(schemas, op.body, "validation")}},
        }
    elif op.raw_body is not None:
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": dict(op.raw_body)}},
        }
    success: dict[str, Any] = {
        "description": DESCRIPTIONS.get(op.status, "OK"),
        "headers": _response_headers(op.status),
    }
    if op.response is not None:
        success["content"] = {
            "application/json": {"schema": _ref(schemas, op.response, "serialization")}
        }
    entry["responses"][str(op.status)] = success
    for other in op.negotiated:
        _negotiated(entry["responses"], op, other)
    error_schema = {"application/json": {"schema": _ref(schemas, ErrorBody, "serialization")}}
    for status in sorted(_error_statuses(op)):
        entry["responses"][str(status)] = {
            "description": _description(op, status),
            "headers": _response_headers(status),
            "content": error_schema,
        }
    return entry


def _negotiated(responses: dict[str, Any], op: Operation, other: Negotiated) -> None:
    """A stream beside the JSON of the same status, or a status of its own (a redirect)."""
    if other.status == op.status:
        content = responses[str(op.status)].setdefault("content", {})
        content[other.media] = {"schema": {"type": "string", "description": other.description}}
        return
    responses[str(other.status)] = {
        "description": other.description,
        "headers": _response_headers(other.status),
    }


def _accept(op: Operation) -> Header | None:
    if not op.negotiated:
        return None
    choices = "; ".join(f"{n.media}: {n.description}" for n in op.negotiated)
    return Header("Accept", f"Which answer you want. {choices}; anything else: JSON.")


def _error_statuses(op: Operation) -> set[int]:
    errors = set(ALWAYS) | set(op.errors)
    if op.auth:
        errors.add(401)
    if _cookie_checked(op):
        errors.add(403)
    if op.body is not None:
        errors |= {415, 422}
        if "business_id" in op.body.model_fields:
            errors.add(409)  # several businesses and none chosen
    if op.raw_body is not None:
        errors.add(415)
    if op.query is not None:
        errors.add(422)
        if "business_id" in op.query.model_fields:
            errors.add(409)  # several businesses and none chosen
    return errors


def _cookie_checked(op: Operation) -> bool:
    """An unsafe method the session cookie may authenticate: refused from another origin."""
    return op.auth and op.method not in SAFE_METHODS


def _chooses_business(op: Operation) -> bool:
    return any(m is not None and "business_id" in m.model_fields for m in (op.query, op.body))


def _description(op: Operation, status: int) -> str:
    if status == 503 and "STORE_UNAVAILABLE" not in op.errors.get(503, "STORE_UNAVAILABLE"):
        return f"{op.errors[503]}; {STORE_DOWN}"  # any operation may find the database down
    if status == 403 and _cookie_checked(op):
        return f"{op.errors[403]}; {CROSS_ORIGIN}" if 403 in op.errors else CROSS_ORIGIN
    if status in op.errors:
        return op.errors[status]
    if status == 409 and _chooses_business(op):
        return SEVERAL_BUSINESSES
    return DESCRIPTIONS[status]


def _response_headers(status: int) -> dict[str, Any]:
    """What every answer carries (its request id), and what some statuses add."""
    return {"X-Request-ID": REQUEST_ID_HEADER, **HEADERS_BY_STATUS.get(status, {})}


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
    accept = _accept(op)
    for header in (REQUEST_ID, *op.headers, *([accept] if accept else [])):
        parameters.append(
            {
                "name": header.name,
                "in": "header",
                "required": header.required,
                "description": header.description,
                "schema": {"type": "string"}
                | ({"maxLength": header.max_length} if header.max_length else {}),
            }
        )
    return parameters
