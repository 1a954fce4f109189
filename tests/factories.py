"""Shared test data: a fixed clock, settings literals, and row builders."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vaultra_mcp.settings import Settings

AS_OF = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
HASH_KEY = b"vaultra-development-only-secret-change-me"


KNOWLEDGE_INDEX = Path(tempfile.gettempdir()) / f"vaultra-test-knowledge-{os.getpid()}.sqlite"


# A test's clock stands still, so every call it makes lands in one rate-limit window: limits
# high enough for any test; the tests of the limits set their own.
UNLIMITED: dict[str, Any] = {
    "chat_turns_per_user": 1_000_000,
    "chat_turns_per_business": 1_000_000,
    "tool_calls_per_user": 1_000_000,
}


def settings_for(database_url: str, **overrides: Any) -> Settings:
    """Settings for a test: its database, the repo's corpus and a per-run knowledge index,
    and ``overrides`` as ``Settings.changed`` takes them (``http={"cors_origins": "*"}``)."""
    base = Settings(
        env="test",
        database={"url": database_url},
        knowledge={"index": str(KNOWLEDGE_INDEX)},
        limits=UNLIMITED,
    )
    return base.changed(**overrides)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())
