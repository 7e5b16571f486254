"""Routes: the admin's reads (users and the KYC queue, pay-ins and pay-outs, alerts, the audit
log, reconciliation reports, the engine, the journal) and acknowledging an alert."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from bridge_api.audit import service as audit
from bridge_api.db.models import Alert, Cause, Kyc, KycStatus, ReconciliationReport, Role, User
from bridge_api.execution.status import engine_status
from bridge_api.http.deps import Admin, SessionDep, SettingsDep
from bridge_api.http.fields import IdPath
from bridge_api.http.schemas.admin import (
    AlertOut,
    AuditOut,
    EngineOut,
    JournalLineOut,
    KiteSessionOut,
    ReconciliationOut,
    TransferOut,
    UserLineOut,
)
from bridge_api.ledger import journal
from bridge_api.notifications import alerts
from bridge_api.portfolios import cash
from bridge_api.users import service as users

router = APIRouter(prefix="/admin", tags=["admin"])
Limit = Annotated[int, Query(ge=1, le=500)]
Before = Annotated[int | None, Query(ge=1, description="Only rows with a smaller id (paging).")]


def _user_line(user: User, kyc: Kyc | None) -> UserLineOut:
    return UserLineOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        active=user.active,
        created_at=user.created_at,
        kyc_status=kyc.status if kyc else None,
        kyc_legal_name=kyc.legal_name if kyc else None,
        pan_masked=users.mask_pan(kyc.pan) if kyc else None,
        kyc_submitted_at=kyc.submitted_at if kyc else None,
        kyc_reason=kyc.reason if kyc else None,
    )


@router.get("/users")
def user_list(
    _: Admin,
    session: SessionDep,
    *,
    role: Role | None = None,
    kyc: KycStatus | None = None,
    limit: Limit = 100,
    before: Before = None,
) -> list[UserLineOut]:
    """Users with their KYC, newest first; ``kyc=pending`` is the KYC queue."""
    rows = users.users(session, role=role, kyc=kyc, limit=limit, before=before)
    return [_user_line(user, row) for user, row in rows]


@router.get("/cash")
def transfers(
    _: Admin,
    session: SessionDep,
    *,
    kind: Annotated[Cause | None, Query(description="payin or payout")] = None,
    user_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Limit = 100,
    before: Before = None,
) -> list[TransferOut]:
    """Pay-ins (positive) and pay-outs (negative), newest first."""
    if kind not in (None, Cause.PAYIN, Cause.PAYOUT):
        kind = None
    rows = cash.transfers(session, kind=kind, user_id=user_id, limit=limit, before=before)
    return [TransferOut.model_validate(row) for row in rows]


@router.get("/alerts")
def alert_list(
    _: Admin,
    session: SessionDep,
    *,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Limit = 100,
    before: Before = None,
) -> list[AlertOut]:
    """Operator alerts, newest first (``open=true``: only those not yet acknowledged)."""
    rows = alerts.recent(session, open_only=open_only, limit=limit, before=before)
    return [AlertOut.model_validate(row) for row in rows]


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(alert_id: IdPath, admin: Admin, session: SessionDep) -> AlertOut:
    """Mark an alert seen (audited once; acknowledging it again changes nothing)."""
    alert, changed = alerts.acknowledge(session, alert_id)
    if changed:
        assert alert.acknowledged_at is not None
        audit.record(
            session,
            actor=admin,
            action="alert.acknowledge",
            entity="alert",
            entity_id=alert.id,
            before={"acknowledged_at": None},
            after={"acknowledged_at": alert.acknowledged_at.isoformat()},
        )
    return AlertOut.model_validate(alert)


@router.get("/audit")
def audit_log(
    _: Admin,
    session: SessionDep,
    *,
    entity: str | None = None,
    action: str | None = None,
    actor_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Limit = 100,
    before: Before = None,
) -> list[AuditOut]:
    """The audit log, newest first, filtered by entity, action and actor."""
    rows = audit.search(
        session, entity=entity, action=action, actor_id=actor_id, limit=limit, before=before
    )
    return [AuditOut.model_validate(row) for row in rows]


@router.get("/reconciliation")
def reconciliation_reports(
    _: Admin,
    session: SessionDep,
    *,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    before: Before = None,
) -> list[ReconciliationOut]:
    """Stored reconciliation reports, newest first (the engine stores one after each batch,
    ``saras reconcile`` one per run); none are computed on request."""
    query = select(ReconciliationReport).order_by(ReconciliationReport.id.desc()).limit(limit)
    if before is not None:
        query = query.where(ReconciliationReport.id < before)
    return [ReconciliationOut.model_validate(r) for r in session.execute(query).scalars()]


@router.get("/engine")
def engine(_: Admin, session: SessionDep, settings: SettingsDep) -> EngineOut:
    """The trading lease and its heartbeat, the executing and ready batches, whether an
    executing batch is stalled, the Kite session and the open alerts."""
    found = engine_status(session, settings)
    kite = found.kite_session
    left = (found.lease_expires_at - found.now).total_seconds() if found.lease_expires_at else None
    return EngineOut(
        now=found.now,
        lease_holder=found.lease_holder,
        lease_expires_at=found.lease_expires_at,
        lease_live=found.lease_live,
        heartbeat_seconds_left=left,
        executing_batch=found.executing_batch,
        executing_phase=found.executing_phase,
        ready_batches=found.ready_batches,
        stalled=found.stalled,
        kite=KiteSessionOut(
            valid=found.kite_valid,
            user_id=kite.user_id if kite else None,
            login_time=kite.login_time if kite else None,
            expires_at=kite.expires_at if kite else None,
            ended_at=kite.ended_at if kite else None,
            end_reason=kite.end_reason if kite else None,
        ),
        open_alerts=session.execute(
            select(func.count()).select_from(Alert).where(Alert.acknowledged_at.is_(None))
        ).scalar_one(),
    )


@router.get("/journal")
def journal_entries(
    _: Admin,
    session: SessionDep,
    *,
    cause: Cause | None = None,
    limit: Limit = 100,
    before: Before = None,
) -> list[JournalLineOut]:
    """Journal entries, newest first (of one cause, if given), each with the entry that
    reversed it, to pick one to reverse (``POST /admin/journal/{id}/reverse``)."""
    rows = journal.recent(session, cause=cause, limit=limit, before=before)
    return [JournalLineOut.model_validate(row) for row in rows]
