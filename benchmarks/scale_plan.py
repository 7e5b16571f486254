"""Sizing and planning 1,000,000 subscriptions through PostgreSQL: where the time goes.

    python -m benchmarks.scale_plan [--subscriptions 1000000] [--symbols 20]

The allocation table (subscriptions x symbols rows, 20M by default) is filled in bulk by SQL,
then each step of planning from it is timed once:

- read: the table back as arrays (one binary COPY, parsed by numpy, sorted into book order);
- plan: `plan_columnar` over those arrays (crossing off, nothing funding-limited);
- statements: every order's pre-trade statement written with `copy_columns` (one COPY);
- baseline: a plain ``COPY`` of the table's rows into an index-free copy of it, same run.

Sizing (the bridge's per-participant `target_position`) is timed on a 10,000-participant
sample and scaled to the whole, printed as an extrapolation. Writing the table itself is
`benchmarks.allocation_table`. Uses DATABASE_URL's server when set, else an embedded one.
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
from allocator.constants import CHARGES_RESERVE, DEFAULT_COLLAR
from allocator.domain import Limits
from benchmarks.allocation_table import _database
from bridge_api.batches.targets import Pricing, Request, target_position
from bridge_api.config import REPOSITORY
from bridge_api.db.copy import copy_columns, ints
from bridge_api.db.migrate import upgrade
from bridge_api.db.models import IntentKind
from bridge_api.market.loader import load_instruments

PRICE = 152_035  # paise, on a 5-paise tick
_HEADER, _TRAILER = 19, 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--symbols", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url, admin = _database(Path(scratch))
        engine = create_engine(url)
        try:
            _run(engine, args.subscriptions, args.symbols)
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


def _run(engine, count: int, symbol_count: int) -> None:  # type: ignore[no-untyped-def]
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
        batch = connection.execute(
            text(
                'INSERT INTO batches (state, "cross", reason, created_by) '
                "VALUES ('draft', false, '', :u) RETURNING id"
            ),
            {"u": user},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO batch_targets (batch_id, subscription_id, symbol, holding, target, "
                "price) SELECT :b, s.id, y.symbol, (s.id * 7 + y.k) % 50, (s.id * 11 + y.k) % 60, "
                f"{PRICE / 100} FROM subscriptions s, unnest({listed}) WITH ORDINALITY "
                "AS y(symbol, k)"
            ),
            {"b": batch},
        )
    print(
        f"  starting state (subscriptions, {count * len(symbols):,} table rows) by SQL: "
        f"{time.perf_counter() - start:.1f} s (not part of the figures)"
    )
    raw = engine.raw_connection()
    try:
        data, read = _timed("read the table (binary COPY out)", lambda: _dump(raw, batch, listed))
        book, parse = _timed(
            "parse it into arrays, sort into book order", lambda: _book(data, symbols)
        )
        request = ColumnarRequest(
            book=book, batch=f"b{batch}", limits=Limits(max_quantity=100_000, orders_per_day=10**9)
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
        bound = _bound(raw, batch)
        print(f"  {'baseline: plain COPY of the table into a bare copy':<58} {bound:8.2f} s")
    finally:
        raw.close()
    sample = min(count, 10_000)
    _, sized = _timed(
        f"sizing: target_position for {sample:,} participants", lambda: _size(sample, symbols)
    )
    print(f"    scaled to {count:,}: {sized * count / sample:.0f} s (extrapolated)")
    total = read + parse + planned + written
    print(
        f"  read + plan + statements: {total:.1f} s, {total / bound:.1f}x the plain COPY of the "
        "table"
    )


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


def _bound(raw, batch: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds to COPY the table's rows (dumped beforehand) into an index-free copy."""
    dump = f"COPY (SELECT * FROM batch_targets WHERE batch_id = {batch}) TO STDOUT"
    with raw.cursor() as cursor:
        with cursor.copy(dump) as copy:
            data = b"".join(bytes(chunk) for chunk in copy)
        cursor.execute("CREATE TEMP TABLE bound_targets (LIKE batch_targets)")
        start = time.perf_counter()
        with cursor.copy("COPY bound_targets FROM STDIN") as copy:
            copy.write(data)
        seconds = time.perf_counter() - start
    raw.rollback()
    return seconds


def _size(sample: int, symbols: list[str]) -> None:
    pricing = Pricing(
        prices=dict.fromkeys(symbols, Decimal(PRICE).scaleb(-2)),
        ticks=dict.fromkeys(symbols, Decimal("0.05")),
        collar=DEFAULT_COLLAR,
        reserve=CHARGES_RESERVE,
    )
    weights = dict.fromkeys(symbols, Decimal(1) / len(symbols))
    rebalance = [Request(IntentKind.REBALANCE, None, None, None)]
    for n in range(sample):
        holdings = {s: (n * 7 + k) % 50 for k, s in enumerate(symbols)}
        target_position(holdings, Decimal(5000 + n % 1000), rebalance, weights, pricing)


if __name__ == "__main__":
    main()
