"""The end-to-end demo, on a fresh database: two sessions through the engine and the paper
venue, every book reconciled."""

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.analytics import report as analytics
from bridge_api.db.models import BrokerTrade, OrderSlice, PaperOrder, PaperTrade, User
from bridge_api.demo.scenario import SECOND_DAY, run_demo
from bridge_api.execution.ratelimit import RateLimits

FAST = RateLimits(per_second=1000, per_minute=100_000)


def test_the_demo_trades_two_sessions_and_every_book_reconciles(committed: sessionmaker[Session]):
    result = run_demo(committed, rate_limits=FAST)

    assert result.reconciliation is not None
    assert result.reconciliation.matches, result.reconciliation
    assert result.reconciliation.shares_broker
    assert {b.state for b in result.batches} <= {"completed", "partially_completed"}
    assert len(result.batches) == 5
    for investor in result.investors:
        assert investor.stt > 0
        assert investor.other_charges > 0
        assert abs(investor.total - investor.paid_in) < investor.paid_in * Decimal("0.2")
        # the table's columns add up, as its caption says
        assert investor.total == (
            investor.paid_in
            - investor.paid_out
            + investor.realised
            + investor.unrealised
            - investor.stt
        )
    with committed() as session:
        # the demo's money is dated on its own days, so its books as of its last day are whole
        for investor in result.investors:
            user = session.execute(select(User).where(User.email == investor.email)).scalar_one()
            whole, _ = analytics.for_investor(session, user, until=SECOND_DAY)
            assert whole.identity.value == investor.total
            assert whole.identity.paid_in == investor.paid_in
    with committed() as session:
        venue_orders = session.execute(select(func.count()).select_from(PaperOrder)).scalar_one()
        tags = session.execute(select(func.count(func.distinct(PaperOrder.tag)))).scalar_one()
        sent = session.execute(
            select(func.count())
            .select_from(OrderSlice)
            .where(OrderSlice.broker_order_id.is_not(None))
        ).scalar_one()
        venue_trades = session.execute(select(func.count()).select_from(PaperTrade)).scalar_one()
        recorded = session.execute(select(func.count()).select_from(BrokerTrade)).scalar_one()
    assert venue_orders == tags == sent
    assert venue_trades == recorded
