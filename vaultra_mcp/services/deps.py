"""The collaborators every service takes, built once per process in a lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field

from vaultra_mcp.clock import Clock, SystemClock
from vaultra_mcp.db import Database, parse_database_url
from vaultra_mcp.settings import Settings


@dataclass(frozen=True)
class Deps:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Deps:
        db = Database(parse_database_url(settings.database_url))
        return cls(settings=settings, db=db, clock=clock or SystemClock())

    async def close(self) -> None:
        await self.db.dispose()
