"""Loading instruments and Lean-format daily bars from ``data/`` into PostgreSQL.

Idempotent: instruments are upserted, and a symbol's bars are only added for days it does not
have yet, so loading twice (or after new data arrives) changes nothing twice.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from bridge_api.db.copy import copy_rows
from bridge_api.db.models import Bar, Instrument

LEAN_PRICE_SCALE = Decimal(10000)


@dataclass(frozen=True, slots=True)
class DailyBar:
    """One bar read from a Lean India daily file."""

    day: date
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int


def read_lean_daily(path: Path) -> list[DailyBar]:
    """The bars of one ``<ticker>.zip`` (rows ``yyyyMMdd HH:mm,O,H,L,C,V``, prices x 10000)."""
    with zipfile.ZipFile(path) as archive:
        (name,) = archive.namelist()
        text = archive.read(name).decode("ascii")
    bars = []
    for row in csv.reader(io.StringIO(text)):
        stamp, *prices, volume = row
        o, h, low, c = (Decimal(p) / LEAN_PRICE_SCALE for p in prices)
        day = datetime.strptime(stamp, "%Y%m%d %H:%M").date()
        bars.append(DailyBar(day, o, h, low, c, int(volume)))
    return bars


def load_instruments(session: Session, data_dir: Path) -> int:
    """Upsert every row of ``instruments.csv``; returns how many there are."""
    with (data_dir / "instruments.csv").open(newline="") as handle:
        rows = [
            {
                "symbol": r["symbol"],
                "name": r["name"],
                "exchange": r["exchange"],
                "tick_size": Decimal(r["tick_size"]),
                "lot_size": int(r["lot_size"]),
                "max_order_quantity": int(r["max_order_quantity"])
                if r["max_order_quantity"]
                else None,
                "lean_ticker": r["lean_ticker"],
            }
            for r in csv.DictReader(handle)
        ]
    statement = insert(Instrument).values(rows)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["symbol"],
            set_={column: statement.excluded[column] for column in rows[0] if column != "symbol"},
        )
    )
    return len(rows)


def load_bars(session: Session, data_dir: Path) -> int:
    """Add the bars of every instrument's Lean file that are newer than what is stored."""
    instruments = session.execute(select(Instrument.symbol, Instrument.lean_ticker)).all()
    latest = dict(session.execute(select(Bar.symbol, func.max(Bar.day)).group_by(Bar.symbol)).all())
    rows: list[tuple[str, DailyBar]] = []
    for symbol, ticker in instruments:
        path = data_dir / "equity" / "india" / "daily" / f"{ticker or symbol.lower()}.zip"
        if path.exists():
            newest = latest.get(symbol)
            rows += [(symbol, b) for b in read_lean_daily(path) if newest is None or b.day > newest]
    return store_bars(session, rows)


def store_bars(session: Session, bars: Iterable[tuple[str, DailyBar]]) -> int:
    """Insert (symbol, bar) rows, leaving days already stored alone; returns how many were
    new. One COPY into a scratch table and one INSERT, however many bars there are."""
    session.execute(
        text("CREATE TEMP TABLE IF NOT EXISTS bars_in (LIKE bars) ON COMMIT DELETE ROWS")
    )
    copy_rows(
        session,
        "bars_in",
        ("symbol", "day", "open", "high", "low", "close", "volume"),
        ((s, b.day, b.open, b.high, b.low, b.close, b.volume) for s, b in bars),
    )
    inserted = session.execute(
        text("INSERT INTO bars SELECT * FROM bars_in ON CONFLICT DO NOTHING RETURNING 1")
    ).all()
    session.execute(text("TRUNCATE bars_in"))
    return len(inserted)


def holds_synthetic_sample(folder: Path) -> bool:
    """Whether `folder` is the repository's synthetic sample (its README says so)."""
    readme = folder / "README.md"
    return readme.is_file() and "SYNTHETIC" in readme.read_text().splitlines()[0]
