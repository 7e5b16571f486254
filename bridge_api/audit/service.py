"""Writing audit records: who, what, when, and the entity before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.db.models import AuditRecord, User


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one audit record in the caller's transaction."""
    row = AuditRecord(
        actor_id=actor.id if actor else None,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
    )
    session.add(row)
    return row


def records_for(session: Session, entity: str, entity_id: object) -> list[AuditRecord]:
    """Every audit record of one entity, oldest first."""
    query = (
        select(AuditRecord)
        .where(AuditRecord.entity == entity, AuditRecord.entity_id == str(entity_id))
        .order_by(AuditRecord.id)
    )
    return list(session.execute(query).scalars())


def search(
    session: Session,
    *,
    entity: str | None = None,
    action: str | None = None,
    actor_id: int | None = None,
    limit: int,
    before: int | None = None,
) -> list[AuditRecord]:
    """Audit records matching the filters, newest first; page with `before` (a record id)."""
    query = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
    if entity is not None:
        query = query.where(AuditRecord.entity == entity)
    if action is not None:
        query = query.where(AuditRecord.action == action)
    if actor_id is not None:
        query = query.where(AuditRecord.actor_id == actor_id)
    if before is not None:
        query = query.where(AuditRecord.id < before)
    return list(session.execute(query).scalars())
