"""Renames, mergers and demergers on the paper venue, and the engine holding a symbol whose
action is past its ex date but not posted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bridge_api.batches import service as batches
from bridge_api.batches.closing import CORPORATE_ACTION
from bridge_api.brokers.paper import PaperVenue
from bridge_api.corporate_actions.announcements import Leg, get, pending_symbols
from bridge_api.db.models import (
    ActionKind,
    BatchOrder,
    BatchSkip,
    Constituent,
    CorporateActionEntitlement,
    Instrument,
    Intent,
    IntentKind,
    IntentStatus,
    Smallcase,
    Subscription,
    TaxLot,
)
from bridge_api.demo.scenario import FIRST_DAY, SECOND_DAY
from bridge_api.errors import Conflict
from bridge_api.ledger.reconciliation import compare, render
from bridge_api.ledger.totals import pooled_shares
from bridge_api.portfolios import intents
from tests.bridge_api.execution.support import INVESTORS, paper_day, ready_batch


def _open_cost(session, symbols) -> Decimal:
    return session.execute(
        select(func.sum(TaxLot.open_cost)).where(TaxLot.symbol.in_(symbols))
    ).scalar_one()


@pytest.fixture
def traded(committed):
    """The demo investors' Nifty Leaders batch traded on the paper venue on FIRST_DAY."""
    ready_batch(committed, INVESTORS, FIRST_DAY)
    assert paper_day(committed, FIRST_DAY)
    with committed() as session, session.begin():
        session.add(Instrument(symbol="RELIANCE2", name="Reliance renamed", tick_size="0.05"))
        session.add(Instrument(symbol="JIOFIN", name="Jio Financial", tick_size="0.05"))
    return committed


def test_a_rename_merger_and_demerger_carry_lots_weights_and_reconcile(traded, admin):
    committed = traded
    venue = PaperVenue(committed, session_day=SECOND_DAY)
    with committed() as session, session.begin():
        held = pooled_shares(session)
        cost = _open_cost(session, ["RELIANCE", "HDFCBANK", "ICICIBANK", "ITC"])
        rename = admin.announce(
            session,
            ActionKind.SYMBOL_CHANGE,
            "RELIANCE",
            legs=[Leg("RELIANCE2", 1, 1, Decimal(100))],
        )
        merger = admin.announce(
            session, ActionKind.MERGER, "HDFCBANK", legs=[Leg("ICICIBANK", 2, 1, Decimal(100))]
        )
        demerger = admin.announce(
            session, ActionKind.DEMERGER, "ITC", legs=[Leg("JIOFIN", 1, 1, Decimal("12.5"))]
        )
        investor = admin.user(session, "asha@saras.demo")
        direct = intents.buy(session, investor, symbol="RELIANCE", quantity=3)
        direct_id = direct.id
    venue.corporate_action("RELIANCE", new=1, old=1, into="RELIANCE2")
    venue.corporate_action("HDFCBANK", new=2, old=1, into="ICICIBANK")
    venue.corporate_action("ITC", new=1, old=1, into="JIOFIN", keep=True)

    with committed() as session, session.begin():
        for action in (rename, merger, demerger):
            admin.post(session, action, posted_on=SECOND_DAY)
    with committed() as session:
        after = compare(session, venue)
        assert after.matches, render(after)
        assert after.shares_books["RELIANCE2"] == held["RELIANCE"]
        assert after.shares_books["ICICIBANK"] == held["ICICIBANK"] + 2 * held["HDFCBANK"]
        assert after.shares_books["JIOFIN"] == held["ITC"]
        assert "HDFCBANK" not in after.shares_books
        assert (
            _open_cost(session, ["RELIANCE2", "ICICIBANK", "ITC", "JIOFIN"]) == cost
        )  # every rupee of cost carried
        jio = session.execute(select(TaxLot).where(TaxLot.symbol == "JIOFIN")).scalars().all()
        assert {lot.acquired_on for lot in jio} == {FIRST_DAY}
        intent = session.get(Intent, direct_id)
        assert (intent.symbol, intent.quantity, intent.status) == (
            "RELIANCE2",
            3,
            IntentStatus.PENDING,
        )
        leaders = session.execute(
            select(Smallcase).where(Smallcase.name == "Nifty Leaders")
        ).scalar_one()
        subscription = session.execute(
            select(Subscription).where(Subscription.smallcase_id == leaders.id).limit(1)
        ).scalar_one()
        weights = dict(
            session.execute(
                select(Constituent.symbol, Constituent.weight_percent).where(
                    Constituent.version_id == subscription.version_id
                )
            ).all()
        )
    assert weights == {
        "RELIANCE2": Decimal(20),
        "ICICIBANK": Decimal(35),
        "INFY": Decimal(15),
        "TCS": Decimal(15),
        "ITC": Decimal("13.125"),
        "JIOFIN": Decimal("1.875"),
    }
    assert sum(weights.values()) == 100


def test_the_engine_trades_no_symbol_whose_action_is_not_posted(traded, admin):
    committed = traded
    with committed() as session, session.begin():
        action = admin.announce(session, ActionKind.DIVIDEND, "TCS", per_share=Decimal("11.00"))
        leaders = session.execute(
            select(Smallcase).where(Smallcase.name == "Nifty Leaders")
        ).scalar_one()
        intents.invest(
            session,
            admin.user(session, "meera@saras.demo"),
            smallcase_id=leaders.id,
            amount=Decimal("75000.00"),
        )
        manager = admin.user(session, "manager@saras.demo")
        batch = batches.create(session, manager, smallcase_id=leaders.id, prices_before=SECOND_DAY)
        batches.approve(session, manager, batch.id)
        batch_id = batch.id
        assert pending_symbols(session, ["TCS", "INFY"], FIRST_DAY) == set()
        assert pending_symbols(session, ["TCS", "INFY"], SECOND_DAY) == {"TCS"}
        with pytest.raises(Conflict, match=f"batch {batch_id} is open with TCS"):
            admin.post(session, action, posted_on=SECOND_DAY, credited=Decimal("1"))

    assert paper_day(committed, SECOND_DAY) == [batch_id]
    with committed() as session:
        skipped = session.execute(
            select(BatchSkip.symbol, BatchSkip.reason).where(BatchSkip.batch_id == batch_id)
        ).all()
        traded_symbols = set(
            session.execute(
                select(BatchOrder.symbol).where(BatchOrder.batch_id == batch_id)
            ).scalars()
        )
    assert ("TCS", CORPORATE_ACTION) in skipped
    assert "TCS" not in traded_symbols
    assert "INFY" in traded_symbols


def test_a_consolidation_pays_fractions_through_the_house_and_cancels_a_tiny_buy(traded, admin):
    committed = traded
    with committed() as session, session.begin():
        investor = admin.user(session, "vikram@saras.demo")
        held = pooled_shares(session)["INFY"]
        consolidation = admin.announce(
            session, ActionKind.SPLIT, "INFY", legs=[Leg("INFY", 1, 10, Decimal(100))]
        )
        small = intents.buy(session, investor, symbol="INFY", quantity=4).id
    PaperVenue(committed, session_day=SECOND_DAY).corporate_action("INFY", new=1, old=10)
    with committed() as session, session.begin():
        admin.post(session, consolidation, posted_on=SECOND_DAY, fraction_price=Decimal("15000"))
        intent = session.get(Intent, small)
        assert intent.status is IntentStatus.CANCELLED
        assert "less than one INFY share" in intent.note
        assert intent.kind is IntentKind.BUY
        short = compare(session, PaperVenue(committed, session_day=SECOND_DAY))
        credited = get(session, consolidation).credited  # the company's cash for the account's
        assert credited == Decimal(15000) * (held % 10) / 10  # own fraction
        paid = session.execute(
            select(func.sum(CorporateActionEntitlement.cash)).where(
                CorporateActionEntitlement.action_id == consolidation
            )
        ).scalar_one()
        extra = (
            held // 10
            - session.execute(
                select(func.sum(CorporateActionEntitlement.shares)).where(
                    CorporateActionEntitlement.action_id == consolidation
                )
            ).scalar_one()
        )
    # The books' fractions add up to `extra` whole shares the account received: the house takes
    # them and pays each book its fraction at the company's price, so it is short until funded
    # (or until the operator sells them).
    assert extra >= 1
    assert short.house["shares"] == {"INFY": extra}
    assert Decimal(short.house["settled"]) == credited - paid
    assert [d.asset for d in short.differences] == ["house cash"]
    assert short.shares_books["INFY"] == held // 10
    assert short.shares_broker["INFY"] == held // 10


def test_a_share_action_waits_for_the_shares_it_replaces_to_settle(traded, admin):
    committed = traded
    with committed() as session, session.begin():
        split = admin.announce(
            session, ActionKind.SPLIT, "TCS", legs=[Leg("TCS", 2, 1, Decimal(100))]
        )
    with (
        committed() as session,
        session.begin(),
        pytest.raises(Conflict, match="TCS is still settling"),
    ):
        admin.post(session, split, posted_on=admin.ex)  # bought the session before
    with committed() as session, session.begin():
        admin.post(session, split, posted_on=SECOND_DAY)  # settled first, then posted
        assert get(session, split).status == "posted"
