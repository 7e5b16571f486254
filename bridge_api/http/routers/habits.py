"""Routes: drift bands (a smallcase's manager) and SIPs (the investor's own)."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.calendar import ist_today
from bridge_api.db.models import DriftBand, Sip, SipRun, Subscription, User
from bridge_api.http.deps import CurrentUser, Manager, SessionDep
from bridge_api.http.fields import IdPath
from bridge_api.http.schemas.habits import (
    DriftBandIn,
    DriftOut,
    DriftProposalOut,
    DriftReportOut,
    SipIn,
    SipOut,
    SipRunOut,
)
from bridge_api.portfolios import drift, intents, sips

router = APIRouter(tags=["habits"])


def _report(session: Session, manager: User, smallcase_id: int) -> DriftReportOut:
    found = drift.report(session, manager, smallcase_id, ist_today())
    return DriftReportOut(
        band_points=found.band_points,
        cooldown_days=found.cooldown_days,
        subscriptions=found.subscriptions,
        drifted=found.drifted,
        open_proposals=found.open_proposals,
        worst=[
            DriftOut(subscription_id=d.subscription_id, points=d.points, symbol=d.symbol)
            for d in found.worst
        ],
    )


@router.put("/smallcase/{smallcase_id}/drift-band")
def set_drift_band(
    smallcase_id: IdPath, body: DriftBandIn, manager: Manager, session: SessionDep
) -> DriftReportOut:
    """Set the band beyond which a subscription is proposed a rebalance (its manager)."""
    drift.set_band(
        session,
        manager,
        smallcase_id,
        band_points=body.band_points,
        cooldown_days=body.cooldown_days,
    )
    return _report(session, manager, smallcase_id)


@router.get("/smallcase/{smallcase_id}/drift")
def drift_report(smallcase_id: IdPath, manager: Manager, session: SessionDep) -> DriftReportOut:
    """How many subscriptions have drifted beyond the band, at the last closes."""
    return _report(session, manager, smallcase_id)


@router.get("/subscriptions/{subscription_id}/drift-proposal")
def drift_proposal(
    subscription_id: IdPath, user: CurrentUser, session: SessionDep
) -> DriftProposalOut | None:
    """The rebalance the drift band proposed to the investor's own subscription and that
    awaits their decision, or null."""
    subscription = intents.own_subscription(session, user, subscription_id)
    proposal = drift.pending(session, subscription.id)
    if proposal is None:
        return None
    band = session.get(DriftBand, subscription.smallcase_id) if subscription.smallcase_id else None
    return DriftProposalOut(
        id=proposal.id,
        subscription_id=proposal.subscription_id,
        day=proposal.day,
        drift_points=proposal.drift_points,
        symbol=proposal.symbol,
        band_points=None if band is None else band.band_points,
    )


def _sip(session: Session, sip: Sip) -> SipOut:
    runs = session.execute(
        select(SipRun).where(SipRun.sip_id == sip.id).order_by(SipRun.due_on.desc())
    ).scalars()
    return SipOut(
        id=sip.id,
        subscription_id=sip.subscription_id,
        amount=sip.amount,
        frequency=sip.frequency,
        day=sip.day_of_period,
        next_on=sip.next_on,
        status=sip.status,
        runs=[
            SipRunOut(due_on=r.due_on, run_on=r.run_on, intent_id=r.intent_id, skipped=r.skipped)
            for r in runs
        ],
    )


@router.post("/sips", status_code=status.HTTP_201_CREATED)
def start_sip(body: SipIn, user: CurrentUser, session: SessionDep) -> SipOut:
    """Start a SIP into one of the investor's smallcase subscriptions."""
    sip = sips.start(
        session,
        user,
        subscription_id=body.subscription_id,
        amount=body.amount,
        frequency=body.frequency,
        day_of_period=body.day,
        today=ist_today(),
    )
    return _sip(session, sip)


@router.get("/sips")
def list_sips(user: CurrentUser, session: SessionDep) -> list[SipOut]:
    """The investor's SIPs with their runs."""
    rows = session.execute(
        select(Sip)
        .join(Subscription, Subscription.id == Sip.subscription_id)
        .where(Subscription.user_id == user.id)
        .order_by(Sip.id)
    ).scalars()
    return [_sip(session, sip) for sip in rows]


@router.post("/sips/{sip_id}/pause")
def pause_sip(sip_id: IdPath, user: CurrentUser, session: SessionDep) -> SipOut:
    """Pause a SIP."""
    return _sip(session, sips.pause(session, user, sip_id))


@router.post("/sips/{sip_id}/resume")
def resume_sip(sip_id: IdPath, user: CurrentUser, session: SessionDep) -> SipOut:
    """Resume a paused SIP from its first due date from today."""
    return _sip(session, sips.resume(session, user, sip_id, today=ist_today()))


@router.post("/sips/{sip_id}/stop")
def stop_sip(sip_id: IdPath, user: CurrentUser, session: SessionDep) -> SipOut:
    """Stop a SIP for good."""
    return _sip(session, sips.stop(session, user, sip_id))
