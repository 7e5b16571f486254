"""Writing the allocation table of a 100,000-subscription batch, against a plain COPY.

    python -m benchmarks.allocation_table [--subscriptions 100000] [--symbols 10]

Uses ``DATABASE_URL`` when set (a throwaway database beside it), else an embedded PostgreSQL
in a temporary directory. Measures, best of N, each in a transaction that is rolled back:

- `write_targets`: the bridge's writer, turning `TargetRow`s into COPY rows;
- the bound: a plain ``COPY batch_targets FROM STDIN`` of the same rows, pre-rendered as text.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from benchmarks.run import best_of
from bridge_api.batches.allocation_table import COLUMNS, TargetRow, write_targets
from bridge_api.config import REPOSITORY
from bridge_api.db.embedded import embedded_url, ensure_database
from bridge_api.db.migrate import upgrade
from bridge_api.market.loader import load_instruments


def _database(scratch: Path) -> tuple[str, str | None]:
    name = f"saras_bench_{uuid.uuid4().hex[:8]}"
    given = os.environ.get("DATABASE_URL")
    if not given:
        return embedded_url(scratch, name), None
    admin = make_url(given).set(drivername="postgresql").render_as_string(hide_password=False)
    ensure_database(admin, name)
    url = make_url(given).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False), admin


def _insert(session: Session, statement: str, **values: object) -> int:
    return int(session.execute(text(statement), values).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--symbols", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url, admin = _database(Path(scratch))
        engine = create_engine(url)
        try:
            _run(engine, args.subscriptions, args.symbols, args.repeats)
        finally:
            engine.dispose()
            if admin is not None:
                with psycopg.connect(admin, autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')


def _run(engine, subscriptions: int, symbol_count: int, repeats: int) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        upgrade(connection=connection)
    with Session(engine) as session, session.begin():
        load_instruments(session, REPOSITORY / "data")
        symbols = list(
            session.execute(
                text("SELECT symbol FROM instruments ORDER BY symbol LIMIT :n"), {"n": symbol_count}
            ).scalars()
        )
        user = _insert(
            session,
            "INSERT INTO users (email, full_name, password_hash, role, active) "
            "VALUES ('bench@example.com', 'Bench', 'x', 'manager', true) RETURNING id",
        )
        smallcase = _insert(
            session,
            "INSERT INTO smallcases (manager_id, name, description, status) "
            "VALUES (:u, 'Bench', '', 'draft') RETURNING id",
            u=user,
        )
        session.execute(
            text(
                "INSERT INTO subscriptions (user_id, kind, smallcase_id, status) "
                "SELECT :u, 'smallcase', :s, 'closed' FROM generate_series(1, :n)"
            ),
            {"u": user, "s": smallcase, "n": subscriptions},
        )
        first = _insert(session, "SELECT min(id) FROM subscriptions")
        batch = _insert(
            session,
            'INSERT INTO batches (state, "cross", reason, created_by) '
            "VALUES ('draft', false, '', :u) RETURNING id",
            u=user,
        )
    rows = [
        TargetRow(first + n, symbol, (n * 7 + k) % 50, (n * 11 + k) % 60, Decimal("1520.35"))
        for n in range(subscriptions)
        for k, symbol in enumerate(symbols)
    ]
    rendered = "".join(
        f"{batch}\t{r.subscription_id}\t{r.symbol}\t{r.holding}\t{r.target}\t{r.price}\n"
        for r in rows
    ).encode()
    print(f"allocation table: {subscriptions:,} subscriptions x {len(symbols)} symbols")
    print(f"  = {len(rows):,} rows")

    def ours() -> None:
        with Session(engine) as session, session.begin():
            write_targets(session, batch, rows)
            session.rollback()

    def plain_copy() -> None:
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY batch_targets ({', '.join(COLUMNS)}) FROM STDIN") as copy,
            ):
                copy.write(rendered)
            raw.rollback()

    bound = best_of(repeats, plain_copy)
    seconds = best_of(repeats, ours)
    ratio = seconds / bound
    print(f"write_targets {seconds:8.3f} s   plain COPY {bound:8.3f} s   ratio {ratio:5.2f}x")


if __name__ == "__main__":
    main()
