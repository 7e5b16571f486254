"""The instrument sync: Kite's daily instruments dump into the ``instruments`` table.

Kite's dump is ~9k NSE equities, so each step is one statement over arrays (``unnest``), not
one statement per row. Symbols are the table's key, so sync one exchange (NSE) per database.

Only NSE's EQ series is tradable. Kite types rows of other series EQ too and marks them by a
two-character series suffix on the trading symbol (its published ``instruments_nse.csv``:
``CENTRALBK-BE``, ``EMMBI-BL``, ``HUDCO-N8`` a bond; SGBs end ``-GB``, SME rows ``-SM``), so
those are left out; a symbol's own hyphen (``BAJAJ-AUTO``, ``MCDOWELL-N``) is not a suffix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kiteconnect import KiteConnect
from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    Numeric,
    String,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine

from bridge_api.db.models import Instrument

_SYMBOL_LENGTH = 32
SERIES_SUFFIX = re.compile(r"-[A-Z0-9]{2}\Z")
"""How Kite's dump marks an NSE series other than EQ (``-BE``, ``-BL``, ``-GB``, ``-N8``...)."""
_COLUMNS: dict[str, type[TypeEngine[Any]]] = {
    "symbol": String,
    "name": String,
    "exchange": String,
    "tick_size": Numeric,
    "lot_size": Integer,
    "instrument_token": BigInteger,
    "lean_ticker": String,
}


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one sync did: rows added, rows changed, rows already current, and dump rows
    skipped as unusable; `tokens_moved` counts older symbols whose token another took."""

    added: int
    updated: int
    unchanged: int
    skipped: int = 0
    tokens_moved: int = 0
    other_series: int = 0
    """EQ-typed rows of another series (BE, BL, SM, bonds, SGBs...): not tradable."""


def lean_ticker(symbol: str) -> str:
    """Lean's file name for a symbol: lower case, every character outside ``[a-z0-9]`` as
    ``_`` (``M&M`` -> ``m_m``), as the sample data names its files."""
    return re.sub(r"[^a-z0-9]", "_", symbol.lower())


def is_eq_series(symbol: str) -> bool:
    """Whether a trading symbol of Kite's NSE dump is of the EQ series (see the module doc)."""
    return SERIES_SUFFIX.search(symbol) is None


def sync_instruments(session: Session, kite: KiteConnect, *, exchange: str = "NSE") -> SyncResult:
    """Upsert the exchange's equities from ``kite.instruments(exchange)``; the caller commits.

    Name, tick, lot and token follow Kite. An existing ``max_order_quantity`` (not in the dump)
    and ``lean_ticker`` are kept; new rows get the ticker :func:`lean_ticker` gives. A token
    that now belongs to another symbol (a rename) is taken from the old row, whose bars stay.
    """
    dump: list[dict[str, Any]] = kite.instruments(exchange)
    rows: dict[str, dict[str, Any]] = {}
    skipped = other_series = 0
    for item in dump:
        if item.get("instrument_type") != "EQ" or item.get("segment") != exchange:
            continue
        if not is_eq_series(str(item.get("tradingsymbol", ""))):
            other_series += 1
            continue
        row = _row(item)
        if row is None:
            skipped += 1
        else:
            rows[row["symbol"]] = row
    by_token = {row["instrument_token"]: row for row in rows.values()}
    skipped += len(rows) - len(by_token)
    rows = {row["symbol"]: row for row in by_token.values()}
    if not rows:
        return SyncResult(
            added=0, updated=0, unchanged=0, skipped=skipped, other_series=other_series
        )

    incoming = _unnest(rows.values())
    moved = session.execute(
        update(Instrument)
        .where(
            Instrument.instrument_token == incoming.c.instrument_token,
            Instrument.symbol != incoming.c.symbol,
        )
        .values(instrument_token=None)
    )
    upsert = insert(Instrument).from_select(list(_COLUMNS), select(*incoming.c))
    new = upsert.excluded
    statement = upsert.on_conflict_do_update(
        index_elements=[Instrument.symbol],
        set_={
            "name": new.name,
            "exchange": new.exchange,
            "tick_size": new.tick_size,
            "lot_size": new.lot_size,
            "instrument_token": new.instrument_token,
            "lean_ticker": func.coalesce(Instrument.lean_ticker, new.lean_ticker),
        },
        where=or_(
            Instrument.name.is_distinct_from(new.name),
            Instrument.exchange.is_distinct_from(new.exchange),
            Instrument.tick_size.is_distinct_from(new.tick_size),
            Instrument.lot_size.is_distinct_from(new.lot_size),
            Instrument.instrument_token.is_distinct_from(new.instrument_token),
            Instrument.lean_ticker.is_(None),
        ),
    ).returning(literal_column("instruments.xmax = 0", Boolean))
    written = session.execute(statement).scalars().all()
    added = sum(written)
    return SyncResult(
        added=added,
        updated=len(written) - added,
        unchanged=len(rows) - len(written),
        skipped=skipped,
        tokens_moved=int(getattr(moved, "rowcount", 0) or 0),
        other_series=other_series,
    )


def _row(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """One dump row as column values (floats through ``str`` to Decimal), or None if unusable."""
    symbol = str(item["tradingsymbol"]).strip()
    tick = Decimal(str(item["tick_size"]))
    lot = int(item["lot_size"])
    if not symbol or len(symbol) > _SYMBOL_LENGTH or tick <= 0 or lot < 1:
        return None
    return {
        "symbol": symbol,
        "name": (str(item.get("name") or "").strip() or symbol)[:200],
        "exchange": str(item["exchange"]),
        "tick_size": tick,
        "lot_size": lot,
        "instrument_token": int(item["instrument_token"]),
        "lean_ticker": lean_ticker(symbol),
    }


def _unnest(rows: Iterable[Mapping[str, Any]]) -> TableValuedAlias:
    """The rows as one ``unnest(array, ...)`` relation named like the instruments' columns."""
    values = list(rows)
    arrays = [
        bindparam(f"incoming_{name}", [row[name] for row in values], type_=ARRAY(kind))
        for name, kind in _COLUMNS.items()
    ]
    return func.unnest(*arrays).table_valued(*_COLUMNS).render_derived()
