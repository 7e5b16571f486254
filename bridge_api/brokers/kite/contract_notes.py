"""Kite's virtual contract note for the charges true-up: every order Saras placed that
executed on a day, charged as Kite's ``POST /charges/orders`` computes it.

Today's executed orders come from Kite's order book; an earlier day's from its stored
snapshot (Kite's order book only holds today's). Kite's answer carries no ``order_id`` (its
published sample, kiteconnect-mocks ``virtual_contract_note.json``): each line is paired with
the order it charges by what it does carry (exchange, symbol, side, variety, product, order
type, quantity and price). Orders alike in all of these are charged alike, so any pairing among
them is the same; lines that differ among such orders, or a line missing or unasked for, make
the pairing ambiguous, and the true-up is refused rather than mislabelled."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from allocator import NoteLine, Side
from bridge_api.brokers.kite.broker import KiteBroker
from bridge_api.calendar import ist_today
from bridge_api.db.models import KiteSnapshot, OrderSend
from bridge_api.errors import Conflict
from bridge_api.ledger.true_up import ChargedOrder, UnmatchedContractNote

PRICE = Decimal("0.0001")
KEY_FIELDS = ("exchange", "tradingsymbol", "transaction_type", "variety", "product", "order_type")


class KiteContractNotes:
    """`bridge_api.ledger.true_up.ContractNotes` over a Kite broker."""

    def __init__(self, broker: KiteBroker, *, today: date | None = None) -> None:
        self.broker = broker
        self._today = today

    def charged_orders(self, session: Session, day: date) -> list[ChargedOrder]:
        """Every executed Saras order of `day` with its contract-note charges, unrounded."""
        if day == (self._today or ist_today()):
            book = self.broker.order_book()
        else:
            snapshot = session.get(KiteSnapshot, day)
            if snapshot is None:
                raise Conflict(f"no snapshot of {day}'s orders: its charges cannot be trued up")
            book = snapshot.orders
        orders = executed_orders(session, book)
        notes = self.broker.contract_note(orders) if orders else []
        return [
            ChargedOrder(
                order_id=o["order_id"], line=note_line(n), total=_exact(n["charges"]["total"])
            )
            for o, n in pair(orders, notes)
        ]


def executed_orders(session: Session, book: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contract note's request: every executed order Saras placed (any tag the rate limiter
    granted, strays included: their charges are the house's), at its filled size."""
    tags = set(session.execute(select(OrderSend.tag)).scalars())
    return [
        {
            "order_id": str(row["order_id"]),
            "exchange": row["exchange"],
            "tradingsymbol": row["tradingsymbol"],
            "transaction_type": row["transaction_type"],
            "variety": row["variety"],
            "product": row["product"],
            "order_type": row["order_type"],
            "quantity": int(row["filled_quantity"]),
            "average_price": float(row["average_price"]),
        }
        for row in book
        if row.get("tag") in tags and int(row.get("filled_quantity") or 0) > 0
    ]


def pair(
    orders: list[dict[str, Any]], lines: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each order with the contract-note line that charges it (see the module doc), in the
    orders' sequence; `UnmatchedContractNote` when that cannot be done one to one."""
    asked: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for order in orders:
        asked[_key(order, "average_price")].append(order)
    answered: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        answered[_key(line, "price")].append(line)
    missing = [k for k in asked if len(answered.get(k, [])) < len(asked[k])]
    extra = [k for k in answered if len(answered[k]) > len(asked.get(k, []))]
    if missing or extra:
        raise UnmatchedContractNote(
            f"Kite's contract note has {len(lines)} lines for {len(orders)} orders: "
            f"{len(missing)} kinds of order without a line, {len(extra)} kinds of line "
            "without an order",
            missing=[" ".join(k) for k in missing],
            unasked=[" ".join(k) for k in extra],
        )
    pairs: dict[str, dict[str, Any]] = {}
    for key, alike in asked.items():
        charged = answered[key]
        if len({_charges_key(line) for line in charged}) > 1:
            raise UnmatchedContractNote(
                f"Kite charged {len(alike)} alike orders ({' '.join(key)}) differently: "
                "which line is which order's is ambiguous",
                orders=[o["order_id"] for o in alike],
            )
        for order, line in zip(alike, charged, strict=True):
            pairs[order["order_id"]] = line
    return [(order, pairs[order["order_id"]]) for order in orders]


def note_line(line: Mapping[str, Any]) -> NoteLine:
    """One line of Kite's contract note as the allocator reads it (unrounded rupees)."""
    charges = line["charges"]
    return NoteLine(
        symbol=str(line["tradingsymbol"]),
        side=Side(str(line["transaction_type"]).upper()),
        stt=_exact(charges.get("transaction_tax", 0)),
        stamp=_exact(charges.get("stamp_duty", 0)),
        exchange=_exact(charges.get("exchange_turnover_charge", 0)),
        sebi=_exact(charges.get("sebi_turnover_charge", 0)),
        brokerage=_exact(charges.get("brokerage", 0)),
    )


def _key(row: Mapping[str, Any], price: str) -> tuple[str, ...]:
    values = [str(row.get(name, "")).upper() for name in KEY_FIELDS]
    return (*values, str(int(row["quantity"])), str(_exact(row.get(price, 0)).quantize(PRICE)))


def _charges_key(line: Mapping[str, Any]) -> str:
    charges = line["charges"]
    return repr(sorted((k, repr(v)) for k, v in charges.items()))


def _exact(value: Any) -> Decimal:
    """A number from Kite's JSON (a float on the wire) as the decimal it was written as."""
    return Decimal(str(value))
