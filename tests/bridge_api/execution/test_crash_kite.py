"""The crash-safety tests of the engine, again through Kite: a real `saras engine run --broker
kite` process, talking to the fake Kite server with the real client, is killed (SIGKILL) at
chosen moments and started again; it resumes, places no tag twice at Kite, records every Kite
trade once, and the books reconcile with Kite's holdings."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from kiteconnect import KiteConnect
from sqlalchemy import select

from bridge_api.db.models import Alert, Batch, BatchState
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.execution.ratelimit import OrderRateLimiter
from tests.bridge_api.execution.support import (
    INVESTORS,
    assert_exactly_once_at_kite,
    batch_state,
    engine_process,
    ready_batch,
)
from tests.fake_kite import log_in

pytestmark = pytest.mark.integration


def _engine(committed, **environment: str) -> subprocess.Popen[str]:
    options = ("--broker", "kite", "--fake-market", "--orders-per-second", "10")
    return engine_process(committed, *options, **environment)


@pytest.mark.parametrize(
    "point",
    ["marked_sending:3", "placed:2", "recorded:4", "trades_synced:1", "finalized:2", "planned_2"],
)
def test_a_killed_kite_engine_resumes_without_placing_or_counting_anything_twice(
    committed, fake, kite_settings, point
):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    log_in(committed, fake)

    killed = _engine(committed, SARAS_CRASH_AT=point)
    killed.communicate(timeout=120)
    time.sleep(1.1)  # the client-side limit of Kite's reads is per process: no shared second
    restarted = _engine(committed)
    out, err = restarted.communicate(timeout=120)

    assert killed.returncode == -signal.SIGKILL
    assert restarted.returncode == 0, err
    assert f"traded 1 batches: [{batch}]" in out
    assert batch_state(committed, batch) == "completed"
    assert_exactly_once_at_kite(committed, fake, kite_settings)


def test_a_kite_engine_killed_at_a_random_moment_resumes_cleanly(
    committed, fake, kite_settings, kill_moment
):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    log_in(committed, fake)
    fake.lose_responses, fake.lost_response_seconds = 2, 1.5

    victim = _engine(committed)
    time.sleep(kill_moment(2.0, 4.0))
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=60)
    time.sleep(1.1)
    restarted = _engine(committed)
    _, err = restarted.communicate(timeout=120)

    assert restarted.returncode == 0, err
    # killed between taking a token and placing, a slice is never sent again: it may be short
    assert batch_state(committed, batch) in {"completed", "partially_completed"}
    assert_exactly_once_at_kite(committed, fake, kite_settings)


def test_an_engine_without_a_session_halts_with_a_clear_message(committed, fake, kite_settings):
    ready_batch(committed, INVESTORS, FIRST_DAY)

    run = _engine(committed)
    _, err = run.communicate(timeout=60)

    assert run.returncode == 3
    assert "saras kite login" in err
    assert "Traceback" not in err


def test_a_batch_left_executing_on_an_earlier_day_is_not_resumed(committed, fake, kite_settings):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    log_in(committed, fake)
    with committed() as session, session.begin():
        stale = session.get(Batch, batch)
        stale.state, stale.trade_date = BatchState.EXECUTING, FIRST_DAY

    run = _engine(committed)
    _, err = run.communicate(timeout=60)

    assert run.returncode == 3
    assert f"{batch} (traded {FIRST_DAY})" in err
    assert fake.orders() == []
    with committed() as session:
        (alert,) = session.execute(select(Alert).where(Alert.kind == "stale_batch")).scalars()
    assert alert.details == {"batches": [batch]}


def test_orders_placed_outside_saras_today_count_against_the_day_budget(
    committed, fake, kite_settings
):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    manual = KiteConnect(fake.api_key, root=fake.url)
    manual.generate_session(fake.issue_request_token(), api_secret=fake.api_secret)
    for tag in ("manual1", None):
        manual.place_order(
            variety="regular",
            exchange="NSE",
            tradingsymbol="ITC",
            transaction_type="BUY",
            quantity=1,
            product="CNC",
            order_type="LIMIT",
            price="1.00",
            tag=tag,
        )
    log_in(committed, fake)  # a new login ends the manual session's token, as at Kite

    run = _engine(committed)
    run.communicate(timeout=120)

    saras_orders = sum(1 for o in fake.orders() if o["tag"] not in ("manual1", None, ""))
    assert run.returncode == 0
    assert OrderRateLimiter(committed).used_today() == saras_orders + 2
