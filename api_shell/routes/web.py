"""What only the browser app uses: a cookie session (sign in, sign out) and the deployment's
configuration (which buttons to show, which sources chat may link to).

API and MCP clients keep using ``POST /auth/login`` and bearer tokens; see ``api_shell.sessions``
for the cookie's attributes and the same-origin rule.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from api_shell.operations import Call, Operation
from api_shell.routes.auth import SignIn
from api_shell.sessions import (
    check_same_origin,
    clear_session_cookie,
    session_token,
    set_session_cookie,
)
from vaultra_mcp.agent.chat import ChatRuntime
from vaultra_mcp.services import accounts, web_sessions
from vaultra_mcp.services.web_config import WebConfig, web_config


class SessionView(BaseModel):
    user_id: int
    expires_at: datetime


async def open_session(call: Call) -> Response:
    """Email and password in, an HttpOnly session cookie out. Same-origin only, so another
    site cannot sign a visitor into an account of its choosing."""
    check_same_origin(call.request, call.deps.settings)
    body: SignIn = call.body
    address = call.request.client.host if call.request.client else "unknown"
    token = await accounts.sign_in(call.deps, body.email, body.password, address)
    opened = await web_sessions.open_session(call.deps, token.user_id)
    view = SessionView(user_id=opened.user_id, expires_at=opened.expires_at)
    response = JSONResponse(view.model_dump(mode="json"))
    set_session_cookie(response, call.deps.settings, opened)
    return response


async def close_session(call: Call) -> Response:
    """Revoke the session and clear its cookie; a copy of the cookie stops working too."""
    check_same_origin(call.request, call.deps.settings)
    token = session_token(call.request, call.deps.settings)
    if token is not None:
        await web_sessions.close_session(call.deps, token)
    response = Response(status_code=204)
    clear_session_cookie(response, call.deps.settings)
    return response


async def get_web_config(call: Call) -> WebConfig:
    runtime: ChatRuntime = call.request.app.state.chat
    return web_config(call.deps, runtime.provider.name, runtime.provider.model)


OPERATIONS = [
    Operation(
        "POST",
        "/auth/session",
        open_session,
        "Sign in from the web app (sets an HttpOnly session cookie)",
        "auth",
        response=SessionView,
        body=SignIn,
        auth=False,
        errors={
            401: "INVALID_CREDENTIALS: wrong email or password (the same for an unknown email)",
            403: "CROSS_SITE_REQUEST: the Origin is not this site's",
            429: "RATE_LIMITED: too many failed sign-ins from this address; see Retry-After",
        },
    ),
    Operation(
        "DELETE",
        "/auth/session",
        close_session,
        "Sign out of the web app (revokes the session, clears the cookie)",
        "auth",
        auth=False,
        status=204,
        errors={403: "CROSS_SITE_REQUEST: the Origin is not this site's"},
    ),
    Operation(
        "GET",
        "/web/config",
        get_web_config,
        "What the web app shows: sign-in options, the assistant, citable source hosts",
        "web",
        response=WebConfig,
        auth=False,
    ),
]
