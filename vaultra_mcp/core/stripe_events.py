"""What a Stripe webhook event means for our rows: pure, so every case is a unit test.

An event carries its object's state at ``event.created``; that time becomes the rows'
``observed_at`` (and the state its ``observed_rank``), so an older event arriving late can never
overwrite a newer state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vaultra_mcp.core.json_input import UnreadableJson, check_value
from vaultra_mcp.core.stripe_objects import charge_row, dispute_row, payout_row, refund_row

CHARGE_EVENTS = frozenset(
    {"charge.succeeded", "charge.failed", "charge.captured", "charge.updated", "charge.refunded"}
)
DISPUTE_EVENTS = frozenset(
    {
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    }
)
REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "charge.refund.updated"})
PAYOUT_EVENTS = frozenset({"payout.paid", "payout.failed", "payout.updated", "payout.canceled"})
DEAUTHORIZED = "account.application.deauthorized"
HANDLED = CHARGE_EVENTS | DISPUTE_EVENTS | REFUND_EVENTS | PAYOUT_EVENTS | {DEAUTHORIZED}


class MalformedEvent(ValueError):
    """The body is not a Stripe event we can read."""


@dataclass(frozen=True, slots=True)
class StripeEventEnvelope:
    """The fields of an event every caller needs, checked once."""

    id: str
    type: str
    created: datetime
    livemode: bool
    account: str | None
    object: dict[str, Any]
    raw: dict[str, Any]


@dataclass
class EventEffect:
    """Rows to upsert (each with ``observed_at``) and other consequences of one event."""

    charges: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    disputes: list[dict[str, Any]] = field(default_factory=list)
    payouts: list[dict[str, Any]] = field(default_factory=list)
    deauthorize: bool = False

    @property
    def writes_rows(self) -> bool:
        return bool(self.charges or self.refunds or self.disputes or self.payouts)


def envelope(body: Any) -> StripeEventEnvelope:
    """The event in a parsed webhook body; ``MalformedEvent`` naming what is missing."""
    if not isinstance(body, dict) or body.get("object") != "event":
        raise MalformedEvent("the body is not a Stripe event object")
    try:
        check_value(body)  # a webhook's body is checked as it is parsed; the sync's events here
    except UnreadableJson as exc:
        raise MalformedEvent(str(exc)) from None
    event_id, kind, created = body.get("id"), body.get("type"), body.get("created")
    data = body.get("data")
    if not isinstance(event_id, str) or not event_id.startswith("evt_") or len(event_id) > 255:
        raise MalformedEvent("the event has no valid id")
    if not isinstance(kind, str) or not 0 < len(kind) <= 100:
        raise MalformedEvent("the event has no type")
    if isinstance(created, bool) or not isinstance(created, int) or created < 0:
        raise MalformedEvent("the event has no created time")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise MalformedEvent("the event has no data.object")
    account = body.get("account")
    if account is not None and (not isinstance(account, str) or len(account) > 255):
        raise MalformedEvent("the event's account is not an id")
    return StripeEventEnvelope(
        id=event_id,
        type=kind,
        created=datetime.fromtimestamp(created, UTC),
        livemode=bool(body.get("livemode")),
        account=account,
        object=data["object"],
        raw=body,
    )


def plan(event: StripeEventEnvelope, business_id: int, hash_key: bytes) -> EventEffect:
    """What applying ``event`` to ``business_id`` writes. ``MalformedEvent`` if its object
    lacks what its type promises (the event is then kept, marked failed, and not applied)."""
    effect = EventEffect()
    obj = event.object
    try:
        if event.type in CHARGE_EVENTS:
            effect.charges.append(charge_row(business_id, obj, hash_key))
            refunds = (obj.get("refunds") or {}).get("data") or []
            effect.refunds += [refund_row(business_id, r) for r in refunds]
        elif event.type in DISPUTE_EVENTS:
            effect.disputes.append(dispute_row(business_id, obj))  # flags its charge, too
        elif event.type in REFUND_EVENTS:
            effect.refunds.append(refund_row(business_id, obj))
        elif event.type in PAYOUT_EVENTS:
            effect.payouts.append(payout_row(business_id, obj))
        elif event.type == DEAUTHORIZED:
            effect.deauthorize = True
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedEvent(f"{event.type} object is missing {exc}") from None
    for rows in (effect.charges, effect.refunds, effect.disputes, effect.payouts):
        for row in rows:
            row["observed_at"] = event.created
    return effect
