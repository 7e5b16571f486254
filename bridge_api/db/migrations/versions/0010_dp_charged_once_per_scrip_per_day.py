"""DP charged once per scrip per day

The depository charges the account once per scrip debited from its demat on a day, however
many sell orders there were; each sell order was charged a DP of its own. A row per (day,
symbol) records which sale carried the day's charge, so the next sale of that scrip that day
carries none.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dp_charges",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("charged_with", sa.String(length=120), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("day", "symbol", name=op.f("pk_dp_charges")),
    )
    op.execute(
        "CREATE TRIGGER dp_charges_append_only BEFORE UPDATE OR DELETE ON dp_charges "
        "FOR EACH ROW EXECUTE FUNCTION saras_refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("dp_charges")
