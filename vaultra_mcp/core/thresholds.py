"""Every number the readiness score judges against, with where it comes from.

This module is the single home of the score's thresholds: the scorer, the recommendations, the
``vaultra://method/readiness`` resource and the knowledge document that explains the score all
read them from here (a test checks the document against these values). Each scale cites the
public page it rests on (the DOMAIN.md section behind it is noted beside it, for us); bands marked
*internal* are Vaultra's own synthesis (DOMAIN.md §7) and say so wherever they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Direction = Literal["higher_is_better", "lower_is_better"]


@dataclass(frozen=True, slots=True)
class Source:
    """A public page a threshold rests on, and whether the band itself is Vaultra's own."""

    title: str
    url: str
    internal: bool = False

    def label(self) -> str:
        return f"{self.title} (Vaultra internal band)" if self.internal else self.title


@dataclass(frozen=True, slots=True)
class Band:
    """Points for a value at or beyond ``bound`` (or strictly beyond it when not inclusive)."""

    bound: float
    points: int
    meaning: str
    inclusive: bool = True


@dataclass(frozen=True, slots=True)
class Scale:
    """How one metric turns into points: bands ordered best first, then a floor."""

    metric: str
    unit: str
    direction: Direction
    bands: tuple[Band, ...]
    floor_points: int
    floor_meaning: str
    source: Source
    shown: str = "{:g}"  # how a bound reads to an owner
    shown_per: float = 1  # divide a bound by this before showing it (cents to dollars)
    note: str = ""  # one more fact a model or owner should weigh beside the full-points line

    @property
    def threshold(self) -> str:
        """The full-points line, written from the top band so text and numbers cannot drift."""
        top = self.bands[0]
        bound = self.shown.format(top.bound / self.shown_per)
        if self.direction == "higher_is_better":
            clause = f"{bound} or more" if top.inclusive else f"over {bound}"
        elif top.bound == 0:
            clause = bound
        else:
            clause = f"{bound} or less" if top.inclusive else f"under {bound}"
        return f"{clause} for full points" + (f"; {self.note}" if self.note else "")

    @property
    def max_points(self) -> int:
        return self.bands[0].points

    @property
    def unknown_points(self) -> int:
        """A metric that cannot be measured earns half: neither credit nor blame."""
        return self.max_points // 2

    def band_for(self, value: float) -> Band | None:
        for band in self.bands:
            if self.direction == "higher_is_better":
                hit = value >= band.bound if band.inclusive else value > band.bound
            else:
                hit = value <= band.bound if band.inclusive else value < band.bound
            if hit:
                return band
        return None

    def points_for(self, value: float) -> int:
        band = self.band_for(value)
        return band.points if band else self.floor_points


STRIPE_CAPITAL = "https://docs.stripe.com/capital"
STRIPE_ELIGIBILITY = "https://docs.stripe.com/capital/eligibility"
STRIPE_DISPUTES = "https://docs.stripe.com/disputes/measuring"
CHECKOUT_VAMP = (
    "https://support.checkout.com/hc/en-us/articles/"
    "23330844282514-What-are-the-thresholds-for-disputes-and-fraud-under-Visa-s-Acquirer-Monitoring-Program-VAMP"
)
CONCENTRATION = "https://finhelp.io/glossary/how-lenders-evaluate-customer-concentration-risk-for-business-loans/"
LOC_TABLE = "https://www.businessloanchecker.com/qualify/line-of-credit"
CREDIBLY = (
    "https://www.credibly.com/incredibly/trending/"
    "what-does-credibly-look-for-when-funding-a-small-business/"
)
BANKABLE = "https://bankable.one/glossary/capital-readiness-score"

STRIPE_CAPITAL_MONTHS = 9

PROCESSING_HISTORY = Scale(
    metric="months_of_history",
    unit="months",
    direction="higher_is_better",
    bands=(
        Band(24, 15, "the bank and SBA norm of two years"),
        Band(12, 12, "meets most online lenders' 6-12 months"),
        Band(STRIPE_CAPITAL_MONTHS, 9, f"meets Stripe Capital's {STRIPE_CAPITAL_MONTHS} months"),
        Band(6, 6, "meets typical cash-advance minimums"),
        Band(3, 2, "below most lenders' minimums"),
    ),
    floor_points=0,
    floor_meaning="too little history to judge",
    source=Source("Stripe Docs: Capital", STRIPE_CAPITAL),  # DOMAIN.md §1.8
    shown="{:g} months",
    note=f"Stripe Capital needs {STRIPE_CAPITAL_MONTHS}",
)

# Annual volume in US cents: thresholds are published in US dollars.
REVENUE_SCALE = Scale(
    metric="annual_volume",
    unit="USD cents per year",
    direction="higher_is_better",
    bands=(
        Band(250_000_00, 15, "meets bank line-of-credit floors"),
        Band(100_000_00, 12, "meets SBA brokers' $100K minimum"),
        Band(50_000_00, 8, "meets online credit-line minimums"),
        Band(5_000_00, 4, "meets Stripe Capital's $5K floor only"),
    ),
    floor_points=0,
    floor_meaning="below Stripe Capital's $5K floor",
    source=Source("Business Loan Checker: line of credit requirements", LOC_TABLE),  # §1.4
    shown="${:,.0f} a year",
    shown_per=100,
)

REVENUE_GROWTH = Scale(
    metric="growth_pct",
    unit="%",
    direction="higher_is_better",
    bands=(
        Band(10, 15, "strong growth"),
        Band(0, 12, "growing"),
        Band(-10, 8, "slightly down"),
        Band(-25, 4, "declining"),
    ),
    floor_points=0,
    floor_meaning="a steep decline lenders read as falling capacity to repay",
    source=Source("Stripe Docs: Capital eligibility", STRIPE_ELIGIBILITY, True),  # §1.8
    shown="{:+g}%",
)

REVENUE_STABILITY = Scale(
    metric="volatility_cv",
    unit="coefficient of variation of monthly volume",
    direction="lower_is_better",
    bands=(
        Band(0.25, 10, "steady"),
        Band(0.5, 7, "some swings"),
        Band(0.8, 4, "large swings"),
    ),
    floor_points=1,
    floor_meaning="very uneven months",
    source=Source("Stripe Docs: Capital eligibility", STRIPE_ELIGIBILITY, True),  # §3
    shown="CV {:g}",
    note="no low months",
)
LOW_MONTH_PENALTY = 2  # points off stability for each low- or zero-volume month in the last 12

MASTERCARD_MONITORING_PCT = 1.0
VISA_EXCESSIVE_PCT = 1.5

DISPUTE_ACTIVITY = Scale(
    metric="dispute_activity_pct",
    unit="% of payments, trailing 90 days, by dispute date",
    direction="lower_is_better",
    bands=(
        Band(0.3, 20, "best practice", inclusive=False),
        Band(0.75, 14, "watch zone", inclusive=False),
        Band(
            MASTERCARD_MONITORING_PCT,
            8,
            "over Vaultra's 0.75% internal warning line",
            inclusive=False,
        ),
        Band(
            VISA_EXCESSIVE_PCT,
            4,
            f"at Mastercard's {MASTERCARD_MONITORING_PCT:g}% monitoring ratio",
            inclusive=False,
        ),
    ),
    floor_points=0,
    floor_meaning=(
        f"at the {VISA_EXCESSIVE_PCT:g}% excessive ratio of Visa VAMP (from Apr 1, 2026) "
        "and Mastercard"
    ),
    source=Source("Stripe Docs: Measuring disputes", STRIPE_DISPUTES),  # DOMAIN.md §2.1-2.3
    shown="{:g}%",
    note=f"{MASTERCARD_MONITORING_PCT:g}% Mastercard, {VISA_EXCESSIVE_PCT:g}% Visa",
)
MASTERCARD_CMM_MIN_COUNT = 100  # chargebacks in a month before CMM applies (DOMAIN.md §2.2)
VAMP_MIN_COUNT = 1_500  # fraud + disputes a month before VAMP merchant thresholds apply (§2.1)

REDSTAG = "https://redstagfulfillment.com/average-return-rates-for-ecommerce"
REFUND_RATE = Scale(
    metric="refund_ratio",
    unit="refund rate divided by the category norm",
    direction="lower_is_better",
    bands=(
        Band(1.0, 5, "within the category norm"),
        Band(1.5, 3, "above the norm"),
        Band(2.0, 1, "well above the norm"),
    ),
    floor_points=0,
    floor_meaning="over twice the norm",
    source=Source("Red Stag Fulfillment: e-commerce return rates", REDSTAG, True),  # §2.4
)


@dataclass(frozen=True, slots=True)
class RefundNorm:
    rate_pct: float
    basis: str
    url: str
    published: bool = True


IN_STORE = RefundNorm(
    8.9,
    "in-store return rate; no published norm for this category",
    "https://patternowl.com/blog/ecommerce-return-rate-benchmarks",
    published=False,
)
REFUND_NORMS: dict[str, RefundNorm] = {
    "ecommerce_apparel": RefundNorm(30.0, "apparel 30-40%", REDSTAG),
    "ecommerce_electronics": RefundNorm(8.0, "electronics 8-10%", REDSTAG),
    "ecommerce_beauty": RefundNorm(4.0, "beauty 4-10%", REDSTAG),
    "ecommerce_general": RefundNorm(
        16.9,
        "NRF: 16.9% of 2024 retail sales",
        "https://www.dcvelocity.com/e-commerce-retailers-brace-for-surge-in-returns",
    ),
    "retail_in_store": RefundNorm(8.9, "in-store returns", IN_STORE.url),
}
Industry = Literal[
    "saas",
    "ecommerce_apparel",
    "ecommerce_electronics",
    "ecommerce_beauty",
    "ecommerce_general",
    "retail_in_store",
    "professional_services",
    "food_and_beverage",
    "other",
]
INDUSTRIES: tuple[Industry, ...] = get_args(Industry)


def refund_norm(industry: str) -> RefundNorm:
    return REFUND_NORMS.get(industry, IN_STORE)


TOP3_FLAG_PCT = 50.0  # top three customers over 50% is a common flag (DOMAIN.md §3)
CUSTOMER_CONCENTRATION = Scale(
    metric="top_customer_share_pct",
    unit="% of trailing-year volume from the largest customer",
    direction="lower_is_better",
    bands=(
        Band(20, 10, "low risk", inclusive=False),
        Band(25, 7, "near the common 25% red flag"),
        Band(50, 3, "a common lender red flag"),
    ),
    floor_points=0,
    floor_meaning="high risk to many lenders",
    source=Source("FinHelp: customer concentration risk", CONCENTRATION),  # §3
    shown="{:g}% from the largest customer",
    note=f"top three {TOP3_FLAG_PCT:g}% or less",
)
TOP3_FLAG_MAX_POINTS = 3

CUSTOMER_BASE = Scale(
    metric="distinct_customers",
    unit="paying customers, trailing 12 months",
    direction="higher_is_better",
    bands=(
        Band(100, 5, "a broad base"),
        Band(25, 3, "a modest base"),
        Band(10, 1, "a small base"),
    ),
    floor_points=0,
    floor_meaning="very few customers",
    source=Source("Stripe Docs: Capital eligibility", STRIPE_ELIGIBILITY, True),  # §1.8
    shown="{:g} customers",
)

PAYOUT_HEALTH = Scale(
    metric="failed_payouts",
    unit="failed payouts, trailing 12 months",
    direction="lower_is_better",
    bands=(
        Band(0, 5, "none failed"),
        Band(1, 2, "one failed"),
    ),
    floor_points=0,
    floor_meaning="repeated failures, like NSFs to a lender",
    source=Source("Credibly: what we look for", CREDIBLY, True),  # DOMAIN.md §3
    shown="no failed payouts",
)


@dataclass(frozen=True, slots=True)
class Tier:
    key: str
    label: str
    min_score: int
    meaning: str


# Bankable One's capital-readiness bands (DOMAIN.md §6): 80s engage, 60-70s fix, <60 not ready.
TIERS: tuple[Tier, ...] = (
    Tier("lender_ready", "Lender-ready", 80, "banks and SBA lenders are likely to engage"),
    Tier("needs_work", "One or two fixes away", 60, "one or two fixes needed before applying"),
    Tier("not_ready", "Not ready yet", 0, "not ready for most lenders yet"),
)
INSUFFICIENT_TIER = Tier(
    "insufficient_data", "Not enough history", 0, "under 3 months of payments to judge"
)
TIER_SOURCE = Source("Bankable One: capital readiness score", BANKABLE)

MIN_MONTHS_FOR_SCORE = 3.0
SHORT_HISTORY_MONTHS = 6.0
SHORT_HISTORY_CAP = 59  # under 6 months most lenders' minimums are unmet: never above "not ready"
STALE_AFTER_DAYS = 31  # no payment for a month: the data may not describe the business today
LOW_SAMPLE_CHARGES = 30  # fewer payments than this in 90 days make the ratios noisy


def benchmarks(industry: str) -> dict[str, str]:
    """What each metric is judged against, in one line, from the same constants the score uses."""
    norm = refund_norm(industry)
    return {
        "months_of_history": "9 months for Stripe Capital; 6-12 online lenders; 24 banks and SBA",
        "annual_volume_run_rate": "$5K Stripe Capital; $50K-$100K online credit lines; "
        "$100K SBA (brokers); $250K bank lines",
        "growth_pct": "growth earns full points at +10%; Stripe favors a growing business",
        "volatility_cv": "0.25 or less is steady; over 0.8 is very uneven",
        "low_volume_months": "0; Stripe looks for few low or zero-volume periods",
        "dispute_activity_pct": "under 0.3% best practice; 0.75% internal warning; 1% Mastercard "
        "CMM; 1.5% Visa VAMP (from Apr 1, 2026) and Mastercard ECM",
        "refund_rate_pct": f"{norm.rate_pct:g}% ({norm.basis})",
        "top_customer_share_pct": "under 20% low risk; over 25% a red flag; over 50% high risk",
        "top3_customer_share_pct": "50% or less; more is a common lender flag",
        "distinct_customers": "100+ is a broad base",
        "failed_payouts": "0; lenders count NSFs and overdrafts against you",
    }
