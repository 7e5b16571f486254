"""Kill the engine process (SIGKILL) at chosen moments of a batch and start it again: it
resumes, sends no order twice, counts no trade twice and loses none."""

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.demo.scenario import FIRST_DAY
from tests.bridge_api.execution.support import (
    INVESTORS,
    assert_exactly_once,
    batch_state,
    ready_batch,
)

pytestmark = pytest.mark.integration


def _engine(sessions: sessionmaker[Session], **environment: str) -> subprocess.Popen[str]:
    url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, **environment}
    env.pop("SARAS_DATABASE_URL", None)
    command = [
        sys.executable,
        "-m",
        "saras",
        "engine",
        "run",
        "--paper-day",
        FIRST_DAY.isoformat(),
        "--orders-per-second",
        "200",
        "--orders-per-minute",
        "10000",
        "--lease-seconds",
        "2",
        "--latency-ms",
        environment.get("LATENCY", "0"),
    ]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
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
