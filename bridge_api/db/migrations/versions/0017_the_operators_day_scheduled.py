"""the operator's day scheduled: each job's run for each day, claimed once

The operator started every step of the day by hand. The scheduler inside `saras worker`
claims a job's run for a day by inserting its row (unique per job and day), so two
schedulers never run it twice; a skip or a missed window is a row too.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 13:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

STATUSES = "('running', 'succeeded', 'failed', 'skipped', 'missed', 'unavailable')"
TRIGGERS = "('schedule', 'catch_up', 'hand', 'operator')"


def upgrade() -> None:
    op.create_table(
        "schedule_jobs",
        sa.Column("job", sa.String(40), nullable=False),
        sa.Column(
            "since", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_schedule_jobs")),
    )
    op.create_table(
        "schedule_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("job", sa.String(40), nullable=False),
        sa.Column("scheduled_for", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(1000), nullable=True),
        sa.Column("late_seconds", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_schedule_runs_status")),
        sa.CheckConstraint(f"trigger IN {TRIGGERS}", name=op.f("ck_schedule_runs_trigger")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_runs")),
        sa.UniqueConstraint("job", "scheduled_for", name="uq_schedule_runs_once"),
    )


def downgrade() -> None:
    op.drop_table("schedule_runs")
    op.drop_table("schedule_jobs")
