"""suggestions for managers, kept as shown

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("smallcase_id", sa.BigInteger(), nullable=False),
        sa.Column("based_on_version_id", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("weights", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "accepted",
                name="suggestionstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("accepted_version_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["smallcase_id"], ["smallcases.id"], name=op.f("fk_suggestions_smallcase_id_smallcases")
        ),
        sa.ForeignKeyConstraint(
            ["based_on_version_id"],
            ["smallcase_versions.id"],
            name=op.f("fk_suggestions_based_on_version_id_smallcase_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["accepted_version_id"],
            ["smallcase_versions.id"],
            name=op.f("fk_suggestions_accepted_version_id_smallcase_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_suggestions_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestions")),
    )
    op.create_index(op.f("ix_suggestions_smallcase_id"), "suggestions", ["smallcase_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_suggestions_smallcase_id"), table_name="suggestions")
    op.drop_table("suggestions")
