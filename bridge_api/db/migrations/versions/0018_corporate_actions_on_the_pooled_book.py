"""corporate actions on the pooled book

Announced actions (dividends, splits, bonuses, symbol changes, mergers, demergers), what each
book received when one was posted (append-only), the lot a corporate action carried a lot
from, and the paper venue's depository adjustments.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

KINDS = "'dividend', 'split', 'bonus', 'symbol_change', 'merger', 'demerger'"
STATUSES = "'announced', 'posted', 'cancelled'"


def upgrade() -> None:
    op.create_table(
        "corporate_actions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "dividend",
                "split",
                "bonus",
                "symbol_change",
                "merger",
                "demerger",
                name="actionkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("ex_date", sa.Date(), nullable=False),
        sa.Column("record_date", sa.Date(), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("per_share", sa.Numeric(14, 4), nullable=True),
        sa.Column("legs", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "announced",
                "posted",
                "cancelled",
                name="actionstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("posted_on", sa.Date(), nullable=True),
        sa.Column("posted_by", sa.BigInteger(), nullable=True),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.Column("credited", sa.Numeric(20, 2), nullable=True),
        sa.Column("tds", sa.Numeric(20, 2), nullable=True),
        sa.Column("fraction_price", sa.Numeric(14, 4), nullable=True),
        sa.Column("residue", sa.Numeric(20, 2), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_corporate_actions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_corporate_actions_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["posted_by"], ["users.id"], name=op.f("fk_corporate_actions_posted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["symbol"],
            ["instruments.symbol"],
            name=op.f("fk_corporate_actions_symbol_instruments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corporate_actions")),
        sa.UniqueConstraint("symbol", "kind", "ex_date", name=op.f("uq_corporate_actions_symbol")),
    )
    op.create_index(
        "ix_corporate_actions_open", "corporate_actions", ["symbol", "status"], unique=False
    )
    op.create_table(
        "corporate_action_entitlements",
        sa.Column("action_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=True),
        sa.Column("held", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.Numeric(20, 2), nullable=False),
        sa.Column("tds", sa.Numeric(20, 2), nullable=False),
        sa.Column("cash", sa.Numeric(20, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_corporate_action_entitlements_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["corporate_actions.id"],
            name=op.f("fk_corporate_action_entitlements_action_id_corporate_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_corporate_action_entitlements_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint(
            "action_id", "account_id", "symbol", name=op.f("pk_corporate_action_entitlements")
        ),
    )
    op.create_index(
        op.f("ix_corporate_action_entitlements_subscription_id"),
        "corporate_action_entitlements",
        ["subscription_id"],
        unique=False,
    )
    for event, scope in (("UPDATE OR DELETE", "ROW"), ("TRUNCATE", "STATEMENT")):
        name = "append_only" if scope == "ROW" else "no_truncate"
        op.execute(
            f"CREATE TRIGGER corporate_action_entitlements_{name} BEFORE {event} "
            f"ON corporate_action_entitlements FOR EACH {scope} "
            "EXECUTE FUNCTION saras_refuse_change()"
        )
    op.execute("REVOKE UPDATE, DELETE ON corporate_action_entitlements FROM saras_app")
    op.add_column("tax_lots", sa.Column("from_lot_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_tax_lots_from_lot_id_tax_lots"), "tax_lots", "tax_lots", ["from_lot_id"], ["id"]
    )
    op.create_table(
        "adjustments",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustments")),
        schema="paper",
    )


def downgrade() -> None:
    op.drop_table("adjustments", schema="paper")
    op.drop_constraint(op.f("fk_tax_lots_from_lot_id_tax_lots"), "tax_lots", type_="foreignkey")
    op.drop_column("tax_lots", "from_lot_id")
    op.drop_index(
        op.f("ix_corporate_action_entitlements_subscription_id"),
        table_name="corporate_action_entitlements",
    )
    op.drop_table("corporate_action_entitlements")
    op.drop_index("ix_corporate_actions_open", table_name="corporate_actions")
    op.drop_table("corporate_actions")
