"""A fake of Google's OpenID Connect provider: discovery, authorize, token, JWKS, userinfo.

Serves Google's paths and wire formats on one base URL so a "Sign in with Google" client
runs its real authorization-code flow (``state``, PKCE, ``nonce``) and its real ID-token
checks offline. The user consents at once; ``tamper_next`` makes the next ID token bad in
one chosen way, to prove the client's verifier rejects it.

Google serves these from several hosts (accounts.google.com, oauth2.googleapis.com,
www.googleapis.com, openidconnect.googleapis.com); the fake serves them all from
``url``, so configure clients from ``{url}/.well-known/openid-configuration``.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from html import escape
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.fakes.common import FakeState, intercept

__all__ = [
    "GOOGLE_ISSUER",
    "GoogleState",
    "GoogleUser",
    "SigningKey",
    "Tamper",
    "build_google_app",
    "s256_challenge",
    "signing_key",
]

GOOGLE_ISSUER = "https://accounts.google.com"
DEFAULT_CLIENT_ID = "1234567890-vaultra.apps.googleusercontent.com"
DEFAULT_CLIENT_SECRET = "GOCSPX-vaultra-fake-secret"
CODE_TTL = 600.0
TOKEN_TTL = 3600
#: How far tampered ``iat``/``exp`` are off: more than any sensible clock-skew leeway.
_SKEW = 3600
_OTHER_CLIENT = "999999999-someone-else.apps.googleusercontent.com"
_WRONG_ISSUER = "https://accounts.google.example"
#: Google answers with the full scope URLs for these short names.
_SCOPE_URLS = {
    "email": "https://www.googleapis.com/auth/userinfo.email",
    "profile": "https://www.googleapis.com/auth/userinfo.profile",
}
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 section 4.1
_NO_STORE = {"cache-control": "no-cache, no-store, max-age=0, must-revalidate"}
_JWKS_CACHE = {"cache-control": "public, max-age=21600, must-revalidate, no-transform"}
_CLAIMS = ["aud", "azp", "email", "email_verified", "exp", "iat", "iss", "name", "nonce", "sub"]
_ERROR_CODES = {429: "rate_limit_exceeded", 503: "temporarily_unavailable"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def s256_challenge(verifier: str) -> str:
    """The PKCE S256 challenge of *verifier*: base64url(sha256(verifier)), unpadded."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass(frozen=True)
class SigningKey:
    """An RSA key and the ``kid`` it is published under."""

    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self) -> dict[str, str]:
        """The public half as Google publishes it in its JWKS."""
        numbers = self.private.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": _b64url(n),
            "e": _b64url(e),
        }


@cache
def signing_key(name: str) -> SigningKey:
    """A 2048-bit RSA key per *name*, made once per process: generating one costs ~100 ms.

    The fake uses "primary", "rotated" (after ``GoogleState.rotate``) and "rogue" (never
    published; it signs the ``UNKNOWN_SIGNING_KEY`` and ``UNKNOWN_KID`` tokens).
    """
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    modulus = private.public_key().public_numbers().n.to_bytes(256, "big")
    kid = hashlib.sha1(modulus, usedforsecurity=False).hexdigest()  # 40 hex digits, as Google's
    return SigningKey(kid=kid, private=private)


class Tamper(enum.Enum):
    """One defect to put in the next ID token; each must make a correct client reject it."""

    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"  # minted for another client: aud and azp
    EXPIRED = "expired"  # exp an hour ago
    ISSUED_IN_FUTURE = "issued_in_future"  # iat an hour ahead
    UNKNOWN_SIGNING_KEY = "unknown_signing_key"  # a published kid, a foreign key's signature
    UNKNOWN_KID = "unknown_kid"  # signed by a key the JWKS never listed, under its own kid
    ALG_NONE = "alg_none"  # unsigned, header alg "none"
    EMAIL_UNVERIFIED = "email_unverified"  # email_verified false
    WRONG_NONCE = "wrong_nonce"


@dataclass
class GoogleUser:
    """A Google account that can sign in; ``sub`` is Google's stable numeric id."""

    sub: str
    email: str
    email_verified: bool = True
    name: str = ""


def default_users() -> list[GoogleUser]:
    """Two accounts; the first signs in unless ``login_hint`` names another."""
    return [
        GoogleUser("104857600000000000001", "ada@example.com", True, "Ada Lovelace"),
        GoogleUser("104857600000000000002", "grace@example.com", True, "Grace Hopper"),
    ]


@dataclass
class IssuedCode:
    """What an authorization code is bound to until it is redeemed (once) or expires."""

    client_id: str
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    user: GoogleUser
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class IssuedAccessToken:
    """An access token, good for ``/v1/userinfo`` until it expires."""

    user: GoogleUser
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class GoogleState(FakeState):
    """The one registered OAuth client, the accounts, the keys and the issued codes.

    ``issuer``: ``iss`` of ID tokens and of the discovery document; set it to the fake's
    URL for clients that check the issuer against the discovery URL.
    ``redirect_uris``: registered redirect URIs; empty accepts any.
    ``strict``: require ``state``, ``nonce`` and an S256 ``code_challenge`` when
    authorizing (Google makes them optional; Vaultra must always send them).
    ``deny_consent``: the user clicks "Cancel": redirect with ``error=access_denied``.
    ``tamper_next``: the defect for the next ID token only (reset once used).
    ``clock``: seconds since the epoch; replace it to expire codes without waiting.
    """

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    redirect_uris: list[str] = field(default_factory=list)
    issuer: str = GOOGLE_ISSUER
    users: list[GoogleUser] = field(default_factory=default_users)
    strict: bool = True
    deny_consent: bool = False
    tamper_next: Tamper | None = None
    code_ttl: float = CODE_TTL
    clock: Callable[[], float] = time.time
    signing_keys: list[SigningKey] = field(default_factory=lambda: [signing_key("primary")])
    codes: dict[str, IssuedCode] = field(default_factory=dict)
    access_tokens: dict[str, IssuedAccessToken] = field(default_factory=dict)

    def rotate(self, keep_old: bool = True) -> SigningKey:
        """Sign with the other cached key from now on (rotating twice returns to the first).

        The JWKS keeps listing the outgoing key, as Google's does for a while, unless
        *keep_old* is false.
        """
        old = self.signing_keys[0]
        new = signing_key("rotated" if old == signing_key("primary") else "primary")
        self.signing_keys = [new, old] if keep_old else [new]
        return new


# ---- errors -----------------------------------------------------------------------


def oauth_error(status: int, error: str, description: str) -> Response:
    """An error shaped like Google's OAuth JSON errors."""
    body = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status, headers=_NO_STORE)


def google_error(status: int, message: str) -> Response:
    """Error factory for ``intercept`` on the JSON endpoints."""
    error = _ERROR_CODES.get(status, "server_error" if status >= 500 else "invalid_request")
    return oauth_error(status, error, message)


def error_page(status: int, error: str, description: str) -> Response:
    """The HTML page Google shows the user when it cannot redirect back to the client."""
    html = (
        "<!doctype html><html lang=en><head><title>Error</title></head><body>"
        "<h1>Access blocked: Authorization Error</h1>"
        f"<p>{escape(description)}</p><p>Error {status}: {escape(error)}</p></body></html>"
    )
    return HTMLResponse(html, status_code=status)


def _page_error(status: int, message: str) -> Response:
    return error_page(status, "server_error", message)


# ---- helpers ----------------------------------------------------------------------


def _base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _with_query(url: str, params: Mapping[str, str]) -> str:
    """*url* with *params* added to the query it already has, as Google redirects."""
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return urlunsplit(parts._replace(query=query))


def _granted_scope(scopes: tuple[str, ...]) -> str:
    return " ".join(_SCOPE_URLS.get(scope, scope) for scope in scopes)


async def _form(request: Request, state: GoogleState) -> dict[str, str]:
    """The urlencoded body; also stored on the request's record, since ``intercept``
    records JSON bodies only (matched by path and headers, so near-certain, not exact)."""
    raw = await request.body()
    form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    headers = dict(request.headers)
    for record in reversed(state.requests):
        if record.path == request.url.path and record.body is None and record.headers == headers:
            record.body = form
            break
    return form


# ---- ID tokens --------------------------------------------------------------------


def _claims(state: GoogleState, issued: IssuedCode, access_token: str) -> dict[str, Any]:
    """The claims Google puts in an ID token; email and name only with their scopes."""
    now = int(state.clock())
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    claims: dict[str, Any] = {
        "iss": state.issuer,
        "azp": issued.client_id,
        "aud": issued.client_id,
        "sub": issued.user.sub,
    }
    if "email" in issued.scopes:
        claims["email"] = issued.user.email
        claims["email_verified"] = issued.user.email_verified
    claims["at_hash"] = _b64url(digest[:16])
    if issued.nonce is not None:
        claims["nonce"] = issued.nonce
    if "profile" in issued.scopes:
        claims["name"] = issued.user.name
    claims["iat"] = now
    claims["exp"] = now + TOKEN_TTL
    return claims


def _tampered(claims: dict[str, Any], tamper: Tamper | None) -> dict[str, Any]:
    iat = claims["iat"]
    overrides: dict[Tamper, dict[str, Any]] = {
        Tamper.WRONG_ISSUER: {"iss": _WRONG_ISSUER},
        Tamper.WRONG_AUDIENCE: {"aud": _OTHER_CLIENT, "azp": _OTHER_CLIENT},
        Tamper.EXPIRED: {"iat": iat - 2 * _SKEW, "exp": iat - _SKEW},
        Tamper.ISSUED_IN_FUTURE: {"iat": iat + _SKEW, "exp": iat + _SKEW + TOKEN_TTL},
        Tamper.EMAIL_UNVERIFIED: {"email_verified": False},
        Tamper.WRONG_NONCE: {"nonce": "not-the-nonce-you-sent"},
    }
    return {**claims, **overrides.get(tamper, {})} if tamper is not None else claims


def _sign(claims: dict[str, Any], state: GoogleState, tamper: Tamper | None) -> str:
    """RS256 with the current key, unless the tamper calls for another key or none."""
    current = state.signing_keys[0]
    if tamper is Tamper.ALG_NONE:
        header = {"alg": "none", "kid": current.kid, "typ": "JWT"}
        segments = (json.dumps(header).encode(), json.dumps(claims).encode())
        return ".".join(_b64url(segment) for segment in segments) + "."
    foreign = tamper in (Tamper.UNKNOWN_SIGNING_KEY, Tamper.UNKNOWN_KID)
    signer = signing_key("rogue") if foreign else current
    kid = signer.kid if tamper is Tamper.UNKNOWN_KID else current.kid
    return jwt.encode(claims, signer.private, algorithm="RS256", headers={"kid": kid})


def _tokens(state: GoogleState, issued: IssuedCode) -> dict[str, Any]:
    """The token response; uses up ``tamper_next``."""
    tamper, state.tamper_next = state.tamper_next, None
    access_token = "ya29.fake-" + secrets.token_urlsafe(32)
    expires_at = state.clock() + TOKEN_TTL
    state.access_tokens[access_token] = IssuedAccessToken(issued.user, issued.scopes, expires_at)
    claims = _tampered(_claims(state, issued, access_token), tamper)
    return {
        "access_token": access_token,
        "expires_in": TOKEN_TTL - 1,
        "scope": _granted_scope(issued.scopes),
        "token_type": "Bearer",
        "id_token": _sign(claims, state, tamper),
    }


# ---- authorize --------------------------------------------------------------------


def _client_problem(params: Mapping[str, str], state: GoogleState) -> tuple[str, str] | None:
    """Problems Google shows on its own page because it cannot trust the redirect URI."""
    for name in ("client_id", "redirect_uri"):
        if not params.get(name):
            return "invalid_request", f"Missing required parameter: {name}"
    if params["client_id"] != state.client_id:
        return "invalid_client", "The OAuth client was not found."
    if state.redirect_uris and params["redirect_uri"] not in state.redirect_uris:
        return "redirect_uri_mismatch", "The redirect URI is not registered for this client."
    return None


def _request_problem(params: Mapping[str, str], state: GoogleState) -> tuple[str, str] | None:
    required = ["response_type", "scope"]
    if state.strict:
        required += ["state", "nonce", "code_challenge", "code_challenge_method"]
    for name in required:
        if not params.get(name):
            return "invalid_request", f"Missing required parameter: {name}"
    if params["response_type"] != "code":
        return "unsupported_response_type", "The fake supports response_type=code only."
    if "openid" not in params["scope"].split():
        return "invalid_scope", "Sign in with Google needs the openid scope."
    method = params.get("code_challenge_method")
    if method is not None and method not in ("plain", "S256"):
        return "invalid_request", f"Invalid code_challenge_method: {method}"
    if state.strict and method != "S256":
        return "invalid_request", "The strict fake requires code_challenge_method=S256."
    return None


def _user_for(state: GoogleState, hint: str | None) -> GoogleUser | None:
    """The account signing in: the one ``login_hint`` names (email or sub), else the first."""
    if not hint:
        return state.users[0] if state.users else None
    return next((u for u in state.users if hint in (u.email, u.sub)), None)


async def _authorize(request: Request, state: GoogleState) -> Response:
    _, failure = await intercept(request, state, _page_error)
    if failure is not None:
        return failure
    params = request.query_params
    problem = _client_problem(params, state) or _request_problem(params, state)
    if problem is not None:
        return error_page(400, *problem)
    user = _user_for(state, params.get("login_hint"))
    if user is None:
        return error_page(400, "invalid_request", "login_hint names no account of the fake.")
    echo = {"state": params["state"]} if "state" in params else {}
    if state.deny_consent:
        location = _with_query(params["redirect_uri"], {"error": "access_denied", **echo})
        return Response(status_code=302, headers={"location": location})
    code = "4/0A" + secrets.token_urlsafe(48)  # Google's codes contain a "/" too
    scopes = tuple(params["scope"].split())
    state.codes[code] = IssuedCode(
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        code_challenge=params.get("code_challenge"),
        code_challenge_method=params.get("code_challenge_method", "plain"),
        nonce=params.get("nonce"),
        user=user,
        scopes=scopes,
        expires_at=state.clock() + state.code_ttl,
    )
    redirect = {**echo, "code": code, "scope": _granted_scope(scopes)}
    redirect.update(authuser="0", prompt="consent")
    location = _with_query(params["redirect_uri"], redirect)
    return Response(status_code=302, headers={"location": location})


# ---- token ------------------------------------------------------------------------


def _client_credentials(request: Request, form: Mapping[str, str]) -> tuple[str, str] | None:
    """(client_id, client_secret) from HTTP Basic (urlencoded, RFC 6749 2.3.1) or the form."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return form.get("client_id", ""), form.get("client_secret", "")
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return None
    user, colon, password = decoded.partition(":")
    client_id = unquote_plus(user)
    if not colon or form.get("client_id", client_id) != client_id:
        return None
    return client_id, unquote_plus(password)


def _client_error(request: Request, form: Mapping[str, str], state: GoogleState) -> Response | None:
    credentials = _client_credentials(request, form)
    if credentials is None:
        return oauth_error(401, "invalid_client", "Unauthorized")
    client_id, secret = credentials
    if client_id != state.client_id:
        return oauth_error(401, "invalid_client", "The OAuth client was not found.")
    if not secrets.compare_digest(secret.encode(), state.client_secret.encode()):
        return oauth_error(401, "invalid_client", "Unauthorized")
    return None


def _pkce_problem(issued: IssuedCode, verifier: str | None) -> str | None:
    if issued.code_challenge is None:
        return None
    if not verifier:
        return "Missing code verifier."
    expected = s256_challenge(verifier) if issued.code_challenge_method == "S256" else verifier
    if not _VERIFIER.match(verifier) or not secrets.compare_digest(expected, issued.code_challenge):
        return "Invalid code verifier."
    return None


def _redeem(form: Mapping[str, str], state: GoogleState) -> IssuedCode | Response:
    """The code's binding, or the error; a code is burnt by any redemption attempt."""
    for name in ("code", "redirect_uri"):
        if not form.get(name):
            return oauth_error(400, "invalid_request", f"Missing required parameter: {name}")
    issued = state.codes.pop(form["code"], None)
    if issued is None or issued.expires_at <= state.clock():
        return oauth_error(400, "invalid_grant", "Bad Request")
    if issued.client_id != state.client_id:  # the client just authenticated as state.client_id
        return oauth_error(400, "invalid_grant", "Bad Request")
    if issued.redirect_uri != form["redirect_uri"]:
        return oauth_error(400, "redirect_uri_mismatch", "Bad Request")  # not invalid_grant
    problem = _pkce_problem(issued, form.get("code_verifier"))
    if problem is not None:
        return oauth_error(400, "invalid_grant", problem)
    return issued


async def _token(request: Request, state: GoogleState) -> Response:
    _, failure = await intercept(request, state, google_error)
    form = await _form(request, state)
    if failure is not None:
        return failure
    grant_type = form.get("grant_type", "")
    if grant_type != "authorization_code":
        return oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")
    client_error = _client_error(request, form, state)
    if client_error is not None:
        return client_error
    issued = _redeem(form, state)
    if isinstance(issued, Response):
        return issued
    return JSONResponse(_tokens(state, issued), headers=_NO_STORE)


# ---- discovery, JWKS, userinfo ----------------------------------------------------


async def _discovery(request: Request, state: GoogleState) -> Response:
    _, failure = await intercept(request, state, google_error)
    if failure is not None:
        return failure
    base = _base_url(request)
    document = {
        "issuer": state.issuer,
        "authorization_endpoint": f"{base}/o/oauth2/v2/auth",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/v1/userinfo",
        "jwks_uri": f"{base}/oauth2/v3/certs",
        "response_types_supported": ["code"],  # all the fake implements
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": _CLAIMS,
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code"],
    }
    return JSONResponse(document, headers={"cache-control": "public, max-age=3600"})


async def _certs(request: Request, state: GoogleState) -> Response:
    _, failure = await intercept(request, state, google_error)
    if failure is not None:
        return failure
    return JSONResponse({"keys": [key.jwk() for key in state.signing_keys]}, headers=_JWKS_CACHE)


async def _userinfo(request: Request, state: GoogleState) -> Response:
    _, failure = await intercept(request, state, google_error)
    if failure is not None:
        return failure
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    issued = state.access_tokens.get(token) if scheme.lower() == "bearer" else None
    if issued is None or issued.expires_at <= state.clock():
        failure = oauth_error(401, "invalid_request", "Invalid Credentials")
        failure.headers["www-authenticate"] = f'Bearer realm="{GOOGLE_ISSUER}/"'
        return failure
    info: dict[str, Any] = {"sub": issued.user.sub}
    if "profile" in issued.scopes:
        info["name"] = issued.user.name
    if "email" in issued.scopes:
        info.update(email=issued.user.email, email_verified=issued.user.email_verified)
    return JSONResponse(info)


def build_google_app(state: GoogleState) -> Starlette:
    """The fake's ASGI app; every route reads and updates *state*."""

    async def discovery(request: Request) -> Response:
        return await _discovery(request, state)

    async def authorize(request: Request) -> Response:
        return await _authorize(request, state)

    async def token(request: Request) -> Response:
        return await _token(request, state)

    async def certs(request: Request) -> Response:
        return await _certs(request, state)

    async def userinfo(request: Request) -> Response:
        return await _userinfo(request, state)

    return Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery, methods=["GET"]),
            Route("/o/oauth2/v2/auth", authorize, methods=["GET"]),
            Route("/token", token, methods=["POST"]),
            Route("/oauth2/v3/certs", certs, methods=["GET"]),
            Route("/v1/userinfo", userinfo, methods=["GET", "POST"]),
        ]
    )
