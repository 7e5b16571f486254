"""A 100,000-subscription rebalance end to end through PostgreSQL and the paper venue.

    python -m benchmarks.rebalance_e2e [--subscriptions 100000]

Builds the starting state in bulk (SQL, not timed): N subscriptions of a six-stock smallcase
holding its version 1, each with a FIFO lot per symbol and some cash, and an accepted rebalance
to version 2 (two symbols out, two in). Then times, with the bridge's own code: sizing every
participant into the allocation table (`batches.create`), and the engine trading the batch
through the paper venue (plan, send, fill, allocate every order across its participants with
ledger postings and tax lots, re-plan the buys, finish), broken down by the engine's events.
Uses DATABASE_URL's server when set (a throwaway database beside it), else an embedded one.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.allocation_table import _database
from bridge_api.batches import service as batches
from bridge_api.brokers.paper import PaperVenue
from bridge_api.config import REPOSITORY
from bridge_api.db.migrate import upgrade
from bridge_api.db.models import Role, User
from bridge_api.db.roles import app_engine
from bridge_api.execution.clocks import PaperClock
from bridge_api.execution.engine import Engine, EngineConfig
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.market.loader import load_bars, load_instruments
from bridge_api.smallcases import service as smallcases

DAY = date(2026, 11, 20)
V1 = {"RELIANCE": "20", "HDFCBANK": "20", "INFY": "15", "TCS": "15", "ICICIBANK": "15", "ITC": "15"}
V2 = {"RELIANCE": "20", "HDFCBANK": "20", "INFY": "15", "TCS": "15", "SBIN": "15", "LT": "15"}


class _W:
    def __init__(self, symbol: str, weight: str) -> None:
        self.symbol, self.weight = symbol, Decimal(weight)


def _bootstrap(sessions: sessionmaker[Session], count: int) -> tuple[int, int]:
    """The starting state in bulk: returns (manager id, smallcase id)."""
    with sessions() as session, session.begin():
        load_instruments(session, REPOSITORY / "data")
        load_bars(session, REPOSITORY / "data")
        manager = User(
            email="manager@bench.local", full_name="Manager", password_hash="x", role=Role.MANAGER
        )
        session.add(manager)
        session.flush()
        smallcase = smallcases.create(
            session,
            manager,
            name="Bench",
            description="",
            constituents=[_W(s, w) for s, w in V1.items()],
            note="v1",
        )
        v1 = smallcases.composition(session, smallcase.id).version.id
        smallcases.set_status(session, manager, smallcase.id, smallcases.SmallcaseStatus.PUBLISHED)
        smallcases.new_version(
            session,
            manager,
            smallcase.id,
            constituents=[_W(s, w) for s, w in V2.items()],
            note="v2",
            description=None,
        )
        v2 = smallcases.composition(session, smallcase.id).version.id
        params = {"n": count, "m": manager.id, "s": smallcase.id, "v1": v1, "v2": v2}
        statements = [
            "INSERT INTO users (email, full_name, password_hash, role, active) "
            "SELECT 'inv' || g || '@bench.local', 'Investor ' || g, 'x', 'investor', true "
            "FROM generate_series(1, :n) g",
            "INSERT INTO subscriptions (user_id, kind, smallcase_id, version_id, status) "
            "SELECT id, 'smallcase', :s, :v1, 'active' FROM users WHERE role = 'investor'",
            "INSERT INTO ledger_accounts (kind, name, subscription_id) "
            "SELECT 'subscription', 'subscription:' || id, id FROM subscriptions",
            "INSERT INTO ledger_accounts (kind, name) VALUES ('external', 'external:market')",
            "INSERT INTO journal_entries (cause, memo, effective_on) "
            "VALUES ('correction', 'benchmark start', '2026-11-01')",
        ]
        for statement in statements:
            session.execute(text(statement), params)
        entry = session.execute(text("SELECT max(id) FROM journal_entries")).scalar_one()
        market = session.execute(
            text("SELECT id FROM ledger_accounts WHERE name = 'external:market'")
        ).scalar_one()
        holdings = (
            "(VALUES "
            + ", ".join(f"('{s}', {10 + 3 * i})" for i, s in enumerate(V1))
            + ") AS h(symbol, quantity)"
        )
        session.execute(
            text(
                "WITH legs AS ("
                "SELECT a.id AS account, h.symbol AS asset, h.quantity + (a.id % 7) AS amount "
                f"FROM ledger_accounts a, {holdings} WHERE a.kind = 'subscription' "
                "UNION ALL SELECT a.id, 'INR', 5000 + (a.id % 1000) "
                "FROM ledger_accounts a WHERE a.kind = 'subscription') "
                "INSERT INTO postings (entry_id, account_id, asset, bucket, amount) "
                "SELECT :e, account, asset, 'settled', amount FROM legs "
                "UNION ALL SELECT :e, :m, asset, 'settled', -sum(amount) FROM legs GROUP BY asset"
            ),
            {"e": entry, "m": market},
        )
        session.execute(
            text(
                "INSERT INTO balances (account_id, asset, bucket, amount) "
                "SELECT account_id, asset, bucket, sum(amount) FROM postings "
                "WHERE entry_id = :e GROUP BY 1, 2, 3"
            ),
            {"e": entry},
        )
        session.execute(text("INSERT INTO applied_entries (entry_id) VALUES (:e)"), {"e": entry})
        session.execute(
            text(
                "INSERT INTO tax_lots (subscription_id, symbol, acquired_on, quantity, cost, "
                "open_quantity, open_cost, entry_id, stt_paid) "
                "SELECT a.subscription_id, p.asset, '2026-11-01', p.amount, p.amount * b.close, "
                "p.amount, p.amount * b.close, :e, true "
                "FROM postings p JOIN ledger_accounts a ON a.id = p.account_id "
                "JOIN bars b ON b.symbol = p.asset AND b.day = '2026-10-30' "
                "WHERE p.entry_id = :e AND a.kind = 'subscription' AND p.asset <> 'INR'"
            ),
            {"e": entry},
        )
        session.execute(
            text(
                "INSERT INTO intents (subscription_id, kind, version_id, status, note) "
                "SELECT id, 'rebalance', :v2, 'pending', '' FROM subscriptions"
            ),
            params,
        )
        return manager.id, smallcase.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url, admin = _database(Path(scratch))
        engine = create_engine(url)
        app = app_engine(url)
        try:
            _run(engine, app, args.subscriptions)
        finally:
            app.dispose()
            engine.dispose()
            if admin is not None:
                with psycopg.connect(admin, autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')


def _run(engine, app, count: int) -> None:  # type: ignore[no-untyped-def]
    """Bootstrap as the tables' owner; time the bridge's code as the application role."""
    with engine.begin() as connection:
        upgrade(connection=connection)
    started = time.perf_counter()
    manager_id, smallcase_id = _bootstrap(sessionmaker(engine, expire_on_commit=False), count)
    sessions = sessionmaker(app, expire_on_commit=False)
    print(f"rebalance of {count:,} subscriptions (6 symbols each; 2 out, 2 in)")
    print(
        f"  starting state built in bulk: {time.perf_counter() - started:.1f} s "
        "(not part of the figures)"
    )
    timings: dict[str, float] = defaultdict(float)
    start = time.perf_counter()
    with sessions() as session, session.begin():
        manager = session.get(User, manager_id)
        assert manager is not None
        batch = batches.create(session, manager, smallcase_id=smallcase_id, prices_before=DAY)
        batches.approve(session, manager, batch.id)
    timings["size participants + write allocation table"] = time.perf_counter() - start
    last = [time.perf_counter()]
    counts: dict[str, int] = defaultdict(int)

    def progress(event: str, info: dict[str, object]) -> None:
        now = time.perf_counter()
        label = {
            "planned": f"plan phase {info.get('phase')}",
            "sent": "send orders",
            "allocated": "allocate orders (ledger, lots)",
            "trades": "sync trades",
            "finished": "finish batch",
        }.get(event, event)
        timings[label] += now - last[0]
        counts[label] += 1
        last[0] = now

    venue = PaperVenue(sessions, session_day=DAY, participation=Decimal("1"))
    trading = Engine(
        sessions,
        venue,
        PaperClock(venue),
        limiter=OrderRateLimiter(
            sessions, limits=RateLimits(per_second=10_000, per_minute=1_000_000)
        ),
        config=EngineConfig(trade_date=DAY),
        progress=progress,
    )
    engine_start = time.perf_counter()
    trading.run()
    total_engine = time.perf_counter() - engine_start
    total = time.perf_counter() - start
    with engine.connect() as connection:
        state = connection.execute(
            text("SELECT state FROM batches WHERE id = :b"), {"b": batch.id}
        ).scalar_one()
    for label, seconds in timings.items():
        print(f"  {label:<45} {seconds:8.2f} s  ({counts.get(label, 1)} events)")
    print(f"  engine total {total_engine:.1f} s; end to end {total:.1f} s; batch {state}")
    size, inserted, applied = _apply_cost(engine)
    print(
        f"  the largest entry again ({size:,} postings): insert with the balance check "
        f"{inserted:.2f} s, saras_apply_entry {applied:.2f} s "
        f"({applied / size * 1e6:.1f} us a posting)"
    )
    rows, bare, constrained = _copy_bound(engine, _starting_entry(engine))
    print(
        f"  baselines: COPY of the {rows:,} rows the batch wrote (participants, targets, "
        "postings, lots, consumptions, allocations)"
    )
    print(f"    into unconstrained copies of the tables: {bare:.2f} s")
    print(f"    into the same constrained tables:        {constrained:.2f} s")
    print(
        f"  end to end / unconstrained COPY: {total / bare:.1f}x; "
        f"/ constrained COPY: {total / constrained:.1f}x"
    )


def _apply_cost(engine) -> tuple[int, float, float]:  # type: ignore[no-untyped-def]
    """The batch's largest entry posted again in a rolled-back transaction: (its postings,
    seconds to insert them with the balance check, seconds for ``saras_apply_entry``)."""
    with engine.connect() as connection, connection.begin() as transaction:
        entry, size = connection.execute(
            text(
                "SELECT entry_id, count(*) FROM postings p JOIN journal_entries e "
                "ON e.id = p.entry_id WHERE e.cause = 'order_allocation' "
                "GROUP BY entry_id ORDER BY 2 DESC LIMIT 1"
            )
        ).one()
        again = connection.execute(
            text(
                "INSERT INTO journal_entries (cause, memo, effective_on) "
                "VALUES ('correction', 'apply cost', '2026-11-20') RETURNING id"
            )
        ).scalar_one()
        start = time.perf_counter()
        connection.execute(
            text(
                "INSERT INTO postings (entry_id, account_id, asset, bucket, amount) "
                "SELECT :again, account_id, asset, bucket, amount FROM postings "
                "WHERE entry_id = :entry"
            ),
            {"again": again, "entry": entry},
        )
        inserted = time.perf_counter() - start
        start = time.perf_counter()
        connection.execute(text("SELECT count(*) FROM saras_apply_entry(:e)"), {"e": again})
        applied = time.perf_counter() - start
        transaction.rollback()
    return int(size), inserted, applied


_WRITTEN = {
    "postings": "entry_id > {entry}",
    "tax_lots": "entry_id > {entry}",
    "lot_consumptions": "true",
    "order_allocations": "true",
    "batch_targets": "true",
    "batch_participants": "true",
    "order_participants": "true",
}


def _starting_entry(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT min(id) FROM journal_entries WHERE memo = 'benchmark start'")
            ).scalar_one()
        )


def _copy_bound(engine, entry: int) -> tuple[int, float, float]:  # type: ignore[no-untyped-def]
    """Rows the batch wrote, and the time to COPY them (one COPY per table) into

    - index-free, FK-free copies of the tables (the lower bound of any design that stores the
      same rows), and
    - the same tables with every constraint, index, foreign key and trigger (the batch's rows
      taken out first, with triggers off, in a transaction that is rolled back afterwards).
    """
    dumps: dict[str, bytes] = {}
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            for table, where in _WRITTEN.items():
                query = f"COPY (SELECT * FROM {table} WHERE {where.format(entry=entry)}) TO STDOUT"
                with cursor.copy(query) as copy:
                    dumps[table] = b"".join(bytes(chunk) for chunk in copy)
                cursor.execute(f"CREATE TEMP TABLE bound_{table} (LIKE {table})")
            raw.commit()
            start = time.perf_counter()
            for table, data in dumps.items():
                with cursor.copy(f"COPY bound_{table} FROM STDIN") as copy:
                    copy.write(data)
            raw.commit()
            bare = time.perf_counter() - start
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table, where in reversed(_WRITTEN.items()):
                cursor.execute(f"DELETE FROM {table} WHERE {where.format(entry=entry)}")
            cursor.execute("SET LOCAL session_replication_role = origin")
            start = time.perf_counter()
            for table, data in dumps.items():
                with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(data)
            constrained = time.perf_counter() - start
            raw.rollback()
    finally:
        raw.close()
    return sum(data.count(b"\n") for data in dumps.values()), bare, constrained


if __name__ == "__main__":
    main()
