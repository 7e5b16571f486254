"""settle entries in netted batches

Settling entry by entry can take a book below zero in between (a buy may have spent the
previous day's unsettled proceeds), so a settlement now nets every pending entry, and a link
table (append-only) records which entries each settlement settled. Replaces 0004's column.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:47:13.281278
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settled_entries",
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("settlement_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_settled_entries_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["journal_entries.id"],
            name=op.f("fk_settled_entries_settlement_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_settled_entries")),
    )
    op.create_index(
        op.f("ix_settled_entries_settlement_id"), "settled_entries", ["settlement_id"], unique=False
    )
    op.drop_constraint(op.f("uq_journal_entries_settles_id"), "journal_entries", type_="unique")
    op.drop_constraint(
        op.f("fk_journal_entries_settles_id_journal_entries"), "journal_entries", type_="foreignkey"
    )
    op.drop_column("journal_entries", "settles_id")
    op.execute(
        "CREATE TRIGGER settled_entries_append_only BEFORE UPDATE OR DELETE ON settled_entries "
        "FOR EACH ROW EXECUTE FUNCTION saras_refuse_change()"
    )


def downgrade() -> None:
    op.add_column(
        "journal_entries", sa.Column("settles_id", sa.BIGINT(), autoincrement=False, nullable=True)
    )
    op.create_foreign_key(
        op.f("fk_journal_entries_settles_id_journal_entries"),
        "journal_entries",
        "journal_entries",
        ["settles_id"],
        ["id"],
    )
    op.create_unique_constraint(
        op.f("uq_journal_entries_settles_id"),
        "journal_entries",
        ["settles_id"],
        postgresql_nulls_not_distinct=False,
    )
    op.drop_index(op.f("ix_settled_entries_settlement_id"), table_name="settled_entries")
    op.drop_table("settled_entries")
