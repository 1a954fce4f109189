"""Stripe Connect (Standard, read-only OAuth): link a business's Stripe account to Vaultra.

``start`` hands the browser to Stripe with a single-use state bound to the user and the business;
``finish`` is where Stripe sends it back: the state says who it was, the code is exchanged for
the account's token, which is stored encrypted. The account's history is then backfilled by the
sync job (an account never synced is the backfill queue).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import col

from vaultra_mcp.caller import Caller
from vaultra_mcp.errors import (
    ConfigurationError,
    Conflict,
    InvalidInput,
    NotFound,
)
from vaultra_mcp.integrations.stripe_api import authorize_url, exchange_code
from vaultra_mcp.models import Business, IntegrationAccount
from vaultra_mcp.services.businesses import resolve_ref
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.oauth_states import consume_state, create_state
from vaultra_mcp.services.secret_box import encrypt
from vaultra_mcp.services.stripe_sync import sync_business

PURPOSE = "stripe"
SCOPE = "read_only"
ACCOUNT_ID = re.compile(r"acct_[A-Za-z0-9]{1,64}")


class ConnectionStatus(BaseModel):
    business_id: int
    connected: bool
    account_id: str | None = None
    status: Literal["not_connected", "connected", "disconnected", "error"] = "not_connected"
    livemode: bool | None = None
    connected_at: datetime | None = None
    last_synced_at: datetime | None = None
    backfill: Literal["pending", "done"] | None = None
    last_error: str | None = None


def redirect_uri(deps: Deps) -> str:
    return deps.settings.http.public_url.rstrip("/") + "/api/v1/integrations/stripe/callback"


async def start(deps: Deps, caller: Caller, business_id: int | None) -> str:
    """Stripe's authorize URL for the caller's business."""
    business = await resolve_ref(deps, caller, business_id)
    if not deps.settings.stripe.connect_client_id:
        raise ConfigurationError("Stripe Connect is not configured: set STRIPE_CONNECT_CLIENT_ID.")
    state = await create_state(deps, PURPOSE, user_id=caller.user_id, business_id=business.id)
    return authorize_url(deps.settings, scope=SCOPE, state=state, redirect_uri=redirect_uri(deps))


async def finish(
    deps: Deps, code: str | None, state: str, error: str | None = None
) -> ConnectionStatus:
    pending = await consume_state(deps, PURPOSE, state)
    assert pending.business_id is not None
    if error is not None or not code:
        raise InvalidInput(
            "Stripe did not connect the account"
            + (f" ({error})." if error else " (no authorization code)."),
            code="STRIPE_CONNECT_DECLINED",
            next_step="Start the connection again and approve it on Stripe.",
        )
    token = await exchange_code(deps.settings, code)
    status = await _store_connection(
        deps,
        pending.business_id,
        token.stripe_user_id,
        token.access_token,
        token.scope,
        token.livemode,
    )
    _start_backfill(deps, status)
    return status


async def link_account(
    deps: Deps, business_id: int, account_id: str, access_token: str
) -> ConnectionStatus:
    """Connect an account without the OAuth dance: for operators, trusted to own both."""
    if not ACCOUNT_ID.fullmatch(account_id):
        raise InvalidInput(f"{account_id!r} is not a Stripe account id (acct_...).")
    if not access_token.strip() or len(access_token) > 500:
        raise InvalidInput("The access token is empty or too long.")
    async with deps.db.sessions() as session:
        if await session.get(Business, business_id) is None:
            raise NotFound(f"No business {business_id}.", code="BUSINESS_NOT_FOUND")
    return await _store_connection(
        deps,
        business_id,
        account_id,
        access_token.strip(),
        SCOPE,
        access_token.startswith("sk_live"),
    )


async def _store_connection(
    deps: Deps,
    business_id: int,
    account_id: str,
    access_token: str,
    scope: str | None,
    livemode: bool,
) -> ConnectionStatus:
    now = deps.clock.now()
    async with deps.db.transaction() as session:
        existing = (
            await session.execute(
                select(IntegrationAccount).where(
                    col(IntegrationAccount.provider) == "stripe",
                    col(IntegrationAccount.external_account_id) == account_id,
                )
            )
        ).scalar_one_or_none()
        if existing is not None and existing.business_id != business_id:
            raise Conflict(
                "This Stripe account is already connected to another business.",
                code="STRIPE_ACCOUNT_IN_USE",
            )
        row = existing or IntegrationAccount(
            business_id=business_id,
            provider="stripe",
            external_account_id=account_id,
            created_at=now,
        )
        row.access_token_encrypted = encrypt(deps.settings, access_token)
        row.scope = scope
        row.livemode = livemode
        row.status = "connected"
        row.connected_at = now
        row.disconnected_at = None
        row.last_error = None
        row.updated_at = now
        session.add(row)
    return _status(business_id, row)


def _start_backfill(deps: Deps, status: ConnectionStatus) -> None:
    """Start the backfill now rather than at the next 15-minute run (which covers it anyway)."""
    deps.background.spawn(f"backfill {status.account_id}", sync_business(deps, status.business_id))


async def status(deps: Deps, caller: Caller, business_id: int | None) -> ConnectionStatus:
    business = await resolve_ref(deps, caller, business_id)
    async with deps.db.sessions() as session:
        row = (
            (
                await session.execute(
                    select(IntegrationAccount)
                    .where(
                        col(IntegrationAccount.business_id) == business.id,
                        col(IntegrationAccount.provider) == "stripe",
                    )
                    .order_by(col(IntegrationAccount.connected_at).desc())
                )
            )
            .scalars()
            .first()
        )
    return _status(business.id, row)


def _status(business_id: int, row: IntegrationAccount | None) -> ConnectionStatus:
    if row is None:
        return ConnectionStatus(business_id=business_id, connected=False)
    state = row.status if row.status in ("connected", "disconnected", "error") else "error"
    return ConnectionStatus(
        business_id=business_id,
        connected=row.status == "connected",
        account_id=row.external_account_id,
        status=state,
        livemode=row.livemode,
        connected_at=row.connected_at,
        last_synced_at=row.last_synced_at,
        backfill="done" if row.last_synced_at else "pending",
        last_error=row.last_error,
    )
