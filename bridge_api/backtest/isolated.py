"""A backtest on a database of its own, beside the configured one: made empty, migrated, run as
the app's role, and dropped afterwards (kept only when asked, as `saras backtest` keeps its)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import sessionmaker

from bridge_api.backtest.run import BacktestRun
from bridge_api.backtest.scenario import BacktestSpec, Progress, run_backtest
from bridge_api.db.migrate import upgrade
from bridge_api.db.roles import app_engine
from bridge_api.db.scratch import drop_database, fresh_database

log = logging.getLogger(__name__)


def backtest_on(
    database: str, spec: BacktestSpec, *, progress: Progress | None = None, keep: bool = False
) -> BacktestRun:
    """`spec` run on a fresh database named `database`. Unless `keep`, the database is dropped
    afterwards; a drop that fails is logged (a fresh run of the same name drops it first)."""
    try:
        url = fresh_database(database)
        upgrade(url)
        engine = app_engine(url)
        try:
            sessions = sessionmaker(engine, expire_on_commit=False)
            return run_backtest(sessions, spec, progress=progress)
        finally:
            engine.dispose()
    finally:
        if not keep:
            try:
                drop_database(database)
            except Exception:
                log.exception("could not drop %s", database)
