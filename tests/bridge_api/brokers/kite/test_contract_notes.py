"""Pairing Kite's virtual contract note with the orders it charges: its lines carry no
``order_id`` (kiteconnect-mocks ``virtual_contract_note.json``), so they are matched on what
they do carry, and an ambiguous or incomplete answer is refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from allocator import Side
from bridge_api.brokers.kite.contract_notes import note_line, pair
from bridge_api.ledger.true_up import UnmatchedContractNote


def order(order_id: str, symbol: str, side: str, quantity: int, price: float) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "exchange": "NSE",
        "tradingsymbol": symbol,
        "transaction_type": side,
        "variety": "regular",
        "product": "CNC",
        "order_type": "LIMIT",
        "quantity": quantity,
        "average_price": price,
    }


def line(symbol: str, side: str, quantity: int, price: float, stt: float) -> dict[str, Any]:
    """A line shaped as Kite's published sample (price echoed, no order_id)."""
    return {
        "transaction_type": side,
        "tradingsymbol": symbol,
        "exchange": "NSE",
        "variety": "regular",
        "product": "CNC",
        "order_type": "LIMIT",
        "quantity": quantity,
        "price": price,
        "charges": {
            "transaction_tax": stt,
            "transaction_tax_type": "stt",
            "exchange_turnover_charge": 0.01876,
            "sebi_turnover_charge": 0.00056,
            "brokerage": 0,
            "stamp_duty": 0,
            "gst": {"igst": 0.0033768, "cgst": 0, "sgst": 0, "total": 0.0033768},
            "total": 0.5826968,
        },
    }


def test_lines_are_paired_by_what_they_carry_whatever_their_order():
    orders = [
        order("250101000000000001", "SBIN", "BUY", 1, 560),
        order("2", "INFY", "SELL", 3, 1400.5),
    ]
    lines = [line("INFY", "SELL", 3, 1400.5, 4.2015), line("SBIN", "BUY", 1, 560, 0.56)]

    pairs = pair(orders, lines)

    assert [(o["order_id"], n["tradingsymbol"]) for o, n in pairs] == [
        ("250101000000000001", "SBIN"),
        ("2", "INFY"),
    ]


def test_alike_orders_charged_alike_pair_either_way():
    orders = [order("1", "SBIN", "BUY", 1, 560), order("2", "SBIN", "BUY", 1, 560)]
    lines = [line("SBIN", "BUY", 1, 560, 0.56), line("SBIN", "BUY", 1, 560, 0.56)]

    assert [o["order_id"] for o, _ in pair(orders, lines)] == ["1", "2"]


def test_alike_orders_charged_differently_are_ambiguous():
    orders = [order("1", "SBIN", "BUY", 1, 560), order("2", "SBIN", "BUY", 1, 560)]
    lines = [line("SBIN", "BUY", 1, 560, 0.56), line("SBIN", "BUY", 1, 560, 0.57)]

    with pytest.raises(UnmatchedContractNote, match="ambiguous") as raised:
        pair(orders, lines)
    assert raised.value.details["orders"] == ["1", "2"]


@pytest.mark.parametrize(
    ("lines", "missing", "unasked"),
    [
        ([], 1, 0),  # a line missing
        ([line("SBIN", "BUY", 2, 560, 1.12)], 1, 1),  # a line for another quantity
        ([line("SBIN", "BUY", 1, 560, 0.56), line("SBIN", "SELL", 1, 560, 0.56)], 0, 1),
    ],
)
def test_a_line_missing_or_unasked_for_is_refused(lines, missing, unasked):
    with pytest.raises(UnmatchedContractNote, match="without") as raised:
        pair([order("1", "SBIN", "BUY", 1, 560)], lines)
    assert len(raised.value.details["missing"]) == missing
    assert len(raised.value.details["unasked"]) == unasked


def test_a_line_of_the_published_sample_is_read_unrounded():
    read = note_line(line("SBIN", "BUY", 1, 560, 0.56))

    assert read.side is Side.BUY
    assert (read.stt, read.exchange, read.sebi, read.stamp) == (
        Decimal("0.56"),
        Decimal("0.01876"),
        Decimal("0.00056"),
        Decimal("0"),
    )
