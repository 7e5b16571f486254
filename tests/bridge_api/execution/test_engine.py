"""The engine through the paper venue on committed databases: partial fills, lost and
rejected placements, disconnects and resumption; every book reconciles with the venue."""

from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from bridge_api.brokers.paper import Faults, PaperVenue
from bridge_api.db.models import (
    Bar,
    Batch,
    BatchSkip,
    OrderSlice,
    SliceStatus,
)
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.execution.clocks import PaperClock
from bridge_api.execution.engine import Engine, EngineConfig
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.execution.stops import RealMoneyDisabled, TradingHalted
from tests.bridge_api.execution.support import assert_exactly_once, ready_batch
from tests.log_capture import records

FAST = RateLimits(per_second=1000, per_minute=100_000)


def _engine(sessions, venue, **config) -> Engine:
    return Engine(
        sessions,
        venue,
        PaperClock(venue),
        limiter=OrderRateLimiter(sessions, limits=FAST),
        config=EngineConfig(trade_date=FIRST_DAY, **config),
    )


def _state(sessions, batch_id) -> str:
    with sessions() as session:
        return str(session.get(Batch, batch_id).state)


def test_orders_beyond_the_bar_volume_fill_partly_and_expire_at_the_close(committed):
    batch = ready_batch(committed, {"vikram@saras.demo": "900000.00"}, FIRST_DAY)
    venue = PaperVenue(committed, session_day=FIRST_DAY, participation=Decimal("0.000005"))

    _engine(committed, venue).run()

    assert _state(committed, batch) == "partially_completed"
    with committed() as session:
        reason = session.get(Batch, batch).reason
    assert "expired at the close" in reason
    assert_exactly_once(committed, FIRST_DAY)


def test_lost_responses_and_lost_requests_are_resolved_by_tag_never_resent_blindly(committed):
    investors = {"asha@saras.demo": "150000.00", "vikram@saras.demo": "600000.00"}
    batch = ready_batch(committed, investors, FIRST_DAY)
    venue = PaperVenue(
        committed, session_day=FIRST_DAY, faults=Faults(response_lost_every=2, request_lost_every=3)
    )

    _engine(committed, venue).run()

    assert _state(committed, batch) == "completed"
    with committed() as session:
        retried = session.execute(
            select(func.count()).select_from(OrderSlice).where(OrderSlice.attempt > 0)
        ).scalar_one()
    assert retried > 0
    assert_exactly_once(committed, FIRST_DAY)


def test_rejected_slices_leave_the_batch_partially_completed_with_the_reason(committed):
    batch = ready_batch(committed, {"vikram@saras.demo": "600000.00"}, FIRST_DAY)
    venue = PaperVenue(committed, session_day=FIRST_DAY, faults=Faults(reject_every=2))

    _engine(committed, venue).run()

    with committed() as session:
        done = session.get(Batch, batch)
        rejected = session.execute(
            select(func.count())
            .select_from(OrderSlice)
            .where(OrderSlice.status == SliceStatus.REJECTED, OrderSlice.message.like("%rejected%"))
        ).scalar_one()
    assert str(done.state) == "partially_completed"
    assert "rejected" in done.reason
    assert rejected > 0
    assert_exactly_once(committed, FIRST_DAY)


def test_a_disconnect_halts_trading_and_a_new_engine_resumes_the_batch(committed):
    batch = ready_batch(committed, {"vikram@saras.demo": "600000.00"}, FIRST_DAY)
    venue = PaperVenue(committed, session_day=FIRST_DAY, faults=Faults(disconnected=True))

    with pytest.raises(TradingHalted):
        _engine(committed, venue).run()
    assert _state(committed, batch) == "executing"
    venue.faults.disconnected = False
    _engine(committed, venue).run()

    assert _state(committed, batch) == "completed"
    assert_exactly_once(committed, FIRST_DAY)


def test_a_real_money_broker_is_refused_unless_real_money_is_switched_on(committed):
    venue = PaperVenue(committed, session_day=FIRST_DAY)
    venue.real_money = True  # type: ignore[misc]

    with pytest.raises(RealMoneyDisabled):
        _engine(committed, venue)
    _engine(committed, venue, real_money=True)


def test_every_engine_event_is_a_log_record_carrying_its_batch_order_and_slice(committed, captured):
    batch = ready_batch(committed, {"vikram@saras.demo": "600000.00"}, FIRST_DAY)
    venue = PaperVenue(committed, session_day=FIRST_DAY, faults=Faults(response_lost_every=2))

    _engine(committed, venue).run()

    events = [r for r in records(captured) if r.get("logger") == "bridge_api.execution.engine"]
    kinds = {r["event"] for r in events}
    assert {"planned", "sent", "unknown", "resolved", "allocated", "finished"} <= kinds
    assert all(r["batch"] == batch for r in events)
    per_slice = [r for r in events if r["event"] in ("sent", "unknown", "resolved", "rejected")]
    assert all(r["slice"] == r["tag"] and r["order"].startswith(f"b{batch}-") for r in per_slice)
    allocated = [r for r in events if r["event"] == "allocated"]
    assert all(r["order"].startswith(f"b{batch}-") for r in allocated)
    unknown = next(r for r in events if r["event"] == "unknown")
    assert unknown["level"] == "warning"
    assert "looking it up" in unknown["message"]


def test_a_symbol_the_venue_has_no_price_for_is_skipped_and_the_batch_goes_on(committed):
    batch = ready_batch(committed, {"vikram@saras.demo": "600000.00"}, FIRST_DAY)
    with committed() as session, session.begin():  # ITC suspended: no close to quote
        session.execute(delete(Bar).where(Bar.symbol == "ITC"))
    venue = PaperVenue(committed, session_day=FIRST_DAY)

    _engine(committed, venue).run()

    assert _state(committed, batch) == "partially_completed"
    with committed() as session:
        reason = session.get(Batch, batch).reason
        skipped = session.execute(
            select(BatchSkip.symbol, BatchSkip.reason).where(BatchSkip.batch_id == batch)
        ).all()
    assert "ITC" in reason
    assert "no quote" in reason
    assert set(skipped) == {("ITC", "no quote")}
    assert_exactly_once(committed, FIRST_DAY)
