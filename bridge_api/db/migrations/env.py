"""Alembic environment: the bridge's metadata, and a URL from the bridge's settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

import bridge_api.db.models  # noqa: F401  (registers every table)
from bridge_api.db.base import Base
from bridge_api.db.session import migration_url

target_metadata = Base.metadata


def _ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Compare the bridge's own tables; procrastinate's come from its pinned schema."""
    return not (type_ == "table" and name is not None and name.startswith("procrastinate"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        include_schemas=True,
        include_object=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate over a given connection (tests, ``saras db upgrade``) or a fresh one."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or migration_url())
    with engine.connect() as fresh:
        _run(fresh)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
