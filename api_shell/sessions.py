"""Browser sessions over HTTP: the cookie, and the same-origin rule for what it may do.

The cookie is HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site subrequests)
and, when the shell is served over HTTPS, ``Secure`` with the ``__Host-`` prefix (no other host
or path can set or shadow it). SameSite does not separate sites that share a registrable domain
or differ only in port, so every unsafe request authenticated by the cookie must also come from
this origin: its ``Origin`` header (or, without one, ``Sec-Fetch-Site: same-origin``) must name
this server, else 403 before anything is read or written. Bearer tokens carry no ambient
authority, so requests with ``Authorization`` are not checked.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vaultra_mcp.errors import PermissionDenied
from vaultra_mcp.services.web_sessions import OpenedSession
from vaultra_mcp.settings import Settings

COOKIE = "vaultra_session"
SECURE_COOKIE = "__Host-vaultra_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def secure(settings: Settings) -> bool:
    return settings.http.public_url.lower().startswith("https://")


def cookie_name(settings: Settings) -> str:
    """One name per deployment: an HTTPS deployment never accepts the unprefixed cookie, which
    a sibling subdomain could have set."""
    return SECURE_COOKIE if secure(settings) else COOKIE


def session_token(request: Request, settings: Settings) -> str | None:
    return request.cookies.get(cookie_name(settings)) or None


def set_session_cookie(response: Response, settings: Settings, opened: OpenedSession) -> None:
    response.set_cookie(
        cookie_name(settings),
        opened.token,
        max_age=opened.max_age_seconds,
        path="/",
        secure=secure(settings),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings), path="/", secure=secure(settings), httponly=True, samesite="lax"
    )


def browser_navigation(request: Request) -> bool:
    """A page load (an OAuth redirect coming back), not an API client: answer with a redirect
    into the app rather than JSON."""
    return "text/html" in request.headers.get("accept", "")


def signed_in_redirect(settings: Settings, opened: OpenedSession, location: str) -> Response:
    response = RedirectResponse(location, status_code=303)
    set_session_cookie(response, settings, opened)
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: Request, settings: Settings) -> bool:
    """Whether the browser says this request comes from a page of this server."""
    origin = request.headers.get("origin")
    if origin is None:
        return request.headers.get("sec-fetch-site") == "same-origin"
    host = request.headers.get("host", "")
    ours = {_origin(settings.http.public_url), f"{request.url.scheme}://{host}".lower()}
    return origin.lower() in ours


def check_same_origin(request: Request, settings: Settings) -> None:
    if request.method not in SAFE_METHODS and not same_origin(request, settings):
        raise PermissionDenied(
            "Cross-site request refused: this action must come from Vaultra's own pages.",
            code="CROSS_SITE_REQUEST",
            next_step="Use the Vaultra web app, or send Authorization: Bearer <token>.",
        )
