"""Who the processes are in PostgreSQL.

Migrations run as the owner of the tables (the user of ``DATABASE_URL``, or
``SARAS_MIGRATION_DATABASE_URL`` when set). Everything else (the bridge, the engine, the
workers, the command line) acts as ``saras_app``: on every new connection the engine runs
``SET ROLE saras_app``, so the session's privileges are that role's. It owns no table, so it
cannot alter one, disable a trigger or truncate; it may only insert into the append-only
tables, and it changes ``balances`` only through ``saras_apply_entry`` (see migration 0013 and
``docs/operations.md``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

APP_ROLE = "saras_app"


def app_engine(url: str, **options: Any) -> Engine:
    """An engine whose every connection acts as `APP_ROLE`."""
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _act_as_app)
    return engine


def _act_as_app(connection: Any, _: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    connection.commit()
