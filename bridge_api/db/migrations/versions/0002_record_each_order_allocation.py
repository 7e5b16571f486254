"""record each order allocation

What each final order gave each subscription, append-only like the journal it mirrors.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:55:05.979274
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_allocations",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("requested", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("charges", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("stt", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["batch_orders.id"],
            name=op.f("fk_order_allocations_order_id_batch_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_order_allocations_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("order_id", "subscription_id", name=op.f("pk_order_allocations")),
    )
    op.execute(
        "CREATE TRIGGER order_allocations_append_only BEFORE UPDATE OR DELETE ON order_allocations "
        "FOR EACH ROW EXECUTE FUNCTION saras_refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("order_allocations")
