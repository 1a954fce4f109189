"""The scoring pieces: reliability estimators, optimal pairing, grounding, constraints."""

import pytest

from evals.case import ExpectedCall
from evals.constraints import MISSING, lookup, satisfies
from evals.grounding import ungrounded
from evals.matching import pair
from evals.metrics import pass_at_k, pass_hat_k
from evals.reports import compare, comparison_markdown


def test_pass_hat_k_needs_every_drawn_trial_to_succeed():
    assert pass_hat_k(3, 3, 3) == 1.0
    assert pass_hat_k(3, 2, 3) == 0.0
    assert pass_hat_k(4, 3, 2) == pytest.approx(0.5)


def test_pass_at_k_needs_one_drawn_trial_to_succeed():
    assert pass_at_k(3, 1, 3) == 1.0
    assert pass_at_k(3, 0, 3) == 0.0
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)


def test_pairing_is_optimal_where_greedy_first_come_would_miscount():
    expected = [
        ExpectedCall(name="get_metric_summary", args={"period": "12m"}),
        ExpectedCall(name="get_metric_summary", args={"period": "90d"}),
    ]
    actual = [("get_metric_summary", {"period": "90d"}), ("get_metric_summary", {"period": "12m"})]

    assert pair(expected, actual).args_matched == 2


def test_figures_from_tool_outputs_are_grounded_in_any_unit_and_others_are_not():
    outputs = [{"gross_volume": 13082549, "note": "credit_score_650"}, "74/100, 2.19%"]

    assert ungrounded("$130,825 gross, 2.19% disputes, score 74/100, credit 650", outputs) == []
    assert ungrounded("You will get $73,219 on 2026-11-21", outputs) == [73219.0]


def test_a_month_count_inside_a_criterion_key_grounds_the_same_figure_in_words():
    outputs = [{"not_met": ["time_in_business_24m"]}]

    assert ungrounded("A bank wants 24+ months in business", outputs) == []
    assert ungrounded("A bank wants 36+ months in business", outputs) == [36.0]


@pytest.mark.parametrize(
    ("value", "constraint", "ok"),
    [
        (MISSING, None, True),
        (3, None, False),
        ("12m", {"one_of": ["6m", "12m"]}, True),
        (0.3, {"range": [0.29, 0.31]}, True),
        (True, {"range": [0, 2]}, False),
        ("invoice factoring", {"regex": "(?i)factor"}, True),
        ({"dispute_activity_pct": 0.3}, {"dispute_activity_pct": 0.3}, True),
    ],
)
def test_argument_constraints(value, constraint, ok):
    assert satisfies(value, constraint) is ok


def test_lookup_follows_keys_selectors_and_indexes():
    data = {"components": [{"key": "refund_rate", "points": 5}], "passages": [{"id": "a"}]}

    assert lookup(data, "components[key=refund_rate].points") == 5
    assert lookup(data, "passages[0].id") == "a"
    assert lookup(data, "passages[3].id") is MISSING


def test_two_runs_compare_case_by_case_with_disagreements_first():
    def run(agent: str, passed: dict[str, bool]) -> dict[str, object]:
        cases = [{"id": i, "passed": p, "pass_hat_k": float(p)} for i, p in passed.items()]
        return {"run": {"agent": agent}, "cases": cases}

    offline = run("offline", {"a": True, "b": True, "c": False})
    model = run("openai", {"a": True, "b": False})

    assert [(r["id"], r["same"]) for r in compare(offline, model)] == [("b", False), ("a", True)]
    assert "2 cases in both, 1 with a different outcome" in comparison_markdown(offline, model)
