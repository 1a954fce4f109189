"""The monthly rollups agree with the raw rows, whatever history is written and however.

Random histories (charges that succeed, fail or wait, refunds made months after their charge,
disputes opened and won back, payouts that fail, other currencies, a few customers) reach the
database through the real write paths: webhook events in any order with repeats, a sync's
backfill read part way through, a demo-style load. Afterwards the metrics read from the rollups
equal those summed from the raw rows alone (``tests.support.raw_aggregates``, the computation
the rollups replaced) as of instants that put the window edges in awkward places, and a rebuild
from the raw rows finds nothing to repair.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from tests.factories import AS_OF, HASH_KEY
from tests.support.deliveries import BACKFILL, deliver_in_batches
from tests.support.raw_aggregates import load_aggregates as raw_aggregates
from vaultra_mcp.core.metrics import compute_metrics
from vaultra_mcp.core.payment_set import PaymentSet
from vaultra_mcp.core.stripe_objects import refund_row
from vaultra_mcp.demo.loader import history_rows
from vaultra_mcp.models import Business, CustomerRollup, PaymentRollup
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.payment_aggregates import load_aggregates
from vaultra_mcp.services.payments import insert_payment_rows, upsert_observed_rows
from vaultra_mcp.services.rollups import rebuild_rollups
from vaultra_mcp.services.stripe_sync import read_rows

DAY = 86_400
BASE = int((AS_OF - timedelta(days=420)).timestamp())
SPAN = 425 * DAY  # a little past AS_OF too: rows after an as-of instant must not count
KINDS = {"charge": "charges", "refund": "refunds", "dispute": "disputes", "payout": "payouts"}
AS_OFS = (
    AS_OF,
    datetime(2026, 11, 1, tzinfo=UTC),  # the first instant of a month
    datetime(2026, 10, 31, 23, 59, 59, 999_999, tzinfo=UTC),  # the last instant of one
    datetime(2026, 3, 31, 12, tzinfo=UTC),  # 30 days back is the same month
    datetime(2026, 12, 31, tzinfo=UTC),  # after every payment
    datetime(2026, 11, 4, 9, 30, tzinfo=UTC),  # early in a month: edges read before the start
)
CUSTOMERS = [f"cus_{letter}" for letter in "abcdefghij"]  # enough to spread over hash groups


@dataclass
class History:
    """Every object's states in time order, and the event each change sends."""

    events: list[dict[str, Any]] = field(default_factory=list)
    states: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (second, object)

    def change(self, at: int, event_type: str, obj: dict[str, Any]) -> None:
        snapshot = copy.deepcopy(obj)
        self.states.append((at, snapshot))
        self.events.append(
            {
                "id": f"evt_roll{len(self.events) + 1:04d}",
                "object": "event",
                "type": event_type,
                "created": at,
                "livemode": False,
                "data": {"object": snapshot},
            }
        )

    def as_seen_at(self, second: int) -> PaymentSet:
        """What a read at ``second`` sees: each object's latest state by then."""
        latest: dict[str, dict[str, Any]] = {}
        for at, obj in sorted(self.states, key=lambda s: s[0]):
            if at <= second:
                latest[obj["id"]] = obj
        lists: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS.values()}
        for obj in latest.values():
            lists[KINDS[obj["object"]]].append(obj)
        return PaymentSet(**lists)


def charge_life(history: History, n: int, draw: Any) -> None:
    at = BASE + draw(st.integers(0, SPAN))
    currency = draw(st.sampled_from(["usd", "usd", "usd", "eur"]))
    customer = draw(st.sampled_from([None, *CUSTOMERS]))
    charge: dict[str, Any] = {
        "id": f"ch_roll{n}",
        "object": "charge",
        "amount": draw(st.integers(100, 90_000)),
        "currency": currency,
        "status": draw(st.sampled_from(["succeeded", "succeeded", "failed", "pending"])),
        "amount_refunded": 0,
        "refunded": False,
        "disputed": False,
        "created": at,
        **({"customer": customer} if customer else {}),
    }
    history.change(
        at, f"charge.{'updated' if charge['status'] == 'pending' else charge['status']}", charge
    )
    if charge["status"] == "pending":
        charge = dict(charge, status=draw(st.sampled_from(["succeeded", "failed"])))
        history.change(at + draw(st.integers(0, 3 * DAY)), f"charge.{charge['status']}", charge)
    if charge["status"] != "succeeded":
        return
    clock = max(s for s, o in history.states if o["id"] == charge["id"])
    for r in range(draw(st.integers(0, 2))):
        clock += draw(st.integers(0, 75 * DAY))  # often past the charge's month
        amount = draw(st.integers(1, max(1, charge["amount"] // 2)))
        refund = {
            "id": f"re_roll{n}_{r}",
            "object": "refund",
            "amount": amount,
            "currency": currency,
            "charge": charge["id"],
            "status": "pending",
            "reason": "requested_by_customer",
            "created": clock,
        }
        history.change(clock, "refund.created", refund)
        charge = dict(charge, amount_refunded=charge["amount_refunded"] + amount, refunded=True)
        history.change(clock, "charge.refunded", charge)
        ending = draw(st.sampled_from([None, "succeeded", "failed", "canceled"]))
        if ending is not None:
            clock += draw(st.integers(0, 10 * DAY))
            history.change(clock, "refund.updated", dict(refund, status=ending))
    if draw(st.booleans()):
        clock += draw(st.integers(DAY, 60 * DAY))
        dispute = {
            "id": f"dp_roll{n}",
            "object": "dispute",
            "amount": charge["amount"],
            "currency": currency,
            "charge": charge["id"],
            "status": "needs_response",
            "reason": "fraudulent",
            "created": clock,
        }
        history.change(clock, "charge.dispute.created", dispute)
        if draw(st.booleans()):  # closed: won (the funds come back, a reversal) or lost
            clock += draw(st.integers(0, 40 * DAY))
            closed = dict(dispute, status=draw(st.sampled_from(["won", "lost"])))
            history.change(clock, "charge.dispute.closed", closed)


def payout_life(history: History, n: int, draw: Any) -> None:
    at = BASE + draw(st.integers(0, SPAN))
    payout = {
        "id": f"po_roll{n}",
        "object": "payout",
        "amount": draw(st.integers(1_000, 90_000)),
        "currency": "usd",
        "status": "in_transit",
        "arrival_date": at + 2 * DAY,
        "failure_code": None,
        "failure_message": None,
        "created": at,
    }
    history.change(at, "payout.updated", payout)
    ending = draw(st.sampled_from(["paid", "failed"]))
    history.change(
        at + draw(st.integers(0, 3 * DAY)), f"payout.{ending}", dict(payout, status=ending)
    )


@dataclass
class Writes:
    history: History
    loaded: list[str]  # objects first loaded demo-style, at their final state
    order: list[Any]  # webhook events (some twice) and BACKFILL, in arrival order
    batches: list[int]  # how many consecutive arrivals share a transaction
    read_at: int  # the second the backfill read saw


@st.composite
def writes(draw: Any) -> Writes:
    history = History()
    for n in range(draw(st.integers(1, 16))):
        charge_life(history, n, draw)
    for n in range(draw(st.integers(0, 3))):
        payout_life(history, n, draw)
    again = draw(st.lists(st.sampled_from(history.events), max_size=4))
    order = draw(st.permutations([*history.events, *again, BACKFILL]))
    ids = sorted({obj["id"] for _, obj in history.states})
    return Writes(
        history=history,
        loaded=draw(st.lists(st.sampled_from(ids), max_size=3, unique=True)),
        order=order,
        batches=draw(st.lists(st.integers(1, 4), min_size=len(order), max_size=len(order))),
        read_at=BASE + draw(st.integers(0, SPAN)),
    )


async def new_business(deps: Deps) -> int:
    async with deps.db.transaction() as session:
        business = Business(name="Rolled up", currency="usd")
        session.add(business)
        await session.flush()
        assert business.id is not None
        return business.id


async def write(deps: Deps, business_id: int, w: Writes) -> None:
    final = w.history.as_seen_at(BASE + 10 * SPAN)
    picked = PaymentSet(
        **{
            kind: [obj for obj in getattr(final, kind) if obj["id"] in w.loaded]
            for kind in KINDS.values()
        }
    )
    async with deps.db.transaction() as session:
        rows = history_rows(business_id, picked, HASH_KEY)
        await insert_payment_rows(session, deps.db.dialect, rows, deps.clock.now())
    await deliver_in_batches(
        deps, business_id, w.order, w.batches, lambda: backfill(deps, business_id, w)
    )


async def backfill(deps: Deps, business_id: int, w: Writes) -> None:
    seen = w.history.as_seen_at(w.read_at)
    asked_at = datetime.fromtimestamp(w.read_at, UTC)
    for resource in KINDS.values():
        rows = read_rows(business_id, resource, getattr(seen, resource), asked_at, HASH_KEY)
        async with deps.db.transaction() as session:
            await upsert_observed_rows(session, deps.db.dialect, rows, deps.clock.now())


async def assert_rollups_match_rows(deps: Deps, business_id: int) -> None:
    for as_of in AS_OFS:
        rolled = (await load_aggregates(deps.db, {business_id: "usd"}, as_of))[business_id]
        raw = (await raw_aggregates(deps.db, {business_id: "usd"}, as_of))[business_id]
        assert rolled == raw, as_of
        assert compute_metrics(rolled) == compute_metrics(raw)


@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(w=writes())
async def test_rollup_metrics_equal_raw_row_metrics_for_any_history(deps, w):
    business_id = await new_business(deps)

    await write(deps, business_id, w)

    await assert_rollups_match_rows(deps, business_id)
    rebuilt = await rebuild_rollups(deps, [business_id])
    assert rebuilt.repaired_rows == 0


def charge(n: int, amount: int, days_ago: int, customer: str) -> dict[str, Any]:
    return {
        "id": f"ch_fixed{n}",
        "object": "charge",
        "amount": amount,
        "currency": "usd",
        "status": "succeeded",
        "created": int((AS_OF - timedelta(days=days_ago)).timestamp()),
        "customer": customer,
    }


async def load_fixed_history(deps: Deps, business_id: int) -> None:
    history = PaymentSet(
        charges=[charge(n, 1_000 * (n + 1), 20 * n, f"cus_{n % 3}") for n in range(12)]
    )
    async with deps.db.transaction() as session:
        rows = history_rows(business_id, history, HASH_KEY)
        await insert_payment_rows(session, deps.db.dialect, rows, deps.clock.now())


async def damage(deps: Deps, business_id: int) -> int:
    """One wrong month, a month's customer rows lost, one month that never happened; returns
    how many rows are now wrong."""
    async with deps.db.transaction() as session:
        await session.execute(
            update(PaymentRollup)
            .where(PaymentRollup.business_id == business_id, PaymentRollup.month == "2026-10")
            .values(gross=PaymentRollup.gross + 1)
        )
        lost = await session.execute(
            delete(CustomerRollup).where(
                CustomerRollup.business_id == business_id, CustomerRollup.month == "2026-11"
            )
        )
        session.add(
            PaymentRollup(business_id=business_id, month="2019-01", currency="usd", gross=5)
        )
    assert lost.rowcount > 0
    return 1 + lost.rowcount + 1


async def test_a_rebuild_repairs_damaged_rollups(deps):
    business_id = await new_business(deps)
    await load_fixed_history(deps, business_id)
    damaged = await damage(deps, business_id)

    outcome = await rebuild_rollups(deps, [business_id])

    assert outcome.businesses == 1
    assert outcome.repaired_rows == damaged
    await assert_rollups_match_rows(deps, business_id)


async def test_a_second_rebuild_repairs_nothing(deps):
    business_id = await new_business(deps)
    await load_fixed_history(deps, business_id)
    await damage(deps, business_id)
    await rebuild_rollups(deps, [business_id])

    again = await rebuild_rollups(deps, [business_id])

    assert again.repaired_rows == 0
    assert again.month_rows > 0 and again.customer_rows > 0


def observed(business_id: int, n: int, status: str, second: int) -> PaymentSet:
    """Refund ``n`` as one observation sees it; pending and succeeded both count."""
    refund = {
        "id": f"re_same{n}",
        "object": "refund",
        "amount": 700,
        "currency": "usd",
        "charge": "ch_same",
        "status": status,
        "created": int((AS_OF - timedelta(days=3)).timestamp()),
    }
    row = refund_row(business_id, refund)
    return PaymentSet(refunds=[row | {"observed_at": datetime.fromtimestamp(second, UTC)}])


async def write_observed(deps: Deps, rows: PaymentSet) -> None:
    async with deps.db.transaction() as session:
        await upsert_observed_rows(session, deps.db.dialect, rows, deps.clock.now())


async def test_concurrent_writers_of_one_refund_change_the_rollups_once(deps):
    business_id = await new_business(deps)
    at = int(AS_OF.timestamp())

    for n in range(20):
        await asyncio.gather(
            write_observed(deps, observed(business_id, n, "pending", at)),
            write_observed(deps, observed(business_id, n, "succeeded", at + 1)),
        )

    assert (await rebuild_rollups(deps, [business_id])).repaired_rows == 0
    await assert_rollups_match_rows(deps, business_id)


async def rollup_ids(deps: Deps, business_id: int) -> set[int]:
    async with deps.db.sessions() as session:
        rows = await session.execute(
            select(PaymentRollup.id).where(PaymentRollup.business_id == business_id)
        )
        return set(rows.scalars())


async def test_a_rebuild_rewrites_only_the_businesses_that_differ(deps):
    healthy, damaged = await new_business(deps), await new_business(deps)
    for business_id in (healthy, damaged):
        await load_fixed_history(deps, business_id)
    await damage(deps, damaged)
    before = await rollup_ids(deps, healthy)

    await rebuild_rollups(deps, [healthy, damaged])

    assert await rollup_ids(deps, healthy) == before
    await assert_rollups_match_rows(deps, damaged)
