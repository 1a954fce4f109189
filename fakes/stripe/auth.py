"""Who is calling: Stripe's Bearer keys, ``Stripe-Account`` and their refusals.

A v1 request authenticates with either a connected account's OAuth access token, or the
platform's secret key (acting for the platform itself, or for a connected account it names in
``Stripe-Account``). The refusals carry Stripe's statuses and codes, so the official library
raises what it raises against Stripe: an unknown key is a 401 (AuthenticationError), a revoked
access token a 401 with ``api_key_expired``, and a platform key naming an account that is not
connected to it a 403 with ``account_invalid`` (PermissionError).
"""

from __future__ import annotations

from fakes.stripe.errors import (
    StripeFakeError,
    api_error,
    oauth_error,
    redact,
)
from fakes.stripe.state import FakeAccount, FakeStripe, RecordedRequest

_NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details."
)


def bearer(call: RecordedRequest) -> str | None:
    scheme, _, key = call.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return key.strip()


def caller(state: FakeStripe, call: RecordedRequest) -> FakeAccount | None:
    """The connected account a v1 request acts for; None for the platform's own account."""
    key = bearer(call)
    if key is None:
        raise api_error(401, _NO_KEY)
    named = call.stripe_account
    if key == state.secret_key:
        if named is None:
            return None
        account = state.accounts.get(named)
        if account is None or not account.connected:
            raise _no_access(key, named)
        return account
    account = state.account_for_token(key)
    if account is not None:
        if named not in (None, account.id):
            raise _no_access(key, named)
        return account
    if key in state.revoked_tokens:
        raise api_error(
            401,
            f"Expired API Key provided: {redact(key)}. Application access may have been revoked.",
            code="api_key_expired",
        )
    raise api_error(401, f"Invalid API Key provided: {redact(key)}")


def require_platform(state: FakeStripe, call: RecordedRequest) -> None:
    """Connect OAuth calls authenticate with the platform's secret key, sent as Bearer."""
    key = bearer(call)
    if key is None:
        raise oauth_error(
            401,
            "invalid_client",
            "No authentication was provided. Send your secret API key using the Authorization "
            "header, or as a client_secret POST parameter.",
        )
    if key != state.secret_key:
        raise oauth_error(401, "invalid_client", f"Invalid API Key provided: {redact(key)}")


def _no_access(key: str, account_id: str) -> StripeFakeError:
    return api_error(
        403,
        f"The provided key '{redact(key)}' does not have access to account '{account_id}' "
        "(or that account does not exist). Application access may have been revoked.",
        code="account_invalid",
    )
