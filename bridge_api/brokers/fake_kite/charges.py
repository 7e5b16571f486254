"""The broker's charge table for NSE equity, as a contract note computes it (per order).

This is the fake broker's own truth, written independently of the project's allocator so that
the two can be checked against each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

PAISA = Decimal("0.01")
RUPEE = Decimal("1")

STT_DELIVERY = Decimal("0.001")  # 0.1% on buy and sell
STT_INTRADAY_SELL = Decimal("0.00025")  # 0.025% on sell only
NSE_TRANSACTION = Decimal("0.0000297")  # 0.00297% each side
SEBI_FEE = Decimal("0.000001")  # ₹10 per crore each side
STAMP_DELIVERY_BUY = Decimal("0.00015")  # 0.015% on buy only
STAMP_INTRADAY_BUY = Decimal("0.00003")  # 0.003% on buy only
INTRADAY_BROKERAGE = Decimal("0.0003")  # 0.03% or ₹20, whichever is lower
INTRADAY_BROKERAGE_CAP = Decimal("20")
GST = Decimal("0.18")  # on brokerage + exchange + SEBI charges
DP_CHARGE = Decimal("15.34")  # ₹13 + 18% GST per scrip per day sold from the demat account


def _paise(value: Decimal) -> Decimal:
    return value.quantize(PAISA, ROUND_HALF_UP)


@dataclass(frozen=True)
class Charges:
    """One order's charges, each component rounded as on a contract note."""

    stt: Decimal
    exchange: Decimal
    sebi: Decimal
    brokerage: Decimal
    stamp: Decimal
    gst: Decimal

    @property
    def total(self) -> Decimal:
        """Sum of every component."""
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
            "gst": {"igst": float(self.gst), "cgst": 0.0, "sgst": 0.0, "total": float(self.gst)},
            "total": float(self.total),
        }


def order_charges(transaction_type: str, turnover: Decimal, product: str = "CNC") -> Charges:
    """Charges for one executed NSE equity order of the given turnover (quantity × price).

    CNC (delivery): STT 0.1% both sides rounded to the rupee, stamp 0.015% on buys, no
    brokerage. MIS (intraday): STT 0.025% on sells, stamp 0.003% on buys, brokerage 0.03%
    capped at ₹20. Both: NSE 0.00297%, SEBI ₹10/crore, GST 18% on brokerage + NSE + SEBI.
    """
    buy = transaction_type == "BUY"
    exchange = _paise(turnover * NSE_TRANSACTION)
    sebi = _paise(turnover * SEBI_FEE)
    if product == "MIS":
        stt = Decimal(0) if buy else (turnover * STT_INTRADAY_SELL).quantize(RUPEE, ROUND_HALF_UP)
        stamp = _paise(turnover * STAMP_INTRADAY_BUY) if buy else Decimal("0.00")
        brokerage = _paise(min(turnover * INTRADAY_BROKERAGE, INTRADAY_BROKERAGE_CAP))
    else:
        stt = (turnover * STT_DELIVERY).quantize(RUPEE, ROUND_HALF_UP)
        stamp = _paise(turnover * STAMP_DELIVERY_BUY) if buy else Decimal("0.00")
        brokerage = Decimal("0.00")
    gst = _paise((brokerage + exchange + sebi) * GST)
    return Charges(stt, exchange, sebi, brokerage, stamp, gst)
