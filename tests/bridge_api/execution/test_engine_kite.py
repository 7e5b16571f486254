"""The engine through Kite (the real client against the fake server): a batch end to end with
lost responses, lost requests, a lagging order book, partial fills, throttling and a token
that expires mid-batch; nothing is sent twice, counted twice or lost, and the books reconcile
with Kite's holdings and positions after every batch."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bridge_api.batches import service as batches
from bridge_api.brokers.kite.account import kite_broker
from bridge_api.calendar import IST
from bridge_api.db.models import (
    Alert,
    Batch,
    OrderSlice,
    ReconciliationReport,
    SliceStatus,
    StrayTrade,
    Subscription,
    User,
)
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.execution import planning
from bridge_api.execution.clocks import LiveClock
from bridge_api.execution.engine import Engine, EngineConfig
from bridge_api.execution.ratelimit import OrderRateLimiter
from bridge_api.execution.stops import TradingHalted
from bridge_api.ledger import house
from bridge_api.ledger.reconciliation import compare
from bridge_api.portfolios import intents
from tests.bridge_api.execution.support import (
    INVESTORS,
    KITE_LIMITS,
    assert_exactly_once_at_kite,
    batch_state,
    kite_engine,
    ready_batch,
)
from tests.fake_kite import log_in


def test_a_batch_trades_through_kite_and_reconciles_after_it(committed, fake, kite_settings):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    log_in(committed, fake)

    done = kite_engine(committed, fake, kite_settings).run()

    assert done == [batch]
    assert batch_state(committed, batch) == "completed"
    assert_exactly_once_at_kite(committed, fake, kite_settings)
    with committed() as session:
        (stored,) = session.execute(select(ReconciliationReport)).scalars()
    assert (stored.batch_id, stored.scope, stored.matches) == (batch, "shares", True)
    assert stored.report["shares_broker"] == fake.holdings_of()


def test_lost_responses_lost_requests_and_a_lagging_book_are_resolved_by_tag(
    committed, fake, kite_settings
):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    log_in(committed, fake)
    fake.lost_response_seconds = 1.5
    fake.lose_responses, fake.lose_requests, fake.book_lag = 2, 2, 2

    kite_engine(committed, fake, kite_settings).run()

    # lost responses are found by tag; lost requests are never found, so never sent again
    assert batch_state(committed, batch) == "partially_completed"
    with committed() as session:
        given_up = (
            session.execute(
                select(OrderSlice.message).where(OrderSlice.status == SliceStatus.REJECTED)
            )
            .scalars()
            .all()
        )
    assert len(given_up) == 2
    assert all("not sent again" in message for message in given_up)
    assert_exactly_once_at_kite(committed, fake, kite_settings)


def test_partial_fills_expire_at_the_close_and_still_reconcile(committed, fake, kite_settings):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    log_in(committed, fake)
    fake.fill, fake.partial_ratio = "partial", Decimal("0.5")

    kite_engine(committed, fake, kite_settings).run()

    assert batch_state(committed, batch) == "partially_completed"
    with committed() as session:
        assert "expired at the close" in session.get(Batch, batch).reason
    assert_exactly_once_at_kite(committed, fake, kite_settings)


def test_a_token_expiring_mid_batch_halts_alerts_and_resumes_after_the_next_login(
    committed, fake, kite_settings
):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    log_in(committed, fake)
    sent = Counter[str]()

    def expire_after_three(event, info):
        sent[event] += 1
        if event == "sent" and sent["sent"] == 3:
            fake.expire_sessions()

    with pytest.raises(TradingHalted, match="403"):
        kite_engine(committed, fake, kite_settings, expire_after_three).run()

    assert batch_state(committed, batch) == "executing"
    with committed() as session:
        alerts = session.execute(select(Alert.kind)).scalars().all()
    assert alerts == ["kite_session"]
    log_in(committed, fake)
    assert kite_engine(committed, fake, kite_settings).run() == [batch]
    assert batch_state(committed, batch) == "completed"
    assert_exactly_once_at_kite(committed, fake, kite_settings)


def test_throttled_placements_are_looked_up_and_never_placed_twice(committed, fake, kite_settings):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    log_in(committed, fake)
    fake.throttle_next = 3

    kite_engine(committed, fake, kite_settings).run()

    assert batch_state(committed, batch) == "completed"
    per_tag = Counter(order["tag"] for order in fake.orders())
    assert max(per_tag.values()) == 1


def test_an_attempt_the_book_shows_too_late_is_alerted_and_shows_in_reconciliation(
    committed, fake, kite_settings
):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    log_in(committed, fake)
    fake.lost_response_seconds = 1.5
    fake.lose_responses, fake.book_lag = 1, 12  # the first placement stays hidden past 5 lookups

    kite_engine(committed, fake, kite_settings).run()

    assert batch_state(committed, batch) == "partially_completed"  # the hidden slice was given up
    with committed() as session:
        (alert,) = session.execute(
            select(Alert).where(Alert.kind == "duplicate_placement")
        ).scalars()
        report = compare(session, kite_broker(committed, kite_settings))
    orphan = next(o for o in fake.orders() if o["tag"] == alert.details["tag"])
    assert alert.details["tag"].endswith("a0")  # the first attempt, never sent again
    assert orphan["filled_quantity"] == alert.details["filled"] > 0
    # No investor ordered the orphan's fill: the house owns it, so shares agree with Kite, and
    # the house, having paid for it, is short until the operator funds it.
    (difference,) = report.differences
    assert difference.asset == "house cash"
    assert report.house["shares"] == {orphan["tradingsymbol"]: orphan["filled_quantity"]}
    with committed() as session, session.begin():
        strays = session.execute(select(StrayTrade)).scalars().all()
        assert sum(t.quantity for t in strays) == orphan["filled_quantity"]
        assert {t.broker_order_id for t in strays} == {str(orphan["order_id"])}
        shortfall = house.position(session).shortfall
        assert shortfall > orphan["filled_quantity"] * Decimal(str(orphan["average_price"]))
        admin = session.execute(select(User).where(User.email == "admin@saras.demo")).scalar_one()
        house.fund(session, admin, amount=shortfall, reference="operator's transfer")
    with committed() as session:
        assert compare(session, kite_broker(committed, kite_settings)).matches

    kite_engine(committed, fake, kite_settings).run()  # the book read again books nothing twice
    with committed() as session:
        assert session.scalar(select(func.count()).select_from(StrayTrade)) == len(strays)


def test_a_late_attempt_still_open_is_cancelled_at_the_cut_off(committed, fake, kite_settings):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    log_in(committed, fake)
    kite_engine(committed, fake, kite_settings).run()
    with committed() as session, session.begin():
        asha = session.execute(select(User).where(User.email == "asha@saras.demo")).scalar_one()
        manager = session.execute(
            select(User).where(User.email == "manager@saras.demo")
        ).scalar_one()
        holding = session.execute(
            select(Subscription).where(Subscription.user_id == asha.id)
        ).scalar_one()
        intents.exit_subscription(session, asha, subscription_id=holding.id)
        sells = batches.create(
            session, manager, smallcase_id=holding.smallcase_id, prices_before=FIRST_DAY
        )
        batches.approve(session, manager, sells.id)
    fake.fill = "none"  # the sell rests, so its late duplicate is still open at the cut-off
    fake.lost_response_seconds = 1.5
    fake.lose_responses, fake.book_lag = 1, 12

    # Selling what was bought today needs the operator's override (else it waits a session).
    kite_engine(committed, fake, kite_settings, opposite_same_day=True).run()

    with committed() as session:
        (alert,) = session.execute(
            select(Alert).where(Alert.kind == "duplicate_placement")
        ).scalars()
    orphan = next(o for o in fake.orders() if o["tag"] == alert.details["tag"])
    assert (orphan["transaction_type"], orphan["status"]) == ("SELL", "CANCELLED")
    assert orphan["status_message"] != "Order expired at the close of the market"
    assert batch_state(committed, sells.id) == "partially_completed"


def test_after_the_close_a_resumed_batch_sends_nothing_and_no_new_batch_starts(
    committed, fake, kite_settings
):
    stranded = ready_batch(committed, INVESTORS, FIRST_DAY)
    with committed() as session, session.begin():
        planning.claim_ready_batch(session)  # an engine claimed it, then died before planning
    waiting = ready_batch(committed, {"meera@saras.demo": "60000.00"}, FIRST_DAY)
    log_in(committed, fake)
    after_close = datetime(2026, 11, 26, 15, 45, tzinfo=IST)  # a Thursday
    engine = Engine(
        committed,
        kite_broker(committed, kite_settings),
        LiveClock(now=lambda: after_close, sleep=lambda seconds: None),
        limiter=OrderRateLimiter(committed, limits=KITE_LIMITS),
        config=EngineConfig(trade_date=FIRST_DAY, resend_unseen=False),
    )

    assert engine.run() == [stranded]

    assert fake.orders() == []
    assert batch_state(committed, stranded) == "partially_completed"
    assert batch_state(committed, waiting) == "ready"
    with committed() as session:
        assert "the market closed before sending" in session.get(Batch, stranded).reason


def test_a_symbol_kite_no_longer_quotes_is_skipped_with_its_reason_and_the_rest_trades(
    committed, fake, kite_settings
):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    log_in(committed, fake)
    fake.delist("ITC")  # renamed or suspended after the batch was sized

    kite_engine(committed, fake, kite_settings).run()

    assert batch_state(committed, batch) == "partially_completed"
    with committed() as session:
        reason = session.get(Batch, batch).reason
    assert "ITC" in reason
    assert "no quote" in reason
    assert {o["tradingsymbol"] for o in fake.orders()} == {
        "HDFCBANK",
        "ICICIBANK",
        "INFY",
        "RELIANCE",
        "TCS",
    }
    assert_exactly_once_at_kite(committed, fake, kite_settings)
