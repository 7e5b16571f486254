"""Routes: corporate actions on the pooled book (admin): enter, import, list, post, cancel."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.corporate_actions import announcements, nse_file
from bridge_api.corporate_actions.announcements import Leg
from bridge_api.corporate_actions.posting import post_action
from bridge_api.db.models import ActionStatus, CorporateAction, CorporateActionEntitlement
from bridge_api.http.deps import Admin, SessionDep
from bridge_api.http.fields import IdPath
from bridge_api.http.schemas.corporate_actions import (
    CancelIn,
    CorporateActionIn,
    CorporateActionOut,
    EntitlementOut,
    ImportIn,
    ImportOut,
    LeftOut,
    PostIn,
)

router = APIRouter(prefix="/admin/corporate-actions", tags=["corporate actions"])


def _out(session: Session, action: CorporateAction, *, details: bool = False) -> CorporateActionOut:
    rows: list[CorporateActionEntitlement] = []
    if details:
        rows = list(
            session.execute(
                select(CorporateActionEntitlement)
                .where(CorporateActionEntitlement.action_id == action.id)
                .order_by(CorporateActionEntitlement.account_id, CorporateActionEntitlement.symbol)
            ).scalars()
        )
    return CorporateActionOut(
        id=action.id,
        kind=action.kind,
        symbol=action.symbol,
        ex_date=action.ex_date,
        record_date=action.record_date,
        per_share=action.per_share,
        legs=action.legs,
        purpose=action.purpose,
        status=action.status,
        source=action.source,
        posted_on=action.posted_on,
        entry_id=action.entry_id,
        credited=action.credited,
        tds=action.tds,
        fraction_price=action.fraction_price,
        residue=action.residue,
        entitlements=[
            EntitlementOut(
                account_id=r.account_id,
                subscription_id=r.subscription_id,
                symbol=r.symbol,
                held=r.held,
                shares=r.shares,
                gross=r.gross,
                tds=r.tds,
                cash=r.cash,
            )
            for r in rows
        ],
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def add(body: CorporateActionIn, admin: Admin, session: SessionDep) -> CorporateActionOut:
    """Enter an announced action (audited); its symbol stops trading from the ex date."""
    action = announcements.announce(
        session,
        admin,
        kind=body.kind,
        symbol=body.symbol,
        ex_date=body.ex_date,
        record_date=body.record_date,
        per_share=body.per_share,
        legs=[Leg(leg.symbol, leg.new, leg.old, leg.cost_percent) for leg in body.legs],
        purpose=body.purpose,
    )
    return _out(session, action)


@router.post("/import", status_code=status.HTTP_201_CREATED)
def import_nse(body: ImportIn, admin: Admin, session: SessionDep) -> ImportOut:
    """Announce the dividends, bonuses and splits of NSE's corporate-actions file; lines not
    read come back with the reason."""
    result = nse_file.import_file(session, admin, body.csv)
    return ImportOut(
        added=[_out(session, a) for a in result.added],
        known=result.known,
        left=[LeftOut(**asdict(left)) for left in result.left],
    )


@router.get("")
def list_actions(
    _: Admin, session: SessionDep, symbol: str | None = None, status: ActionStatus | None = None
) -> list[CorporateActionOut]:
    """Actions, newest ex date first (optionally one symbol's, or one status's)."""
    return [_out(session, a) for a in announcements.listed(session, symbol=symbol, status=status)]


@router.get("/{action_id}")
def get_action(action_id: IdPath, _: Admin, session: SessionDep) -> CorporateActionOut:
    """One action, with what each book received once posted."""
    return _out(session, announcements.get(session, action_id), details=True)


@router.post("/{action_id}/post")
def post(action_id: IdPath, body: PostIn, admin: Admin, session: SessionDep) -> CorporateActionOut:
    """Post an action once the broker shows it (audited): one ledger entry, each book's
    entitlement, lots, pending intents and compositions carried."""
    action = post_action(
        session,
        admin,
        action_id,
        posted_on=body.posted_on,
        credited=body.credited,
        tds=body.tds,
        fraction_price=body.fraction_price,
    )
    return _out(session, action, details=True)


@router.post("/{action_id}/cancel")
def cancel(
    action_id: IdPath, body: CancelIn, admin: Admin, session: SessionDep
) -> CorporateActionOut:
    """Withdraw an announced action (audited)."""
    return _out(session, announcements.cancel(session, admin, action_id, reason=body.reason))
