"""Deterministic, Stripe-shaped payment history for a demo profile.

Pure: the same profile, seed, index and ``as_of`` always give the same objects, shaped like the
Stripe API's charges, refunds, disputes and payouts (epoch timestamps, minor units), so they go
through the same mapping as real data. A fake Stripe API can serve them as they are.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from vaultra_mcp.core.payment_set import PaymentSet
from vaultra_mcp.demo.profiles import Profile

DAY = 86_400
FAILED_CHARGE_SHARE = 0.02
DISPUTE_REASONS = (
    "fraudulent",
    "product_not_received",
    "subscription_canceled",
    "unrecognized",
    "product_unacceptable",
)
PAYOUT_FAILURES = ("account_closed", "could_not_process", "no_account")
SCALED_CHARGES = 1_000  # charges per scaled-out business: about a million rows per 1,000


def history_start(profile: Profile, as_of: datetime) -> datetime:
    """The first day of the month ``profile.months`` before ``as_of``'s month."""
    index = as_of.year * 12 + as_of.month - 1 - profile.months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def founded_on(profile: Profile, as_of: datetime) -> date:
    return min(profile.founded_on, history_start(profile, as_of).date())


def scaled_variant(profile: Profile, index: int, seed: int) -> Profile:
    """A variation on ``profile`` for scale-out data: its own size, about 1,000 charges."""
    rng = random.Random(f"{seed}:variant:{index}")
    size = rng.uniform(0.6, 1.6)
    base = profile.volume
    months = profile.months + 1
    total = sum(base(m, 1 + m % 12) for m in range(months)) * size
    return replace(
        profile,
        key=f"{profile.key}_{index}",
        name=f"{profile.name} {index}",
        volume=lambda m, month: base(m, month) * size,
        average_ticket=max(total / SCALED_CHARGES, 5.0),
        customer_pool=max(3, round(profile.customer_pool * size)),
        owner=f"owner{index}@demo.example",
    )


def generate(profile: Profile, as_of: datetime, seed: int, tag: str) -> PaymentSet:
    """Charges month by month, then the refunds, disputes and payouts that follow from them."""
    rng = random.Random(f"{seed}:{tag}")
    history = PaymentSet()
    ids = itertools.count(1)
    start = history_start(profile, as_of)
    customers = _customer_picker(profile, rng, tag)
    end = int(as_of.timestamp())
    for m in range(profile.months + 1):
        month_start = _add_months(start, m)
        month_end = min(_add_months(start, m + 1), as_of)
        if month_end <= month_start:
            break
        span = (month_end - month_start).total_seconds()
        full = (_add_months(start, m + 1) - month_start).total_seconds()
        dollars = profile.volume(m, month_start.month) * rng.uniform(0.96, 1.04) * span / full
        _month_charges(profile, rng, history, ids, customers, tag, month_start, span, dollars, end)
    history.charges.sort(key=lambda c: c["created"])
    history.payouts = _payouts(profile, rng, history, start, as_of, tag)
    return history


def _customer_picker(profile: Profile, rng: random.Random, tag: str) -> Any:
    pool = [f"cus_{tag}{i:05d}" for i in range(profile.customer_pool)]
    rng.shuffle(pool)
    weights = list(itertools.accumulate(1 / (rank + 1) ** 0.6 for rank in range(len(pool))))
    return lambda: rng.choices(pool, cum_weights=weights)[0]


def _month_charges(
    profile: Profile,
    rng: random.Random,
    history: PaymentSet,
    ids: itertools.count[int],
    customers: Any,
    tag: str,
    month_start: datetime,
    span: float,
    dollars: float,
    end: int,
) -> None:
    if dollars <= 0:
        return
    base = int(month_start.timestamp())
    anchor_dollars = dollars * profile.anchor_share
    rest = dollars - anchor_dollars
    if anchor_dollars:
        created = base + int(rng.uniform(0, span))
        _charge(
            profile,
            rng,
            history,
            ids,
            tag,
            created,
            round(anchor_dollars * 100),
            f"cus_{tag}anchor",
            end,
        )
    count = max(1, round(rest / profile.average_ticket))
    weights = [rng.lognormvariate(0, 0.35) for _ in range(count)]
    scale = rest * 100 / sum(weights)
    for weight in weights:
        created = base + int(rng.uniform(0, span))
        _charge(
            profile,
            rng,
            history,
            ids,
            tag,
            created,
            max(50, round(weight * scale)),
            customers(),
            end,
        )
        if rng.random() < FAILED_CHARGE_SHARE:
            _failed_charge(history, ids, tag, created, round(weight * scale), customers())


def _charge(
    profile: Profile,
    rng: random.Random,
    history: PaymentSet,
    ids: itertools.count[int],
    tag: str,
    created: int,
    amount: int,
    customer: str,
    end: int,
) -> None:
    number = next(ids)
    charge: dict[str, Any] = {
        "id": f"ch_{tag}{number:07d}",
        "object": "charge",
        "amount": amount,
        "currency": "usd",
        "status": "succeeded",
        "amount_refunded": 0,
        "disputed": False,
        "customer": customer,
        "created": created,
        "livemode": False,
    }
    if rng.random() < profile.refund_rate:
        when = created + int(rng.uniform(1, 20) * DAY)
        if when <= end:
            refunded = amount if rng.random() < 0.7 else round(amount * rng.uniform(0.3, 0.7))
            charge["amount_refunded"] = refunded
            charge["refunded"] = refunded == amount
            history.refunds.append(
                {
                    "id": f"re_{tag}{number:07d}",
                    "object": "refund",
                    "amount": refunded,
                    "currency": "usd",
                    "charge": charge["id"],
                    "status": "succeeded",
                    "reason": "requested_by_customer",
                    "created": when,
                }
            )
    if rng.random() < profile.dispute_rate:
        when = created + int(rng.uniform(5, 45) * DAY)
        if when <= end:
            charge["disputed"] = True
            age_days = (end - when) / DAY
            status = (
                ("won" if rng.random() < 0.35 else "lost")
                if age_days > 75
                else rng.choice(("needs_response", "under_review"))
            )
            history.disputes.append(
                {
                    "id": f"dp_{tag}{number:07d}",
                    "object": "dispute",
                    "amount": amount,
                    "currency": "usd",
                    "charge": charge["id"],
                    "status": status,
                    "reason": rng.choice(DISPUTE_REASONS),
                    "created": when,
                }
            )
    history.charges.append(charge)


def _failed_charge(
    history: PaymentSet,
    ids: itertools.count[int],
    tag: str,
    created: int,
    amount: int,
    customer: str,
) -> None:
    history.charges.append(
        {
            "id": f"ch_{tag}{next(ids):07d}",
            "object": "charge",
            "amount": max(50, amount),
            "currency": "usd",
            "status": "failed",
            "amount_refunded": 0,
            "disputed": False,
            "customer": customer,
            "created": created,
            "livemode": False,
        }
    )


def _payouts(
    profile: Profile,
    rng: random.Random,
    history: PaymentSet,
    start: datetime,
    as_of: datetime,
    tag: str,
) -> list[dict[str, Any]]:
    """Weekly payouts of the week's net volume; the profile's failures at their weeks."""
    flows: dict[int, int] = {}
    base = int(start.timestamp())
    for charge in history.charges:
        if charge["status"] == "succeeded":
            week = (charge["created"] - base) // (7 * DAY)
            flows[week] = flows.get(week, 0) + charge["amount"]
    for refund in history.refunds:
        week = (refund["created"] - base) // (7 * DAY)
        flows[week] = flows.get(week, 0) - refund["amount"]
    for dispute in history.disputes:
        week = (dispute["created"] - base) // (7 * DAY)
        flows[week] = flows.get(week, 0) - dispute["amount"]
    last_week = (int(as_of.timestamp()) - base) // (7 * DAY)
    failed_weeks = {last_week - w for w in profile.failed_payouts}
    payouts = []
    for week in range(last_week):
        amount = flows.get(week, 0)
        if amount <= 0:
            continue
        created = base + (week + 1) * 7 * DAY + 3_600
        failed = week in failed_weeks
        payouts.append(
            {
                "id": f"po_{tag}{week:05d}",
                "object": "payout",
                "amount": amount,
                "currency": "usd",
                "status": "failed" if failed else "paid",
                "arrival_date": created + 2 * DAY,
                "failure_code": rng.choice(PAYOUT_FAILURES) if failed else None,
                "failure_message": "The bank account could not receive the payout."
                if failed
                else None,
                "created": created,
            }
        )
    return payouts


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1)
