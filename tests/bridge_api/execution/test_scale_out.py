"""Two API processes serve under load while two engine processes contend for the trading
lease on the same database: one trades, the other waits; the holder is killed (SIGKILL) and
the other takes the lease over and finishes the batch, with the books exact."""

import signal

import pytest

from benchmarks.scale_out import (
    INVESTORS,
    access_tokens,
    exactly_once,
    kill_the_holder_under_load,
    ready_batch,
)
from bridge_api.demo.scenario import FIRST_DAY
from tests.bridge_api.execution.support import batch_state

pytestmark = pytest.mark.integration


def test_the_waiting_engine_takes_over_from_a_killed_holder_while_both_apis_serve(committed):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    tokens = access_tokens(committed, list(INVESTORS))
    url = committed.kw["bind"].url.render_as_string(hide_password=False)

    outcome = kill_the_holder_under_load(committed, url, FIRST_DAY, tokens, clients=4)

    assert outcome.victim_code == -signal.SIGKILL
    assert outcome.survivor_code == 0, outcome.survivor_output
    holders = outcome.holders.order()
    assert [h.rsplit(":", 1)[1] for h in holders] == [str(outcome.victim), str(outcome.survivor)]
    assert outcome.placed_before_kill >= 2  # the holder was trading, the other only waiting
    assert batch_state(committed, batch) == "completed"
    assert exactly_once(committed, FIRST_DAY) == []
    every = outcome.answers.between(0, float("inf"))
    assert {status for _, status in every} == {200}
    while_taking_over = outcome.answers.between(outcome.killed_at, outcome.finished_at)
    assert {process for process, _ in while_taking_over} == {0, 1}
