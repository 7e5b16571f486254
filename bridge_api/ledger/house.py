"""The house: the platform's own book, and how it is kept honest.

The house pays what no investor can be charged (a participant's charges beyond its cash, the
day's true-up against the contract note) and owns what no investor ordered (the fills of a
stray order, an attempt the broker showed only after its slice was sent again or given up).
So it can fall below zero, and then the investors' claims exceed the account's real cash:
`position` reports it, reconciliation raises it as a difference, the operator `fund`s the
house from outside (and `sweep`s out what it does not need), each audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from allocator import Side, Trade
from allocator.charges import COMPONENTS
from bridge_api.audit.service import record
from bridge_api.calendar import ist_today
from bridge_api.db.models import Balance, Bucket, Cause, JournalEntry, LedgerKind, Role, User
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict, Forbidden
from bridge_api.ledger import day_charges, dp
from bridge_api.ledger.service import (
    BANK,
    HOUSE,
    MARKET,
    Leg,
    balance,
    charges_account,
    check_amount,
    named_account,
    post,
    take_out,
)


@dataclass(frozen=True, slots=True)
class HousePosition:
    """What the house holds now."""

    settled: Decimal
    unsettled: Decimal
    shares: dict[str, int]

    @property
    def cash(self) -> Decimal:
        """Settled and unsettled cash together."""
        return self.settled + self.unsettled

    @property
    def shortfall(self) -> Decimal:
        """How far the house is below zero (what the operator must fund); 0 when it is not."""
        return max(-self.cash, Decimal("0.00"))


def house_account(session: Session) -> int:
    """The house's ledger account."""
    return named_account(session, HOUSE, LedgerKind.HOUSE)


def position(session: Session) -> HousePosition:
    """The house's cash by bucket and its shares (zero holdings left out)."""
    account = house_account(session)
    rows = session.execute(
        select(Balance.asset, Balance.bucket, Balance.amount).where(Balance.account_id == account)
    ).all()
    cash = {bucket: Decimal("0.00") for bucket in Bucket}
    shares: dict[str, int] = {}
    for asset, bucket, amount in rows:
        if asset == CASH:
            cash[bucket] += amount
        elif amount:
            shares[asset] = shares.get(asset, 0) + int(amount)
    return HousePosition(
        settled=cash[Bucket.SETTLED],
        unsettled=cash[Bucket.UNSETTLED],
        shares={s: q for s, q in sorted(shares.items()) if q},
    )


def fund(session: Session, admin: User, *, amount: Decimal, reference: str) -> JournalEntry:
    """Money the operator paid into the account for the house (audited)."""
    return _transfer(session, admin, amount, reference, into_house=True)


def sweep(session: Session, admin: User, *, amount: Decimal, reference: str) -> JournalEntry:
    """Money taken out of the house's settled cash to the operator (audited)."""
    settled = balance(session, house_account(session), CASH, Bucket.SETTLED)
    if check_amount(amount) > settled:
        raise Conflict(f"the house holds {settled} of settled cash; {amount} cannot be swept")
    return _transfer(session, admin, amount, reference, into_house=False)


def _transfer(
    session: Session, admin: User, amount: Decimal, reference: str, *, into_house: bool
) -> JournalEntry:
    check_amount(amount)
    if admin.role != Role.ADMIN or not admin.active:
        raise Forbidden("only an admin funds or sweeps the house")
    house, bank = house_account(session), named_account(session, BANK, LedgerKind.EXTERNAL)
    sign = 1 if into_house else -1
    entry = post(
        session,
        cause=Cause.HOUSE_FUNDING if into_house else Cause.HOUSE_SWEEP,
        legs=[Leg(house, CASH, sign * amount), Leg(bank, CASH, -sign * amount)],
        effective_on=ist_today(),
        memo=f"house {'funded' if into_house else 'swept'}: {reference}",
        created_by=admin.id,
    )
    record(
        session,
        actor=admin,
        action="house.fund" if into_house else "house.sweep",
        entity="house",
        entity_id=entry.id,
        after={"amount": str(amount), "reference": reference},
    )
    return entry


def book_stray_fill(
    session: Session,
    *,
    symbol: str,
    side: Side,
    quantity: int,
    price: Decimal,
    trade_date: date,
    memo: str,
) -> JournalEntry:
    """Book a fill no investor ordered to the house, as an allocation would (shares and cash
    against the market, unsettled what arrives), with its delivery charges paid by the house."""
    house = house_account(session)
    market = named_account(session, MARKET, LedgerKind.EXTERNAL)
    value = price * quantity
    if side is Side.BUY:
        legs = [
            Leg(house, CASH, -value),
            Leg(house, symbol, Decimal(quantity), Bucket.UNSETTLED),
            Leg(market, CASH, value),
            Leg(market, symbol, Decimal(-quantity), Bucket.UNSETTLED),
        ]
    else:
        held = balance(session, house, symbol, Bucket.SETTLED)
        legs = [
            *take_out(house, symbol, Decimal(quantity), held),
            Leg(house, CASH, value, Bucket.UNSETTLED),
            Leg(market, symbol, Decimal(quantity)),
            Leg(market, CASH, -value, Bucket.UNSETTLED),
        ]
    entry = post(session, cause=Cause.STRAY_FILL, legs=legs, effective_on=trade_date, memo=memo)
    charges = day_charges.added_by(
        session, trade_date, [Trade(symbol=symbol, side=side, quantity=quantity, price=price)]
    )
    dp.once_a_day(session, charges, day=trade_date, symbol=symbol, charged_with=memo)
    paid = [(name, charges[name]) for name in COMPONENTS if charges.get(name)]
    if paid:
        post(
            session,
            cause=Cause.CHARGES,
            legs=[
                Leg(house, CASH, -sum((amount for _, amount in paid), Decimal(0))),
                *(Leg(charges_account(session, name), CASH, amount) for name, amount in paid),
            ],
            effective_on=trade_date,
            memo=f"charges of {memo}",
        )
    return entry
