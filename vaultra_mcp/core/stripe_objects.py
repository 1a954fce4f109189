"""Stripe objects (as the API and webhooks deliver them) mapped to our normalized rows.

One mapping for every source: the demo generator, the sync and the webhooks all go through here,
so a charge means the same thing wherever it came from. Only what the metrics need is kept:
never card details, and the customer only as a keyed hash.

Each row also carries ``observed_rank``: how far along its life the object is (a refund that
succeeded is further than a pending one, a charge refunded by more is further than one refunded
by less). Stripe stamps events in whole seconds, so two observations of one object often share
a second; the rank orders them by the object's own state, which only moves forward, instead of
by the order they happened to arrive in.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

# Each kind's statuses by how far along they are; a status only moves to a higher rank
# (https://docs.stripe.com/api/refunds/object, /api/disputes/object, /api/payouts/object).
REFUND_PROGRESS = {"pending": 0, "requires_action": 0, "succeeded": 1, "failed": 2, "canceled": 2}
DISPUTE_PROGRESS = {
    "warning_needs_response": 0,
    "warning_under_review": 1,
    "warning_closed": 2,
    "needs_response": 3,
    "under_review": 4,
    "won": 5,
    "lost": 5,
}
PAYOUT_PROGRESS = {"pending": 0, "in_transit": 1, "paid": 2, "canceled": 2, "failed": 3}
CHARGE_PROGRESS = {"pending": 0, "failed": 1, "succeeded": 1}
REFUNDED_LIMIT = 2**46  # above any amount in minor units (Money holds up to 10**13)


def charge_progress(status: str, amount_refunded: int) -> int:
    """A settled charge is further than a pending one; then, the more refunded the further."""
    return CHARGE_PROGRESS.get(status, 0) * REFUNDED_LIMIT + min(
        amount_refunded, REFUNDED_LIMIT - 1
    )


def customer_hash(key: bytes, customer: str) -> str:
    """HMAC-SHA256 of a customer identifier: stable per business data set, not reversible."""
    return hmac.new(key, customer.encode(), hashlib.sha256).hexdigest()


def _when(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _customer_of(charge: dict[str, Any]) -> str | None:
    customer = charge.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    if customer:
        return str(customer)
    email = (charge.get("billing_details") or {}).get("email")
    return f"email:{email.strip().lower()}" if email else None


def _common(business_id: int, obj: dict[str, Any]) -> dict[str, Any]:
    """The columns every payment table has (``models.payments.PaymentObject``), plus status."""
    return {
        "business_id": business_id,
        "stripe_id": obj["id"],
        "amount": int(obj["amount"]),
        "currency": str(obj["currency"]).lower(),
        "status": obj["status"],
        "created": _when(obj["created"]),
    }


def charge_row(business_id: int, charge: dict[str, Any], key: bytes) -> dict[str, Any]:
    customer = _customer_of(charge)
    refunded = int(charge.get("amount_refunded") or 0)
    return {
        **_common(business_id, charge),
        "amount_refunded": refunded,
        "observed_rank": charge_progress(charge["status"], refunded),
        "disputed": bool(charge.get("disputed")),
        "customer_hash": customer_hash(key, customer) if customer else None,
    }


def _charge_id(obj: dict[str, Any]) -> str | None:
    charge = obj.get("charge")
    if isinstance(charge, dict):
        return str(charge["id"])
    return str(charge) if charge else None


def refund_row(business_id: int, refund: dict[str, Any]) -> dict[str, Any]:
    return {
        **_common(business_id, refund),
        "observed_rank": REFUND_PROGRESS.get(refund["status"], 0),
        "charge_stripe_id": _charge_id(refund),
        "reason": refund.get("reason"),
    }


def dispute_row(business_id: int, dispute: dict[str, Any]) -> dict[str, Any]:
    return {
        **_common(business_id, dispute),
        "observed_rank": DISPUTE_PROGRESS.get(dispute["status"], 0),
        "charge_stripe_id": _charge_id(dispute),
        "reason": dispute.get("reason"),
    }


def payout_row(business_id: int, payout: dict[str, Any]) -> dict[str, Any]:
    arrival = payout.get("arrival_date")
    return {
        **_common(business_id, payout),
        "observed_rank": PAYOUT_PROGRESS.get(payout["status"], 0),
        "arrival_date": _when(arrival).date() if arrival else None,
        "failure_code": payout.get("failure_code"),
        "failure_message": payout.get("failure_message"),
    }
