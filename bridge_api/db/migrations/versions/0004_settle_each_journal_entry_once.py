"""settle each journal entry once

A settlement entry names the entry it settles, so T+1 settlement settles exactly the entries
dated before the settlement day, each once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:24:32.102249
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("journal_entries", sa.Column("settles_id", sa.BigInteger(), nullable=True))
    op.create_unique_constraint(
        op.f("uq_journal_entries_settles_id"), "journal_entries", ["settles_id"]
    )
    op.create_foreign_key(
        op.f("fk_journal_entries_settles_id_journal_entries"),
        "journal_entries",
        "journal_entries",
        ["settles_id"],
        ["id"],
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_journal_entries_settles_id_journal_entries"), "journal_entries", type_="foreignkey"
    )
    op.drop_constraint(op.f("uq_journal_entries_settles_id"), "journal_entries", type_="unique")
    op.drop_column("journal_entries", "settles_id")
