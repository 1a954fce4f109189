"""The web app at ``/``: the static build, how browsers may cache it, and the security headers.

Astro puts every script, stylesheet and font under ``/_astro/`` with a content hash in its
name, so those are cached for a year and never revalidated; pages (and anything else) are
``no-cache``: always revalidated (ETag), so a deploy is seen on the next load. Without a build
the API still runs and ``/`` says what is missing.

Every response carries a Content-Security-Policy with no inline script or style and no
third-party origin (every asset is bundled), frame-ancestors none, nosniff and a same-origin
referrer policy; HSTS too when the shell is served over HTTPS.
"""

from __future__ import annotations

from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api_shell.sessions import secure
from vaultra_mcp.settings import Settings

ASSETS = "_astro/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
NOT_BUILT = (
    "The Vaultra web app is not built, so there is nothing to show here yet.\n"
    "Build it with Node.js 20 or newer: `make run` does it (npm ci + npm run build in web/),\n"
    "or point VAULTRA_WEB_DIR at a build. The API is up at /api/v1 and MCP at /mcp.\n"
)


class BuiltSite(StaticFiles):
    """Astro's ``dist/``: directory URLs serve their ``index.html``, misses its ``404.html``."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = IMMUTABLE if path.startswith(ASSETS) else REVALIDATE
        return response


def built_site(settings: Settings) -> Path | None:
    """The build ``/`` serves, or None when ``VAULTRA_WEB_DIR`` holds none."""
    directory = Path(settings.http.web_dir) if settings.http.web_dir else None
    return directory if directory is not None and (directory / "index.html").is_file() else None


def site_routes(settings: Settings) -> list[BaseRoute]:
    """The route that serves the build, or one that explains why there is none."""
    directory = built_site(settings)
    if directory is not None:
        return [Mount("/", app=GZipMiddleware(BuiltSite(directory=directory, html=True)))]

    async def not_built(_: Request) -> Response:
        return PlainTextResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})

    return [Route("/", not_built, methods=["GET"])]


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response (API, MCP and pages alike)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = [*HEADERS, HSTS] if secure(settings) else list(HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
