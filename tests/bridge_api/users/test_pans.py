"""Synthetic PANs: the PAN format, and a different PAN for every number (backtests of more than
10,000 subscribers used to repeat them)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge_api.users.pans import SYNTHETIC_PANS, synthetic_pan

PAN = re.compile(r"[A-Z]{3}P[A-Z][0-9]{4}[A-Z]")
numbers = st.integers(min_value=0, max_value=SYNTHETIC_PANS - 1)


@given(first=numbers, second=numbers)
def test_different_numbers_get_different_pans_in_the_pan_format(first, second):
    pans = synthetic_pan(first), synthetic_pan(second)

    assert all(PAN.fullmatch(pan) for pan in pans)
    assert (pans[0] == pans[1]) == (first == second)


def test_every_pan_of_a_large_backtest_is_distinct():
    # Past every carry: 10,000 (the digits), 260,000 (the last letter), 6,760,000 (the fifth).
    ranges = [range(0, 300_000), range(6_750_000, 6_770_000)]
    pans = [synthetic_pan(n) for block in ranges for n in block]

    assert len(set(pans)) == len(pans)


def test_the_first_ten_thousand_are_the_pans_used_before():
    assert [synthetic_pan(n) for n in (0, 42, 9_999)] == ["ABCPE0000F", "ABCPE0042F", "ABCPE9999F"]
    assert synthetic_pan(10_000) == "ABCPE0000G"


@pytest.mark.parametrize("number", [-1, SYNTHETIC_PANS])
def test_a_number_beyond_the_format_is_refused(number):
    with pytest.raises(ValueError, match="needs a number from 0 to"):
        synthetic_pan(number)
