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
from sqlalchemy import insert as core_insert
from sqlalchemy.orm import Session

from bridge_api.audit.service import record
from bridge_api.batches import closing
from bridge_api.batches.allocation_table import TargetRow, write_targets
from bridge_api.batches.states import move_batch
from bridge_api.batches.targets import Pricing, Request, target_position
from bridge_api.config import get_settings
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
class _Participant:
    subscription: Subscription
    intents: list[Intent]
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
    by_subscription: dict[int, list[Intent]] = defaultdict(list)
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
    rows = []
    for p in participants:
        requests = [Request(i.kind, i.amount, i.symbol, i.quantity) for i in p.intents]
        targets = target_position(p.holdings, p.cash, requests, p.weights, pricing)
        rows += [
            TargetRow(p.subscription.id, s, p.holdings.get(s, 0), q, pricing.prices[s])
            for s, q in targets.items()
        ]
    session.execute(
        core_insert(BatchParticipant),
        [
            {"batch_id": batch.id, "subscription_id": p.subscription.id, "open": True}
            for p in participants
        ],
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


def _pending_intents(session: Session, smallcase_id: int | None) -> list[Intent]:
    query = (
        select(Intent)
        .join(Subscription, Subscription.id == Intent.subscription_id)
        .where(Intent.status == IntentStatus.PENDING)
        .order_by(Intent.id)
        .with_for_update(of=Intent)
    )
    if smallcase_id is not None:
        query = query.where(Subscription.smallcase_id == smallcase_id)
    return list(session.execute(query).scalars())


def _participants(session: Session, intents: dict[int, list[Intent]]) -> list[_Participant]:
    """Every participant's subscription (locked, in id order), book and weights, in bulk."""
    ids = sorted(intents)
    subscriptions = (
        session.execute(
            select(Subscription)
            .where(among(Subscription.id, ids))
            .order_by(Subscription.id)
            .with_for_update()
        )
        .scalars()
        .all()
    )
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
        participants.append(_Participant(subscription, own, book.shares, book.cash, weights))
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
