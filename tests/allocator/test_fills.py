from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator import Fill, Participant, allocate
from allocator.errors import DuplicateTrade, InvalidInput, OverFill
from tests.allocator.strategies import fills_for, paise, statements

COMPONENT_CHARGES = st.fixed_dictionaries(
    {
        name: st.integers(min_value=0, max_value=100_000).map(paise)
        for name in ("stt", "exchange", "sebi", "stamp", "gst", "dp")
    }
)


@st.composite
def final_orders(draw):
    participants = draw(statements())
    fills = draw(fills_for(sum(p.quantity for p in participants)))
    if fills:
        charges = draw(
            st.integers(min_value=0, max_value=10_000_000).map(paise) | COMPONENT_CHARGES
        )
    else:
        charges = Decimal("0.00")
    return (
        draw(st.sampled_from(["b1-INFY-BUY", "b2-TCS-SELL", "o-9"])),
        participants,
        fills,
        charges,
    )


@given(order=final_orders())
def test_shares_are_conserved_within_one_of_pro_rata_and_never_above_the_request(order):
    order_id, participants, fills, charges = order

    result = allocate(order_id=order_id, participants=participants, fills=fills, charges=charges)

    filled = sum(f.quantity for f in fills)
    requested = sum(p.quantity for p in participants)
    assert result.filled == sum(a.quantity for a in result.allocations) == filled
    assert result.unfilled == sum(a.unfilled for a in result.allocations) == requested - filled
    asked = {p.account: p.quantity for p in participants}
    for a in result.allocations:
        assert 0 <= a.quantity <= asked[a.account]
        assert a.quantity + a.unfilled == asked[a.account]
        assert abs(a.quantity - Fraction(filled * asked[a.account], requested)) < 1


@given(order=final_orders())
def test_values_sum_to_the_traded_value_and_everyone_pays_the_average_price(order):
    order_id, participants, fills, charges = order

    result = allocate(order_id=order_id, participants=participants, fills=fills, charges=charges)

    value = sum(f.quantity * f.price for f in fills)
    assert result.value == sum(a.value for a in result.allocations) == value
    for a in result.allocations:
        exact = Fraction(value) * a.quantity / result.filled if result.filled else 0
        assert abs(Fraction(a.value) - exact) < Fraction(1, 100)
        if a.quantity:
            assert abs(Fraction(a.average_price) - Fraction(value) / result.filled) <= Fraction(
                1, 100
            ) / a.quantity + Fraction(1, 20_000)


@given(order=final_orders())
def test_every_charge_component_is_split_to_the_paisa_and_sums_exactly(order):
    order_id, participants, fills, charges = order

    result = allocate(order_id=order_id, participants=participants, fills=fills, charges=charges)

    if isinstance(charges, Decimal):
        assert result.charges == charges == sum(a.charges for a in result.allocations)
    else:
        assert result.charges == charges
        for name, amount in charges.items():
            assert sum(a.charges[name] for a in result.allocations) == amount
        value = sum(f.quantity * f.price for f in fills)
        for a in result.allocations:
            for name, amount in charges.items():
                assert abs(
                    Fraction(a.charges[name])
                    - Fraction(amount) * Fraction(a.value) / Fraction(value)
                ) < Fraction(1, 100)


@given(order=final_orders(), data=st.data())
def test_allocation_does_not_depend_on_the_order_of_participants_or_fills(order, data):
    order_id, participants, fills, charges = order
    shuffled_participants = data.draw(st.permutations(participants))
    shuffled_fills = data.draw(st.permutations(fills))

    first = allocate(order_id=order_id, participants=participants, fills=fills, charges=charges)
    second = allocate(
        order_id=order_id, participants=shuffled_participants, fills=shuffled_fills, charges=charges
    )

    assert first == second


def _fill(trade_id, quantity, price="100.00"):
    return Fill(
        trade_id=trade_id,
        quantity=quantity,
        price=Decimal(price),
        time=datetime(2026, 11, 25, 4, tzinfo=UTC),
    )


def test_contract_example():
    result = allocate(
        order_id="b17-INFY-BUY",
        participants=[
            Participant(account="sub-17", quantity=40),
            Participant(account="sub-9", quantity=30),
        ],
        fills=[_fill("T1", 25, "1520.35")],
        charges=Decimal("18.40"),
    )

    assert (result.filled, result.unfilled, result.value, result.charges) == (
        25,
        45,
        Decimal("38008.75"),
        Decimal("18.40"),
    )
    first = result.allocations[0]
    assert (
        first.account,
        first.quantity,
        first.unfilled,
        first.value,
        first.average_price,
        first.charges,
    ) == (
        "sub-17",
        14,
        26,
        Decimal("21284.90"),
        Decimal("1520.3500"),
        Decimal("10.30"),
    )
    assert result.allocations[1].quantity == 11


def test_a_leftover_share_between_equal_requests_goes_by_the_order_id_hash():
    participants = [Participant(account="a", quantity=1), Participant(account="b", quantity=1)]

    winners = {
        next(
            x.account
            for x in allocate(
                order_id=f"o{n}", participants=participants, fills=[_fill("T", 1)]
            ).allocations
            if x.quantity
        )
        for n in range(40)
    }

    assert winners == {"a", "b"}


def test_fills_beyond_the_statement_are_refused():
    with pytest.raises(OverFill, match="11 shares filled, more than the 10"):
        allocate(
            order_id="o",
            participants=[Participant(account="a", quantity=10)],
            fills=[_fill("T1", 6), _fill("T2", 5)],
        )


def test_a_repeated_trade_id_is_refused():
    with pytest.raises(DuplicateTrade) as raised:
        allocate(
            order_id="o",
            participants=[Participant(account="a", quantity=10)],
            fills=[_fill("T1", 1), _fill("T1", 1)],
        )

    assert raised.value.field == "fills[1].trade_id"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"fills": [_fill("T1", 1, "0.00")]}, "fills[0].price"),
        ({"fills": [_fill("T1", 1, "100.001")]}, "fills[0].price"),
        ({"fills": [_fill("T1", 0)]}, "fills[0].quantity"),
        ({"participants": [Participant(account="a", quantity=0)]}, "participants[0].quantity"),
        ({"participants": []}, "participants"),
        ({"charges": Decimal("-1.00")}, "charges"),
        ({"charges": {"stt": Decimal("1.00"), "total": Decimal("2.00")}}, "charges.total"),
        ({"charges": {"brokerage": Decimal("1.00")}}, "charges.brokerage"),
        ({"fills": [], "charges": Decimal("1.00")}, "charges"),
        (
            {
                "fills": [
                    Fill(trade_id="T", quantity=1, price=Decimal(1), time=datetime(2026, 1, 1))
                ]
            },
            "fills[0].time",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(kwargs, field):
    arguments = {
        "order_id": "o",
        "participants": [Participant(account="a", quantity=5)],
        "fills": [_fill("T1", 1)],
    }
    arguments.update(kwargs)

    with pytest.raises(InvalidInput) as raised:
        allocate(**arguments)

    assert raised.value.field == field


def test_components_with_a_total_give_each_participant_a_total_that_is_its_sum():
    charges = {"stt": Decimal("10.01"), "dp": Decimal("15.34"), "total": Decimal("25.35")}
    participants = [Participant(account=a, quantity=1) for a in "abc"]

    result = allocate(
        order_id="o", participants=participants, fills=[_fill("T1", 3)], charges=charges
    )

    assert result.charges == charges
    for a in result.allocations:
        assert a.charges["total"] == a.charges["stt"] + a.charges["dp"]
    assert sum(a.charges["total"] for a in result.allocations) == Decimal("25.35")
