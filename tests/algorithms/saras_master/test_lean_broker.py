"""The broker port over Lean's order API, on the stand-in (no database): statuses, fills,
ids, quotes and placement failures."""

from decimal import Decimal

import pytest
from lean_broker import LeanBroker, port_status

from bridge_api.brokers.port import BrokerRejected, BrokerUnavailable, PlacementUnknown
from tests.algorithms.lean_standin import (
    OrderEvent,
    OrderStatus,
    QCAlgorithm,
    TimeInForce,
    datetime,
)
from tests.algorithms.simulation import ZERODHA_REJECTED

TICKS = {"INFY": Decimal("0.05"), "TCS": Decimal("0.10")}


class _Recording(QCAlgorithm):
    """An algorithm that hands every order event to its broker, as the master does."""

    broker: LeanBroker
    events: list[OrderEvent]

    def on_order_event(self, order_event: OrderEvent) -> None:
        self.events.append(order_event)
        self.broker.record(order_event)


def _broker(prices: dict[str, float] | None = None, *, live: bool = False) -> _Recording:
    algorithm = _Recording()
    algorithm.events = []
    algorithm._lean_now = datetime(2026, 11, 19, 10, 0)
    algorithm._lean_live = live
    algorithm._lean_prices = {"INFY": 1449.47, "TCS": 3100.0} if prices is None else prices
    algorithm.broker = LeanBroker(algorithm)
    algorithm.broker.subscribe(TICKS)
    return algorithm


def _place(algorithm: _Recording, *, side: str = "BUY", quantity: int = 10) -> str:
    return algorithm.broker.place_limit_order(
        tag="B1O1S0A0", symbol="INFY", side=side, quantity=quantity, price=Decimal("1450.00")
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (OrderStatus.NEW, "OPEN"),
        (OrderStatus.SUBMITTED, "OPEN"),
        (OrderStatus.PARTIALLY_FILLED, "OPEN"),
        (OrderStatus.FILLED, "COMPLETE"),
        (OrderStatus.CANCELED, "CANCELLED"),
        (OrderStatus.NONE, "OPEN"),
        (OrderStatus.INVALID, "REJECTED"),
        (OrderStatus.CANCEL_PENDING, "OPEN"),
        (OrderStatus.UPDATE_SUBMITTED, "OPEN"),
    ],
)
def test_port_status_maps_every_lean_status(status, expected):
    assert port_status(status) == expected


def test_a_rejection_reported_as_a_cancellation_is_cancelled_with_the_brokers_message():
    algorithm = _broker()
    _place(algorithm)
    order = algorithm.transactions.get_order_by_id(1)

    algorithm.transactions._lean_cancel(order, ZERODHA_REJECTED + "RMS: margin exceeds")

    [booked] = algorithm.broker.orders()
    assert booked.status == "CANCELLED"
    assert booked.final
    assert booked.message == "Zerodha Order Rejected Event: RMS: margin exceeds"
    assert booked.filled == 0


def test_an_order_is_not_final_until_its_fill_event_is_recorded():
    algorithm = _broker()
    _place(algorithm)
    order = algorithm.transactions.get_order_by_id(1)

    order.status = OrderStatus.FILLED  # Lean's order object moves before the event arrives
    [before] = algorithm.broker.orders()
    algorithm.transactions._lean_fill(order, 10, 1450.0)
    [after] = algorithm.broker.orders()

    assert (before.status, before.filled) == ("OPEN", 0)
    assert (after.status, after.filled) == ("COMPLETE", 10)
    [trade] = algorithm.broker.trades()
    assert (trade.tag, trade.quantity, trade.price) == ("B1O1S0A0", 10, Decimal("1450.00"))
    assert trade.at.utcoffset() is not None


def test_partial_fills_become_one_trade_each_and_a_repeated_event_counts_once():
    algorithm = _broker()
    _place(algorithm, side="SELL")
    order = algorithm.transactions.get_order_by_id(1)

    algorithm.transactions._lean_fill(order, -4, 1450.0)
    algorithm.transactions._lean_fill(order, -6, 1450.05)
    algorithm.broker.record(algorithm.events[-1])

    [booked] = algorithm.broker.orders()
    assert (booked.side, booked.quantity, booked.filled, booked.status) == (
        "SELL",
        10,
        10,
        "COMPLETE",
    )
    assert [(t.quantity, t.price) for t in algorithm.broker.trades()] == [
        (4, Decimal("1450.00")),
        (6, Decimal("1450.05")),
    ]


def test_order_and_trade_ids_carry_the_run_so_two_runs_never_collide():
    first, second = _broker(), _broker()

    ours, theirs = _place(first), _place(second)

    assert ours != theirs
    assert ours.endswith("-1")
    assert theirs.endswith("-1")
    with pytest.raises(BrokerRejected, match="not an order of this run"):
        first.broker.cancel_order(theirs)
    first.broker.cancel_order(ours)
    assert first.broker.orders()[0].status == "CANCELLED"


def test_cancelling_an_order_that_is_already_final_changes_nothing():
    algorithm = _broker()
    reference = _place(algorithm)
    algorithm.transactions._lean_fill(algorithm.transactions.get_order_by_id(1), 10, 1450.0)

    algorithm.broker.cancel_order(reference)

    assert algorithm.broker.orders()[0].status == "COMPLETE"


def test_quotes_sit_on_the_tick_inside_a_twenty_percent_band():
    algorithm = _broker()

    quotes = algorithm.broker.quotes(["INFY", "TCS"])

    assert quotes["INFY"].price == Decimal("1449.45")
    assert (quotes["INFY"].lower, quotes["INFY"].upper) == (Decimal("1159.60"), Decimal("1739.30"))
    assert (quotes["TCS"].lower, quotes["TCS"].upper) == (Decimal("2480.0"), Decimal("3720.0"))


def test_a_symbol_without_a_price_yet_makes_the_broker_unavailable_an_unknown_one_is_left_out():
    algorithm = _broker({"TCS": 3100.0})

    with pytest.raises(BrokerUnavailable, match="no price for INFY"):
        algorithm.broker.quotes(["INFY", "TCS"])
    assert algorithm.broker.quotes(["SBIN"]) == {}  # not an instrument the batch could trade


def test_an_order_lean_refuses_is_rejected_at_placement():
    algorithm = _broker()

    with pytest.raises(BrokerRejected, match="quantity is zero"):
        _place(algorithm, quantity=0)
    with pytest.raises(BrokerRejected, match="not subscribed"):
        algorithm.broker.place_limit_order(
            tag="B1O2S0A0", symbol="SBIN", side="BUY", quantity=1, price=Decimal("800.00")
        )
    assert algorithm.broker.orders()[0].status == "REJECTED"


def test_an_error_inside_lean_leaves_the_placement_unknown_and_the_tag_known(monkeypatch):
    algorithm = _broker()

    def broken(*args, **kwargs):
        raise RuntimeError("transaction handler stopped")

    monkeypatch.setattr(algorithm, "limit_order", broken)

    with pytest.raises(PlacementUnknown, match="transaction handler stopped"):
        _place(algorithm)
    assert algorithm.broker.knows("B1O1S0A0")
    assert not algorithm.broker.knows("B1O1S0A1")


def test_orders_go_out_as_nse_cnc_day_limit_orders():
    algorithm = _broker()

    _place(algorithm, side="SELL", quantity=7)

    order = algorithm.transactions.get_order_by_id(1)
    assert (order.quantity, order.limit_price, order.tag) == (-7, 1450.0, "B1O1S0A0")
    assert (order.properties.exchange, order.properties.product_type) == ("NSE", "CNC")
    assert order.properties.time_in_force is TimeInForce.DAY


@pytest.mark.parametrize(("live", "real_money"), [(False, False), (True, True)])
def test_the_broker_trades_real_money_only_in_live_mode(live, real_money):
    assert _broker(live=live).broker.real_money is real_money


@pytest.mark.parametrize(("live", "lean_ticker"), [(False, "M_M"), (True, "M&M")])
def test_backtests_use_the_data_files_ticker_and_the_book_shows_nse_symbols(live, lean_ticker):
    algorithm = _broker({"M_M": 3000.0, "M&M": 3000.0}, live=live)
    algorithm.broker.subscribe({"M&M": Decimal("0.10")})

    algorithm.broker.place_limit_order(
        tag="B1O1S0A0", symbol="M&M", side="BUY", quantity=3, price=Decimal("3000.00")
    )
    algorithm.transactions._lean_fill(algorithm.transactions.get_order_by_id(1), 3, 3000.0)

    assert algorithm.transactions.get_order_by_id(1).symbol.value == lean_ticker
    assert algorithm.broker.orders()[0].symbol == "M&M"
    assert algorithm.broker.trades()[0].symbol == "M&M"
    assert algorithm.broker.quotes(["M&M"])["M&M"].price == Decimal("3000.00")
