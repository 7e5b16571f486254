"""The lifecycles of batches, orders and slices: every move in the tables is made, every other
is refused."""

from __future__ import annotations

import itertools

import pytest

from bridge_api.batches.states import (
    BATCH,
    ORDER,
    SLICE,
    IllegalTransition,
    move_batch,
    move_order,
    move_slice,
)
from bridge_api.db.models import Batch, BatchOrder, BatchState, OrderSlice, OrderStatus, SliceStatus

TERMINAL_BATCH = {
    BatchState.COMPLETED,
    BatchState.PARTIALLY_COMPLETED,
    BatchState.FAILED,
    BatchState.CANCELLED,
}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(BatchState, BatchState)))
def test_a_batch_moves_only_as_its_table_allows(source: BatchState, target: BatchState):
    batch = Batch(id=1, state=source)
    if source is target or target in BATCH[source]:
        move_batch(batch, target)
        assert batch.state is target
    else:
        with pytest.raises(IllegalTransition, match=f"from {source} to {target}"):
            move_batch(batch, target)
        assert batch.state is source


@pytest.mark.parametrize(("source", "target"), list(itertools.product(OrderStatus, OrderStatus)))
def test_an_order_moves_only_as_its_table_allows(source: OrderStatus, target: OrderStatus):
    order = BatchOrder(key="b1-INFY-BUY", status=source)
    if source is target or target in ORDER[source]:
        move_order(order, target)
        assert order.status is target
    else:
        with pytest.raises(IllegalTransition):
            move_order(order, target)
        assert order.status is source


@pytest.mark.parametrize(("source", "target"), list(itertools.product(SliceStatus, SliceStatus)))
def test_a_slice_moves_only_as_its_table_allows(source: SliceStatus, target: SliceStatus):
    piece = OrderSlice(tag="B1o1s0a0", status=source)
    if source is target or target in SLICE[source]:
        move_slice(piece, target)
        assert piece.status is target
    else:
        with pytest.raises(IllegalTransition):
            move_slice(piece, target)
        assert piece.status is source


def test_finished_batches_final_orders_and_rejected_or_final_slices_never_move_again():
    assert all(not BATCH[state] for state in TERMINAL_BATCH)
    assert not ORDER[OrderStatus.FINAL]
    assert not SLICE[SliceStatus.REJECTED]
    assert not SLICE[SliceStatus.FINAL]


def test_a_slice_reaches_the_broker_only_through_sending():
    """No path sends a slice without first committing it as ``sending`` (crash safety)."""
    entering_sent = {s for s, targets in SLICE.items() if SliceStatus.SENT in targets}
    assert entering_sent == {SliceStatus.SENDING, SliceStatus.UNKNOWN}
    assert SLICE[SliceStatus.PLANNED] == {SliceStatus.SENDING, SliceStatus.REJECTED}


def test_every_state_has_a_row_in_its_table():
    assert set(BATCH) == set(BatchState)
    assert set(ORDER) == set(OrderStatus)
    assert set(SLICE) == set(SliceStatus)
