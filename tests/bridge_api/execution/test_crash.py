"""Kill the engine process (SIGKILL) at chosen moments of a batch and start it again: it
resumes, sends no order twice, counts no trade twice and loses none."""

import signal
import subprocess
import time

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.demo.scenario import FIRST_DAY
from tests.bridge_api.execution.support import (
    INVESTORS,
    assert_exactly_once,
    batch_state,
    engine_process,
    ready_batch,
)

pytestmark = pytest.mark.integration


def _engine(sessions: sessionmaker[Session], **environment: str) -> subprocess.Popen[str]:
    return engine_process(
        sessions,
        "--paper-day",
        FIRST_DAY.isoformat(),
        "--orders-per-second",
        "200",
        "--orders-per-minute",
        "10000",
        "--latency-ms",
        environment.pop("LATENCY", "0"),
        **environment,
    )


@pytest.mark.parametrize(
    "point",
    [
        "planned_1",
        "marked_sending:3",
        "placed:2",
        "recorded:5",
        "trades_synced:1",
        "finalized:2",
        "planned_2",
        "batch_finished",
    ],
)
def test_a_killed_engine_resumes_without_sending_or_counting_anything_twice(committed, point):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)

    killed = _engine(committed, SARAS_CRASH_AT=point)
    killed.communicate(timeout=120)
    restarted = _engine(committed)
    _, err = restarted.communicate(timeout=120)

    assert killed.returncode == -signal.SIGKILL
    assert restarted.returncode == 0, err
    assert batch_state(committed, batch) == "completed"
    assert_exactly_once(committed, FIRST_DAY)


def test_an_engine_killed_at_a_random_moment_resumes_cleanly(committed, kill_moment):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    victim = _engine(committed, LATENCY="40")

    time.sleep(kill_moment(1.5, 3.0))
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=60)
    restarted = _engine(committed)
    _, err = restarted.communicate(timeout=120)

    assert restarted.returncode == 0, err
    assert batch_state(committed, batch) == "completed"
    assert_exactly_once(committed, FIRST_DAY)
