"""What the Stripe fake knows, and the switches tests turn.

One ``FakeStripe`` is one platform: its secret key and Connect client id, its connected
accounts (each with a generated history and OAuth tokens), pending authorization codes, the
recorded requests and the failure-injection settings. The server reads it on its own thread
while the test thread changes it; object lists are replaced, never mutated, so a request
always pages through one consistent list.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fakes.stripe.errors import oauth_error
from fakes.stripe.events import event_id, history_events, make_event
from vaultra_mcp.demo.generator import generate, history_start
from vaultra_mcp.demo.profiles import PROFILES, Profile

#: The lists an account serves, by the ``object`` field of what they hold.
_LISTS = {
    "charge": "charges",
    "refund": "refunds",
    "dispute": "disputes",
    "payout": "payouts",
    "event": "events",
}
_ACCOUNT_ID = re.compile(r"acct_[A-Za-z0-9]+")


def order_key(obj: dict[str, Any]) -> tuple[int, str]:
    """Stripe lists newest first; the id breaks ties so pages have one total order."""
    return obj["created"], obj["id"]


def _newest_first(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(objects, key=order_key, reverse=True)


def _token(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


@dataclass
class RecordedRequest:
    """One request as the fake received it; header names are lower-case."""

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]

    @property
    def stripe_account(self) -> str | None:
        return self.headers.get("stripe-account")

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass
class FakeAccount:
    """A connected account: its profile, its OAuth tokens and its lists, newest first."""

    id: str
    profile: Profile
    created: int
    access_token: str
    refresh_token: str = field(default_factory=lambda: _token("rt_fake_"))
    publishable_key: str = field(default_factory=lambda: _token("pk_test_fake_"))
    connected: bool = True
    scope: str = "read_write"
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict, repr=False)

    @property
    def tag(self) -> str:
        """The generator's tag: the id without ``acct_``, so object ids differ per account."""
        return self.id.removeprefix("acct_")

    def put(self, obj: dict[str, Any]) -> None:
        """Add *obj* to its list, replacing the object with the same id (an update)."""
        name = _LISTS[obj["object"]]
        kept = [row for row in self.lists.get(name, []) if row["id"] != obj["id"]]
        self.lists[name] = _newest_first([*kept, obj])

    def as_object(self) -> dict[str, Any]:
        """The ``account`` object, as ``GET /v1/account`` returns it."""
        return {
            "id": self.id,
            "object": "account",
            "type": "standard",
            "business_type": "company",
            "business_profile": {"name": self.profile.name, "mcc": None, "url": None},
            "settings": {"dashboard": {"display_name": self.profile.name}},
            "country": self.profile.country,
            "default_currency": "usd",
            "email": self.profile.owner or None,
            "charges_enabled": True,
            "payouts_enabled": True,
            "details_submitted": True,
            "created": self.created,
            "metadata": {"demo_profile": self.profile.key},
        }


@dataclass
class _Grant:
    """An authorization code: single use, valid until ``expires_at`` (monotonic seconds)."""

    account_id: str
    scope: str
    expires_at: float
    used: bool = False


@dataclass
class FakeStripe:
    """The platform and its connected accounts, plus failure injection for tests.

    ``fail_next``: statuses answered to the next requests, one each (429 says retry).
    ``delay_seconds``: latency before every answer, cut short when the client hangs up.
    ``rate_limit_every``: every Nth recorded request is answered 429 (a "429 storm").
    ``retry_after``: the ``Retry-After`` seconds an injected 429 carries (none when unset).
    ``redirect_uri``: where ``/oauth/authorize`` sends the browser when the request names
    none, like the redirect configured in Stripe's dashboard.
    """

    secret_key: str = "sk_test_platform_fake"
    client_id: str = "ca_fake_platform"
    platform_account_id: str = "acct_platformfake"
    redirect_uri: str | None = None
    code_ttl_seconds: float = 300.0
    accounts: dict[str, FakeAccount] = field(default_factory=dict)
    revoked_tokens: dict[str, str] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    delay_seconds: float = 0.0
    rate_limit_every: int | None = None
    retry_after: int | None = None
    _grants: dict[str, _Grant] = field(default_factory=dict, repr=False)

    def add_account(
        self,
        account_id: str,
        profile_key: str,
        *,
        as_of: datetime,
        seed: int = 7,
        access_token: str | None = None,
        connected: bool = True,
    ) -> FakeAccount:
        """Connect an account whose history is *profile_key*'s demo history up to *as_of*.

        ``connected=False`` leaves it for ``/oauth/authorize`` to hand out.
        """
        if not _ACCOUNT_ID.fullmatch(account_id) or account_id in self.accounts:
            raise ValueError(f"account id must be a new acct_<letters and digits>: {account_id}")
        profile = _profile(profile_key)
        account = FakeAccount(
            id=account_id,
            profile=profile,
            created=int(history_start(profile, as_of).timestamp()),
            access_token=access_token or _token("sk_test_fake_"),
            connected=connected,
        )
        history = generate(profile, as_of, seed, account.tag)
        account.lists = {
            "charges": _newest_first(history.charges),
            "refunds": _newest_first(history.refunds),
            "disputes": _newest_first(history.disputes),
            "payouts": _newest_first(history.payouts),
            "events": _newest_first(history_events(account_id, account.tag, history)),
        }
        self.accounts[account_id] = account
        return account

    def add_event(
        self, account_id: str, type: str, obj: dict[str, Any], *, created: int | None = None
    ) -> dict[str, Any]:
        """Record new activity: *obj* joins (or updates) its list and an event announces it.

        The event's ``created`` defaults to the object's; pass it for an update such as
        ``charge.refunded``, which happens after the charge was created.
        """
        account = self.accounts[account_id]
        number = len(account.lists["events"]) + 1
        event = make_event(
            account_id, event_id(account.tag, number), type, obj, created or obj["created"]
        )
        account.put(obj)
        account.put(event)
        return event

    def account_for_token(self, token: str) -> FakeAccount | None:
        return next(
            (a for a in self.accounts.values() if a.connected and a.access_token == token), None
        )

    def next_unconnected(self) -> FakeAccount | None:
        return next((a for a in self.accounts.values() if not a.connected), None)

    def issue_code(self, account_id: str, scope: str) -> str:
        code = _token("ac_fake")
        expires_at = time.monotonic() + self.code_ttl_seconds
        self._grants[code] = _Grant(account_id, scope, expires_at)
        return code

    def redeem_code(self, code: str) -> FakeAccount:
        """Connect the code's account; a code works once, before it expires."""
        grant = self._grants.get(code)
        if grant is None:
            raise oauth_error(400, "invalid_grant", f"Authorization code does not exist: {code}")
        if grant.used:
            raise oauth_error(400, "invalid_grant", f"Authorization code already used: {code}")
        grant.used = True
        if time.monotonic() >= grant.expires_at:
            raise oauth_error(400, "invalid_grant", f"Authorization code expired: {code}")
        account = self.accounts[grant.account_id]
        account.connected, account.scope = True, grant.scope
        return account

    def deauthorize(self, account: FakeAccount) -> None:
        """Disconnect *account*: its tokens stop working (saying so); new ones await a reconnect."""
        self.revoked_tokens[account.access_token] = account.id
        account.access_token = _token("sk_test_fake_")
        account.refresh_token = _token("rt_fake_")
        account.connected = False


def _profile(key: str) -> Profile:
    for candidate in PROFILES:
        if candidate.key == key:
            return candidate
    known = ", ".join(p.key for p in PROFILES)
    raise ValueError(f"unknown demo profile {key!r}; known: {known}")
