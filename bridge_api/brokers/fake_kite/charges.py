"""The broker's charge table for NSE equity: each order's charges as Kite's virtual contract
note gives them (unrounded), and the day's debit as the contract note rounds it.

This is the fake broker's own truth, written independently of the project's allocator so that
the two can be checked against each other. Kite's published sample of ``POST /charges/orders``
(kiteconnect-mocks ``virtual_contract_note.json``) shows every charge of an order as an
unrounded float; the debit is the day's contract note: STT and stamp duty summed per scrip and
rounded to the rupee, the other lines summed over the day and rounded to the paisa, GST on the
rounded lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

PAISA = Decimal("0.01")
RUPEE = Decimal("1")

STT_DELIVERY = Decimal("0.001")  # 0.1% on buy and sell
STT_INTRADAY_SELL = Decimal("0.00025")  # 0.025% on sell only
NSE_TRANSACTION = Decimal("0.0000297")  # 0.00297% each side
NSE_IPFT = Decimal("0.000001")  # ₹10 per crore each side, inside the exchange charge
SEBI_FEE = Decimal("0.000001")  # ₹10 per crore each side
STAMP_DELIVERY_BUY = Decimal("0.00015")  # 0.015% on buy only
STAMP_INTRADAY_BUY = Decimal("0.00003")  # 0.003% on buy only
INTRADAY_BROKERAGE = Decimal("0.0003")  # 0.03% or ₹20, whichever is lower
INTRADAY_BROKERAGE_CAP = Decimal("20")
GST = Decimal("0.18")  # on brokerage + exchange + SEBI charges
DP_CHARGE = Decimal("15.34")  # ₹13 + 18% GST per scrip per day sold from the demat account


@dataclass(frozen=True)
class Charges:
    """One order's charges, unrounded, as the virtual contract note gives them."""

    symbol: str
    stt: Decimal
    exchange: Decimal
    sebi: Decimal
    brokerage: Decimal
    stamp: Decimal

    @property
    def gst(self) -> Decimal:
        """GST on this order's brokerage, exchange and SEBI charges (unrounded)."""
        return (self.brokerage + self.exchange + self.sebi) * GST

    @property
    def total(self) -> Decimal:
        """Sum of every component (unrounded)."""
        return self.stt + self.exchange + self.sebi + self.brokerage + self.stamp + self.gst

    def to_json(self) -> dict[str, Any]:
        """The ``charges`` object of ``POST /charges/orders`` (floats, as Kite sends)."""
        return {
            "transaction_tax": float(self.stt),
            "transaction_tax_type": "stt",
            "exchange_turnover_charge": float(self.exchange),
            "sebi_turnover_charge": float(self.sebi),
            "brokerage": float(self.brokerage),
            "stamp_duty": float(self.stamp),
            "gst": {"igst": float(self.gst), "cgst": 0, "sgst": 0, "total": float(self.gst)},
            "total": float(self.total),
        }


def order_charges(
    symbol: str,
    transaction_type: str,
    turnover: Decimal,
    product: str = "CNC",
    *,
    brokerage: Decimal = Decimal(0),
) -> Charges:
    """Charges for one executed NSE equity order of the given turnover (quantity × price).

    CNC (delivery): STT 0.1% both sides, stamp 0.015% on buys, brokerage `brokerage` (Zerodha
    charges none). MIS (intraday): STT 0.025% on sells, stamp 0.003% on buys, brokerage 0.03%
    capped at ₹20. Both: NSE 0.00297% plus IPFT ₹10/crore (one exchange line), SEBI ₹10/crore,
    GST 18% on brokerage + exchange + SEBI.
    """
    buy = transaction_type == "BUY"
    if product == "MIS":
        stt = Decimal(0) if buy else turnover * STT_INTRADAY_SELL
        stamp = turnover * STAMP_INTRADAY_BUY if buy else Decimal(0)
        brokerage = min(turnover * INTRADAY_BROKERAGE, INTRADAY_BROKERAGE_CAP)
    else:
        stt = turnover * STT_DELIVERY
        stamp = turnover * STAMP_DELIVERY_BUY if buy else Decimal(0)
    exchange = turnover * (NSE_TRANSACTION + NSE_IPFT)
    return Charges(symbol, stt, exchange, turnover * SEBI_FEE, brokerage, stamp)


def day_debit(orders: Iterable[Charges]) -> Decimal:
    """The day's contract note total: STT and stamp per scrip to the rupee, the other lines
    over the day to the paisa, GST on the rounded lines (DP is debited apart)."""
    stt: dict[str, Decimal] = defaultdict(Decimal)
    stamp: dict[str, Decimal] = defaultdict(Decimal)
    exchange = sebi = brokerage = Decimal(0)
    for order in orders:
        stt[order.symbol] += order.stt
        stamp[order.symbol] += order.stamp
        exchange += order.exchange
        sebi += order.sebi
        brokerage += order.brokerage
    lines = [x.quantize(PAISA, ROUND_HALF_UP) for x in (exchange, sebi, brokerage)]
    gst = (sum(lines, Decimal(0)) * GST).quantize(PAISA, ROUND_HALF_UP)
    rupees = [x.quantize(RUPEE, ROUND_HALF_UP) for x in (*stt.values(), *stamp.values())]
    return sum(rupees, Decimal(0)) + sum(lines, Decimal(0)) + gst
