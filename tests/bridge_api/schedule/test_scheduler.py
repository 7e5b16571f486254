"""The scheduler runs each job's day once: on time, caught up or recorded missed (and
alerted) by the job's policy, never twice, not even by two schedulers at once; the operator
skips a day or runs one by hand."""

from __future__ import annotations

import threading
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.calendar import IST
from bridge_api.db.models import Alert, NotificationEvent, ScheduleJob, ScheduleRun
from bridge_api.errors import Conflict, Invalid, NotFound
from bridge_api.schedule import runs
from bridge_api.schedule.day import Job
from bridge_api.schedule.scheduler import tick

MON, TUE, WED, THU, FRI, SAT = (date(2026, 11, d) for d in (16, 17, 18, 19, 20, 21))


@dataclass
class Probe:
    """A job's work that records each day it ran for (and may be slow, or fail)."""

    pause: float = 0.0
    error: str | None = None
    days: list[date] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, sessions: sessionmaker[Session], day: date) -> str:
        clock.sleep(self.pause)
        with self._lock:
            self.days.append(day)
        if self.error:
            raise RuntimeError(self.error)
        return f"probed {day}"


def _job(probe: Probe, name: str = "probe", **changes) -> Job:
    fields = {
        "name": name,
        "at": time(8, 30),
        "on": "sessions",
        "window": timedelta(hours=1),
        "when_missed": "catch_up",
        "covers_earlier": True,
        "work": probe,
        "summary": "a probe",
    }
    return Job(**(fields | changes))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=IST)


def _known_since(sessions: sessionmaker[Session], moment: datetime, *jobs: Job) -> None:
    with sessions() as session, session.begin():
        for job in jobs:
            session.add(ScheduleJob(job=job.name, since=moment))


def _runs(sessions: sessionmaker[Session], name: str) -> list[tuple[date, str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(ScheduleRun).where(ScheduleRun.job == name).order_by(ScheduleRun.scheduled_for)
        ).scalars()
        return [(r.scheduled_for, r.status, r.trigger) for r in rows]


def _alerts(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(
            session.execute(
                select(Alert.message).where(Alert.kind == "schedule").order_by(Alert.id)
            ).scalars()
        )


def test_two_schedulers_started_at_once_run_each_due_job_once(committed):
    probes = [Probe(pause=0.3) for _ in range(3)]
    jobs = tuple(_job(p, name=f"probe{i}") for i, p in enumerate(probes))
    _known_since(committed, _at(THU, 0), *jobs)
    start = threading.Barrier(2)
    done: list[list] = [[], []]

    def scheduler(n: int) -> None:
        start.wait()
        done[n] = tick(committed, _at(THU, 8, 31), jobs=jobs)

    threads = [threading.Thread(target=scheduler, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [p.days for p in probes] == [[THU]] * 3
    assert sorted(d.job for d in done[0] + done[1]) == ["probe0", "probe1", "probe2"]
    for job in jobs:
        assert _runs(committed, job.name) == [(THU, "succeeded", "schedule")]


def test_a_job_runs_when_due_on_sessions_only_and_once(committed):
    probe, daily = Probe(), Probe()
    jobs = (_job(probe), _job(daily, name="daily", on="days"))
    _known_since(committed, _at(FRI, 0), *jobs)

    early = tick(committed, _at(FRI, 8, 29), jobs=jobs)
    due = tick(committed, _at(FRI, 8, 31), jobs=jobs)
    again = tick(committed, _at(FRI, 9, 0), jobs=jobs)
    saturday = tick(committed, _at(SAT, 9, 0), jobs=jobs)

    assert early == []
    assert [(d.job, d.status) for d in due] == [("probe", "succeeded"), ("daily", "succeeded")]
    assert again == []
    assert [(d.job, d.day) for d in saturday] == [("daily", SAT)]
    assert probe.days == [FRI]
    with committed() as session:
        run = session.execute(select(ScheduleRun).where(ScheduleRun.job == "probe")).scalar_one()
    assert run.late_seconds == 60
    assert run.outcome == f"probed {FRI}"


def test_a_scheduler_started_after_missed_windows_catches_up_once(committed):
    probe = Probe()
    job = _job(probe)
    _known_since(committed, _at(MON, 0), job)

    first = tick(committed, _at(THU, 12), jobs=(job,))
    second = tick(committed, _at(THU, 12, 5), jobs=(job,))

    assert probe.days == [THU]  # the latest day's run covers the earlier ones
    assert [(d.day, d.status) for d in first] == [
        (TUE, "missed"),
        (WED, "missed"),
        (THU, "succeeded"),
    ]
    assert second == []
    assert _runs(committed, "probe") == [
        (TUE, "missed", "schedule"),
        (WED, "missed", "schedule"),
        (THU, "succeeded", "catch_up"),
    ]
    assert _alerts(committed) == []


def test_a_job_whose_days_stand_alone_catches_up_each_missed_day(committed):
    probe = Probe()
    job = _job(probe, covers_earlier=False)
    _known_since(committed, _at(MON, 0), job)

    tick(committed, _at(THU, 12), jobs=(job,))
    tick(committed, _at(THU, 12, 5), jobs=(job,))

    assert probe.days == [TUE, WED, THU]
    assert {trigger for _, _, trigger in _runs(committed, "probe")} == {"catch_up"}


def test_a_missed_window_of_a_job_that_alerts_is_recorded_and_alerted_once(committed):
    probe = Probe()
    job = _job(probe, when_missed="alert")
    _known_since(committed, _at(WED, 0), job)

    tick(committed, _at(THU, 12), jobs=(job,))
    tick(committed, _at(THU, 13), jobs=(job,))

    assert probe.days == []
    assert _runs(committed, "probe") == [(WED, "missed", "schedule"), (THU, "missed", "schedule")]
    assert len(_alerts(committed)) == 2
    assert "probe for 2026-11-19 was missed" in _alerts(committed)[1]
    with committed() as session:
        kinds = session.execute(select(NotificationEvent.kind)).scalars().all()
    assert kinds.count("operator_alert") == 2


def test_a_failed_run_is_alerted_not_repeated_by_the_scheduler_and_can_be_run_by_hand(
    committed,
):
    probe = Probe(error="the broker said no")
    job = _job(probe)
    _known_since(committed, _at(THU, 0), job)

    tick(committed, _at(THU, 8, 31), jobs=(job,))
    tick(committed, _at(THU, 8, 40), jobs=(job,))
    probe.error = None
    by_hand = runs.run_by_hand(committed, "probe", THU, jobs=(job,))

    assert probe.days == [THU, THU]
    assert _alerts(committed) == ["probe for 2026-11-19 failed: RuntimeError: the broker said no"]
    assert (by_hand.status, by_hand.trigger, by_hand.attempts) == ("succeeded", "hand", 2)


def test_a_skipped_day_is_not_run_and_what_ran_cannot_be_skipped(committed):
    probe = Probe()
    job = _job(probe)
    _known_since(committed, _at(WED, 0), job)

    with committed() as session, session.begin():
        runs.skip(session, "probe", THU, jobs=(job,))
        runs.skip(session, "probe", THU, jobs=(job,))  # twice: no change
    tick(committed, _at(THU, 8, 31), jobs=(job,))

    assert probe.days == [WED]
    assert _runs(committed, "probe")[-1] == (THU, "skipped", "operator")
    with committed() as session, session.begin(), pytest.raises(Conflict, match="succeeded"):
        runs.skip(session, "probe", WED, jobs=(job,))
    with committed() as session, session.begin(), pytest.raises(Invalid, match="not one"):
        runs.skip(session, "probe", SAT, jobs=(job,))


def test_a_run_by_hand_runs_once_unless_asked_again(committed):
    probe = Probe()
    job = _job(probe)

    first = runs.run_by_hand(committed, "probe", FRI, jobs=(job,))
    with pytest.raises(Conflict, match="--again"):
        runs.run_by_hand(committed, "probe", FRI, jobs=(job,))
    again = runs.run_by_hand(committed, "probe", FRI, again=True, jobs=(job,))

    assert (first.status, first.trigger) == ("succeeded", "hand")
    assert again.attempts == 2
    assert probe.days == [FRI, FRI]
    with pytest.raises(NotFound, match="no job 'nope'"):
        runs.run_by_hand(committed, "nope", FRI, jobs=(job,))


def test_the_next_run_passes_over_run_and_skipped_days_and_holidays(committed):
    job = _job(Probe())
    runs.run_by_hand(committed, "probe", FRI, jobs=(job,))
    with committed() as session, session.begin():
        runs.skip(session, "probe", date(2026, 11, 23), jobs=(job,))

    with committed() as session:
        [shown] = runs.status(session, _at(FRI, 10), jobs=(job,))

    assert shown.last is not None
    assert shown.last.scheduled_for == date(2026, 11, 23)
    assert shown.next_run == _at(date(2026, 11, 25), 8, 30)  # 24 Nov is a holiday
