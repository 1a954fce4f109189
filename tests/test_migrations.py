"""Migrations produce exactly the models' schema, and the same schema on both databases; the
rollups migration fills the rollups from the payment rows already stored."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import UniqueConstraint, insert, inspect

from tests.factories import AS_OF, HASH_KEY, settings_for
from tests.support.raw_aggregates import load_aggregates as raw_aggregates
from vaultra_mcp.clock import FixedClock
from vaultra_mcp.db import Database, parse_database_url
from vaultra_mcp.demo.generator import generate
from vaultra_mcp.demo.loader import history_rows
from vaultra_mcp.demo.profiles import PROFILES
from vaultra_mcp.migrate import alembic_config, current_revision, upgrade
from vaultra_mcp.models import Business, Charge, Dispute, Payout, Refund, metadata
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.payment_aggregates import load_aggregates
from vaultra_mcp.services.rollups import rebuild_rollups


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


async def test_the_rollups_migration_fills_them_from_the_rows_already_stored(database_url):
    deps = Deps.build(settings_for(database_url), clock=FixedClock(AS_OF))
    try:
        async with deps.db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0008"))
        async with deps.db.transaction() as session:
            business_id = (
                await session.execute(
                    insert(Business).returning(Business.id), {"name": "Before", "currency": "usd"}
                )
            ).scalar_one()
            rows = history_rows(business_id, generate(PROFILES[2], AS_OF, 7, "m"), HASH_KEY)
            for model, part in (
                (Charge, rows.charges),
                (Refund, rows.refunds),
                (Dispute, rows.disputes),
                (Payout, rows.payouts),
            ):
                await session.execute(insert(model), [r | {"ingested_at": AS_OF} for r in part])

        await upgrade(deps.db)

        assert (await rebuild_rollups(deps, [business_id])).repaired_rows == 0
        rolled = await load_aggregates(deps.db, {business_id: "usd"}, AS_OF)
        assert rolled == await raw_aggregates(deps.db, {business_id: "usd"}, AS_OF)
    finally:
        await deps.close()
