"""The `kill_moment` fixture: a seeded random moment to kill an engine at. Its seed is shown
when the test fails; ``SARAS_KILL_SEED=<seed>`` replays the same moment."""

from __future__ import annotations

import os
import random
from collections.abc import Callable

import pytest


@pytest.fixture
def kill_moment(request: pytest.FixtureRequest) -> Callable[[float, float], float]:
    """Seconds to wait before the kill, drawn from [low, high) with a seed the report shows."""
    seed = int(os.environ.get("SARAS_KILL_SEED") or random.SystemRandom().randrange(2**32))
    draw = random.Random(seed)

    def moment(low: float, high: float) -> float:
        delay = draw.uniform(low, high)
        request.node.add_report_section(
            "call", "kill moment", f"killed after {delay:.3f} s; replay: SARAS_KILL_SEED={seed}"
        )
        return delay

    return moment
