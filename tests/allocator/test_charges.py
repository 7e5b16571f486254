from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator import (
    NoteLine,
    ScripDay,
    Side,
    Trade,
    contract_note,
    delivery_charges,
    netted_charges,
    rates_on,
)
from allocator.errors import InvalidInput
from tests.allocator.strategies import paise

DAY = date(2026, 11, 25)


def test_a_one_lakh_round_trip_costs_what_the_reference_worked_example_says():
    trades = [
        Trade(symbol="INFY", side=Side.BUY, quantity=100, price=Decimal("1000.00")),
        Trade(symbol="INFY", side=Side.SELL, quantity=100, price=Decimal("1000.00")),
    ]

    charges = delivery_charges(DAY, trades).rupees()

    # The reference's Rs 237.59 plus IPFT: Rs 0.20 inside exchange charges and its GST.
    assert charges == {
        "stt": Decimal("200.00"),
        "exchange": Decimal("6.14"),
        "sebi": Decimal("0.20"),
        "stamp": Decimal("15.00"),
        "gst": Decimal("1.14"),
        "dp": Decimal("15.34"),
        "total": Decimal("237.82"),
    }


def test_stt_and_stamp_are_rounded_to_the_rupee_per_scrip():
    # Each scrip: STT 0.1% of 700 = 0.70 -> 1; stamp 0.015% of 700 = 0.105 -> 0.
    trades = [
        Trade(symbol=s, side=Side.BUY, quantity=7, price=Decimal("100.00")) for s in ("A", "B")
    ]

    charges = delivery_charges(DAY, trades)

    assert charges.stt == 200
    assert charges.stamp == 0


def test_dp_is_charged_once_per_scrip_sold_that_day():
    trades = [
        Trade(symbol="A", side=Side.SELL, quantity=1, price=Decimal("10.00")),
        Trade(symbol="A", side=Side.SELL, quantity=2, price=Decimal("10.00")),
        Trade(symbol="B", side=Side.SELL, quantity=1, price=Decimal("10.00")),
        Trade(symbol="C", side=Side.BUY, quantity=1, price=Decimal("10.00")),
    ]

    assert delivery_charges(DAY, trades).dp == 2 * 1534


@given(
    trades=st.lists(
        st.builds(
            Trade,
            symbol=st.sampled_from(["A", "B", "C"]),
            side=st.sampled_from(list(Side)),
            quantity=st.integers(min_value=1, max_value=10_000),
            price=st.integers(min_value=1, max_value=5_000_000).map(paise),
        ),
        max_size=10,
    )
)
def test_the_total_is_the_exact_sum_of_the_components_and_stamp_is_only_on_buys(trades):
    charges = delivery_charges(DAY, trades)
    turnover = sum(t.quantity * int(t.price * 100) for t in trades)

    assert charges.total == sum(charges.components().values())
    # exchange charges are NSE's 0.00297 % plus IPFT Rs 10/crore, one line, to the paisa
    assert charges.exchange == (2 * turnover * 307 + 10**7) // (2 * 10**7)
    if all(t.side is Side.SELL for t in trades):
        assert charges.stamp == 0
    if all(t.side is Side.BUY for t in trades):
        assert charges.dp == 0


def test_a_date_before_the_rate_table_is_refused():
    with pytest.raises(InvalidInput, match="no charge rates before 2024-10-01"):
        rates_on(date(2024, 9, 30))


def test_a_trade_of_no_shares_is_refused():
    with pytest.raises(InvalidInput, match=r"trades\[0\]\.quantity"):
        delivery_charges(DAY, [Trade(symbol="A", side=Side.BUY, quantity=0, price=Decimal(1))])


def test_a_same_day_round_trip_netted_by_the_exchange_pays_intraday_rates_and_no_dp():
    # Rs 1 lakh bought and sold the same day in one account: intraday, so STT 0.025% of the
    # sell value (Rs 25), stamp 0.003% of the buy value (Rs 3), and no DP (nothing left the
    # demat), against Rs 200 + Rs 15 + Rs 15.34 at delivery rates.
    scrip = ScripDay(bought=100, bought_value=100 * 100_000, sold=100, sold_value=100 * 100_000)

    charges = netted_charges(DAY, scrip)

    assert charges[Side.SELL] == {"stt": 2500, "stamp": 0, "dp": 0}
    assert charges[Side.BUY] == {"stt": 0, "stamp": 300, "dp": 0}


def test_only_the_matched_quantity_is_intraday_and_a_larger_sale_still_debits_the_demat():
    # Sold 150 at Rs 1,000 (100 of them matched by a buy of 100 at Rs 1,010): STT on the sale is
    # 0.025% of Rs 1 lakh + 0.1% of Rs 50,000 = Rs 75; the buy is all intraday (no STT, stamp
    # 0.003% of Rs 1,01,000 = Rs 3.03 -> Rs 3); 50 shares leave the demat, so DP is charged.
    scrip = ScripDay(bought=100, bought_value=100 * 101_000, sold=150, sold_value=150 * 100_000)

    charges = netted_charges(DAY, scrip)

    assert charges[Side.SELL] == {"stt": 7500, "stamp": 0, "dp": 1534}
    assert charges[Side.BUY] == {"stt": 0, "stamp": 300, "dp": 0}


@given(
    side=st.sampled_from([Side.BUY, Side.SELL]),
    quantity=st.integers(1, 10_000),
    price=st.integers(1, 5_000_000),
)
def test_with_nothing_matched_the_netted_charges_are_the_delivery_charges(side, quantity, price):
    value = quantity * price
    scrip = ScripDay(
        bought=quantity if side is Side.BUY else 0,
        bought_value=value if side is Side.BUY else 0,
        sold=quantity if side is Side.SELL else 0,
        sold_value=value if side is Side.SELL else 0,
    )
    delivery = delivery_charges(
        DAY, [Trade(symbol="X", side=side, quantity=quantity, price=Decimal(price) / 100)]
    )

    charges = netted_charges(DAY, scrip)

    assert charges[side] == {"stt": delivery.stt, "stamp": delivery.stamp, "dp": delivery.dp}
    other = Side.SELL if side is Side.BUY else Side.BUY
    assert all(amount == 0 for amount in charges[other].values())


@given(
    bought=st.integers(0, 5_000),
    sold=st.integers(0, 5_000),
    buy_price=st.integers(1, 500_000),
    sell_price=st.integers(1, 500_000),
)
def test_netting_never_costs_more_than_delivery_and_dp_follows_the_demat(
    bought, sold, buy_price, sell_price
):
    scrip = ScripDay(
        bought=bought, bought_value=bought * buy_price, sold=sold, sold_value=sold * sell_price
    )
    netted = netted_charges(DAY, scrip)
    alone = {
        side: netted_charges(
            DAY,
            ScripDay(
                bought=bought if side is Side.BUY else 0,
                bought_value=bought * buy_price if side is Side.BUY else 0,
                sold=sold if side is Side.SELL else 0,
                sold_value=sold * sell_price if side is Side.SELL else 0,
            ),
        )[side]
        for side in (Side.BUY, Side.SELL)
    }

    for side in (Side.BUY, Side.SELL):
        for name in ("stt", "stamp", "dp"):
            assert netted[side][name] <= alone[side][name]
    assert (netted[Side.SELL]["dp"] > 0) == (sold > bought)


def _as_kite_sends(trade: Trade) -> NoteLine:
    """One trade's charges as Kite's virtual contract note gives them: unrounded floats."""
    value = trade.price * trade.quantity
    buy = trade.side is Side.BUY

    def wire(amount: Decimal) -> Decimal:
        return Decimal(str(float(amount)))

    return NoteLine(
        symbol=trade.symbol,
        side=trade.side,
        stt=wire(value * Decimal("0.001")),
        stamp=wire(value * Decimal("0.00015")) if buy else Decimal(0),
        exchange=wire(value * Decimal("0.0000307")),  # NSE 0.00297% + IPFT 0.0001%
        sebi=wire(value * Decimal("0.000001")),
    )


@given(
    trades=st.lists(
        st.builds(
            Trade,
            symbol=st.sampled_from(["A", "B", "C"]),
            side=st.sampled_from(list(Side)),
            quantity=st.integers(min_value=1, max_value=10_000),
            price=st.integers(min_value=1, max_value=5_000_000).map(paise),
        ),
        max_size=10,
    )
)
def test_kites_unrounded_lines_round_to_exactly_the_estimate_of_the_same_trades(trades):
    note = contract_note(DAY, [_as_kite_sends(t) for t in trades])

    assert note.charges == delivery_charges(DAY, trades)
    assert note.brokerage == 0
    assert note.total == note.charges.total


def test_brokerage_on_the_note_is_added_with_its_gst():
    line = NoteLine(
        symbol="A",
        side=Side.BUY,
        stt=Decimal("0.56"),
        stamp=Decimal("0.084"),
        exchange=Decimal("0.016632"),
        sebi=Decimal("0.00056"),
        brokerage=Decimal("2.5"),
    )

    note = contract_note(DAY, [line, line])

    # STT 1.12 -> 1, stamp 0.168 -> 0, exchange 0.03, SEBI 0.00, brokerage 5.00,
    # GST 18 % of 5.03 = 0.9054 -> 0.91
    assert note.charges.rupees()["total"] == Decimal("1.94")
    assert note.brokerage == 500
    assert note.total == 694
