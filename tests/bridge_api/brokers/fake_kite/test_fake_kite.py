"""The fake Kite server, driven only through the real `kiteconnect` client (and /_fake admin)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from kiteconnect import KiteConnect
from kiteconnect import exceptions as kex

from bridge_api.brokers.fake_kite import IST, FakeKite, FakeLimits

D = Decimal
SECRET = "fake_api_secret"
ROOMY = FakeLimits(
    orders_per_second=1000,
    orders_per_minute=10_000,
    quotes_per_second=1000,
    historical_per_second=1000,
    other_per_second=1000,
)


class Clock:
    """A settable wall clock (aware, IST) and monotonic clock."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.mono = 1000.0

    def __call__(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return self.mono


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 5, 4, 10, 0, tzinfo=IST))


def _market(fake: FakeKite) -> FakeKite:
    fake.list_instrument("INFY", token=408065, price=D("1500"), name="INFOSYS, LTD")
    fake.list_instrument("TCS", token=2953217, price=D("3500"), tick_size=D("0.10"))
    return fake


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeKite]:
    with FakeKite(limits=ROOMY, now=clock, cash=D("100000")) as server:
        yield _market(server)


def login(fake: FakeKite, timeout: float = 5) -> KiteConnect:
    kite = KiteConnect(fake.api_key, root=fake.url, timeout=timeout)
    kite.generate_session(fake.issue_request_token(), fake.api_secret)
    return kite


@pytest.fixture
def kite(fake: FakeKite) -> KiteConnect:
    return login(fake)


def buy(kite: KiteConnect, symbol: str, quantity: int, price: str, **extra: Any) -> str:
    return str(
        kite.place_order(
            variety="regular",
            exchange="NSE",
            tradingsymbol=symbol,
            transaction_type="BUY",
            quantity=quantity,
            product="CNC",
            order_type="LIMIT",
            price=price,
            validity="DAY",
            **extra,
        )
    )


def sell(kite: KiteConnect, symbol: str, quantity: int, price: str, **extra: Any) -> str:
    return str(
        kite.place_order(
            variety="regular",
            exchange="NSE",
            tradingsymbol=symbol,
            transaction_type="SELL",
            quantity=quantity,
            product="CNC",
            order_type="LIMIT",
            price=price,
            **extra,
        )
    )


def order(kite: KiteConnect, order_id: str) -> dict[str, Any]:
    return next(o for o in kite.orders() if o["order_id"] == order_id)


def admin(fake: FakeKite, method: str, path: str) -> Any:
    request = urllib.request.Request(fake.url + path, method=method, data=b"" if method else None)
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Type"] == "application/json"
        return json.loads(response.read())["data"]


# -- sessions --------------------------------------------------------------------------------


def test_login_exchanges_a_single_use_request_token(fake: FakeKite) -> None:
    kite = KiteConnect(fake.api_key, root=fake.url)
    token = fake.issue_request_token()
    with pytest.raises(kex.TokenException):
        kite.generate_session(token, "wrong secret")
    session = kite.generate_session(token, SECRET)
    assert session["login_time"] == datetime(2026, 5, 4, 10, 0)
    assert session["user_id"] == "AB1234"
    assert kite.profile()["broker"] == "ZERODHA"
    with pytest.raises(kex.TokenException):
        kite.generate_session(token, SECRET)


def test_request_token_expires_after_five_minutes(fake: FakeKite, clock: Clock) -> None:
    token = fake.issue_request_token()
    clock.at += timedelta(minutes=5, seconds=1)
    with pytest.raises(kex.TokenException):
        KiteConnect(fake.api_key, root=fake.url).generate_session(token, SECRET)


def test_a_new_session_and_logout_end_the_old_token(fake: FakeKite) -> None:
    first = login(fake)
    second = login(fake)
    with pytest.raises(kex.TokenException) as refused:
        first.orders()
    assert refused.value.code == 403
    assert second.orders() == []
    second.invalidate_access_token()
    with pytest.raises(kex.TokenException):
        second.orders()
    with pytest.raises(kex.TokenException):
        KiteConnect(fake.api_key, root=fake.url).orders()


def test_expired_sessions_raise_token_exception_and_call_the_hook(
    fake: FakeKite, kite: KiteConnect, clock: Clock
) -> None:
    lost: list[bool] = []
    kite.set_session_expiry_hook(lambda: lost.append(True))
    fake.expire_sessions()
    with pytest.raises(kex.TokenException):
        kite.orders()
    assert lost == [True]
    fresh = login(fake)
    clock.at = datetime(2026, 5, 5, 5, 59, tzinfo=IST)
    assert fresh.orders() == []
    clock.at = datetime(2026, 5, 5, 6, 0, tzinfo=IST)
    with pytest.raises(kex.TokenException):
        fresh.orders()


# -- orders ----------------------------------------------------------------------------------


def test_place_modify_cancel(fake: FakeKite, kite: KiteConnect) -> None:
    order_id = buy(kite, "INFY", 10, "1490", tag="saras42")
    assert len(order_id) >= 15
    assert order_id.isdigit()
    row = order(kite, order_id)
    assert row["status"] == "OPEN"
    assert (row["pending_quantity"], row["tag"], row["price"]) == (10, "saras42", 1490)
    assert isinstance(row["order_timestamp"], datetime)
    kite.modify_order("regular", order_id, price="1495.5", quantity=12)
    row = order(kite, order_id)
    assert (row["status"], row["price"], row["quantity"]) == ("OPEN", 1495.5, 12)
    assert kite.cancel_order("regular", order_id) == order_id
    row = order(kite, order_id)
    assert (row["status"], row["cancelled_quantity"], row["pending_quantity"]) == (
        "CANCELLED",
        12,
        0,
    )
    with pytest.raises(kex.InputException):
        kite.cancel_order("regular", order_id)
    with pytest.raises(kex.InputException):
        kite.modify_order("regular", order_id, price="1500")
    statuses = [r["status"] for r in kite.order_history(order_id)]
    assert statuses[0] == "PUT ORDER REQ RECEIVED"
    assert statuses[-1] == "CANCELLED"
    assert "OPEN" in statuses
    assert int(buy(kite, "INFY", 1, "1400")) == int(order_id) + 1


def test_modifying_into_the_market_fills_the_order(fake: FakeKite, kite: KiteConnect) -> None:
    order_id = buy(kite, "INFY", 3, "1450")
    kite.modify_order("regular", order_id, price="1510")
    row = order(kite, order_id)
    assert (row["status"], row["filled_quantity"], row["average_price"]) == ("COMPLETE", 3, 1500)


def test_26th_modification_is_refused(fake: FakeKite, kite: KiteConnect) -> None:
    order_id = buy(kite, "INFY", 1, "1400")
    for step in range(25):
        kite.modify_order("regular", order_id, price=str(1300 + step))
    with pytest.raises(kex.InputException, match="Maximum allowed order modifications exceeded"):
        kite.modify_order("regular", order_id, price="1350")
    assert order(kite, order_id)["price"] == 1324


def test_immediate_fill_is_at_the_market_price(fake: FakeKite, kite: KiteConnect) -> None:
    order_id = buy(kite, "INFY", 4, "1550")
    row = order(kite, order_id)
    assert (row["status"], row["filled_quantity"], row["average_price"]) == ("COMPLETE", 4, 1500)
    (trade,) = kite.order_trades(order_id)
    assert (trade["quantity"], trade["average_price"]) == (4, 1500)
    assert trade["transaction_type"] == "BUY"
    assert trade["trade_id"].isdigit()
    assert isinstance(trade["fill_timestamp"], datetime)


def test_partial_fill_then_fill_open(fake: FakeKite, kite: KiteConnect) -> None:
    fake.fill = "partial"
    order_id = buy(kite, "INFY", 5, "1500")
    row = order(kite, order_id)
    assert (row["status"], row["filled_quantity"], row["pending_quantity"]) == ("OPEN", 2, 3)
    one = buy(kite, "INFY", 1, "1500")
    assert order(kite, one)["status"] == "COMPLETE"
    assert fake.fill_open() == 1
    row = order(kite, order_id)
    assert (row["status"], row["filled_quantity"]) == ("COMPLETE", 5)
    assert [t["quantity"] for t in kite.order_trades(order_id)] == [2, 3]


def test_no_fill_mode_leaves_orders_open_until_fill_open(fake: FakeKite, kite: KiteConnect) -> None:
    fake.fill = "none"
    infy = buy(kite, "INFY", 2, "1600")
    tcs = buy(kite, "TCS", 2, "3400")
    assert {o["status"] for o in kite.orders()} == {"OPEN"}
    assert fake.fill_open("TCS") == 0
    assert fake.fill_open("INFY") == 1
    fake.set_price("TCS", D("3399.90"))
    assert fake.fill_open() == 1
    assert order(kite, infy)["average_price"] == 1500
    assert order(kite, tcs)["average_price"] == 3399.9
    with pytest.raises(ValueError, match="circuit"):
        fake.set_price("TCS", D("5000"))


def test_ioc_remainder_is_cancelled(fake: FakeKite, kite: KiteConnect) -> None:
    fake.fill = "partial"
    order_id = str(
        kite.place_order(
            variety="regular",
            exchange="NSE",
            tradingsymbol="INFY",
            transaction_type="BUY",
            quantity=4,
            product="CNC",
            order_type="LIMIT",
            price="1500",
            validity="IOC",
        )
    )
    row = order(kite, order_id)
    assert (row["status"], row["filled_quantity"], row["cancelled_quantity"]) == (
        "CANCELLED",
        2,
        2,
    )


def test_rms_rejects_with_http_200(fake: FakeKite, kite: KiteConnect) -> None:
    off_tick = buy(kite, "INFY", 1, "1500.03")
    above = buy(kite, "INFY", 1, "1800.05")
    below = sell(kite, "INFY", 1, "1199.95")
    unheld = sell(kite, "INFY", 1, "1500")
    fake.reject_next.append("Insufficient funds. Required margin is 1500.00")
    rms = buy(kite, "INFY", 1, "1500")
    rows = {o["order_id"]: o for o in kite.orders()}
    assert {rows[i]["status"] for i in (off_tick, above, below, unheld, rms)} == {"REJECTED"}
    assert "Tick size" in rows[off_tick]["status_message"]
    assert "upper circuit limit of 1800.00" in rows[above]["status_message"]
    assert "lower circuit limit of 1200.00" in rows[below]["status_message"]
    assert "Insufficient holdings" in rows[unheld]["status_message"]
    assert rows[rms]["status_message"] == "Insufficient funds. Required margin is 1500.00"
    assert kite.trades() == []
    assert fake.placements == 5


def test_input_errors_are_http_400(fake: FakeKite, kite: KiteConnect) -> None:
    fake.input_error_next.append("The order quantity is higher than the freeze quantity")
    with pytest.raises(kex.InputException, match="freeze quantity") as refused:
        buy(kite, "INFY", 1, "1500")
    assert refused.value.code == 400
    with pytest.raises(kex.InputException, match="tag"):
        buy(kite, "INFY", 1, "1500", tag="not-alphanumeric")
    with pytest.raises(kex.InputException, match="tag"):
        buy(kite, "INFY", 1, "1500", tag="x" * 21)
    with pytest.raises(kex.InputException):
        buy(kite, "NOSUCH", 1, "1500")
    with pytest.raises(kex.InputException):
        buy(kite, "INFY", 0, "1500")
    market = {
        "variety": "regular",
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": 2,
        "product": "CNC",
        "order_type": "MARKET",
    }
    with pytest.raises(kex.InputException, match="without market protection"):
        kite.place_order(**market, market_protection=0)
    assert fake.orders() == []
    assert fake.placements == 0
    order_id = kite.place_order(**market, market_protection=-1)
    assert order(kite, order_id)["status"] == "COMPLETE"


# -- portfolio and funds ---------------------------------------------------------------------


def test_holdings_positions_and_margins_agree(
    fake: FakeKite, kite: KiteConnect, clock: Clock
) -> None:
    fake.set_holding("INFY", 10, t1=2, average_price=D("1400"))
    buy(kite, "INFY", 5, "1500")
    fake.set_price("INFY", D("1510"))
    sell(kite, "INFY", 8, "1510")
    buy(kite, "TCS", 1, "3500")
    with pytest.raises(kex.TokenException):
        KiteConnect(fake.api_key, root=fake.url).holdings()

    (infy,) = [h for h in kite.holdings() if h["tradingsymbol"] == "INFY"]
    assert (infy["quantity"], infy["t1_quantity"], infy["used_quantity"]) == (10, 2, 3)
    assert (infy["average_price"], infy["last_price"], infy["pnl"]) == (1400, 1510, 110 * 12)
    net = {p["tradingsymbol"]: p for p in kite.positions()["net"]}
    assert (net["INFY"]["quantity"], net["INFY"]["buy_quantity"], net["INFY"]["sell_quantity"]) == (
        -3,
        5,
        8,
    )
    assert (net["INFY"]["buy_value"], net["INFY"]["sell_value"]) == (7500, 12080)
    assert net["TCS"]["quantity"] == 1
    assert fake.holdings_of() == {"INFY": 9, "TCS": 1}

    equity = kite.margins("equity")
    expected_net = 100000 - 7500 + 12080 - 3500
    assert equity["net"] == expected_net
    assert equity["available"]["opening_balance"] == 100000
    assert kite.margins()["equity"]["net"] == expected_net

    assert fake.close_market() == 0
    # The day's contract note: STT per scrip to the rupee (INFY 0.1% of 19,580 = 19.58 -> 20,
    # TCS 3.50 -> 4), stamp likewise (INFY 1.125 -> 1, TCS 0.525 -> 1), exchange 0.00297% + IPFT
    # 0.0001% of 23,080 = 0.71, SEBI 0.02, GST 18% of 0.73 = 0.13, and DP 15.34 for INFY sold.
    # Rounding each order on its own would give STT 8 + 12 + 4.
    charges = D("20") + D("4") + D("1") + D("1") + D("0.71") + D("0.02") + D("0.13") + D("15.34")
    assert fake.charges_debited == charges
    # Kite debits the day's charges into the next day's opening balance, not at the close.
    assert fake.cash == D(100000)
    assert D(str(kite.margins("equity")["net"])) == D(expected_net)
    assert fake.close_market() == 0
    assert fake.charges_debited == charges

    clock.at += timedelta(days=1)
    with pytest.raises(kex.TokenException):
        kite.orders()
    kite = login(fake)
    assert kite.orders() == []
    assert fake.holdings_of() == {"INFY": 9, "TCS": 1}
    rows = {h["tradingsymbol"]: h for h in kite.holdings()}
    assert (rows["INFY"]["quantity"], rows["INFY"]["t1_quantity"]) == (9, 0)
    assert (rows["TCS"]["quantity"], rows["TCS"]["t1_quantity"]) == (0, 1)
    assert fake.cash == D(expected_net) - charges
    assert kite.positions() == {"net": [], "day": []}


def test_close_market_expires_open_orders(fake: FakeKite, kite: KiteConnect) -> None:
    open_id = buy(kite, "INFY", 1, "1400")
    assert fake.close_market() == 1
    row = order(kite, open_id)
    assert row["status"] == "CANCELLED"
    assert "expired" in row["status_message"]
    assert fake.cash == D(100000)


def test_charges_endpoint_matches_the_hand_computed_lakh(kite: KiteConnect) -> None:
    def note(side: str) -> dict[str, Any]:
        return {
            "order_id": "1",
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "transaction_type": side,
            "variety": "regular",
            "product": "CNC",
            "order_type": "LIMIT",
            "quantity": 100,
            "average_price": 1000,
        }

    bought, sold = kite.get_virtual_contract_note([note("BUY"), note("SELL")])
    # Unrounded, as Kite's published sample shows (STT 0.56 on a Rs 560 buy, GST 0.0033768).
    assert bought["charges"] == {
        "transaction_tax": 100,
        "transaction_tax_type": "stt",
        "exchange_turnover_charge": 3.07,  # NSE 2.97 + IPFT 0.10
        "sebi_turnover_charge": 0.10,
        "brokerage": 0,
        "stamp_duty": 15,
        "gst": {"igst": 0.5706, "cgst": 0, "sgst": 0, "total": 0.5706},
        "total": 118.7406,
    }
    assert sold["charges"]["stamp_duty"] == 0
    assert sold["charges"]["total"] == 103.7406
    (small,) = kite.get_virtual_contract_note([{**note("BUY"), "quantity": 1, "average_price": 7}])
    assert small["charges"]["transaction_tax"] == 0.007  # not rounded to the rupee per order
    # Each line echoes the order's fields and its price, but not its order_id.
    assert {k: v for k, v in bought.items() if k != "charges"} == {
        "transaction_type": "BUY",
        "tradingsymbol": "INFY",
        "exchange": "NSE",
        "variety": "regular",
        "product": "CNC",
        "order_type": "LIMIT",
        "quantity": 100,
        "price": 1000,
    }
    with pytest.raises(kex.InputException):
        kite.get_virtual_contract_note([{"transaction_type": "HOLD"}])


# -- limits and faults -----------------------------------------------------------------------


def test_rate_limits_answer_429(clock: Clock) -> None:
    with FakeKite(now=clock, monotonic=clock.monotonic, limits=FakeLimits()) as fake:
        _market(fake)
        kite = login(fake)
        for _ in range(10):
            buy(kite, "INFY", 1, "1400")
        with pytest.raises(kex.NetworkException) as throttled:
            buy(kite, "INFY", 1, "1400")
        assert throttled.value.code == 429
        assert len(fake.orders()) == 10
        kite.quote("NSE:INFY")
        with pytest.raises(kex.NetworkException):
            kite.ltp("NSE:INFY")
        for _ in range(9):  # the login was the first "other" request this second
            kite.profile()
        with pytest.raises(kex.NetworkException):
            kite.orders()
        assert fake.throttled == 3
        assert fake.throttled_by == {
            "orders_per_second": 1,
            "quotes_per_second": 1,
            "other_per_second": 1,
        }
        clock.mono += 1.0
        buy(kite, "INFY", 1, "1400")
        assert "NSE:INFY" in kite.ltp("NSE:INFY")
        assert len(kite.orders()) == 11


def test_minute_and_day_order_windows_slide(clock: Clock) -> None:
    limits = FakeLimits(orders_per_second=100, orders_per_minute=3, orders_per_day=5)
    with FakeKite(now=clock, monotonic=clock.monotonic, limits=limits) as fake:
        _market(fake)
        kite = login(fake)
        for _ in range(3):
            buy(kite, "INFY", 1, "1400")
        with pytest.raises(kex.NetworkException, match="orders_per_minute"):
            buy(kite, "INFY", 1, "1400")
        clock.mono += 60
        buy(kite, "INFY", 1, "1400")
        buy(kite, "INFY", 1, "1400")
        clock.mono += 60
        with pytest.raises(kex.NetworkException, match="orders_per_day"):
            buy(kite, "INFY", 1, "1400")
        clock.mono += 86_400
        buy(kite, "INFY", 1, "1400")
        assert fake.placements == 6


def test_historical_is_limited_to_three_a_second(clock: Clock) -> None:
    with FakeKite(now=clock, monotonic=clock.monotonic) as fake:
        _market(fake)
        kite = login(fake)
        for _ in range(3):
            kite.historical_data(408065, "2026-01-01 00:00:00", "2026-01-02 00:00:00", "day")
        with pytest.raises(kex.NetworkException):
            kite.historical_data(408065, "2026-01-01 00:00:00", "2026-01-02 00:00:00", "day")


def test_throttle_next_hits_any_request(fake: FakeKite, kite: KiteConnect) -> None:
    fake.throttle_next = 2
    with pytest.raises(kex.NetworkException):
        kite.holdings()
    with pytest.raises(kex.NetworkException):
        buy(kite, "INFY", 1, "1400")
    assert kite.orders() == []
    assert fake.throttled_by["injected"] == 2


def test_lost_response_times_out_but_the_order_exists(fake: FakeKite) -> None:
    kite = login(fake, timeout=0.5)
    fake.lose_responses = 1
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        buy(kite, "INFY", 2, "1500", tag="lost1")
    assert time.monotonic() - started < 0.9
    (row,) = kite.orders()
    assert (row["tag"], row["status"]) == ("lost1", "COMPLETE")
    assert fake.lose_responses == 0
    buy(kite, "INFY", 1, "1500")


def test_lost_request_records_nothing(fake: FakeKite, kite: KiteConnect) -> None:
    fake.lose_requests = 1
    with pytest.raises(requests.exceptions.ConnectionError):
        buy(kite, "INFY", 2, "1500")
    assert kite.orders() == []
    assert fake.placements == 0
    buy(kite, "INFY", 2, "1500")
    assert len(kite.orders()) == 1


def test_order_book_lag(fake: FakeKite, kite: KiteConnect) -> None:
    fake.book_lag = 2
    order_id = buy(kite, "INFY", 1, "1400")
    assert kite.orders() == []
    assert kite.orders() == []
    assert [o["order_id"] for o in kite.orders()] == [order_id]
    assert len(fake.orders()) == 1


# -- market data -----------------------------------------------------------------------------


def test_instruments_csv(fake: FakeKite, kite: KiteConnect) -> None:
    rows = kite.instruments("NSE")
    assert [r["tradingsymbol"] for r in rows] == ["INFY", "TCS"]
    infy = rows[0]
    assert (infy["instrument_token"], infy["name"], infy["tick_size"], infy["lot_size"]) == (
        408065,
        "INFOSYS, LTD",
        0.05,
        1,
    )
    assert (infy["instrument_type"], infy["segment"], infy["exchange"]) == ("EQ", "NSE", "NSE")
    assert (infy["strike"], infy["expiry"]) == (0.0, "")
    assert len(kite.instruments()) == 2
    assert kite.instruments("BSE") == []


def test_quotes(fake: FakeKite, kite: KiteConnect) -> None:
    quotes = kite.quote(["NSE:INFY", "NSE:TCS", "NSE:NOSUCH"])
    assert set(quotes) == {"NSE:INFY", "NSE:TCS"}
    infy = quotes["NSE:INFY"]
    assert (infy["last_price"], infy["lower_circuit_limit"], infy["upper_circuit_limit"]) == (
        1500,
        1200,
        1800,
    )
    assert infy["ohlc"]["close"] == 1500
    assert isinstance(infy["timestamp"], datetime)
    assert kite.ltp("NSE:TCS") == {"NSE:TCS": {"instrument_token": 2953217, "last_price": 3500}}
    assert kite.ohlc("NSE:TCS")["NSE:TCS"]["ohlc"]["open"] == 3500
    with pytest.raises(kex.InputException):
        kite.quote([f"NSE:S{n}" for n in range(501)])
    assert kite.ltp([f"NSE:S{n}" for n in range(1000)]) == {}


def test_historical_candles(fake: FakeKite, kite: KiteConnect) -> None:
    fake.add_candles(
        "INFY",
        [
            (date(2026, 1, 2), D("101"), D("103"), D("100"), D("102.5"), 2000),
            (date(2026, 1, 1), D("100"), D("102"), D("99"), D("101"), 1000),
            (date(2026, 1, 5), D("102"), D("104"), D("101"), D("103"), 3000),
        ],
    )
    candles = kite.historical_data(
        408065, datetime(2026, 1, 1), datetime(2026, 1, 2, 23, 59, 59), "day"
    )
    assert [c["date"] for c in candles] == [
        datetime(2026, 1, 1, tzinfo=IST),
        datetime(2026, 1, 2, tzinfo=IST),
    ]
    assert (candles[1]["close"], candles[1]["volume"]) == (102.5, 2000)
    with pytest.raises(kex.InputException, match="2000 days"):
        kite.historical_data(408065, datetime(2020, 1, 1), datetime(2026, 1, 1), "day")
    with pytest.raises(kex.InputException, match="400 days"):
        kite.historical_data(408065, datetime(2025, 1, 1), datetime(2026, 3, 1), "60minute")


# -- postbacks and admin ---------------------------------------------------------------------


class Receiver:
    """A tiny postback endpoint."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.types: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.types.append(self.headers["Content-Type"])
                owner.received.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/postback"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def wait_for(self, count: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 3
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received


def test_postbacks_carry_a_valid_checksum(clock: Clock) -> None:
    receiver = Receiver()
    try:
        with FakeKite(limits=ROOMY, now=clock, postback_url=receiver.url) as fake:
            _market(fake)
            kite = login(fake)
            fake.fill = "partial"
            order_id = buy(kite, "INFY", 4, "1500", tag="pb1")
            fake.fill_open()
            rejected = buy(kite, "INFY", 1, "1500.01")
            received = receiver.wait_for(3)
    finally:
        receiver.server.shutdown()
    assert [(p["order_id"], p["status"]) for p in received] == [
        (order_id, "UPDATE"),
        (order_id, "COMPLETE"),
        (rejected, "REJECTED"),
    ]
    assert set(receiver.types) == {"application/json"}
    for payload in received:
        expected = hashlib.sha256(
            (payload["order_id"] + payload["order_timestamp"] + SECRET).encode()
        ).hexdigest()
        assert payload["checksum"] == expected
        assert payload["user_id"] == "AB1234"
    update, complete = received[0], received[1]
    assert (update["filled_quantity"], update["pending_quantity"], update["tag"]) == (2, 2, "pb1")
    assert (complete["filled_quantity"], complete["average_price"]) == (4, 1500)


def test_admin_routes_drive_the_fake_from_another_process(fake: FakeKite) -> None:
    token = admin(fake, "POST", "/_fake/login")["request_token"]
    kite = KiteConnect(fake.api_key, root=fake.url)
    kite.generate_session(token, SECRET)
    fake.fill = "none"
    order_id = buy(kite, "INFY", 1, "1500")
    kept = buy(kite, "INFY", 1, "1400")
    assert admin(fake, "POST", "/_fake/fill") == {"trades": 1}
    assert order(kite, order_id)["status"] == "COMPLETE"
    assert admin(fake, "POST", "/_fake/close") == {"expired": 1}
    assert order(kite, kept)["status"] == "CANCELLED"
    state = admin(fake, "GET", "/_fake/state")
    assert [o["status"] for o in state["orders"]] == ["COMPLETE", "CANCELLED"]
    assert len(state["trades"]) == 1
    assert state["placements"] == 2
    assert state["holdings"] == {"INFY": 1}
    assert admin(fake, "POST", "/_fake/price?symbol=INFY&price=1510.5") is True
    assert kite.ltp("NSE:INFY")["NSE:INFY"]["last_price"] == 1510.5
    with pytest.raises(urllib.error.HTTPError) as refused:
        admin(fake, "POST", "/_fake/price?symbol=INFY&price=9999")
    assert refused.value.code == 400
    assert admin(fake, "POST", "/_fake/expire") is True
    with pytest.raises(kex.TokenException):
        kite.orders()


def test_unknown_routes_are_404_json(fake: FakeKite) -> None:
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(fake.url + "/no/such/route", timeout=5)
    assert missing.value.code == 404
    assert missing.value.headers["Content-Type"] == "application/json"
    body = json.loads(missing.value.read())
    assert (body["status"], body["error_type"], body["data"]) == ("error", "GeneralException", None)
    assert ("GET", "/no/such/route") in fake.requests
