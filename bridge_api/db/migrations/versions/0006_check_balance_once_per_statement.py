"""check balance once per statement

The per-row deferred constraint trigger ran one sum over an entry's postings for every posting
of it: quadratic in the entry's size (an order allocated to 100,000 subscriptions). A
statement-level trigger over the inserted rows checks each touched entry once. The ledger
inserts all of an entry's postings in one statement, so the check also refuses any later
statement that would add unbalanced postings to an existing entry.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 19:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATEMENT_CHECK = """
CREATE FUNCTION saras_check_postings_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE unbalanced text;
BEGIN
    SELECT string_agg(entry_id || ' ' || asset || ' ' || total::text, ', ') INTO unbalanced FROM (
        SELECT p.entry_id, p.asset, sum(p.amount) AS total FROM postings p
        WHERE p.entry_id IN (SELECT DISTINCT entry_id FROM inserted)
        GROUP BY p.entry_id, p.asset HAVING sum(p.amount) <> 0
    ) AS sums;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'journal entry does not balance: %', unbalanced
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""

ROW_CHECK = """
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
"""


def upgrade() -> None:
    op.execute("DROP TRIGGER postings_balanced ON postings")
    op.execute("DROP FUNCTION saras_check_entry_balanced()")
    op.execute(STATEMENT_CHECK)
    op.execute(
        "CREATE TRIGGER postings_balanced AFTER INSERT ON postings "
        "REFERENCING NEW TABLE AS inserted "
        "FOR EACH STATEMENT EXECUTE FUNCTION saras_check_postings_balanced()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER postings_balanced ON postings")
    op.execute("DROP FUNCTION saras_check_postings_balanced()")
    op.execute(ROW_CHECK)
    op.execute(
        "CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON postings "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION saras_check_entry_balanced()"
    )
