"""Text we can store: databases refuse NUL characters and unpaired surrogates (PostgreSQL
errors on both), so input carrying them is refused at the door instead of failing mid-write."""

from __future__ import annotations

from typing import Any


def storable(value: Any) -> bool:
    """True when every string in ``value`` (nested lists and dicts too) can be stored."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable(k) and storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable(item) for item in value)
    return True
