"""The instrument sync against the fake Kite server, into real PostgreSQL."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from kiteconnect import KiteConnect
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bridge_api.brokers.fake_kite import FakeKite
from bridge_api.config import REPOSITORY
from bridge_api.db.models import Instrument
from bridge_api.market.instruments import SyncResult, lean_ticker, sync_instruments
from saras.cli.data import app as data_app

API_KEY, API_SECRET = "test_key", "test_secret"
with (REPOSITORY / "data" / "instruments.csv").open(newline="") as handle:
    SAMPLE = list(csv.DictReader(handle))


def connect(fake: FakeKite) -> KiteConnect:
    kite = KiteConnect(API_KEY, root=fake.url, timeout=5)
    kite.generate_session(fake.issue_request_token(), api_secret=API_SECRET)
    return kite


@pytest.fixture
def fake() -> Iterator[FakeKite]:
    with FakeKite(api_key=API_KEY, api_secret=API_SECRET) as server:
        yield server


def list_sample(fake: FakeKite) -> dict[str, int]:
    """List the sample universe as data/instruments.csv has it; returns the tokens given."""
    tokens = {}
    for number, row in enumerate(SAMPLE, start=1):
        tokens[row["symbol"]] = number * 256 + 1
        fake.list_instrument(
            row["symbol"],
            token=tokens[row["symbol"]],
            price=Decimal(100),
            tick_size=Decimal(row["tick_size"]),
            name=row["name"],
        )
    return tokens


def instrument(session: Session, symbol: str) -> Instrument:
    return session.execute(
        select(Instrument)
        .where(Instrument.symbol == symbol)
        .execution_options(populate_existing=True)
    ).scalar_one()


def test_a_sync_adds_new_equities_and_gives_known_ones_their_tokens(
    session: Session, fake: FakeKite
) -> None:
    tokens = list_sample(fake)
    fake.list_instrument(
        "BAJAJ-AUTO",
        token=4267265,
        price=Decimal(9000),
        tick_size=Decimal("0.5"),
        name="BAJAJ AUTO",
    )

    result = sync_instruments(session, connect(fake))

    assert result == SyncResult(added=1, updated=len(SAMPLE), unchanged=0)
    new = instrument(session, "BAJAJ-AUTO")
    assert (new.name, new.exchange, new.tick_size, new.lot_size) == (
        "BAJAJ AUTO",
        "NSE",
        Decimal("0.50"),
        1,
    )
    assert (new.instrument_token, new.lean_ticker, new.max_order_quantity) == (
        4267265,
        "bajaj_auto",
        None,
    )
    known = instrument(session, "M&M")
    assert (known.instrument_token, known.lean_ticker, known.max_order_quantity) == (
        tokens["M&M"],
        "m_m",
        100000,
    )
    assert lean_ticker("M&M") == "m_m"


def test_a_second_sync_changes_only_what_kite_changed(session: Session, fake: FakeKite) -> None:
    list_sample(fake)
    kite = connect(fake)
    sync_instruments(session, kite)
    fake.list_instrument(
        "MARUTI", token=999_999, price=Decimal(12785), tick_size=Decimal("5"), name="MARUTI SUZUKI"
    )

    result = sync_instruments(session, kite)

    assert result == SyncResult(added=0, updated=1, unchanged=len(SAMPLE) - 1)
    maruti = instrument(session, "MARUTI")
    assert (maruti.name, maruti.tick_size, maruti.instrument_token) == (
        "MARUTI SUZUKI",
        Decimal("5.00"),
        999_999,
    )
    assert maruti.max_order_quantity == 100000
    assert sync_instruments(session, kite) == SyncResult(added=0, updated=0, unchanged=len(SAMPLE))


def test_a_token_that_moved_to_a_new_symbol_leaves_the_old_row_without_it(
    session: Session,
) -> None:
    with FakeKite(api_key=API_KEY, api_secret=API_SECRET) as before:
        before.list_instrument("OLDNAME", token=7001, price=Decimal(50), name="Old Name Ltd")
        before.list_instrument("SWAPA", token=8001, price=Decimal(50))
        before.list_instrument("SWAPB", token=8002, price=Decimal(50))
        assert sync_instruments(session, connect(before)).added == 3
    with FakeKite(api_key=API_KEY, api_secret=API_SECRET) as after:
        after.list_instrument("NEWNAME", token=7001, price=Decimal(50), name="New Name Ltd")
        after.list_instrument("SWAPA", token=8002, price=Decimal(50))
        after.list_instrument("SWAPB", token=8001, price=Decimal(50))

        result = sync_instruments(session, connect(after))

    assert result == SyncResult(added=1, updated=2, unchanged=0, tokens_moved=3)
    tokens = {
        symbol: instrument(session, symbol).instrument_token
        for symbol in ("OLDNAME", "NEWNAME", "SWAPA", "SWAPB")
    }
    assert tokens == {"OLDNAME": None, "NEWNAME": 7001, "SWAPA": 8002, "SWAPB": 8001}


def test_the_whole_nse_dump_is_written_in_two_statements(session: Session, fake: FakeKite) -> None:
    count = 9000
    for number in range(count):
        fake.list_instrument(
            f"EQ{number:05d}",
            token=10_000_000 + number,
            price=Decimal(10),
            tick_size=Decimal("0.01"),
        )
    kite = connect(fake)
    statements: list[str] = []

    def count_statement(*args: Any) -> None:
        statements.append(args[2])

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", count_statement)
    try:
        result = sync_instruments(session, kite)
    finally:
        event.remove(connection, "before_cursor_execute", count_statement)

    assert result == SyncResult(added=count, updated=0, unchanged=0)
    assert [s.split()[0] for s in statements] == ["UPDATE", "INSERT"]
    stored = session.scalars(
        select(Instrument.tick_size).where(Instrument.symbol.like("EQ0%"))
    ).all()
    assert len(stored) == count
    assert set(stored) == {Decimal("0.01")}


def test_the_instruments_command_without_a_kite_login_exits_3(engine: Engine) -> None:
    result = CliRunner().invoke(data_app, ["instruments"])

    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert "saras data instruments:" in result.stderr
    assert "log in" in result.stderr


def test_only_the_eq_series_is_tradable(session: Session, fake: FakeKite) -> None:
    # Kite's NSE dump marks other series by a suffix on an EQ-typed row (its published
    # instruments_nse.csv: CENTRALBK-BE, EMMBI-BL, HUDCO-N8 a tax-free bond...); hyphens inside
    # an EQ symbol (BAJAJ-AUTO) or a one-letter tail (MCDOWELL-N) are the symbol's own.
    fake.list_instrument("BAJAJ-AUTO", token=4267265, price=Decimal(9000), name="BAJAJ AUTO")
    fake.list_instrument("MCDOWELL-N", token=2674433, price=Decimal(1300), name="UNITED SPIRITS")
    for token, (symbol, name) in enumerate(
        [
            ("CENTRALBK-BE", "CENTRAL BANK OF INDIA"),
            ("EMMBI-BL", "EMMBI INDUSTRIES"),
            ("ABCD-SM", "AN SME LISTING"),
            ("SGBAUG28V-GB", "SGB 2020-21 SR-V"),
            ("HUDCO-N8", "7.64% TAX FREETRI SR2B"),
        ],
        start=9_000_001,
    ):
        fake.list_other_series(symbol, token=token, name=name)

    result = sync_instruments(session, connect(fake))

    assert result == SyncResult(added=2, updated=0, unchanged=0, other_series=5)
    stored = set(session.execute(select(Instrument.symbol)).scalars())
    assert {"BAJAJ-AUTO", "MCDOWELL-N"} <= stored
    assert not stored & {"CENTRALBK-BE", "EMMBI-BL", "ABCD-SM", "SGBAUG28V-GB", "HUDCO-N8"}
