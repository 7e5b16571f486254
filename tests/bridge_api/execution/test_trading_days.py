"""The engine on NSE's calendar: T+1 settlement runs by itself when a trading day starts, skips
weekends and holidays, settles book by book, and nothing is sent on a day NSE does not trade.
Real path: the engine, the paper venue and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.batches import service as batches
from bridge_api.calendar import IST
from bridge_api.db.models import (
    Alert,
    Batch,
    BatchState,
    Bucket,
    Cause,
    JournalEntry,
    LedgerKind,
    PaperOrder,
    Smallcase,
    Subscription,
    User,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.demo.scenario import FIRST_DAY, SECOND_DAY
from bridge_api.execution.clocks import LiveClock
from bridge_api.execution.planning import t1_sale_proceeds
from bridge_api.execution.stops import MarketClosed
from bridge_api.ledger.service import (
    HOUSE,
    Leg,
    balance,
    investor_account,
    named_account,
    post,
    subscription_account,
)
from bridge_api.portfolios import intents
from bridge_api.portfolios.cash import payout
from tests.bridge_api.execution.support import INVESTORS, accept_leaders_v2, paper_day, ready_batch

MONDAY = date(2026, 11, 23)  # Friday 20 Nov's trades settle today (not on the weekend)
HOLIDAY = date(2026, 11, 24)  # an NSE trading holiday


def _trade(sessions: sessionmaker[Session], day: date) -> list[int]:
    return paper_day(sessions, day)


def _user(session: Session, email: str) -> User:
    return session.execute(select(User).where(User.email == email)).scalar_one()


def _exit(sessions: sessionmaker[Session], email: str, day: date) -> None:
    with sessions() as session, session.begin():
        user = _user(session, email)
        subscription = session.execute(
            select(Subscription).where(Subscription.user_id == user.id)
        ).scalar_one()
        intents.exit_subscription(session, user, subscription_id=subscription.id)
        manager = _user(session, "manager@saras.demo")
        leaders = session.execute(
            select(Smallcase).where(Smallcase.name == "Nifty Leaders")
        ).scalar_one()
        batch = batches.create(session, manager, smallcase_id=leaders.id, prices_before=day)
        batches.approve(session, manager, batch.id)


def _free_cash(sessions: sessionmaker[Session], email: str) -> dict[Bucket, Decimal]:
    with sessions() as session:
        account = investor_account(session, _user(session, email).id)
        return {b: balance(session, account, CASH, b) for b in Bucket}


def test_an_exits_proceeds_settle_when_the_next_session_starts_and_can_be_paid_out(
    committed: sessionmaker[Session],
):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    _trade(committed, FIRST_DAY)
    _exit(committed, "asha@saras.demo", SECOND_DAY)
    _trade(committed, SECOND_DAY)
    before = _free_cash(committed, "asha@saras.demo")

    weekend = _trade_refused(committed, date(2026, 11, 22))
    after_weekend = _free_cash(committed, "asha@saras.demo")
    _trade(committed, MONDAY)  # no batch: the day starts, settlement runs
    settled = _free_cash(committed, "asha@saras.demo")
    with committed() as session, session.begin():
        admin, asha = _user(session, "admin@saras.demo"), _user(session, "asha@saras.demo")
        payout(session, admin, user_id=asha.id, amount=settled[Bucket.SETTLED], reference="UTR9")

    assert before[Bucket.UNSETTLED] > 0, "the sale's proceeds are not settled on the trade day"
    assert "not an NSE session" in weekend
    assert after_weekend == before, "nothing settles on a weekend"
    assert settled[Bucket.UNSETTLED] == 0
    assert settled[Bucket.SETTLED] == before[Bucket.SETTLED] + before[Bucket.UNSETTLED]
    assert _free_cash(committed, "asha@saras.demo")[Bucket.SETTLED] == 0


def _trade_refused(sessions: sessionmaker[Session], day: date) -> str:
    with pytest.raises(MarketClosed) as refused:
        _trade(sessions, day)
    return str(refused.value)


def test_nothing_is_sent_on_an_exchange_holiday_and_the_day_after_settles_the_day_before(
    committed: sessionmaker[Session],
):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    _trade(committed, FIRST_DAY)
    batch = ready_batch(committed, {"meera@saras.demo": "60000.00"}, SECOND_DAY)

    message = _trade_refused(committed, HOLIDAY)
    with committed() as session:
        state = session.get(Batch, batch).state
        holiday_orders = session.execute(
            select(PaperOrder.id).where(PaperOrder.session_day == HOLIDAY)
        ).all()
        booked_on_holiday = session.execute(
            select(JournalEntry.id).where(JournalEntry.effective_on == HOLIDAY)
        ).first()

    assert "2026-11-24 is not an NSE session" in message
    assert state is BatchState.READY, "the batch waits for the next session"
    assert holiday_orders == [], "no order was placed on the holiday"
    assert booked_on_holiday is None
    assert not LiveClock(now=lambda: datetime(2026, 11, 24, 11, 0, tzinfo=IST)).is_open()
    assert LiveClock(now=lambda: datetime(2026, 11, 25, 11, 0, tzinfo=IST)).is_open()


def test_a_book_that_cannot_settle_is_alerted_and_every_other_book_settles(
    committed: sessionmaker[Session],
):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    _trade(committed, FIRST_DAY)
    with committed() as session, session.begin():
        asha, vikram = (
            session.execute(
                select(Subscription.id).join(User).where(User.email == email)
            ).scalar_one()
            for email in ("asha@saras.demo", "vikram@saras.demo")
        )
        broken = subscription_account(session, asha)
        house = named_account(session, HOUSE, LedgerKind.HOUSE)
        post(  # a later-dated move that leaves asha's book short of what settles
            session,
            cause=Cause.CORRECTION,
            legs=[
                Leg(broken, "INFY", Decimal(-1), Bucket.UNSETTLED),
                Leg(house, "INFY", Decimal(1)),
            ],
            effective_on=SECOND_DAY,
            memo="test: one INFY share moved out unsettled",
        )

    _trade(committed, SECOND_DAY)  # cash settles; shares bought on the 19th are still T1
    _trade(committed, MONDAY)  # now the shares are due

    with committed() as session:
        unsettled = {
            sid: balance(session, subscription_account(session, sid), "INFY", Bucket.UNSETTLED)
            for sid in (asha, vikram)
        }
        alerts = session.execute(select(Alert).where(Alert.kind == "settlement")).scalars().all()
    assert unsettled[vikram] == 0, "the other book settled"
    assert unsettled[asha] > 0, "the broken book waits"
    assert [a.details["account_id"] for a in alerts] == [broken]
    assert f"subscription:{asha}" in alerts[0].message


def test_the_proceeds_of_shares_sold_while_still_t1_are_not_spent_the_same_day(
    committed: sessionmaker[Session],
):
    bought_on, sold_on = date(2026, 11, 19), date(2026, 11, 20)
    ready_batch(committed, {"vikram@saras.demo": "600000.00"}, bought_on)
    _trade(committed, bought_on)
    with committed() as session, session.begin():
        subscription, _, batch_id = accept_leaders_v2(session, sold_on)

    _trade(committed, sold_on)  # ITC bought on the 19th is T1 on the 20th

    with committed() as session:
        done = session.get(Batch, batch_id)
        blocked = t1_sale_proceeds(session, batch_id)
        account = subscription_account(session, subscription.id)
        cash = balance(session, account)
    assert done.state is BatchState.PARTIALLY_COMPLETED
    assert "cut for funds" in done.reason
    assert blocked[account] > 0, "ITC's proceeds came from T1 shares"
    assert cash >= blocked[account], "and were not spent on the day's buys"
