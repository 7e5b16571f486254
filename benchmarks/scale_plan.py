"""Sizing and planning 1,000,000 subscriptions through PostgreSQL: where the time goes.

    python -m benchmarks.scale_plan [--subscriptions 1000000] [--symbols 20]

The starting state (not timed), filled in bulk by SQL: the subscriptions, and their holdings
as (subscription, symbol, shares) rows in a plain table (subscriptions x symbols rows, 20M by
default). Then each step is timed once:

- sizing: read every holding and each subscription's cash (binary COPY out, numpy), size every
  subscription's rebalance into equal weights of the symbols (`allocator.columnar.sizing`,
  exactly `allocator.size` per subscription), write the new allocation table (a binary COPY
  of integer columns into a staging table, then one ``INSERT ... SELECT`` adding symbol and
  price into the constrained `batch_targets`);
- planning: read the new table back as arrays (one binary COPY, parsed by numpy, sorted into
  book order), `plan_columnar` over those arrays (crossing off, nothing funding-limited), and
  every order's pre-trade statement written with `copy_columns` (one COPY);
- baselines: a plain ``COPY`` of the new table's rows into an index-free copy of it, and the
  same COPY into `batch_targets` itself (its rows taken out first, rolled back), same run.

The bridge's own sizing (`targets.target_positions`, one dict per subscription, as
`batches.create` calls it) and the per-subscription `target_position` it replaced are timed on
a sample, for comparison. Uses DATABASE_URL's server when set, else an embedded one.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from allocator.columnar.planning import ColumnarBook, ColumnarRequest, plan_columnar
from allocator.columnar.sizing import quantities_columnar
from allocator.constants import CHARGES_RESERVE, DEFAULT_COLLAR
from allocator.domain import Limits
from allocator.pricing import Rate, buy_limit, spendable
from benchmarks.allocation_table import _database
from bridge_api.batches.targets import (
    Position,
    Pricing,
    Request,
    target_position,
    target_positions,
)
from bridge_api.config import REPOSITORY
from bridge_api.db.copy import copy_columns, copy_int_columns, ints
from bridge_api.db.migrate import upgrade
from bridge_api.db.models import IntentKind
from bridge_api.market.loader import load_instruments

PRICE = 152_035  # paise, on a 5-paise tick
TICK = 5
_HEADER, _TRAILER = 19, 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--sample", type=int, default=10_000, help="participants sized by dicts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url, admin = _database(Path(scratch))
        engine = create_engine(url)
        try:
            _run(engine, args.subscriptions, args.symbols, args.sample)
        finally:
            engine.dispose()
            if admin is not None:
                with psycopg.connect(admin, autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')


def _timed(label: str, work):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    print(f"  {label:<58} {seconds:8.2f} s")
    return result, seconds


def _run(engine, count: int, symbol_count: int, sample: int) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        upgrade(connection=connection)
    with Session(engine) as session, session.begin():
        load_instruments(session, REPOSITORY / "data")
        symbols = list(
            session.execute(
                text("SELECT symbol FROM instruments ORDER BY symbol LIMIT :n"), {"n": symbol_count}
            ).scalars()
        )
    print(f"sizing and planning {count:,} subscriptions x {len(symbols)} symbols")
    listed = "ARRAY[" + ", ".join(f"'{s}'" for s in symbols) + "]::varchar[]"
    with engine.begin() as connection:
        user = connection.execute(
            text(
                "INSERT INTO users (email, full_name, password_hash, role, active) "
                "VALUES ('bench@example.com', 'Bench', 'x', 'manager', true) RETURNING id"
            )
        ).scalar_one()
        smallcase = connection.execute(
            text(
                "INSERT INTO smallcases (manager_id, name, description, status) "
                "VALUES (:u, 'Bench', '', 'draft') RETURNING id"
            ),
            {"u": user},
        ).scalar_one()
        start = time.perf_counter()
        connection.execute(
            text(
                "INSERT INTO subscriptions (user_id, kind, smallcase_id, status) "
                "SELECT :u, 'smallcase', :s, 'closed' FROM generate_series(1, :n)"
            ),
            {"u": user, "s": smallcase, "n": count},
        )
        connection.execute(
            text(
                "CREATE TABLE bench_holdings (subscription_id bigint, k bigint, holding bigint); "
                "INSERT INTO bench_holdings SELECT s.id, y.k, (s.id * 7 + y.k) % 50 "
                f"FROM subscriptions s, generate_series(1, {len(symbols)}) AS y(k)"
            )
        )
    print(
        f"  starting state (subscriptions, {count * len(symbols):,} holdings) by SQL: "
        f"{time.perf_counter() - start:.1f} s (not part of the figures)"
    )
    with engine.begin() as connection:
        target_batch = connection.execute(
            text(
                'INSERT INTO batches (state, "cross", reason, created_by) '
                "VALUES ('draft', false, '', :u) RETURNING id"
            ),
            {"u": user},
        ).scalar_one()
    raw = engine.raw_connection()
    try:
        print("  sizing (every subscription rebalanced into equal weights):")
        (held, cash), size_read = _timed(
            "read holdings and cash (binary COPY out, numpy)",
            lambda: _holdings(raw, len(symbols)),
        )
        targets, size_compute = _timed(
            "size every subscription (allocator.columnar.sizing)",
            lambda: _size_all(held.holding, cash, len(symbols)),
        )
        _, size_write = _timed(
            "write the allocation table (binary COPY + INSERT SELECT)",
            lambda: _write_table(engine, target_batch, held, targets, listed),
        )
        print("  planning:")
        data, read = _timed(
            "read the table (binary COPY out)", lambda: _dump(raw, target_batch, listed)
        )
        book, parse = _timed(
            "parse it into arrays, sort into book order", lambda: _book(data, symbols)
        )
        request = ColumnarRequest(
            book=book,
            batch=f"b{target_batch}",
            limits=Limits(max_quantity=100_000, orders_per_day=10**9),
        )
        result, planned = _timed("plan_columnar", lambda: plan_columnar(request))
        participants = sum(o.rows.size for o in result.orders)
        print(
            f"    {len(result.orders)} orders, {participants:,} statement rows, "
            f"{sum(len(o.slices) for o in result.orders):,} slices"
        )
        _, written = _timed(
            "write the statements (copy_columns)", lambda: _statements(engine, book, result)
        )
        bound, constrained = _bound(raw, target_batch)
        print(f"  {'baseline: plain COPY of the new table into a bare copy':<58} {bound:8.2f} s")
        print(
            f"  {'baseline: the same COPY into batch_targets (constrained)':<58} "
            f"{constrained:8.2f} s"
        )
    finally:
        raw.close()
    sample = min(count, sample)
    _, bulk = _timed(
        f"bridge sizing: target_positions, {sample:,} participants",
        lambda: _size_bridge(sample, symbols, bulk=True),
    )
    _, scalar = _timed(
        f"bridge sizing before: target_position each, {sample:,}",
        lambda: _size_bridge(sample, symbols, bulk=False),
    )
    print(f"    target_positions is {scalar / bulk:.1f}x faster than one call per participant")
    sizing = size_read + size_compute + size_write
    total = read + parse + planned + written
    print(
        f"  sizing {sizing:.1f} s ({sizing / bound:.1f}x the plain COPY, "
        f"{sizing / constrained:.2f}x the constrained COPY); "
        f"planning {total:.1f} s ({total / bound:.1f}x, {total / constrained:.2f}x); "
        f"both {sizing + total:.1f} s ({(sizing + total) / constrained:.2f}x the constrained COPY)"
    )


class _Held:
    """Holdings as rows: subscription id, symbol index, shares."""

    def __init__(self, subscription: np.ndarray, symbol: np.ndarray, holding: np.ndarray) -> None:
        self.subscription, self.symbol = subscription, symbol
        self.ids = np.unique(subscription)
        self.row = np.searchsorted(self.ids, subscription)
        self.holding = np.zeros((self.ids.size, int(symbol.max()) + 1), dtype=np.int64)
        self.holding[self.row, symbol] = holding


def _holdings(raw, symbols: int):  # type: ignore[no-untyped-def]
    query = "COPY (SELECT * FROM bench_holdings) TO STDOUT (FORMAT binary)"
    with raw.cursor() as cursor, cursor.copy(query) as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    rows = _parse(data, 3)
    held = _Held(rows[0], rows[1] - 1, rows[2])
    query = (
        "COPY (SELECT id::bigint, ((5000 + id % 1000) * 100)::bigint FROM subscriptions) "
        "TO STDOUT (FORMAT binary)"
    )
    with raw.cursor() as cursor, cursor.copy(query) as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    raw.rollback()
    sid, paise = _parse(data, 2)
    cash = np.zeros(held.ids.size, dtype=np.int64)
    known = np.isin(sid, held.ids)
    cash[np.searchsorted(held.ids, sid[known])] = paise[known]
    assert held.holding.shape[1] == symbols
    return held, cash


def _size_all(holding: np.ndarray, cash: np.ndarray, symbols: int) -> np.ndarray:
    """Each subscription's rebalance: book value at the reference price, sized into equal
    weights (numerators 1 of `symbols`) at the buy limit, as `allocator.size` does."""
    limit = buy_limit(PRICE, TICK, Rate.of(DEFAULT_COLLAR, "collar"))
    value = cash + holding.sum(axis=1) * PRICE
    reserve = Rate.of(CHARGES_RESERVE, "reserve")
    budgets = [spendable(v, reserve) for v in value.tolist()]
    return quantities_columnar(budgets, [1] * symbols, [limit] * symbols)


def _write_table(engine, batch: int, held: _Held, targets: np.ndarray, listed: str) -> int:  # type: ignore[no-untyped-def]
    rows, symbols = targets.shape
    with Session(engine) as session, session.begin():
        session.execute(
            text(
                "CREATE TEMP TABLE staged_targets (subscription_id bigint, k bigint, "
                "holding bigint, target bigint) ON COMMIT DROP"
            )
        )
        copy_int_columns(
            session,
            "staged_targets",
            {
                "subscription_id": np.repeat(held.ids, symbols),
                "k": np.tile(np.arange(1, symbols + 1), rows),
                "holding": held.holding.ravel(),
                "target": targets.ravel(),
            },
        )
        return session.execute(
            text(
                "INSERT INTO batch_targets (batch_id, subscription_id, symbol, holding, target, "
                f"price) SELECT :b, subscription_id, ({listed})[k], holding, target, "
                f"{PRICE / 100} FROM staged_targets"
            ),
            {"b": batch},
        ).rowcount


def _parse(data: bytes, columns: int) -> list[np.ndarray]:
    """`columns` bigint fields per row of a binary COPY."""
    fields = [("count", ">i2")]
    for n in range(columns):
        fields += [(f"length{n}", ">i4"), (f"value{n}", ">i8")]
    rows = np.frombuffer(data[_HEADER:-_TRAILER], dtype=np.dtype(fields))
    return [rows[f"value{n}"].astype(np.int64) for n in range(columns)]


def _dump(raw, batch: int, listed: str) -> bytes:  # type: ignore[no-untyped-def]
    query = (
        "COPY (SELECT subscription_id::bigint, array_position("
        f"{listed}, symbol)::bigint, holding::bigint, target::bigint FROM batch_targets "
        f"WHERE batch_id = {batch}) TO STDOUT (FORMAT binary)"
    )
    with raw.cursor() as cursor, cursor.copy(query) as copy:
        return b"".join(bytes(chunk) for chunk in copy)


def _book(data: bytes, symbols: list[str]) -> ColumnarBook:
    fields = [("count", ">i2")]
    for n in range(4):
        fields += [(f"length{n}", ">i4"), (f"value{n}", ">i8")]
    rows = np.frombuffer(data[_HEADER:-_TRAILER], dtype=np.dtype(fields))
    subscription, symbol, holding, target = (rows[f"value{n}"].astype(np.int64) for n in range(4))
    ids = np.unique(subscription)
    names = np.char.add("sub-", ids.astype(np.str_))
    by_name = np.argsort(names, kind="stable")
    rank = np.empty_like(by_name)
    rank[by_name] = np.arange(by_name.size)
    account = rank[np.searchsorted(ids, subscription)]
    order = np.lexsort((symbol, account))
    return ColumnarBook(
        symbols=tuple(symbols),
        price=np.full(len(symbols), PRICE, dtype=np.int64),
        tick=np.full(len(symbols), 5, dtype=np.int64),
        accounts=names[by_name],
        cash=np.full(ids.size, -1, dtype=np.int64),
        row_account=account[order].astype(np.int32),
        row_symbol=(symbol[order] - 1).astype(np.uint16),
        holding=holding[order],
        target=target[order],
    )


def _statements(engine, book: ColumnarBook, result) -> int:  # type: ignore[no-untyped-def]
    subscriptions = np.char.lstrip(book.accounts, "sub-").astype(np.int64)
    with Session(engine) as session, session.begin():
        session.execute(
            text(
                "CREATE TEMP TABLE bench_statements (order_id int, subscription_id bigint, "
                "quantity bigint) ON COMMIT DROP"
            )
        )
        written = 0
        for n, order in enumerate(result.orders):
            sids = subscriptions[book.row_account[order.rows]]
            written += copy_columns(
                session,
                "bench_statements",
                {
                    "order_id": str(n),
                    "subscription_id": ints(sids),
                    "quantity": ints(order.quantities),
                },
                sids.size,
            )
        return written


def _bound(raw, batch: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds to COPY the table's rows (dumped beforehand) into an index-free copy, and into
    `batch_targets` itself (the rows taken out first; rolled back)."""
    dump = f"COPY (SELECT * FROM batch_targets WHERE batch_id = {batch}) TO STDOUT"
    with raw.cursor() as cursor:
        with cursor.copy(dump) as copy:
            data = b"".join(bytes(chunk) for chunk in copy)
        cursor.execute("CREATE TEMP TABLE bound_targets (LIKE batch_targets)")
        start = time.perf_counter()
        with cursor.copy("COPY bound_targets FROM STDIN") as copy:
            copy.write(data)
        bare = time.perf_counter() - start
        raw.rollback()
        cursor.execute(f"DELETE FROM batch_targets WHERE batch_id = {batch}")
        start = time.perf_counter()
        with cursor.copy("COPY batch_targets FROM STDIN") as copy:
            copy.write(data)
        constrained = time.perf_counter() - start
    raw.rollback()
    return bare, constrained


def _size_bridge(sample: int, symbols: list[str], *, bulk: bool) -> None:
    pricing = Pricing(
        prices=dict.fromkeys(symbols, Decimal(PRICE).scaleb(-2)),
        ticks=dict.fromkeys(symbols, Decimal(TICK).scaleb(-2)),
        collar=DEFAULT_COLLAR,
        reserve=CHARGES_RESERVE,
    )
    weights = dict.fromkeys(symbols, Decimal(1) / len(symbols))
    rebalance = [Request(IntentKind.REBALANCE, None, None, None)]
    positions = [
        Position(
            {s: (n * 7 + k) % 50 for k, s in enumerate(symbols)},
            Decimal(5000 + n % 1000),
            rebalance,
            weights,
        )
        for n in range(sample)
    ]
    if bulk:
        target_positions(positions, pricing)
    else:
        for p in positions:
            target_position(p.holdings, p.cash, p.requests, p.weights, pricing)


if __name__ == "__main__":
    main()
