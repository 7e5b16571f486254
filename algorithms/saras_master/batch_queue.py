"""Which batch the master algorithm trades, read from the Saras database.

A batch left executing is resumed before a ready one is claimed (``FOR UPDATE SKIP LOCKED``,
through the gateway), as the engine's own loop does. With it come what the algorithm needs
before it can step the batch: the trade date, each symbol's tick (for Lean subscriptions and
quotes) and the tags of its slices already handed to a broker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.db.models import (
    Batch,
    BatchOrder,
    BatchState,
    BatchTarget,
    Instrument,
    OrderSlice,
    SliceStatus,
)
from bridge_api.db.roles import app_engine
from bridge_api.execution import planning

IN_FLIGHT = (SliceStatus.SENDING, SliceStatus.UNKNOWN, SliceStatus.SENT)
"""Slice states in which a broker may hold the order."""


@dataclass(frozen=True, slots=True)
class BatchWork:
    """A batch to step, with what the algorithm needs to know about it."""

    id: int
    trade_date: date | None
    ticks: dict[str, Decimal]
    in_flight: frozenset[str]


def open_sessions(url: str) -> sessionmaker[Session]:
    """Sessions on the Saras database at `url` (psycopg 3; libpq reads ``PGPASSWORD``)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return sessionmaker(app_engine(url, pool_pre_ping=True), expire_on_commit=False)


def instrument_ticks(sessions: sessionmaker[Session], symbols: Iterable[str]) -> dict[str, Decimal]:
    """The tick size of each known symbol (unknown symbols are left out)."""
    wanted = sorted(set(symbols))
    if not wanted:
        return {}
    with sessions() as session:
        rows = session.execute(
            select(Instrument.symbol, Instrument.tick_size)
            .where(Instrument.symbol.in_(wanted))
            .order_by(Instrument.symbol)
        ).all()
    return {row.symbol: row.tick_size for row in rows}


def next_batch(sessions: sessionmaker[Session], *, claim: bool) -> BatchWork | None:
    """The executing batch, else (when `claim`) a newly claimed ready one, else None."""
    with sessions() as session, session.begin():
        batch_id = session.execute(
            select(Batch.id).where(Batch.state == BatchState.EXECUTING).order_by(Batch.id).limit(1)
        ).scalar_one_or_none()
        if batch_id is None and claim:
            batch = planning.claim_ready_batch(session)
            batch_id = batch.id if batch is not None else None
    return None if batch_id is None else load_batch(sessions, batch_id)


def load_batch(sessions: sessionmaker[Session], batch_id: int) -> BatchWork:
    """A batch's trade date, symbols with their ticks, and in-flight slice tags."""
    with sessions() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise LookupError(f"no batch {batch_id}")
        symbols = list(
            session.execute(
                select(BatchTarget.symbol).where(BatchTarget.batch_id == batch_id).distinct()
            ).scalars()
        )
        in_flight = frozenset(
            session.execute(
                select(OrderSlice.tag)
                .join(BatchOrder, BatchOrder.id == OrderSlice.order_id)
                .where(BatchOrder.batch_id == batch_id, OrderSlice.status.in_(IN_FLIGHT))
            ).scalars()
        )
        trade_date = batch.trade_date
    return BatchWork(
        id=batch_id,
        trade_date=trade_date,
        ticks=instrument_ticks(sessions, symbols),
        in_flight=in_flight,
    )
