"""Domain errors become tool errors here, once: a stable code, a message and a next step.

Tools raise ``VaultraError`` from the services; ``domain_errors`` re-raises it as a quiet
``ToolError`` (FastMCP logs those without a traceback) and ``ErrorMiddleware`` turns it into an
``isError`` result the model can act on. Argument validation failures become
``INVALID_ARGUMENT``. Anything else is logged by FastMCP and masked.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import mcp.types as mt
from fastmcp.exceptions import PromptError, ResourceError, ToolError, ValidationError
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.tools.base import ToolResult
from pydantic import ValidationError as PydanticValidationError

from vaultra_mcp.errors import StoreUnavailable, VaultraError
from vaultra_mcp.server.budget import text_result

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger("vaultra.mcp")


class DomainToolError(ToolError):
    def __init__(self, error: VaultraError) -> None:
        super().__init__(error.message, log_level=logging.DEBUG)
        self.error = error


def domain_errors(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Let a tool's domain errors through FastMCP as quiet, structured tool errors."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except VaultraError as error:
            raise DomainToolError(error) from None
        except Exception as exc:
            from vaultra_mcp.db import store_down  # SQLAlchemy loads with the services, not before

            if not store_down(exc):
                raise
            log.warning("store unavailable: %s", type(exc).__name__)
            raise DomainToolError(
                StoreUnavailable("Vaultra's data store is not answering right now.")
            ) from None

    return wrapper


def error_result(
    code: str, message: str, next_step: str, details: dict[str, Any] | None = None
) -> ToolResult:
    """An ``isError`` result: code, message and next step, in the text and as structure."""
    payload: dict[str, Any] = {"error": code, "message": message, "next_step": next_step}
    if details:
        payload["details"] = details
    return text_result(f"{code}: {message} Next step: {next_step}", payload, is_error=True)


def _validation_message(error: ValidationError) -> str:
    cause = error.__cause__
    if isinstance(cause, PydanticValidationError):
        problems = []
        for item in cause.errors()[:3]:
            where = ".".join(str(part) for part in item["loc"] if part not in ("call", "arguments"))
            problems.append(f"{where or 'arguments'}: {item['msg']}")
        return "; ".join(problems)
    return str(error)


class ErrorMiddleware(Middleware):
    async def on_call_tool(
        self,
        context: MiddlewareContext[mt.CallToolRequestParams],
        call_next: CallNext[mt.CallToolRequestParams, ToolResult],
    ) -> ToolResult:
        try:
            return await call_next(context)
        except DomainToolError as exc:
            e = exc.error
            return error_result(e.code, e.message, e.next_step, e.details or None)
        except ValidationError as exc:
            return error_result(
                "INVALID_ARGUMENT",
                _validation_message(exc),
                "Fix the argument as described and call the tool again.",
            )
        except ToolError:
            return error_result(
                "INTERNAL_ERROR",
                "Something went wrong inside Vaultra.",
                "Try again; if it keeps failing, report it with the time of the call.",
            )

    async def on_read_resource(
        self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]
    ) -> Any:
        try:
            return await call_next(context)
        except Exception as exc:
            error = _domain_error(exc)
            if error is None:
                raise
            raise ResourceError(f"{error.code}: {error.message}") from None

    async def on_get_prompt(
        self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]
    ) -> Any:
        try:
            return await call_next(context)
        except Exception as exc:
            error = _domain_error(exc)
            if error is None:
                raise
            raise PromptError(f"{error.code}: {error.message}") from None


def _domain_error(exc: BaseException) -> VaultraError | None:
    """The domain error behind ``exc``, however FastMCP wrapped it."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DomainToolError):
            return seen.error
        seen = seen.__cause__
    return None
