"""A proposal's backtest through the path `saras backtest` runs (`bridge_api.backtest`):
simulated subscribers invest in the proposed weights and are rebalanced by the engine and the
paper venue, on a throwaway database of its own that is dropped afterwards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bridge_api.backtest.metrics import summarise
from bridge_api.backtest.scenario import BacktestSpec, run_backtest
from bridge_api.config import get_settings
from bridge_api.db.embedded import embedded_url
from bridge_api.db.migrate import upgrade
from bridge_api.db.roles import app_engine
from bridge_api.demo.database import demo_database


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    """The window, subscribers and schedule of a proposal's backtest."""

    end: date
    months: int = 6
    subscribers: int = 3
    amount: Decimal = Decimal("100000.00")
    schedule: str = "monthly"

    @property
    def start(self) -> date:
        """About `months` months before `end`."""
        return self.end - timedelta(days=round(self.months * 30.44))


def backtest(name: str, weights: dict[str, Decimal], request: BacktestRequest) -> dict[str, object]:
    """The backtest's summary (`bridge_api.backtest.metrics.Summary`), with whether the data
    was the synthetic sample and the subscribers against the model."""
    database = f"saras_suggest_{uuid.uuid4().hex[:10]}"
    url = demo_database(database)
    try:
        upgrade(url)
        engine = app_engine(url)
        try:
            run = run_backtest(
                sessionmaker(engine, expire_on_commit=False),
                BacktestSpec(
                    name=name,
                    weights=weights,
                    start=request.start,
                    end=request.end,
                    subscribers=request.subscribers,
                    amount=request.amount,
                    schedule=request.schedule,
                ),
            )
        finally:
            engine.dispose()
    finally:
        _drop(url)
    return {
        **summarise(run).as_dict(),
        "synthetic_data": run.synthetic,
        "subscribers": run.subscribers,
        "benchmark": run.benchmark_name,
        "schedule": request.schedule,
        "notes": run.notes,
    }


def _drop(url: str) -> None:
    """Drop the throwaway database, connected to the server as `demo_database` creates it."""
    settings = get_settings()
    base = settings.database_url or embedded_url(settings.data_dir)
    admin = make_url(base.replace("postgres://", "postgresql://", 1)).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as db:
        db.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(make_url(url).database or "")
            )
        )
