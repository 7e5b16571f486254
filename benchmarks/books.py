"""Deterministic synthetic inputs for the benchmarks (seeded numpy; nothing downloaded)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from allocator.columnar.planning import ColumnarBook, ColumnarRequest
from allocator.domain import Limits


def account_names(count: int) -> np.ndarray:
    """``sub-0000000`` ... : zero-padded, so code-point order is numeric order."""
    width = len(str(count - 1))
    return np.char.add("sub-", np.char.zfill(np.arange(count).astype(str), width))


def rebalance_request(
    accounts: int, symbols: int, *, seed: int = 7, cross: bool = True
) -> ColumnarRequest:
    """A rebalance of `accounts` subscriptions over `symbols` symbols, one row per pair.

    About a third of the rows change (some to 0, an exit), a third of the accounts carry cash
    that is often short of their buys, and a small minimum trade value skips tiny changes.
    """
    rng = np.random.default_rng(seed)
    tick = rng.choice(np.array([5, 10], dtype=np.int64), size=symbols)
    price = rng.integers(20_000, 500_000, size=symbols, dtype=np.int64) // tick * tick
    rows = accounts * symbols
    holding = rng.integers(0, 200, size=rows, dtype=np.int64)
    change = rng.integers(-20, 21, size=rows, dtype=np.int64) * (rng.random(rows) < 0.35)
    target = np.maximum(holding + change, 0)
    target[rng.random(rows) < 0.01] = 0
    cash = np.where(
        rng.random(accounts) < 0.33, rng.integers(0, 5_000_000, size=accounts, dtype=np.int64), -1
    )
    book = ColumnarBook(
        symbols=tuple(f"SYM{i:03d}" for i in range(symbols)),
        price=price,
        tick=tick,
        accounts=account_names(accounts),
        cash=cash,
        row_account=np.repeat(np.arange(accounts, dtype=np.int32), symbols),
        row_symbol=np.tile(np.arange(symbols, dtype=np.uint16), accounts),
        holding=holding,
        target=target,
    )
    return ColumnarRequest(
        book=book,
        batch="bench",
        limits=Limits(max_quantity=100_000, orders_per_day=10**9),
        min_trade_value=Decimal("500.00"),
        cross=cross,
    )
