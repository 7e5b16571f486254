"""Generate SYNTHETIC daily bars for 30 NSE large caps in Lean's India equity daily format.

Not real market prices: seeded geometric Brownian motion on each symbol's tick grid. Writes
``<out>/instruments.csv`` and ``<out>/equity/india/daily/<lean_ticker>.zip`` (one
``<lean_ticker>.csv`` inside, rows ``yyyyMMdd HH:mm,Open,High,Low,Close,Volume``, prices in
rupees x 10000), and ``<out>/corporate_actions/CF-CA-synthetic-sample.csv`` (synthetic
actions in the layout of NSE's corporate-actions file). The same arguments always give
byte-identical files.

    python scripts/generate_sample_data.py [--out data] [--seed 20241001] [--start ...] [--end ...]
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np

from bridge_api.calendar import sessions
from bridge_api.market.lean_writer import lean_daily_csv, lean_daily_zip
from bridge_api.market.loader import DailyBar

DEFAULT_SEED = 20241001
DEFAULT_START = date(2024, 10, 1)
DEFAULT_END = date(2026, 11, 20)
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data"

EXCHANGE = "NSE"
LOT_SIZE = 1
MAX_ORDER_QUANTITY = 100_000
TRADING_DAYS_PER_YEAR = 252


# NSE tick size by price band (from 15 Apr 2025), in paise: (band upper bound in rupees, tick).
TICK_BANDS = ((250, 1), (1_000, 5), (5_000, 10), (10_000, 50), (20_000, 100))
TOP_TICK = 500


@dataclass(frozen=True)
class Instrument:
    """One symbol of the sample universe and its synthetic-price parameters."""

    symbol: str
    name: str
    start_price: Decimal  # rupees
    drift: float  # annual
    volatility: float  # annual
    base_volume: int  # shares a day

    @property
    def lean_ticker(self) -> str:
        """Lower-case file name: every character outside ``[a-z0-9]`` becomes ``_``."""
        return re.sub(r"[^a-z0-9]", "_", self.symbol.lower())

    @property
    def tick_paise(self) -> int:
        """Tick of the starting price's band, used for the whole history."""
        return tick_paise(self.start_price)


UNIVERSE = (
    Instrument("RELIANCE", "Reliance Industries Ltd", Decimal("1420.50"), 0.10, 0.22, 9_000_000),
    Instrument("TCS", "Tata Consultancy Services Ltd", Decimal("4215.30"), 0.08, 0.20, 1_800_000),
    Instrument("HDFCBANK", "HDFC Bank Ltd", Decimal("1728.40"), 0.11, 0.19, 12_000_000),
    Instrument("INFY", "Infosys Ltd", Decimal("1874.60"), 0.09, 0.23, 6_000_000),
    Instrument("ICICIBANK", "ICICI Bank Ltd", Decimal("1286.90"), 0.13, 0.20, 11_000_000),
    Instrument("HINDUNILVR", "Hindustan Unilever Ltd", Decimal("2912.70"), 0.05, 0.18, 1_500_000),
    Instrument("ITC", "ITC Ltd", Decimal("507.35"), 0.07, 0.19, 12_000_000),
    Instrument("SBIN", "State Bank of India", Decimal("796.15"), 0.12, 0.25, 14_000_000),
    Instrument("BHARTIARTL", "Bharti Airtel Ltd", Decimal("1712.80"), 0.14, 0.21, 6_000_000),
    Instrument("KOTAKBANK", "Kotak Mahindra Bank Ltd", Decimal("1862.20"), 0.08, 0.21, 4_000_000),
    Instrument("LT", "Larsen & Toubro Ltd", Decimal("3648.90"), 0.12, 0.22, 2_000_000),
    Instrument("AXISBANK", "Axis Bank Ltd", Decimal("1231.45"), 0.10, 0.24, 7_000_000),
    Instrument("ASIANPAINT", "Asian Paints Ltd", Decimal("3098.60"), 0.03, 0.21, 1_200_000),
    Instrument("MARUTI", "Maruti Suzuki India Ltd", Decimal("12785"), 0.09, 0.22, 450_000),
    Instrument(
        "SUNPHARMA", "Sun Pharmaceutical Industries Ltd", Decimal("1868.30"), 0.12, 0.20, 2_500_000
    ),
    Instrument("TITAN", "Titan Company Ltd", Decimal("3702.10"), 0.10, 0.23, 1_100_000),
    Instrument("ULTRACEMCO", "UltraTech Cement Ltd", Decimal("11426"), 0.09, 0.21, 420_000),
    Instrument("BAJFINANCE", "Bajaj Finance Ltd", Decimal("7315.50"), 0.13, 0.28, 1_000_000),
    Instrument("NESTLEIND", "Nestle India Ltd", Decimal("2548.40"), 0.05, 0.17, 900_000),
    Instrument("WIPRO", "Wipro Ltd", Decimal("531.65"), 0.06, 0.24, 8_000_000),
    Instrument("HCLTECH", "HCL Technologies Ltd", Decimal("1796.20"), 0.10, 0.22, 3_000_000),
    Instrument("TECHM", "Tech Mahindra Ltd", Decimal("1648.70"), 0.09, 0.26, 2_500_000),
    Instrument(
        "POWERGRID",
        "Power Grid Corporation of India Ltd",
        Decimal("336.45"),
        0.09,
        0.23,
        14_000_000,
    ),
    Instrument("NTPC", "NTPC Ltd", Decimal("418.80"), 0.10, 0.24, 13_000_000),
    Instrument(
        "ONGC", "Oil and Natural Gas Corporation Ltd", Decimal("294.35"), 0.06, 0.28, 15_000_000
    ),
    Instrument("TATASTEEL", "Tata Steel Ltd", Decimal("164.27"), 0.07, 0.30, 30_000_000),
    Instrument("JSWSTEEL", "JSW Steel Ltd", Decimal("987.55"), 0.08, 0.29, 3_000_000),
    Instrument(
        "ADANIPORTS",
        "Adani Ports and Special Economic Zone Ltd",
        Decimal("1452.60"),
        0.12,
        0.33,
        3_500_000,
    ),
    Instrument("M&M", "Mahindra & Mahindra Ltd", Decimal("3154.90"), 0.15, 0.26, 2_500_000),
    Instrument("COALINDIA", "Coal India Ltd", Decimal("498.70"), 0.07, 0.27, 9_000_000),
)


def tick_paise(price: Decimal) -> int:
    """NSE tick, in paise, for a price in rupees."""
    for upper, tick in TICK_BANDS:
        if price < upper:
            return tick
    return TOP_TICK


def trading_days(start: date, end: date) -> list[date]:
    """NSE's sessions from `start` to `end` inclusive (the exchange calendar Saras trades on)."""
    return sessions(start, end)


def on_tick(paise: float, tick: int) -> int:
    """`paise` rounded to the nearest multiple of `tick`, never below one tick."""
    return max(tick, round(paise / tick) * tick)


def bars(
    instrument: Instrument, days: int, rng: np.random.Generator
) -> list[tuple[int, int, int, int, int]]:
    """`days` daily (open, high, low, close, volume) bars, prices in integer paise on the tick.

    Each close is the previous close moved by one GBM step and rounded to the tick, so
    rounding never accumulates; the open is the previous close moved by a small overnight gap.
    """
    tick = instrument.tick_paise
    step = instrument.volatility / math.sqrt(TRADING_DAYS_PER_YEAR)
    mean = (instrument.drift - instrument.volatility**2 / 2) / TRADING_DAYS_PER_YEAR
    returns = rng.normal(mean, step, days)
    gaps = rng.normal(0.0, 0.3 * step, days)
    wicks = np.abs(rng.normal(0.0, 0.5 * step, (days, 2)))
    activity = np.clip(rng.lognormal(0.0, 0.35, days), 0.4, 3.0)
    close = on_tick(float(instrument.start_price * 100), tick)
    rows = []
    for i in range(days):
        ret = float(returns[i])
        open_ = on_tick(close * math.exp(float(gaps[i])), tick)
        close = on_tick(close * math.exp(ret), tick)
        top, bottom = max(open_, close), min(open_, close)
        high = top + math.floor(top * math.expm1(float(wicks[i, 0])) / tick) * tick
        low = max(
            tick, bottom - math.floor(bottom * -math.expm1(-float(wicks[i, 1])) / tick) * tick
        )
        surprise = 0.6 + 0.5 * abs(ret - mean) / step  # busier on big moves, about 1 on average
        volume = max(1, round(instrument.base_volume * float(activity[i]) * surprise))
        rows.append((open_, high, low, close, volume))
    return rows


def bar_csv(days: list[date], rows: list[tuple[int, int, int, int, int]]) -> str:
    """Lean daily CSV text: ``yyyyMMdd 00:00,O,H,L,C,V`` with prices in rupees x 10000."""
    return lean_daily_csv(
        DailyBar(day, *(Decimal(paise).scaleb(-2) for paise in prices), volume)
        for day, (*prices, volume) in zip(days, rows, strict=True)
    )


def write_zip(path: Path, member: str, text: str) -> None:
    """A one-member zip, byte-reproducible (Lean's writer in the bridge makes it)."""
    path.write_bytes(lean_daily_zip(member, text))


def instruments_csv() -> str:
    """The instruments list, one row per symbol of the universe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ("symbol", "name", "exchange", "tick_size", "lot_size", "max_order_quantity", "lean_ticker")
    )
    for item in UNIVERSE:
        tick = Decimal(item.tick_paise).scaleb(-2)
        writer.writerow(
            (
                item.symbol,
                item.name,
                EXCHANGE,
                f"{tick:f}",
                LOT_SIZE,
                MAX_ORDER_QUANTITY,
                item.lean_ticker,
            )
        )
    return buffer.getvalue()


CORPORATE_ACTIONS = (
    (
        "SYMBOL",
        "COMPANY NAME",
        "SERIES",
        "PURPOSE",
        "FACE VALUE",
        "EX-DATE",
        "RECORD DATE",
        "BOOK CLOSURE START DATE",
        "BOOK CLOSURE END DATE",
    ),
    (
        "ITC",
        "ITC Limited",
        "EQ",
        "Interim Dividend - Rs 6.25 Per Share",
        "1",
        "19-Nov-2026",
        "19-Nov-2026",
        "-",
        "-",
    ),
    (
        "TCS",
        "Tata Consultancy Services Limited",
        "EQ",
        "Dividend - Rs 10 Per Share/Special Dividend - Rs 66 Per Share",
        "1",
        "19-Nov-2026",
        "19-Nov-2026",
        "-",
        "-",
    ),
    (
        "INFY",
        "Infosys Limited",
        "EQ",
        "Face Value Split (Sub-Division) - From Rs 5/- Per Share To Re 1/- Per Share",
        "5",
        "19-Nov-2026",
        "19-Nov-2026",
        "-",
        "-",
    ),
    (
        "WIPRO",
        "Wipro Limited",
        "EQ",
        "Bonus 1:3",
        "2",
        "19-Nov-2026",
        "19-Nov-2026",
        "-",
        "-",
    ),
    (
        "HDFCBANK",
        "HDFC Bank Limited",
        "EQ",
        "Annual General Meeting",
        "1",
        "19-Nov-2026",
        "-",
        "-",
        "-",
    ),
    (
        "RELIANCE",
        "Reliance Industries Limited",
        "EQ",
        "Rights 1:15 @ Premium Rs 1247/-",
        "10",
        "19-Nov-2026",
        "19-Nov-2026",
        "-",
        "-",
    ),
    (
        "ZZNOTLISTED",
        "Not In The Sample Limited",
        "EQ",
        "Dividend - Re 0.70 Per Share",
        "1",
        "19-Nov-2026",
        "19-Nov-2026",
        "-",
        "-",
    ),
)
"""Synthetic corporate actions in the layout of NSE's download (none of them happened):
the header, then one row per action."""


def corporate_actions_csv() -> str:
    """The synthetic corporate-actions file, every field quoted as NSE's download quotes it."""
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(CORPORATE_ACTIONS)
    return buffer.getvalue()


def generate(
    out: Path, seed: int = DEFAULT_SEED, start: date = DEFAULT_START, end: date = DEFAULT_END
) -> list[date]:
    """Write the instruments list and every symbol's daily zip under `out`; return the days."""
    days = trading_days(start, end)
    if not days:
        raise ValueError(f"no trading days from {start} to {end}")
    daily = out / "equity" / "india" / "daily"
    daily.mkdir(parents=True, exist_ok=True)
    (out / "instruments.csv").write_text(instruments_csv(), encoding="ascii", newline="")
    actions = out / "corporate_actions"
    actions.mkdir(exist_ok=True)
    (actions / "CF-CA-synthetic-sample.csv").write_text(
        corporate_actions_csv(), encoding="ascii", newline=""
    )
    rng = np.random.default_rng(seed)
    for item in UNIVERSE:
        text = bar_csv(days, bars(item, len(days), rng))
        write_zip(daily / f"{item.lean_ticker}.zip", f"{item.lean_ticker}.csv", text)
    return days


def main(argv: list[str] | None = None) -> None:
    """Command line: parse the options and generate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="numpy seed")
    parser.add_argument(
        "--start", type=date.fromisoformat, default=DEFAULT_START, help="first day, YYYY-MM-DD"
    )
    parser.add_argument(
        "--end", type=date.fromisoformat, default=DEFAULT_END, help="last day, YYYY-MM-DD"
    )
    args = parser.parse_args(argv)
    days = generate(args.out, args.seed, args.start, args.end)
    print(f"{len(UNIVERSE)} symbols x {len(days)} days ({days[0]} to {days[-1]}) in {args.out}")


if __name__ == "__main__":
    main()
