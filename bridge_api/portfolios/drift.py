"""Drift-band rebalancing: a smallcase's band (percentage points) beyond which a subscription's
weights trigger a rebalance proposal to its investor, at most once per cooldown.

A subscription's drift is the largest gap, in percentage points, between a symbol's share of
the subscription's holdings (at the last closes) and its target weight in the version the
subscription follows. `propose_drift_rebalances` (the scheduler's daily call) records a
`DriftProposal` for each subscription beyond its smallcase's band; the investor accepts or
declines it through the rebalance route (`intents.decide_rebalance`), which makes the same
rebalance intent a new version would, to the version it already follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bridge_api.audit.service import record
from bridge_api.db.models import (
    DriftBand,
    DriftProposal,
    Intent,
    IntentKind,
    IntentStatus,
    ProposalStatus,
    Smallcase,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
    User,
)
from bridge_api.errors import Invalid
from bridge_api.ledger.service import books_of, subscription_accounts
from bridge_api.market.prices import latest_closes
from bridge_api.notifications.events import EventKind, notify
from bridge_api.smallcases import service as smallcases

POINT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Drift:
    """How far one subscription is from its targets: the largest gap and its symbol."""

    subscription_id: int
    points: Decimal
    symbol: str


@dataclass(frozen=True, slots=True)
class DriftReport:
    """What a manager sees: the band, and how many subscriptions have drifted beyond it."""

    band_points: Decimal | None
    cooldown_days: int | None
    subscriptions: int
    drifted: int
    open_proposals: int
    worst: list[Drift]


def set_band(
    session: Session, manager: User, smallcase_id: int, *, band_points: Decimal, cooldown_days: int
) -> DriftBand:
    """Set (or change) a smallcase's drift band, by its manager (audited)."""
    smallcases.owned(session, manager, smallcase_id, lock=True)
    if not Decimal(0) < band_points <= 100 or band_points % POINT or cooldown_days < 0:
        raise Invalid(
            "the band is between 0 and 100 points (to 0.01) and the cooldown is not negative",
            errors=[{"field": "band_points", "message": "must be in (0, 100]"}],
        )
    band = session.get(DriftBand, smallcase_id)
    before = (
        None if band is None else {"band": str(band.band_points), "cooldown": band.cooldown_days}
    )
    if band is None:
        band = DriftBand(
            smallcase_id=smallcase_id,
            band_points=band_points,
            cooldown_days=cooldown_days,
            updated_by=manager.id,
        )
        session.add(band)
    else:
        band.band_points, band.cooldown_days, band.updated_by = (
            band_points,
            cooldown_days,
            manager.id,
        )
    session.flush()
    record(
        session,
        actor=manager,
        action="smallcase.drift_band",
        entity="smallcase",
        entity_id=smallcase_id,
        before=before,
        after={"band": str(band_points), "cooldown": cooldown_days},
    )
    return band


def drifts(session: Session, smallcase_id: int, day: date) -> list[Drift]:
    """Every active subscription of a smallcase holding shares, with its drift at the closes
    before `day`, largest first."""
    subscriptions = list(
        session.execute(
            select(Subscription)
            .where(
                Subscription.smallcase_id == smallcase_id,
                Subscription.kind == SubscriptionKind.SMALLCASE,
                Subscription.status == SubscriptionStatus.ACTIVE,
            )
            .order_by(Subscription.id)
        ).scalars()
    )
    accounts = subscription_accounts(session, [s.id for s in subscriptions])
    books = books_of(session, accounts.values())
    targets: dict[int, dict[str, Decimal]] = {}
    symbols: set[str] = set()
    for subscription in subscriptions:
        key = subscription.version_id or 0
        if key not in targets:
            targets[key] = smallcases.composition(
                session, smallcase_id, subscription.version_id
            ).weights
        symbols |= set(targets[key])
        symbols |= set(books[accounts[subscription.id]].shares)
    closes = latest_closes(session, symbols, before=day) if symbols else {}
    result = []
    for subscription in subscriptions:
        held = books[accounts[subscription.id]].shares
        value = {s: closes[s] * q for s, q in held.items()}
        total = sum(value.values(), Decimal(0))
        if not total:
            continue
        target = targets[subscription.version_id or 0]
        gaps = {
            s: abs(value.get(s, Decimal(0)) * 100 / total - target.get(s, Decimal(0)))
            for s in sorted(set(target) | set(value))
        }
        symbol = max(gaps, key=lambda s: (gaps[s], s))
        result.append(Drift(subscription.id, gaps[symbol].quantize(POINT), symbol))
    return sorted(result, key=lambda d: (-d.points, d.subscription_id))


def report(session: Session, manager: User, smallcase_id: int, day: date) -> DriftReport:
    """How many of a smallcase's subscriptions have drifted beyond its band (its manager's)."""
    smallcases.owned(session, manager, smallcase_id)
    band = session.get(DriftBand, smallcase_id)
    every = drifts(session, smallcase_id, day)
    beyond = [d for d in every if band is not None and d.points > band.band_points]
    open_count = session.execute(
        select(func.count())
        .select_from(DriftProposal)
        .join(Subscription, Subscription.id == DriftProposal.subscription_id)
        .where(
            Subscription.smallcase_id == smallcase_id,
            DriftProposal.status == ProposalStatus.PROPOSED,
        )
    ).scalar_one()
    return DriftReport(
        band_points=None if band is None else band.band_points,
        cooldown_days=None if band is None else band.cooldown_days,
        subscriptions=len(every),
        drifted=len(beyond),
        open_proposals=open_count,
        worst=every[:10],
    )


def propose_drift_rebalances(session: Session, day: date) -> list[DriftProposal]:
    """Propose a rebalance to every subscription beyond its smallcase's band on `day`, unless
    one was proposed within the cooldown, one is still open, the subscription already has a
    rebalance or an exit pending, or a newer version awaits its decision. Each investor is
    told of their proposal in the same transaction (`drift_proposed`)."""
    proposals = []
    for band in session.execute(select(DriftBand).order_by(DriftBand.smallcase_id)).scalars():
        latest = smallcases.composition(session, band.smallcase_id).version.id
        smallcase = session.get_one(Smallcase, band.smallcase_id)
        since = day - timedelta(days=band.cooldown_days)
        for drift in drifts(session, band.smallcase_id, day):
            if drift.points <= band.band_points:
                break
            subscription = session.get(Subscription, drift.subscription_id)
            assert subscription is not None
            if subscription.version_id != latest or _busy(session, subscription.id, since):
                continue
            proposal = DriftProposal(
                subscription_id=subscription.id,
                day=day,
                drift_points=drift.points,
                symbol=drift.symbol,
                status=ProposalStatus.PROPOSED,
            )
            session.add(proposal)
            session.flush()
            proposals.append(proposal)
            notify(
                session,
                EventKind.DRIFT_PROPOSED,
                [subscription.user_id],
                dedupe_key=f"drift-proposed-{proposal.id}",
                proposal=proposal.id,
                subscription_id=subscription.id,
                smallcase=smallcase.name,
                smallcase_id=smallcase.id,
                points=str(drift.points),
                symbol=drift.symbol,
                band=str(band.band_points),
            )
    return proposals


def open_proposal(session: Session, subscription_id: int) -> DriftProposal | None:
    """The subscription's drift proposal awaiting the investor, if any (locked)."""
    return session.execute(_awaiting(subscription_id).with_for_update()).scalar_one_or_none()


def pending(session: Session, subscription_id: int) -> DriftProposal | None:
    """The subscription's drift proposal awaiting the investor, if any, to read."""
    return session.execute(_awaiting(subscription_id)).scalar_one_or_none()


def _awaiting(subscription_id: int) -> Select[DriftProposal]:
    return select(DriftProposal).where(
        DriftProposal.subscription_id == subscription_id,
        DriftProposal.status == ProposalStatus.PROPOSED,
    )


def _busy(session: Session, subscription_id: int, since: date) -> bool:
    recent = session.execute(
        select(DriftProposal.id)
        .where(
            DriftProposal.subscription_id == subscription_id,
            (DriftProposal.status == ProposalStatus.PROPOSED) | (DriftProposal.day > since),
        )
        .limit(1)
    ).first()
    pending = session.execute(
        select(Intent.id)
        .where(
            Intent.subscription_id == subscription_id,
            Intent.kind.in_([IntentKind.REBALANCE, IntentKind.EXIT]),
            Intent.status.in_([IntentStatus.PENDING, IntentStatus.BATCHED]),
        )
        .limit(1)
    ).first()
    return recent is not None or pending is not None
