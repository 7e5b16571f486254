"""create the bridge schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 18:42:51.995542

Every table of the bridge, plus what the database itself enforces: journal entries, postings,
lot consumptions, broker trades and the audit log are append-only (triggers refuse UPDATE,
DELETE and TRUNCATE), and each journal entry's postings sum to zero per asset (a deferred
constraint trigger, checked at commit).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

APPEND_ONLY = ("journal_entries", "postings", "lot_consumptions", "broker_trades", "audit_log")

TRIGGERS = [
    """
    CREATE FUNCTION saras_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'restrict_violation';
    END $$
    """,
    *(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION saras_refuse_change()"
        for table in APPEND_ONLY
    ),
    *(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION saras_refuse_change()"
        for table in APPEND_ONLY
    ),
    """
    CREATE FUNCTION saras_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE unbalanced text;
    BEGIN
        SELECT string_agg(asset || ' ' || total::text, ', ') INTO unbalanced FROM (
            SELECT asset, sum(amount) AS total FROM postings
            WHERE entry_id = NEW.entry_id GROUP BY asset HAVING sum(amount) <> 0
        ) AS sums;
        IF unbalanced IS NOT NULL THEN
            RAISE EXCEPTION 'journal entry % does not balance: %', NEW.entry_id, unbalanced
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON postings "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION saras_check_entry_balanced()",
]

DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS postings_balanced ON postings",
    "DROP FUNCTION IF EXISTS saras_check_entry_balanced() CASCADE",
    "DROP FUNCTION IF EXISTS saras_refuse_change() CASCADE",
]

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instruments",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("exchange", sa.String(length=8), nullable=False),
        sa.Column("tick_size", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("lot_size", sa.Integer(), nullable=False),
        sa.Column("max_order_quantity", sa.Integer(), nullable=True),
        sa.Column("lean_ticker", sa.String(length=32), nullable=True),
        sa.CheckConstraint("lot_size >= 1", name=op.f("ck_instruments_lot_positive")),
        sa.CheckConstraint("tick_size > 0", name=op.f("ck_instruments_tick_positive")),
        sa.PrimaryKeyConstraint("symbol", name=op.f("pk_instruments")),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index("ix_login_attempts_email_at", "login_attempts", ["email", "at"], unique=False)
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "investor",
                "manager",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index(
        "uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_log_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "bars",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("open", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("high", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("low", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("close", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("volume", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["symbol"], ["instruments.symbol"], name=op.f("fk_bars_symbol_instruments")
        ),
        sa.PrimaryKeyConstraint("symbol", "day", name=op.f("pk_bars")),
    )
    op.create_table(
        "kyc",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("pan", sa.String(length=10), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "verified",
                "rejected",
                name="kycstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_kyc_decided_by_users")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_kyc_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_kyc")),
    )
    op.create_table(
        "smallcases",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("manager_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "archived",
                name="smallcasestatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_smallcases_manager_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smallcases")),
        sa.UniqueConstraint("name", name=op.f("uq_smallcases_name")),
    )
    op.create_table(
        "smallcase_versions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("smallcase_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_smallcase_versions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["smallcase_id"],
            ["smallcases.id"],
            name=op.f("fk_smallcase_versions_smallcase_id_smallcases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smallcase_versions")),
        sa.UniqueConstraint(
            "smallcase_id", "number", name=op.f("uq_smallcase_versions_smallcase_id")
        ),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("smallcase_id", sa.BigInteger(), nullable=True),
        sa.Column("version_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "ready",
                "executing",
                "completed",
                "partially_completed",
                "failed",
                "cancelled",
                name="batchstate",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("cross", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_batches_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["smallcase_id"], ["smallcases.id"], name=op.f("fk_batches_smallcase_id_smallcases")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["smallcase_versions.id"],
            name=op.f("fk_batches_version_id_smallcase_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    op.create_table(
        "constituents",
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("weight_percent", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.CheckConstraint("weight_percent > 0", name=op.f("ck_constituents_weight_positive")),
        sa.ForeignKeyConstraint(
            ["symbol"], ["instruments.symbol"], name=op.f("fk_constituents_symbol_instruments")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["smallcase_versions.id"],
            name=op.f("fk_constituents_version_id_smallcase_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "symbol", name=op.f("pk_constituents")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "smallcase",
                "direct",
                name="subscriptionkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("smallcase_id", sa.BigInteger(), nullable=True),
        sa.Column("version_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "closed",
                name="subscriptionstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'direct') = (smallcase_id IS NULL)",
            name=op.f("ck_subscriptions_direct_has_no_smallcase"),
        ),
        sa.ForeignKeyConstraint(
            ["smallcase_id"],
            ["smallcases.id"],
            name=op.f("fk_subscriptions_smallcase_id_smallcases"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_subscriptions_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["smallcase_versions.id"],
            name=op.f("fk_subscriptions_version_id_smallcase_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index(op.f("ix_subscriptions_user_id"), "subscriptions", ["user_id"], unique=False)
    op.create_index(
        "uq_subscriptions_direct",
        "subscriptions",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'direct'"),
    )
    op.create_index(
        "uq_subscriptions_open_smallcase",
        "subscriptions",
        ["user_id", "smallcase_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active' AND kind = 'smallcase'"),
    )
    op.create_table(
        "batch_crossings",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_crossings_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_batch_crossings_subscription_id_subscriptions"),
        ),
        sa.ForeignKeyConstraint(
            ["symbol"], ["instruments.symbol"], name=op.f("fk_batch_crossings_symbol_instruments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_crossings")),
    )
    op.create_index(
        op.f("ix_batch_crossings_batch_id"), "batch_crossings", ["batch_id"], unique=False
    )
    op.create_table(
        "batch_orders",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("limit_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "open",
                "final",
                name="orderstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("final_reason", sa.String(length=200), nullable=True),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_orders_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["symbol"], ["instruments.symbol"], name=op.f("fk_batch_orders_symbol_instruments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_orders")),
        sa.UniqueConstraint("batch_id", "symbol", "side", name=op.f("uq_batch_orders_batch_id")),
        sa.UniqueConstraint("key", name=op.f("uq_batch_orders_key")),
    )
    op.create_index(op.f("ix_batch_orders_batch_id"), "batch_orders", ["batch_id"], unique=False)
    op.create_table(
        "batch_participants",
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_participants_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_batch_participants_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("batch_id", "subscription_id", name=op.f("pk_batch_participants")),
    )
    op.create_index(
        "uq_batch_participants_one_open",
        "batch_participants",
        ["subscription_id"],
        unique=True,
        postgresql_where=sa.text("open"),
    )
    op.create_table(
        "batch_skips",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_skips_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_batch_skips_subscription_id_subscriptions"),
        ),
        sa.ForeignKeyConstraint(
            ["symbol"], ["instruments.symbol"], name=op.f("fk_batch_skips_symbol_instruments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_skips")),
    )
    op.create_index(op.f("ix_batch_skips_batch_id"), "batch_skips", ["batch_id"], unique=False)
    op.create_table(
        "batch_targets",
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("holding", sa.BigInteger(), nullable=False),
        sa.Column("target", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.CheckConstraint(
            "target >= 0 AND holding >= 0", name=op.f("ck_batch_targets_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_targets_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_batch_targets_subscription_id_subscriptions"),
        ),
        sa.ForeignKeyConstraint(
            ["symbol"], ["instruments.symbol"], name=op.f("fk_batch_targets_symbol_instruments")
        ),
        sa.PrimaryKeyConstraint(
            "batch_id", "subscription_id", "symbol", name=op.f("pk_batch_targets")
        ),
    )
    op.create_table(
        "intents",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "invest",
                "topup",
                "exit",
                "rebalance",
                "buy",
                "sell",
                name="intentkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("symbol", sa.String(length=32), nullable=True),
        sa.Column("quantity", sa.BigInteger(), nullable=True),
        sa.Column("version_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "batched",
                "done",
                "skipped",
                "cancelled",
                name="intentstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount IS NULL OR amount > 0", name=op.f("ck_intents_amount_positive")),
        sa.CheckConstraint(
            "quantity IS NULL OR quantity > 0", name=op.f("ck_intents_quantity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_intents_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_intents_subscription_id_subscriptions"),
        ),
        sa.ForeignKeyConstraint(
            ["symbol"], ["instruments.symbol"], name=op.f("fk_intents_symbol_instruments")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["smallcase_versions.id"],
            name=op.f("fk_intents_version_id_smallcase_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intents")),
    )
    op.create_index(
        "ix_intents_pending",
        "intents",
        ["subscription_id"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "external",
                "investor",
                "subscription",
                "house",
                name="ledgerkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("subscription_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_ledger_accounts_subscription_id_subscriptions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ledger_accounts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_ledger_accounts_name")),
        sa.UniqueConstraint("subscription_id", name=op.f("uq_ledger_accounts_subscription_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_ledger_accounts_user_id")),
    )
    op.create_table(
        "balances",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("asset", sa.String(length=32), nullable=False),
        sa.Column(
            "bucket",
            sa.Enum(
                "settled",
                "unsettled",
                name="bucket",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_balances_account_id_ledger_accounts"),
        ),
        sa.PrimaryKeyConstraint("account_id", "asset", "bucket", name=op.f("pk_balances")),
    )
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "cause",
            sa.Enum(
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
                name="cause",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("memo", sa.String(length=500), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("corrects_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_journal_entries_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["journal_entries.id"],
            name=op.f("fk_journal_entries_corrects_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_journal_entries_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["batch_orders.id"], name=op.f("fk_journal_entries_order_id_batch_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
    )
    op.create_table(
        "order_participants",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_participants_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["batch_orders.id"],
            name=op.f("fk_order_participants_order_id_batch_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_order_participants_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("order_id", "subscription_id", name=op.f("pk_order_participants")),
    )
    op.create_table(
        "order_slices",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("send_after_ms", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=20), nullable=False),
        sa.Column("broker_order_id", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "sent",
                "unknown",
                "final",
                name="slicestatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["batch_orders.id"], name=op.f("fk_order_slices_order_id_batch_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_slices")),
        sa.UniqueConstraint("broker_order_id", name=op.f("uq_order_slices_broker_order_id")),
        sa.UniqueConstraint("order_id", "seq", name=op.f("uq_order_slices_order_id")),
        sa.UniqueConstraint("tag", name=op.f("uq_order_slices_tag")),
    )
    op.create_index(op.f("ix_order_slices_order_id"), "order_slices", ["order_id"], unique=False)
    op.create_table(
        "broker_trades",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("broker_trade_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("slice_id", sa.BigInteger(), nullable=True),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("traded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("quantity > 0 AND price > 0", name=op.f("ck_broker_trades_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["batch_orders.id"], name=op.f("fk_broker_trades_order_id_batch_orders")
        ),
        sa.ForeignKeyConstraint(
            ["slice_id"], ["order_slices.id"], name=op.f("fk_broker_trades_slice_id_order_slices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broker_trades")),
        sa.UniqueConstraint("broker_trade_id", name=op.f("uq_broker_trades_broker_trade_id")),
    )
    op.create_index(op.f("ix_broker_trades_order_id"), "broker_trades", ["order_id"], unique=False)
    op.create_table(
        "postings",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("asset", sa.String(length=32), nullable=False),
        sa.Column(
            "bucket",
            sa.Enum(
                "settled",
                "unsettled",
                name="bucket",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.CheckConstraint(
            "asset = 'INR' OR amount = trunc(amount)", name=op.f("ck_postings_whole_shares")
        ),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_postings_nonzero")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_postings_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_postings_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postings")),
    )
    op.create_index("ix_postings_account_asset", "postings", ["account_id", "asset"], unique=False)
    op.create_index(op.f("ix_postings_entry_id"), "postings", ["entry_id"], unique=False)
    op.create_table(
        "tax_lots",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("acquired_on", sa.Date(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("open_quantity", sa.BigInteger(), nullable=False),
        sa.Column("open_cost", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "open_quantity >= 0 AND open_quantity <= quantity",
            name=op.f("ck_tax_lots_open_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_tax_lots_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_tax_lots_subscription_id_subscriptions"),
        ),
        sa.ForeignKeyConstraint(
            ["symbol"], ["instruments.symbol"], name=op.f("fk_tax_lots_symbol_instruments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_lots")),
    )
    op.create_index(
        "ix_tax_lots_fifo",
        "tax_lots",
        ["subscription_id", "symbol", "acquired_on", "id"],
        unique=False,
    )
    op.create_table(
        "lot_consumptions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("sold_on", sa.Date(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("proceeds", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_lot_consumptions_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["tax_lots.id"], name=op.f("fk_lot_consumptions_lot_id_tax_lots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_consumptions")),
    )
    op.create_index(
        op.f("ix_lot_consumptions_lot_id"), "lot_consumptions", ["lot_id"], unique=False
    )

    for statement in TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_TRIGGERS:
        op.execute(statement)
    op.drop_index(op.f("ix_lot_consumptions_lot_id"), table_name="lot_consumptions")
    op.drop_table("lot_consumptions")
    op.drop_index("ix_tax_lots_fifo", table_name="tax_lots")
    op.drop_table("tax_lots")
    op.drop_index(op.f("ix_postings_entry_id"), table_name="postings")
    op.drop_index("ix_postings_account_asset", table_name="postings")
    op.drop_table("postings")
    op.drop_index(op.f("ix_broker_trades_order_id"), table_name="broker_trades")
    op.drop_table("broker_trades")
    op.drop_index(op.f("ix_order_slices_order_id"), table_name="order_slices")
    op.drop_table("order_slices")
    op.drop_table("order_participants")
    op.drop_table("journal_entries")
    op.drop_table("balances")
    op.drop_table("ledger_accounts")
    op.drop_index(
        "ix_intents_pending", table_name="intents", postgresql_where=sa.text("status = 'pending'")
    )
    op.drop_table("intents")
    op.drop_table("batch_targets")
    op.drop_index(op.f("ix_batch_skips_batch_id"), table_name="batch_skips")
    op.drop_table("batch_skips")
    op.drop_index(
        "uq_batch_participants_one_open",
        table_name="batch_participants",
        postgresql_where=sa.text("open"),
    )
    op.drop_table("batch_participants")
    op.drop_index(op.f("ix_batch_orders_batch_id"), table_name="batch_orders")
    op.drop_table("batch_orders")
    op.drop_index(op.f("ix_batch_crossings_batch_id"), table_name="batch_crossings")
    op.drop_table("batch_crossings")
    op.drop_index(
        "uq_subscriptions_open_smallcase",
        table_name="subscriptions",
        postgresql_where=sa.text("status = 'active' AND kind = 'smallcase'"),
    )
    op.drop_index(
        "uq_subscriptions_direct",
        table_name="subscriptions",
        postgresql_where=sa.text("kind = 'direct'"),
    )
    op.drop_index(op.f("ix_subscriptions_user_id"), table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("constituents")
    op.drop_table("batches")
    op.drop_table("smallcase_versions")
    op.drop_table("smallcases")
    op.drop_table("kyc")
    op.drop_table("bars")
    op.drop_table("audit_log")
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")
    op.drop_index("ix_login_attempts_email_at", table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_table("instruments")
