"""The master algorithm's parameters: read once in `initialize`, validated here, then frozen.

Lean hands every parameter over as a string (from the project's ``config.json``, or
``--parameter name value`` on ``lean backtest``), so each one is parsed and checked here and a
bad value stops the algorithm before anything is traded. No secret has a default: the database
URL must be given, and its password should come from ``PGPASSWORD`` in the container, not from
the URL (see ``docs/lean.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time
from decimal import Decimal, InvalidOperation

DEFAULTS = {
    "database-url": "",
    "collar": "0.01",
    "cutoff": "14:00",
    "poll-minutes": "5",
    "steps-per-poll": "20",
    "orders-per-second": "8",
    "real-money": "false",
    "symbols": "",
    "start-date": "",
    "end-date": "",
    "cash": "100000000",
}
"""Every parameter the algorithm reads, with its default (all strings, as Lean passes them)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MasterParameters:
    """What the master algorithm runs with."""

    database_url: str
    collar: Decimal
    cutoff: clock_time
    poll_minutes: int
    steps_per_poll: int
    orders_per_second: int
    real_money: bool
    symbols: tuple[str, ...]
    start_date: date | None
    end_date: date | None
    cash: Decimal

    @classmethod
    def parse(cls, values: dict[str, str]) -> MasterParameters:
        """Parse the raw parameter strings.

        Raises
        ------
        ValueError
            If a parameter is missing or malformed; the message names it.
        """
        url = values["database-url"].strip()
        if not url:
            raise ValueError("'database-url' not set: give the Saras database URL")
        real_money = values["real-money"].strip().lower()
        if real_money not in ("true", "false"):
            raise ValueError(f"'real-money' not true or false, was {values['real-money']!r}")
        return cls(
            database_url=url,
            collar=_rate(values, "collar"),
            cutoff=_clock(values, "cutoff"),
            poll_minutes=_positive(values, "poll-minutes"),
            steps_per_poll=_positive(values, "steps-per-poll"),
            orders_per_second=_positive(values, "orders-per-second"),
            real_money=real_money == "true",
            symbols=tuple(sorted({s.strip().upper() for s in values["symbols"].split(",")} - {""})),
            start_date=_day(values, "start-date"),
            end_date=_day(values, "end-date"),
            cash=_decimal(values, "cash"),
        )


def _decimal(values: dict[str, str], name: str) -> Decimal:
    try:
        number = Decimal(values[name].strip())
    except InvalidOperation:
        raise ValueError(f"'{name}' not a number, was {values[name]!r}") from None
    if not number.is_finite() or number <= 0:
        raise ValueError(f"'{name}' not positive, was {values[name]!r}")
    return number


def _rate(values: dict[str, str], name: str) -> Decimal:
    rate = _decimal(values, name)
    if rate >= 1:
        raise ValueError(f"'{name}' not below 1, was {values[name]!r}")
    return rate


def _positive(values: dict[str, str], name: str) -> int:
    raw = values[name].strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"'{name}' not a positive integer, was {values[name]!r}")
    return int(raw)


def _clock(values: dict[str, str], name: str) -> clock_time:
    try:
        return datetime.strptime(values[name].strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(f"'{name}' not a time HH:MM (IST), was {values[name]!r}") from None


def _day(values: dict[str, str], name: str) -> date | None:
    raw = values[name].strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"'{name}' not a date YYYY-MM-DD, was {values[name]!r}") from None
