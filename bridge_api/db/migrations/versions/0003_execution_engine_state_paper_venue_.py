"""execution engine state, paper venue books, job queue

The engine's shared state (the order-rate limiter and the trading lease), batch phases and
slice states for two-phase execution, the paper venue's own order and trade books (schema
``paper``), and procrastinate's job-queue schema (from the pinned procrastinate release), so
notification jobs are enqueued in the same transaction as what causes them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:11:32.345125
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager

DROP_PROCRASTINATE = """
DO $$ DECLARE item record; BEGIN
    FOR item IN SELECT tablename FROM pg_tables
                WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%' LOOP
        EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident(item.tablename) || ' CASCADE';
    END LOOP;
    FOR item IN SELECT oid::regprocedure AS signature FROM pg_proc
                WHERE proname LIKE 'procrastinate%' LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || item.signature || ' CASCADE';
    END LOOP;
    FOR item IN SELECT typname FROM pg_type
                WHERE typname LIKE 'procrastinate%' AND typtype IN ('e', 'c') LOOP
        EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(item.typname) || ' CASCADE';
    END LOOP;
END $$
"""
SLICE_STATES = ("planned", "sending", "sent", "unknown", "rejected", "final")
OLD_SLICE_STATES = ("planned", "sent", "unknown", "final")


def _slice_states(states: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_order_slices_slicestatus"), "order_slices", type_="check")
    allowed = ", ".join(f"'{s}'" for s in states)
    op.create_check_constraint("slicestatus", "order_slices", f"status IN ({allowed})")


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA paper")
    op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
    _slice_states(SLICE_STATES)
    op.create_table(
        "engine_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_engine_leases")),
    )
    op.create_table(
        "order_sends",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("limiter", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=20), nullable=False),
        sa.Column(
            "sent_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_sends")),
    )
    op.create_index(
        "ix_order_sends_limiter_at", "order_sends", ["limiter", "sent_at"], unique=False
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("broker_order_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.String(length=20), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("filled", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("session_day", sa.Date(), nullable=False),
        sa.Column(
            "placed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("broker_order_id", name=op.f("uq_orders_broker_order_id")),
        schema="paper",
    )
    op.create_index(op.f("ix_paper_orders_tag"), "orders", ["tag"], unique=False, schema="paper")
    op.create_table(
        "rate_limiters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("used_before", sa.Integer(), server_default="0", nullable=False),
        sa.Column("used_on", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rate_limiters")),
    )
    op.create_table(
        "trades",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("trade_id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["paper.orders.id"], name=op.f("fk_trades_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trades")),
        sa.UniqueConstraint("trade_id", name=op.f("uq_trades_trade_id")),
        schema="paper",
    )
    op.create_index(
        op.f("ix_paper_trades_order_id"), "trades", ["order_id"], unique=False, schema="paper"
    )
    op.add_column("batches", sa.Column("phase", sa.Integer(), server_default="0", nullable=False))
    op.add_column("batches", sa.Column("trade_date", sa.Date(), nullable=True))
    op.add_column("order_slices", sa.Column("message", sa.String(length=300), nullable=True))


def downgrade() -> None:
    _slice_states(OLD_SLICE_STATES)
    op.drop_column("order_slices", "message")
    op.drop_column("batches", "trade_date")
    op.drop_column("batches", "phase")
    op.drop_index(op.f("ix_paper_trades_order_id"), table_name="trades", schema="paper")
    op.drop_table("trades", schema="paper")
    op.drop_table("rate_limiters")
    op.drop_index(op.f("ix_paper_orders_tag"), table_name="orders", schema="paper")
    op.drop_table("orders", schema="paper")
    op.drop_index("ix_order_sends_limiter_at", table_name="order_sends")
    op.drop_table("order_sends")
    op.drop_table("engine_leases")
    op.execute("DROP SCHEMA paper")
    op.get_bind().exec_driver_sql(DROP_PROCRASTINATE.replace("%", "%%"))
