"""Throwaway databases beside the configured one (the demo's, each backtest's)."""

from __future__ import annotations

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from bridge_api.db.session import migration_url


def _admin() -> tuple[str, str]:
    """(libpq address of the configured server as the tables' owner, its database's name)."""
    url = make_url(migration_url())
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return admin, url.database or ""


def configured_database() -> str:
    """The name of the configured database."""
    return _admin()[1]


def fresh_database(database: str) -> str:
    """A new, empty database `database` (dropped first if it exists) on the configured
    server; returns its SQLAlchemy URL."""
    admin, _ = _admin()
    with psycopg.connect(admin, autocommit=True) as connection:
        name = sql.Identifier(database)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
    url = make_url(migration_url()).set(drivername="postgresql+psycopg", database=database)
    return url.render_as_string(hide_password=False)


def drop_database(database: str) -> None:
    """Drop `database` if it exists (its connections are ended)."""
    admin, _ = _admin()
    with psycopg.connect(admin, autocommit=True) as connection:
        name = sql.Identifier(database)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
