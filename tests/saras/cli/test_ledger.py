"""``saras settle`` (T+1 by hand, idempotent, on NSE's calendar) and ``saras house``."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.paper import PaperVenue
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.execution.clocks import PaperClock
from bridge_api.execution.engine import Engine, EngineConfig
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from tests.bridge_api.execution.support import INVESTORS, ready_batch, saras

pytestmark = pytest.mark.integration


def test_settle_moves_what_is_due_once_and_says_so(committed: sessionmaker[Session]):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    venue = PaperVenue(committed, session_day=FIRST_DAY)
    limiter = OrderRateLimiter(committed, limits=RateLimits(per_second=1000, per_minute=10**5))
    Engine(
        committed, venue, PaperClock(venue), limiter=limiter, config=EngineConfig(FIRST_DAY)
    ).run()

    same_day = saras(committed, "settle", "--day", "2026-11-18")  # FIRST_DAY: bought today
    t1_day = saras(committed, "settle", "--day", "2026-11-19")  # the shares are still T1
    next_day = saras(committed, "settle", "--day", "2026-11-21")  # a Saturday: Friday's due
    again = saras(committed, "settle", "--day", "2026-11-20")
    bad = saras(committed, "settle", "--day", "someday")

    assert same_day.returncode == 0, same_day.stderr
    assert "Settled 0 entries of 0 books due by 2026-11-18." in same_day.stdout
    assert "Settled 0 entries of 0 books due by 2026-11-19." in t1_day.stdout
    assert next_day.returncode == 0, next_day.stderr
    assert "due by 2026-11-20" in next_day.stdout
    assert "Settled 0 entries" not in next_day.stdout
    assert "Settled 0 entries of 0 books due by 2026-11-20." in again.stdout
    assert (bad.returncode, bad.stdout) == (2, "")
    assert "--day: not a date" in bad.stderr


def test_the_house_is_funded_and_swept_by_an_admin_and_refuses_what_it_cannot_do(
    committed: sessionmaker[Session],
):
    ready_batch(committed, INVESTORS, FIRST_DAY)  # the demo's people, its admin among them
    admin = ("--by", "Admin@saras.demo")

    funded = saras(committed, "house", "fund", "1000.00", "--reference", "UTR1", *admin)
    swept = saras(committed, "house", "sweep", "250.25", "--reference", "UTR2", *admin)
    status = saras(committed, "house", "status")
    too_much = saras(committed, "house", "sweep", "749.76", "--reference", "UTR3", *admin)
    investor = saras(
        committed, "house", "fund", "1.00", "--reference", "UTR4", "--by", "asha@saras.demo"
    )
    nobody = saras(committed, "house", "fund", "1.00", "--reference", "UTR5", "--by", "x@y.z")
    not_money = saras(committed, "house", "fund", "lots", "--reference", "UTR6", *admin)
    paise = saras(committed, "house", "fund", "0.001", "--reference", "UTR7", *admin)

    assert funded.returncode == 0, funded.stderr
    assert "House funded: 1000.00" in funded.stdout
    assert "it now holds 749.75" in swept.stdout
    assert status.returncode == 0
    assert "The house: 749.75 settled, 0.00 unsettled (cash 749.75), no shares." in status.stdout
    assert (too_much.returncode, too_much.stdout) == (2, "")
    assert "749.75 of settled cash" in too_much.stderr
    assert investor.returncode == 2
    assert "only an admin" in investor.stderr
    assert "--by: no user 'x@y.z'" in nobody.stderr
    assert "AMOUNT: not a number of rupees: 'lots'" in not_money.stderr
    assert "positive whole paise" in paise.stderr
    after = saras(committed, "house", "status")
    assert "749.75 settled" in after.stdout  # nothing the refusals touched moved
