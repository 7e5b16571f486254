"""Backtests a manager asks for: one row per run, queued with its job in one transaction.

A run backtests the smallcase's latest weights (or a suggestion's, recorded with its id) over
a period of the stored bars, for a number of simulated subscribers each investing about
`amount` (varied as ``saras backtest`` varies it), rebalanced on a schedule. `saras worker`
runs it (`bridge_api.backtest.jobs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge_api.backtest.jobs import run_backtest_job
from bridge_api.backtest.scenario import SCHEDULES
from bridge_api.db.models import BacktestRecord, Bar, User
from bridge_api.errors import Invalid, NotFound
from bridge_api.notifications.jobs import enqueue
from bridge_api.smallcases import service as smallcases

MAX_SUBSCRIBERS = 50
MIN_AMOUNT = Decimal("1000.00")
MAX_AMOUNT = Decimal("100000000.00")
"""Rs 10 crore for each simulated subscriber."""


@dataclass(frozen=True, slots=True)
class BacktestAsk:
    """What the manager asked for."""

    start: date
    end: date
    amount: Decimal
    schedule: str = "monthly"
    subscribers: int = 5


def bar_range(session: Session, symbols: list[str]) -> tuple[date, date] | None:
    """The first and last day on which every one of `symbols` has a bar (None: no such day)."""
    days = (
        select(Bar.day)
        .where(Bar.symbol.in_(symbols))
        .group_by(Bar.day)
        .having(func.count() == len(symbols))
        .subquery()
    )
    first, last = session.execute(select(func.min(days.c.day), func.max(days.c.day))).one()
    return None if first is None else (first, last)


def request(
    session: Session,
    manager: User,
    smallcase_id: int,
    ask: BacktestAsk,
    *,
    suggested: tuple[int, dict[str, Decimal]] | None = None,
) -> BacktestRecord:
    """Record a queued run of the smallcase's latest weights, or of a suggestion's exactly as
    shown (`suggested`: its id and weights), and enqueue its job (its manager or an admin;
    each problem of `ask` is named against its field)."""
    smallcase = smallcases.owned(session, manager, smallcase_id)
    if suggested is None:
        weights = smallcases.composition(session, smallcase_id).weights
        name, suggestion_id = smallcase.name, None
    else:
        suggestion_id, weights = suggested
        name = f"{smallcase.name} (suggestion {suggestion_id})"
    problems = _problems(session, sorted(weights), ask)
    if problems:
        raise Invalid("the backtest cannot run as asked", errors=problems)
    record = BacktestRecord(
        smallcase_id=smallcase.id,
        requested_by=manager.id,
        status="queued",
        attempts=0,
        days_done=0,
        parameters={
            "name": name,
            "suggestion_id": suggestion_id,
            "weights": {s: str(w) for s, w in sorted(weights.items())},
            "start": ask.start.isoformat(),
            "end": ask.end.isoformat(),
            "amount": f"{ask.amount:.2f}",
            "schedule": ask.schedule,
            "subscribers": ask.subscribers,
        },
    )
    session.add(record)
    session.flush()
    enqueue(session, run_backtest_job, run_id=record.id)
    return record


def _problems(session: Session, symbols: list[str], ask: BacktestAsk) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []

    def add(field: str, message: str) -> None:
        problems.append({"field": field, "message": message})

    if ask.schedule not in SCHEDULES:
        add("schedule", f"must be one of {', '.join(SCHEDULES)}")
    if not 1 <= ask.subscribers <= MAX_SUBSCRIBERS:
        add("subscribers", f"must be from 1 to {MAX_SUBSCRIBERS}")
    if not MIN_AMOUNT <= ask.amount <= MAX_AMOUNT:
        add("amount", f"must be from {MIN_AMOUNT} to {MAX_AMOUNT}")
    elif ask.amount != ask.amount.quantize(Decimal("0.01")):
        add("amount", "must be in whole paise (two decimals at most)")
    span = bar_range(session, symbols)
    if span is None:
        add("start", "no stored bars hold every constituent of this smallcase")
        return problems
    first, last = span
    if ask.start < first:
        add("start", f"must be on or after {first}, the first day with bars for every stock")
    if ask.end > last:
        add("end", f"must be on or before {last}, the last day with bars for every stock")
    if ask.end <= ask.start:
        add("end", "must be after the start")
    return problems


def runs_of(session: Session, manager: User, smallcase_id: int) -> list[BacktestRecord]:
    """The smallcase's runs, newest first (its manager or an admin)."""
    smallcases.owned(session, manager, smallcase_id)
    return list(
        session.execute(
            select(BacktestRecord)
            .where(BacktestRecord.smallcase_id == smallcase_id)
            .order_by(BacktestRecord.id.desc())
        ).scalars()
    )


def run_of(session: Session, manager: User, run_id: int) -> BacktestRecord:
    """One run (its smallcase's manager or an admin; others get 404 or 403)."""
    record = session.get(BacktestRecord, run_id)
    if record is None:
        raise NotFound(f"no backtest run {run_id}")
    smallcases.owned(session, manager, record.smallcase_id)
    return record
