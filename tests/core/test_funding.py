from datetime import date

import pytest

from tests.core.inputs import inputs
from vaultra_mcp.core.funding import BusinessFacts, FundingInputs, funding_options

FACTS = BusinessFacts(
    country="US", entity_type="llc", founded_on=date(2018, 1, 1), as_of=date(2026, 11, 21)
)


def options(monthly: int = 40_000_00, facts: BusinessFacts = FACTS, **changes):
    result = funding_options(
        FundingInputs(score=inputs(**changes), facts=facts, average_monthly_volume=monthly)
    )
    return {o.key: o for o in result}


def statuses(option) -> dict[str, str]:
    return {c.key: c.status for c in option.criteria}


def test_credit_scores_dscr_and_invoices_are_unknown_never_guessed():
    for option in options().values():
        for criterion in option.criteria:
            if criterion.key.startswith(
                ("credit_score", "dscr", "paydex", "b2b", "creditworthy_customers")
            ):
                assert criterion.status == "unknown"


def test_stripe_capital_needs_nine_months_and_five_thousand_a_year():
    assert options()["stripe_capital"].fit == "possible"  # good standing is unknown
    assert (
        statuses(options(months_of_history=8.9)["stripe_capital"])["processing_history_9m"]
        == "not_met"
    )
    short = options(months_of_history=8.9)["stripe_capital"]
    assert short.fit == "unlikely"
    assert (
        statuses(options(annual_volume=4_999_00)["stripe_capital"])["annual_revenue_5000"]
        == "not_met"
    )


def test_merchant_cash_advance_is_sized_at_one_to_two_months_of_card_volume():
    amount = options(monthly=12_000_00)["merchant_cash_advance"].amount
    assert (amount.low, amount.high, amount.currency) == (12_000_00, 24_000_00, "usd")


def test_revenue_based_financing_is_four_to_seven_times_monthly_revenue():
    amount = options(monthly=20_000_00)["revenue_based_financing"].amount
    assert (amount.low, amount.high) == (80_000_00, 140_000_00)
    assert options(monthly=9_000_00)["revenue_based_financing"].fit == "unlikely"


def test_online_term_loan_is_eight_to_twelve_percent_of_annual_revenue_capped_at_ondeck_max():
    small = options(annual_volume=500_000_00)["online_term_loan"].amount
    assert (small.low, small.high) == (40_000_00, 60_000_00)
    big = options(annual_volume=5_000_000_00)["online_term_loan"].amount
    assert big.high == 250_000_00


def test_time_in_business_uses_the_founding_date_when_stripe_history_is_short():
    young_on_stripe = options(months_of_history=7.0)
    assert statuses(young_on_stripe["sba_7a"])["time_in_business_24m"] == "met"  # founded 2018
    unknown_age = options(
        months_of_history=7.0, facts=BusinessFacts("US", "llc", None, date(2026, 11, 21))
    )
    assert statuses(unknown_age["sba_7a"])["time_in_business_24m"] == "unknown"


def test_sba_needs_a_us_for_profit_business():
    abroad = options(facts=BusinessFacts("CA", "nonprofit", date(2018, 1, 1), date(2026, 11, 21)))
    assert statuses(abroad["sba_7a"])["us_based"] == "not_met"
    assert statuses(abroad["sba_7a"])["for_profit"] == "not_met"
    assert abroad["sba_7a"].fit == "unlikely"


@pytest.mark.parametrize(
    ("as_of", "criterion"),
    [(date(2026, 2, 28), "sbss_165"), (date(2026, 3, 1), "lender_credit_policy")],
)
def test_sba_small_loan_criteria_follow_the_sbss_sunset_date(as_of, criterion):
    facts = BusinessFacts("US", "llc", date(2018, 1, 1), as_of)
    assert criterion in statuses(options(facts=facts)["sba_7a_small"])


def test_program_maximums_are_in_us_cents():
    result = options()
    assert result["sba_7a"].amount.high == 5_000_000_00
    assert result["sba_7a_small"].amount.high == 350_000_00
    assert result["sba_express"].amount.high == 500_000_00
    assert result["sba_microloan"].amount.high == 50_000_00


def test_options_are_sorted_best_fit_first():
    fits = [
        o.fit
        for o in funding_options(FundingInputs(inputs(months_of_history=8.0), FACTS, 40_000_00))
    ]
    order = {"likely": 0, "possible": 1, "unlikely": 2}
    assert fits == sorted(fits, key=order.__getitem__)
