"""A fresh database for the demo or a backtest, beside the configured one."""

from __future__ import annotations

from bridge_api.db.scratch import fresh_database

DATABASE = "saras_demo"


def demo_database(database: str = DATABASE) -> str:
    """A fresh, empty database (``saras_demo`` by default) on the embedded server or
    ``DATABASE_URL``'s; returns its SQLAlchemy URL."""
    return fresh_database(database)
