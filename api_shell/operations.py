"""Declaring an HTTP operation once: its route, its models, and its OpenAPI entry.

An ``Operation`` names the handler and the pydantic models of its query, body and response.
``route`` turns it into a Starlette route that authenticates the caller, parses and validates
the input (malformed JSON is a 400, a body that does not fit the model a 422 listing the
fields), calls the handler and serializes what it returns. ``openapi.document`` reads the
same declarations, so the document cannot drift from what the routes accept.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api_shell.errors import error_response
from api_shell.sessions import check_same_origin, session_token
from vaultra_mcp.caller import Caller
from vaultra_mcp.core.json_input import UnreadableJson, parse_json
from vaultra_mcp.errors import NotFound, Unauthenticated
from vaultra_mcp.services.access import authenticate_bearer
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.web_sessions import authenticate_session
from vaultra_mcp.types import INTEGRAL, MAX_BIG_ID, MAX_SMALL_ID

BUSINESS_CHOICE = "One of your businesses; omit if you have one."
# The 409 of every operation that picks a business from ``business_id``.
SEVERAL_BUSINESSES = "NEEDS_BUSINESS_SELECTION: you have several businesses and named none"
# A ``business_id`` query parameter, and the same in a JSON body (where 3.0 is still 3).
BusinessIdQuery = Field(None, ge=1, le=MAX_SMALL_ID, description=BUSINESS_CHOICE)
BusinessIdBody = Annotated[int, Field(ge=1, le=MAX_SMALL_ID, description=BUSINESS_CHOICE), INTEGRAL]

# The largest id each path parameter can name (see ``vaultra_mcp.types``): beyond it, 404.
ID_LIMITS = {"recommendation_id": MAX_BIG_ID}


def id_limit(name: str) -> int:
    return ID_LIMITS.get(name, MAX_SMALL_ID)


PATH_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


@dataclass
class Call:
    """What a handler gets: the request, the services, who is calling, and parsed input."""

    request: Request
    deps: Deps
    caller_or_none: Caller | None
    body: Any = None
    query: Any = None

    @property
    def caller(self) -> Caller:
        assert self.caller_or_none is not None, "operation declared auth=False"
        return self.caller_or_none

    @property
    def user_id(self) -> int:
        assert self.caller.user_id is not None
        return self.caller.user_id

    def path(self, name: str) -> Any:
        return self.request.path_params[name]


Handler = Callable[[Call], Awaitable[BaseModel | Response | None]]


@dataclass(frozen=True)
class Header:
    """A request header an operation reads (besides ``Authorization``, which is its security)."""

    name: str
    description: str
    required: bool = False
    max_length: int | None = None  # declared only when a longer value is refused


@dataclass(frozen=True)
class Negotiated:
    """Another answer an operation gives when the request's ``Accept`` names ``media``: a
    stream instead of JSON (same status), or a redirect for a browser (another status)."""

    media: str
    status: int
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # Starlette syntax: "/users/businesses/{business_id:int}"
    handler: Handler
    summary: str
    tag: str
    response: type[BaseModel] | None = None  # None: no body (status 204 or a redirect)
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    auth: bool = True
    # Statuses this operation answers besides the generic ones, each with the error codes it
    # carries and when (the OpenAPI description); a generic status may be listed to name its codes.
    errors: Mapping[int, str] = field(default_factory=dict)
    headers: tuple[Header, ...] = ()
    # The handler reads the body itself (webhooks: the bytes are signed); its JSON Schema here.
    raw_body: Mapping[str, Any] | None = None
    negotiated: tuple[Negotiated, ...] = ()  # answers chosen by the Accept header

    @property
    def path_params(self) -> list[tuple[str, str]]:
        return [(name, kind or "str") for name, kind in PATH_PARAM.findall(self.path)]

    @property
    def openapi_path(self) -> str:
        return PATH_PARAM.sub(r"{\1}", self.path)

    async def handle(self, request: Request) -> Response:
        deps: Deps = request.app.state.deps
        for name, kind in self.path_params:
            if kind == "int" and not 0 < request.path_params[name] <= id_limit(name):
                raise NotFound(f"No {name.removesuffix('_id')} {request.path_params[name]}.")
        caller = await authenticate(request, deps) if self.auth else None
        call = Call(request=request, deps=deps, caller_or_none=caller)
        try:
            if self.query is not None:
                call.query = self.query.model_validate(dict(request.query_params))
            if self.body is not None:
                # strict: JSON's false is not 0 and "5" is not 5; dates still come as strings
                call.body = self.body.model_validate_json(await json_body(request), strict=True)
        except ValidationError as exc:
            return invalid(request, exc)
        except MalformedBody as exc:
            return error_response(request, exc.status, exc.code, str(exc))
        result = await self.handler(call)
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status_code=self.status)
        return JSONResponse(result.model_dump(mode="json"), status_code=self.status)


def routes(operations: list[Operation]) -> list[Route]:
    """One route per path, dispatching on the method, so a wrong method is a 405 whose
    ``Allow`` lists every method the path has."""
    by_path: dict[str, dict[str, Operation]] = {}
    for op in operations:
        by_path.setdefault(op.path, {})[op.method] = op
    built = []
    for path, by_method in by_path.items():

        async def endpoint(
            request: Request, by_method: dict[str, Operation] = by_method
        ) -> Response:
            return await by_method[request.method if request.method != "HEAD" else "GET"].handle(
                request
            )

        built.append(Route(path, endpoint, methods=list(by_method)))
    return built


class MalformedBody(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


async def json_body(request: Request) -> bytes:
    """The raw body, once it is known to be JSON we read (else 415, or 400 saying why: see
    ``core.json_input``, the rules webhooks follow too)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise MalformedBody(415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json.")
    raw = await request.body()
    try:
        parse_json(raw)
    except UnreadableJson as exc:
        raise MalformedBody(400, exc.code, str(exc)) from None
    return raw


def invalid(request: Request, exc: ValidationError) -> Response:
    """422 naming each field and what is wrong with it, never echoing the input back."""
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "problem": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False, include_context=False)
    ]
    return error_response(
        request, 422, "VALIDATION_ERROR", "The request does not fit the schema.", {"errors": errors}
    )


async def authenticate(request: Request, deps: Deps) -> Caller:
    """A bearer token when the request carries ``Authorization``; else the browser's session
    cookie, which unsafe methods may use only from this origin (``sessions.check_same_origin``)."""
    header = request.headers.get("authorization")
    cookie = session_token(request, deps.settings)
    if header is None and cookie is not None:
        check_same_origin(request, deps.settings)
        return await authenticate_session(deps, cookie)
    scheme, _, credentials = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthenticated(
            "Missing credentials.", next_step="Send Authorization: Bearer <token>, or sign in."
        )
    return await authenticate_bearer(deps, credentials)
