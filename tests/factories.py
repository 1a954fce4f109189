"""Shared test data: a fixed clock, settings literals, and row builders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vaultra_mcp.settings import Settings

AS_OF = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
HASH_KEY = b"vaultra-development-only-secret-change-me"


def test_settings(database_url: str, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, env="test", **overrides)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())
