"""kite sessions and broker records

The direct Kite path: the daily session (access token encrypted at rest), login requests started
from the bridge, verified postbacks, the day's order/trade snapshot, charge true-ups against the
contract note, stored reconciliation reports, operator alerts, per-order modification counts,
and each instrument's Kite token. A broker trade is now unique per order, not by its number
alone: Kite's trade ids are the exchange's, unique within a day.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 21:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_kind"), "alerts", ["kind"], unique=False)
    op.create_table(
        "kite_login_requests",
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_kite_login_requests")),
    )
    op.create_table(
        "kite_modifications",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_kite_modifications")),
    )
    op.create_table(
        "kite_postbacks",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=True),
        sa.Column("filled_quantity", sa.BigInteger(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kite_postbacks")),
        sa.UniqueConstraint("digest", name=op.f("uq_kite_postbacks_digest")),
    )
    op.create_index(
        op.f("ix_kite_postbacks_order_id"), "kite_postbacks", ["order_id"], unique=False
    )
    op.create_table(
        "kite_sessions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("api_key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("token_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("login_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=300), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kite_sessions")),
    )
    op.create_table(
        "kite_snapshots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("orders", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("trades", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_kite_snapshots")),
    )
    op.create_table(
        "reconciliation_reports",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("matches", sa.Boolean(), nullable=False),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_reconciliation_reports_batch_id_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_reports")),
    )
    op.create_table(
        "charges_true_ups",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("estimated", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("actual", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("difference", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_charges_true_ups_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_charges_true_ups")),
    )
    op.drop_constraint("uq_broker_trades_broker_trade_id", "broker_trades", type_="unique")
    op.create_unique_constraint(
        op.f("uq_broker_trades_order_id"), "broker_trades", ["order_id", "broker_trade_id"]
    )
    op.add_column("instruments", sa.Column("instrument_token", sa.BigInteger(), nullable=True))
    op.create_unique_constraint(
        op.f("uq_instruments_instrument_token"), "instruments", ["instrument_token"]
    )


def downgrade() -> None:
    op.drop_constraint(op.f("uq_broker_trades_order_id"), "broker_trades", type_="unique")
    op.create_unique_constraint(
        "uq_broker_trades_broker_trade_id", "broker_trades", ["broker_trade_id"]
    )
    op.drop_constraint(op.f("uq_instruments_instrument_token"), "instruments", type_="unique")
    op.drop_column("instruments", "instrument_token")
    op.drop_table("charges_true_ups")
    op.drop_table("reconciliation_reports")
    op.drop_table("kite_snapshots")
    op.drop_table("kite_sessions")
    op.drop_index(op.f("ix_kite_postbacks_order_id"), table_name="kite_postbacks")
    op.drop_table("kite_postbacks")
    op.drop_table("kite_modifications")
    op.drop_table("kite_login_requests")
    op.drop_index(op.f("ix_alerts_kind"), table_name="alerts")
    op.drop_table("alerts")
