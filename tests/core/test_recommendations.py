from tests.core.inputs import inputs
from vaultra_mcp.core import thresholds as t
from vaultra_mcp.core.readiness import score_readiness
from vaultra_mcp.core.recommendations import GENERAL, RULES, recommend, target_bound
from vaultra_mcp.core.simulation import simulate


def test_a_healthy_business_gets_only_the_general_recommendations():
    assert [r.key for r in recommend(inputs())] == [g.key for g in GENERAL]


def test_estimated_gain_is_the_simulated_score_change():
    weak = inputs(
        dispute_activity_pct=1.2, top_customer_share_pct=55.0, top3_customer_share_pct=70.0
    )
    for rec in recommend(weak):
        if rec.evidence is None:
            continue
        assert simulate(weak, rec.evidence.target).delta == rec.estimated_score_gain
        assert rec.potential_score_gain >= rec.estimated_score_gain


def test_recommendations_rank_hurting_components_first_then_by_gain():
    recs = recommend(inputs(dispute_activity_pct=1.2, distinct_customers=30, failed_payouts=2))
    keys = [r.key for r in recs]
    assert keys[:2] == ["reduce_dispute_activity", "fix_failed_payouts"]
    assert recs[0].priority == "high" and recs[0].estimated_score_gain == 4  # 1.2% -> under 1.0%
    assert keys.index("broaden_customer_base") > keys.index("fix_failed_payouts")
    assert keys[-3:] == [g.key for g in GENERAL]


def test_a_component_that_already_helps_gets_no_recommendation():
    recs = recommend(inputs(growth_pct=5.0))  # 12/15 points: helps
    assert "reverse_revenue_decline" not in [r.key for r in recs]


def test_evidence_names_the_component_its_value_and_the_next_band():
    rec = recommend(inputs(dispute_activity_pct=0.8))[0]
    assert rec.evidence is not None
    assert rec.evidence.component == "dispute_activity"
    assert rec.evidence.value == 0.8
    assert rec.evidence.target == {"dispute_activity_pct": 0.74}
    assert "0.80% of payments disputed" in rec.why


def test_target_bound_steps_one_band_at_a_time():
    assert target_bound(t.PROCESSING_HISTORY, 4.0) == 6
    assert target_bound(t.PROCESSING_HISTORY, 1.0) == 3
    assert target_bound(t.PROCESSING_HISTORY, 30.0) is None
    assert target_bound(t.DISPUTE_ACTIVITY, 2.0) == 1.49  # strictly under 1.5%
    assert target_bound(t.PAYOUT_HEALTH, 4) == 1


def test_full_targets_jump_to_the_top_band():
    assert target_bound(t.PROCESSING_HISTORY, 4.0, full=True) == 24
    assert target_bound(t.DISPUTE_ACTIVITY, 2.0, full=True) == 0.29


def test_potential_gain_is_the_score_at_full_points():
    rec = recommend(inputs(dispute_activity_pct=2.0))[0]
    assert (rec.estimated_score_gain, rec.potential_score_gain) == (4, 20)


def test_every_component_has_a_rule_and_rules_have_steps():
    components = {c.key for c in score_readiness(inputs()).components}
    assert {rule.component for rule in RULES} == components
    assert all(rule.steps for rule in RULES)
