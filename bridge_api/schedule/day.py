"""The jobs of the operator's day: when each runs (IST, on sessions or every day), how late
it may still start, what a missed run does, and the work itself.

A job's work takes the process's sessions and the day it runs for, and returns its outcome
as one line (most jobs are one step in one transaction: `_in_transaction`); it raises
`Unavailable` when it cannot run in this installation, and any other error is a failure
(recorded and alerted by the scheduler).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.calendar import IST, is_session
from bridge_api.config import get_settings
from bridge_api.db.backup import nightly_backup
from bridge_api.db.models import Batch, BatchState, EngineLease
from bridge_api.errors import NotFound

Work = Callable[[sessionmaker[Session], date], str]


class Unavailable(Exception):
    """The job cannot run in this installation (said as its outcome, not alerted)."""


@dataclass(frozen=True, slots=True)
class Job:
    """One job of the day."""

    name: str
    at: time
    """When it runs, IST."""
    on: Literal["sessions", "days"]
    """NSE sessions only, or every day."""
    window: timedelta
    """How long after `at` a run still starts as scheduled."""
    when_missed: Literal["catch_up", "alert"]
    """Past its window: run once late, or record it missed and alert the operator."""
    covers_earlier: bool
    """A run also does the work of earlier missed days (so only the latest is caught up)."""
    work: Work
    summary: str

    def runs_on(self, day: date) -> bool:
        """Whether the job has a run on `day`."""
        return self.on == "days" or is_session(day)

    def moment(self, day: date) -> datetime:
        """When the job's run for `day` is due."""
        return datetime.combine(day, self.at, tzinfo=IST)


class _KeptButFailed(Exception):
    """Raised by a step whose work stands (its transaction commits) although its run failed."""


def _in_transaction(step: Callable[[Session, date], str]) -> Work:
    """A job's work that is one `step` in one transaction, its outcome the step's line.

    A step raising `_KeptButFailed` keeps what it did and fails its run with that message.
    """

    def work(sessions: sessionmaker[Session], day: date) -> str:
        with sessions() as session, session.begin():
            try:
                return step(session, day)
            except _KeptButFailed as failed:
                message = str(failed)
        raise RuntimeError(message)

    return work


@_in_transaction
def _settlement(session: Session, day: date) -> str:
    from bridge_api.ledger.settlement import settle  # noqa: PLC0415

    result = settle(session, today=day)
    text = f"settled {result.entries} entries of {result.accounts} books due by {result.as_of}"
    if result.refused:
        raise _KeptButFailed(f"{text}; {len(result.refused)} books left unsettled (alerted)")
    return text


@_in_transaction
def _sips(session: Session, day: date) -> str:
    from bridge_api.portfolios.sips import run_due_sips  # noqa: PLC0415

    runs = run_due_sips(session, day)
    invested = sum(1 for run in runs if run.intent_id is not None)
    return f"{len(runs)} SIPs due: {invested} top-ups, {len(runs) - invested} skipped"


@_in_transaction
def _drift(session: Session, day: date) -> str:
    from bridge_api.portfolios.drift import propose_drift_rebalances  # noqa: PLC0415

    proposals = propose_drift_rebalances(session, day)
    return f"{len(proposals)} rebalances proposed to subscriptions beyond their drift band"


@_in_transaction
def _instruments(session: Session, day: date) -> str:
    from bridge_api.brokers.kite.sessions import connected_client  # noqa: PLC0415
    from bridge_api.market.instruments import sync_instruments  # noqa: PLC0415

    result = sync_instruments(session, connected_client(session))
    return f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged"


@_in_transaction
def _token_reminder(session: Session, day: date) -> str:
    from bridge_api.brokers.kite.sessions import current  # noqa: PLC0415
    from bridge_api.notifications.events import OPERATORS, EventKind, notify  # noqa: PLC0415

    active = current(session)
    if active is None:
        return "no valid Kite session: nothing expires"
    ends = active.expires_at.astimezone(IST)
    notify(
        session,
        EventKind.KITE_TOKEN_EXPIRING,
        OPERATORS,
        dedupe_key=f"kite-expiring-{active.id}",
        expires_at=ends.strftime("%Y-%m-%d %H:%M IST"),
        kite_user=active.user_id,
    )
    return f"reminded: session of {active.user_id} ends {ends:%H:%M IST}"


@_in_transaction
def _login_check(session: Session, day: date) -> str:
    from bridge_api.brokers.kite.sessions import current  # noqa: PLC0415
    from bridge_api.notifications.alerts import raise_alert  # noqa: PLC0415

    if current(session) is not None:
        return "Kite session valid for the open"
    raise_alert(
        session,
        "kite_session",
        f"no valid Kite session for the open of {day}: log in with `saras kite login`",
        day=str(day),
    )
    return "no Kite session: the operator was alerted"


@_in_transaction
def _engine_window(session: Session, day: date) -> str:
    from bridge_api.notifications.alerts import raise_alert  # noqa: PLC0415

    lease = session.get(EngineLease, "zerodha")
    if lease is not None and lease.expires_at > datetime.now(UTC):
        return f"engine running (lease held by {lease.holder})"
    ready = session.execute(
        select(func.count()).select_from(Batch).where(Batch.state == BatchState.READY)
    ).scalar_one()
    if not ready:
        return "no engine running; no batch is ready"
    raise_alert(
        session,
        "engine_halted",
        f"no engine holds the trading lease in the start window of {day}, and {ready} "
        "batches are ready: start `saras engine run --broker kite`",
        ready=ready,
    )
    return f"no engine running with {ready} batches ready: the operator was alerted"


@_in_transaction
def _session_pruning(session: Session, day: date) -> str:
    from bridge_api.users.sessions import prune  # noqa: PLC0415

    retention = timedelta(days=get_settings().session_retention_days)
    pruned = prune(session, datetime.now(UTC), retention)
    return (
        f"deleted {pruned.sessions} sign-in sessions and {pruned.refresh_tokens} refresh tokens "
        f"past {retention.days} days"
    )


def _snapshot(sessions: sessionmaker[Session], day: date) -> str:
    from bridge_api.brokers.kite.account import kite_broker  # noqa: PLC0415

    orders, trades = kite_broker(sessions, get_settings()).snapshot(day)
    return f"stored {orders} orders and {trades} trades"


def _true_up(sessions: sessionmaker[Session], day: date) -> str:
    from bridge_api.brokers.kite.account import kite_broker  # noqa: PLC0415
    from bridge_api.brokers.kite.contract_notes import KiteContractNotes  # noqa: PLC0415
    from bridge_api.ledger.true_up import true_up  # noqa: PLC0415

    broker = kite_broker(sessions, get_settings())
    with sessions() as session, session.begin():
        result = true_up(session, KiteContractNotes(broker), day)
    if result.refused:
        raise RuntimeError(result.refused)
    return f"estimated {result.estimated}, contract note {result.actual} ({result.orders} orders)"


def _reconciliation(sessions: sessionmaker[Session], day: date) -> str:
    from bridge_api.brokers.kite.account import kite_broker  # noqa: PLC0415
    from bridge_api.ledger.reconciliation import reconcile  # noqa: PLC0415

    broker = kite_broker(sessions, get_settings())
    with sessions() as session, session.begin():
        report, stored = reconcile(session, broker, scope="full")
    if report.matches:
        return f"the books match the broker (report {stored.id})"
    return f"{len(report.differences)} differences (report {stored.id}; the operator was alerted)"


@_in_transaction
def _candles(session: Session, day: date) -> str:
    from bridge_api.brokers.kite.sessions import connected_client  # noqa: PLC0415
    from bridge_api.market.candles import fetch_daily  # noqa: PLC0415
    from bridge_api.market.loader import holds_synthetic_sample  # noqa: PLC0415

    folder = get_settings().market_data_dir
    if holds_synthetic_sample(folder):
        raise Unavailable(f"{folder} holds the synthetic sample: set SARAS_MARKET_DATA_DIR")
    result = fetch_daily(
        session, connected_client(session), symbols=None, start=day, end=day, data_dir=folder
    )
    return f"{sum(result.added.values())} bars for {len(result.added)} symbols"


def _backup(sessions: sessionmaker[Session], day: date) -> str:
    """The nightly `saras db backup` of the configured database (SARAS_BACKUP_DIR)."""
    done = nightly_backup(day)
    return f"{done.tables} tables, {done.size:,} bytes to {done.path}"


_LATE_EVENING = timedelta(hours=10)
JOBS: tuple[Job, ...] = (
    Job(
        name="session_pruning",
        at=time(4, 0),
        on="days",
        window=timedelta(hours=20),
        when_missed="catch_up",
        covers_earlier=True,
        work=_session_pruning,
        summary="sign-in sessions and refresh tokens deleted a retention after they end",
    ),
    Job(
        name="kite_token_reminder",
        at=time(5, 0),
        on="days",
        window=timedelta(minutes=55),
        when_missed="alert",
        covers_earlier=True,
        work=_token_reminder,
        summary="Kite's token expires at 06:00: remind the operator",
    ),
    Job(
        name="instrument_sync",
        at=time(8, 15),
        on="sessions",
        window=timedelta(hours=7),
        when_missed="catch_up",
        covers_earlier=True,
        work=_instruments,
        summary="Kite's instrument dump into the instruments table",
    ),
    Job(
        name="settlement",
        at=time(8, 30),
        on="sessions",
        window=timedelta(hours=6, minutes=45),
        when_missed="catch_up",
        covers_earlier=True,
        work=_settlement,
        summary="T+1 settlement of what is due, before the open",
    ),
    Job(
        name="sips",
        at=time(8, 40),
        on="sessions",
        window=timedelta(hours=6),
        when_missed="catch_up",
        covers_earlier=True,
        work=_sips,
        summary="each SIP due by today tops up its subscription from free cash, or skips",
    ),
    Job(
        name="kite_login_check",
        at=time(8, 45),
        on="sessions",
        window=timedelta(hours=6),
        when_missed="catch_up",
        covers_earlier=True,
        work=_login_check,
        summary="a valid Kite session for the open, else alert",
    ),
    Job(
        name="drift",
        at=time(8, 50),
        on="sessions",
        window=timedelta(hours=6),
        when_missed="catch_up",
        covers_earlier=True,
        work=_drift,
        summary="a rebalance proposed to each subscription beyond its smallcase's drift band",
    ),
    Job(
        name="engine_window",
        at=time(9, 5),
        on="sessions",
        window=timedelta(hours=4, minutes=55),
        when_missed="alert",
        covers_earlier=True,
        work=_engine_window,
        summary="the engine holds the lease when batches are ready, else alert",
    ),
    Job(
        name="eod_snapshot",
        at=time(15, 40),
        on="sessions",
        window=timedelta(hours=13, minutes=50),
        when_missed="alert",
        covers_earlier=True,
        work=_snapshot,
        summary="the day's order and trade books stored before the token expires",
    ),
    Job(
        name="candles",
        at=time(16, 30),
        on="sessions",
        window=timedelta(hours=12),
        when_missed="catch_up",
        covers_earlier=True,
        work=_candles,
        summary="the day's candles from Kite, after the close",
    ),
    Job(
        name="true_up",
        at=time(19, 0),
        on="sessions",
        window=_LATE_EVENING,
        when_missed="catch_up",
        covers_earlier=False,
        work=_true_up,
        summary="the day's charges trued up to the contract note",
    ),
    Job(
        name="reconciliation",
        at=time(19, 30),
        on="sessions",
        window=_LATE_EVENING,
        when_missed="catch_up",
        covers_earlier=True,
        work=_reconciliation,
        summary="every book plus the house against the broker",
    ),
    Job(
        name="backup",
        at=time(23, 30),
        on="days",
        window=timedelta(hours=6),
        when_missed="alert",
        covers_earlier=True,
        work=_backup,
        summary="the nightly backup (`saras db backup`)",
    ),
)


def job_named(name: str, jobs: tuple[Job, ...] = JOBS) -> Job:
    """The job called `name`, or `NotFound` listing the known ones."""
    for job in jobs:
        if job.name == name:
            return job
    raise NotFound(f"no job {name!r}; the jobs are {', '.join(j.name for j in jobs)}")
