"""Out-of-order Stripe observations converge: whatever order one history's events arrive in,
with duplicates, many in the same second, and a backfill read interleaved, the stored rows and
the metrics are those of the history's final state (issue 17, finding 13).

The source of truth is a small model of Stripe written here, independent of the code under
test: charges (some refunded, some disputed, some failed) and payouts, each changing step by
step, each change announced by the events Stripe sends for it, carrying the object as it was
at that moment, stamped with its whole second.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.factories import AS_OF, HASH_KEY
from tests.support.deliveries import BACKFILL, deliver_in_batches
from vaultra_mcp.core.metrics import compute_metrics
from vaultra_mcp.core.payment_set import PaymentSet
from vaultra_mcp.demo.loader import history_rows
from vaultra_mcp.models import Business, Charge, Dispute, Payout, Refund
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.payment_aggregates import load_aggregates
from vaultra_mcp.services.payments import insert_payment_rows, upsert_observed_rows
from vaultra_mcp.services.stripe_sync import read_rows

START = int((AS_OF - timedelta(days=3)).timestamp())
KINDS = {"charge": "charges", "refund": "refunds", "dispute": "disputes", "payout": "payouts"}
COMPARED = {
    "charges": (Charge, ("stripe_id", "amount", "status", "amount_refunded", "disputed")),
    "refunds": (Refund, ("stripe_id", "charge_stripe_id", "amount", "status")),
    "disputes": (Dispute, ("stripe_id", "charge_stripe_id", "amount", "status")),
    "payouts": (Payout, ("stripe_id", "amount", "status")),
}


@dataclass
class Stripe:
    """The truth: every object as it is now, every event sent, and what a read saw when."""

    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    seconds: list[int] = field(default_factory=list)  # the second of each step
    states: list[dict[str, dict[str, Any]]] = field(default_factory=list)  # after each step

    def step(self, second: int, changes: list[tuple[str, dict[str, Any]]]) -> None:
        """One moment: objects change, and an event per change carries a snapshot."""
        for kind, obj in changes:
            self.objects[obj["id"]] = obj
            self.events.append(
                {
                    "id": f"evt_conv{len(self.events) + 1:04d}",
                    "object": "event",
                    "type": kind,
                    "created": START + second,
                    "livemode": False,
                    "data": {"object": copy.deepcopy(obj)},
                }
            )
        self.seconds.append(second)
        self.states.append(copy.deepcopy(self.objects))

    def history(self, state: dict[str, dict[str, Any]] | None = None) -> PaymentSet:
        lists: dict[str, list[dict[str, Any]]] = {name: [] for name in KINDS.values()}
        for obj in (self.objects if state is None else state).values():
            lists[KINDS[obj["object"]]].append(obj)
        return PaymentSet(**lists)


def charge_steps(n: int, draw: Any) -> list[Any]:
    """The life of one charge: created, perhaps refunded (in parts), perhaps disputed."""
    charge = {
        "id": f"ch_conv{n}",
        "object": "charge",
        "amount": draw(st.integers(1_000, 50_000)),
        "currency": "usd",
        "status": draw(st.sampled_from(["succeeded", "succeeded", "failed"])),
        "amount_refunded": 0,
        "refunded": False,
        "disputed": False,
        "customer": f"cus_conv{draw(st.integers(0, 2))}",
    }
    steps: list[Any] = [("create", charge)]
    if charge["status"] == "succeeded":
        for r in range(draw(st.integers(0, 2))):
            steps += [("refund", n, r, draw(st.integers(1, charge["amount"] // 2)))]
            if draw(st.booleans()):
                steps.append(("refund_succeeds", n, r))
        if draw(st.booleans()):
            steps += [("dispute", n), ("dispute_review", n)]
            steps.append(("dispute_close", n, draw(st.sampled_from(["won", "lost"]))))
    return steps


def payout_steps(n: int, draw: Any) -> list[Any]:
    payout = {
        "id": f"po_conv{n}",
        "object": "payout",
        "amount": draw(st.integers(1_000, 90_000)),
        "currency": "usd",
        "status": "in_transit",
        "arrival_date": START + 86_400,
        "failure_code": None,
        "failure_message": None,
    }
    return [("payout", payout), ("payout_ends", n, draw(st.sampled_from(["paid", "failed"])))]


def apply(stripe: Stripe, step: Any, second: int) -> None:
    """What one step changes, and the events Stripe sends for it."""
    at, objects = START + second, stripe.objects
    kind = step[0]
    if kind == "create":
        charge = dict(step[1], created=at)
        stripe.step(second, [(f"charge.{charge['status']}", charge)])
    elif kind == "refund":
        _, n, r, amount = step
        refund = {
            "id": f"re_conv{n}_{r}",
            "object": "refund",
            "amount": amount,
            "currency": "usd",
            "charge": f"ch_conv{n}",
            "status": "pending",
            "reason": "requested_by_customer",
            "created": at,
        }
        charge = dict(objects[f"ch_conv{n}"])
        charge.update(amount_refunded=charge["amount_refunded"] + amount, refunded=True)
        stripe.step(second, [("refund.created", refund), ("charge.refunded", charge)])
    elif kind == "refund_succeeds":
        refund = dict(objects[f"re_conv{step[1]}_{step[2]}"], status="succeeded")
        stripe.step(second, [("refund.updated", refund)])
    elif kind == "dispute":
        n = step[1]
        dispute = {
            "id": f"dp_conv{n}",
            "object": "dispute",
            "amount": objects[f"ch_conv{n}"]["amount"],
            "currency": "usd",
            "charge": f"ch_conv{n}",
            "status": "needs_response",
            "reason": "fraudulent",
            "created": at,
        }
        objects[f"ch_conv{n}"] = dict(objects[f"ch_conv{n}"], disputed=True)  # no charge event
        stripe.step(second, [("charge.dispute.created", dispute)])
    elif kind == "dispute_review":
        dispute = dict(objects[f"dp_conv{step[1]}"], status="under_review")
        stripe.step(second, [("charge.dispute.updated", dispute)])
    elif kind == "dispute_close":
        dispute = dict(objects[f"dp_conv{step[1]}"], status=step[2])
        stripe.step(second, [("charge.dispute.closed", dispute)])
    elif kind == "payout":
        stripe.step(second, [("payout.updated", dict(step[1], created=at))])
    else:  # payout_ends
        payout = dict(objects[f"po_conv{step[1]}"], status=step[2])
        stripe.step(second, [(f"payout.{step[2]}", payout)])


@st.composite
def histories(draw: Any) -> Stripe:
    """Chains of steps (one per object), interleaved at random in causal order, in seconds
    that often repeat."""
    chains = [charge_steps(n, draw) for n in range(draw(st.integers(1, 3)))]
    chains += [payout_steps(n, draw) for n in range(draw(st.integers(0, 1)))]
    stripe, second = Stripe(), 0
    while any(chains):
        chain = draw(st.sampled_from([c for c in chains if c]))
        apply(stripe, chain.pop(0), second)
        second += draw(st.sampled_from([0, 0, 0, 1, 2]))
    return stripe


@dataclass
class Deliveries:
    stripe: Stripe
    order: list[Any]  # events (some twice) and BACKFILL, in arrival order
    batches: list[int]  # how many consecutive arrivals share a transaction
    read_step: int  # the backfill saw the state after this many steps
    read_second: int
    read_micros: int


@st.composite
def deliveries(draw: Any) -> Deliveries:
    stripe = draw(histories())
    again = draw(st.lists(st.sampled_from(stripe.events), max_size=len(stripe.events)))
    order = draw(st.permutations([*stripe.events, *again, BACKFILL]))
    steps = len(stripe.seconds)
    read_step = draw(st.integers(0, steps))  # after how many steps the read happened
    low = stripe.seconds[read_step - 1] if read_step else stripe.seconds[0]
    high = stripe.seconds[read_step] if read_step < steps else stripe.seconds[-1] + 1
    return Deliveries(
        stripe=stripe,
        order=order,
        batches=draw(st.lists(st.integers(1, 4), min_size=len(order), max_size=len(order))),
        read_step=read_step,
        read_second=draw(st.integers(low, high)),
        read_micros=draw(st.integers(0, 999_999)),
    )


async def new_business(deps: Deps, name: str) -> int:
    async with deps.db.transaction() as session:
        business = Business(name=name)
        session.add(business)
        await session.flush()
        assert business.id is not None
        return business.id


async def backfill(deps: Deps, business_id: int, seen: Deliveries) -> None:
    """What the sync's backfill writes for a read made at that moment: each list a commit."""
    state = seen.stripe.states[seen.read_step - 1] if seen.read_step else {}
    history = seen.stripe.history(state)
    asked_at = datetime.fromtimestamp(START + seen.read_second, UTC).replace(
        microsecond=seen.read_micros
    )
    for resource in ("charges", "refunds", "disputes", "payouts"):
        rows = read_rows(business_id, resource, getattr(history, resource), asked_at, HASH_KEY)
        async with deps.db.transaction() as session:
            await upsert_observed_rows(session, deps.db.dialect, rows, deps.clock.now())


async def stored(deps: Deps, business_id: int) -> dict[str, set[tuple[Any, ...]]]:
    found = {}
    async with deps.db.sessions() as session:
        for name, (model, columns) in COMPARED.items():
            rows = await session.execute(
                select(*(getattr(model, c) for c in columns)).where(
                    model.business_id == business_id
                )
            )
            found[name] = {tuple(row) for row in rows}
    return found


def truth(stripe: Stripe, business_id: int) -> dict[str, set[tuple[Any, ...]]]:
    rows = history_rows(business_id, stripe.history(), HASH_KEY)
    return {
        name: {tuple(row[c] for c in columns) for row in getattr(rows, name)}
        for name, (_, columns) in COMPARED.items()
    }


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seen=deliveries())
async def test_any_arrival_order_converges_on_the_final_state(deps, seen):
    ours = await new_business(deps, "Delivered out of order")
    loaded = await new_business(deps, "Loaded from the truth")
    async with deps.db.transaction() as session:
        rows = history_rows(loaded, seen.stripe.history(), HASH_KEY)
        await insert_payment_rows(session, deps.db.dialect, rows, deps.clock.now())

    await deliver_in_batches(
        deps, ours, seen.order, seen.batches, lambda: backfill(deps, ours, seen)
    )

    assert await stored(deps, ours) == truth(seen.stripe, ours)
    aggregates = await load_aggregates(deps.db, {ours: "usd", loaded: "usd"}, AS_OF)
    assert compute_metrics(aggregates[ours]) == compute_metrics(aggregates[loaded])
