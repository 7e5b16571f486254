"""settle each account and asset of an entry

Settlement was one all-or-nothing netted entry over every book, so one book that could not
settle (a release dated by the wall clock, an overdrawn house) stopped it for everyone. Now
what is settled is an account's unsettled postings of one asset in an entry: each (entry,
account, asset) once, so a book that cannot settle waits (and is alerted) while the others go
on, and cash can settle on T+1 while shares bought that day stay T1 until the day after.
Existing links are carried over to every account and asset the entry left unsettled.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_settlements",
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("asset", sa.String(length=32), nullable=False),
        sa.Column("settlement_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_account_settlements_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_account_settlements_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["journal_entries.id"],
            name=op.f("fk_account_settlements_settlement_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint(
            "entry_id", "account_id", "asset", name=op.f("pk_account_settlements")
        ),
    )
    op.create_index(
        op.f("ix_account_settlements_settlement_id"),
        "account_settlements",
        ["settlement_id"],
        unique=False,
    )
    op.execute(
        "INSERT INTO account_settlements (entry_id, account_id, asset, settlement_id) "
        "SELECT DISTINCT s.entry_id, p.account_id, p.asset, "
        "NULLIF(s.settlement_id, s.entry_id) "
        "FROM settled_entries s JOIN postings p ON p.entry_id = s.entry_id "
        "WHERE p.bucket = 'unsettled'"
    )
    op.execute(
        "CREATE TRIGGER account_settlements_append_only BEFORE UPDATE OR DELETE "
        "ON account_settlements FOR EACH ROW EXECUTE FUNCTION saras_refuse_change()"
    )
    op.drop_table("settled_entries")


def downgrade() -> None:
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
    op.execute(
        "INSERT INTO settled_entries (entry_id, settlement_id) "
        "SELECT entry_id, COALESCE(MIN(settlement_id), entry_id) FROM account_settlements "
        "GROUP BY entry_id"
    )
    op.execute(
        "CREATE TRIGGER settled_entries_append_only BEFORE UPDATE OR DELETE ON settled_entries "
        "FOR EACH ROW EXECUTE FUNCTION saras_refuse_change()"
    )
    op.drop_table("account_settlements")
