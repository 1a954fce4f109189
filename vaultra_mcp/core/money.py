"""Money as people read it: integer minor units with a currency, formatted one way everywhere."""

from __future__ import annotations

SYMBOLS = {"usd": "$"}


def format_money(minor_units: int | float | None, currency: str = "usd") -> str:
    """``12345678`` -> ``$123,457``; cents only for small amounts that have them: ``$4.50``."""
    if minor_units is None:
        return "unknown"
    value = minor_units / 100
    prefix = SYMBOLS.get(currency.lower(), f"{currency.upper()} ")
    whole = abs(value) >= 1_000 or value == int(value)
    return f"{prefix}{value:,.0f}" if whole else f"{prefix}{value:,.2f}"
