"""How fast a batch of many slices leaves for Kite, against the rate Kite lets it sustain.

    python -m benchmarks.kite_send_rate [--slices 2000] [--per-second 8] [--per-minute 400]

One direct buy of N shares of the cheapest instrument, capped at one share per order, gives a
batch of N slices. The engine sends it through `KiteBroker`, the real `kiteconnect` client and
the fake Kite server enforcing Kite's limits (10/s, 400/min, 5,000/day; HTTP 429 above), with
the PostgreSQL order-rate limiter at --per-second / --per-minute. Measured from the limiter's
send times: the achieved rate, against the sustainable rate min(per-second, per-minute / 60)
(goal: at least 95% of it) and against the same client's unthrottled placement rate measured in
this run (what the wire could do), plus the number of 429s Kite answered (goal: zero).
Uses DATABASE_URL's server when set (a throwaway database beside it), else an embedded one.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import psycopg
from kiteconnect import KiteConnect
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.allocation_table import _database
from bridge_api.batches import service as batches
from bridge_api.brokers.fake_kite import FakeKite, FakeLimits
from bridge_api.brokers.kite.broker import KiteBroker
from bridge_api.config import REPOSITORY
from bridge_api.db.migrate import upgrade
from bridge_api.db.models import Batch, Instrument, OrderSend, User
from bridge_api.demo.markets import last_closes
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.demo.seed import seed_demo
from bridge_api.execution.clocks import ImmediateClock
from bridge_api.execution.engine import Engine, EngineConfig
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.market.loader import load_bars, load_instruments
from bridge_api.portfolios import cash, intents

KEY, SECRET = "bench_key", "bench_secret"


def _batch(sessions: sessionmaker[Session], slices: int) -> tuple[str, Decimal]:
    """A ready batch of one direct buy of `slices` one-share orders; (symbol, its price)."""
    with sessions() as session, session.begin():
        load_instruments(session, REPOSITORY / "data")
        load_bars(session, REPOSITORY / "data")
        seed_demo(session)
        symbol, _, price = min(last_closes(session, FIRST_DAY), key=lambda row: row[2])
        session.execute(
            update(Instrument).where(Instrument.symbol == symbol).values(max_order_quantity=1)
        )
        admin = session.execute(select(User).where(User.email == "admin@saras.demo")).scalar_one()
        vikram = session.execute(
            select(User).where(User.email == "vikram@saras.demo")
        ).scalar_one()
        cash.payin(
            session, admin, user_id=vikram.id, amount=price * slices * 2, reference="bench"
        )
        intents.buy(session, vikram, symbol=symbol, quantity=slices)
        batch = batches.create(session, admin, smallcase_id=None, prices_before=FIRST_DAY)
        batches.approve(session, admin, batch.id)
    return symbol, price


def _listed(fake: FakeKite, sessions: sessionmaker[Session]) -> KiteConnect:
    with sessions() as session:
        for token, (symbol, tick, close) in enumerate(last_closes(session, FIRST_DAY), 1):
            fake.list_instrument(symbol, token=token, price=close, tick_size=tick)
    kite = KiteConnect(KEY, root=fake.url, timeout=7)
    kite.generate_session(fake.issue_request_token(), api_secret=SECRET)
    return kite


def wire_rate(sessions: sessionmaker[Session], symbol: str, price: Decimal, count: int) -> float:
    """Placements per second of the bare client against an unlimited fake (the baseline)."""
    unlimited = FakeLimits(orders_per_second=10**6, orders_per_minute=10**6, orders_per_day=10**6)
    with FakeKite(api_key=KEY, api_secret=SECRET, limits=unlimited) as fake:
        kite = _listed(fake, sessions)
        start = time.perf_counter()
        for n in range(count):
            kite.place_order(
                variety="regular",
                exchange="NSE",
                tradingsymbol=symbol,
                transaction_type="BUY",
                quantity=1,
                product="CNC",
                order_type="LIMIT",
                price=str(price),
                validity="DAY",
                tag=f"W{n}",
            )
        return count / (time.perf_counter() - start)


def run(slices: int, per_second: int, per_minute: int, wire_sample: int) -> dict[str, float]:
    """Build the batch, send it, and return the figures."""
    with tempfile.TemporaryDirectory() as scratch:
        url, admin = _database(Path(scratch))
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                upgrade(connection=connection)
            sessions = sessionmaker(engine, expire_on_commit=False)
            symbol, price = _batch(sessions, slices)
            wire = wire_rate(sessions, symbol, price, wire_sample)
            with FakeKite(api_key=KEY, api_secret=SECRET) as fake:
                broker = KiteBroker(_listed(fake, sessions), sessions=sessions)
                limits = RateLimits(per_second=per_second, per_minute=per_minute)
                started = time.perf_counter()
                Engine(
                    sessions,
                    broker,
                    ImmediateClock(fake.close_market),
                    limiter=OrderRateLimiter(sessions, limits=limits),
                    config=EngineConfig(trade_date=FIRST_DAY),
                ).run()
                wall = time.perf_counter() - started
                throttled = fake.throttled
            with sessions() as session:
                first, last, sent = session.execute(
                    select(func.min(OrderSend.sent_at), func.max(OrderSend.sent_at), func.count())
                ).one()
                state = session.execute(select(Batch.state)).scalar_one()
        finally:
            engine.dispose()
            if admin is not None:
                with psycopg.connect(admin, autocommit=True) as connection:
                    name = make_url(url).database
                    connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    span = (last - first).total_seconds()
    achieved = (sent - 1) / span if span else float("inf")
    sustainable = min(per_second, per_minute / 60)
    return {
        "slices": float(sent),
        "span": span,
        "wall": wall,
        "achieved": achieved,
        "sustainable": sustainable,
        "wire": wire,
        "throttled": float(throttled),
        "completed": float(str(state) == "completed"),
    }


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slices", type=int, default=2000)
    parser.add_argument("--per-second", type=int, default=8)
    parser.add_argument("--per-minute", type=int, default=400)
    parser.add_argument("--wire-sample", type=int, default=200)
    args = parser.parse_args()
    figures = run(args.slices, args.per_second, args.per_minute, args.wire_sample)
    print(
        f"{int(figures['slices'])} slices sent in {figures['span']:.1f} s "
        f"(engine wall {figures['wall']:.1f} s, batch completed: {bool(figures['completed'])})"
    )
    print(
        f"achieved {figures['achieved']:.2f} orders/s; sustainable bound "
        f"min({args.per_second}/s, {args.per_minute}/60) = {figures['sustainable']:.2f}/s "
        f"-> {figures['achieved'] / figures['sustainable']:.1%} of the bound (goal >= 95%)"
    )
    print(
        f"unthrottled client against the fake (same run): {figures['wire']:.1f} orders/s "
        f"-> the limiter, not the wire, sets the pace "
        f"({figures['wire'] / figures['achieved']:.0f}x)"
    )
    print(f"HTTP 429 answered by Kite: {int(figures['throttled'])} (goal: 0)")


if __name__ == "__main__":
    main()
