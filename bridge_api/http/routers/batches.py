"""Routes: create, read, approve and cancel batches (manager of the smallcase, or admin)."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, status
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bridge_api.batches import service
from bridge_api.brokers.kite.account import live_prices
from bridge_api.brokers.port import BrokerError
from bridge_api.db.models import (
    Batch,
    BatchCrossing,
    BatchOrder,
    BatchParticipant,
    BatchSkip,
    BatchState,
    BatchTarget,
    BrokerTrade,
    OrderAllocation,
    OrderParticipant,
    OrderSlice,
)
from bridge_api.db.session import session_factory
from bridge_api.errors import Conflict
from bridge_api.http.deps import Admin, Manager, SessionDep, SettingsDep
from bridge_api.http.fields import IdPath
from bridge_api.http.schemas.batches import (
    BatchIn,
    BatchLineOut,
    BatchOut,
    CrossingOut,
    FailIn,
    FillOut,
    OrderOut,
    ResultOut,
    SkipOut,
    SliceOut,
    StatementLineOut,
    TargetOut,
)

router = APIRouter(tags=["batches"])
END_STATES = frozenset(BatchState) - {BatchState.DRAFT, BatchState.READY, BatchState.EXECUTING}
T = TypeVar("T")


def _all(session: Session, query: Select[T]) -> list[T]:
    return list(session.execute(query).scalars())


def _order_out(session: Session, order: BatchOrder) -> OrderOut:
    statement = select(OrderParticipant).where(OrderParticipant.order_id == order.id)
    slices = select(OrderSlice).where(OrderSlice.order_id == order.id)
    fills = select(BrokerTrade).where(BrokerTrade.order_id == order.id)
    results = select(OrderAllocation).where(OrderAllocation.order_id == order.id)
    return OrderOut(
        key=order.key,
        symbol=order.symbol,
        side=order.side,
        quantity=order.quantity,
        limit_price=order.limit_price,
        status=str(order.status),
        final_reason=order.final_reason,
        statement=[
            StatementLineOut.model_validate(p)
            for p in _all(session, statement.order_by(OrderParticipant.subscription_id))
        ],
        slices=[SliceOut.model_validate(s) for s in _all(session, slices.order_by(OrderSlice.seq))],
        fills=[FillOut.model_validate(t) for t in _all(session, fills.order_by(BrokerTrade.id))],
        results=[
            ResultOut.model_validate(r)
            for r in _all(session, results.order_by(OrderAllocation.subscription_id))
        ],
    )


def _out(session: Session, batch: Batch) -> BatchOut:
    orders = select(BatchOrder).where(BatchOrder.batch_id == batch.id)
    participants = select(BatchParticipant.subscription_id).where(
        BatchParticipant.batch_id == batch.id
    )
    targets = select(BatchTarget).where(BatchTarget.batch_id == batch.id)
    crossings = select(BatchCrossing).where(BatchCrossing.batch_id == batch.id)
    skipped = select(BatchSkip).where(BatchSkip.batch_id == batch.id)
    return BatchOut(
        id=batch.id,
        state=str(batch.state),
        smallcase_id=batch.smallcase_id,
        cross=batch.cross,
        reason=batch.reason,
        phase=batch.phase,
        trade_date=batch.trade_date,
        created_at=batch.created_at,
        planned_at=batch.planned_at,
        updated_at=batch.updated_at,
        participants=_all(session, participants.order_by(BatchParticipant.subscription_id)),
        targets=[
            TargetOut.model_validate(t)
            for t in _all(
                session, targets.order_by(BatchTarget.subscription_id, BatchTarget.symbol)
            )
        ],
        crossings=[
            CrossingOut.model_validate(c)
            for c in _all(session, crossings.order_by(BatchCrossing.symbol, BatchCrossing.id))
        ],
        orders=[
            _order_out(session, o)
            for o in _all(session, orders.order_by(BatchOrder.symbol, BatchOrder.side.desc()))
        ],
        skipped=[
            SkipOut.model_validate(k)
            for k in _all(session, skipped.order_by(BatchSkip.symbol, BatchSkip.id))
        ],
    )


@router.post("/batches", status_code=status.HTTP_201_CREATED)
def create(body: BatchIn, manager: Manager, session: SessionDep, settings: SettingsDep) -> BatchOut:
    """Size every pending intent into a draft batch and its allocation table, at the latest
    closes or at Kite's live quotes."""
    quotes = live_prices(session_factory(), settings) if body.prices == "kite" else None
    try:
        batch = service.create(
            session, manager, smallcase_id=body.smallcase_id, cross=body.cross, quotes=quotes
        )
    except BrokerError as error:
        raise Conflict(f"Kite could not price the batch: {error}") from error
    return _out(session, batch)


@router.get("/batches")
def listing(
    manager: Manager,
    session: SessionDep,
    *,
    state: BatchState | None = None,
    smallcase_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> list[BatchLineOut]:
    """Batches of the manager's smallcases (an admin's: all), newest first; filter by state
    and smallcase, page with ``before`` (a batch id)."""
    lines = service.listing(
        session, manager, state=state, smallcase_id=smallcase_id, limit=limit, before=before
    )
    return [
        BatchLineOut(
            id=line.batch.id,
            state=str(line.batch.state),
            smallcase_id=line.batch.smallcase_id,
            smallcase=line.smallcase,
            cross=line.batch.cross,
            phase=line.batch.phase,
            reason=line.batch.reason,
            created_at=line.batch.created_at,
            planned_at=line.batch.planned_at,
            updated_at=line.batch.updated_at,
            finished_at=line.batch.updated_at if line.batch.state in END_STATES else None,
            trade_date=line.batch.trade_date,
            participants=line.participants,
            orders=line.orders,
            final_orders=line.final_orders,
            skips=line.skips,
        )
        for line in lines
    ]


@router.get("/batches/{batch_id}")
def read(batch_id: IdPath, manager: Manager, session: SessionDep) -> BatchOut:
    """State, allocation table, plan, orders, fills and per-subscription results."""
    return _out(session, service.visible(session, manager, batch_id))


@router.post("/batches/{batch_id}/approve")
def approve(batch_id: IdPath, manager: Manager, session: SessionDep) -> BatchOut:
    """Reviewed: the engine may now claim and trade it."""
    return _out(session, service.approve(session, manager, batch_id))


@router.post("/batches/{batch_id}/cancel")
def cancel(batch_id: IdPath, manager: Manager, session: SessionDep) -> BatchOut:
    """Cancel a batch that has not started trading; its intents wait for the next."""
    return _out(session, service.cancel(session, manager, batch_id))


@router.post("/batches/{batch_id}/repair", status_code=status.HTTP_201_CREATED)
def repair(batch_id: IdPath, manager: Manager, session: SessionDep) -> BatchOut:
    """A new draft batch for what a partially completed or failed batch left undone."""
    return _out(session, service.repair(session, manager, batch_id))


@router.post("/batches/{batch_id}/archive")
def archive(batch_id: IdPath, manager: Manager, session: SessionDep) -> BatchOut:
    """Accept what a partially completed batch left undone."""
    return _out(session, service.archive(session, manager, batch_id))


@router.post("/batches/{batch_id}/fail")
def fail(batch_id: IdPath, body: FailIn, admin: Admin, session: SessionDep) -> BatchOut:
    """End an executing batch that cannot go on, once nothing of it is live (admin)."""
    return _out(session, service.fail(session, admin, batch_id, reason=body.reason))
