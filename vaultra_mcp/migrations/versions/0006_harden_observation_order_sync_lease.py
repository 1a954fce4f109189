"""harden observation order and sync leases: observed_rank on payment rows, the lease holder

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 01:02:23.218986

Each payment row gets ``observed_rank`` (how far along its life the object was when observed;
``vaultra_mcp.core.stripe_objects``), computed here for the rows already stored. The ranks are
frozen into this revision so it means the same thing whatever the code says later.
``integration_accounts.sync_lease_holder`` names the process holding a sync lease.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROGRESS = {
    'refunds': {'succeeded': 1, 'failed': 2, 'canceled': 2},
    'disputes': {
        'warning_under_review': 1,
        'warning_closed': 2,
        'needs_response': 3,
        'under_review': 4,
        'won': 5,
        'lost': 5,
    },
    'payouts': {'in_transit': 1, 'paid': 2, 'canceled': 2, 'failed': 3},
}
REFUNDED_LIMIT = 2**46


def _status_rank(ranks: dict[str, int]) -> str:
    cases = ' '.join(f"WHEN '{status}' THEN {rank}" for status, rank in ranks.items())
    return f'CASE status {cases} ELSE 0 END'


def upgrade() -> None:
    with op.batch_alter_table('integration_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sync_lease_holder', sa.String(length=255), nullable=True))
    for table in ('charges', 'disputes', 'payouts', 'refunds'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('observed_rank', sa.BigInteger(), nullable=False, server_default='0')
            )
    for table, ranks in PROGRESS.items():
        op.execute(f'UPDATE {table} SET observed_rank = {_status_rank(ranks)}')
    settled = _status_rank({'failed': 1, 'succeeded': 1})
    op.execute(
        f'UPDATE charges SET observed_rank = ({settled}) * {REFUNDED_LIMIT} + '
        f'CASE WHEN amount_refunded < {REFUNDED_LIMIT} THEN amount_refunded '
        f'ELSE {REFUNDED_LIMIT - 1} END'
    )


def downgrade() -> None:
    with op.batch_alter_table('integration_accounts', schema=None) as batch_op:
        batch_op.drop_column('sync_lease_holder')
    for table in ('refunds', 'payouts', 'disputes', 'charges'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('observed_rank')
