"""The master algorithm driven through the Lean stand-in on committed databases: a ready batch
is claimed, planned, sent as Lean limit orders, filled (or not) by the simulated market, and
allocated; every share the Lean run traded is in exactly one book."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from main import SarasMaster
from sqlalchemy import func, select

from bridge_api.db.models import (
    Bar,
    Batch,
    BatchOrder,
    BatchTarget,
    BrokerTrade,
    ChargesTrueUp,
    OrderStatus,
)
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.errors import Conflict
from bridge_api.execution.stops import RealMoneyDisabled
from bridge_api.ledger.reconciliation import compare
from bridge_api.ledger.true_up import true_up
from tests.algorithms.simulation import LeanRun, fill_nothing, fill_share
from tests.bridge_api.execution.support import ready_batch

BEFORE_OPEN = datetime.combine(FIRST_DAY, time(9, 0))
AFTER_CLOSE = datetime.combine(FIRST_DAY, time(16, 5))
INVESTORS = {"asha@saras.demo": "150000.00", "vikram@saras.demo": "600000.00"}


def _parameters(sessions, **overrides: str) -> dict[str, str]:
    url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    return {"database-url": url, "orders-per-second": "1000", **overrides}


def _closes_before(sessions, day) -> dict[str, Decimal]:
    """Each symbol's last close before `day`: the price Lean shows at the open."""
    with sessions() as session:
        last = (
            select(Bar.symbol, func.max(Bar.day).label("day"))
            .where(Bar.day < day)
            .group_by(Bar.symbol)
            .subquery()
        )
        rows = session.execute(
            select(Bar.symbol, Bar.close).join(
                last, (Bar.symbol == last.c.symbol) & (Bar.day == last.c.day)
            )
        ).all()
    return {row.symbol: row.close for row in rows}


def _start(sessions, **options) -> LeanRun:
    parameters = _parameters(sessions, **options.pop("parameters", {}))
    prices = options.pop("prices", None) or _closes_before(sessions, FIRST_DAY)
    return LeanRun.start(
        SarasMaster, parameters=parameters, at=BEFORE_OPEN, prices=prices, **options
    )


def _batch(sessions, batch_id: int) -> Batch:
    with sessions() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        return batch


def _assert_books_match(sessions, batch_id: int, run: LeanRun) -> None:
    """Every order allocated, no tag sent twice, every Lean fill recorded once, and every
    sub-ledger plus the house equal to what the Lean run traded."""
    with sessions() as session:
        statuses = set(
            session.execute(
                select(BatchOrder.status).where(BatchOrder.batch_id == batch_id)
            ).scalars()
        )
        recorded = sorted(session.execute(select(BrokerTrade.broker_trade_id)).scalars())
        assert run.algorithm._broker.holdings() == run.holdings()
        result = compare(session, run.algorithm._broker)
    tags = [order.tag for order in run.algorithm.transactions.get_orders()]
    assert statuses == {OrderStatus.FINAL}
    assert len(tags) == len(set(tags)), "a tag was sent twice"
    assert recorded == sorted(t.trade_id for t in run.algorithm._broker.trades())
    assert result.matches, result


def test_a_ready_batch_is_traded_to_completion_through_lean_limit_orders(committed):
    batch_id = ready_batch(committed, INVESTORS, FIRST_DAY)
    run = _start(committed)

    run.run_until(AFTER_CLOSE)

    batch = _batch(committed, batch_id)
    assert (str(batch.state), batch.reason) == ("completed", "")
    assert batch.trade_date == FIRST_DAY
    assert run.messages("error") == []
    assert run.holdings()
    _assert_books_match(committed, batch_id, run)


def test_partial_fills_expire_at_the_close_and_the_batch_ends_partially_completed(committed):
    batch_id = ready_batch(committed, INVESTORS, FIRST_DAY)
    run = _start(committed, fill=fill_share(Decimal("0.5")))

    run.run_until(AFTER_CLOSE)

    batch = _batch(committed, batch_id)
    assert str(batch.state) == "partially_completed"
    assert "expired at the close" in batch.reason
    assert run.messages("error") == []
    _assert_books_match(committed, batch_id, run)


def test_live_open_orders_are_cancelled_before_the_close_so_the_batch_finishes(committed):
    batch_id = ready_batch(committed, INVESTORS, FIRST_DAY)
    run = _start(
        committed,
        live=True,
        parameters={"real-money": "true"},
        fill=fill_share(Decimal("0.5")),
        expire_at_close=False,  # Lean live: nothing answers the open day orders at 15:30
    )

    run.run_until(AFTER_CLOSE)

    batch = _batch(committed, batch_id)
    assert str(batch.state) == "partially_completed", batch.reason
    book = run.algorithm._broker.orders()
    cancelled = [o for o in book if o.message == "cancelled by the algorithm"]
    assert cancelled
    assert all(o.final for o in book)
    assert any("open orders before the close" in m for m in run.messages("log"))
    _assert_books_match(committed, batch_id, run)


class _NoContractNotes:
    def charged_orders(self, session, day):
        raise AssertionError("a Lean day must be refused before the contract note is read")


def test_a_day_traded_through_lean_is_not_trued_up_against_kites_contract_note(committed):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    run = _start(committed)
    run.run_until(AFTER_CLOSE)

    with committed() as session, pytest.raises(Conflict, match="carry no Saras tag"):
        true_up(session, _NoContractNotes(), FIRST_DAY)
    with committed() as session:
        assert session.get(ChargesTrueUp, FIRST_DAY) is None


def test_rejections_reported_as_cancellations_leave_nothing_traded_and_the_books_whole(
    committed,
):
    batch_id = ready_batch(committed, INVESTORS, FIRST_DAY)
    run = _start(committed, reject=lambda order: "RMS: insufficient funds")

    run.run_until(AFTER_CLOSE)

    assert str(_batch(committed, batch_id).state) == "partially_completed"
    book = run.algorithm._broker.orders()
    assert book
    assert {o.status for o in book} == {"CANCELLED"}
    assert all(o.message.startswith("Zerodha Order Rejected Event") for o in book)
    assert run.holdings() == {}
    _assert_books_match(committed, batch_id, run)


def test_live_mode_refuses_real_money_unless_the_real_money_parameter_is_true(committed):
    with pytest.raises(RealMoneyDisabled, match="'real-money' parameter"):
        _start(committed, live=True)

    live = _start(committed, live=True, parameters={"real-money": "true"})
    backtest = _start(committed)

    assert live.algorithm._broker.real_money is True
    assert backtest.algorithm._broker.real_money is False


def test_initialize_sets_up_an_inr_cash_account_on_zerodha_in_ist(committed):
    run = _start(committed, parameters={"symbols": "INFY,TCS", "start-date": "2026-11-19"})

    settings = run.algorithm._lean_settings
    assert settings["account_currency"] == "INR"
    assert settings["time_zone"] == "Asia/Kolkata"
    assert [int(x) for x in settings["brokerage"]] == [11, 1]  # ZERODHA, CASH
    assert str(settings["start"]) == "2026-11-19"
    assert sorted(s.value for s in run.algorithm.securities._lean_securities) == ["INFY", "TCS"]


def test_a_poll_that_fails_is_logged_and_a_later_poll_carries_on(committed):
    batch_id = ready_batch(committed, INVESTORS, FIRST_DAY)
    with committed() as session:
        first = session.execute(
            select(BatchTarget.symbol).where(BatchTarget.batch_id == batch_id).limit(1)
        ).scalar_one()
    prices = _closes_before(committed, FIRST_DAY)
    late = prices.pop(first)
    run = _start(committed, prices=prices)

    run.run_until(datetime.combine(FIRST_DAY, time(10, 0)))
    assert any(f"no price for {first} yet" in m for m in run.messages("error"))
    assert str(_batch(committed, batch_id).state) == "executing"
    run.set_price(first, late)
    run.run_until(AFTER_CLOSE)

    assert str(_batch(committed, batch_id).state) == "completed"
    _assert_books_match(committed, batch_id, run)


def test_a_batch_with_orders_from_an_earlier_run_is_not_resumed(committed):
    batch_id = ready_batch(committed, INVESTORS, FIRST_DAY)
    earlier = _start(committed, fill=fill_nothing)
    earlier.run_until(datetime.combine(FIRST_DAY, time(9, 30)))
    earlier.algorithm.on_end_of_algorithm()
    assert earlier.algorithm.transactions.get_orders()

    later = _start(committed)
    later.run_until(AFTER_CLOSE)

    assert later.algorithm.transactions.get_orders() == []
    [refusal] = later.messages("error")
    assert f"batch {batch_id} has" in refusal
    assert "finish it on the direct Kite path" in refusal
    assert str(_batch(committed, batch_id).state) == "executing"


def test_a_second_algorithm_does_not_trade_while_the_first_holds_the_lease(committed):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    first = _start(committed, fill=fill_nothing)
    first.run_until(datetime.combine(FIRST_DAY, time(9, 20)))

    second = _start(committed)
    second.run_until(datetime.combine(FIRST_DAY, time(9, 20)) + timedelta(minutes=30))

    assert first.algorithm.transactions.get_orders()
    assert second.algorithm.transactions.get_orders() == []
    assert any("another engine holds the trading lease" in m for m in second.messages("debug"))
