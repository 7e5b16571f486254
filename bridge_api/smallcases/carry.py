"""Compositions carried through a corporate action: a symbol renamed, merged into another or
demerged becomes a new version of every smallcase holding it, and its subscribers follow that
version at once (the action itself moved their shares; nothing is traded)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bridge_api.audit.service import record
from bridge_api.db.models import (
    Smallcase,
    SmallcaseStatus,
    Subscription,
    SubscriptionStatus,
    User,
)
from bridge_api.smallcases.service import _add_version, composition

WEIGHT = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class _Weight:
    symbol: str
    weight: Decimal


def carry_compositions(
    session: Session, actor: User, symbol: str, shares: Mapping[str, Decimal], *, note: str
) -> list[int]:
    """Give every smallcase whose latest version holds `symbol` a new version in which its
    weight is shared out as `shares` says (percent of the old weight per symbol, summing to
    100; the last symbol takes the rounding), and move its subscribers on that version to the
    new one (audited). Returns the new versions' ids; nothing when `shares` is empty."""
    if not shares:
        return []
    created = []
    smallcases = session.execute(
        select(Smallcase)
        .where(Smallcase.status != SmallcaseStatus.ARCHIVED)
        .order_by(Smallcase.id)
        .with_for_update()
    ).scalars()
    for smallcase in smallcases:
        before = composition(session, smallcase.id)
        if symbol not in before.weights:
            continue
        weights = dict(before.weights)
        old = weights.pop(symbol)
        parts = list(shares.items())
        given = Decimal(0)
        for index, (target, percent) in enumerate(parts):
            last = index == len(parts) - 1
            part = old - given if last else (old * percent / 100).quantize(WEIGHT)
            given += part
            if part:
                weights[target] = weights.get(target, Decimal(0)) + part
        version = _add_version(
            session,
            smallcase,
            actor,
            [_Weight(s, w) for s, w in sorted(weights.items())],
            note,
            number=before.version.number + 1,
        )
        session.execute(
            update(Subscription)
            .where(
                Subscription.version_id == before.version.id,
                Subscription.status == SubscriptionStatus.ACTIVE,
            )
            .values(version_id=version.id)
        )
        record(
            session,
            actor=actor,
            action="smallcase.carry",
            entity="smallcase",
            entity_id=smallcase.id,
            before={"version": before.version.number, "weights": _text(before.weights)},
            after={"version": version.number, "weights": _text(weights), "note": note},
        )
        created.append(version.id)
    return created


def _text(weights: Mapping[str, Decimal]) -> dict[str, str]:
    return {s: str(w) for s, w in sorted(weights.items())}
