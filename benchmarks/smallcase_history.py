"""A smallcase's history (what ₹100 became, exact decimals) against the statistics the same
discover page already computes from the same bars, and against the bare query of the bars.

    python -m benchmarks.smallcase_history [--repeats 20]

Uses ``DATABASE_URL`` when set (a throwaway database beside it), else an embedded PostgreSQL
in a temporary directory, loaded with the repository's sample bars. For a basket of 6 and of
every sample stock (30), interleaved, fastest of N:

- `basket_history` (period `all`): the route's work;
- `basket_stats`: the expected return and volatility `GET /smallcase/{id}` computes (numpy);
- the bound: the one ``SELECT symbol, day, close`` both start with, rows fetched.
"""

from __future__ import annotations

import argparse
import tempfile
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from benchmarks.allocation_table import _database
from benchmarks.run import interleaved
from bridge_api.config import REPOSITORY
from bridge_api.db.migrate import upgrade
from bridge_api.db.models import Bar, Instrument
from bridge_api.market.analytics import basket_stats
from bridge_api.market.basket_history import basket_history
from bridge_api.market.loader import load_bars, load_instruments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url, admin = _database(Path(scratch))
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                upgrade(connection=connection)
            with Session(engine) as session, session.begin():
                load_instruments(session, REPOSITORY / "data")
                load_bars(session, REPOSITORY / "data")
            with Session(engine) as session:
                _run(session, args.repeats)
        finally:
            engine.dispose()
            if admin is not None:
                with psycopg.connect(admin, autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')


def _run(session: Session, repeats: int) -> None:
    every = sorted(session.execute(select(Instrument.symbol)).scalars())
    for size in (6, len(every)):
        symbols = every[:size]
        weights = {s: Decimal(1) / size for s in symbols}

        def query(wanted: list[str] = symbols) -> object:
            return session.execute(
                select(Bar.symbol, Bar.day, Bar.close).where(Bar.symbol.in_(wanted))
            ).all()

        def history(chosen: dict[str, Decimal] = weights) -> object:
            return basket_history(session, chosen)

        def stats(chosen: dict[str, Decimal] = weights) -> object:
            return basket_stats(session, chosen)

        found = basket_history(session, weights)
        days = len(found.days) if found else 0
        times = interleaved(repeats, {"query": query, "stats": stats, "history": history})
        print(
            f"{size} stocks, {days} days: history {times['history'] * 1e3:.1f} ms, "
            f"{times['history'] / times['stats']:.2f}x the statistics "
            f"({times['stats'] * 1e3:.1f} ms), "
            f"{times['history'] / times['query']:.2f}x the bare query "
            f"({times['query'] * 1e3:.1f} ms)"
        )


if __name__ == "__main__":
    main()
