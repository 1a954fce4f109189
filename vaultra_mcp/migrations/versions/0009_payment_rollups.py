"""payment rollups

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 03:30:00.000000

Monthly totals per business and currency, and each customer's monthly volume, filled from the
payment rows already stored (the same rules as ``core.rollups.contribution``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('payment_rollups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('gross', sa.BigInteger(), nullable=False),
    sa.Column('charges', sa.Integer(), nullable=False),
    sa.Column('refunded', sa.BigInteger(), nullable=False),
    sa.Column('refunds', sa.Integer(), nullable=False),
    sa.Column('disputes', sa.Integer(), nullable=False),
    sa.Column('disputed', sa.BigInteger(), nullable=False),
    sa.Column('payouts', sa.Integer(), nullable=False),
    sa.Column('payouts_failed', sa.Integer(), nullable=False),
    sa.Column('first_charge_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_charge_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_payment_rollups_business_id_businesses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_rollups')),
    sa.UniqueConstraint('business_id', 'month', 'currency', name=op.f('uq_payment_rollups_business_id_month_currency'))
    )
    op.create_table('customer_rollups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('customer_hash', sa.String(length=64), nullable=False),
    sa.Column('volume', sa.BigInteger(), nullable=False),
    sa.Column('charges', sa.Integer(), nullable=False),
    sa.Column('last_charge_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_customer_rollups_business_id_businesses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_rollups')),
    sa.UniqueConstraint('business_id', 'month', 'currency', 'customer_hash', name=op.f('uq_customer_rollups_business_id_month_currency_customer_hash'))
    )
    _backfill()


def _backfill() -> None:
    month = (
        "to_char({}, 'YYYY-MM')" if op.get_bind().dialect.name == 'postgresql' else 'substr({}, 1, 7)'
    ).format('created')
    op.execute(f"""
        INSERT INTO payment_rollups (business_id, month, currency, gross, charges, refunded,
            refunds, disputes, disputed, payouts, payouts_failed, first_charge_at, last_charge_at)
        SELECT business_id, month, currency, SUM(gross), SUM(charges), SUM(refunded),
            SUM(refunds), SUM(disputes), SUM(disputed), SUM(payouts), SUM(payouts_failed),
            MIN(first_at), MAX(last_at)
        FROM (
            SELECT business_id, {month} AS month, currency, amount AS gross, 1 AS charges,
                0 AS refunded, 0 AS refunds, 0 AS disputes, 0 AS disputed, 0 AS payouts,
                0 AS payouts_failed, created AS first_at, created AS last_at
            FROM charges WHERE status = 'succeeded'
            UNION ALL
            SELECT business_id, {month}, currency, 0, 0, amount, 1, 0, 0, 0, 0, NULL, NULL
            FROM refunds WHERE status IN ('succeeded', 'pending')
            UNION ALL
            SELECT business_id, {month}, currency, 0, 0, 0, 0, 1,
                CASE WHEN status <> 'won' THEN amount ELSE 0 END, 0, 0, NULL, NULL
            FROM disputes
            UNION ALL
            SELECT business_id, {month}, currency, 0, 0, 0, 0, 0, 0, 1,
                CASE WHEN status = 'failed' THEN 1 ELSE 0 END, NULL, NULL
            FROM payouts
        ) AS pieces
        GROUP BY business_id, month, currency
    """)
    op.execute(f"""
        INSERT INTO customer_rollups (business_id, month, currency, customer_hash, volume,
            charges, last_charge_at)
        SELECT business_id, {month}, currency, customer_hash, SUM(amount), COUNT(*), MAX(created)
        FROM charges WHERE status = 'succeeded' AND customer_hash IS NOT NULL
        GROUP BY business_id, {month}, currency, customer_hash
    """)


def downgrade() -> None:
    op.drop_table('customer_rollups')
    op.drop_table('payment_rollups')
