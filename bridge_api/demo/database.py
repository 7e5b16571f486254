"""A fresh database for the demo or a backtest, beside the configured one."""

from __future__ import annotations

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from bridge_api.config import get_settings
from bridge_api.db.embedded import embedded_url

DATABASE = "saras_demo"


def demo_database(database: str = DATABASE) -> str:
    """A fresh, empty database (``saras_demo`` by default) on the embedded server or
    ``DATABASE_URL``'s; returns its SQLAlchemy URL."""
    settings = get_settings()
    base = settings.database_url or embedded_url(settings.data_dir)
    url = make_url(base.replace("postgres://", "postgresql://", 1))
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        name = sql.Identifier(database)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return url.set(drivername="postgresql+psycopg", database=database).render_as_string(
        hide_password=False
    )
