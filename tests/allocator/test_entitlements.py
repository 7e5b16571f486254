"""Corporate-action entitlements split exactly: every book's part sums to the account's whole,
proven for arbitrary holdings, ratios and amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator.entitlements import dividend, fraction_cash, shares
from allocator.errors import InvalidInput

holdings = st.dictionaries(
    st.text("abcdefghij", min_size=1, max_size=4), st.integers(0, 10**6), min_size=1, max_size=30
)
paise = st.integers(0, 10**9).map(lambda p: Decimal(p).scaleb(-2).quantize(Decimal("0.01")))
rates = st.integers(1, 10**6).map(lambda r: Decimal(r).scaleb(-4))


@given(holdings, rates, st.data())
def test_a_dividend_splits_tds_exactly_and_the_residue_closes_the_credit(held, per_share, data):
    total = sum((per_share * q).quantize(Decimal("0.01"), "ROUND_DOWN") for q in held.values())
    tds = data.draw(st.integers(0, int(total * 100)).map(lambda p: Decimal(p).scaleb(-2)))
    credited = data.draw(paise)

    result = dividend(held, per_share=per_share, tds=tds, credited=credited, seed="d")

    payouts = result.payouts.values()
    assert sum((p.tds for p in payouts), Decimal(0)) == tds
    assert sum((p.net for p in payouts), Decimal(0)) + result.residue == credited
    for book, payout in result.payouts.items():
        assert payout.gross == (per_share * held[book]).quantize(Decimal("0.01"), "ROUND_DOWN")
        assert Decimal(0) <= payout.tds <= payout.gross
        assert payout.gross % Decimal("0.01") == 0
        assert payout.tds % Decimal("0.01") == 0
    assert set(result.payouts) == {b for b, q in held.items() if q}


def test_the_tax_is_shared_by_gross_to_the_paisa():
    result = dividend(
        {"a": 100, "b": 200, "c": 1},
        per_share=Decimal("10"),
        tds=Decimal("301.01"),
        credited=Decimal("2709.00"),
        seed="x",
    )
    assert {k: p.tds for k, p in result.payouts.items()} == {
        "a": Decimal("100.00"),
        "b": Decimal("200.01"),
        "c": Decimal("1.00"),
    }
    assert result.residue == Decimal("2709.00") - (Decimal("3010.00") - Decimal("301.01"))


@given(holdings, st.integers(1, 20), st.integers(1, 20))
def test_new_shares_and_fractions_add_up_to_the_accounts_whole(held, new, old):
    result = shares(held, new=new, old=old)

    total = sum(held.values())
    assert result.account_whole * old + result.account_remainder == total * new
    assert result.extra >= 0
    for book, whole in result.whole.items():
        assert whole * old + result.remainder[book] == held[book] * new
        assert 0 <= result.remainder[book] < old
    # the books' fractions are the extra whole shares plus the account's own fraction
    assert sum(result.remainder.values()) == result.extra * old + result.account_remainder


@given(holdings, st.integers(1, 20), st.integers(1, 20), rates)
def test_fraction_cash_is_within_a_paisa_a_book_of_the_exact_value(held, new, old, price):
    result = shares(held, new=new, old=old)
    for remainder in result.remainder.values():
        cash = fraction_cash(remainder, old, price)
        assert abs(cash - price * remainder / old) <= Decimal("0.005")
        assert cash % Decimal("0.01") == 0


def test_refuses_tax_beyond_the_gross_and_nonsense_ratios():
    with pytest.raises(InvalidInput, match="tds"):
        dividend({"a": 1}, per_share=Decimal(1), tds=Decimal("1.01"), credited=Decimal(0), seed="")
    with pytest.raises(InvalidInput, match="ratio"):
        shares({"a": 1}, new=0, old=1)
