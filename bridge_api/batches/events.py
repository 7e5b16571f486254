"""A batch's progress as PostgreSQL notifications, for whoever watches it live.

Each event is sent with ``pg_notify('saras_batch', json)`` inside the transaction of the change
it reports, so a listener sees it only once that change is committed (and never for a change
rolled back). Its ``id`` counts the batch's events (``batches.last_event``, raised in the same
transaction: the row lock orders a batch's events as their transactions commit), so a viewer
that read the batch at event n knows every later event by ``id > n``.

An event is ``{"batch": id, "id": n, "kind": kind, ...fields}``, kept small (NOTIFY carries at
most 8000 bytes): ``state`` (the batch moved: ``state``, ``phase``), ``phase`` (a phase of the
plan recorded: ``phase``, ``orders``, ``crossings``), ``slice`` (a slice moved: ``tag``,
``order``, ``symbol``, ``side``, ``quantity``, ``status``, ``message``), ``fills`` (new broker
trades recorded: ``new``), ``order`` (an order final and allocated: ``order``, ``symbol``,
``side``, ``quantity``, ``filled``, ``reason``) and ``rate_limit`` (the engine waits for the
order-rate limiter: ``tag``, ``wait_ms``, ``per_second``, ``per_minute``).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

CHANNEL = "saras_batch"
END_STATES = frozenset({"completed", "partially_completed", "failed", "cancelled"})


def publish(session: Session, batch_id: int, kind: str, **fields: Any) -> int:
    """Count one event of the batch and notify it when the session's transaction commits;
    returns its id."""
    session.flush()  # the change this event reports goes before its notification
    number: int = session.execute(
        text("UPDATE batches SET last_event = last_event + 1 WHERE id = :id RETURNING last_event"),
        {"id": batch_id},
    ).scalar_one()
    payload = json.dumps(
        {"batch": batch_id, "id": number, "kind": kind, **fields}, default=str, sort_keys=True
    )
    session.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
    )
    return number
