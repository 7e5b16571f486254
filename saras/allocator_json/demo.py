"""``saras allocator demo``: plan the bundled example batch, fill it, allocate every order.

The fills are made up here, deterministically, the way a day could go: every slice trades,
in two trades at or inside its limit price, except the last BUY order, whose final slice is
left 40 % unfilled and expires at the close. Each order is charged its own delivery charges.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

from rich.console import Console
from rich.table import Table

from allocator import (
    Fill,
    Order,
    OrderAllocation,
    Plan,
    Side,
    Trade,
    allocate,
    delivery_charges,
    plan,
)
from allocator.money import format_money
from bridge_api.calendar import IST
from saras.allocator_json import codec

TRADE_DATE = date(2026, 11, 25)
EXAMPLE = "rebalance.json"


def example_text() -> str:
    """The bundled example ``plan`` input."""
    return resources.files("saras.examples").joinpath(EXAMPLE).read_text(encoding="utf-8")


def simulated_fills(order: Order, tick: Decimal, *, partial: bool) -> list[Fill]:
    """Deterministic fills: two trades per slice, one at the limit, one a tick inside it."""
    fills = []
    inside = -tick if order.side is Side.BUY else tick
    start = datetime.combine(TRADE_DATE, datetime.min.time(), IST).replace(hour=9, minute=15)
    for n, piece in enumerate(order.slices):
        quantity = piece.quantity
        if partial and n == len(order.slices) - 1:
            quantity = quantity * 6 // 10
        first = quantity // 2
        time = start + timedelta(milliseconds=piece.send_after_ms, seconds=n)
        for k, (size, price) in enumerate(
            ((first, order.limit_price), (quantity - first, order.limit_price + inside))
        ):
            if size:
                trade_id = f"{order.id}-T{n}{k}"
                fills.append(Fill(trade_id=trade_id, quantity=size, price=price, time=time))
    return fills


def run_demo(*, as_json: bool = False) -> None:
    """Print the plan and every order's allocation (tables, or the raw JSON documents)."""
    console = Console(width=None if Console().is_terminal else 120)
    document = codec.load(example_text())
    codec.validate("plan", document)
    request = codec.decode_plan(document)
    batch = plan(request)
    last_buy = max((o.id for o in batch.orders if o.side is Side.BUY), default=None)
    results = []
    for order in batch.orders:
        tick = request.tick_size.get(order.symbol, Decimal("0.01"))
        fills = simulated_fills(order, tick, partial=order.id == last_buy)
        trades = [
            Trade(symbol=order.symbol, side=order.side, quantity=f.quantity, price=f.price)
            for f in fills
        ]
        charges = delivery_charges(TRADE_DATE, trades).rupees()
        result = allocate(
            order_id=order.id, participants=order.participants, fills=fills, charges=charges
        )
        results.append((order, result))

    if as_json:
        console.print_json(
            json.dumps(
                {
                    "plan": codec.encode_plan(batch),
                    "allocations": {o.id: codec.encode_allocation(r) for o, r in results},
                }
            )
        )
        return
    _print_plan(console, request.batch, batch)
    for order, result in results:
        _print_allocation(console, order, result)
    console.print(
        "Every split above sums exactly to its whole: shares, rupees and each charge component. "
        "Internal crossing is on in this example; it is off by default."
    )


def _print_plan(console: Console, batch: str, result: Plan) -> None:
    orders = Table(title=f"Batch {batch}: orders (sells are sent before any buy)")
    for column in ("order", "side", "qty", "limit", "participants", "slices", "sent at (ms)"):
        orders.add_column(
            column, justify="right" if column in {"qty", "limit", "slices"} else "left"
        )
    for order in result.orders:
        orders.add_row(
            order.id,
            str(order.side),
            str(order.quantity),
            format_money(order.limit_price),
            ", ".join(f"{p.account}:{p.quantity}" for p in order.participants),
            " + ".join(str(s.quantity) for s in order.slices),
            ", ".join(str(s.send_after_ms) for s in order.slices),
        )
    console.print(orders)
    crossings = Table(title="Internal crossings at the reference price (no exchange charges)")
    for column in ("symbol", "account", "side", "qty", "price"):
        crossings.add_column(column)
    for c in result.crossings:
        crossings.add_row(c.symbol, c.account, str(c.side), str(c.quantity), format_money(c.price))
    console.print(crossings)
    skipped = Table(title="Left out of this batch")
    for column in ("account", "symbol", "side", "qty", "reason"):
        skipped.add_column(column)
    for k in result.skipped:
        skipped.add_row(k.account, k.symbol, str(k.side), str(k.quantity), k.reason)
    console.print(skipped)


def _print_allocation(console: Console, order: Order, result: OrderAllocation) -> None:
    charges: Any = result.charges
    table = Table(
        title=(
            f"{order.id}: {result.filled} of {order.quantity} filled, value "
            f"{format_money(result.value)}, average {result.average_price}, "
            f"charges {format_money(charges['total'])}"
        )
    )
    for column in (
        "account",
        "asked",
        "filled",
        "unfilled",
        "value",
        "avg price",
        "charges",
        "of which STT",
    ):
        table.add_column(column, justify="left" if column == "account" else "right")
    asked = {p.account: p.quantity for p in order.participants}
    for a in result.allocations:
        parts: Any = a.charges
        table.add_row(
            a.account,
            str(asked[a.account]),
            str(a.quantity),
            str(a.unfilled),
            format_money(a.value),
            str(a.average_price),
            format_money(parts["total"]),
            format_money(parts["stt"]),
        )
    console.print(table)
