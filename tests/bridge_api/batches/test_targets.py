from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.errors import InvalidInput
from bridge_api.batches.targets import (
    Position,
    Pricing,
    Request,
    target_position,
    target_positions,
)
from bridge_api.db.models import IntentKind
from tests.allocator.strategies import paise, quotes

SYMBOLS = ["HDFCBANK", "INFY", "ITC", "RELIANCE", "SBIN", "TCS"]


@st.composite
def weightings(draw):
    """Weights of a version: some symbols, in basis points summing exactly to 1."""
    chosen = sorted(draw(st.lists(st.sampled_from(SYMBOLS), unique=True, min_size=1)))
    cuts = sorted(
        draw(
            st.lists(
                st.integers(1, 9_999),
                unique=True,
                min_size=len(chosen) - 1,
                max_size=len(chosen) - 1,
            )
        )
    )
    bounds = [0, *cuts, 10_000]
    return {s: Decimal(bounds[i + 1] - bounds[i]).scaleb(-4) for i, s in enumerate(chosen)}


@st.composite
def requests(draw):
    kind = draw(st.sampled_from(list(IntentKind)))
    if kind in (IntentKind.INVEST, IntentKind.TOPUP):
        return Request(kind, amount=paise(draw(st.integers(0, 10**8))))
    if kind in (IntentKind.BUY, IntentKind.SELL):
        return Request(
            kind, symbol=draw(st.sampled_from(SYMBOLS)), quantity=draw(st.integers(1, 300))
        )
    return Request(kind)


@st.composite
def cases(draw):
    prices, ticks = draw(quotes(SYMBOLS))
    pricing = Pricing(
        prices=prices,
        ticks=ticks,
        collar=draw(st.sampled_from([Decimal("0"), Decimal("0.01")])),
        reserve=draw(st.sampled_from([Decimal("0"), Decimal("0.0035")])),
    )
    versions = draw(st.lists(weightings(), min_size=1, max_size=3))
    positions = []
    for _ in range(draw(st.integers(0, 12))):
        held = draw(st.lists(st.sampled_from(SYMBOLS), unique=True))
        positions.append(
            Position(
                holdings={s: draw(st.integers(0, 400)) for s in sorted(held)},
                cash=paise(draw(st.integers(0, 10**8))),
                requests=draw(st.lists(requests(), min_size=1, max_size=3)),
                weights=draw(st.sampled_from([None, *versions])),
            )
        )
    return positions, pricing


@settings(max_examples=300)
@given(case=cases())
def test_bulk_targets_equal_the_targets_of_each_subscription(case):
    positions, pricing = case

    bulk = target_positions(positions, pricing)

    assert bulk == [
        target_position(p.holdings, p.cash, p.requests, p.weights, pricing) for p in positions
    ]


def test_a_negative_investment_is_refused_in_bulk_as_alone():
    pricing = Pricing(
        prices={"INFY": Decimal("100.00")},
        ticks={"INFY": Decimal("0.05")},
        collar=Decimal("0"),
        reserve=Decimal("0"),
    )
    position = Position(
        {}, Decimal(0), [Request(IntentKind.INVEST, Decimal("-5.00"))], {"INFY": Decimal(1)}
    )

    with pytest.raises(InvalidInput, match="amount"):
        target_position(
            position.holdings, position.cash, position.requests, position.weights, pricing
        )
    with pytest.raises(InvalidInput, match="amount"):
        target_positions([position], pricing)
