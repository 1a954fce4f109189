"""Clean test databases, fast: migrate (and seed) a template once, copy it per test.

SQLite templates are files copied per test. PostgreSQL templates are databases, and each test
gets ``CREATE DATABASE ... TEMPLATE``, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from tests.factories import AS_OF, settings_for
from vaultra_mcp.clock import FixedClock
from vaultra_mcp.db import Database, parse_database_url
from vaultra_mcp.migrate import upgrade
from vaultra_mcp.services.deps import Deps

PG_ENV = "VAULTRA_TEST_DATABASE_URL"


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


Seeder = Callable[[Deps], Awaitable[None]]


async def _prepare(url: str, seed: Seeder | None) -> None:
    db = Database(parse_database_url(url))
    try:
        await upgrade(db)
        if seed is not None:
            deps = Deps.build(settings_for(url), clock=FixedClock(AS_OF))
            try:
                await seed(deps)
            finally:
                await deps.close()
    finally:
        await db.dispose()


class SqliteTemplates:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, Path] = {}

    def template(self, name: str, seed: Seeder | None) -> Path:
        if name not in self.files:
            path = self.root / f"{name}.db"
            asyncio.run(_prepare(f"sqlite+aiosqlite:///{path}", seed))
            self.files[name] = path
        return self.files[name]

    def copy(self, name: str, seed: Seeder | None, target: Path) -> str:
        shutil.copyfile(self.template(name, seed), target)
        return f"sqlite+aiosqlite:///{target}"


class PostgresTemplates:
    """Databases named vaultra_tpl_* on the server VAULTRA_TEST_DATABASE_URL points at."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url).set(drivername="postgresql+asyncpg")
        self.made: set[str] = set()
        self.run = os.getpid()

    def _dsn(self, database: str) -> str:
        return self.url.set(drivername="postgresql", database=database).render_as_string(
            hide_password=False
        )

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(self._dsn(self.url.database or "postgres"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def template(self, name: str, seed: Seeder | None) -> str:
        database = f"vaultra_tpl_{name}_{self.run}"
        if database not in self.made:
            asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{database}"'))
            asyncio.run(self._admin(f'CREATE DATABASE "{database}"'))
            asyncio.run(_prepare(self._url(database), seed))
            self.made.add(database)
        return database

    def _url(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def copy(self, name: str, seed: Seeder | None) -> tuple[str, Callable[[], None]]:
        template = self.template(name, seed)
        database = f"vaultra_t_{uuid.uuid4().hex[:12]}"
        asyncio.run(self._admin(f'CREATE DATABASE "{database}" TEMPLATE "{template}"'))

        def drop() -> None:
            asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))

        return self._url(database), drop

    def cleanup(self) -> None:
        for database in self.made:
            asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
