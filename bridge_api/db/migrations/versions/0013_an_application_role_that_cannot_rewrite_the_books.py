"""an application role that cannot rewrite the books

The processes connected as the tables' owner, so they could `ALTER TABLE ... DISABLE TRIGGER`
and defeat the append-only rules, and `TRUNCATE` was not refused on every append-only table.
Migrations keep running as the owner; the bridge, the engine and the workers now act as the
role `saras_app` (`SET ROLE` on every connection, `bridge_api.db.roles`), which owns nothing
(so it can alter, disable or truncate nothing), may only insert into the append-only tables,
and changes `balances` only through `saras_apply_entry`, which adds one journal entry's
postings to the balances, once.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

APP = "saras_app"
APPEND_ONLY = (
    "journal_entries",
    "postings",
    "lot_consumptions",
    "broker_trades",
    "audit_log",
    "order_allocations",
    "account_settlements",
    "stray_trades",
    "dp_charges",
)
NEWLY_TRUNCATE_PROOF = ("order_allocations", "account_settlements", "stray_trades", "dp_charges")
SCHEMAS = ("public", "paper")

APPLY_ENTRY = """
CREATE FUNCTION saras_apply_entry(entry bigint) RETURNS SETOF balances
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO applied_entries (entry_id) VALUES (entry);
    RETURN QUERY
        INSERT INTO balances AS b (account_id, asset, bucket, amount)
        SELECT p.account_id, p.asset, p.bucket, sum(p.amount)
        FROM postings AS p
        WHERE p.entry_id = entry
        GROUP BY p.account_id, p.asset, p.bucket
        HAVING sum(p.amount) <> 0
        ORDER BY p.account_id, p.asset, p.bucket
        ON CONFLICT (account_id, asset, bucket) DO UPDATE SET amount = b.amount + EXCLUDED.amount
        RETURNING b.*;
END
$$
"""


def upgrade() -> None:
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP}') THEN
                CREATE ROLE {APP} NOLOGIN;
            END IF;
        END $$
        """
    )
    op.execute(f"GRANT {APP} TO CURRENT_USER")
    op.execute(
        "CREATE TABLE applied_entries (entry_id bigint PRIMARY KEY REFERENCES journal_entries (id))"
    )
    op.execute("INSERT INTO applied_entries (entry_id) SELECT id FROM journal_entries")
    op.execute(APPLY_ENTRY)
    op.execute("REVOKE ALL ON FUNCTION saras_apply_entry(bigint) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION saras_apply_entry(bigint) TO {APP}")
    for table in NEWLY_TRUNCATE_PROOF:
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION saras_refuse_change()"
        )
    for schema in SCHEMAS:
        op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {APP}")
        op.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {APP}"
        )
        op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {APP}")
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP}"
        )
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {APP}"
        )
    for table in APPEND_ONLY:
        op.execute(f"REVOKE UPDATE, DELETE ON {table} FROM {APP}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON balances FROM {APP}")
    op.execute(f"REVOKE ALL ON applied_entries FROM {APP}")


def downgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {APP}")
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {APP}"
        )
        op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {APP}")
        op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {APP}")
        op.execute(f"REVOKE USAGE ON SCHEMA {schema} FROM {APP}")
    for table in NEWLY_TRUNCATE_PROOF:
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    op.execute("DROP FUNCTION saras_apply_entry(bigint)")
    op.execute("DROP TABLE applied_entries")
