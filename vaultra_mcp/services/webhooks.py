"""Stripe webhooks: verify, store once, apply to exactly one business.

The signature is checked on the raw body by the official library against every configured secret
(comma-separated, for rotation), and its one timestamp, read by the library's own rules, against
our clock in both directions. Storing
the event and applying it happen in one transaction (shared by events that arrive together, see
``vaultra_mcp.batching``), so the 2xx goes out only once both are durable; a redelivery after a
failure finds nothing stored and tries again. The unique event id makes concurrent duplicate
deliveries collapse to one row and one effect.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from vaultra_mcp.batching import GroupCommit
from vaultra_mcp.core.json_input import UnreadableJson, parse_json
from vaultra_mcp.core.payment_set import PaymentSet
from vaultra_mcp.core.stripe_events import (
    HANDLED,
    EventEffect,
    MalformedEvent,
    StripeEventEnvelope,
    envelope,
    plan,
)
from vaultra_mcp.db import store_down
from vaultra_mcp.errors import ConfigurationError, InvalidInput
from vaultra_mcp.integrations.stripe_api import signed_by
from vaultra_mcp.models import IntegrationAccount, StripeEvent
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.payments import later, upsert_observed_rows
from vaultra_mcp.settings import split

TOLERANCE = timedelta(seconds=300)
TIMESTAMP = re.compile(r"[0-9]{1,11}")  # ASCII digits only, and before the year 5138
log = logging.getLogger("vaultra.webhooks")

Outcome = Literal["processed", "duplicate", "unroutable", "ignored", "failed"]


class WebhookReceipt(BaseModel):
    event_id: str
    status: Outcome
    received: bool = True


def verified_event(deps: Deps, payload: bytes, signature: str | None) -> StripeEventEnvelope:
    """The event in ``payload`` if a configured secret signed it recently; else ``InvalidInput``."""
    secrets = _secrets(deps)
    if not signature or len(signature) > 4_096:
        raise _bad_signature("The Stripe-Signature header is missing.")
    signed_at = signature_timestamp(signature)
    now = deps.clock.now()
    if signed_at < now - TOLERANCE or signed_at > now + TOLERANCE:
        raise _bad_signature("The signature timestamp is outside the 300-second tolerance.")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("The body is not valid UTF-8.", code="MALFORMED_EVENT") from None
    if not any(signed_by(text, signature, secret) for secret in secrets):
        raise _bad_signature("No signature matches a configured webhook secret.")
    try:
        event = envelope(parse_json(text))
    except UnreadableJson as exc:
        raise InvalidInput(str(exc), code="MALFORMED_EVENT") from None
    except MalformedEvent as exc:
        raise InvalidInput(f"Not a Stripe event: {exc}", code="MALFORMED_EVENT") from None
    if event.livemode != deps.settings.stripe.livemode:
        mode = "live" if deps.settings.stripe.livemode else "test"
        raise InvalidInput(
            f"A {'live' if event.livemode else 'test'}-mode event reached a {mode}-mode endpoint.",
            code="LIVEMODE_MISMATCH",
        )
    return event


async def receive_stripe_event(deps: Deps, payload: bytes, signature: str | None) -> WebhookReceipt:
    event = verified_event(deps, payload, signature)
    batch: GroupCommit[StripeEventEnvelope, Outcome] = deps.batches.group(
        "stripe_events", lambda events: _store_and_apply(deps, events)
    )
    return WebhookReceipt(event_id=event.id, status=await batch.submit(event))


async def _store_and_apply(deps: Deps, events: Sequence[StripeEventEnvelope]) -> list[Outcome]:
    """One transaction for events delivered together (see ``vaultra_mcp.batching``); if it
    fails for a reason other than the database being down, each event gets its own, so one
    bad event cannot keep its neighbours from being stored."""
    try:
        return (await _write(deps, events)).outcomes
    except Exception as exc:
        if store_down(exc) or len(events) == 1:
            raise
        log.exception("a batch of %d stripe events failed; storing them one by one", len(events))
        return [(await _write(deps, [event])).outcomes[0] for event in events]


@dataclass(frozen=True)
class Written:
    """What storing some events did: each one's outcome, and the payment rows written."""

    outcomes: list[Outcome]
    rows: int


async def ingest_account_events(
    deps: Deps, business_id: int, events: Sequence[StripeEventEnvelope]
) -> Written:
    """Events fetched from one connected account's Events API (the sync's reconciliation):
    stored and applied exactly as webhooks are, so an event seen both ways counts once."""
    return await _write(deps, events, business_id)


async def _write(
    deps: Deps, events: Sequence[StripeEventEnvelope], business_id_of_all: int | None = None
) -> Written:
    now = deps.clock.now()
    key = deps.settings.auth.hash_key.get_secret_value().encode()
    async with deps.db.transaction() as session:
        routes = (
            await _routes(session, {e.account for e in events if e.account})
            if business_id_of_all is None
            else {}
        )
        outcomes: dict[str, Outcome] = {}
        effects: list[tuple[StripeEventEnvelope, int, EventEffect]] = []
        rows: list[dict[str, Any]] = []
        for event in events:
            if event.id in outcomes:
                continue  # the same event twice in one batch: the second is a duplicate
            business_id = business_id_of_all or routes.get(event.account)
            status, error = _classify(event, business_id), None
            if status == "processed":
                assert business_id is not None
                try:
                    effects.append((event, business_id, plan(event, business_id, key)))
                except MalformedEvent as exc:
                    status, error = "failed", str(exc)
                    log.warning("stripe event %s not applied: %s", event.id, exc)
            outcomes[event.id] = status
            rows.append(_event_row(event, business_id, status, error, now))
        stored = (
            set((await session.execute(_store(deps.db.dialect), rows)).scalars().all())
            if rows
            else set()
        )
        rows_written = await _apply(
            session, deps, [(e, b, f) for e, b, f in effects if e.id in stored], now
        )
    seen: set[str] = set()
    answers: list[Outcome] = []
    for event in events:
        first = event.id not in seen and event.id in stored
        seen.add(event.id)
        answers.append(outcomes[event.id] if first else "duplicate")
    return Written(answers, rows_written)


def _classify(event: StripeEventEnvelope, business_id: int | None) -> Outcome:
    if event.type not in HANDLED:
        return "ignored"
    if business_id is None:
        return "unroutable"  # kept: an account connected later can be replayed
    return "processed"


def _event_row(
    event: StripeEventEnvelope,
    business_id: int | None,
    status: str,
    error: str | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "type": event.type,
        "account": event.account,
        "livemode": event.livemode,
        "business_id": business_id,
        "payload": event.raw,
        "status": status,
        "error": error,
        "created": event.created,
        "received_at": now,
        "processed_at": now,
    }


@cache
def _store(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (event_id) DO NOTHING RETURNING event_id, built once."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(StripeEvent)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(col(StripeEvent.event_id))
    )


async def _routes(session: AsyncSession, accounts: set[str | None]) -> dict[str | None, int]:
    """The business of each connected Stripe account among ``accounts``."""
    if not accounts:
        return {}
    found = await session.execute(
        select(
            col(IntegrationAccount.external_account_id), col(IntegrationAccount.business_id)
        ).where(
            col(IntegrationAccount.provider) == "stripe",
            col(IntegrationAccount.external_account_id).in_(sorted(a for a in accounts if a)),
            col(IntegrationAccount.status) == "connected",
        )
    )
    return {str(account): int(business_id) for account, business_id in found.all()}


async def _apply(
    session: AsyncSession,
    deps: Deps,
    applied: list[tuple[StripeEventEnvelope, int, EventEffect]],
    now: datetime,
) -> int:
    """Every stored event's effect: the latest observation of each object wins (by the rule
    ``upsert_observed_rows`` applies to what is already stored)."""
    newest: dict[tuple[str, int, str], dict[str, Any]] = {}
    for event, business_id, effect in applied:
        if effect.deauthorize:
            await _disconnect(session, event.account, now)
        for kind in ("charges", "refunds", "disputes", "payouts"):
            for row in getattr(effect, kind):
                key = (kind, business_id, row["stripe_id"])
                if key not in newest or later(row, newest[key]):
                    newest[key] = row
    rows = PaymentSet(
        **{
            kind: [row for (k, _, _), row in newest.items() if k == kind]
            for kind in ("charges", "refunds", "disputes", "payouts")
        }
    )
    return await upsert_observed_rows(session, deps.db.dialect, rows, now)


async def _disconnect(session: AsyncSession, account: str | None, now: datetime) -> None:
    await session.execute(
        update(IntegrationAccount)
        .where(
            col(IntegrationAccount.provider) == "stripe",
            col(IntegrationAccount.external_account_id) == account,
        )
        .values(
            status="disconnected", access_token_encrypted=None, disconnected_at=now, updated_at=now
        )
    )


def _secrets(deps: Deps) -> list[str]:
    configured = deps.settings.stripe.webhook_secret
    secrets = split(configured.get_secret_value()) if configured else []
    if not secrets:
        raise ConfigurationError("STRIPE_WEBHOOK_SECRET is not set; webhooks cannot be verified.")
    return secrets


def signature_timestamp(signature: str) -> datetime:
    """The one ``t=`` of a ``Stripe-Signature`` header, read by the official library's rules
    (items split at ``,``, then at ``=``; keys exactly as written, never trimmed), so the time
    we hold to the tolerance is the time the library verifies the signature over. A header
    with no ``t`` or several is refused: the library would pick the first, and a header that
    means two things to two readers is how a replayed event slips past the tolerance."""
    items = [item.split("=", 2) for item in signature.split(",")]
    stamps = [item[1] if len(item) > 1 else "" for item in items if item[0] == "t"]
    if len(stamps) != 1:
        raise _bad_signature("The Stripe-Signature header must carry exactly one timestamp t=.")
    if not TIMESTAMP.fullmatch(stamps[0]):
        raise _bad_signature("The Stripe-Signature timestamp is not a number of seconds.")
    return datetime.fromtimestamp(int(stamps[0]), UTC)


def _bad_signature(message: str) -> InvalidInput:
    return InvalidInput(message, code="INVALID_SIGNATURE", next_step="Check STRIPE_WEBHOOK_SECRET.")
