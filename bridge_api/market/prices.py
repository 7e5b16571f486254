"""Reference prices and ticks for sizing: the latest close of each symbol."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from bridge_api.db.models import Bar, Instrument
from bridge_api.errors import Invalid


def latest_closes(
    session: Session, symbols: Iterable[str], *, before: date | None = None
) -> dict[str, Decimal]:
    """The most recent close of each symbol (before a day, if given); every symbol must have one."""
    wanted = sorted(set(symbols))
    query = select(Bar.symbol, Bar.close).where(Bar.symbol.in_(wanted))
    if before is not None:
        query = query.where(Bar.day < before)
    rows = session.execute(
        query.ext(distinct_on(Bar.symbol)).order_by(Bar.symbol, Bar.day.desc())
    ).all()
    closes = dict(rows)
    missing = [s for s in wanted if s not in closes]
    if missing:
        raise Invalid(f"no price for {', '.join(missing)}")
    return closes


def tick_sizes(session: Session, symbols: Iterable[str]) -> dict[str, Decimal]:
    """Each symbol's tick size from the instrument list."""
    wanted = sorted(set(symbols))
    rows = session.execute(
        select(Instrument.symbol, Instrument.tick_size).where(Instrument.symbol.in_(wanted))
    ).all()
    return dict(rows)
