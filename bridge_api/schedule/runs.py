"""Each job's run for each day: one row, claimed once.

A scheduler (or the operator) claims a run by inserting its row in a transaction of its
own; the unique (job, day) key lets only one of several schedulers win. The work then runs
and its outcome is recorded. A skip or a missed window is a row too, so nothing runs it later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.calendar import ist_today
from bridge_api.db.models import ScheduleJob, ScheduleRun
from bridge_api.errors import Conflict, Invalid
from bridge_api.notifications.alerts import raise_alert
from bridge_api.schedule.day import JOBS, Job, Unavailable, job_named

log = logging.getLogger(__name__)
REDO = ("failed", "missed", "skipped", "unavailable")
"""A run in one of these states may be run by hand (without ``again``)."""


def claim(
    sessions: sessionmaker[Session], job: Job, day: date, *, trigger: str, late: timedelta
) -> int | None:
    """Claim `job`'s run for `day` (committed at once); None when it already has a row."""
    with sessions() as session, session.begin():
        return session.execute(
            insert(ScheduleRun)
            .values(
                job=job.name,
                scheduled_for=day,
                status="running",
                trigger=trigger,
                attempts=1,
                started_at=datetime.now(UTC),
                late_seconds=max(int(late.total_seconds()), 0),
            )
            .on_conflict_do_nothing(constraint="uq_schedule_runs_once")
            .returning(ScheduleRun.id)
        ).scalar_one_or_none()


def execute(sessions: sessionmaker[Session], job: Job, run_id: int, day: date) -> ScheduleRun:
    """Do a claimed run's work and record its outcome; a failure is alerted."""
    log.info("schedule: %s for %s started", job.name, day)
    try:
        outcome, status = job.work(sessions, day), "succeeded"
    except Unavailable as error:
        outcome, status = str(error), "unavailable"
    except Exception as error:  # a failing job is recorded and alerted, never kills the loop
        log.exception("schedule: %s for %s failed", job.name, day)
        outcome, status = f"{type(error).__name__}: {error}", "failed"
    with sessions() as session, session.begin():
        run = session.get_one(ScheduleRun, run_id, with_for_update=True)
        run.status, run.outcome, run.finished_at = status, outcome[:1000], datetime.now(UTC)
        if status == "failed":
            raise_alert(
                session,
                "schedule",
                f"{job.name} for {day} failed: {outcome}"[:500],
                job=job.name,
                day=str(day),
            )
    log.info("schedule: %s for %s %s: %s", job.name, day, status, outcome)
    return run


def record_missed(session: Session, job: Job, day: date, outcome: str, *, alert: bool) -> bool:
    """Record `job`'s run for `day` as missed (and alert, if asked) unless it has a row."""
    now = datetime.now(UTC)
    run_id = session.execute(
        insert(ScheduleRun)
        .values(
            job=job.name,
            scheduled_for=day,
            status="missed",
            trigger="schedule",
            attempts=0,
            finished_at=now,
            outcome=outcome[:1000],
        )
        .on_conflict_do_nothing(constraint="uq_schedule_runs_once")
        .returning(ScheduleRun.id)
    ).scalar_one_or_none()
    if run_id is not None and alert:
        raise_alert(
            session,
            "schedule",
            f"{job.name} for {day} was missed: {outcome}"[:500],
            job=job.name,
            day=str(day),
        )
    return run_id is not None


def skip(session: Session, name: str, day: date, *, jobs: tuple[Job, ...] = JOBS) -> ScheduleRun:
    """Skip `name`'s run for `day` (before it runs; skipping twice changes nothing)."""
    job = job_named(name, jobs)
    _check_day(job, day)
    session.execute(
        insert(ScheduleRun)
        .values(
            job=job.name,
            scheduled_for=day,
            status="skipped",
            trigger="operator",
            attempts=0,
            finished_at=datetime.now(UTC),
            outcome="skipped by the operator",
        )
        .on_conflict_do_nothing(constraint="uq_schedule_runs_once")
    )
    run = _run(session, job.name, day)
    if run.status != "skipped":
        raise Conflict(f"{job.name} for {day} is already {run.status}: it cannot be skipped")
    return run


def run_by_hand(
    sessions: sessionmaker[Session],
    name: str,
    day: date | None = None,
    *,
    again: bool = False,
    jobs: tuple[Job, ...] = JOBS,
) -> ScheduleRun:
    """Run `name` for `day` (default today, IST) now. A day whose run failed, was missed,
    skipped or unavailable is run again; one that succeeded or is running only with `again`
    (the operator's explicit decision)."""
    job = job_named(name, jobs)
    day = day or ist_today()
    _check_day(job, day)
    run_id = claim(sessions, job, day, trigger="hand", late=timedelta(0))
    if run_id is None:
        with sessions() as session, session.begin():
            run = _run(session, job.name, day, lock=True)
            if run.status not in REDO and not again:
                raise Conflict(
                    f"{job.name} for {day} is already {run.status}"
                    + (f" ({run.outcome})" if run.outcome else "")
                    + ": pass --again to run it once more"
                )
            session.execute(
                update(ScheduleRun)
                .where(ScheduleRun.id == run.id)
                .values(
                    status="running",
                    trigger="hand",
                    attempts=ScheduleRun.attempts + 1,
                    started_at=datetime.now(UTC),
                    finished_at=None,
                    outcome=None,
                )
            )
            run_id = run.id
    return execute(sessions, job, run_id, day)


@dataclass(frozen=True, slots=True)
class JobStatus:
    """What the operator sees of one job."""

    job: Job
    last: ScheduleRun | None
    next_run: datetime | None


def status(
    session: Session, now: datetime | None = None, *, jobs: tuple[Job, ...] = JOBS
) -> list[JobStatus]:
    """Every job with its latest run and its next scheduled moment (skipped days passed over)."""
    now = now or datetime.now(UTC)
    shown = []
    for job in jobs:
        last = session.execute(
            select(ScheduleRun)
            .where(ScheduleRun.job == job.name)
            .order_by(ScheduleRun.scheduled_for.desc())
            .limit(1)
        ).scalar_one_or_none()
        shown.append(JobStatus(job=job, last=last, next_run=next_run(session, job, now)))
    return shown


def next_run(session: Session, job: Job, now: datetime, horizon: int = 15) -> datetime | None:
    """The next moment `job` will run: the first day from today with no run yet whose moment
    is still ahead (or within its window)."""
    today = ist_today(now)
    taken = set(
        session.execute(
            select(ScheduleRun.scheduled_for).where(
                ScheduleRun.job == job.name,
                ScheduleRun.scheduled_for >= today,
                ScheduleRun.scheduled_for <= today + timedelta(days=horizon),
            )
        ).scalars()
    )
    for offset in range(horizon + 1):
        day = today + timedelta(days=offset)
        if job.runs_on(day) and day not in taken and now <= job.moment(day) + job.window:
            return job.moment(day)
    return None


def known_since(session: Session, job: Job) -> datetime:
    """When the scheduler first saw `job` (recorded now if never): no run is owed before."""
    session.execute(
        insert(ScheduleJob).values(job=job.name).on_conflict_do_nothing(index_elements=["job"])
    )
    return session.execute(
        select(ScheduleJob.since).where(ScheduleJob.job == job.name)
    ).scalar_one()


def _run(session: Session, job: str, day: date, *, lock: bool = False) -> ScheduleRun:
    query = select(ScheduleRun).where(ScheduleRun.job == job, ScheduleRun.scheduled_for == day)
    return session.execute(query.with_for_update() if lock else query).scalar_one()


def _check_day(job: Job, day: date) -> None:
    if not job.runs_on(day):
        raise Invalid(f"{job.name} runs on NSE sessions only, and {day} is not one")
