"""Stripe Connect OAuth (Standard accounts): authorize, token, deauthorize.

``/oauth/authorize`` skips the consent page: the "user" approves at once and the browser is
sent to the redirect URI with a code, which lets a person click "connect Stripe" locally and
see it work. The account connected is the one named by ``stripe_user_id`` (a fake-only
parameter), else the first account not connected yet; with none left the redirect carries
``error=access_denied``, as when a user declines. Token and deauthorize calls authenticate with
the platform's secret key and answer OAuth-shaped errors.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.responses import JSONResponse, RedirectResponse, Response

from fakes.stripe.auth import require_platform
from fakes.stripe.errors import oauth_error
from fakes.stripe.listing import one
from fakes.stripe.state import FakeAccount, FakeStripe, RecordedRequest

SCOPES = ("read_write", "read_only")


def authorize(state: FakeStripe, call: RecordedRequest) -> Response:
    """``GET /oauth/authorize``: an immediate 302 to the redirect URI with ``code``."""
    params = call.query
    client_id = one(params, "client_id")
    if client_id != state.client_id:
        raise oauth_error(400, "invalid_client", f"No such application: '{client_id}'")
    if one(params, "response_type") != "code":
        raise oauth_error(400, "unsupported_response_type", "response_type must be 'code'.")
    scope = one(params, "scope") or "read_write"
    if scope not in SCOPES:
        raise oauth_error(400, "invalid_scope", f"Invalid scope: {scope}")
    redirect_uri = one(params, "redirect_uri") or state.redirect_uri
    if redirect_uri is None:
        raise oauth_error(
            400, "invalid_request", "No redirect_uri given and FakeStripe.redirect_uri is unset."
        )
    echo = {"state": value} if (value := one(params, "state")) is not None else {}
    account = _account_to_connect(state, one(params, "stripe_user_id"))
    if account is None:
        denied = {"error": "access_denied", "error_description": "No account left to connect."}
        return RedirectResponse(_with_query(redirect_uri, {**denied, **echo}), status_code=302)
    code = state.issue_code(account.id, scope)
    answer = {"scope": scope, "code": code, **echo}
    return RedirectResponse(_with_query(redirect_uri, answer), status_code=302)


def token(state: FakeStripe, call: RecordedRequest) -> Response:
    """``POST /oauth/token``: exchange a code (or a refresh token) for the account's tokens."""
    require_platform(state, call)
    grant_type = one(call.form, "grant_type")
    if grant_type == "authorization_code":
        code = one(call.form, "code")
        if not code:
            raise oauth_error(400, "invalid_request", "No authorization code provided.")
        account = state.redeem_code(code)
    elif grant_type == "refresh_token":
        refresh = one(call.form, "refresh_token") or one(call.form, "code")
        found = [a for a in state.accounts.values() if a.connected and a.refresh_token == refresh]
        if not found:
            raise oauth_error(400, "invalid_grant", f"Invalid refresh token: {refresh}")
        account = found[0]
    else:
        raise oauth_error(400, "unsupported_grant_type", f"Unsupported grant_type: {grant_type}")
    return JSONResponse(_tokens(account))


def deauthorize(state: FakeStripe, call: RecordedRequest) -> Response:
    """``POST /oauth/deauthorize``: disconnect the account and revoke its tokens."""
    require_platform(state, call)
    client_id = one(call.form, "client_id")
    if client_id != state.client_id:
        raise oauth_error(401, "invalid_client", f"No such application: '{client_id}'")
    account_id = one(call.form, "stripe_user_id") or ""
    account = state.accounts.get(account_id)
    if account is None or not account.connected:
        raise oauth_error(
            401,
            "invalid_client",
            f"This application is not connected to stripe account {account_id}, "
            "or that account does not exist.",
        )
    state.deauthorize(account)
    return JSONResponse({"stripe_user_id": account.id})


def _account_to_connect(state: FakeStripe, named: str | None) -> FakeAccount | None:
    if named is None:
        return state.next_unconnected()
    account = state.accounts.get(named)
    if account is None:
        raise oauth_error(400, "invalid_request", f"No such account: '{named}'")
    return account


def _tokens(account: FakeAccount) -> dict[str, Any]:
    return {
        "access_token": account.access_token,
        "refresh_token": account.refresh_token,
        "token_type": "bearer",
        "stripe_publishable_key": account.publishable_key,
        "stripe_user_id": account.id,
        "scope": account.scope,
        "livemode": False,
    }


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))
