"""STT paid, on every lot and every sale out of a lot

The concessional capital-gains rates (s.111A, s.112A) need STT paid on the transfer, and for
s.112A on the acquisition too; a crossing inside Saras's books is no exchange trade and pays
none. Each lot and each consumption now says whether STT was paid, backfilled from the cause
of the entry that made it (a crossing paid none, an exchange allocation did). The backfill of
the append-only consumptions runs with their trigger paused inside this migration only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PAID = (
    "UPDATE {table} AS t SET stt_paid = (e.cause <> 'crossing') "
    "FROM journal_entries AS e WHERE e.id = t.entry_id"
)


def upgrade() -> None:
    for table in ("tax_lots", "lot_consumptions"):
        op.add_column(
            table,
            sa.Column("stt_paid", sa.Boolean(), server_default=sa.true(), nullable=False),
        )
    op.execute(PAID.format(table="tax_lots"))
    op.execute("ALTER TABLE lot_consumptions DISABLE TRIGGER lot_consumptions_append_only")
    op.execute(PAID.format(table="lot_consumptions"))
    op.execute("ALTER TABLE lot_consumptions ENABLE TRIGGER lot_consumptions_append_only")
    for table in ("tax_lots", "lot_consumptions"):
        op.alter_column(table, "stt_paid", server_default=None)


def downgrade() -> None:
    for table in ("lot_consumptions", "tax_lots"):
        op.drop_column(table, "stt_paid")
