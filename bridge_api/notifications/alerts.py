"""Operator alerts: stored, logged at once, and delivered by a job committed with the cause."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.db.models import Alert
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
