"""Real PostgreSQL for every test that touches data: a fresh database, migrated once per run,
and one rolled-back transaction per test.

The server is ``DATABASE_URL``'s when that is set (a throwaway database is created beside the
one it names), else an embedded PostgreSQL started in a temporary directory.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.config import REPOSITORY, get_settings
from bridge_api.db import session as db_session
from bridge_api.db.embedded import embedded_url, ensure_database
from bridge_api.db.migrate import upgrade
from bridge_api.db.roles import app_engine
from bridge_api.market.loader import load_bars, load_instruments


def _throwaway_database(tmp_dir) -> tuple[str, str | None]:
    """(SQLAlchemy URL of a new database, admin URI to drop it with, if any)."""
    name = f"saras_test_{uuid.uuid4().hex[:10]}"
    given = os.environ.get("DATABASE_URL")
    if not given:
        url = embedded_url(tmp_dir, name)
        _without_durability(url)
        return url, None
    url = make_url(given).set(drivername="postgresql")
    admin = url.render_as_string(hide_password=False)
    ensure_database(admin, name)
    return url.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False
    ), admin


def _without_durability(url: str) -> None:
    """The tests' own embedded server need not survive a power cut: no fsync, no waiting for
    the WAL at commit (a server given by DATABASE_URL is left as it is)."""
    admin = make_url(url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as db:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            db.execute(f"ALTER SYSTEM SET {setting} = off")
        db.execute("SELECT pg_reload_conf()")


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database with the sample instruments and bars loaded."""
    data_dir = tmp_path_factory.mktemp("saras-data")
    url, admin = _throwaway_database(data_dir)
    os.environ["SARAS_DATA_DIR"] = str(data_dir)
    os.environ["SARAS_ENVIRONMENT"] = "test"
    os.environ["SARAS_DATABASE_URL"] = url
    os.environ.pop("DATABASE_URL", None)
    get_settings.cache_clear()
    db_session.get_engine.cache_clear()
    db_session.session_factory.cache_clear()
    owner = create_engine(url)
    with owner.begin() as connection:
        upgrade(connection=connection)
    owner.dispose()
    engine = app_engine(url)  # the tests act as the processes do: the application role
    with Session(engine) as session, session.begin():
        load_instruments(session, REPOSITORY / "data")
        load_bars(session, REPOSITORY / "data")
    yield engine
    engine.dispose()
    db_session.get_engine().dispose()
    if admin is not None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Deferred constraints are checked immediately, so the ledger's balance trigger runs
    although nothing commits.
    """
    connection = engine.connect()
    outer = connection.begin()
    connection.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


@pytest.fixture(scope="session")
def template_database(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A migrated database with the sample market data, to clone committed databases from:
    (its URL, an admin URI on the same server)."""
    url, admin = _throwaway_database(tmp_path_factory.mktemp("template"))
    scratch = create_engine(url)
    with scratch.begin() as connection:
        upgrade(connection=connection)
    with Session(scratch) as session, session.begin():
        load_instruments(session, REPOSITORY / "data")
        load_bars(session, REPOSITORY / "data")
    scratch.dispose()
    server = make_url(url).set(drivername="postgresql", database="postgres")
    admin_uri = admin or server.render_as_string(hide_password=False)
    yield url, admin_uri
    if admin is not None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture
def committed(template_database: tuple[str, str]) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh database cloned from the template, for code that commits (the
    engine, the paper venue); dropped after the test."""
    template, admin = template_database
    name = f"saras_run_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template).database}"')
    url = make_url(template).set(database=name).render_as_string(hide_password=False)
    fresh = app_engine(url)
    try:
        yield sessionmaker(fresh, expire_on_commit=False)
    finally:
        fresh.dispose()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
