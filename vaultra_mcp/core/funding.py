"""Funding options: which products the business's data supports, and by how much.

Each product lists its published criteria (DOMAIN.md §1) as met, not met or unknown. What Stripe
data cannot show (credit scores, DSCR, collateral, invoices) is always "unknown", never guessed.
Revenue criteria are judged on Stripe volume and say so: revenue outside Stripe is invisible here.
Amounts are indicative ranges from the same sources, in integer minor units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from vaultra_mcp.core.readiness import ScoreInputs

CriterionStatus = Literal["met", "not_met", "unknown"]
Fit = Literal["likely", "possible", "unlikely"]

SBSS_SUNSET = date(2026, 3, 1)  # SBA Procedural Notice 5000-875701 (DOMAIN.md §1.2) ⏱


class Criterion(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    description: str  # the same for every product that asks it
    status: CriterionStatus
    note: str = ""  # this product's reason or nuance: who asks it, and how it is judged


class AmountRange(BaseModel):
    model_config = ConfigDict(frozen=True)

    currency: str
    low: int | None
    high: int | None
    basis: str


class FundingOption(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    fit: Fit
    criteria: list[Criterion]
    amount: AmountRange
    doc: str


@dataclass(frozen=True, slots=True)
class BusinessFacts:
    """What the business told us about itself; ``None`` where it did not say."""

    country: str | None
    entity_type: str | None
    founded_on: date | None
    as_of: date


@dataclass(frozen=True, slots=True)
class FundingInputs:
    score: ScoreInputs
    facts: BusinessFacts
    average_monthly_volume: int  # last three complete months, minor units

    @property
    def usd(self) -> bool:
        return self.score.currency.lower() == "usd"


def _status(ok: bool | None) -> CriterionStatus:
    return "unknown" if ok is None else "met" if ok else "not_met"


def _criterion(key: str, description: str, ok: bool | None, note: str = "") -> Criterion:
    return Criterion(key=key, description=description, status=_status(ok), note=note)


def us_based(f: FundingInputs) -> Criterion:
    country = f.facts.country
    return _criterion(
        "us_based", "Located in the United States", None if country is None else country == "US"
    )


def for_profit(f: FundingInputs) -> Criterion:
    entity = f.facts.entity_type
    return _criterion(
        "for_profit",
        "An operating for-profit business",
        None if entity is None else entity != "nonprofit",
    )


def time_in_business(months: int, note: str) -> Callable[[FundingInputs], Criterion]:
    def check(f: FundingInputs) -> Criterion:
        history = f.score.months_of_history
        founded = f.facts.founded_on
        age = history
        if founded is not None:
            age = max(age, (f.facts.as_of - founded).days / (365.25 / 12))
        ok: bool | None = age >= months
        if not ok and founded is None:
            ok = None  # the business may be older than its Stripe account
        return _criterion(f"time_in_business_{months}m", f"{months}+ months in business", ok, note)

    return check


def processing_history(months: int, note: str) -> Callable[[FundingInputs], Criterion]:
    def check(f: FundingInputs) -> Criterion:
        return _criterion(
            f"processing_history_{months}m",
            f"{months}+ months of card processing",
            f.score.months_of_history >= months,
            note,
        )

    return check


def annual_revenue(dollars: int, note: str) -> Callable[[FundingInputs], Criterion]:
    def check(f: FundingInputs) -> Criterion:
        ok = f.score.annual_volume >= dollars * 100 if f.usd else None
        return _criterion(
            f"annual_revenue_{dollars}",
            f"${dollars:,}+ a year in revenue",
            ok,
            f"{note}; judged on Stripe volume",
        )

    return check


def monthly_volume(dollars: int, note: str) -> Callable[[FundingInputs], Criterion]:
    def check(f: FundingInputs) -> Criterion:
        ok = f.average_monthly_volume >= dollars * 100 if f.usd else None
        return _criterion(
            f"monthly_volume_{dollars}",
            f"${dollars:,}+ a month in card volume",
            ok,
            note,
        )

    return check


def unknown(key: str, description: str, note: str = "") -> Callable[[FundingInputs], Criterion]:
    return lambda f: _criterion(key, description, None, note)


def sbss_or_credit_policy(f: FundingInputs) -> Criterion:
    if f.facts.as_of >= SBSS_SUNSET:
        return _criterion(
            "lender_credit_policy",
            "Lender's own credit policy, DSCR and the two most recent months of bank statements",
            None,
            "the SBSS prescreen ended March 1, 2026",
        )
    return _criterion("sbss_165", "FICO SBSS score of 165+", None, "SOP 50 10 8, June 1, 2025")


def seasonal_statements(f: FundingInputs) -> Criterion:
    seasonal = f.score.low_volume_months > 0
    ok = True if not seasonal else f.score.months_of_history >= 12
    return _criterion(
        "seasonal_12m_statements",
        "Seasonal businesses must show 12 months of statements",
        ok,
    )


def us_corporation_or_llc(f: FundingInputs) -> Criterion:
    entity, country = f.facts.entity_type, f.facts.country
    if entity is None or country is None:
        return _criterion("us_corp_or_llc", "US-incorporated corporation or LLC", None)
    return _criterion(
        "us_corp_or_llc",
        "US-incorporated corporation or LLC",
        country == "US" and entity in ("llc", "corporation"),
    )


def _range(f: FundingInputs, low: int | None, high: int | None, basis: str) -> AmountRange:
    return AmountRange(currency=f.score.currency, low=low, high=high, basis=basis)


def _program_max(dollars: int, basis: str) -> Callable[[FundingInputs], AmountRange]:
    return lambda f: AmountRange(currency="usd", low=None, high=dollars * 100, basis=basis)


def _not_published(basis: str) -> Callable[[FundingInputs], AmountRange]:
    return lambda f: _range(f, None, None, basis)


def _share_of_annual(f: FundingInputs) -> AmountRange:
    annual = f.score.annual_volume
    high = min(round(annual * 0.12), 250_000_00) if f.usd else round(annual * 0.12)
    return _range(
        f,
        round(annual * 0.08),
        high,
        "8-12% of yearly revenue; OnDeck lends up to $250,000",
    )


def _monthly_multiple(
    low: float, high: float, basis: str
) -> Callable[[FundingInputs], AmountRange]:
    def amount(f: FundingInputs) -> AmountRange:
        monthly = f.average_monthly_volume
        return _range(f, round(monthly * low), round(monthly * high), basis)

    return amount


@dataclass(frozen=True, slots=True)
class Product:
    key: str
    name: str
    doc: str  # the knowledge document that explains it and cites its sources
    criteria: tuple[Callable[[FundingInputs], Criterion], ...]
    amount: Callable[[FundingInputs], AmountRange]


PRODUCTS: tuple[Product, ...] = (
    Product(
        "stripe_capital",
        "Stripe Capital",
        "stripe-capital",
        (
            us_based,
            processing_history(9, "Stripe Capital's current minimum"),
            annual_revenue(5_000, "Stripe Capital's processing floor"),
            unknown(
                "stripe_good_standing", "Account in good standing", "30-day wait after a rejection"
            ),
        ),
        _not_published("set by Stripe from processing volume; no published formula"),
    ),
    Product(
        "revenue_based_financing",
        "Revenue-based financing",
        "revenue-based-financing",
        (monthly_volume(10_000, "a common minimum monthly revenue"),),
        _monthly_multiple(4, 7, "4-7x monthly revenue"),
    ),
    Product(
        "merchant_cash_advance",
        "Merchant cash advance",
        "merchant-cash-advance",
        (
            time_in_business(6, "typical MCA minimum"),
            processing_history(4, "typical MCA minimum"),
            monthly_volume(5_000, "typical MCA minimum"),
            seasonal_statements,
            unknown("credit_score_500", "Personal credit score of 500+"),
        ),
        _monthly_multiple(1, 2, "100-200% of monthly card volume; 1.1-1.5 factor rate"),
    ),
    Product(
        "online_term_loan",
        "Online term loan",
        "online-term-loans",
        (
            time_in_business(6, "the low end of online lenders' minimums"),
            unknown("credit_score_600", "Personal credit score of 600+", "Lendio"),
        ),
        _share_of_annual,
    ),
    Product(
        "online_line_of_credit",
        "Online line of credit",
        "online-lines-of-credit",
        (
            time_in_business(6, "online lenders ask for 6-12 months"),
            annual_revenue(50_000, "online lenders ask for $50K-$100K"),
            unknown("credit_score_600", "Personal credit score of 600+"),
        ),
        _not_published("set by the lender"),
    ),
    Product(
        "bank_line_of_credit",
        "Bank line of credit",
        "bank-lines-of-credit",
        (
            time_in_business(24, "banks ask for 2+ years"),
            annual_revenue(250_000, "banks ask for $250K+"),
            unknown("credit_score_680", "Personal credit score of 680+"),
        ),
        _not_published("set by the bank from financials"),
    ),
    Product(
        "bank_term_loan",
        "Bank term loan",
        "bank-term-loans",
        (
            time_in_business(24, "requirements vary from 6 months to 2 years; banks sit high"),
            unknown("credit_score_700", "Personal credit score of 700+", "some banks 680"),
            unknown("dscr_1_25", "Debt service coverage of 1.20-1.25x"),
        ),
        _not_published("set by the bank from cash flow and collateral"),
    ),
    Product(
        "sba_7a",
        "SBA 7(a) loan",
        "sba-7a",
        (
            us_based,
            for_profit,
            time_in_business(24, "brokers' typical minimum; SBA sets none"),
            annual_revenue(100_000, "brokers' typical minimum"),
            unknown("credit_score_650", "Personal credit score of 650+", "680+ preferred"),
            unknown("dscr_1_15", "Debt service coverage of 1.15x or more"),
        ),
        _program_max(5_000_000, "program maximum"),
    ),
    Product(
        "sba_7a_small",
        "SBA 7(a) Small Loan",
        "sba-7a-small-loan",
        (
            us_based,
            for_profit,
            time_in_business(24, "brokers' typical minimum; SBA sets none"),
            annual_revenue(100_000, "brokers' typical minimum"),
            sbss_or_credit_policy,
        ),
        _program_max(350_000, "maximum since June 1, 2025"),
    ),
    Product(
        "sba_express",
        "SBA Express loan",
        "sba-express",
        (
            us_based,
            for_profit,
            time_in_business(24, "brokers' typical minimum; SBA sets none"),
            unknown("credit_score_650", "Personal credit score of 650+"),
        ),
        _program_max(500_000, "maximum (older SBA pages: $350,000)"),
    ),
    Product(
        "sba_microloan",
        "SBA Microloan",
        "sba-microloan",
        (
            us_based,
            for_profit,
            unknown(
                "intermediary_credit_rules", "The nonprofit intermediary's own credit requirements"
            ),
            unknown("collateral_guarantee", "Collateral and a personal guarantee, generally"),
        ),
        _program_max(50_000, "maximum; average about $13,000"),
    ),
    Product(
        "equipment_financing",
        "Equipment financing",
        "equipment-financing",
        (
            time_in_business(12, "typical; some lenders accept 6 months"),
            annual_revenue(50_000, "typical minimum"),
            unknown("credit_score_600", "Personal credit score of 600+"),
            unknown("paydex_50", "PAYDEX of 50+"),
        ),
        _not_published("the equipment's price, 0-20% down"),
    ),
    Product(
        "invoice_factoring",
        "Invoice factoring",
        "invoice-factoring",
        (
            unknown("unpaid_b2b_invoices", "Unpaid invoices from business customers"),
            unknown(
                "creditworthy_customers",
                "Creditworthy customers",
                "they matter more than your credit",
            ),
        ),
        _not_published("70-90% of invoice value; fees 1-5% per 30 days"),
    ),
    Product(
        "clearco",
        "Clearco",
        "clearco",
        (
            monthly_volume(10_000, "Clearco's minimum"),
            processing_history(6, "6+ months in one FAQ version, 12+ in another"),
            us_corporation_or_llc,
            unknown("us_checking_account", "A US checking account"),
        ),
        _not_published("sized from connected sales data"),
    ),
)

FIT_RANK: dict[str, int] = {"likely": 0, "possible": 1, "unlikely": 2}


PRODUCT_NAMES: dict[str, str] = {p.key: p.name for p in PRODUCTS}


def funding_options(inputs: FundingInputs) -> list[FundingOption]:
    """Every product, best fit first; within a fit, more criteria met first."""
    options = [_evaluate(product, inputs) for product in PRODUCTS]
    return sorted(
        options,
        key=lambda o: (FIT_RANK[o.fit], -sum(c.status == "met" for c in o.criteria)),
    )


def _evaluate(product: Product, inputs: FundingInputs) -> FundingOption:
    criteria = [check(inputs) for check in product.criteria]
    statuses = {c.status for c in criteria}
    fit: Fit = (
        "unlikely" if "not_met" in statuses else "possible" if "unknown" in statuses else "likely"
    )
    return FundingOption(
        key=product.key,
        name=product.name,
        fit=fit,
        criteria=criteria,
        amount=product.amount(inputs),
        doc=product.doc,
    )
