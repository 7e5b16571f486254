"""backtest runs: a manager's backtest, queued from the app and run by a worker

A run is a row (its parameters, status, progress, failure reason) and a job on the queue in
the same transaction; `saras worker` runs it on a database of its own and stores the summary,
the daily values and the HTML report here, so any bridge process can serve them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

STATUSES = "('queued', 'running', 'completed', 'failed')"


def upgrade() -> None:
    op.create_table(
        "backtest_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("smallcase_id", sa.BigInteger(), nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("parameters", JSONB(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("days_done", sa.Integer(), nullable=False),
        sa.Column("days_total", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("summary", JSONB(), nullable=True),
        sa.Column("series", JSONB(), nullable=True),
        sa.Column("report_html", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_backtest_runs_status")),
        sa.ForeignKeyConstraint(
            ["smallcase_id"],
            ["smallcases.id"],
            name=op.f("fk_backtest_runs_smallcase_id_smallcases"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_backtest_runs_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backtest_runs")),
    )
    op.create_index("ix_backtest_runs_smallcase_id", "backtest_runs", ["smallcase_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_backtest_runs_smallcase_id", table_name="backtest_runs")
    op.drop_table("backtest_runs")
