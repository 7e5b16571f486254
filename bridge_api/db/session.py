"""Engines and sessions. Services take a `Session` and never commit; the boundary does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.config import get_settings
from bridge_api.db.embedded import embedded_url
from bridge_api.db.roles import app_engine


def database_url() -> str:
    """``DATABASE_URL`` if set (normalised to psycopg 3), else the embedded server's."""
    settings = get_settings()
    if settings.database_url:
        return _psycopg(settings.database_url)
    return embedded_url(settings.data_dir)


def _psycopg(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def migration_url() -> str:
    """Where migrations run, as the tables' owner: ``SARAS_MIGRATION_DATABASE_URL`` if set,
    else `database_url` (whose user must then be able to become the application role)."""
    given = get_settings().migration_database_url
    return _psycopg(given) if given else database_url()


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process's engine (created on first use), acting as the application role, with a
    pool of ``SARAS_DB_POOL_SIZE`` connections."""
    settings = get_settings()
    return app_engine(
        database_url(),
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )


@lru_cache(maxsize=1)
def session_factory() -> sessionmaker[Session]:
    """Sessions bound to the process's engine; objects stay usable after commit."""
    return sessionmaker(get_engine(), expire_on_commit=False)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session whose work commits on success and rolls back on any exception."""
    session = session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
