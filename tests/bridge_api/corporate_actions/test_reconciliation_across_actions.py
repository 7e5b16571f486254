"""The books stay equal to the broker's across every corporate action: the fake Kite moves the
pooled account's holdings and cash as the depository and the company would, the admin posts
each action, and the full reconciliation (shares and cash) matches after each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from bridge_api.brokers.kite.account import kite_broker
from bridge_api.brokers.kite.contract_notes import KiteContractNotes
from bridge_api.corporate_actions.announcements import Leg
from bridge_api.db.models import (
    ActionKind,
    CorporateActionEntitlement,
    LotConsumption,
    TaxLot,
)
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.ledger.reconciliation import compare, render
from bridge_api.ledger.totals import pooled_cash, pooled_shares
from bridge_api.ledger.true_up import true_up
from tests.bridge_api.execution.support import INVESTORS, kite_engine, ready_batch
from tests.fake_kite import log_in

POSTED = date(2026, 11, 20)


def sum_whole(session, action_id: int) -> int:
    """The whole shares the subscriptions received in an action."""
    return session.execute(
        select(func.sum(CorporateActionEntitlement.shares)).where(
            CorporateActionEntitlement.action_id == action_id,
            CorporateActionEntitlement.subscription_id.is_not(None),
        )
    ).scalar_one()


def _traded_and_rolled(committed, fake, settings):
    """The demo investors' Leaders batch traded on FIRST_DAY, trued up, and the fake rolled into
    the next day (the day's charges debited, the buys T1)."""
    ready_batch(committed, INVESTORS, FIRST_DAY)
    with committed() as session:
        fake.cash = pooled_cash(session)
    log_in(committed, fake)
    kite_engine(committed, fake, settings).run()
    fake.close_market()
    broker = kite_broker(committed, settings)
    with committed() as session, session.begin():
        true_up(session, KiteContractNotes(broker, today=FIRST_DAY), FIRST_DAY)
    fake.next_day()
    log_in(committed, fake)
    broker = kite_broker(committed, settings)
    with committed() as session:
        before = compare(session, broker, scope="full")
    assert before.matches, render(before)
    return broker


def test_a_dividend_split_and_bonus_keep_the_books_equal_to_kite(
    committed, fake, kite_settings, admin
):
    broker = _traded_and_rolled(committed, fake, kite_settings)
    with committed() as session, session.begin():
        held = pooled_shares(session)
        dividend = admin.announce(session, ActionKind.DIVIDEND, "ITC", per_share=Decimal("6.25"))
        split = admin.announce(
            session, ActionKind.SPLIT, "INFY", legs=[Leg("INFY", 5, 1, Decimal(100))]
        )
        bonus = admin.announce(
            session, ActionKind.BONUS, "TCS", legs=[Leg("TCS", 1, 3, Decimal(0))]
        )
        infy_cost = session.execute(
            select(func.sum(TaxLot.open_cost)).where(TaxLot.symbol == "INFY")
        ).scalar_one()

    # The company pays the account as one holder: gross on its whole holding, less 10 % TDS.
    gross = Decimal("6.25") * held["ITC"]
    tds = (gross / 10).quantize(Decimal("0.01"))
    fake.credit(gross - tds)
    fake.corporate_action("INFY", new=5, old=1)
    bonus_cash = fake.corporate_action(
        "TCS", new=1, old=3, keep=True, fraction_price=Decimal("3900.00")
    )
    with committed() as session:
        moved = compare(session, broker, scope="full")
    assert not moved.matches  # the broker moved and the books did not yet

    with committed() as session, session.begin():
        admin.post(session, dividend, posted_on=POSTED, credited=gross - tds, tds=tds)
        admin.post(session, split, posted_on=POSTED)
        admin.post(
            session,
            bonus,
            posted_on=POSTED,
            fraction_price=Decimal("3900.00"),
            credited=bonus_cash,
        )
    with committed() as session:
        after = compare(session, broker, scope="full")
        assert after.matches, render(after)
        assert after.shares_books["INFY"] == held["INFY"] * 5
        assert after.shares_books["TCS"] == held["TCS"] + held["TCS"] // 3

        payouts = (
            session.execute(
                select(CorporateActionEntitlement).where(
                    CorporateActionEntitlement.action_id == dividend
                )
            )
            .scalars()
            .all()
        )
        assert sum(p.tds for p in payouts) == tds
        assert all(p.gross == Decimal("6.25") * p.held for p in payouts)
        assert all(p.cash == p.gross - p.tds for p in payouts)

        infy_lots = (
            session.execute(select(TaxLot).where(TaxLot.symbol == "INFY", TaxLot.open_quantity > 0))
            .scalars()
            .all()
        )
        assert sum(lot.open_cost for lot in infy_lots) == infy_cost  # cost conserved
        assert {lot.acquired_on for lot in infy_lots} == {FIRST_DAY}  # date kept
        assert all(lot.from_lot_id is not None for lot in infy_lots)

        bonus_lots = session.execute(select(TaxLot).where(TaxLot.symbol == "TCS")).scalars().all()
        nil = [lot for lot in bonus_lots if lot.acquired_on == POSTED]
        assert nil
        assert all(lot.cost == 0 for lot in nil)
        originals = [lot for lot in bonus_lots if lot.acquired_on == FIRST_DAY]
        assert all(lot.open_quantity == lot.quantity for lot in originals)  # unchanged
        fraction_cash = session.execute(
            select(func.sum(LotConsumption.proceeds)).where(LotConsumption.quantity == 0)
        ).scalar_one()
        subscriptions = session.execute(
            select(func.sum(CorporateActionEntitlement.cash)).where(
                CorporateActionEntitlement.action_id == bonus,
                CorporateActionEntitlement.subscription_id.is_not(None),
            )
        ).scalar_one()
        assert fraction_cash == subscriptions
        assert after.house["shares"].get("TCS", 0) == (held["TCS"] // 3 - sum_whole(session, bonus))
