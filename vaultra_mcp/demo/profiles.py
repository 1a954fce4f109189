"""The demo businesses: six named profiles, each built to show one thing a lender cares about.

Volumes are in dollars per calendar month; the generator turns them into Stripe-shaped charges,
refunds, disputes and payouts. ``weakest`` names the score component the profile is designed to
make weakest (None for the healthy one), and a test holds the generated data to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

# Monthly shape of an apparel retailer: quiet winter, spring/summer, a holiday peak.
SEASONAL_SHAPE = (
    2_000,
    1_500,
    6_000,
    9_000,
    11_000,
    12_000,
    10_000,
    9_000,
    10_000,
    16_000,
    38_000,
    45_000,
)


@dataclass(frozen=True, slots=True)
class Profile:
    key: str
    name: str
    industry: str
    country: str
    entity_type: str
    founded_on: date
    months: int  # months of history before the current month
    volume: Callable[[int, int], float]  # (month number from the start, calendar month 1-12) -> $
    average_ticket: float
    customer_pool: int
    refund_rate: float  # share of charges refunded (by count)
    dispute_rate: float  # share of charges disputed
    failed_payouts: tuple[int, ...] = ()  # weeks before as_of with a failed payout
    anchor_share: float = 0.0  # share of volume from one customer (B2B)
    funding_goal: int | None = None  # dollars
    funding_purpose: str | None = None
    weakest: str | None = None
    owner: str = ""


PROFILES: tuple[Profile, ...] = (
    Profile(
        key="steady_saas",
        name="Northwind Analytics",
        industry="saas",
        country="US",
        entity_type="llc",
        founded_on=date(2019, 3, 1),
        months=24,
        volume=lambda m, _: 30_000 * 1.005**m,
        average_ticket=150.0,
        customer_pool=320,
        refund_rate=0.012,
        dispute_rate=0.001,
        funding_goal=250_000,
        funding_purpose="Hire two engineers",
        weakest=None,
        owner="maya@northwind.example",
    ),
    Profile(
        key="seasonal_retailer",
        name="Harbor & Pine Outfitters",
        industry="ecommerce_apparel",
        country="US",
        entity_type="llc",
        founded_on=date(2016, 9, 1),
        months=24,
        volume=lambda m, month: SEASONAL_SHAPE[month - 1] * (1.0 + 0.04 * (m // 12)),
        average_ticket=85.0,
        customer_pool=1_500,
        refund_rate=0.2,
        dispute_rate=0.002,
        funding_goal=60_000,
        funding_purpose="Holiday inventory",
        weakest="revenue_stability",
        owner="maya@northwind.example",
    ),
    Profile(
        key="chargeback_shop",
        name="Voltline Gadgets",
        industry="ecommerce_electronics",
        country="US",
        entity_type="corporation",
        founded_on=date(2023, 1, 15),
        months=18,
        volume=lambda m, _: 40_000 * (1.0 + 0.008 * m),
        average_ticket=120.0,
        customer_pool=2_500,
        refund_rate=0.06,
        dispute_rate=0.017,
        funding_goal=100_000,
        funding_purpose="Inventory for a new product line",
        weakest="dispute_activity",
        owner="devon@voltline.example",
    ),
    Profile(
        key="concentrated_agency",
        name="Brightside Creative",
        industry="professional_services",
        country="US",
        entity_type="llc",
        founded_on=date(2021, 6, 1),
        months=20,
        volume=lambda m, _: 30_000 * (1.0 + 0.006 * m),
        average_ticket=2_500.0,
        customer_pool=8,
        refund_rate=0.0,
        dispute_rate=0.0,
        anchor_share=0.65,
        funding_goal=75_000,
        funding_purpose="Working capital between client payments",
        weakest="customer_concentration",
        owner="priya@brightside.example",
    ),
    Profile(
        key="declining_business",
        name="Old Mill Bakery",
        industry="food_and_beverage",
        country="US",
        entity_type="llc",
        founded_on=date(2012, 4, 1),
        months=24,
        volume=lambda m, _: 32_000 * 0.92**m,
        average_ticket=18.0,
        customer_pool=4_000,
        refund_rate=0.01,
        dispute_rate=0.001,
        failed_payouts=(3, 11, 20),
        funding_goal=40_000,
        funding_purpose="Replace an oven",
        weakest="revenue_growth",
        owner="tom@oldmill.example",
    ),
    Profile(
        key="young_startup",
        name="Sprout Meal Kits",
        industry="food_and_beverage",
        country="US",
        entity_type="llc",
        founded_on=date(2026, 6, 1),
        months=4,
        volume=lambda m, _: 4_000 + 2_000 * m,
        average_ticket=60.0,
        customer_pool=220,
        refund_rate=0.03,
        dispute_rate=0.002,
        funding_goal=30_000,
        funding_purpose="Kitchen equipment",
        weakest="processing_history",
        owner="sam@sprout.example",
    ),
)

OWNERS: dict[str, str] = {
    "maya@northwind.example": "Maya Chen",
    "devon@voltline.example": "Devon Park",
    "priya@brightside.example": "Priya Nair",
    "tom@oldmill.example": "Tom Okafor",
    "sam@sprout.example": "Sam Rivera",
}

EXPECTED_RANKING: tuple[str, ...] = (
    "steady_saas",
    "seasonal_retailer",
    "concentrated_agency",
    "chargeback_shop",
    "declining_business",
    "young_startup",
)


def profile(key: str) -> Profile:
    return next(p for p in PROFILES if p.key == key)
