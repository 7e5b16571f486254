"""the house: funded, swept, and stray fills booked to it

The house could go below zero with no way to fund it, and fills on stray orders (an attempt
Saras no longer trades under) were booked nowhere. New causes for funding and sweeping the
house and for a stray fill, and a table recording each stray broker trade once with the entry
that booked it to the house.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD = (
    "payin",
    "payout",
    "earmark",
    "release",
    "crossing",
    "order_allocation",
    "charges",
    "charge_true_up",
    "settlement",
    "correction",
    "corporate_action",
)
NEW = (*OLD, "house_funding", "house_sweep", "stray_fill")


def _causes(values: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_journal_entries_cause"), "journal_entries", type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint("cause", "journal_entries", f"cause IN ({listed})")


def upgrade() -> None:
    _causes(NEW)
    op.create_table(
        "stray_trades",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("broker_order_id", sa.String(length=64), nullable=False),
        sa.Column("broker_trade_id", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=20), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("traded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_stray_trades_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stray_trades")),
        sa.UniqueConstraint(
            "broker_order_id", "broker_trade_id", name=op.f("uq_stray_trades_broker_order_id")
        ),
    )
    op.execute(
        "CREATE TRIGGER stray_trades_append_only BEFORE UPDATE OR DELETE ON stray_trades "
        "FOR EACH ROW EXECUTE FUNCTION saras_refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("stray_trades")
    _causes(OLD)
