"""The fake's market: NSE equities listed with their tick, lot, last price and circuit limits,
quotes, the instruments dump, and daily candles for the historical API."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from bridge_api.brokers.fake_kite.wire import input_error, moment_field

INSTRUMENT_COLUMNS = [
    "instrument_token",
    "exchange_token",
    "tradingsymbol",
    "name",
    "last_price",
    "expiry",
    "strike",
    "tick_size",
    "lot_size",
    "instrument_type",
    "segment",
    "exchange",
]
MAX_QUOTE_INSTRUMENTS = {"quote": 500, "ohlc": 1000, "ltp": 1000}
HISTORICAL_MAX_DAYS = {
    "minute": 60,
    "3minute": 100,
    "5minute": 100,
    "10minute": 100,
    "15minute": 200,
    "30minute": 200,
    "60minute": 400,
    "day": 2000,
}
Candle = tuple[Decimal, Decimal, Decimal, Decimal, int]


@dataclass
class Instrument:
    """One listed NSE equity and its day so far."""

    symbol: str
    token: int
    name: str
    tick: Decimal
    lot: int
    band: Decimal
    price: Decimal
    close: Decimal = Decimal(0)
    open: Decimal = Decimal(0)
    high: Decimal = Decimal(0)
    low: Decimal = Decimal(0)
    lower: Decimal = Decimal(0)
    upper: Decimal = Decimal(0)
    volume: int = 0
    candles: dict[date, Candle] = field(default_factory=dict)

    def new_day(self) -> None:
        """A new session: the last price is the close, circuits re-centred on it."""
        self.close = self.open = self.high = self.low = self.price
        self.volume = 0
        self.lower = on_tick(self.close * (1 - self.band), self.tick, ROUND_CEILING)
        self.upper = on_tick(self.close * (1 + self.band), self.tick, ROUND_FLOOR)

    def price_problem(self, price: Decimal) -> str | None:
        """Why a limit price would be refused (off the tick, outside the circuits), if it is."""
        if price <= 0 or price % self.tick:
            return (
                f"Tick size for this script is {self.tick}. Kindly enter price in the "
                "multiple of tick size for this script"
            )
        if price > self.upper:
            return (
                f"Your order price is higher than the current upper circuit limit of "
                f"{self.upper}. Place an order within the daily range."
            )
        if price < self.lower:
            return (
                f"Your order price is lower than the current lower circuit limit of "
                f"{self.lower}. Place an order within the daily range."
            )
        return None


def on_tick(value: Decimal, tick: Decimal, rounding: str) -> Decimal:
    """`value` rounded to a multiple of `tick`."""
    return (value / tick).to_integral_value(rounding) * tick


class Market:
    """Every listed instrument, by symbol and by token."""

    def __init__(self) -> None:
        self.instruments: dict[str, Instrument] = {}
        self._by_token: dict[int, Instrument] = {}
        self.other_series: dict[str, tuple[int, str]] = {}
        """Rows of other series in the dump only (symbol: token, name), not tradable here."""

    def list_instrument(
        self,
        symbol: str,
        *,
        token: int,
        price: Decimal,
        tick_size: Decimal,
        lot_size: int,
        name: str,
        band: Decimal,
    ) -> None:
        """List (or re-list) an NSE equity; circuits are ``price × (1 ± band)`` on the tick."""
        old = self.instruments.get(symbol)
        if old is not None:
            del self._by_token[old.token]
        instrument = Instrument(
            symbol, token, name or symbol, tick_size, lot_size, band, Decimal(price)
        )
        instrument.new_day()
        if old is not None:
            instrument.candles, instrument.volume = old.candles, old.volume
        self.instruments[symbol] = instrument
        self._by_token[token] = instrument

    def delist(self, symbol: str) -> None:
        """Take a symbol off the market (suspended, renamed, delisted): no quote, no orders."""
        instrument = self.get(symbol)
        del self.instruments[symbol]
        del self._by_token[instrument.token]

    def set_price(self, symbol: str, price: Decimal) -> None:
        """Move the last traded price (within the day's circuit limits, else `ValueError`)."""
        instrument = self.get(symbol)
        price = Decimal(price)
        if not instrument.lower <= price <= instrument.upper:
            raise ValueError(
                f"{symbol} {price} is outside its circuit limits "
                f"{instrument.lower}-{instrument.upper}; re-list it to move the band"
            )
        instrument.price = price
        instrument.high = max(instrument.high, price)
        instrument.low = min(instrument.low, price)

    def add_candles(
        self, symbol: str, rows: Iterable[tuple[date, Decimal, Decimal, Decimal, Decimal, int]]
    ) -> None:
        """Add daily candles (date, open, high, low, close, volume) for historical data."""
        instrument = self.get(symbol)
        for day, o, h, low, c, v in rows:
            instrument.candles[day] = (Decimal(o), Decimal(h), Decimal(low), Decimal(c), v)

    def new_day(self) -> None:
        """Every instrument starts a new session."""
        for instrument in self.instruments.values():
            instrument.new_day()

    def get(self, symbol: str) -> Instrument:
        """A listed instrument (`KeyError` for the test that forgot to list it)."""
        instrument = self.instruments.get(symbol)
        if instrument is None:
            raise KeyError(f"{symbol} is not listed: call list_instrument first")
        return instrument

    def lookup(self, key: str) -> Instrument | None:
        """An instrument by ``NSE:SYMBOL`` or by token (None if unknown)."""
        if key.isdigit():
            return self._by_token.get(int(key))
        exchange, _, symbol = key.partition(":")
        return self.instruments.get(symbol) if exchange == "NSE" else None

    def instruments_csv(self, exchange: str | None) -> str:
        """``GET /instruments[/{exchange}]``: the instrument dump as CSV."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(INSTRUMENT_COLUMNS)
        if exchange in (None, "NSE"):
            for i in self.instruments.values():
                row = (i.token, i.token // 256, i.symbol, i.name, float(i.close), "", 0.0)
                writer.writerow((*row, i.tick, i.lot, "EQ", "NSE", "NSE"))
            for symbol, (token, name) in self.other_series.items():
                other = (token, token // 256, symbol, name, 0.0, "", 0.0, "0.01", 1)
                writer.writerow((*other, "EQ", "NSE", "NSE"))  # as Kite types BE, BL, GB rows
        return out.getvalue()

    def quote(self, kind: str, keys: list[str], stamp: str) -> dict[str, Any]:
        """``GET /quote``, ``/quote/ohlc`` or ``/quote/ltp`` (unknown instruments are absent)."""
        limit = MAX_QUOTE_INSTRUMENTS[kind]
        if len(keys) > limit:
            raise input_error(f"Maximum of {limit} instruments allowed per request.")
        found: dict[str, Any] = {}
        for key in keys:
            instrument = self.lookup(key)
            if instrument is not None:
                found[key] = _quote_row(instrument, kind, stamp)
        return found

    def historical(self, token: str, interval: str, query: Mapping[str, str]) -> dict[str, Any]:
        """``GET /instruments/historical/{token}/{interval}``: daily candles from `add_candles`."""
        if interval not in HISTORICAL_MAX_DAYS:
            raise input_error("Invalid interval.")
        start, end = moment_field(query.get("from"), "from"), moment_field(query.get("to"), "to")
        if end < start:
            raise input_error("Invalid `to` date: earlier than `from`.")
        limit = HISTORICAL_MAX_DAYS[interval]
        if (end - start).days > limit:
            raise input_error(f"interval exceeds max limit: {limit} days")
        instrument = self._by_token.get(int(token)) if token.isdigit() else None
        if instrument is None:
            raise input_error("invalid token")
        candles = []
        if interval == "day":
            for day in sorted(instrument.candles):
                if start.date() <= day <= end.date():
                    o, h, low, c, v = instrument.candles[day]
                    candles.append([f"{day.isoformat()}T00:00:00+0530", o, h, low, c, v])
        return {"candles": candles}


def _quote_row(instrument: Instrument, kind: str, stamp: str) -> dict[str, Any]:
    row: dict[str, Any] = {"instrument_token": instrument.token, "last_price": instrument.price}
    ohlc = {
        "open": instrument.open,
        "high": instrument.high,
        "low": instrument.low,
        "close": instrument.close,
    }
    if kind in ("quote", "ohlc"):
        row["ohlc"] = ohlc
    if kind == "quote":
        empty = [{"price": Decimal(0), "quantity": 0, "orders": 0}] * 5
        row.update(
            timestamp=stamp,
            last_trade_time=stamp,
            last_quantity=0,
            buy_quantity=0,
            sell_quantity=0,
            volume=instrument.volume,
            average_price=instrument.price,
            oi=0,
            oi_day_high=0,
            oi_day_low=0,
            net_change=instrument.price - instrument.close,
            lower_circuit_limit=instrument.lower,
            upper_circuit_limit=instrument.upper,
            depth={"buy": [dict(d) for d in empty], "sell": [dict(d) for d in empty]},
        )
    return row
