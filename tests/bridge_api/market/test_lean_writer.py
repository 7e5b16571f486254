"""The Lean daily writer: byte-identical to the sample data, and a merge where new bars win."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge_api.config import REPOSITORY
from bridge_api.market.lean_writer import write_lean_daily
from bridge_api.market.loader import DailyBar, read_lean_daily

SAMPLE = REPOSITORY / "data" / "equity" / "india" / "daily"


def bar(day: date, close: str = "100.00", volume: int = 10) -> DailyBar:
    price = Decimal(close)
    return DailyBar(day, price, price + 1, price - 1, price, volume)


@pytest.mark.parametrize("ticker", ["m_m", "reliance", "tatasteel"])
def test_rewriting_a_sample_file_gives_the_same_bytes(tmp_path: Path, ticker: str) -> None:
    sample = SAMPLE / f"{ticker}.zip"
    target = tmp_path / f"{ticker}.zip"

    assert write_lean_daily(target, read_lean_daily(sample)) == len(read_lean_daily(sample))

    assert target.read_bytes() == sample.read_bytes()


def test_merging_the_file_into_itself_adds_nothing_and_leaves_it_alone(tmp_path: Path) -> None:
    target = tmp_path / "infy.zip"
    shutil.copy(SAMPLE / "infy.zip", target)
    before = target.stat().st_mtime_ns

    assert write_lean_daily(target, read_lean_daily(target)) == 0

    assert target.stat().st_mtime_ns == before
    assert target.read_bytes() == (SAMPLE / "infy.zip").read_bytes()


def test_new_days_are_appended_and_a_new_bar_replaces_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "tcs.zip"
    shutil.copy(SAMPLE / "tcs.zip", target)
    old = read_lean_daily(target)
    last = old[-1].day
    replacement = bar(last, "4000.05", 7)
    later = [bar(last + timedelta(days=3), "4001.10"), bar(last + timedelta(days=4), "4002")]

    assert write_lean_daily(target, [later[1], replacement, later[0]]) == 2

    assert read_lean_daily(target) == [*old[:-1], replacement, *later]
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == ["tcs.csv"]
        assert archive.read("tcs.csv").decode().splitlines()[-3:] == [
            f"{last:%Y%m%d} 00:00,40000500,40010500,39990500,40000500,7",
            f"{later[0].day:%Y%m%d} 00:00,40011000,40021000,40001000,40011000,10",
            f"{later[1].day:%Y%m%d} 00:00,40020000,40030000,40010000,40020000,10",
        ]
    assert not [p for p in tmp_path.iterdir() if p.name != "tcs.zip"]


def test_a_missing_file_and_folder_are_created_but_not_for_no_bars(tmp_path: Path) -> None:
    target = tmp_path / "equity" / "india" / "daily" / "new_co.zip"

    assert write_lean_daily(target, []) == 0
    assert not target.exists()

    assert write_lean_daily(target, [bar(date(2025, 1, 2))]) == 1
    assert read_lean_daily(target) == [bar(date(2025, 1, 2))]


def test_a_price_finer_than_lean_resolution_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "x.zip"

    with pytest.raises(ValueError, match="4 decimal places"):
        write_lean_daily(target, [bar(date(2025, 1, 2), "1.00005")])

    assert list(tmp_path.iterdir()) == []


DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 3, 31))
BARS = st.lists(
    st.builds(
        bar,
        DAYS,
        st.decimals(min_value=2, max_value=99999, places=2).map(str),
        st.integers(min_value=0, max_value=10**12),
    ),
    max_size=30,
)


@given(first=BARS, second=BARS)
def test_merging_a_then_b_keeps_one_bar_a_day_with_b_winning(
    tmp_path_factory: pytest.TempPathFactory, first: list[DailyBar], second: list[DailyBar]
) -> None:
    target = tmp_path_factory.mktemp("merge") / "sym.zip"
    expected = {b.day: b for b in first} | {b.day: b for b in second}

    added_first = write_lean_daily(target, first)
    added_second = write_lean_daily(target, second)

    written = read_lean_daily(target) if target.exists() else []
    assert written == [expected[day] for day in sorted(expected)]
    assert added_first == len({b.day for b in first})
    assert added_first + added_second == len(expected)
