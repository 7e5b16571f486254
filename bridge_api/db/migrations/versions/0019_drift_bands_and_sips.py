"""drift bands and the rebalances they propose; SIPs and their runs

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _created() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "drift_bands",
        sa.Column("smallcase_id", sa.BigInteger(), nullable=False),
        sa.Column("band_points", sa.Numeric(5, 2), nullable=False),
        sa.Column("cooldown_days", sa.SmallInteger(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=False),
        _created(),
        sa.CheckConstraint(
            "band_points > 0 AND band_points <= 100", name=op.f("ck_drift_bands_band_in_range")
        ),
        sa.CheckConstraint("cooldown_days >= 0", name=op.f("ck_drift_bands_cooldown_non_negative")),
        sa.ForeignKeyConstraint(
            ["smallcase_id"], ["smallcases.id"], name=op.f("fk_drift_bands_smallcase_id_smallcases")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_drift_bands_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("smallcase_id", name=op.f("pk_drift_bands")),
    )
    op.create_table(
        "drift_proposals",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("drift_points", sa.Numeric(7, 2), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column(
            "status", _enum("proposalstatus", "proposed", "accepted", "declined"), nullable=False
        ),
        sa.Column("intent_id", sa.BigInteger(), nullable=True),
        _created(),
        sa.ForeignKeyConstraint(
            ["intent_id"], ["intents.id"], name=op.f("fk_drift_proposals_intent_id_intents")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_drift_proposals_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drift_proposals")),
    )
    op.create_index(
        "ix_drift_proposals_subscription", "drift_proposals", ["subscription_id", "day"]
    )
    op.create_table(
        "sips",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(20, 2), nullable=False),
        sa.Column("frequency", _enum("sipfrequency", "weekly", "monthly"), nullable=False),
        sa.Column("day_of_period", sa.SmallInteger(), nullable=False),
        sa.Column("next_on", sa.Date(), nullable=False),
        sa.Column("status", _enum("sipstatus", "active", "paused", "stopped"), nullable=False),
        _created(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_sips_amount_positive")),
        sa.CheckConstraint("day_of_period BETWEEN 0 AND 28", name=op.f("ck_sips_day_in_range")),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_sips_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sips")),
    )
    op.create_index(op.f("ix_sips_subscription_id"), "sips", ["subscription_id"])
    op.create_table(
        "sip_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("sip_id", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("run_on", sa.Date(), nullable=False),
        sa.Column("intent_id", sa.BigInteger(), nullable=True),
        sa.Column("skipped", sa.String(length=200), nullable=True),
        _created(),
        sa.ForeignKeyConstraint(
            ["intent_id"], ["intents.id"], name=op.f("fk_sip_runs_intent_id_intents")
        ),
        sa.ForeignKeyConstraint(["sip_id"], ["sips.id"], name=op.f("fk_sip_runs_sip_id_sips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sip_runs")),
        sa.UniqueConstraint("sip_id", "due_on", name=op.f("uq_sip_runs_sip_id")),
    )


def downgrade() -> None:
    op.drop_table("sip_runs")
    op.drop_index(op.f("ix_sips_subscription_id"), table_name="sips")
    op.drop_table("sips")
    op.drop_index("ix_drift_proposals_subscription", table_name="drift_proposals")
    op.drop_table("drift_proposals")
    op.drop_table("drift_bands")
