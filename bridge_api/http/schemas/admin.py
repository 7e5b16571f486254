"""Response bodies of the admin's reads: users, pay-ins and pay-outs, alerts, the audit log,
reconciliation reports, the engine and the journal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from bridge_api.db.models import KycStatus, Role
from bridge_api.http.fields import Rupees


class UserLineOut(BaseModel):
    """A user in the admin's list (PAN masked)."""

    id: int
    email: str
    full_name: str
    role: Role
    active: bool
    created_at: datetime
    kyc_status: KycStatus | None
    kyc_legal_name: str | None
    pan_masked: str | None
    kyc_submitted_at: datetime | None
    kyc_reason: str | None


class TransferOut(BaseModel):
    """A pay-in (positive amount) or pay-out (negative) of an investor's free cash."""

    model_config = ConfigDict(from_attributes=True)

    entry_id: int
    kind: str
    user_id: int
    email: str
    full_name: str
    amount: Rupees
    memo: str
    effective_on: date
    created_at: datetime
    reversed: bool


class AlertOut(BaseModel):
    """An operator alert."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    message: str
    details: dict[str, Any]
    created_at: datetime
    acknowledged_at: datetime | None


class AuditOut(BaseModel):
    """One audit record: who did what to which entity, before and after."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime


class ReconciliationOut(BaseModel):
    """A stored reconciliation report (the books against the broker)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    scope: str
    batch_id: int | None
    matches: bool
    report: dict[str, Any]
    created_at: datetime


class KiteSessionOut(BaseModel):
    """The newest Kite session, valid or not."""

    valid: bool
    user_id: str | None = None
    login_time: datetime | None = None
    expires_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None


class EngineOut(BaseModel):
    """The engine as the database shows it: the trading lease (renewed as the engine works,
    so its expiry is the heartbeat), the executing and ready batches, and Kite."""

    now: datetime
    lease_holder: str | None
    lease_expires_at: datetime | None
    lease_live: bool
    heartbeat_seconds_left: float | None
    executing_batch: int | None
    executing_phase: int | None
    ready_batches: list[int]
    stalled: bool
    """A batch is executing but no engine holds a live lease (it died or was stopped)."""
    kite: KiteSessionOut
    open_alerts: int


class JournalLineOut(BaseModel):
    """A journal entry, its posting count, and the entry that reversed it, if any."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    cause: str
    memo: str
    effective_on: date
    created_at: datetime
    batch_id: int | None
    corrects_id: int | None
    corrected_by: int | None
    postings: int
