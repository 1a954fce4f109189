"""Autogenerate the next Alembic revision from the models (developers only).

    python scripts/make_migration.py "add oauth states"

It migrates a scratch SQLite database to head, diffs it against the models and writes the new
revision into vaultra_mcp/migrations/versions/, numbered after the last one.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command

from vaultra_mcp.db import Database, parse_database_url
from vaultra_mcp.migrate import MIGRATIONS, alembic_config, upgrade


async def main(message: str) -> None:
    versions = sorted((MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    rev_id = f"{len(versions) + 1:04d}"
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(parse_database_url(f"sqlite+aiosqlite:///{Path(tmp) / 'scratch.db'}"))
        try:
            await upgrade(db)
            async with db.engine.begin() as conn:
                await conn.run_sync(
                    lambda sync: command.revision(
                        alembic_config(sync), message=message, autogenerate=True, rev_id=rev_id
                    )
                )
        finally:
            await db.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1]))
