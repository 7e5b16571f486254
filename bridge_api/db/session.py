"""Engines and sessions. Services take a `Session` and never commit; the boundary does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.config import get_settings
from bridge_api.db.embedded import embedded_url


def database_url() -> str:
    """``DATABASE_URL`` if set (normalised to psycopg 3), else the embedded server's."""
    settings = get_settings()
    if settings.database_url:
        url = settings.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
    return embedded_url(settings.data_dir)


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process's engine (created on first use)."""
    return create_engine(database_url(), pool_pre_ping=True, future=True)


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
