"""``vaultra doctor``: what configuration is in force, where it came from, and whether it works.

The first thing to run when a client says "knowledge directory does not exist" or "cannot reach
the database": it shows every path and URL the server would use, absolute, and checks each.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import click

from vaultra_mcp import __version__
from vaultra_mcp.paths import DATA_DIR_ENV, data_home
from vaultra_mcp.settings import Settings, load_settings


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    value: str
    origin: str
    status: str  # "ok: ..." or "problem: ..."

    @property
    def ok(self) -> bool:
        return self.status.startswith("ok")


def origin(variable: str, default: str) -> str:
    return "from the environment" if os.environ.get(variable) else default


def data_dir_check(settings: Settings) -> Check:
    home = data_home()
    return Check(
        DATA_DIR_ENV, settings.data_dir, home.reason, "ok: database and index live here by default"
    )


async def database_check(settings: Settings) -> Check:
    from vaultra_mcp.db import Database, describe, parse_database_url
    from vaultra_mcp.errors import VaultraError
    from vaultra_mcp.migrate import current_revision

    url = parse_database_url(settings.database.url)
    checked = Check(
        "DATABASE_URL",
        url.render_as_string(hide_password=True),
        origin("DATABASE_URL", "default: vaultra.db in the data directory"),
        "",
    )
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return replace(checked, status="ok: not created yet (`vaultra db upgrade` creates it)")
    db = Database(url)
    try:
        await db.ping()
        revision = await current_revision(db)
        schema = revision or "none (run `vaultra db upgrade`)"
        status = f"ok: {describe(url)} answers, schema at {schema}"
    except VaultraError as exc:
        status = f"problem: {exc.message}"
    finally:
        await db.dispose()
    return replace(checked, status=status)


def corpus_check(settings: Settings) -> Check:
    from vaultra_mcp.errors import VaultraError
    from vaultra_mcp.services.knowledge import load_corpus

    try:
        documents = load_corpus(_path(settings.knowledge.dir))
        status = f"ok: {len(documents)} documents"
    except VaultraError as exc:
        status = f"problem: {exc.message}"
    return Check(
        "VAULTRA_KNOWLEDGE_DIR",
        settings.knowledge.dir,
        origin("VAULTRA_KNOWLEDGE_DIR", "default: the corpus installed with Vaultra"),
        status,
    )


def index_check(settings: Settings) -> Check:
    path = _path(settings.knowledge.index)
    if path.exists():
        status = "ok: built" if os.access(path, os.R_OK | os.W_OK) else "problem: not writable"
    else:
        writable = _writable_parent(path)
        status = "ok: built on first search" if writable else "problem: cannot be created here"
    return Check(
        "VAULTRA_KNOWLEDGE_INDEX",
        str(path),
        origin("VAULTRA_KNOWLEDGE_INDEX", "default: knowledge.sqlite in the data directory"),
        status,
    )


def identity_check(settings: Settings) -> Check:
    if settings.mcp.token is not None:
        status = "ok: stdio clients act as this token's user"
    elif settings.mcp.business_id is not None:
        status = "ok: pinned to one business (local demos only)"
    else:
        status = "ok: none set; stdio clients need one (`vaultra mcp install` creates it)"
    value = "set" if settings.mcp.token else "unset"
    return Check("VAULTRA_TOKEN", value, origin("VAULTRA_TOKEN", "default: unset"), status)


def _path(raw: str) -> Path:
    return Path(raw).expanduser().resolve()


def _writable_parent(path: Path) -> bool:
    for parent in path.parents:
        if parent.exists():
            return os.access(parent, os.W_OK)
    return False


@click.command()
def doctor() -> None:
    """Show the configuration in force, where each value comes from, and check each one."""
    settings = load_settings()
    checks = [
        data_dir_check(settings),
        asyncio.run(database_check(settings)),
        corpus_check(settings),
        index_check(settings),
        identity_check(settings),
    ]
    click.echo(f"Vaultra {__version__} (Python {sys.version.split()[0]}, {sys.executable})")
    click.echo(f"environment: {settings.env}; LLM provider: {settings.llm.provider}")
    for check in checks:
        click.echo(f"{check.name} = {check.value}\n    {check.origin}; {check.status}")
    if not all(check.ok for check in checks):
        raise click.exceptions.Exit(1)
