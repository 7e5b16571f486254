"""Routes: the house, the platform's own book (admin)."""

from __future__ import annotations

from fastapi import APIRouter, status

from bridge_api.http.deps import Admin, SessionDep
from bridge_api.http.schemas.house import HouseMoveIn, HouseOut
from bridge_api.ledger import house
from bridge_api.ledger.house import HousePosition

router = APIRouter(prefix="/admin/house", tags=["house"])


def _out(position: HousePosition, entry_id: int | None = None) -> HouseOut:
    return HouseOut(
        settled=position.settled,
        unsettled=position.unsettled,
        cash=position.cash,
        shortfall=position.shortfall,
        shares=position.shares,
        entry_id=entry_id,
    )


@router.get("")
def house_status(_: Admin, session: SessionDep) -> HouseOut:
    """What the house holds; a shortfall means the investors' claims exceed the account's cash."""
    return _out(house.position(session))


@router.post("/fund", status_code=status.HTTP_201_CREATED)
def fund(body: HouseMoveIn, admin: Admin, session: SessionDep) -> HouseOut:
    """Record money the operator paid into the account for the house (audited)."""
    entry = house.fund(session, admin, amount=body.amount, reference=body.reference)
    return _out(house.position(session), entry.id)


@router.post("/sweep", status_code=status.HTTP_201_CREATED)
def sweep(body: HouseMoveIn, admin: Admin, session: SessionDep) -> HouseOut:
    """Record money taken out of the house's settled cash to the operator (audited)."""
    entry = house.sweep(session, admin, amount=body.amount, reference=body.reference)
    return _out(house.position(session), entry.id)
