"""Stripe objects (as the API and webhooks deliver them) mapped to our normalized rows.

One mapping for every source: the demo generator, the sync and the webhooks all go through here,
so a charge means the same thing wherever it came from. Only what the metrics need is kept:
never card details, and the customer only as a keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any


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
    return {
        **_common(business_id, charge),
        "amount_refunded": int(charge.get("amount_refunded") or 0),
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
        "charge_stripe_id": _charge_id(refund),
        "reason": refund.get("reason"),
    }


def dispute_row(business_id: int, dispute: dict[str, Any]) -> dict[str, Any]:
    return {
        **_common(business_id, dispute),
        "charge_stripe_id": _charge_id(dispute),
        "reason": dispute.get("reason"),
    }


def payout_row(business_id: int, payout: dict[str, Any]) -> dict[str, Any]:
    arrival = payout.get("arrival_date")
    return {
        **_common(business_id, payout),
        "arrival_date": _when(arrival).date() if arrival else None,
        "failure_code": payout.get("failure_code"),
        "failure_message": payout.get("failure_message"),
    }
