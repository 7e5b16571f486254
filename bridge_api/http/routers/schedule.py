"""Routes: the operator's day (the scheduled jobs, their last and next runs; skip a day)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from bridge_api.http.deps import Admin, SessionDep
from bridge_api.http.schemas.notifications import ScheduledJobOut, ScheduleRunOut
from bridge_api.schedule.runs import skip, status

router = APIRouter(prefix="/admin/schedule", tags=["operations"])


@router.get("")
def schedule(_: Admin, session: SessionDep) -> list[ScheduledJobOut]:
    """Every job of the day with its last run (outcome) and next run."""
    return [
        ScheduledJobOut(
            name=item.job.name,
            summary=item.job.summary,
            at_ist=f"{item.job.at:%H:%M}",
            on=item.job.on,
            when_missed=item.job.when_missed,
            last_run=None if item.last is None else ScheduleRunOut.model_validate(item.last),
            next_run=item.next_run,
        )
        for item in status(session)
    ]


@router.post("/{job}/skip")
def skip_day(job: str, day: date, _: Admin, session: SessionDep) -> ScheduleRunOut:
    """Skip a job's run for a day, before it runs (``?day=YYYY-MM-DD``)."""
    return ScheduleRunOut.model_validate(skip(session, job, day))
