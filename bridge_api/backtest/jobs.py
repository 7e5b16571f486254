"""The backtest job: `saras worker` runs a queued run on a database of its own.

The job is on the queue's ``backtests`` queue (a worker loop of its own, so a long backtest
never holds up notifications). A run is claimed once: the job locks its row and moves it from
``queued`` to ``running``, counting the attempt; each step of progress and the outcome are
written only while the row still names that attempt, so a stale attempt can change nothing.

A worker that dies mid-run leaves the job ``doing`` and the run ``running``; the worker's
rescue puts the job back on the queue (`bridge_api.schedule.worker`), and the run starts again
from the beginning on a fresh database. After `MAX_ATTEMPTS` started attempts it is marked
failed instead, with that reason. A backtest that raises is marked failed with its error.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.backtest.isolated import backtest_on
from bridge_api.backtest.report import report_page, summary_payload
from bridge_api.backtest.run import BacktestRun
from bridge_api.backtest.scenario import BacktestSpec
from bridge_api.db.models import BacktestRecord
from bridge_api.db.scratch import configured_database
from bridge_api.errors import DomainError
from bridge_api.notifications.jobs import app

QUEUE = "backtests"
MAX_ATTEMPTS = 2
log = logging.getLogger(__name__)


@app.task(name="backtests.run", queue=QUEUE)
def run_backtest_job(run_id: int) -> None:
    """Run one queued backtest (see the module doc)."""
    from bridge_api.db.session import session_factory  # noqa: PLC0415

    execute(session_factory(), run_id)


def scratch_name(run_id: int) -> str:
    """The run's own database, beside the configured one."""
    return f"{configured_database()[:40]}_backtest_{run_id}"


def execute(sessions: sessionmaker[Session], run_id: int) -> str:
    """Claim the run, backtest it, record the outcome; returns the run's status."""
    attempt = _claim(sessions, run_id)
    if attempt is None:
        with sessions() as session:
            record = session.get(BacktestRecord, run_id)
            return "missing" if record is None else record.status
    try:
        with sessions() as session:
            spec = spec_of(session.get_one(BacktestRecord, run_id))
        result = backtest_on(
            scratch_name(run_id),
            spec,
            progress=lambda event, info: _progress(sessions, run_id, attempt, event, info),
        )
        outcome: dict[str, object] = {
            "summary": summary_payload(result),
            "series": series_of(result),
            "report_html": report_page(result),
        }
    except Exception as error:  # the run fails with its reason; the worker goes on
        log.exception("backtest run %s failed", run_id)
        _finish(sessions, run_id, attempt, status="failed", error=_reason(error))
        return "failed"
    _finish(sessions, run_id, attempt, status="completed", **outcome)
    log.info("backtest run %s completed", run_id)
    return "completed"


def spec_of(record: BacktestRecord) -> BacktestSpec:
    """The scenario a run's parameters describe (the same one ``saras backtest`` runs)."""
    p = record.parameters
    return BacktestSpec(
        name=str(p["name"]),
        weights={s: Decimal(w) for s, w in p["weights"].items()},
        start=date.fromisoformat(p["start"]),
        end=date.fromisoformat(p["end"]),
        subscribers=int(p["subscribers"]),
        amount=Decimal(p["amount"]),
        schedule=str(p["schedule"]),
    )


def series_of(run: BacktestRun) -> dict[str, object]:
    """The daily values for the app's chart: days, the book's value and the benchmark's."""
    return {
        "days": [d.isoformat() for d in run.days],
        "equity": [str(v) for v in run.equity],
        "benchmark": None if run.benchmark is None else [str(v) for v in run.benchmark],
    }


def _reason(error: Exception) -> str:
    """The failure as a person reads it: a refusal's detail and each of its problems."""
    if isinstance(error, DomainError) and error.errors:
        problems = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in error.errors)
        return f"{error.detail}: {problems}"
    return str(error) or type(error).__name__


def _claim(sessions: sessionmaker[Session], run_id: int) -> int | None:
    """The attempt's number, once the run is ours; None when it has nothing left to do."""
    with sessions() as session, session.begin():
        record = session.get(BacktestRecord, run_id, with_for_update=True)
        if record is None or record.status in ("completed", "failed"):
            return None
        if record.status == "running" and record.attempts >= MAX_ATTEMPTS:
            record.status, record.finished_at = "failed", datetime.now(UTC)
            record.error = f"the worker running it stopped {record.attempts} times; not tried again"
            log.warning("backtest run %s: %s", run_id, record.error)
            return None
        record.status, record.attempts = "running", record.attempts + 1
        record.started_at, record.days_done, record.days_total = datetime.now(UTC), 0, None
        return record.attempts


def _progress(
    sessions: sessionmaker[Session],
    run_id: int,
    attempt: int,
    event: str,
    info: dict[str, object],
) -> None:
    if event != "session":
        return
    done, total = info["done"], info["total"]
    assert isinstance(done, int)
    assert isinstance(total, int)
    with sessions() as session, session.begin():
        session.execute(
            update(BacktestRecord)
            .where(
                BacktestRecord.id == run_id,
                BacktestRecord.attempts == attempt,
                BacktestRecord.status == "running",
            )
            .values(days_done=done, days_total=total)
        )


def _finish(sessions: sessionmaker[Session], run_id: int, attempt: int, **values: object) -> None:
    error = values.get("error")
    if isinstance(error, str):
        values["error"] = error[:1000]
    with sessions() as session, session.begin():
        session.execute(
            update(BacktestRecord)
            .where(
                BacktestRecord.id == run_id,
                BacktestRecord.attempts == attempt,
                BacktestRecord.status == "running",
            )
            .values(finished_at=datetime.now(UTC), **values)
        )
