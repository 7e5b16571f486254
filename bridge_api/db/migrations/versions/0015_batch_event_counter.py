"""batch event counter: each batch counts the progress events it has notified

The web app watches a batch trade live through PostgreSQL notifications; each event carries
the batch's count of events so far, raised in the transaction that notifies it, so a viewer
that read the batch at event n takes only the events after n.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "batches",
        sa.Column("last_event", sa.BigInteger(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("batches", "last_event")
