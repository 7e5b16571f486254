"""Reference prices and ticks for sizing: the latest close of each symbol."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import String, func, literal, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from bridge_api.db.models import Bar, Instrument
from bridge_api.errors import Invalid


def latest_closes(
    session: Session, symbols: Iterable[str], *, before: date | None = None
) -> dict[str, Decimal]:
    """The most recent close of each symbol (before a day, if given); every symbol must have one."""
    wanted = sorted(set(symbols))
    closes = {symbol: close for symbol, (_, close) in last_bars(session, wanted, before).items()}
    missing = [s for s in wanted if s not in closes]
    if missing:
        raise Invalid(f"no price for {', '.join(missing)}")
    return closes


def last_bars(
    session: Session, symbols: Iterable[str], before: date | None = None
) -> dict[str, tuple[date, Decimal]]:
    """The day and close of each symbol's most recent bar (before a day, if given); a symbol
    without one is left out."""
    wanted = sorted(set(symbols))
    if not wanted:
        return {}
    # One short walk down the (symbol, day) key per symbol, not a sort of every bar.
    names = select(func.unnest(literal(wanted, ARRAY(String))).label("symbol")).subquery("wanted")
    newest = select(Bar.day, Bar.close).where(Bar.symbol == names.c.symbol)
    if before is not None:
        newest = newest.where(Bar.day < before)
    latest = newest.order_by(Bar.day.desc()).limit(1).lateral("latest")
    rows = session.execute(
        select(names.c.symbol, latest.c.day, latest.c.close).join(latest, true())
    ).all()
    return {symbol: (day, close) for symbol, day, close in rows}


def tick_sizes(session: Session, symbols: Iterable[str]) -> dict[str, Decimal]:
    """Each symbol's tick size from the instrument list."""
    wanted = sorted(set(symbols))
    rows = session.execute(
        select(Instrument.symbol, Instrument.tick_size).where(Instrument.symbol.in_(wanted))
    ).all()
    return dict(rows)
