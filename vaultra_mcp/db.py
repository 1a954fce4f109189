"""Database connection: one async engine per process, SQLite or PostgreSQL.

SQLite gets WAL, foreign keys and a busy timeout on every connection; PostgreSQL sessions run in
UTC so calendar months group the same way on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import String

from vaultra_mcp.errors import ConfigurationError, StoreUnavailable

ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def parse_database_url(raw: str) -> URL:
    """The async URL for ``raw``, or ``ConfigurationError`` naming what is wrong with it."""
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise ConfigurationError(
            f"DATABASE_URL is malformed: {_redact(raw)!r} (expected sqlite+aiosqlite:///path "
            "or postgresql+asyncpg://user@host/db)"
        ) from None
    driver = ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise ConfigurationError(
            f"DATABASE_URL uses unsupported driver {url.drivername!r}; use sqlite+aiosqlite "
            "or postgresql+asyncpg"
        )
    url = url.set(drivername=driver)
    if driver.startswith("postgresql") and not url.database:
        raise ConfigurationError("DATABASE_URL names no PostgreSQL database")
    if driver.startswith("sqlite") and not url.database:
        raise ConfigurationError(
            "DATABASE_URL names no SQLite file (use sqlite+aiosqlite:///./vaultra.db)"
        )
    return url


def _redact(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except ArgumentError:
        return raw.split("@")[-1] if "@" in raw else raw


def describe(url: URL) -> str:
    """Where the database is, with no password, for messages and logs."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    return f"PostgreSQL {url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


CONNECT_TIMEOUT_SECONDS = 10.0


def create_engine(url: URL, *, command_timeout: float | None = None, **kwargs: Any) -> AsyncEngine:
    """``command_timeout`` (PostgreSQL): how long a statement, the pool's pre-ping included,
    may go unanswered before it fails; connecting waits at most that long too."""
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {
        "server_settings": {"timezone": "UTC"},
        "timeout": min(CONNECT_TIMEOUT_SECONDS, command_timeout or CONNECT_TIMEOUT_SECONDS),
        "command_timeout": command_timeout,
    }
    return create_async_engine(
        url, connect_args=connect_args, pool_pre_ping=True, pool_size=10, **kwargs
    )


class Database:
    """The engine and its session factory; built once in a lifespan and passed down."""

    def __init__(
        self, url: URL, *, command_timeout: float | None = None, **engine_kwargs: Any
    ) -> None:
        self.url = url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            with suppress(OSError):  # unwritable: connecting then fails with a clear message
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, command_timeout=command_timeout, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the database answers."""
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except Exception as exc:  # any driver error means "not reachable" here
            raise StoreUnavailable(
                f"cannot reach {describe(self.url)}: {type(exc).__name__}: {_first_line(exc)}"
            ) from None

    async def dispose(self) -> None:
        await self.engine.dispose()


def store_down(exc: BaseException) -> bool:
    """Connection-level failures of the database or the knowledge index: worth a 'try again'."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | sqlite3.OperationalError | OSError)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else ""


def insert_ignoring_duplicates(dialect: str, model: Any, conflict: Sequence[str]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, executed with many rows so a re-run never duplicates."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing(index_elements=list(conflict))


class month_key(FunctionElement[str]):
    """The UTC calendar month of a timestamp as 'YYYY-MM', on either database."""

    type = String()
    inherit_cache = True


class day_key(FunctionElement[str]):
    """The UTC calendar day of a timestamp as 'YYYY-MM-DD', on either database."""

    type = String()
    inherit_cache = True


# Each key: how many leading characters of SQLite's text timestamp, and PostgreSQL's format.
CALENDAR_KEYS: dict[type[FunctionElement[str]], tuple[int, str]] = {
    month_key: (7, "YYYY-MM"),
    day_key: (10, "YYYY-MM-DD"),
}


@compiles(month_key, "sqlite")
@compiles(day_key, "sqlite")
def _calendar_key_sqlite(element: FunctionElement[str], compiler: Any, **kw: Any) -> str:
    # SQLAlchemy stores SQLite timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff'; substr beats strftime.
    length, _ = CALENDAR_KEYS[type(element)]
    return f"substr({compiler.process(element.clauses, **kw)}, 1, {length})"


@compiles(month_key, "postgresql")
@compiles(day_key, "postgresql")
def _calendar_key_postgresql(element: FunctionElement[str], compiler: Any, **kw: Any) -> str:
    _, pattern = CALENDAR_KEYS[type(element)]
    return f"to_char({compiler.process(element.clauses, **kw)}, '{pattern}')"
