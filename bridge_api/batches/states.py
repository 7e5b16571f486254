"""The lifecycles of a batch, its orders and their slices, as tables of allowed moves.

Every state change of these three goes through `move`, which refuses a move its table does not
list with `IllegalTransition` (a `Conflict`): a bug or a race shows up as a refusal, never as
a batch quietly re-opened or a slice sent twice.

Batch: ``draft -> ready`` (approved) ``-> executing`` (claimed by an engine) ``-> completed |
partially_completed | failed``; a draft or ready batch may be ``cancelled``.

Order: ``planned -> open`` (a slice reached the broker) ``-> final`` (allocated); an order none
of whose slices was ever accepted goes ``planned -> final``.

Slice: ``planned -> sending`` (committed before the broker is called) ``-> sent | unknown |
rejected``; ``unknown -> sent | rejected`` once its tag is looked up; a placement that provably
never left goes back to ``planned`` (from ``sending`` or ``unknown``); a slice never sent is
``rejected`` when the market closes first; ``sent -> final`` when its order is allocated. A
rejected slice stays rejected: its tag is not trading.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

from bridge_api.db.models import Batch, BatchOrder, BatchState, OrderSlice, OrderStatus, SliceStatus
from bridge_api.errors import Conflict

S = TypeVar("S", bound=enum.Enum)

BATCH: Mapping[BatchState, frozenset[BatchState]] = {
    BatchState.DRAFT: frozenset({BatchState.READY, BatchState.CANCELLED}),
    BatchState.READY: frozenset({BatchState.EXECUTING, BatchState.CANCELLED}),
    BatchState.EXECUTING: frozenset(
        {BatchState.COMPLETED, BatchState.PARTIALLY_COMPLETED, BatchState.FAILED}
    ),
    BatchState.COMPLETED: frozenset(),
    BatchState.PARTIALLY_COMPLETED: frozenset(),
    BatchState.FAILED: frozenset(),
    BatchState.CANCELLED: frozenset(),
}

ORDER: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PLANNED: frozenset({OrderStatus.OPEN, OrderStatus.FINAL}),
    OrderStatus.OPEN: frozenset({OrderStatus.FINAL}),
    OrderStatus.FINAL: frozenset(),
}

SLICE: Mapping[SliceStatus, frozenset[SliceStatus]] = {
    SliceStatus.PLANNED: frozenset({SliceStatus.SENDING, SliceStatus.REJECTED}),
    SliceStatus.SENDING: frozenset(
        {SliceStatus.SENT, SliceStatus.UNKNOWN, SliceStatus.REJECTED, SliceStatus.PLANNED}
    ),
    SliceStatus.UNKNOWN: frozenset({SliceStatus.SENT, SliceStatus.REJECTED, SliceStatus.PLANNED}),
    SliceStatus.SENT: frozenset({SliceStatus.FINAL}),
    SliceStatus.REJECTED: frozenset(),
    SliceStatus.FINAL: frozenset(),
}


class IllegalTransition(Conflict):
    """A state change its lifecycle does not allow."""


def allowed(table: Mapping[S, frozenset[S]], source: S, target: S) -> bool:
    """Whether `table` lets `source` move to `target` (staying put is always allowed)."""
    return source is target or target in table[source]


def _check(table: Mapping[S, frozenset[S]], what: str, source: S, target: S) -> None:
    if not allowed(table, source, target):
        raise IllegalTransition(f"{what} cannot move from {source} to {target}")


def move_batch(batch: Batch, target: BatchState) -> None:
    """Move a batch to `target`, or refuse (`IllegalTransition`)."""
    _check(BATCH, f"batch {batch.id}", batch.state, target)
    batch.state = target


def move_order(order: BatchOrder, target: OrderStatus) -> None:
    """Move an order to `target`, or refuse (`IllegalTransition`)."""
    _check(ORDER, f"order {order.key}", order.status, target)
    order.status = target


def move_slice(piece: OrderSlice, target: SliceStatus) -> None:
    """Move a slice to `target`, or refuse (`IllegalTransition`)."""
    _check(SLICE, f"slice {piece.tag}", piece.status, target)
    piece.status = target
