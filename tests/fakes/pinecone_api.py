"""A fake of Pinecone's REST control and data planes, with in-memory indexes.

Speaks the ``2026-07`` wire format of the official ``pinecone`` 10.x REST client
(``Pinecone``, not ``PineconeGRPC``). Control plane: ``Pinecone(api_key=..., host=url)``.
Data plane: ``pc.index(host=url)`` serves the default index, and each index described by
the fake has its own host ``{url}/index/{name}``, so ``pc.index(name=...)`` works too.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from tests.fakes.common import FakeState, intercept
from tests.fakes.embedding import cosine, dot

__all__ = [
    "FakeIndex",
    "PineconeState",
    "build_pinecone_app",
    "matches_filter",
    "reset_pinecone_retry_budget",
]

#: The schema field the vectors API reads and writes (``pinecone`` names it DENSE_FIELD).
DENSE_FIELD = "_values"
_DEFAULT_DEPLOYMENT = {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"}
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,43}[a-z0-9])?$")
_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

Vector = dict[str, Any]
Namespace = dict[str, Vector]


class PineconeHTTPError(Exception):
    """Raised by handlers to answer with Pinecone's error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class FakeIndex:
    """One index: its description and its namespaces of vectors (id -> vector)."""

    name: str
    dimension: int | None
    metric: str = "cosine"
    schema: dict[str, Any] = field(default_factory=dict)
    deployment: dict[str, Any] = field(default_factory=lambda: dict(_DEFAULT_DEPLOYMENT))
    deletion_protection: str = "disabled"
    tags: dict[str, str] | None = None
    namespaces: dict[str, Namespace] = field(default_factory=dict)

    def wire_schema(self) -> dict[str, Any]:
        """The schema as created, or the one a ``dimension=`` index gets."""
        if self.schema:
            return self.schema
        if self.dimension is None:  # implicit index before its first upsert
            return {"fields": {}}
        dense = {"type": "dense_vector", "dimension": self.dimension, "metric": self.metric}
        return {"fields": {DENSE_FIELD: dense}}

    def describe(self, base_url: str, *, ready: bool = True) -> dict[str, Any]:
        """The index as ``GET /indexes/{name}`` returns it."""
        return {
            "name": self.name,
            "host": f"{base_url}/index/{self.name}",
            "status": {"ready": ready, "state": "Ready" if ready else "Initializing"},
            "schema": self.wire_schema(),
            "deployment": self.deployment,
            "deletion_protection": self.deletion_protection,
            "tags": self.tags,
        }


@dataclass
class PineconeState(FakeState):
    """Indexes held in memory plus the shared recording and failure switches.

    ``default_index`` names the index served on the root data-plane host; when unset,
    the only index is used, or an implicit ``"default"`` index whose dimension is taken
    from the first upsert.
    """

    indexes: dict[str, FakeIndex] = field(default_factory=dict)
    default_index: str | None = None

    def index(self, name: str | None = None) -> FakeIndex:
        """The named index, or the default one (created on demand)."""
        if name is not None:
            if name not in self.indexes:
                raise PineconeHTTPError(404, f"Resource {name} not found")
            return self.indexes[name]
        if self.default_index is not None:
            return self.index(self.default_index)
        if len(self.indexes) == 1:
            return next(iter(self.indexes.values()))
        return self.indexes.setdefault("default", FakeIndex(name="default", dimension=None))

    def namespace(self, namespace: str = "", index: str | None = None) -> Namespace:
        """The stored vectors of one namespace (empty when it has none)."""
        return self.index(index).namespaces.get(namespace, {})


def reset_pinecone_retry_budget() -> None:
    """Refill the ``pinecone`` client's process-wide retry budget.

    The client spends one token per retryable failure per *hostname* (all fakes share
    ``127.0.0.1``) and stops retrying below half of 100 tokens; tests that inject many
    503s can call this between tests so later retry behaviour does not depend on order.
    """
    from pinecone._internal.http_client import get_budget_registry

    get_budget_registry()._reset()


def pinecone_error(status: int, message: str) -> Response:
    """An error response shaped like Pinecone's ``{"error": {code, message}, "status"}``."""
    code = _CODES.get(status, "UNKNOWN")
    body = {"error": {"code": code, "message": message}, "status": status}
    return JSONResponse(body, status_code=status)


# ---- metadata filters ------------------------------------------------------------

_MISSING = object()


def _eq(value: Any, arg: Any) -> bool:
    return arg in value if isinstance(value, list) else bool(value == arg)


def _in(value: Any, arg: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(v in arg for v in values)


def _compare(op: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def check(value: Any, arg: Any) -> bool:
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        return numeric and op(value, arg)

    return check


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda v, a: v is not _MISSING and _eq(v, a),
    "$ne": lambda v, a: v is _MISSING or not _eq(v, a),
    "$in": lambda v, a: v is not _MISSING and _in(v, a),
    "$nin": lambda v, a: v is _MISSING or not _in(v, a),
    "$gt": _compare(lambda v, a: v > a),
    "$gte": _compare(lambda v, a: v >= a),
    "$lt": _compare(lambda v, a: v < a),
    "$lte": _compare(lambda v, a: v <= a),
    "$exists": lambda v, a: (v is not _MISSING) == bool(a),
}


def _field_matches(value: Any, condition: Any) -> bool:
    if not isinstance(condition, dict):
        condition = {"$eq": condition}
    for op, arg in condition.items():
        if op not in _OPERATORS:
            raise PineconeHTTPError(400, f"unsupported filter operator {op}")
        if not _OPERATORS[op](value, arg):
            return False
    return True


def matches_filter(metadata: Mapping[str, Any] | None, flt: Mapping[str, Any] | None) -> bool:
    """Whether *metadata* satisfies a Pinecone metadata filter ($eq, $in, $and, ...)."""
    metadata = metadata or {}
    for key, condition in (flt or {}).items():
        if key == "$and":
            ok = all(matches_filter(metadata, sub) for sub in condition)
        elif key == "$or":
            ok = any(matches_filter(metadata, sub) for sub in condition)
        else:
            ok = _field_matches(metadata.get(key, _MISSING), condition)
        if not ok:
            return False
    return True


# ---- control plane ---------------------------------------------------------------


def _base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _dense_field(schema: Mapping[str, Any]) -> tuple[int | None, str]:
    fields = schema.get("fields") or {}
    dense = fields.get(DENSE_FIELD) or {}
    if fields and dense.get("type") != "dense_vector":
        raise PineconeHTTPError(400, "the fake only serves vector indexes (dimension=...)")
    return dense.get("dimension"), str(dense.get("metric") or "cosine").lower()


def _create_index(body: dict[str, Any], request: Request, state: PineconeState) -> Response:
    name = body.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise PineconeHTTPError(400, f"invalid index name {name!r}")
    if name in state.indexes:
        raise PineconeHTTPError(409, f"Resource {name} already exists")
    dimension, metric = _dense_field(body.get("schema") or {})
    index = FakeIndex(
        name=name,
        dimension=dimension,
        metric=metric,
        schema=body.get("schema") or {},
        deployment=body.get("deployment") or dict(_DEFAULT_DEPLOYMENT),
        deletion_protection=body.get("deletion_protection") or "disabled",
        tags=body.get("tags"),
    )
    state.indexes[name] = index
    return JSONResponse(index.describe(_base_url(request), ready=False), status_code=201)


async def _control(request: Request, state: PineconeState, body: dict[str, Any]) -> Response:
    name = request.path_params.get("name")
    if name is None and request.method == "GET":
        indexes = [i.describe(_base_url(request)) for i in state.indexes.values()]
        return JSONResponse({"indexes": indexes})
    if name is None:
        return _create_index(body, request, state)
    index = state.index(name)
    if request.method == "DELETE":
        if index.deletion_protection == "enabled":
            raise PineconeHTTPError(403, f"Deletion protection is enabled for {name}")
        del state.indexes[name]
        return Response(status_code=202)
    return JSONResponse(index.describe(_base_url(request)))


# ---- data plane ------------------------------------------------------------------


def _check_values(index: FakeIndex, values: Any) -> list[float]:
    if not isinstance(values, list) or not values:
        raise PineconeHTTPError(400, "vector values must be a non-empty list of floats")
    if index.dimension is None:
        index.dimension = len(values)
    if len(values) != index.dimension:
        raise PineconeHTTPError(
            400,
            f"Vector dimension {len(values)} does not match the dimension of the index "
            f"{index.dimension}",
        )
    return [float(v) for v in values]


def _stored(index: FakeIndex, vector: Any) -> Vector:
    if not isinstance(vector, dict) or not isinstance(vector.get("id"), str) or not vector["id"]:
        raise PineconeHTTPError(400, "every vector needs a non-empty string id")
    stored: Vector = {"id": vector["id"], "values": _check_values(index, vector.get("values"))}
    if vector.get("metadata"):
        stored["metadata"] = dict(vector["metadata"])
    return stored


def _upsert(index: FakeIndex, body: dict[str, Any]) -> dict[str, Any]:
    """All or nothing, like Pinecone: one invalid vector rejects the whole request."""
    vectors = [_stored(index, vector) for vector in body.get("vectors") or []]
    namespace = index.namespaces.setdefault(body.get("namespace") or "", {})
    namespace.update((vector["id"], vector) for vector in vectors)
    return {"upsertedCount": len(vectors)}


def _score(metric: str, query: list[float], values: list[float]) -> float:
    if metric == "euclidean":
        return sum((q - v) ** 2 for q, v in zip(query, values, strict=True))
    return dot(query, values) if metric == "dotproduct" else cosine(query, values)


def _match(vector: Vector, score: float, body: dict[str, Any]) -> dict[str, Any]:
    match: dict[str, Any] = {"id": vector["id"], "score": score, "values": []}
    if body.get("includeValues"):
        match["values"] = vector["values"]
    if body.get("includeMetadata") and vector.get("metadata"):
        match["metadata"] = vector["metadata"]
    return match


def _query(index: FakeIndex, body: dict[str, Any]) -> dict[str, Any]:
    top_k = body.get("topK")
    if not isinstance(top_k, int) or top_k < 1:
        raise PineconeHTTPError(400, "topK must be a positive integer")
    namespace_name = body.get("namespace") or ""
    namespace = index.namespaces.get(namespace_name, {})
    if "id" in body:
        if body["id"] not in namespace:
            return {"matches": [], "namespace": namespace_name, "usage": {"readUnits": 1}}
        query = namespace[body["id"]]["values"]
    else:
        query = _check_values(index, body.get("vector"))
    flt = body.get("filter")
    scored = [
        (_score(index.metric, query, v["values"]), v)
        for v in namespace.values()
        if matches_filter(v.get("metadata"), flt)
    ]
    sign = 1.0 if index.metric == "euclidean" else -1.0  # best first
    scored.sort(key=lambda pair: (sign * pair[0], pair[1]["id"]))
    matches = [_match(v, score, body) for score, v in scored[:top_k]]
    return {"matches": matches, "namespace": namespace_name, "usage": {"readUnits": 1}}


def _delete(index: FakeIndex, body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("namespace") or ""
    namespace = index.namespaces.get(name, {})
    if body.get("deleteAll"):
        namespace.clear()
    elif body.get("ids") is not None:
        for vector_id in body["ids"]:
            namespace.pop(vector_id, None)
    elif body.get("filter"):
        doomed = [
            k for k, v in namespace.items() if matches_filter(v.get("metadata"), body["filter"])
        ]
        for vector_id in doomed:
            del namespace[vector_id]
    else:
        raise PineconeHTTPError(400, "delete needs ids, deleteAll or filter")
    if not namespace:
        index.namespaces.pop(name, None)
    return {}


def _fetch(index: FakeIndex, request: Request) -> dict[str, Any]:
    name = request.query_params.get("namespace") or ""
    namespace = index.namespaces.get(name, {})
    ids = request.query_params.getlist("ids")
    vectors = {i: namespace[i] for i in ids if i in namespace}
    return {"vectors": vectors, "namespace": name, "usage": {"readUnits": 1}}


def _stats(index: FakeIndex, body: dict[str, Any]) -> dict[str, Any]:
    flt = body.get("filter")
    counts = {
        name: sum(1 for v in vectors.values() if matches_filter(v.get("metadata"), flt))
        for name, vectors in index.namespaces.items()
    }
    namespaces = {name: {"vectorCount": n} for name, n in counts.items() if n}
    return {
        "namespaces": namespaces,
        "dimension": index.dimension,
        "indexFullness": 0.0,
        "totalVectorCount": sum(counts.values()),
        "metric": index.metric,
        "vectorType": "dense",
    }


async def _data(request: Request, state: PineconeState, body: dict[str, Any]) -> Response:
    index = state.index(request.path_params.get("index_name"))
    operation = request.url.path.rsplit("/", 2)
    path = "/".join(operation[-2:]) if operation[-2] == "vectors" else operation[-1]
    if path == "vectors/fetch":
        return JSONResponse(_fetch(index, request))
    handlers = {
        "vectors/upsert": _upsert,
        "query": _query,
        "vectors/delete": _delete,
        "describe_index_stats": _stats,
    }
    return JSONResponse(handlers[path](index, body))


# ---- app -------------------------------------------------------------------------

Handler = Callable[[Request, PineconeState, dict[str, Any]], Awaitable[Response]]


def _endpoint(handler: Handler, state: PineconeState) -> Callable[[Request], Awaitable[Response]]:
    """Wrap *handler* with recording, failure injection, auth and error mapping."""

    async def endpoint(request: Request) -> Response:
        body, failure = await intercept(request, state, pinecone_error)
        if failure is not None:
            return failure
        if not request.headers.get("api-key"):
            return pinecone_error(401, "Invalid API Key")
        try:
            return await handler(request, state, body if isinstance(body, dict) else {})
        except PineconeHTTPError as exc:
            return pinecone_error(exc.status, exc.message)

    return endpoint


def _data_routes(state: PineconeState) -> list[BaseRoute]:
    data = _endpoint(_data, state)
    return [
        Route("/vectors/upsert", data, methods=["POST"]),
        Route("/vectors/delete", data, methods=["POST"]),
        Route("/vectors/fetch", data, methods=["GET"]),
        Route("/query", data, methods=["POST"]),
        Route("/describe_index_stats", data, methods=["POST"]),
    ]


def build_pinecone_app(state: PineconeState) -> Starlette:
    """The fake's ASGI app: control plane, root data plane and per-index data planes."""
    control = _endpoint(_control, state)
    return Starlette(
        routes=[
            Route("/indexes", control, methods=["GET", "POST"]),
            Route("/indexes/{name}", control, methods=["GET", "DELETE"]),
            Mount("/index/{index_name}", routes=_data_routes(state)),
            *_data_routes(state),
        ]
    )
