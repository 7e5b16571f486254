"""Daily candles from Kite into the ``bars`` table and the Lean daily zips, incrementally.

Each symbol is asked only for the days after its newest bar in ``bars`` (nothing when it is
up to date), in spans of at most 2000 days (Kite's limit for ``day`` candles), through a
throttle that keeps to Kite's 3 historical requests a second. The table decides what is
missing; the zip is merged to match, so a file that got ahead of the table heals on the next
run. Days before a symbol's first bar are never asked for.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import requests
from kiteconnect import KiteConnect
from kiteconnect import exceptions as kite_errors
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge_api.brokers.kite.broker import rupees
from bridge_api.brokers.kite.throttle import Throttle
from bridge_api.calendar import IST
from bridge_api.db.models import Bar, Instrument
from bridge_api.market.lean_writer import write_lean_daily
from bridge_api.market.loader import DailyBar, store_bars

MAX_DAYS_PER_REQUEST = 2000
HISTORICAL_PER_SECOND = 3
HISTORICAL_THROTTLE = Throttle(HISTORICAL_PER_SECOND)
"""Shared by every fetch in the process: Kite's limit is per api key, not per call."""
RETRIES = 4
BACKOFF_SECONDS = 0.5
TOO_MANY_REQUESTS = 429

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class FetchResult:
    """Bars added per symbol fetched (0 when it was up to date) and historical requests made
    (one per span; a retried request counts once)."""

    added: dict[str, int] = field(default_factory=dict)
    requests: int = 0

    @property
    def bars(self) -> int:
        """Bars added over all symbols."""
        return sum(self.added.values())


class FetchInterrupted(Exception):
    """Kite stopped answering part-way; `result` holds the symbols already saved."""

    def __init__(self, message: str, result: FetchResult) -> None:
        super().__init__(message)
        self.result = result


class KiteSessionExpired(FetchInterrupted):
    """Kite refused the access token (expired at 06:00, or logged out): log in and rerun."""


@dataclass(frozen=True, slots=True)
class _Target:
    symbol: str
    token: int
    path: Path
    newest: date | None


def fetch_daily(
    session: Session,
    kite: KiteConnect,
    *,
    symbols: Sequence[str] | None,
    start: date,
    end: date,
    data_dir: Path,
    progress: Progress | None = None,
    throttle: Throttle = HISTORICAL_THROTTLE,
) -> FetchResult:
    """Fetch the missing daily bars of `symbols` from `start` to `end` (inclusive).

    `symbols` None means every instrument with a Kite token that is already tracked: it has
    bars, or a Lean file under `data_dir`. Symbols go in alphabetical order and each is
    committed (bars and zip) as it completes, so an interruption keeps the finished ones:
    :class:`KiteSessionExpired` on a refused token, :class:`FetchInterrupted` when Kite keeps
    failing after retries. A 429 or network error is retried with backoff. `progress` gets
    ``(symbol, done, total)`` after each symbol.
    """
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    targets = _targets(session, symbols, data_dir)
    added: dict[str, int] = {}
    requests_made = 0
    for done, target in enumerate(targets, start=1):
        first = start if target.newest is None else max(start, target.newest + timedelta(days=1))
        candles: list[dict[str, Any]] = []
        for chunk_start, chunk_end in _spans(first, end):
            try:
                requests_made += 1
                candles += _request(kite, throttle, target.token, chunk_start, chunk_end)
            except kite_errors.TokenException as error:
                raise KiteSessionExpired(
                    f"Kite refused the session while fetching {target.symbol} ({error}); "
                    f"{done - 1} of {len(targets)} symbols saved. Log in again and rerun.",
                    FetchResult(dict(added), requests_made),
                ) from error
            except (kite_errors.KiteException, requests.RequestException) as error:
                raise FetchInterrupted(
                    f"Kite failed while fetching {target.symbol}: {error}; "
                    f"{done - 1} of {len(targets)} symbols saved. Rerun to continue.",
                    FetchResult(dict(added), requests_made),
                ) from error
        bars = _bars(candles, first, end)
        added[target.symbol] = _save(session, target, bars)
        session.commit()
        if progress is not None:
            progress(target.symbol, done, len(targets))
    return FetchResult(added, requests_made)


def _targets(session: Session, symbols: Sequence[str] | None, data_dir: Path) -> list[_Target]:
    """The instruments to fetch, with their files and newest stored day."""
    daily = data_dir / "equity" / "india" / "daily"
    latest = select(Bar.symbol, func.max(Bar.day)).group_by(Bar.symbol)
    newest: dict[str, date] = dict(session.execute(latest).all())
    query = select(Instrument.symbol, Instrument.instrument_token, Instrument.lean_ticker)
    if symbols is not None:
        query = query.where(Instrument.symbol.in_(symbols))
    found = {row.symbol: row for row in session.execute(query.order_by(Instrument.symbol))}
    if symbols is not None:
        unknown = sorted(set(symbols) - set(found))
        untokened = sorted(s for s, row in found.items() if row.instrument_token is None)
        if unknown:
            raise ValueError(f"unknown symbols: {', '.join(unknown)}")
        if untokened:
            raise ValueError(
                f"no Kite instrument token for {', '.join(untokened)}: "
                "run `saras data instruments` first"
            )
    targets = []
    for symbol, row in found.items():
        if row.instrument_token is None:
            continue
        # The loader's file name, so `load_bars` reads back what is written here.
        path = daily / f"{row.lean_ticker or symbol.lower()}.zip"
        if symbols is None and symbol not in newest and not path.exists():
            continue
        targets.append(_Target(symbol, row.instrument_token, path, newest.get(symbol)))
    return targets


def _spans(first: date, last: date) -> Iterator[tuple[date, date]]:
    """`first`..`last` in consecutive inclusive spans of at most MAX_DAYS_PER_REQUEST days."""
    while first <= last:
        end = min(last, first + timedelta(days=MAX_DAYS_PER_REQUEST - 1))
        yield first, end
        first = end + timedelta(days=1)


def _request(
    kite: KiteConnect, throttle: Throttle, token: int, first: date, last: date
) -> list[dict[str, Any]]:
    """One span's day candles, retrying a 429 or a network failure with backoff."""
    for attempt in range(RETRIES + 1):
        try:
            candles: list[dict[str, Any]] = throttle.call(
                lambda: kite.historical_data(
                    token,
                    datetime.combine(first, time(0, 0)),
                    datetime.combine(last, time(23, 59, 59)),
                    "day",
                )
            )
        except (kite_errors.NetworkException, requests.ConnectionError, requests.Timeout):
            if attempt == RETRIES:
                raise
        except kite_errors.KiteException as error:
            if error.code != TOO_MANY_REQUESTS or attempt == RETRIES:
                raise
        else:
            return candles
        clock.sleep(BACKOFF_SECONDS * 2**attempt)
    raise AssertionError("unreachable")


def _bars(candles: list[dict[str, Any]], first: date, last: date) -> list[DailyBar]:
    """Candles as bars in paise (half-up from the wire's floats), one per IST day, in range."""
    bars: dict[date, DailyBar] = {}
    for candle in candles:
        stamp: datetime = candle["date"]
        day = (stamp.astimezone(IST) if stamp.tzinfo else stamp).date()
        if first <= day <= last:
            bars[day] = DailyBar(
                day,
                rupees(candle["open"]),
                rupees(candle["high"]),
                rupees(candle["low"]),
                rupees(candle["close"]),
                int(candle["volume"]),
            )
    return [bars[day] for day in sorted(bars)]


def _save(session: Session, target: _Target, bars: list[DailyBar]) -> int:
    """Insert the bars (days already stored are left alone) and merge them into the zip."""
    if not bars:
        return 0
    inserted = store_bars(session, ((target.symbol, bar) for bar in bars))
    write_lean_daily(target.path, bars)
    return inserted
