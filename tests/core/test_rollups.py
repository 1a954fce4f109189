"""How a trailing window splits into whole rollup months and edge days, and what a row adds."""

from datetime import UTC, datetime

from vaultra_mcp.core.rollups import INDEX, RollupDelta, contribution, window_plan


def test_a_window_starting_late_in_a_month_adds_the_days_after_its_start():
    split = window_plan(datetime(2026, 11, 21, 12, tzinfo=UTC)).window(30)  # from Oct 22
    assert (split.sign, split.first_full) == (1, "2026-11")
    assert (split.edge_from, split.edge_to) == (
        datetime(2026, 10, 22, 12, tzinfo=UTC),
        datetime(2026, 11, 1, tzinfo=UTC),
    )


def test_a_window_starting_early_in_a_month_takes_the_days_before_its_start_away():
    split = window_plan(datetime(2026, 11, 4, 9, tzinfo=UTC)).window(30)  # from Oct 5
    assert (split.sign, split.first_full) == (-1, "2026-10")
    assert (split.edge_from, split.edge_to) == (
        datetime(2026, 10, 1, tzinfo=UTC),
        datetime(2026, 10, 5, 9, tzinfo=UTC),
    )


def test_a_window_inside_the_current_month_reads_no_edge():
    plan = window_plan(datetime(2026, 3, 31, 12, tzinfo=UTC))  # 30 days back is March 1st
    split = plan.window(30)
    assert not split.has_edge
    assert split.first_full > plan.current_month


def test_a_refund_counts_in_its_own_month_not_its_charges():
    refund = {
        "business_id": 1,
        "currency": "usd",
        "status": "pending",
        "amount": 700,
        "created": datetime(2026, 2, 3, tzinfo=UTC),
    }
    added = contribution("refunds", refund)
    assert added is not None and added.key == (1, "2026-02", "usd")
    assert added.sums[INDEX["refunded"]] == 700


def test_a_dispute_won_back_takes_its_amount_out_but_still_counts():
    dispute = {
        "business_id": 1,
        "currency": "usd",
        "status": "needs_response",
        "amount": 5_000,
        "created": datetime(2026, 2, 3, tzinfo=UTC),
    }
    delta = RollupDelta()
    delta.change("disputes", dispute, dispute | {"status": "won"})
    assert delta.months[(1, "2026-02", "usd")][INDEX["disputed"]] == -5_000
    assert delta.months[(1, "2026-02", "usd")][INDEX["disputes"]] == 0


def test_a_charge_that_stops_counting_marks_its_month_bounds_stale():
    charge = {
        "business_id": 1,
        "currency": "usd",
        "status": "succeeded",
        "amount": 900,
        "created": datetime(2026, 2, 3, tzinfo=UTC),
        "customer_hash": "ab",
    }
    delta = RollupDelta()
    delta.change("charges", charge, charge | {"status": "failed"})
    assert delta.stale_months == {(1, "2026-02", "usd")}
    assert delta.stale_customers == {(1, "2026-02", "usd", "ab")}
