"""Events derived from a generated history, shaped like ``GET /v1/events`` answers.

Every charge gives ``charge.succeeded`` or ``charge.failed``; every refund gives
``charge.refunded`` (carrying the charge) and ``refund.created`` (carrying the refund, since
charges no longer embed their refunds); every dispute ``charge.dispute.created``; every payout
``payout.paid`` or ``payout.failed``. An event's ``created`` is when its change happened.
``data.object`` is the object as it is now, not a snapshot from the event's time: a consumer
that upserts by id ends in the same state either way.
"""

from __future__ import annotations

from typing import Any

from vaultra_mcp.core.payment_set import PaymentSet

#: The API version the fake's events claim: the one stripe-python 16.1 sends.
API_VERSION = "2026-10-28.endive"


def event_id(tag: str, number: int) -> str:
    return f"evt_{tag}{number:07d}"


def make_event(
    account_id: str, id: str, type: str, obj: dict[str, Any], created: int
) -> dict[str, Any]:
    return {
        "id": id,
        "object": "event",
        "account": account_id,
        "api_version": API_VERSION,
        "created": created,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": type,
    }


def history_events(account_id: str, tag: str, history: PaymentSet) -> list[dict[str, Any]]:
    """The account's events, oldest first, numbered from 1 in that order."""
    charges = {charge["id"]: charge for charge in history.charges}
    changes: list[tuple[int, str, dict[str, Any]]] = []
    for charge in history.charges:
        outcome = "succeeded" if charge["status"] == "succeeded" else "failed"
        changes.append((charge["created"], f"charge.{outcome}", charge))
    for refund in history.refunds:
        changes.append((refund["created"], "charge.refunded", charges[refund["charge"]]))
        changes.append((refund["created"], "refund.created", refund))
    for dispute in history.disputes:
        changes.append((dispute["created"], "charge.dispute.created", dispute))
    for payout in history.payouts:
        changes.append((payout["created"], f"payout.{payout['status']}", payout))
    changes.sort(key=lambda change: change[0])
    return [
        make_event(account_id, event_id(tag, number), type, obj, created)
        for number, (created, type, obj) in enumerate(changes, start=1)
    ]
