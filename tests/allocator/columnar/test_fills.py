from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given

from allocator import Fill, Participant, allocate
from allocator.columnar.fills import allocate_columnar
from allocator.errors import InvalidInput, OverFill
from tests.allocator.test_fills import final_orders


def _paise(amount):
    return int(amount * 100)


@given(order=final_orders())
def test_the_columnar_allocation_equals_the_scalar_one(order):
    order_id, participants, fills, charges = order
    ordered = sorted(participants, key=lambda p: p.account)
    components = {"total": charges} if isinstance(charges, Decimal) else charges

    scalar = allocate(order_id=order_id, participants=participants, fills=fills, charges=charges)
    columnar = allocate_columnar(
        order_id=order_id,
        accounts=np.array([p.account for p in ordered], dtype=np.str_),
        requested=np.array([p.quantity for p in ordered], dtype=np.int64),
        fill_quantities=np.array([f.quantity for f in fills], dtype=np.int64),
        fill_prices=np.array([_paise(f.price) for f in fills], dtype=np.int64),
        trade_ids=[f.trade_id for f in fills],
        charges={name: _paise(amount) for name, amount in components.items()},
    )

    assert columnar.filled == scalar.filled
    assert columnar.value == _paise(scalar.value)
    assert columnar.shares.tolist() == [a.quantity for a in scalar.allocations]
    assert columnar.values.tolist() == [_paise(a.value) for a in scalar.allocations]
    for name, parts in columnar.charges.items():
        expected = [
            a.charges if isinstance(a.charges, Decimal) else a.charges[name]
            for a in scalar.allocations
        ]
        assert parts.tolist() == [_paise(x) for x in expected]


def test_a_million_equal_participants_split_exactly_with_hashed_ties():
    count = 1_000_000
    accounts = np.char.add("sub-", np.char.zfill(np.arange(count).astype(str), 7))

    result = allocate_columnar(
        order_id="b1-INFY-BUY",
        accounts=accounts,
        requested=np.full(count, 3, dtype=np.int64),
        fill_quantities=np.array([1_234_567], dtype=np.int64),
        fill_prices=np.array([152_035], dtype=np.int64),
        trade_ids=["T1"],
        charges={"stt": 187_700_00, "dp": 0},
    )

    assert result.shares.sum() == 1_234_567
    assert set(np.unique(result.shares).tolist()) == {1, 2}
    assert result.values.sum() == 1_234_567 * 152_035
    assert result.charges["stt"].sum() == 187_700_00


def test_columnar_overfill_is_refused():
    with pytest.raises(OverFill):
        allocate_columnar(
            order_id="o",
            accounts=np.array(["a"]),
            requested=np.array([1], dtype=np.int64),
            fill_quantities=np.array([2], dtype=np.int64),
            fill_prices=np.array([100], dtype=np.int64),
            trade_ids=["T"],
            charges={},
        )


def test_columnar_amounts_beyond_int64_are_refused_not_wrapped():
    with pytest.raises(InvalidInput):
        allocate_columnar(
            order_id="o",
            accounts=np.array(["a", "b", "c", "d", "e"]),
            requested=np.full(5, 2**62, dtype=np.int64),
            fill_quantities=np.array([1], dtype=np.int64),
            fill_prices=np.array([100], dtype=np.int64),
            trade_ids=["T"],
            charges={},
        )


@pytest.mark.parametrize("largest", [4095, 4096, 50_000])
def test_requests_in_and_beyond_the_grouped_table_allocate_as_the_scalar_path(largest):
    asked = [largest, 7, 7, 7, 3, largest // 2, 1]
    names = [f"a{n}" for n in range(len(asked))]
    filled = sum(asked) * 2 // 3
    fills = [
        Fill(
            trade_id="T1",
            quantity=filled,
            price=Decimal("1520.35"),
            time=datetime(2026, 11, 25, 4, tzinfo=UTC),
        )
    ]
    charges = {"stt": Decimal("187.00"), "gst": Decimal("0.09")}
    participants = [Participant(account=a, quantity=q) for a, q in zip(names, asked, strict=True)]

    scalar = allocate(order_id="o-1", participants=participants, fills=fills, charges=charges)
    columnar = allocate_columnar(
        order_id="o-1",
        accounts=np.array(names),
        requested=np.array(asked, dtype=np.int64),
        fill_quantities=np.array([filled], dtype=np.int64),
        fill_prices=np.array([152_035], dtype=np.int64),
        trade_ids=["T1"],
        charges={"stt": 18_700, "gst": 9},
    )

    assert columnar.shares.tolist() == [a.quantity for a in scalar.allocations]
    assert columnar.values.tolist() == [_paise(a.value) for a in scalar.allocations]
    assert columnar.charges["stt"].tolist() == [
        _paise(a.charges["stt"]) for a in scalar.allocations
    ]
    assert columnar.charges["gst"].tolist() == [
        _paise(a.charges["gst"]) for a in scalar.allocations
    ]
