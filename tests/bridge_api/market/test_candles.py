"""Daily candles from the fake Kite server into the bars table and the Lean zips."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from kiteconnect import KiteConnect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bridge_api.brokers.fake_kite import FakeKite
from bridge_api.brokers.kite.throttle import Throttle
from bridge_api.config import REPOSITORY
from bridge_api.db.models import Bar, Instrument
from bridge_api.market.candles import (
    MAX_DAYS_PER_REQUEST,
    FetchInterrupted,
    KiteSessionExpired,
    fetch_daily,
)
from bridge_api.market.instruments import sync_instruments
from bridge_api.market.loader import DailyBar, read_lean_daily
from saras.cli.data import app as data_app

API_KEY, API_SECRET = "test_key", "test_secret"
SAMPLE_DATA = REPOSITORY / "data"
LAST_SAMPLE_DAY = date(2026, 11, 20)  # a Friday: the sample bars' last day
with (SAMPLE_DATA / "instruments.csv").open(newline="") as handle:
    SAMPLE = {row["symbol"]: row for row in csv.DictReader(handle)}
TOKENS = {symbol: (number + 1) * 256 + 9 for number, symbol in enumerate(sorted(SAMPLE))}
Candle = tuple[date, Decimal, Decimal, Decimal, Decimal, int]


def weekdays(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def candles(days: list[date], base: str = "100.00") -> list[Candle]:
    price = Decimal(base)
    return [
        (day, price + n, price + n + 2, price + n - 1, price + n + Decimal("0.5"), 1000 + n)
        for n, day in enumerate(days)
    ]


def historical_requests(fake: FakeKite, symbol: str | None = None) -> int:
    prefix = "/instruments/historical/" + (f"{TOKENS[symbol]}/" if symbol else "")
    return sum(1 for _method, path in fake.requests if path.startswith(prefix))


def stored(session: Session, symbol: str, after: date = date.min) -> list[DailyBar]:
    rows = session.scalars(
        select(Bar).where(Bar.symbol == symbol, Bar.day > after).order_by(Bar.day)
    ).all()
    return [DailyBar(r.day, r.open, r.high, r.low, r.close, r.volume) for r in rows]


def zip_of(data_dir: Path, ticker: str) -> Path:
    return data_dir / "equity" / "india" / "daily" / f"{ticker}.zip"


@pytest.fixture
def fake() -> Iterator[FakeKite]:
    with FakeKite(api_key=API_KEY, api_secret=API_SECRET) as server:
        for symbol, row in SAMPLE.items():
            server.list_instrument(
                symbol,
                token=TOKENS[symbol],
                price=Decimal(100),
                tick_size=Decimal(row["tick_size"]),
                name=row["name"],
            )
        yield server


@pytest.fixture
def kite(fake: FakeKite, session: Session) -> KiteConnect:
    """A logged-in client; the sample instruments have their Kite tokens."""
    client = KiteConnect(API_KEY, root=fake.url, timeout=5)
    client.generate_session(fake.issue_request_token(), api_secret=API_SECRET)
    sync_instruments(session, client)
    return client


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the sample Lean files (the sample bars are in the database)."""
    shutil.copytree(SAMPLE_DATA / "equity", tmp_path / "equity")
    return tmp_path


def test_a_symbol_that_is_up_to_date_requests_nothing(
    session: Session, fake: FakeKite, kite: KiteConnect, data_dir: Path
) -> None:
    fake.add_candles("INFY", candles(weekdays(date(2026, 11, 2), LAST_SAMPLE_DAY)))
    before = zip_of(data_dir, "infy").read_bytes()

    result = fetch_daily(
        session,
        kite,
        symbols=["INFY"],
        start=date(2024, 1, 1),
        end=LAST_SAMPLE_DAY,
        data_dir=data_dir,
    )

    assert (result.added, result.requests) == ({"INFY": 0}, 0)
    assert historical_requests(fake) == 0
    assert zip_of(data_dir, "infy").read_bytes() == before


def test_only_the_missing_days_are_requested_and_stored_in_both_places(
    session: Session, fake: FakeKite, kite: KiteConnect, data_dir: Path
) -> None:
    old_zip = read_lean_daily(zip_of(data_dir, "m_m"))
    old_bars = stored(session, "M&M")
    # Kite also has (different) candles for days already stored: they must not be asked for.
    fake.add_candles("M&M", candles(weekdays(date(2026, 11, 2), LAST_SAMPLE_DAY), "1.00"))
    new_days = weekdays(LAST_SAMPLE_DAY + timedelta(days=1), date(2026, 11, 27))
    fake.add_candles("M&M", candles(new_days, "3200.00"))

    result = fetch_daily(
        session,
        kite,
        symbols=["M&M"],
        start=date(2020, 1, 1),
        end=date(2026, 11, 27),
        data_dir=data_dir,
    )

    assert (result.added, result.bars, result.requests) == ({"M&M": 5}, 5, 1)
    assert historical_requests(fake, "M&M") == 1
    added = stored(session, "M&M", after=LAST_SAMPLE_DAY)
    assert [b.day for b in added] == new_days
    assert added[0] == DailyBar(
        new_days[0],
        Decimal("3200.00"),
        Decimal("3202.00"),
        Decimal("3199.00"),
        Decimal("3200.50"),
        1000,
    )
    assert stored(session, "M&M") == old_bars + added
    assert read_lean_daily(zip_of(data_dir, "m_m")) == old_zip + added

    again = fetch_daily(
        session,
        kite,
        symbols=["M&M"],
        start=date(2020, 1, 1),
        end=date(2026, 11, 27),
        data_dir=data_dir,
    )

    assert (again.added, again.requests) == ({"M&M": 0}, 0)
    assert historical_requests(fake, "M&M") == 1


def test_wire_floats_become_paise_rounded_half_up(
    session: Session, fake: FakeKite, kite: KiteConnect, data_dir: Path
) -> None:
    day = date(2026, 11, 23)
    fake.add_candles(
        "ITC",
        [(day, Decimal("410.005"), Decimal("412.115"), Decimal("409.995"), Decimal("0.1"), 77)],
    )

    fetch_daily(session, kite, symbols=["ITC"], start=day, end=day, data_dir=data_dir)

    expected = DailyBar(
        day, Decimal("410.01"), Decimal("412.12"), Decimal("410.00"), Decimal("0.10"), 77
    )
    assert stored(session, "ITC", after=LAST_SAMPLE_DAY) == [expected]
    assert read_lean_daily(zip_of(data_dir, "itc"))[-1] == expected


def test_a_long_history_is_asked_for_in_spans_of_at_most_2000_days(
    session: Session, fake: FakeKite, kite: KiteConnect, data_dir: Path
) -> None:
    fake.list_instrument("OLDCO", token=5_000_001, price=Decimal(100), name="Old Co Ltd")
    sync_instruments(session, kite)
    first, last = date(2013, 1, 1), date(2024, 6, 30)
    days = weekdays(first, last)
    fake.add_candles("OLDCO", candles(days))
    span = (last - first).days + 1

    result = fetch_daily(session, kite, symbols=["OLDCO"], start=first, end=last, data_dir=data_dir)

    assert span > 2 * MAX_DAYS_PER_REQUEST
    assert result.requests == -(-span // MAX_DAYS_PER_REQUEST) == 3
    assert result.added == {"OLDCO": len(days)}
    bars = stored(session, "OLDCO")
    assert [b.day for b in bars] == days
    assert read_lean_daily(zip_of(data_dir, "oldco")) == bars


def test_many_symbols_at_the_real_rate_limit_are_never_throttled(
    session: Session, fake: FakeKite, kite: KiteConnect, data_dir: Path
) -> None:
    new_days = weekdays(date(2026, 11, 23), date(2026, 11, 27))
    for symbol in SAMPLE:
        fake.add_candles(symbol, candles(new_days))
    seen: list[tuple[str, int, int]] = []

    result = fetch_daily(
        session,
        kite,
        symbols=None,  # every tracked symbol: the sample ones all have bars
        start=date(2026, 1, 1),
        end=date(2026, 11, 27),
        data_dir=data_dir,
        progress=lambda symbol, done, total: seen.append((symbol, done, total)),
    )

    assert fake.throttled == 0
    assert historical_requests(fake) == result.requests == len(SAMPLE)
    assert result.added == dict.fromkeys(sorted(SAMPLE), 5)
    assert seen == [(s, n, len(SAMPLE)) for n, s in enumerate(sorted(SAMPLE), start=1)]
    for symbol, row in SAMPLE.items():
        in_table = stored(session, symbol, after=LAST_SAMPLE_DAY)
        assert [b.day for b in in_table] == new_days
        assert read_lean_daily(zip_of(data_dir, row["lean_ticker"]))[-5:] == in_table


def test_a_429_is_retried_and_nothing_is_lost(
    session: Session, fake: FakeKite, kite: KiteConnect, data_dir: Path
) -> None:
    day = date(2026, 11, 23)
    fake.add_candles("TCS", candles([day]))
    fake.throttle_next = 2

    result = fetch_daily(
        session,
        kite,
        symbols=["TCS"],
        start=day,
        end=day,
        data_dir=data_dir,
        throttle=Throttle(1000),
    )

    assert fake.throttled == 2
    assert historical_requests(fake, "TCS") == 3
    assert result.added == {"TCS": 1}


def test_a_token_expiring_mid_run_keeps_the_symbols_already_fetched(
    session: Session, fake: FakeKite, kite: KiteConnect, data_dir: Path
) -> None:
    symbols = ["HDFCBANK", "INFY", "TCS", "WIPRO"]
    new_days = weekdays(date(2026, 11, 23), date(2026, 11, 25))
    for symbol in symbols:
        fake.add_candles(symbol, candles(new_days))
    untouched = {s: zip_of(data_dir, SAMPLE[s]["lean_ticker"]).read_bytes() for s in symbols}

    def expire_after_two(symbol: str, done: int, total: int) -> None:
        if done == 2:
            fake.expire_sessions()

    with pytest.raises(KiteSessionExpired, match="2 of 4 symbols saved") as raised:
        fetch_daily(
            session,
            kite,
            symbols=symbols,
            start=date(2026, 1, 1),
            end=date(2026, 11, 25),
            data_dir=data_dir,
            progress=expire_after_two,
        )

    assert raised.value.result.added == {"HDFCBANK": 3, "INFY": 3}
    session.rollback()  # only what fetch_daily committed survives
    for symbol in symbols[:2]:
        in_table = stored(session, symbol, after=LAST_SAMPLE_DAY)
        assert [b.day for b in in_table] == new_days
        assert read_lean_daily(zip_of(data_dir, SAMPLE[symbol]["lean_ticker"]))[-3:] == in_table
    for symbol in symbols[2:]:
        assert stored(session, symbol, after=LAST_SAMPLE_DAY) == []
        assert zip_of(data_dir, SAMPLE[symbol]["lean_ticker"]).read_bytes() == untouched[symbol]


def test_unknown_symbols_and_symbols_without_a_token_are_refused_before_any_request(
    session: Session, fake: FakeKite, kite: KiteConnect, data_dir: Path
) -> None:
    with pytest.raises(ValueError, match="unknown symbols: NOSUCH"):
        fetch_daily(
            session,
            kite,
            symbols=["INFY", "NOSUCH"],
            start=date(2026, 1, 1),
            end=date(2026, 11, 27),
            data_dir=data_dir,
        )
    session.add(Instrument(symbol="NOTOKEN", name="No Token", tick_size=Decimal("0.05")))
    session.flush()
    with pytest.raises(ValueError, match="no Kite instrument token for NOTOKEN"):
        fetch_daily(
            session,
            kite,
            symbols=["NOTOKEN"],
            start=date(2026, 1, 1),
            end=date(2026, 11, 27),
            data_dir=data_dir,
        )
    assert historical_requests(fake) == 0


def test_a_failing_kite_interrupts_with_what_was_saved(
    session: Session, fake: FakeKite, kite: KiteConnect, data_dir: Path
) -> None:
    fake.list_instrument("GHOST", token=6_000_001, price=Decimal(100))
    sync_instruments(session, kite)
    fake.list_instrument("GHOST", token=6_000_002, price=Decimal(100))  # old token now invalid

    with pytest.raises(FetchInterrupted, match="GHOST") as raised:
        fetch_daily(
            session,
            kite,
            symbols=["GHOST"],
            start=date(2026, 11, 23),
            end=date(2026, 11, 27),
            data_dir=data_dir,
        )

    assert not isinstance(raised.value, KiteSessionExpired)
    assert raised.value.result.added == {}


def test_the_fetch_command_refuses_bad_dates_with_exit_2() -> None:
    runner = CliRunner()

    bad = runner.invoke(data_app, ["fetch", "--from", "2026-13-01"])
    backwards = runner.invoke(data_app, ["fetch", "--from", "2026-11-27", "--to", "2026-11-01"])

    assert (bad.exit_code, bad.stdout) == (2, "")
    assert bad.stderr.strip().splitlines() == [
        "saras data fetch: --from: not a date (YYYY-MM-DD): '2026-13-01'"
    ]
    assert backwards.exit_code == 2
    assert "is after --to" in backwards.stderr


def test_the_fetch_command_without_a_kite_login_exits_3(engine: Engine, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        data_app, ["fetch", "--from", "2026-01-01", "--data-dir", str(tmp_path)]
    )

    assert result.exit_code == 3, result.output
    assert "saras data fetch:" in result.stderr


def test_real_candles_are_never_merged_into_the_synthetic_sample(engine: Engine) -> None:
    before = {p: p.read_bytes() for p in (REPOSITORY / "data").rglob("*.zip")}

    result = CliRunner().invoke(data_app, ["fetch", "--from", "2026-01-01"])

    assert result.exit_code == 2
    assert "synthetic sample" in result.stderr
    assert {p: p.read_bytes() for p in (REPOSITORY / "data").rglob("*.zip")} == before


def test_the_fetch_command_fetches_and_summarises(
    session: Session,
    fake: FakeKite,
    kite: KiteConnect,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    @contextmanager
    def test_session() -> Iterator[Session]:
        yield session

    monkeypatch.setattr("bridge_api.db.migrate.upgrade", lambda url=None: None)
    monkeypatch.setattr("bridge_api.db.session.unit_of_work", test_session)
    monkeypatch.setattr("bridge_api.brokers.kite.sessions.connected_client", lambda db: kite)
    fake.add_candles("INFY", candles(weekdays(date(2026, 11, 23), date(2026, 11, 27))))
    fake.add_candles("TCS", candles(weekdays(date(2026, 11, 23), date(2026, 11, 24))))

    result = CliRunner().invoke(
        data_app,
        [
            "fetch",
            "--from",
            "2026-01-01",
            "--to",
            "2026-11-27",
            "--symbol",
            "infy",
            "--symbol",
            "TCS",
            "--symbol",
            "WIPRO",
            "--data-dir",
            str(data_dir),
        ],
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        f"7 new bars for 2 of 3 symbols up to 2026-11-27 in 3 requests; Lean files in {data_dir}"
    )
    assert len(stored(session, "INFY", after=LAST_SAMPLE_DAY)) == 5
