"""Announcing a corporate action, reading them, and which symbols wait for one.

An action is entered by an admin or imported from NSE's file (`nse_file`); from its ex date
until it is posted the engine trades nothing in its symbol (`pending_symbols`), because the
broker's holdings or price are about to change under the books.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.audit.service import record
from bridge_api.db.models import (
    ActionKind,
    ActionStatus,
    CorporateAction,
    Instrument,
    Role,
    User,
)
from bridge_api.errors import Conflict, Forbidden, Invalid, NotFound

REPLACING = frozenset({ActionKind.SPLIT, ActionKind.SYMBOL_CHANGE, ActionKind.MERGER})
"""Kinds whose legs replace the holding (the old shares are gone); a bonus and a demerger add
to it."""


@dataclass(frozen=True, slots=True)
class Leg:
    """`new` shares of `symbol` for every `old` held, carrying `cost_percent` of the cost."""

    symbol: str
    new: int
    old: int
    cost_percent: Decimal

    def as_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "symbol": self.symbol,
            "new": self.new,
            "old": self.old,
            "cost_percent": str(self.cost_percent),
        }


def legs_of(action: CorporateAction) -> list[Leg]:
    """An action's legs as values."""
    return [
        Leg(leg["symbol"], int(leg["new"]), int(leg["old"]), Decimal(leg["cost_percent"]))
        for leg in action.legs
    ]


def announce(
    session: Session,
    actor: User | None,
    *,
    kind: ActionKind,
    symbol: str,
    ex_date: date,
    record_date: date,
    per_share: Decimal | None = None,
    legs: Sequence[Leg] = (),
    purpose: str = "",
    source: str = "admin",
) -> CorporateAction:
    """Record an announced action (audited); refused when it is malformed or already known."""
    if actor is not None:
        check_admin(actor)
    _check_shape(kind, symbol, per_share, legs)
    if record_date < ex_date:
        raise Invalid(
            "the record date is before the ex date",
            errors=[{"field": "record_date", "message": "must be on or after ex_date"}],
        )
    known = set(
        session.execute(
            select(Instrument.symbol).where(
                Instrument.symbol.in_({symbol, *(leg.symbol for leg in legs)})
            )
        ).scalars()
    )
    missing = sorted({symbol, *(leg.symbol for leg in legs)} - known)
    if missing:
        raise Invalid(
            f"unknown symbols {', '.join(missing)}: load the instrument list first",
            errors=[{"field": "symbol", "message": f"unknown: {', '.join(missing)}"}],
        )
    duplicate = session.execute(
        select(CorporateAction.id).where(
            CorporateAction.symbol == symbol,
            CorporateAction.kind == kind,
            CorporateAction.ex_date == ex_date,
        )
    ).scalar_one_or_none()
    if duplicate is not None:
        raise Conflict(f"corporate action {duplicate} is already a {kind} of {symbol} on {ex_date}")
    action = CorporateAction(
        kind=kind,
        symbol=symbol,
        ex_date=ex_date,
        record_date=record_date,
        per_share=per_share,
        legs=[leg.as_json() for leg in legs],
        purpose=purpose,
        source=source,
        status=ActionStatus.ANNOUNCED,
        created_by=actor.id if actor else None,
    )
    session.add(action)
    session.flush()
    record(
        session,
        actor=actor,
        action="corporate_action.add",
        entity="corporate_action",
        entity_id=action.id,
        after=describe(action),
    )
    return action


def cancel(session: Session, actor: User, action_id: int, *, reason: str) -> CorporateAction:
    """Withdraw an announced action (entered by mistake, or withdrawn by the company)."""
    check_admin(actor)
    action = get(session, action_id, lock=True)
    if action.status is not ActionStatus.ANNOUNCED:
        raise Conflict(f"corporate action {action_id} is {action.status}, not announced")
    action.status = ActionStatus.CANCELLED
    record(
        session,
        actor=actor,
        action="corporate_action.cancel",
        entity="corporate_action",
        entity_id=action.id,
        after={"reason": reason},
    )
    return action


def get(session: Session, action_id: int, *, lock: bool = False) -> CorporateAction:
    """One action, or `NotFound`."""
    action = session.get(CorporateAction, action_id, with_for_update=lock)
    if action is None:
        raise NotFound(f"no corporate action {action_id}")
    return action


def listed(
    session: Session, *, symbol: str | None = None, status: ActionStatus | None = None
) -> list[CorporateAction]:
    """Actions, newest ex date first, optionally of one symbol or status."""
    query = select(CorporateAction).order_by(
        CorporateAction.ex_date.desc(), CorporateAction.id.desc()
    )
    if symbol is not None:
        query = query.where(CorporateAction.symbol == symbol)
    if status is not None:
        query = query.where(CorporateAction.status == status)
    return list(session.execute(query).scalars())


def pending_symbols(session: Session, symbols: Collection[str], day: date) -> set[str]:
    """The symbols among `symbols` with an action past its ex date and not yet posted: the
    engine trades none of them on `day`."""
    if not symbols:
        return set()
    return set(
        session.execute(
            select(CorporateAction.symbol).where(
                CorporateAction.symbol.in_(list(symbols)),
                CorporateAction.status == ActionStatus.ANNOUNCED,
                CorporateAction.ex_date <= day,
            )
        ).scalars()
    )


def describe(action: CorporateAction) -> dict[str, Any]:
    """The action as the audit log and the command line show it."""
    return {
        "id": action.id,
        "kind": str(action.kind),
        "symbol": action.symbol,
        "ex_date": action.ex_date.isoformat(),
        "record_date": action.record_date.isoformat(),
        "per_share": None if action.per_share is None else str(action.per_share),
        "legs": action.legs,
        "purpose": action.purpose,
        "status": str(action.status),
        "source": action.source,
    }


PRICE_LIMIT = Decimal(10) ** 10
"""Rupees a share (a dividend, a fraction's price) at most: the columns hold ten digits."""


def check_price(value: Decimal | None, field: str) -> None:
    """Refuse a per-share amount that is not positive, beyond `PRICE_LIMIT`, or finer than
    1/10,000 of a rupee."""
    if value is None:
        return
    exponent = value.as_tuple().exponent
    if value <= 0 or value >= PRICE_LIMIT or (isinstance(exponent, int) and exponent < -4):
        raise Invalid(
            f"{field} must be positive, below {PRICE_LIMIT}, to 4 decimals at most; was {value}",
            errors=[{"field": field, "message": "out of range"}],
        )


def check_admin(actor: User) -> None:
    """Refuse anyone but an active admin."""
    if actor.role != Role.ADMIN or not actor.active:
        raise Forbidden("only an active admin enters or posts corporate actions")


def _check_shape(
    kind: ActionKind, symbol: str, per_share: Decimal | None, legs: Sequence[Leg]
) -> None:
    def bad(message: str) -> Invalid:
        return Invalid(f"a {kind}: {message}", errors=[{"field": "legs", "message": message}])

    check_price(per_share, "per_share")
    if kind is ActionKind.DIVIDEND:
        if per_share is None or per_share <= 0:
            raise Invalid(
                "a dividend needs its rupees per share",
                errors=[{"field": "per_share", "message": "must be positive"}],
            )
        if legs:
            raise bad("a dividend has no legs")
        return
    if per_share is not None:
        raise bad("only a dividend has per_share")
    if not legs:
        raise bad("give what each holding turns into (legs)")
    for leg in legs:
        if leg.new <= 0 or leg.old <= 0:
            raise bad(f"ratio {leg.new}:{leg.old} must be positive whole numbers")
        if not 0 <= leg.cost_percent <= 100:
            raise bad(f"cost_percent {leg.cost_percent} must be within 0..100")
    same = [leg.symbol == symbol for leg in legs]
    if kind in (ActionKind.SPLIT, ActionKind.BONUS) and (len(legs) != 1 or not same[0]):
        raise bad(f"one leg, in {symbol} itself")
    if kind in (ActionKind.SYMBOL_CHANGE, ActionKind.MERGER) and (len(legs) != 1 or same[0]):
        raise bad("one leg, in the new symbol")
    if kind is ActionKind.SYMBOL_CHANGE and legs[0].new != legs[0].old:
        raise bad("a symbol change is one new share for one old")
    if kind is ActionKind.DEMERGER and any(same):
        raise bad("the legs are the resulting companies' symbols")
    expected = {
        ActionKind.SPLIT: Decimal(100),
        ActionKind.SYMBOL_CHANGE: Decimal(100),
        ActionKind.MERGER: Decimal(100),
        ActionKind.BONUS: Decimal(0),
    }
    total = sum((leg.cost_percent for leg in legs), Decimal(0))
    if kind in expected and total != expected[kind]:
        raise bad(f"cost_percent must be {expected[kind]}, was {total}")
    if kind is ActionKind.DEMERGER and not 0 < total < 100:
        raise bad(f"the resulting companies take between 0 and 100% of the cost, not {total}")
