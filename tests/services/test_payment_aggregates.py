"""The SQL aggregation, checked against rows whose totals are computed by hand."""

from datetime import datetime, timedelta

from sqlalchemy import insert

from tests.factories import AS_OF, HASH_KEY, epoch
from vaultra_mcp.core.payment_set import PaymentSet
from vaultra_mcp.core.stripe_objects import charge_row, dispute_row, payout_row, refund_row
from vaultra_mcp.models import Business
from vaultra_mcp.services.payment_aggregates import load_aggregates
from vaultra_mcp.services.payments import insert_payment_rows


def charge(n: int, amount: int, when: datetime, customer: str | None = "cus_a", **extra):
    obj = {
        "id": f"ch_{n}",
        "amount": amount,
        "currency": "usd",
        "status": "succeeded",
        "created": epoch(when),
    }
    if customer:
        obj["customer"] = customer
    return {**obj, **extra}


async def make_business(deps, currency="usd") -> int:
    async with deps.db.transaction() as session:
        result = await session.execute(
            insert(Business).returning(Business.id), {"name": "Test Co", "currency": currency}
        )
        return result.scalar_one()


async def load(deps, business_id, charges=(), refunds=(), disputes=(), payouts=()):
    rows = PaymentSet(
        charges=[charge_row(business_id, c, HASH_KEY) for c in charges],
        refunds=[refund_row(business_id, r) for r in refunds],
        disputes=[dispute_row(business_id, d) for d in disputes],
        payouts=[payout_row(business_id, p) for p in payouts],
    )
    async with deps.db.transaction() as session:
        await insert_payment_rows(session, deps.db.dialect, rows, AS_OF)
    return (await load_aggregates(deps.db, {business_id: "usd"}, AS_OF))[business_id]


DAY = timedelta(days=1)


async def test_windows_count_by_their_own_dates(deps):
    bid = await make_business(deps)
    agg = await load(
        deps,
        bid,
        charges=[
            charge(1, 10_000, AS_OF - 10 * DAY),
            charge(2, 20_000, AS_OF - 60 * DAY, customer="cus_b"),
            charge(3, 30_000, AS_OF - 200 * DAY, customer="cus_c"),
            charge(4, 99_999, AS_OF - 5 * DAY, status="failed"),
            charge(5, 50_000, AS_OF + DAY),  # after as_of: not counted
        ],
        refunds=[
            {
                "id": "re_1",
                "amount": 2_000,
                "currency": "usd",
                "status": "succeeded",
                "charge": "ch_3",
                "created": epoch(AS_OF - 20 * DAY),
            },
        ],
        disputes=[
            {
                "id": "dp_1",
                "amount": 30_000,
                "currency": "usd",
                "status": "lost",
                "charge": "ch_3",
                "created": epoch(AS_OF - 40 * DAY),
            },
            {
                "id": "dp_2",
                "amount": 20_000,
                "currency": "usd",
                "status": "won",
                "charge": "ch_2",
                "created": epoch(AS_OF - 45 * DAY),
            },
        ],
        payouts=[
            {
                "id": "po_1",
                "amount": 5_000,
                "currency": "usd",
                "status": "failed",
                "created": epoch(AS_OF - 3 * DAY),
            },
            {
                "id": "po_2",
                "amount": 5_000,
                "currency": "usd",
                "status": "paid",
                "created": epoch(AS_OF - 100 * DAY),
            },
        ],
    )
    month = agg.window(30)
    assert (month.gross, month.charges, month.refunded, month.disputes, month.customers) == (
        10_000,
        1,
        2_000,
        0,
        1,
    )
    quarter = agg.window(90)
    assert (quarter.gross, quarter.charges, quarter.disputes) == (30_000, 2, 2)
    assert quarter.disputed == 30_000  # the won dispute's funds came back
    assert (quarter.payouts, quarter.payouts_failed, quarter.customers) == (1, 1, 2)
    year = agg.window(365)
    assert (year.gross, year.charges, year.payouts, year.customers) == (60_000, 3, 2, 3)
    assert agg.first_charge_at == AS_OF - 200 * DAY
    assert agg.last_charge_at == AS_OF - 10 * DAY


async def test_customer_concentration_ranks_customers_by_volume(deps):
    bid = await make_business(deps)
    charges = [charge(1, 60_000, AS_OF - DAY, "big"), charge(2, 10_000, AS_OF - DAY, "big")]
    charges += [charge(10 + i, 5_000, AS_OF - 2 * DAY, f"small{i}") for i in range(6)]
    charges += [charge(30, 1_000, AS_OF - DAY, customer=None)]
    agg = await load(deps, bid, charges=charges)
    assert agg.identified_volume == 100_000
    assert agg.top_customer_volume == 70_000
    assert agg.top3_customer_volume == 80_000
    assert agg.window(365).customers == 7  # the charge without a customer is not one


async def test_monthly_totals_group_by_utc_calendar_month(deps):
    bid = await make_business(deps)
    agg = await load(
        deps,
        bid,
        charges=[
            charge(1, 100, datetime.fromisoformat("2026-10-31T23:59:59+00:00")),
            charge(2, 200, datetime.fromisoformat("2026-11-01T00:00:00+00:00")),
            charge(3, 400, datetime.fromisoformat("2026-11-01T01:00:00+05:00")),  # Oct 31 UTC
        ],
    )
    assert {m.month: m.totals.gross for m in agg.months} == {"2026-10": 500, "2026-11": 200}


async def test_charges_in_another_currency_are_counted_apart(deps):
    bid = await make_business(deps)
    agg = await load(
        deps,
        bid,
        charges=[charge(1, 1_000, AS_OF - DAY), charge(2, 9_000, AS_OF - DAY, currency="eur")],
    )
    assert agg.window(90).gross == 1_000
    assert agg.other_currency_charges == 1


async def test_loading_the_same_objects_twice_changes_nothing(deps):
    bid = await make_business(deps)
    first = await load(deps, bid, charges=[charge(1, 1_000, AS_OF - DAY)])
    second = await load(deps, bid, charges=[charge(1, 1_000, AS_OF - DAY)])
    assert first == second
