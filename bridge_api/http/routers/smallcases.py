"""Routes: create, version, publish, archive and read smallcases."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from bridge_api.db.models import Smallcase, SmallcaseStatus, User
from bridge_api.http.deps import CurrentUser, Manager, Reader, SessionDep
from bridge_api.http.fields import IdPath
from bridge_api.http.schemas.smallcases import (
    ConstituentOut,
    ManagedSmallcaseOut,
    SmallcaseHistoryOut,
    SmallcaseIn,
    SmallcaseOut,
    SmallcaseSummary,
    StatsOut,
    SubscriberOut,
    SubscribersOut,
    VersionIn,
    VersionOut,
)
from bridge_api.market.basket_history import Period, basket_history
from bridge_api.portfolios import views
from bridge_api.smallcases import service

router = APIRouter(tags=["smallcases"])


def _out(session: Session, smallcase: Smallcase) -> SmallcaseOut:
    versions = service.history(session, smallcase.id)
    latest = versions[-1]
    fractions = latest.fractions()
    stats = service.statistics(session, fractions)
    minimum = service.minimum_investment(session, fractions)
    return SmallcaseOut(
        id=smallcase.id,
        name=smallcase.name,
        description=smallcase.description,
        status=smallcase.status,
        manager_id=smallcase.manager_id,
        version=latest.version.number,
        constituents=[ConstituentOut(symbol=s, weight=w) for s, w in latest.weights.items()],
        versions=[
            VersionOut(
                number=v.version.number,
                note=v.version.note,
                created_at=v.version.created_at,
                constituents=[ConstituentOut(symbol=s, weight=w) for s, w in v.weights.items()],
            )
            for v in versions
        ],
        minimum_investment=minimum,
        stats=StatsOut(
            expected_annual_return=stats.expected_annual_return,
            annual_volatility=stats.annual_volatility,
            days=stats.days,
        )
        if stats
        else None,
        validation="valid" if minimum is not None else "no price for every constituent",
    )


@router.post("/smallcase", status_code=status.HTTP_201_CREATED)
def create(body: SmallcaseIn, manager: Manager, session: SessionDep) -> SmallcaseOut:
    """Create a draft smallcase with its first version (manager)."""
    smallcase = service.create(
        session,
        manager,
        name=body.name,
        description=body.description,
        constituents=body.constituents,
        note=body.note,
    )
    return _out(session, smallcase)


@router.put("/smallcase/{smallcase_id}")
def new_version(
    smallcase_id: IdPath, body: VersionIn, manager: Manager, session: SessionDep
) -> SmallcaseOut:
    """Add a new immutable version (its manager); subscribers may then accept or skip it."""
    smallcase = service.new_version(
        session,
        manager,
        smallcase_id,
        constituents=body.constituents,
        note=body.note,
        description=body.description,
    )
    return _out(session, smallcase)


@router.post("/smallcase/{smallcase_id}/publish")
def publish(smallcase_id: IdPath, manager: Manager, session: SessionDep) -> SmallcaseOut:
    """Publish for investors (its manager)."""
    return _out(
        session, service.set_status(session, manager, smallcase_id, SmallcaseStatus.PUBLISHED)
    )


@router.post("/smallcase/{smallcase_id}/archive")
def archive(smallcase_id: IdPath, manager: Manager, session: SessionDep) -> SmallcaseOut:
    """Archive: no new investments or versions (its manager)."""
    return _out(
        session, service.set_status(session, manager, smallcase_id, SmallcaseStatus.ARCHIVED)
    )


@router.get("/smallcase/{smallcase_id}")
def read(smallcase_id: IdPath, user: CurrentUser, session: SessionDep) -> SmallcaseOut:
    """Composition, version history, minimum investment, statistics and validation status."""
    return _out(session, service.visible(session, user, smallcase_id))


@router.get("/smallcases")
async def published(read: Reader) -> list[SmallcaseSummary]:
    """Published smallcases."""
    return await read(_summaries)


def _summaries(session: Session, _: User) -> list[SmallcaseSummary]:
    return [
        SmallcaseSummary(
            id=listed.smallcase.id,
            name=listed.smallcase.name,
            description=listed.smallcase.description,
            version=listed.latest.version.number,
            constituents=len(listed.latest.weights),
            minimum_investment=listed.minimum_investment,
        )
        for listed in service.listing(session)
    ]


@router.get("/smallcases/mine")
def mine(
    manager: Manager,
    session: SessionDep,
    status: Annotated[SmallcaseStatus | None, Query(description="Only this status.")] = None,
) -> list[ManagedSmallcaseOut]:
    """The signed-in manager's smallcases of every status (an admin's: everyone's), by name."""
    out = []
    for smallcase in service.managed(session, manager, status):
        latest = service.composition(session, smallcase.id)
        out.append(
            ManagedSmallcaseOut(
                id=smallcase.id,
                name=smallcase.name,
                description=smallcase.description,
                status=smallcase.status,
                manager_id=smallcase.manager_id,
                created_at=smallcase.created_at,
                version=latest.version.number,
                constituents=len(latest.weights),
                minimum_investment=service.minimum_investment(session, latest.fractions()),
            )
        )
    return out


@router.get("/smallcases/{smallcase_id}/history")
def history(
    smallcase_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    period: Annotated[Period, Query(description="Counted back from the last bar.")] = "all",
) -> SmallcaseHistoryOut:
    """What ₹100 bought at the period's first close became each day: in the latest version's
    weights, held without rebalancing, and in equal weights of the same stocks (empty lists
    when the bars do not cover every stock on two days). Readable like the smallcase."""
    smallcase = service.visible(session, user, smallcase_id)
    latest = service.composition(session, smallcase.id)
    found = basket_history(session, latest.fractions(), period)
    return SmallcaseHistoryOut(
        smallcase_id=smallcase.id,
        version=latest.version.number,
        basis="the latest version's weights, bought at the first close and held",
        period=period,
        periods=found.periods if found else ["all"],
        days=found.days if found else [],
        model=found.model if found else [],
        equal_weight=found.equal_weight if found else [],
    )


@router.get("/smallcase/{smallcase_id}/subscribers")
def subscribers(smallcase_id: IdPath, manager: Manager, session: SessionDep) -> SubscribersOut:
    """Every subscription to the smallcase, its investor and value at the latest closes, and
    the assets under management (its manager, or an admin)."""
    service.owned(session, manager, smallcase_id)
    found = views.subscribers(session, smallcase_id)
    return SubscribersOut(
        smallcase_id=smallcase_id,
        subscribers=[
            SubscriberOut(
                subscription_id=s.book.id,
                user_id=s.user_id,
                investor=s.investor,
                status=s.book.status,
                version=s.book.version,
                cash=s.book.cash + s.book.unsettled_cash,
                market_value=s.book.market_value,
                value=s.value,
                unrealised=s.book.unrealised,
                holdings=len(s.book.holdings),
            )
            for s in found
        ],
        active=sum(1 for s in found if s.book.status == "active"),
        assets_under_management=sum((s.value for s in found), Decimal(0)),
    )
