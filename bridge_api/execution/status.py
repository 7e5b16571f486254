"""What the engine is doing, as far as the database shows: who holds the trading lease and
until when, which batch is executing, and the Kite session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bridge_api.brokers.kite import sessions as kite_sessions
from bridge_api.config import Settings
from bridge_api.db.models import Batch, BatchState, EngineLease, KiteSession


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """The lease (its holder renews it as it works: its expiry is the engine's heartbeat),
    the executing batch, and whether that batch is stalled (executing, no live lease)."""

    now: datetime
    lease_holder: str | None
    lease_expires_at: datetime | None
    lease_live: bool
    executing_batch: int | None
    executing_phase: int | None
    ready_batches: list[int]
    stalled: bool
    kite_valid: bool
    kite_session: KiteSession | None


def engine_status(session: Session, settings: Settings, *, lease: str = "zerodha") -> EngineStatus:
    """The engine's state now (the database's clock)."""
    now: datetime = session.execute(text("SELECT clock_timestamp()")).scalar_one()
    held = session.get(EngineLease, lease)
    live = held is not None and held.expires_at > now
    executing = session.execute(
        select(Batch).where(Batch.state == BatchState.EXECUTING).order_by(Batch.id).limit(1)
    ).scalar_one_or_none()
    ready = session.execute(
        select(Batch.id).where(Batch.state == BatchState.READY).order_by(Batch.id)
    ).scalars()
    row = kite_sessions.latest(session)
    active = kite_sessions.current(session, settings=settings)
    return EngineStatus(
        now=now,
        lease_holder=held.holder if held else None,
        lease_expires_at=held.expires_at if held else None,
        lease_live=live,
        executing_batch=executing.id if executing else None,
        executing_phase=executing.phase if executing else None,
        ready_batches=list(ready),
        stalled=executing is not None and not live,
        kite_valid=active is not None and row is not None and active.id == row.id,
        kite_session=row,
    )
