"""The Kite broker over the real `kiteconnect` client against the fake Kite server: what each
failure of a call means to the engine (unknown, rejected, unavailable), quotes within Kite's
limits, fills from the trade book, the day's snapshot, and the modification cap."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest
from kiteconnect import KiteConnect
from sqlalchemy import select

from bridge_api.brokers.kite.broker import KiteBroker, ModificationLimit
from bridge_api.brokers.port import BrokerRejected, BrokerUnavailable, PlacementUnknown
from bridge_api.db.models import KiteSnapshot
from tests.fake_kite import API_KEY, API_SECRET

INFY = "INFY"


def _broker(fake, lost=None, **kwargs) -> KiteBroker:
    kite = KiteConnect(API_KEY, root=fake.url, timeout=1.0)
    kite.generate_session(fake.issue_request_token(), api_secret=API_SECRET)
    return KiteBroker(kite, on_session_lost=lost, backoff=0.01, **kwargs)


def _buy(broker, tag="T1", quantity=3, price=None, symbol=INFY) -> str:
    quote = broker.quotes([symbol])[symbol]
    return broker.place_limit_order(
        tag=tag, symbol=symbol, side="BUY", quantity=quantity, price=price or quote.upper
    )


def test_a_marketable_limit_order_fills_and_its_trades_carry_the_tag(fake):
    broker = _broker(fake)

    order_id = _buy(broker, tag="B1T1")

    (order,) = broker.orders()
    (trade,) = broker.trades()
    assert (order.broker_order_id, order.tag, order.status, order.filled) == (
        order_id,
        "B1T1",
        "COMPLETE",
        3,
    )
    assert (trade.tag, trade.quantity, trade.side) == ("B1T1", 3, "BUY")
    assert isinstance(trade.price, Decimal)
    assert trade.at.tzinfo is not None
    assert not broker.real_money


def test_quotes_are_exact_rupees_with_the_days_band(fake):
    broker = _broker(fake)

    quote = broker.quotes([INFY, "TCS"])[INFY]

    assert quote.lower < quote.price < quote.upper
    assert quote.price.as_tuple().exponent == -2
    assert set(broker.quotes(["NOPE", INFY])) == {INFY}  # a symbol Kite does not quote: left out


def test_many_quotes_go_out_500_a_call_within_the_quote_limit(fake):
    for n in range(520):
        fake.list_instrument(f"SYM{n}", token=900_000 + n, price=Decimal("100.00"))
    broker = _broker(fake)

    quotes = broker.quotes([f"SYM{n}" for n in range(520)])

    assert len(quotes) == 520
    assert fake.throttled == 0


def test_a_lost_response_is_an_unknown_outcome_and_the_order_exists(fake):
    broker = _broker(fake)
    fake.lose_responses = 1

    with pytest.raises(PlacementUnknown):
        _buy(broker, tag="LOST1")

    assert [o.tag for o in broker.orders()] == ["LOST1"]


def test_a_lost_request_is_unknown_and_the_tag_is_absent(fake):
    broker = _broker(fake)
    fake.lose_requests = 1

    with pytest.raises(PlacementUnknown):
        _buy(broker, tag="GONE1")

    assert broker.orders() == []


def test_http_429_on_a_placement_is_an_unknown_outcome(fake):
    broker = _broker(fake)
    quote = broker.quotes([INFY])[INFY]
    fake.throttle_next = 1

    with pytest.raises(PlacementUnknown, match="429"):
        broker.place_limit_order(tag="TH1", symbol=INFY, side="BUY", quantity=1, price=quote.upper)


def test_bad_input_is_a_rejection_and_an_rms_rejection_shows_in_the_book(fake):
    broker = _broker(fake)
    fake.input_error_next = ["Invalid quantity"]

    with pytest.raises(BrokerRejected, match="Invalid quantity"):
        _buy(broker, tag="BAD1")
    fake.reject_next = ["Insufficient funds"]
    _buy(broker, tag="RMS1")

    (order,) = broker.orders()
    assert (order.status, order.message, order.final) == ("REJECTED", "Insufficient funds", True)


def test_an_expired_token_halts_and_reports_the_lost_session(fake):
    reasons: list[str] = []
    broker = _broker(fake, lost=reasons.append)
    fake.expire_sessions()

    with pytest.raises(BrokerUnavailable):
        _buy(broker, tag="EXP1")
    with pytest.raises(BrokerUnavailable):
        broker.orders()

    assert len(reasons) == 2
    assert "403" in reasons[0]


def test_reads_retry_through_a_429_then_succeed(fake):
    broker = _broker(fake)
    fake.throttle_next = 2

    assert broker.orders() == []


def test_cancelling_an_open_order_and_an_already_final_one(fake):
    broker = _broker(fake)
    quote = broker.quotes([INFY])[INFY]
    open_id = broker.place_limit_order(
        tag="OPEN1", symbol=INFY, side="BUY", quantity=2, price=quote.lower
    )
    filled_id = _buy(broker, tag="FILL1")

    broker.cancel_order(open_id)
    broker.cancel_order(filled_id)

    statuses = {o.tag: o.status for o in broker.orders()}
    assert statuses == {"OPEN1": "CANCELLED", "FILL1": "COMPLETE"}


def test_reading_the_trade_book_stores_the_days_snapshot(fake, committed):
    broker = _broker(fake, sessions=committed)
    _buy(broker, tag="SNAP1")

    broker.trades()

    with committed() as session:
        (snapshot,) = session.execute(select(KiteSnapshot)).scalars()
    assert [o["tag"] for o in snapshot.orders] == ["SNAP1"]
    assert len(snapshot.trades) == 1


def test_an_order_is_modified_at_most_25_times(fake, committed):
    broker = _broker(fake, sessions=committed)
    fake.fill = "none"
    quote = broker.quotes([INFY])[INFY]
    order_id = broker.place_limit_order(
        tag="MOD1", symbol=INFY, side="BUY", quantity=1, price=quote.lower
    )
    for n in range(25):
        broker.modify_price(order_id, quote.lower if n % 2 else quote.price)
    with pytest.raises(ModificationLimit):
        broker.modify_price(order_id, quote.lower)

    (order,) = broker.orders()
    assert order.price == quote.price  # the 25th modification's price, not the refused 26th


def test_a_connection_never_made_means_nothing_was_sent():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    broker = KiteBroker(KiteConnect(API_KEY, root=f"http://127.0.0.1:{port}", timeout=1.0))

    with pytest.raises(BrokerUnavailable, match="could not be reached"):
        broker.place_limit_order(
            tag="DOWN1", symbol=INFY, side="BUY", quantity=1, price=Decimal("100.00")
        )


def test_a_5xx_order_error_is_an_unknown_outcome_whatever_its_class():
    from kiteconnect import exceptions  # noqa: PLC0415

    from bridge_api.brokers.kite.broker import _maybe_accepted  # noqa: PLC0415

    assert _maybe_accepted(exceptions.OrderException("gateway", code=503))
    assert _maybe_accepted(exceptions.InputException("slow down", code=429))
    assert not _maybe_accepted(exceptions.InputException("bad price", code=400))
    assert not _maybe_accepted(exceptions.GeneralException("margin", code=400))


@pytest.mark.parametrize("layout", ["separate", "included"])
def test_holdings_count_t1_pledged_and_mtf_shares_once_in_either_layout(fake, layout):
    # Kite's docs leave T1 shares out of `quantity`; live answers have been seen with them in it.
    fake.holdings_layout = layout
    fake.set_holding(INFY, 10, t1=3, pledged=4, mtf=5)
    broker = _broker(fake)
    _buy(broker, quantity=2)

    (row,) = broker.holding_rows()
    detail = broker.holdings_detail()[INFY]

    assert row["quantity"] == (13 if layout == "included" else 10)
    assert (detail.settled, detail.t1, detail.pledged, detail.mtf) == (10, 3, 4, 5)
    assert broker.holdings()[INFY] == 10 + 3 + 5 + 2 == sum(fake.holdings_of().values())


def test_order_ids_as_long_as_kites_are_kept_whole(fake):
    # Kite's published orders.json has ids of 15 to 19 digits ("1953367517686685697").
    broker = _broker(fake)

    order_id = _buy(broker, tag="LONG1")

    assert len(order_id) == 19
    assert [o.broker_order_id for o in broker.orders()] == [order_id]
    assert [t.broker_order_id for t in broker.trades()] == [order_id]


def test_a_modified_order_shows_modified_and_is_read_as_open(fake, committed):
    # Kite's published order_info.json: MODIFY VALIDATION PENDING, MODIFY PENDING, MODIFIED, OPEN.
    broker = _broker(fake, sessions=committed)
    fake.fill = "none"
    fake.modified_lingers = True
    quote = broker.quotes([INFY])[INFY]
    order_id = broker.place_limit_order(
        tag="MOD2", symbol=INFY, side="BUY", quantity=1, price=quote.lower
    )

    broker.modify_price(order_id, quote.price)

    statuses = [row["status"] for row in broker.kite.order_history(order_id)]
    assert statuses[-3:] == ["MODIFY VALIDATION PENDING", "MODIFY PENDING", "MODIFIED"]
    (order,) = broker.orders()
    assert (order.status, order.price) == ("OPEN", quote.price)
    assert broker.order_book()[0]["tags"] == ["MOD2"]
    broker.cancel_order(order_id)
    assert broker.orders()[0].status == "CANCELLED"
