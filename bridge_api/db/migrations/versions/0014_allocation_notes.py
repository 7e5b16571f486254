"""allocation notes: what each investor received from each batch, stored once

An investor had no equivalent of a contract note: which orders they took part in, the shares
and average price they received, the charges by component, the cash moved. Each order's
allocation now keeps its participants' charges by component, and a batch that ends writes one
immutable note per subscription that took part.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "order_allocations",
        sa.Column("components", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.create_table(
        "allocation_notes",
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_allocation_notes_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_allocation_notes_subscription_id_subscriptions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_allocation_notes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("batch_id", "subscription_id", name=op.f("pk_allocation_notes")),
    )
    op.create_index(
        op.f("ix_allocation_notes_user_id"), "allocation_notes", ["user_id"], unique=False
    )
    op.execute(
        "CREATE TRIGGER allocation_notes_append_only BEFORE UPDATE OR DELETE ON allocation_notes "
        "FOR EACH ROW EXECUTE FUNCTION saras_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER allocation_notes_no_truncate BEFORE TRUNCATE ON allocation_notes "
        "FOR EACH STATEMENT EXECUTE FUNCTION saras_refuse_change()"
    )
    op.execute("REVOKE UPDATE, DELETE ON allocation_notes FROM saras_app")


def downgrade() -> None:
    op.drop_index(op.f("ix_allocation_notes_user_id"), table_name="allocation_notes")
    op.drop_table("allocation_notes")
    op.drop_column("order_allocations", "components")
