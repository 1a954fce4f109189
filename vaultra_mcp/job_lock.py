"""Cross-process mutual exclusion for jobs.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the whole run, so
two schedulers on one database never run the same job at once. SQLite (one machine by nature):
an exclusive ``flock`` on a file beside the database.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text

from vaultra_mcp.db import Database


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock``."""
    return int.from_bytes(
        hashlib.sha256(f"vaultra-job:{name}".encode()).digest()[:8], "big", signed=True
    )


@asynccontextmanager
async def job_lock(db: Database, name: str) -> AsyncIterator[bool]:
    """Yields True when this process holds the lock for ``name``, False when another does."""
    if db.dialect == "postgresql":
        async with _advisory_lock(db, name) as held:
            yield held
    else:
        with _file_lock(db, name) as held:
            yield held


@asynccontextmanager
async def _advisory_lock(db: Database, name: str) -> AsyncIterator[bool]:
    key = lock_key(name)
    async with db.engine.connect() as conn:
        held = bool(
            (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar()
        )
        await conn.commit()
        try:
            yield held
        finally:
            if held:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await conn.commit()


class _file_lock:
    def __init__(self, db: Database, name: str) -> None:
        database = db.url.database or ""
        self.path = None if database in ("", ":memory:") else Path(f"{database}.{name}.lock")
        self.fd: int | None = None

    def __enter__(self) -> bool:
        if self.path is None:
            return True
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            self.fd = None
            return False
        return True

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
