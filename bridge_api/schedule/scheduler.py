"""The scheduler's tick: every run due by now is claimed and done once, or recorded missed.

For each job, the days from when the scheduler first saw it (at most `LOOKBACK` ago) up to
today are considered. A day with a row is done (run, running, skipped or missed). A day
without one whose moment has passed:

- within the job's window: runs now (trigger ``schedule``);
- past its window, for a job that catches up: runs now (``catch_up``); when one run covers
  earlier days, only the latest such day that no later run covered (the others are
  recorded missed, covered);
- past its window, for a job that alerts: recorded missed, and the operator alerted.

Claims are rows inserted under a unique (job, day) key, so schedulers started together (or a
scheduler and the operator by hand) run each due job once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.calendar import IST
from bridge_api.db.models import ScheduleRun
from bridge_api.schedule import runs
from bridge_api.schedule.day import JOBS, Job

log = logging.getLogger(__name__)
LOOKBACK = timedelta(days=3)
RAN = ("running", "succeeded", "failed")
"""A run in one of these states did (or is doing) the job's work for its day."""


@dataclass(frozen=True, slots=True)
class Done:
    """What a tick did for one job's day."""

    job: str
    day: date
    status: str


def tick(
    sessions: sessionmaker[Session],
    now: datetime | None = None,
    *,
    jobs: tuple[Job, ...] = JOBS,
) -> list[Done]:
    """Run (or record as missed) every job's run due by `now`; returns what was done here."""
    now = now or datetime.now(UTC)
    done: list[Done] = []
    for job in jobs:
        for day, action in _due(sessions, job, now):
            late = now - job.moment(day)
            if action == "missed":
                with sessions() as session, session.begin():
                    alert = job.when_missed == "alert"
                    why = (
                        f"not run within {job.window} of {job.at:%H:%M} IST"
                        if alert
                        else "covered by the catch-up run of a later day"
                    )
                    if runs.record_missed(session, job, day, why, alert=alert):
                        done.append(Done(job.name, day, "missed"))
                continue
            run_id = runs.claim(sessions, job, day, trigger=action, late=late)
            if run_id is None:
                continue  # another scheduler claimed it
            run = runs.execute(sessions, job, run_id, day)
            done.append(Done(job.name, day, run.status))
    return done


def _due(sessions: sessionmaker[Session], job: Job, now: datetime) -> list[tuple[date, str]]:
    """The days of `job` without a row whose moment has passed, each with what to do."""
    with sessions() as session, session.begin():
        since = max(runs.known_since(session, job), now - LOOKBACK)
        first, today = since.astimezone(IST).date(), now.astimezone(IST).date()
        taken: dict[date, str] = dict(
            session.execute(
                select(ScheduleRun.scheduled_for, ScheduleRun.status).where(
                    ScheduleRun.job == job.name,
                    ScheduleRun.scheduled_for >= first,
                    ScheduleRun.scheduled_for <= today,
                )
            ).all()
        )
    days = [
        first + timedelta(days=n)
        for n in range((today - first).days + 1)
        if job.runs_on(first + timedelta(days=n))
    ]
    open_days = [d for d in days if since <= job.moment(d) <= now and d not in taken]
    ran = [d for d, status in taken.items() if status in RAN]
    # A covering job catches up only its latest open day that no later run has covered.
    uncovered = [d for d in open_days if not any(r > d for r in ran)]
    latest = uncovered[-1] if uncovered else None
    actions = []
    for day in open_days:
        if now <= job.moment(day) + job.window:
            actions.append((day, "schedule"))
        elif job.when_missed == "catch_up" and (day == latest or not job.covers_earlier):
            actions.append((day, "catch_up"))
        else:
            actions.append((day, "missed"))
    return actions
