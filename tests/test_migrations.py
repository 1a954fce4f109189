"""Migrations produce exactly the models' schema, and the same schema on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import UniqueConstraint, inspect

from vaultra_mcp.db import Database, parse_database_url
from vaultra_mcp.migrate import current_revision
from vaultra_mcp.models import metadata


async def test_a_migrated_database_matches_the_models(database_url):
    db = Database(parse_database_url(database_url))
    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
        assert diff == []
        assert await current_revision(db) is not None
    finally:
        await db.dispose()


async def test_the_schema_has_the_same_tables_columns_and_indexes(database_url):
    db = Database(parse_database_url(database_url))
    try:
        async with db.engine.connect() as conn:
            shape = await conn.run_sync(_shape)
    finally:
        await db.dispose()
    expected = {
        table.name: (
            sorted(c.name for c in table.columns),
            sorted(i.name for i in table.indexes),
            sorted(c.name for c in table.constraints if isinstance(c, UniqueConstraint)),
        )
        for table in metadata.sorted_tables
    }
    assert shape == expected


def _shape(sync) -> dict:
    inspector = inspect(sync)
    return {
        name: (
            sorted(c["name"] for c in inspector.get_columns(name)),
            sorted(
                i["name"] for i in inspector.get_indexes(name) if not i.get("duplicates_constraint")
            ),
            sorted(u["name"] for u in inspector.get_unique_constraints(name)),
        )
        for name in inspector.get_table_names()
        if name != "alembic_version"
    }
