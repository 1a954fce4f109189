import pytest

from tests.core.inputs import inputs
from vaultra_mcp.core.simulation import SIMULATABLE, simulate
from vaultra_mcp.errors import InvalidInput


def test_simulation_rescores_and_reports_only_components_that_moved():
    result = simulate(inputs(dispute_activity_pct=2.0), {"dispute_activity_pct": 0.2})
    assert (result.score_before, result.score_after, result.delta) == (80, 100, 20)
    assert (result.tier_before, result.tier_after) == ("lender_ready", "lender_ready")
    assert [(d.key, d.delta) for d in result.components] == [("dispute_activity", 20)]


def test_simulation_can_move_the_score_down():
    assert simulate(inputs(), {"failed_payouts": 3}).delta == -5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "changes is empty"),
        ({"credit_score": 700}, "Unknown metric 'credit_score'"),
        ({"refund_rate_pct": 101}, "between 0 and 100"),
        ({"dispute_activity_pct": -1}, "between 0 and 100"),
        ({"failed_payouts": 1.5}, "whole number"),
        ({"months_of_history": "ten"}, "must be a number"),
        ({"months_of_history": True}, "must be a number"),
        ({"growth_pct": float("nan")}, "must be a number"),
        ({"top_customer_share_pct": 40, "top3_customer_share_pct": 30}, "cannot be below"),
    ],
)
def test_bad_changes_are_rejected_with_a_clear_message(changes, message):
    with pytest.raises(InvalidInput, match=message):
        simulate(inputs(), changes)


def test_every_simulatable_metric_is_a_score_input():
    fields = set(inputs().model_dump())
    assert set(SIMULATABLE) <= fields
