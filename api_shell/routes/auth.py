"""``/auth``: sign-up, sign-in, the current account, personal access tokens, Google sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema
from starlette.responses import RedirectResponse, Response

from api_shell.operations import Call, Negotiated, Operation
from api_shell.sessions import browser_navigation, signed_in_redirect
from vaultra_mcp.errors import VaultraError
from vaultra_mcp.services import accounts, google_signin, identity, web_sessions
from vaultra_mcp.services.accounts import AccessToken, Account
from vaultra_mcp.services.identity import MAX_TOKEN_DAYS, TokenSummary
from vaultra_mcp.services.passwords import MAX_LENGTH, MIN_LENGTH
from vaultra_mcp.types import INTEGRAL

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _email(value: str) -> str:
    """A syntactically valid address; whether it receives mail is not ours to judge here."""
    try:
        checked = validate_email(
            value, check_deliverability=False, globally_deliverable=False, test_environment=True
        )
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None
    return checked.normalized


Email = Annotated[
    str,
    StringConstraints(max_length=320),
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 320}),
]


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: str = Field(
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
        pattern=r"\S",
        description=f"{MIN_LENGTH} to {MAX_LENGTH} characters, not only spaces.",
    )
    full_name: Name | None = None


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=MAX_LENGTH)


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    expires_in_days: Annotated[int, Field(ge=1, le=MAX_TOKEN_DAYS), INTEGRAL] | None = None


class CreatedToken(BaseModel):
    id: int
    name: str
    token: str = Field(description="Shown once; store it now. Only its hash is kept.")
    prefix: str
    expires_at: datetime | None


class TokenList(BaseModel):
    tokens: list[TokenSummary]


class GoogleCallback(BaseModel):
    code: str = Field(min_length=1, max_length=2_048)
    state: str = Field(min_length=1, max_length=200)


async def sign_up(call: Call) -> AccessToken:
    body: SignUp = call.body
    return await accounts.sign_up(call.deps, body.email, body.password, body.full_name)


async def sign_in(call: Call) -> AccessToken:
    body: SignIn = call.body
    address = call.request.client.host if call.request.client else "unknown"
    return await accounts.sign_in(call.deps, body.email, body.password, address)


async def me(call: Call) -> Account:
    return await accounts.account(call.deps, call.caller)


async def create_token(call: Call) -> CreatedToken:
    body: NewToken = call.body
    issued = await identity.issue_token(
        call.deps, user_id=call.user_id, name=body.name, expires_in_days=body.expires_in_days
    )
    summary = next(
        t for t in await identity.list_tokens(call.deps, call.user_id) if t.id == issued.id
    )
    return CreatedToken(
        id=issued.id,
        name=issued.name,
        token=issued.token,
        prefix=issued.prefix,
        expires_at=summary.expires_at,
    )


async def list_tokens(call: Call) -> TokenList:
    return TokenList(tokens=await identity.list_tokens(call.deps, call.user_id))


async def revoke_token(call: Call) -> None:
    await identity.revoke_token(call.deps, call.user_id, call.path("token_id"))


async def google_start(call: Call) -> Response:
    return RedirectResponse(await google_signin.start(call.deps), status_code=302)


async def google_callback(call: Call) -> AccessToken | Response:
    """JSON for an API client; for a browser, a session cookie and the dashboard (or the
    sign-in page naming what went wrong)."""
    query: GoogleCallback = call.query
    if not browser_navigation(call.request):
        return await google_signin.finish(call.deps, query.code, query.state)
    try:
        token = await google_signin.finish(call.deps, query.code, query.state)
    except VaultraError as exc:
        return RedirectResponse(f"/signin/?error={quote(exc.code)}", status_code=303)
    opened = await web_sessions.open_session(call.deps, token.user_id)
    return signed_in_redirect(call.deps.settings, opened, "/dashboard/")


OPERATIONS = [
    Operation(
        "POST",
        "/auth/signup",
        sign_up,
        "Create an account",
        "auth",
        response=AccessToken,
        body=SignUp,
        status=201,
        auth=False,
        errors={409: "EMAIL_TAKEN: an account with this email exists; sign in instead"},
    ),
    Operation(
        "POST",
        "/auth/login",
        sign_in,
        "Sign in with email and password",
        "auth",
        response=AccessToken,
        body=SignIn,
        auth=False,
        errors={
            401: "INVALID_CREDENTIALS: wrong email or password (the same for an unknown email)",
            429: "RATE_LIMITED: too many failed sign-ins from this address; see Retry-After",
        },
    ),
    Operation("GET", "/auth/me", me, "The signed-in account", "auth", response=Account),
    Operation(
        "POST",
        "/auth/tokens",
        create_token,
        "Create a personal access token (for MCP clients)",
        "auth",
        response=CreatedToken,
        body=NewToken,
        status=201,
    ),
    Operation(
        "GET",
        "/auth/tokens",
        list_tokens,
        "List your personal access tokens",
        "auth",
        response=TokenList,
    ),
    Operation(
        "DELETE",
        "/auth/tokens/{token_id:int}",
        revoke_token,
        "Revoke a personal access token",
        "auth",
        status=204,
        errors={404: "TOKEN_NOT_FOUND: not one of your tokens"},
    ),
    Operation(
        "GET",
        "/auth/login/google",
        google_start,
        "Start Google sign-in (redirects to Google)",
        "auth",
        auth=False,
        status=302,
        errors={503: "CONFIGURATION_ERROR: Google sign-in is not configured"},
    ),
    Operation(
        "GET",
        "/auth/callback/google",
        google_callback,
        "Finish Google sign-in",
        "auth",
        response=AccessToken,
        query=GoogleCallback,
        auth=False,
        negotiated=(
            Negotiated(
                "text/html",
                303,
                "A browser is sent to the dashboard, signed in (a session cookie is set), or "
                "to the sign-in page naming the error",
            ),
        ),
        errors={
            400: "INVALID_STATE: the state is unknown, expired or already used (start again)",
            401: "GOOGLE_SIGNIN_FAILED: Google refused the code or its ID token did not verify",
            409: "GOOGLE_ACCOUNT_MISMATCH: the email's account is linked to another Google "
            "account; ACCOUNT_DISABLED",
            502: "Google did not answer, or answered with something unreadable",
            503: "CONFIGURATION_ERROR: Google sign-in is not configured",
        },
    ),
]
