"""``plan`` for large batches: the document straight to numpy arrays, and back to JSON text.

`plan_text` gives, byte for byte, what ``dumps(encode_plan(plan(decode_plan(document))))``
gives, through `allocator.columnar.planning` (the same rules, property-tested equal to the scalar
planner) and without a Python object per row. It takes a validated document in the usual shape,
every held symbol with a target; for any other shape, and for any error, it returns ``None``
and the caller runs the scalar path, whose behaviour and messages are the contract's.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import Any

import numpy as np

from allocator.columnar.planning import ColumnarBook, ColumnarPlan, ColumnarRequest, plan_columnar
from allocator.errors import AllocatorError
from allocator.money import to_paise
from allocator.planning import quote_table
from saras.allocator_json.codec import decode_plan

_EMPTY: dict[str, int] = {}


def plan_text(document: dict[str, Any]) -> str | None:
    """The compact JSON output of ``plan`` for a validated `document`, or ``None`` (see above)."""
    try:
        built = _columnar_request(document)
        if built is None:
            return None
        request, names = built
        result = plan_columnar(request)
    except (AllocatorError, InvalidOperation):
        return None
    return _encode(request, result, names)


def _columnar_request(document: dict[str, Any]) -> tuple[ColumnarRequest, list[str]] | None:
    """The book of `document` (accounts sorted by name) and the sorted names, or ``None``."""
    base = decode_plan({**document, "accounts": []})
    quotes = quote_table(base.prices, base.tick_size)
    symbols = tuple(sorted(quotes))
    if len(symbols) > np.iinfo(np.uint16).max + 1:
        return None
    entries = document["accounts"]
    names: list[str] = [entry["account"] for entry in entries]
    if len(set(names)) != len(names) or not all(map(str.isprintable, names)):
        return None
    keys: list[str] = []
    targets: list[int] = []
    holdings: list[int] = []
    counts: list[int] = []
    cash: list[int] = []
    for entry in entries:
        wanted = entry.get("targets", _EMPTY)
        held = entry.get("holdings", _EMPTY)
        if not held.keys() <= wanted.keys():
            return None
        keys.extend(wanted)
        targets.extend(wanted.values())
        holdings.extend(map(held.get, wanted, repeat(0)))
        counts.append(len(wanted))
        amount = entry.get("cash")
        cash.append(-1 if amount is None else to_paise(Decimal(amount), "cash"))
    index = {symbol: number for number, symbol in enumerate(symbols)}
    if not index.keys() >= set(keys):
        return None

    row_symbol = np.fromiter(map(index.__getitem__, keys), dtype=np.uint16, count=len(keys))
    given = np.array(names, dtype=np.str_)
    by_name = np.argsort(given, kind="stable")
    rank = np.empty(len(names), dtype=np.int32)
    rank[by_name] = np.arange(len(names), dtype=np.int32)
    row_account = np.repeat(rank, np.array(counts, dtype=np.int64))
    rows = np.lexsort((row_symbol, row_account))
    book = ColumnarBook(
        symbols=symbols,
        price=np.array([quotes[s].price for s in symbols], dtype=np.int64),
        tick=np.array([quotes[s].tick for s in symbols], dtype=np.int64),
        accounts=given[by_name],
        cash=np.array(cash, dtype=np.int64)[by_name],
        row_account=row_account[rows],
        row_symbol=row_symbol[rows],
        holding=np.array(holdings, dtype=np.int64)[rows],
        target=np.array(targets, dtype=np.int64)[rows],
    )
    request = ColumnarRequest(
        book=book,
        limits=base.limits,
        batch=base.batch,
        collar=base.collar,
        buy_charges_rate=base.buy_charges_rate,
        min_trade_value=base.min_trade_value,
        cross=base.cross,
    )
    return request, [names[i] for i in by_name.tolist()]


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _rupees(paise: int) -> str:
    return f"{paise // 100}.{paise % 100:02d}"


def _encode(request: ColumnarRequest, result: ColumnarPlan, names: list[str]) -> str:
    """The output document as `codec.dumps` writes it (compact, keys in the contract's order)."""
    book = request.book
    account = [_quoted(name) for name in names]
    symbol = [_quoted(s) for s in book.symbols]
    price = [_rupees(p) for p in book.price.tolist()]

    rows = np.flatnonzero(result.crossed)
    crossed = result.crossed[rows]
    order = np.lexsort((book.row_account[rows], crossed > 0, book.row_symbol[rows]))
    crossings = [
        f'{{"symbol": {symbol[s]}, "account": {account[a]}, "side": '
        f'"{"BUY" if q > 0 else "SELL"}", "quantity": {abs(q)}, "price": "{price[s]}"}}'
        for s, a, q in zip(
            book.row_symbol[rows][order].tolist(),
            book.row_account[rows][order].tolist(),
            crossed[order].tolist(),
            strict=True,
        )
    ]

    orders = []
    for o in result.orders:
        participants = ", ".join(
            f'{{"account": {account[a]}, "quantity": {q}}}'
            for a, q in zip(book.row_account[o.rows].tolist(), o.quantities.tolist(), strict=True)
        )
        slices = ", ".join(
            f'{{"quantity": {s.quantity}, "send_after_ms": {s.send_after_ms}}}' for s in o.slices
        )
        orders.append(
            f'{{"id": {_quoted(o.id)}, "symbol": {_quoted(o.symbol)}, "side": "{o.side}", '
            f'"quantity": {o.quantity}, "limit_price": "{_rupees(o.limit_price)}", '
            f'"participants": [{participants}], "slices": [{slices}]}}'
        )

    small = np.flatnonzero(result.skipped_small)
    funds = np.flatnonzero(result.skipped_funds)
    rows = np.concatenate((small, funds))
    signed = np.concatenate((result.skipped_small[small], result.skipped_funds[funds]))
    for_funds = np.concatenate((np.zeros(small.size, dtype=bool), np.ones(funds.size, dtype=bool)))
    order = np.lexsort((book.row_account[rows], signed > 0, book.row_symbol[rows]))
    skipped = [
        f'{{"account": {account[a]}, "symbol": {symbol[s]}, "side": '
        f'"{"BUY" if q > 0 else "SELL"}", "quantity": {abs(q)}, '
        f'"reason": "{"funds" if f else "min_trade_value"}"}}'
        for a, s, q, f in zip(
            book.row_account[rows][order].tolist(),
            book.row_symbol[rows][order].tolist(),
            signed[order].tolist(),
            for_funds[order].tolist(),
            strict=True,
        )
    ]
    return (
        f'{{"crossings": [{", ".join(crossings)}], "orders": [{", ".join(orders)}], '
        f'"skipped": [{", ".join(skipped)}]}}'
    )
