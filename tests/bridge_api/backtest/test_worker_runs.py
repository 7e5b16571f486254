"""``saras worker`` runs a queued backtest; killed mid-run (SIGKILL), its run is put back on
the queue once the worker's heartbeat stops, and exactly one of two live workers runs it again
from the start to completion."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.db.models import BacktestRecord
from tests.bridge_api.backtest.test_requested_runs import ASK, _manager, _published, live
from tests.bridge_api.execution.support import worker_process
from tests.logged import log_of

pytestmark = pytest.mark.integration
__all__ = ["live"]


def _run(sessions: sessionmaker[Session], run_id: int) -> BacktestRecord:
    with sessions() as session:
        return session.get_one(BacktestRecord, run_id)


def _wait(condition: Callable[[], bool], what: str, *workers: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 600
    while not condition():
        for worker in workers:
            if worker.poll() is not None:
                pytest.fail(f"a worker exited while waiting for {what}: {log_of(worker)}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_a_killed_workers_run_is_run_again_once_by_another(committed, live):
    _, headers = _manager(committed)
    smallcase_id = _published(live, committed, headers)
    longer = {**ASK, "start": "2026-07-01", "end": "2026-10-10"}
    queued = live.post(f"/smallcase/{smallcase_id}/backtests", headers=headers, json=longer)
    run_id = queued.json()["id"]

    first = worker_process(committed)
    try:
        _wait(lambda: _run(committed, run_id).days_done >= 1, "the first sessions", first)
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    cut = _run(committed, run_id)
    assert (cut.status, cut.attempts) == ("running", 1)
    assert cut.days_done < (cut.days_total or 0)

    others = [worker_process(committed), worker_process(committed)]
    try:
        _wait(lambda: _run(committed, run_id).status == "completed", "completion", *others)
    finally:
        for worker in others:
            worker.terminate()
            worker.wait(timeout=30)
    done = _run(committed, run_id)
    assert done.attempts == 2  # the second attempt, by one worker only
    assert done.days_done == done.days_total
    assert done.summary is not None
    assert done.summary["summary"]["rebalances"] == 4  # July to October
