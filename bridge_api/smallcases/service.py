"""Creating, versioning, publishing and describing smallcases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from allocator import AllocatorError, minimum_amount
from bridge_api.audit.service import record
from bridge_api.config import get_settings
from bridge_api.db.models import (
    Constituent,
    Instrument,
    Role,
    Smallcase,
    SmallcaseStatus,
    SmallcaseVersion,
    Subscription,
    SubscriptionStatus,
    User,
)
from bridge_api.errors import Conflict, Forbidden, Invalid, NotFound
from bridge_api.market.analytics import BasketStats, basket_stats
from bridge_api.market.prices import last_bars, tick_sizes
from bridge_api.notifications.events import EventKind, notify
from bridge_api.smallcases.validation import HUNDRED, Weighted, check_composition


@dataclass(frozen=True, slots=True)
class Composition:
    """A version's constituents as (symbol, weight percent), sorted by symbol."""

    version: SmallcaseVersion
    weights: dict[str, Decimal]

    def fractions(self) -> dict[str, Decimal]:
        """Weights as fractions of 1 (exact: percent / 100)."""
        return {s: w / HUNDRED for s, w in self.weights.items()}


def create(
    session: Session,
    manager: User,
    *,
    name: str,
    description: str,
    constituents: Sequence[Weighted],
    note: str,
) -> Smallcase:
    """A new draft smallcase with its first version (audited)."""
    _check(session, constituents)
    if session.execute(
        select(Smallcase.id).where(func.lower(Smallcase.name) == name.lower())
    ).first():
        raise Conflict(f"a smallcase called {name!r} exists")
    smallcase = Smallcase(manager_id=manager.id, name=name, description=description)
    session.add(smallcase)
    session.flush()
    version = _add_version(session, smallcase, manager, constituents, note, number=1)
    record(
        session,
        actor=manager,
        action="smallcase.create",
        entity="smallcase",
        entity_id=smallcase.id,
        after=_snapshot(smallcase, version, constituents),
    )
    return smallcase


def new_version(
    session: Session,
    manager: User,
    smallcase_id: int,
    *,
    constituents: Sequence[Weighted],
    note: str,
    description: str | None,
) -> Smallcase:
    """Add an immutable version (a rebalance once published), audited with before and after."""
    smallcase = owned(session, manager, smallcase_id, lock=True)
    if smallcase.status is SmallcaseStatus.ARCHIVED:
        raise Conflict("an archived smallcase cannot change")
    _check(session, constituents)
    before = composition(session, smallcase.id)
    version = _add_version(
        session, smallcase, manager, constituents, note, number=before.version.number + 1
    )
    if description is not None:
        smallcase.description = description
    record(
        session,
        actor=manager,
        action="smallcase.version",
        entity="smallcase",
        entity_id=smallcase.id,
        before={
            "version": before.version.number,
            "weights": {s: str(w) for s, w in before.weights.items()},
        },
        after=_snapshot(smallcase, version, constituents),
    )
    if smallcase.status is SmallcaseStatus.PUBLISHED:
        _notify_rebalance(session, smallcase, version)
    return smallcase


def _notify_rebalance(session: Session, smallcase: Smallcase, version: SmallcaseVersion) -> None:
    """A published smallcase's new version is a rebalance its subscribers may accept."""
    users = session.execute(
        select(Subscription.user_id)
        .where(
            Subscription.smallcase_id == smallcase.id,
            Subscription.status == SubscriptionStatus.ACTIVE,
        )
        .distinct()
    ).scalars()
    notify(
        session,
        EventKind.REBALANCE_AVAILABLE,
        list(users),
        smallcase=smallcase.name,
        smallcase_id=smallcase.id,
        version=version.number,
        note=version.note,
    )


def set_status(
    session: Session, manager: User, smallcase_id: int, status: SmallcaseStatus
) -> Smallcase:
    """Publish or archive (audited); an archived smallcase stays archived."""
    smallcase = owned(session, manager, smallcase_id, lock=True)
    if smallcase.status is SmallcaseStatus.ARCHIVED:
        raise Conflict("the smallcase is archived")
    if smallcase.status is status:
        raise Conflict(f"the smallcase is already {status}")
    before = {"status": str(smallcase.status)}
    smallcase.status = status
    record(
        session,
        actor=manager,
        action=f"smallcase.{status}",
        entity="smallcase",
        entity_id=smallcase.id,
        before=before,
        after={"status": str(status)},
    )
    return smallcase


def owned(session: Session, manager: User, smallcase_id: int, *, lock: bool = False) -> Smallcase:
    """A smallcase its manager (or an admin) may change; others get 404 or 403."""
    smallcase = session.get(Smallcase, smallcase_id, with_for_update=lock)
    if smallcase is None:
        raise NotFound(f"no smallcase {smallcase_id}")
    if manager.role is not Role.ADMIN and smallcase.manager_id != manager.id:
        raise Forbidden("only its manager or an admin may change a smallcase")
    return smallcase


def visible(session: Session, user: User, smallcase_id: int) -> Smallcase:
    """A smallcase the user may read: published ones, or their own, or any for an admin."""
    smallcase = session.get(Smallcase, smallcase_id)
    mine = smallcase is not None and (user.role is Role.ADMIN or smallcase.manager_id == user.id)
    if smallcase is None or (smallcase.status is not SmallcaseStatus.PUBLISHED and not mine):
        raise NotFound(f"no smallcase {smallcase_id}")
    return smallcase


def composition(session: Session, smallcase_id: int, version_id: int | None = None) -> Composition:
    """The latest (or a given) version of a smallcase and its weights."""
    query = select(SmallcaseVersion).where(SmallcaseVersion.smallcase_id == smallcase_id)
    if version_id is not None:
        query = query.where(SmallcaseVersion.id == version_id)
    version = session.execute(query.order_by(SmallcaseVersion.number.desc()).limit(1)).scalar_one()
    return Composition(version, _weights(session, version.id))


def history(session: Session, smallcase_id: int) -> list[Composition]:
    """Every version, oldest first."""
    versions = session.execute(
        select(SmallcaseVersion)
        .where(SmallcaseVersion.smallcase_id == smallcase_id)
        .order_by(SmallcaseVersion.number)
    ).scalars()
    return [Composition(v, _weights(session, v.id)) for v in versions]


def minimum_investment(session: Session, weights: dict[str, Decimal]) -> Decimal | None:
    """The least amount buying one share of every constituent at the latest closes, with the
    buy collar and charges reserve of the settings; None when prices are missing."""
    closes = {symbol: close for symbol, (_, close) in last_bars(session, weights).items()}
    return _minimum(weights, closes, tick_sizes(session, weights))


def _minimum(
    weights: dict[str, Decimal], closes: dict[str, Decimal], ticks: dict[str, Decimal]
) -> Decimal | None:
    """`minimum_investment` from closes and ticks read for these and perhaps other symbols."""
    if any(symbol not in closes for symbol in weights):
        return None
    settings = get_settings()
    try:
        return minimum_amount(
            weights=weights,
            prices={symbol: closes[symbol] for symbol in sorted(weights)},
            tick_size={symbol: ticks[symbol] for symbol in sorted(weights) if symbol in ticks},
            collar=settings.buy_collar,
            buy_charges_rate=settings.buy_charges_rate,
        )
    except (AllocatorError, Invalid):
        return None


@dataclass(frozen=True, slots=True)
class Listed:
    """A published smallcase, its latest version and its minimum investment."""

    smallcase: Smallcase
    latest: Composition
    minimum_investment: Decimal | None


def listing(session: Session) -> list[Listed]:
    """Published smallcases by name, each with its latest composition and minimum investment,
    in five queries however many there are (`published`, `composition` and
    `minimum_investment` for each would take five per smallcase)."""
    smallcases = published(session)
    if not smallcases:
        return []
    versions = {
        version.smallcase_id: version
        for version in session.execute(
            select(SmallcaseVersion)
            .where(SmallcaseVersion.smallcase_id.in_([s.id for s in smallcases]))
            .ext(distinct_on(SmallcaseVersion.smallcase_id))
            .order_by(SmallcaseVersion.smallcase_id, SmallcaseVersion.number.desc())
        ).scalars()
    }
    weights: dict[int, dict[str, Decimal]] = {version.id: {} for version in versions.values()}
    for version_id, symbol, weight in session.execute(
        select(Constituent.version_id, Constituent.symbol, Constituent.weight_percent)
        .where(Constituent.version_id.in_(list(weights)))
        .order_by(Constituent.version_id, Constituent.symbol)
    ).all():
        weights[version_id][symbol] = weight
    symbols = {symbol for held in weights.values() for symbol in held}
    closes = {symbol: close for symbol, (_, close) in last_bars(session, symbols).items()}
    ticks = tick_sizes(session, symbols)
    listed = []
    for smallcase in smallcases:
        version = versions[smallcase.id]
        latest = Composition(version, weights[version.id])
        minimum = _minimum(latest.fractions(), closes, ticks)
        listed.append(Listed(smallcase, latest, minimum))
    return listed


def statistics(session: Session, weights: dict[str, Decimal]) -> BasketStats | None:
    """Expected annual return and volatility from the bars."""
    return basket_stats(session, weights)


def published(session: Session) -> list[Smallcase]:
    """Published smallcases, by name."""
    return list(
        session.execute(
            select(Smallcase)
            .where(Smallcase.status == SmallcaseStatus.PUBLISHED)
            .order_by(Smallcase.name)
        ).scalars()
    )


def managed(
    session: Session, manager: User, status: SmallcaseStatus | None = None
) -> list[Smallcase]:
    """A manager's own smallcases (an admin's: all), of `status` or any, by name."""
    query = select(Smallcase).order_by(Smallcase.name)
    if manager.role is not Role.ADMIN:
        query = query.where(Smallcase.manager_id == manager.id)
    if status is not None:
        query = query.where(Smallcase.status == status)
    return list(session.execute(query).scalars())


def _check(session: Session, constituents: Sequence[Weighted]) -> None:
    symbols = {c.symbol for c in constituents}
    known = set(
        session.execute(select(Instrument.symbol).where(Instrument.symbol.in_(symbols))).scalars()
    )
    check_composition(constituents, known)


def _add_version(
    session: Session,
    smallcase: Smallcase,
    author: User,
    constituents: Sequence[Weighted],
    note: str,
    *,
    number: int,
) -> SmallcaseVersion:
    version = SmallcaseVersion(
        smallcase_id=smallcase.id, number=number, note=note, created_by=author.id
    )
    session.add(version)
    session.flush()
    session.add_all(
        Constituent(version_id=version.id, symbol=c.symbol, weight_percent=c.weight)
        for c in constituents
    )
    session.flush()
    return version


def _weights(session: Session, version_id: int) -> dict[str, Decimal]:
    rows = session.execute(
        select(Constituent.symbol, Constituent.weight_percent)
        .where(Constituent.version_id == version_id)
        .order_by(Constituent.symbol)
    ).all()
    return dict(rows)


def _snapshot(
    smallcase: Smallcase, version: SmallcaseVersion, constituents: Sequence[Weighted]
) -> dict[str, object]:
    return {
        "name": smallcase.name,
        "status": str(smallcase.status),
        "version": version.number,
        "weights": {c.symbol: str(c.weight) for c in sorted(constituents, key=lambda c: c.symbol)},
    }
