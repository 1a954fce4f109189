"""The collaborators every service takes, built once per process in a lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field

from vaultra_mcp.background import Background
from vaultra_mcp.batching import Batches
from vaultra_mcp.clock import Clock, SystemClock
from vaultra_mcp.db import Database, parse_database_url
from vaultra_mcp.memo import ExpiringMemo, Memo
from vaultra_mcp.services.knowledge import KnowledgeBase
from vaultra_mcp.settings import Settings

# How long a finished tool result may be reused (see server/caching.py): the most a clock-derived
# field (a score going stale) can lag.
RESULT_TTL_SECONDS = 60.0


def _results() -> ExpiringMemo:
    return ExpiringMemo(RESULT_TTL_SECONDS)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    db: Database
    clock: Clock
    knowledge: KnowledgeBase
    memo: Memo = field(default_factory=Memo)
    results: ExpiringMemo = field(default_factory=_results)
    batches: Batches = field(default_factory=Batches)
    background: Background = field(default_factory=Background)

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Deps:
        """Nothing connects here: the database and the knowledge index open on first use."""
        return cls(
            settings=settings,
            db=Database(
                parse_database_url(settings.database.url),
                command_timeout=settings.database.db_command_timeout,
            ),
            clock=clock or SystemClock(),
            knowledge=KnowledgeBase(settings),
        )

    async def close(self) -> None:
        await self.background.close()
        await self.batches.close()
        await self.knowledge.close()
        await self.db.dispose()
