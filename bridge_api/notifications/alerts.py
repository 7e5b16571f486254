"""Operator alerts: stored, logged at once, and delivered by a job committed with the cause."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.db.models import Alert
from bridge_api.errors import NotFound
from bridge_api.notifications import jobs

log = logging.getLogger(__name__)


def raise_alert(session: Session, kind: str, message: str, **details: Any) -> Alert:
    """Record an alert for the operator and enqueue its delivery in the same transaction."""
    alert = Alert(kind=kind, message=message[:500], details=details)
    session.add(alert)
    session.flush()
    log.warning("alert [%s]: %s", kind, message)
    jobs.enqueue(session, jobs.operator_alert, alert_id=alert.id, kind=kind, message=alert.message)
    return alert


def open_alerts(session: Session, kind: str | None = None) -> list[Alert]:
    """Alerts nobody has acknowledged yet, oldest first."""
    query = select(Alert).where(Alert.acknowledged_at.is_(None)).order_by(Alert.id)
    if kind is not None:
        query = query.where(Alert.kind == kind)
    return list(session.execute(query).scalars())


def recent(
    session: Session, *, open_only: bool, limit: int, before: int | None = None
) -> list[Alert]:
    """Alerts newest first (only those not yet acknowledged, if asked); page with `before`."""
    query = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if open_only:
        query = query.where(Alert.acknowledged_at.is_(None))
    if before is not None:
        query = query.where(Alert.id < before)
    return list(session.execute(query).scalars())


def acknowledge(session: Session, alert_id: int) -> tuple[Alert, bool]:
    """Mark an alert seen; returns it and whether this call acknowledged it (again: no change).
    The caller audits it (audit sits beside notifications, not below)."""
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    if alert.acknowledged_at is not None:
        return alert, False
    alert.acknowledged_at = datetime.now(UTC)
    return alert, True
