"""After the close: the charges true-up against Kite's contract note, and the full
reconciliation (shares and cash) of every sub-ledger plus the house with Kite's books."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bridge_api.brokers.kite.account import kite_broker
from bridge_api.brokers.kite.contract_notes import KiteContractNotes
from bridge_api.db.models import (
    Alert,
    Batch,
    BatchState,
    ChargesTrueUp,
    JournalEntry,
    KiteSnapshot,
    User,
)
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.errors import Conflict
from bridge_api.ledger import house
from bridge_api.ledger.reconciliation import compare, reconcile, render
from bridge_api.ledger.totals import pooled_cash
from bridge_api.ledger.true_up import estimated_charges, true_up
from tests.bridge_api.execution.support import INVESTORS, kite_engine, ready_batch
from tests.fake_kite import log_in


def _trade_the_day(committed, fake, settings) -> None:
    ready_batch(committed, INVESTORS, FIRST_DAY)
    with committed() as session:
        fake.cash = pooled_cash(session)  # the pooled account holds exactly the investors' cash
    log_in(committed, fake)
    kite_engine(committed, fake, settings).run()
    fake.close_market()


def fund_the_house(committed, fake) -> Decimal:
    """The operator pays the house's shortfall into the account; returns it."""
    with committed() as session, session.begin():
        shortfall = house.position(session).shortfall
        admin = session.execute(select(User).where(User.email == "admin@saras.demo")).scalar_one()
        house.fund(session, admin, amount=shortfall, reference="NEFT from the operator")
    fake.cash += shortfall
    return shortfall


def test_a_day_with_no_cost_difference_trues_up_to_exactly_zero(committed, fake, kite_settings):
    # Kite's virtual contract note gives each order's charges unrounded; the estimate, the
    # true-up and the broker's debit all round the day as one contract note does.
    _trade_the_day(committed, fake, kite_settings)
    broker = kite_broker(committed, kite_settings)

    with committed() as session, session.begin():
        result = true_up(session, KiteContractNotes(broker, today=FIRST_DAY), FIRST_DAY)
        after = compare(session, broker, scope="full")

    assert result.orders == len(fake.orders())
    assert result.actual == result.estimated == fake.charges_debited
    assert result.difference == Decimal("0.00")
    assert after.matches, render(after)
    with committed() as session:
        trued = session.get(ChargesTrueUp, FIRST_DAY)
        assert trued.entry_id is None  # nothing to post
        assert set(trued.details["per_order_unrounded"]) == {o["order_id"] for o in fake.orders()}


def test_what_the_broker_charges_beyond_the_table_goes_to_the_house_exactly(
    committed, fake, kite_settings
):
    fake.brokerage_per_order = Decimal("2.50")  # plus 18 % GST: Rs 2.95 an order
    _trade_the_day(committed, fake, kite_settings)
    broker = kite_broker(committed, kite_settings)

    with committed() as session, session.begin():
        result = true_up(session, KiteContractNotes(broker, today=FIRST_DAY), FIRST_DAY)

    assert result.difference == Decimal("2.95") * len(fake.orders())
    assert result.actual == fake.charges_debited
    assert fund_the_house(committed, fake) == result.difference  # the house paid it
    with committed() as session:
        after = compare(session, broker, scope="full")
        trued = session.get(ChargesTrueUp, FIRST_DAY)
        entry = session.get(JournalEntry, trued.entry_id)
        assert estimated_charges(session, FIRST_DAY) == result.estimated  # investors unchanged
    assert after.matches, render(after)
    assert entry.cause == "charge_true_up"
    assert trued.details["contract_note"]["brokerage"] == str(Decimal("2.50") * len(fake.orders()))
    fake.next_day()  # Kite debits the day's contract note and DP: the books already hold them
    log_in(committed, fake)
    with committed() as session:
        debited = compare(session, kite_broker(committed, kite_settings), scope="full")
    assert debited.matches, render(debited)
    assert debited.cash_undebited == 0


def test_contract_note_lines_that_do_not_pair_with_the_orders_alert_and_post_nothing(
    committed, fake, kite_settings
):
    _trade_the_day(committed, fake, kite_settings)
    fake.contract_note_lines_lost = 1
    broker = kite_broker(committed, kite_settings)

    with committed() as session, session.begin():
        result = true_up(session, KiteContractNotes(broker, today=FIRST_DAY), FIRST_DAY)

    assert result.refused is not None
    assert "without a line" in result.refused
    assert result.difference == 0
    with committed() as session:
        (alert,) = session.execute(select(Alert).where(Alert.kind == "true_up")).scalars()
        assert session.get(ChargesTrueUp, FIRST_DAY) is None  # it can be trued up later
    assert len(alert.details["missing"]) == 1
    fake.contract_note_lines_lost = 0
    with committed() as session, session.begin():
        again = true_up(session, KiteContractNotes(broker, today=FIRST_DAY), FIRST_DAY)
    assert again.refused is None
    assert again.difference == 0


def test_a_day_is_trued_up_once_and_an_earlier_day_from_its_snapshot(
    committed, fake, kite_settings
):
    _trade_the_day(committed, fake, kite_settings)
    broker = kite_broker(committed, kite_settings)
    with committed() as session, session.begin():
        (snapshot_day,) = session.execute(select(KiteSnapshot.day)).scalars()
        snapshot = session.get(KiteSnapshot, snapshot_day)
        snapshot.day = FIRST_DAY  # as if the engine had snapshotted FIRST_DAY's books then
    fake.close_market()

    books_read = fake.requests.count(("GET", "/orders"))
    with committed() as session, session.begin():
        earlier = true_up(
            session, KiteContractNotes(broker, today=FIRST_DAY.replace(day=20)), FIRST_DAY
        )
    with committed() as session, pytest.raises(Conflict, match="already trued up"):
        true_up(session, KiteContractNotes(broker, today=FIRST_DAY), FIRST_DAY)
    with committed() as session, pytest.raises(Conflict, match="no snapshot"):
        true_up(session, KiteContractNotes(broker, today=FIRST_DAY), FIRST_DAY.replace(year=2000))

    assert fake.requests.count(("GET", "/orders")) == books_read  # the snapshot, not the book
    assert earlier.orders == len(fake.orders())
    assert earlier.actual == fake.charges_debited


def test_no_true_up_while_a_batch_is_executing(committed, fake, kite_settings):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    with committed() as session, session.begin():
        session.get(Batch, batch).state = BatchState.EXECUTING

    with committed() as session, pytest.raises(Conflict, match="still executing"):
        true_up(session, None, FIRST_DAY)  # refused before any broker call


def test_a_share_difference_is_reported_stored_and_alerted(committed, fake, kite_settings):
    _trade_the_day(committed, fake, kite_settings)
    fake.list_instrument("OUTSIDE", token=999_999, price=Decimal("10.00"))
    fake.set_holding("OUTSIDE", 7)  # bought in the account outside Saras
    broker = kite_broker(committed, kite_settings)

    with committed() as session, session.begin():
        report, stored = reconcile(session, broker, scope="shares")

    assert not report.matches
    assert [(d.asset, d.books, d.broker) for d in report.differences] == [("OUTSIDE", "0", "7")]
    assert "OUTSIDE" in render(report)
    assert "<-- differs" in render(report)
    with committed() as session:
        (alert,) = session.execute(select(Alert).where(Alert.kind == "reconciliation")).scalars()
    assert alert.details["report_id"] == stored.id


def test_cash_differs_from_the_next_day_until_the_close_is_trued_up(
    committed, fake, kite_settings
):
    fake.brokerage_per_order = Decimal("0.01")  # the broker charges what the table does not
    _trade_the_day(committed, fake, kite_settings)
    broker = kite_broker(committed, kite_settings)
    with committed() as session:
        today = compare(session, broker, scope="full")
        estimated = estimated_charges(session, FIRST_DAY)

    # Kite debits the day's charges into the next day's opening balance: today its cash
    # still holds them, and the books' charges of the day are counted as not yet debited.
    assert today.matches, render(today)
    assert today.cash_undebited == estimated
    fake.next_day()
    log_in(committed, fake)
    broker = kite_broker(committed, kite_settings)
    with committed() as session:
        report = compare(session, broker, scope="full")

    assert [d.asset for d in report.differences] == ["INR"]
    assert report.cash_undebited == 0
    assert report.cash_books - report.cash_broker == fake.charges_debited - estimated
    assert "not trued up yet" in render(report)


def test_cash_is_compared_without_collateral_or_margin_in_net(committed, fake, kite_settings):
    _trade_the_day(committed, fake, kite_settings)
    fake.collateral = Decimal("50000.00")  # pledged holdings count in `net`, but are no cash
    broker = kite_broker(committed, kite_settings)

    with committed() as session, session.begin():
        true_up(session, KiteContractNotes(broker, today=FIRST_DAY), FIRST_DAY)
        report = compare(session, broker, scope="full")

    assert report.matches, render(report)
    assert Decimal(str(broker.margins()["net"])) == report.cash_broker + fake.collateral
