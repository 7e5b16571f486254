"""The master algorithm's parameters: defaults, parsing, and refusals that name the parameter."""

from datetime import date, time
from decimal import Decimal

import pytest
from parameters import DEFAULTS, MasterParameters


def _parse(**given: str) -> MasterParameters:
    values = {**DEFAULTS, "database-url": "postgresql://saras@db/saras"}
    values.update({name.replace("_", "-"): value for name, value in given.items()})
    return MasterParameters.parse(values)


def test_the_defaults_are_a_safe_backtest_configuration():
    parameters = _parse()

    assert parameters.collar == Decimal("0.01")
    assert parameters.cutoff == time(14, 0)
    assert (parameters.poll_minutes, parameters.steps_per_poll) == (5, 20)
    assert parameters.orders_per_second == 8
    assert parameters.real_money is False
    assert parameters.symbols == ()
    assert parameters.start_date is None


def test_values_are_parsed_and_symbols_normalised():
    parameters = _parse(
        real_money="TRUE", symbols=" infy, TCS,,infy ", start_date="2026-11-19", cutoff="13:30"
    )

    assert parameters.real_money is True
    assert parameters.symbols == ("INFY", "TCS")
    assert parameters.start_date == date(2026, 11, 19)
    assert parameters.cutoff == time(13, 30)


def test_no_database_url_is_refused():
    with pytest.raises(ValueError, match="'database-url' not set"):
        MasterParameters.parse(dict(DEFAULTS))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("collar", "1.5", "'collar' not below 1"),
        ("collar", "abc", "'collar' not a number"),
        ("cutoff", "2pm", "'cutoff' not a time"),
        ("poll_minutes", "0", "'poll-minutes' not a positive integer"),
        ("orders_per_second", "-3", "'orders-per-second' not a positive integer"),
        ("real_money", "yes", "'real-money' not true or false"),
        ("end_date", "19/11/2026", "'end-date' not a date"),
        ("cash", "-1", "'cash' not positive"),
    ],
)
def test_a_malformed_parameter_is_refused_by_name(name, value, message):
    with pytest.raises(ValueError, match=message):
        _parse(**{name: value})
