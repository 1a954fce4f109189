"""Every number the readiness score judges against, with where it comes from.

This module is the single home of the score's thresholds: the scorer, the recommendations, the
``vaultra://method/readiness`` resource and the knowledge document that explains the score all
read them from here (a test checks the document against these values). Sources are sections of
DOMAIN.md and the public pages behind them; bands marked *internal* are Vaultra's own synthesis
(DOMAIN.md §7) and say so wherever they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["higher_is_better", "lower_is_better"]


@dataclass(frozen=True, slots=True)
class Source:
    """A citation: the DOMAIN.md section, the public page, and whether the band is our own."""

    section: str
    url: str
    internal: bool = False

    def label(self) -> str:
        kind = "Vaultra internal band, informed by " if self.internal else ""
        return f"{kind}{self.section}"


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
STRIPE_ELIGIBILITY = "https://rp.liu233w.com:443/https/stripe.com/nz/docs/capital/eligibility"
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

PROCESSING_HISTORY = Scale(
    metric="months_of_history",
    unit="months",
    direction="higher_is_better",
    bands=(
        Band(24, 15, "two years, what banks and SBA lenders typically expect"),
        Band(
            12, 12, "a year, the top of online lenders' 6-12 months and some Clearco FAQ versions"
        ),
        Band(9, 9, "Stripe Capital's current 9-month minimum"),
        Band(6, 6, "the 6 months most merchant cash advance and online lenders ask for"),
        Band(3, 2, "enough to compute metrics, below most lenders' minimums"),
    ),
    floor_points=0,
    floor_meaning="under 3 months: too little history to judge",
    source=Source("DOMAIN.md §1.8, §1.4, §1.7, §7 (Stripe Capital eligibility)", STRIPE_CAPITAL),
)

# Annual volume in US cents: thresholds are published in US dollars.
REVENUE_SCALE = Scale(
    metric="annual_volume",
    unit="USD cents per year",
    direction="higher_is_better",
    bands=(
        Band(250_000_00, 15, "$250K+, the typical bank line-of-credit revenue floor"),
        Band(100_000_00, 12, "$100K+, the minimum brokers cite for SBA 7(a)"),
        Band(50_000_00, 8, "$50K+, the low end of online line-of-credit minimums"),
        Band(5_000_00, 4, "$5K+, Stripe Capital's minimum yearly processing volume"),
    ),
    floor_points=0,
    floor_meaning="under $5K a year: below Stripe Capital's processing floor",
    source=Source("DOMAIN.md §1.4, §1.2, §1.8, §7", LOC_TABLE),
)

REVENUE_GROWTH = Scale(
    metric="growth_pct",
    unit="%",
    direction="higher_is_better",
    bands=(
        Band(10, 15, "growing 10% or more"),
        Band(0, 12, "growing"),
        Band(-10, 8, "slightly down"),
        Band(-25, 4, "declining"),
    ),
    floor_points=0,
    floor_meaning="down more than 25%: lenders read a steep decline as falling repayment capacity",
    source=Source("DOMAIN.md §1.8 (Stripe: 'a growing business'), §3", STRIPE_ELIGIBILITY, True),
)

REVENUE_STABILITY = Scale(
    metric="volatility_cv",
    unit="coefficient of variation of monthly volume",
    direction="lower_is_better",
    bands=(
        Band(0.25, 10, "steady month to month"),
        Band(0.5, 7, "some swings"),
        Band(0.8, 4, "large swings"),
    ),
    floor_points=1,
    floor_meaning="very uneven months",
    source=Source(
        "DOMAIN.md §3, §1.8 (Stripe: 'a steady processing record')", STRIPE_ELIGIBILITY, True
    ),
)
LOW_MONTH_PENALTY = 2  # points off stability for each low- or zero-volume month in the last 12

DISPUTE_ACTIVITY = Scale(
    metric="dispute_activity_pct",
    unit="% of payments, trailing 90 days, by dispute date",
    direction="lower_is_better",
    bands=(
        Band(0.3, 20, "under 0.3%, best practice", inclusive=False),
        Band(0.75, 14, "watch zone, under Vaultra's 0.75% internal warning line", inclusive=False),
        Band(1.0, 8, "at or over the 0.75% internal warning line", inclusive=False),
        Band(1.5, 4, "at or over 1%, Mastercard's monitored-merchant ratio", inclusive=False),
    ),
    floor_points=0,
    floor_meaning=(
        "at or over 1.5%: Visa VAMP's merchant 'excessive' ratio from April 1, 2026 "
        "and Mastercard's excessive-chargeback ratio"
    ),
    source=Source("DOMAIN.md §2.1, §2.2, §2.3, §7", STRIPE_DISPUTES),
)
MASTERCARD_CMM_MIN_COUNT = 100  # chargebacks in a month before CMM applies (DOMAIN.md §2.2)
VAMP_MIN_COUNT = 1_500  # fraud + disputes a month before VAMP merchant thresholds apply (§2.1)

REFUND_RATE = Scale(
    metric="refund_ratio",
    unit="refund rate divided by the category norm",
    direction="lower_is_better",
    bands=(
        Band(1.0, 5, "at or under the category norm"),
        Band(1.5, 3, "up to 1.5 times the category norm"),
        Band(2.0, 1, "up to twice the category norm"),
    ),
    floor_points=0,
    floor_meaning="more than twice the category norm",
    source=Source(
        "DOMAIN.md §2.4 (judge refunds against category norms)",
        "https://redstagfulfillment.com/average-return-rates-for-ecommerce",
        True,
    ),
)


@dataclass(frozen=True, slots=True)
class RefundNorm:
    rate_pct: float
    basis: str
    url: str
    published: bool = True


REDSTAG = "https://redstagfulfillment.com/average-return-rates-for-ecommerce"
IN_STORE = RefundNorm(
    8.9,
    "the in-store return rate; no published norm for this category",
    "https://patternowl.com/blog/ecommerce-return-rate-benchmarks",
    published=False,
)
REFUND_NORMS: dict[str, RefundNorm] = {
    "ecommerce_apparel": RefundNorm(30.0, "apparel returns run 30-40%", REDSTAG),
    "ecommerce_electronics": RefundNorm(8.0, "electronics returns run 8-10%", REDSTAG),
    "ecommerce_beauty": RefundNorm(4.0, "beauty returns run 4-10%", REDSTAG),
    "ecommerce_general": RefundNorm(
        16.9,
        "retailers expected 16.9% of 2024 sales to be returned (NRF)",
        "https://www.dcvelocity.com/e-commerce-retailers-brace-for-surge-in-returns",
    ),
    "retail_in_store": RefundNorm(8.9, "in-store purchases return at about 8.9%", IN_STORE.url),
}
INDUSTRIES: tuple[str, ...] = (
    "saas",
    "ecommerce_apparel",
    "ecommerce_electronics",
    "ecommerce_beauty",
    "ecommerce_general",
    "retail_in_store",
    "professional_services",
    "food_and_beverage",
    "other",
)


def refund_norm(industry: str) -> RefundNorm:
    return REFUND_NORMS.get(industry, IN_STORE)


CUSTOMER_CONCENTRATION = Scale(
    metric="top_customer_share_pct",
    unit="% of trailing-year volume from the largest customer",
    direction="lower_is_better",
    bands=(
        Band(20, 10, "under 20%, what many lenders see as low risk", inclusive=False),
        Band(25, 7, "20-25%, just under the common 25% red flag"),
        Band(50, 3, "over 25%, a common lender red flag"),
    ),
    floor_points=0,
    floor_meaning="over 50% from one customer, which many lenders treat as high risk",
    source=Source("DOMAIN.md §3 (customer concentration)", CONCENTRATION),
)
TOP3_FLAG_PCT = 50.0  # top three customers over 50% is a common flag (DOMAIN.md §3)
TOP3_FLAG_MAX_POINTS = 3

CUSTOMER_BASE = Scale(
    metric="distinct_customers",
    unit="paying customers, trailing 12 months",
    direction="higher_is_better",
    bands=(
        Band(100, 5, "a broad customer base"),
        Band(25, 3, "a modest customer base"),
        Band(10, 1, "a small customer base"),
    ),
    floor_points=0,
    floor_meaning="fewer than 10 customers",
    source=Source(
        "DOMAIN.md §1.8 (Stripe weighs the size of the customer base)", STRIPE_ELIGIBILITY, True
    ),
)

PAYOUT_HEALTH = Scale(
    metric="failed_payouts",
    unit="failed payouts, trailing 12 months",
    direction="lower_is_better",
    bands=(
        Band(0, 5, "no failed payouts"),
        Band(1, 2, "one failed payout"),
    ),
    floor_points=0,
    floor_meaning="repeated failed payouts, the processor analogue of NSFs and overdrafts",
    source=Source(
        "DOMAIN.md §3, §7 (lenders count NSFs and overdrafts against you)", CREDIBLY, True
    ),
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
    Tier("not_ready", "Not ready yet", 0, "most lenders would decline today"),
)
INSUFFICIENT_TIER = Tier(
    "insufficient_data", "Not enough history", 0, "under 3 months of payments to judge"
)
TIER_SOURCE = Source("DOMAIN.md §6 (Bankable One capital readiness bands)", BANKABLE)

MIN_MONTHS_FOR_SCORE = 3.0
SHORT_HISTORY_MONTHS = 6.0
SHORT_HISTORY_CAP = 59  # under 6 months most lenders' minimums are unmet: never above "not ready"
STALE_AFTER_DAYS = 31  # no payment for a month: the data may not describe the business today
LOW_SAMPLE_CHARGES = 30  # fewer payments than this in 90 days make the ratios noisy
