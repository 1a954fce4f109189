"""Google sign-in over OpenID Connect: the authorization-code flow with PKCE (S256) and a nonce.

Endpoints come from the discovery document (``GOOGLE_DISCOVERY_URL``), so tests point this at a
fake provider on 127.0.0.1. The ID token is verified here, not trusted from the token response:
signature against the provider's JWKS (RS256 only), issuer, audience, expiry, issue time and
nonce; an unverified email is refused.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from vaultra_mcp.errors import ConfigurationError, Unauthenticated, UpstreamUnavailable
from vaultra_mcp.settings import Settings

ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 60
DISCOVERY_TTL_SECONDS = 3_600


@dataclass(frozen=True, slots=True)
class GoogleIdentity:
    subject: str
    email: str
    name: str | None


@dataclass(frozen=True, slots=True)
class PkcePair:
    verifier: str
    challenge: str


def new_pkce() -> PkcePair:
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode()).digest()
    return PkcePair(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


class GoogleOidc:
    def __init__(self, settings: Settings) -> None:
        if not settings.auth.google_client_id or settings.auth.google_client_secret is None:
            raise ConfigurationError(
                "Google sign-in is not configured: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET."
            )
        self.client_id = settings.auth.google_client_id
        self.client_secret = settings.auth.google_client_secret.get_secret_value()
        self.discovery_url = settings.auth.google_discovery_url
        self.redirect_uri = settings.http.public_url.rstrip("/") + "/api/v1/auth/callback/google"
        self.timeout = settings.llm.provider_timeout
        self._discovery: tuple[dict[str, Any], float] | None = None

    async def authorize_url(self, state: str, nonce: str, challenge: str) -> str:
        endpoint = (await self._configuration())["authorization_endpoint"]
        query = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": "openid email profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return f"{endpoint}?{urlencode(query)}"

    async def identity(self, code: str, verifier: str, nonce: str) -> GoogleIdentity:
        """Exchange ``code`` and verify the ID token; ``Unauthenticated`` if it does not hold."""
        configuration = await self._configuration()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "code_verifier": verifier,
        }
        tokens = await self._post(configuration["token_endpoint"], form)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise Unauthenticated("Google did not return an ID token.", code="GOOGLE_SIGNIN_FAILED")
        jwks = await self._get(configuration["jwks_uri"])
        claims = self._verified(id_token, jwks, _issuers(configuration["issuer"]))
        if claims.get("nonce") != nonce:
            raise _rejected("the nonce does not match")
        if claims.get("email_verified") is not True or not isinstance(claims.get("email"), str):
            raise _rejected("the Google account has no verified email")
        return GoogleIdentity(str(claims["sub"]), claims["email"], claims.get("name"))

    def _verified(self, id_token: str, jwks: dict[str, Any], issuer: list[str]) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
            keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(jwks).keys}
            key = keys.get(header.get("kid"))
            if key is None:
                raise _rejected("it is signed with an unknown key")
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=ALGORITHMS,
                audience=self.client_id,
                issuer=issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except (jwt.PyJWTError, ValueError) as exc:
            raise _rejected(type(exc).__name__) from None
        if claims["iat"] > time.time() + LEEWAY_SECONDS:
            raise _rejected("it was issued in the future")
        return claims

    async def _configuration(self) -> dict[str, Any]:
        if self._discovery is None or self._discovery[1] < time.monotonic():
            document = await self._get(self.discovery_url)
            needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
            if not all(isinstance(document.get(k), str) for k in needed):
                raise UpstreamUnavailable("Google's discovery document is incomplete.")
            self._discovery = (document, time.monotonic() + DISCOVERY_TTL_SECONDS)
        return self._discovery[0]

    async def _get(self, url: str) -> dict[str, Any]:
        return await self._request("GET", url, None)

    async def _post(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        return await self._request("POST", url, form)

    async def _request(self, method: str, url: str, form: dict[str, str] | None) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.request(method, url, data=form)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"Google is unreachable: {type(exc).__name__}") from None
        if response.status_code in (400, 401) and form is not None:
            raise Unauthenticated(
                "Google refused the sign-in code; start again.", code="GOOGLE_SIGNIN_FAILED"
            )
        if response.status_code != 200:
            raise UpstreamUnavailable(f"Google answered {response.status_code}.")
        try:
            body = response.json()
        except ValueError:
            raise UpstreamUnavailable("Google answered with something that is not JSON.") from None
        if not isinstance(body, dict):
            raise UpstreamUnavailable("Google answered with something that is not an object.")
        return body


def _issuers(issuer: str) -> list[str]:
    """Google documents ``https://accounts.google.com`` and ``accounts.google.com`` alike."""
    bare = issuer.removeprefix("https://")
    return [issuer] if bare == issuer else [issuer, bare]


def _rejected(why: str) -> Unauthenticated:
    return Unauthenticated(
        f"The Google sign-in could not be verified ({why}).", code="GOOGLE_SIGNIN_FAILED"
    )
