"""The committed synthetic sample data is what the seeded generator makes, and is well formed."""

import csv
import importlib.util
import sys
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
DAILY = DATA / "equity" / "india" / "daily"
SCRIPT = ROOT / "scripts" / "generate_sample_data.py"
LEAN_SCALE = 10_000


def load_generator():
    """The generator script, imported from its path (``scripts`` is not a package)."""
    spec = importlib.util.spec_from_file_location("generate_sample_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def instruments():
    with (DATA / "instruments.csv").open(newline="", encoding="ascii") as handle:
        return list(csv.DictReader(handle))


def bars(lean_ticker):
    with zipfile.ZipFile(DAILY / f"{lean_ticker}.zip") as archive:
        assert archive.namelist() == [f"{lean_ticker}.csv"]
        text = archive.read(f"{lean_ticker}.csv").decode("ascii")
    return list(csv.reader(text.splitlines()))


def _content(path: Path) -> bytes:
    """A file's content; for a zip, its members' names and uncompressed bytes (zlib builds
    differ in the compressed bytes they write, not in what they decompress to)."""
    if path.suffix != ".zip":
        return path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        return b"".join(name.encode() + b"\0" + archive.read(name) for name in archive.namelist())


def test_regenerating_with_the_defaults_reproduces_the_committed_data(tmp_path):
    load_generator().main(["--out", str(tmp_path)])

    made = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*") if path.is_file())
    committed = sorted(
        path.relative_to(DATA)
        for path in DATA.rglob("*")
        if path.is_file() and path != DATA / "README.md"
    )
    assert made == committed
    for relative in made:
        assert _content(tmp_path / relative) == _content(DATA / relative), relative


def test_instruments_lists_thirty_nse_symbols_each_with_its_own_zip():
    rows = instruments()

    assert len(rows) == 30
    assert len({row["symbol"] for row in rows}) == 30
    assert {f"{row['lean_ticker']}.zip" for row in rows} == {path.name for path in DAILY.iterdir()}
    for row in rows:
        assert row["exchange"] == "NSE"
        assert row["lot_size"] == "1"
        assert row["max_order_quantity"] == "100000"
        assert row["lean_ticker"] == row["lean_ticker"].lower()
        assert Decimal(row["tick_size"]) in {
            Decimal(t) for t in ("0.01", "0.05", "0.1", "0.5", "1")
        }


@pytest.mark.parametrize("row", instruments(), ids=lambda row: row["symbol"])
def test_every_bar_is_on_the_tick_consistent_and_on_a_later_weekday(row):
    tick = int(Decimal(row["tick_size"]) * LEAN_SCALE)
    previous = None

    for stamp, *fields in bars(row["lean_ticker"]):
        open_, high, low, close, volume = (int(field) for field in fields)
        for price in (open_, high, low, close):
            assert price > 0
            assert price % tick == 0, (stamp, price, tick)
        assert low <= min(open_, close)
        assert high >= max(open_, close)
        assert volume > 0
        day = datetime.strptime(stamp, "%Y%m%d %H:%M")
        assert day.weekday() < 5
        assert (day.hour, day.minute) == (0, 0)
        assert previous is None or day > previous
        previous = day
    assert previous is not None
