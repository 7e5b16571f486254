"""Shared by the engine tests: a ready batch of demo investors, and the exactly-once checks."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.batches import service as batches
from bridge_api.brokers.paper import PaperVenue
from bridge_api.db.models import BrokerTrade, OrderSlice, PaperOrder, PaperTrade, Smallcase, User
from bridge_api.demo.seed import seed_demo
from bridge_api.ledger.reconciliation import compare
from bridge_api.portfolios import intents


def ready_batch(sessions: sessionmaker[Session], amounts: dict[str, str], day: date) -> int:
    """Demo users invest in Nifty Leaders; one approved batch of it, priced before `day`."""
    with sessions() as session, session.begin():
        seed_demo(session)
        leaders = session.execute(
            select(Smallcase).where(Smallcase.name == "Nifty Leaders")
        ).scalar_one()
        for email, amount in amounts.items():
            user = session.execute(select(User).where(User.email == email)).scalar_one()
            intents.invest(session, user, smallcase_id=leaders.id, amount=Decimal(amount))
        manager = session.execute(
            select(User).where(User.email == "manager@saras.demo")
        ).scalar_one()
        batch = batches.create(session, manager, smallcase_id=leaders.id, prices_before=day)
        batches.approve(session, manager, batch.id)
        return batch.id


def assert_exactly_once(sessions: sessionmaker[Session], day: date) -> None:
    """No tag placed twice, every venue trade recorded once, every share reconciled."""
    with sessions() as session:
        per_tag = session.execute(
            select(PaperOrder.tag, func.count()).group_by(PaperOrder.tag)
        ).all()
        assert all(count == 1 for _, count in per_tag), "a tag was placed twice"
        recorded = set(
            session.execute(
                select(OrderSlice.tag).where(OrderSlice.broker_order_id.is_not(None))
            ).scalars()
        )
        assert recorded <= {tag for tag, _ in per_tag}
        venue_trades = sorted(session.execute(select(PaperTrade.trade_id)).scalars())
        ledger_trades = sorted(session.execute(select(BrokerTrade.broker_trade_id)).scalars())
        assert venue_trades == ledger_trades
        result = compare(session, PaperVenue(sessions, session_day=day))
        assert result.matches, result
