"""Creating batches from pending intents, approving, cancelling and reading them.

Creating a batch sizes every participant (`bridge_api.batches.targets`) at the latest closes
and writes the allocation table in one transaction. A subscription is in at most one open
batch: those already in one keep their intents pending for the next.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select, update
from sqlalchemy.orm import Session

from bridge_api.audit.service import record
from bridge_api.batches import closing, events
from bridge_api.batches.allocation_table import TargetRow, write_targets
from bridge_api.batches.states import move_batch
from bridge_api.batches.targets import (
    Position,
    Pricing,
    Request,
    target_position,
    target_positions,
)
from bridge_api.config import get_settings
from bridge_api.db.copy import copy_columns
from bridge_api.db.models import (
    Batch,
    BatchOrder,
    BatchParticipant,
    BatchSkip,
    BatchState,
    BatchTarget,
    Intent,
    IntentKind,
    IntentStatus,
    LedgerAccount,
    OrderStatus,
    Role,
    Smallcase,
    Subscription,
    SubscriptionKind,
    User,
)
from bridge_api.errors import Conflict, Forbidden, NotFound
from bridge_api.ledger.service import (
    among,
    books_of,
    holdings,
    subscription_account,
    subscription_accounts,
)
from bridge_api.market.prices import latest_closes, tick_sizes
from bridge_api.smallcases import service as smallcases


@dataclass(frozen=True, slots=True)
class _Intent:
    id: int
    subscription_id: int
    kind: IntentKind
    amount: Decimal | None
    symbol: str | None
    quantity: int | None
    version_id: int | None


@dataclass(frozen=True, slots=True)
class _Participant:
    subscription_id: int
    intents: list[_Intent]
    holdings: dict[str, int]
    cash: Decimal
    weights: dict[str, Decimal] | None


Quotes = Callable[[set[str]], dict[str, Decimal]]
"""Reference prices of symbols from a broker (every symbol asked for, or an error)."""


def create(
    session: Session,
    manager: User,
    *,
    smallcase_id: int | None,
    cross: bool = False,
    prices_before: date | None = None,
    quotes: Quotes | None = None,
) -> Batch:
    """A draft batch of every pending intent (of one smallcase, or of all for an admin).

    Participants are sized at the latest closes (or the last closes before `prices_before`,
    for a simulated trading day), or at the broker's `quotes` when given.
    """
    if smallcase_id is None and manager.role is not Role.ADMIN:
        raise Forbidden("only an admin batches intents across every smallcase")
    settings = get_settings()
    if cross and settings.real_money and not settings.crossing_cleared:
        raise Forbidden(
            "internal crossing is refused while trading real money: pooling clients' trades "
            "needs a compliance review first (then SARAS_CROSSING_CLEARED=true)"
        )
    if smallcase_id is not None:
        smallcases.owned(session, manager, smallcase_id)
    pending = _pending_intents(session, smallcase_id)
    busy = set(
        session.execute(
            select(BatchParticipant.subscription_id).where(BatchParticipant.open)
        ).scalars()
    )
    by_subscription: dict[int, list[_Intent]] = defaultdict(list)
    for intent in pending:
        if intent.subscription_id not in busy:
            by_subscription[intent.subscription_id].append(intent)
    if not by_subscription:
        raise Conflict("no pending intents to batch")
    participants = _participants(session, by_subscription)
    pricing = _pricing(session, participants, prices_before, quotes)
    batch = Batch(smallcase_id=smallcase_id, cross=cross, created_by=manager.id)
    session.add(batch)
    session.flush()
    positions = [
        Position(
            p.holdings,
            p.cash,
            [Request(i.kind, i.amount, i.symbol, i.quantity) for i in p.intents],
            p.weights,
        )
        for p in participants
    ]
    table = target_positions(positions, pricing)
    rows = [
        TargetRow(p.subscription_id, s, p.holdings.get(s, 0), q, pricing.prices[s])
        for p, targets in zip(participants, table, strict=True)
        for s, q in targets.items()
    ]
    copy_columns(
        session,
        "batch_participants",
        {
            "batch_id": str(batch.id),
            "subscription_id": [str(p.subscription_id) for p in participants],
            "open": "t",
        },
        len(participants),
    )
    session.execute(
        update(Intent)
        .where(among(Intent.id, [i.id for p in participants for i in p.intents]))
        .values(status=IntentStatus.BATCHED, batch_id=batch.id)
        .execution_options(synchronize_session="fetch")
    )
    write_targets(session, batch.id, rows)
    record(
        session,
        actor=manager,
        action="batch.create",
        entity="batch",
        entity_id=batch.id,
        after={
            "participants": len(participants),
            "rows": len(rows),
            "smallcase_id": smallcase_id,
            "cross": cross,
        },
    )
    return batch


def approve(session: Session, manager: User, batch_id: int) -> Batch:
    """Reviewed: draft -> ready, so the engine may claim it (audited)."""
    batch = visible(session, manager, batch_id, lock=True)
    _move(session, manager, batch, BatchState.DRAFT, BatchState.READY, action="batch.approve")
    return batch


def cancel(session: Session, manager: User, batch_id: int) -> Batch:
    """Cancel a batch that has not started trading; its intents wait for the next (audited)."""
    batch = visible(session, manager, batch_id, lock=True)
    if batch.state not in (BatchState.DRAFT, BatchState.READY):
        raise Conflict(f"a batch that is {batch.state} cannot be cancelled")
    _move(session, manager, batch, batch.state, BatchState.CANCELLED, action="batch.cancel")
    for participant in session.execute(
        select(BatchParticipant).where(BatchParticipant.batch_id == batch.id)
    ).scalars():
        participant.open = False
    for intent in session.execute(select(Intent).where(Intent.batch_id == batch.id)).scalars():
        intent.status, intent.batch_id = IntentStatus.PENDING, None
    return batch


def repair(session: Session, manager: User, batch_id: int) -> Batch:
    """A new draft batch for what a partially completed (or failed) batch left undone: each
    participant whose holdings still differ from its targets, with the same full target
    position, a fresh pre-trade statement and today's prices (audited)."""
    old = visible(session, manager, batch_id, lock=True)
    if old.state not in (BatchState.PARTIALLY_COMPLETED, BatchState.FAILED):
        raise Conflict(
            f"only a partially completed or failed batch is repaired; this one is {old.state}"
        )
    busy = set(
        session.execute(
            select(BatchParticipant.subscription_id).where(BatchParticipant.open)
        ).scalars()
    )
    rows = (
        session.execute(select(BatchTarget).where(BatchTarget.batch_id == old.id)).scalars().all()
    )
    targets: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        if row.subscription_id not in busy:
            targets[row.subscription_id][row.symbol] = row.target
    prices = latest_closes(session, {row.symbol for row in rows})
    batch = Batch(
        smallcase_id=old.smallcase_id,
        cross=old.cross,
        created_by=manager.id,
        reason=f"repair of batch {old.id}",
    )
    session.add(batch)
    session.flush()
    table = []
    for sid, wanted in sorted(targets.items()):
        held = holdings(session, subscription_account(session, sid))
        if all(held.get(s, 0) == q for s, q in wanted.items()):
            continue
        table += [
            TargetRow(sid, s, held.get(s, 0), q, prices[s]) for s, q in sorted(wanted.items())
        ]
        session.add(BatchParticipant(batch_id=batch.id, subscription_id=sid))
    if not table:
        raise Conflict(f"nothing of batch {old.id} is left to repair")
    session.flush()
    write_targets(session, batch.id, table)
    record(
        session,
        actor=manager,
        action="batch.repair",
        entity="batch",
        entity_id=old.id,
        after={"repair": batch.id},
    )
    return batch


def archive(session: Session, manager: User, batch_id: int) -> Batch:
    """Accept what a partially completed batch left undone, as it is (audited)."""
    batch = visible(session, manager, batch_id, lock=True)
    if batch.state is not BatchState.PARTIALLY_COMPLETED:
        raise Conflict(f"only a partially completed batch is archived; this one is {batch.state}")
    record(
        session,
        actor=manager,
        action="batch.archive",
        entity="batch",
        entity_id=batch.id,
        before={"reason": batch.reason},
    )
    batch.reason = f"archived: {batch.reason}"[:500]
    return batch


def fail(session: Session, admin: User, batch_id: int, *, reason: str) -> Batch:
    """End an executing batch that cannot go on, once nothing of it is live (admin, audited)."""
    batch = closing.fail_batch(session, batch_id, reason=reason)
    record(
        session,
        actor=admin,
        action="batch.fail",
        entity="batch",
        entity_id=batch_id,
        after={"reason": reason},
    )
    return batch


def visible(session: Session, user: User, batch_id: int, *, lock: bool = False) -> Batch:
    """A batch an admin, or the manager of its smallcase, may see and act on."""
    batch = session.get(Batch, batch_id, with_for_update=lock)
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    if user.role is Role.ADMIN:
        return batch
    smallcase = session.get(Smallcase, batch.smallcase_id) if batch.smallcase_id else None
    if smallcase is None or smallcase.manager_id != user.id:
        raise NotFound(f"no batch {batch_id}")
    return batch


def _move(
    session: Session,
    actor: User,
    batch: Batch,
    source: BatchState,
    target: BatchState,
    *,
    action: str,
) -> None:
    if batch.state is not source:
        raise Conflict(f"the batch is {batch.state}, not {source}")
    move_batch(batch, target)
    record(
        session,
        actor=actor,
        action=action,
        entity="batch",
        entity_id=batch.id,
        before={"state": str(source)},
        after={"state": str(target)},
    )
    events.publish(session, batch.id, "state", state=str(target), phase=batch.phase)


def _pending_intents(session: Session, smallcase_id: int | None) -> list[_Intent]:
    """Every pending intent (of one smallcase), locked, as plain rows in id order."""
    query = (
        select(
            Intent.id,
            Intent.subscription_id,
            Intent.kind,
            Intent.amount,
            Intent.symbol,
            Intent.quantity,
            Intent.version_id,
        )
        .join(Subscription, Subscription.id == Intent.subscription_id)
        .where(Intent.status == IntentStatus.PENDING)
        .order_by(Intent.id)
        .with_for_update(of=Intent)
    )
    if smallcase_id is not None:
        query = query.where(Subscription.smallcase_id == smallcase_id)
    return [_Intent(*row) for row in session.execute(query)]


def _participants(session: Session, intents: dict[int, list[_Intent]]) -> list[_Participant]:
    """Every participant's subscription (locked, in id order), book and weights, in bulk."""
    ids = sorted(intents)
    subscriptions = session.execute(
        select(
            Subscription.id, Subscription.kind, Subscription.smallcase_id, Subscription.version_id
        )
        .where(among(Subscription.id, ids))
        .order_by(Subscription.id)
        .with_for_update()
    ).all()
    accounts = subscription_accounts(session, ids)
    books = books_of(session, accounts.values())
    weights_of: dict[tuple[int, int | None], dict[str, Decimal]] = {}
    participants = []
    for subscription in subscriptions:
        own = intents[subscription.id]
        weights = None
        if (
            subscription.kind is SubscriptionKind.SMALLCASE
            and subscription.smallcase_id is not None
        ):
            rebalance = next((i for i in own if i.kind is IntentKind.REBALANCE), None)
            key = (
                subscription.smallcase_id,
                rebalance.version_id if rebalance else subscription.version_id,
            )
            if key not in weights_of:
                weights_of[key] = smallcases.composition(session, *key).fractions()
            weights = weights_of[key]
        book = books[accounts[subscription.id]]
        participants.append(_Participant(subscription.id, own, book.shares, book.cash, weights))
    return participants


def _pricing(
    session: Session, participants: list[_Participant], before: date | None, quotes: Quotes | None
) -> Pricing:
    symbols: set[str] = set()
    for p in participants:
        symbols |= (
            set(p.holdings) | set(p.weights or {}) | {i.symbol for i in p.intents if i.symbol}
        )
    settings = get_settings()
    return Pricing(
        prices=quotes(symbols) if quotes else latest_closes(session, symbols, before=before),
        ticks=tick_sizes(session, symbols),
        collar=settings.buy_collar,
        reserve=settings.buy_charges_rate,
    )


@dataclass(frozen=True, slots=True)
class BatchLine:
    """A batch in a list: its state, smallcase and how much it holds."""

    batch: Batch
    smallcase: str | None
    participants: int
    orders: int
    final_orders: int
    skips: int


def listing(
    session: Session,
    user: User,
    *,
    state: BatchState | None = None,
    smallcase_id: int | None = None,
    limit: int,
    before: int | None = None,
) -> list[BatchLine]:
    """The batches a manager (of their smallcases) or an admin (all) may see, newest first;
    page with `before` (a batch id)."""
    query = (
        select(
            Batch,
            Smallcase.name,
            _counted(BatchParticipant, BatchParticipant.batch_id == Batch.id),
            _counted(BatchOrder, BatchOrder.batch_id == Batch.id),
            _counted(
                BatchOrder, BatchOrder.batch_id == Batch.id, BatchOrder.status == OrderStatus.FINAL
            ),
            _counted(BatchSkip, BatchSkip.batch_id == Batch.id),
        )
        .outerjoin(Smallcase, Smallcase.id == Batch.smallcase_id)
        .order_by(Batch.id.desc())
        .limit(limit)
    )
    if user.role is not Role.ADMIN:
        query = query.where(Smallcase.manager_id == user.id)
    if state is not None:
        query = query.where(Batch.state == state)
    if smallcase_id is not None:
        query = query.where(Batch.smallcase_id == smallcase_id)
    if before is not None:
        query = query.where(Batch.id < before)
    return [
        BatchLine(batch, name, int(p), int(o), int(f), int(k))
        for batch, name, p, o, f, k in session.execute(query).all()
    ]


def _counted(table: type[Any], *where: ColumnElement[bool]) -> ScalarSelect[int]:
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


@dataclass(frozen=True, slots=True)
class RebalanceLine:
    """One symbol of a rebalance update: its weight before and after, the shares held, and
    the shares a batch now would leave it with."""

    symbol: str
    old_weight: Decimal | None
    new_weight: Decimal | None
    holding: int
    target: int
    price: Decimal


@dataclass(frozen=True, slots=True)
class RebalancePreview:
    """A subscription's rebalance update: its version and the newest, and per symbol what a
    batch sized now, at the latest closes, would buy (target above holding) and sell."""

    subscription_id: int
    smallcase_id: int
    current_version: int
    latest_version: int
    pending: bool
    cash: Decimal
    lines: list[RebalanceLine]


def rebalance_preview(session: Session, user: User, subscription_id: int) -> RebalancePreview:
    """What accepting the newest version would trade, sized as a batch would size it now
    (the batch itself sizes at its own prices; see `targets.target_position`)."""
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or subscription.user_id != user.id:
        raise NotFound(f"no subscription {subscription_id}")
    if subscription.kind is not SubscriptionKind.SMALLCASE or subscription.smallcase_id is None:
        raise Conflict("direct holdings follow no smallcase: there is nothing to rebalance")
    current = smallcases.composition(session, subscription.smallcase_id, subscription.version_id)
    latest = smallcases.composition(session, subscription.smallcase_id)
    account = session.execute(
        select(LedgerAccount.id).where(LedgerAccount.subscription_id == subscription.id)
    ).scalar_one_or_none()
    book = books_of(session, [account])[account] if account is not None else None
    holdings, cash = (book.shares, book.cash) if book else ({}, Decimal("0.00"))
    weights = latest.fractions()
    symbols = set(holdings) | set(weights)
    settings = get_settings()
    pricing = Pricing(
        prices=latest_closes(session, symbols),
        ticks=tick_sizes(session, symbols),
        collar=settings.buy_collar,
        reserve=settings.buy_charges_rate,
    )
    targets = target_position(holdings, cash, [Request(IntentKind.REBALANCE)], weights, pricing)
    pending = session.execute(
        select(Intent.id).where(
            Intent.subscription_id == subscription.id,
            Intent.kind == IntentKind.REBALANCE,
            Intent.status.in_([IntentStatus.PENDING, IntentStatus.BATCHED]),
        )
    ).first()
    return RebalancePreview(
        subscription_id=subscription.id,
        smallcase_id=subscription.smallcase_id,
        current_version=current.version.number,
        latest_version=latest.version.number,
        pending=pending is not None,
        cash=cash,
        lines=[
            RebalanceLine(
                symbol=symbol,
                old_weight=current.weights.get(symbol),
                new_weight=latest.weights.get(symbol),
                holding=holdings.get(symbol, 0),
                target=targets.get(symbol, 0),
                price=pricing.prices[symbol],
            )
            for symbol in sorted(symbols)
        ],
    )
