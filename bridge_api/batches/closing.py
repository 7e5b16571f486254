"""Closing an executing batch: finished once every order is final (completed, or partially
completed with each short leg named), or failed when it cannot go on. Either way its
participants are released and its intents done or returned to pending."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from bridge_api.batches import events
from bridge_api.batches.states import move_batch
from bridge_api.calendar import ist_today
from bridge_api.db.models import (
    Balance,
    Batch,
    BatchCrossing,
    BatchOrder,
    BatchParticipant,
    BatchSkip,
    BatchState,
    BatchTarget,
    BrokerTrade,
    Bucket,
    Intent,
    IntentKind,
    IntentStatus,
    LedgerAccount,
    OrderSlice,
    OrderStatus,
    SliceStatus,
    Subscription,
    SubscriptionStatus,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict, NotFound
from bridge_api.ledger.service import among, balance, holdings, subscription_account
from bridge_api.notifications.events import EventKind, notify
from bridge_api.portfolios.cash import release

ZERO = Decimal("0.00")
FUNDS = "funds"
"""A skip's reason: the allocator cut the buy to what the subscription's own cash covers."""
NO_QUOTE = "no quote"
"""A skip's reason: the broker had no quote for the symbol (suspended, renamed, delisted)."""
CORPORATE_ACTION = "corporate action pending"
"""A skip's reason: the symbol has a corporate action past its ex date and not yet posted, so
the broker's holding or price is about to change under the books; it trades once posted."""
DEFERRED = "deferred: other side today"
"""A skip's reason: the symbol was traded on the other side today, and the exchange would net
the two as intraday; the trade waits for the next session (the batch's `repair`)."""


def finish_batch(session: Session, batch_id: int) -> Batch:
    """Close a batch whose orders are all final.

    It is completed when every order filled in full and no buy was cut for funds; otherwise
    partially completed, with each short leg named (the manager then repairs or archives it).
    An exit whose sells all filled closes its subscription and returns its cash; one that did
    not goes back to pending for the next batch. A subscription follows a rebalance's new
    version only once it holds that version's targets; otherwise the rebalance goes back to
    pending and the next batch retries it.
    """
    batch = _executing(session, batch_id)
    if batch.phase == 0:
        raise Conflict(f"batch {batch_id} was never planned; fail it instead")
    orders = (
        session.execute(select(BatchOrder).where(BatchOrder.batch_id == batch.id)).scalars().all()
    )
    open_orders = [o.key for o in orders if o.status is not OrderStatus.FINAL]
    if open_orders:
        raise Conflict(f"orders still open: {', '.join(open_orders)}")
    filled = _filled(session, [o.id for o in orders])
    short = [
        f"{o.key} {filled.get(o.id, 0)}/{o.quantity} ({o.final_reason})"
        for o in orders
        if filled.get(o.id, 0) < o.quantity
    ]
    cut = session.execute(
        select(BatchSkip.symbol, BatchSkip.reason, func.sum(BatchSkip.quantity))
        .where(BatchSkip.batch_id == batch.id, BatchSkip.reason.in_([FUNDS, NO_QUOTE, DEFERRED]))
        .group_by(BatchSkip.symbol, BatchSkip.reason)
        .order_by(BatchSkip.symbol, BatchSkip.reason)
    ).all()
    short += [
        f"{symbol} {quantity} cut for funds"
        if reason == FUNDS
        else f"{symbol} {quantity}: {reason}"
        for symbol, reason, quantity in cut
    ]
    move_batch(batch, BatchState.PARTIALLY_COMPLETED if short else BatchState.COMPLETED)
    batch.reason = "; ".join(short)[:500]
    _close_participants(session, batch)
    _conclude_intents(session, batch, traded=True)
    write_notes(session, batch)
    _notify_finished(session, batch)
    events.publish(
        session, batch.id, "state", state=str(batch.state), phase=batch.phase, reason=batch.reason
    )
    return batch


def fail_batch(session: Session, batch_id: int, *, reason: str) -> Batch:
    """End an executing batch that cannot go on, once nothing of it is live at the broker.

    Its intents end as a finished batch's do (see `finish_batch`), except that when nothing
    traded at all every intent goes back to pending.
    """
    batch = _executing(session, batch_id)
    live = session.execute(
        select(func.count())
        .select_from(OrderSlice)
        .join(BatchOrder, BatchOrder.id == OrderSlice.order_id)
        .where(
            BatchOrder.batch_id == batch.id,
            BatchOrder.status != OrderStatus.FINAL,
            OrderSlice.status.in_([SliceStatus.SENDING, SliceStatus.SENT, SliceStatus.UNKNOWN]),
        )
    ).scalar_one()
    if live:
        raise Conflict(f"batch {batch_id} has {live} slices live or unresolved at the broker")
    orders = [
        o.id
        for o in session.execute(
            select(BatchOrder).where(BatchOrder.batch_id == batch.id)
        ).scalars()
    ]
    traded = any(_filled(session, orders).values())
    crossed = session.execute(
        select(func.count()).select_from(BatchCrossing).where(BatchCrossing.batch_id == batch.id)
    ).scalar_one()
    move_batch(batch, BatchState.FAILED)
    batch.reason = reason[:500]
    _close_participants(session, batch)
    _conclude_intents(session, batch, traded=traded or bool(crossed))
    write_notes(session, batch)
    _notify_finished(session, batch)
    events.publish(
        session, batch.id, "state", state=str(batch.state), phase=batch.phase, reason=batch.reason
    )
    return batch


def _notify_finished(session: Session, batch: Batch) -> None:
    """Tell every investor who took part that the batch ended (same transaction)."""
    users = session.execute(
        select(Subscription.user_id)
        .join(BatchParticipant, BatchParticipant.subscription_id == Subscription.id)
        .where(BatchParticipant.batch_id == batch.id)
    ).scalars()
    notify(
        session,
        EventKind.BATCH_FINISHED,
        list(users),
        batch_id=batch.id,
        state=str(batch.state),
        reason=batch.reason or "",
    )


def write_notes(session: Session, batch: Batch) -> int:
    """One allocation note per subscription that received anything from the batch's orders:
    each order it took part in (shares asked and received, value, average price rounded
    half-even to four decimals, charges by component and in all) and the cash it moved.
    Written once, when the batch ends, by one statement; returns how many were written."""
    session.flush()
    written = session.execute(
        _NOTES,
        {
            "batch": batch.id,
            "trade_date": None if batch.trade_date is None else str(batch.trade_date),
            "state": str(batch.state),
        },
    )
    return int(written.rowcount)  # type: ignore[attr-defined]


_NOTES = text(
    "INSERT INTO allocation_notes (batch_id, subscription_id, user_id, body) "
    "SELECT :batch, a.subscription_id, s.user_id, jsonb_build_object("
    "'batch', :batch, 'trade_date', CAST(:trade_date AS text), 'state', CAST(:state AS text), "
    "'subscription_id', a.subscription_id, "
    "'orders', jsonb_agg(jsonb_build_object("
    "'order', o.key, 'symbol', o.symbol, 'side', o.side, 'requested', a.requested, "
    "'quantity', a.quantity, 'value', a.value::text, "
    "'average_price', CASE WHEN a.quantity > 0 THEN ((x.q + CASE WHEN 2 * x.r > a.quantity "
    "OR (2 * x.r = a.quantity AND mod(x.q, 2) = 1) THEN 1 ELSE 0 END) * 0.0001)::text END, "
    "'charges', coalesce(a.components, '{}'::jsonb), 'charges_paid', a.charges::text"
    ") ORDER BY o.id), "
    "'cash_moved', sum(CASE WHEN o.side = 'SELL' THEN a.value ELSE -a.value END - a.charges)"
    "::text) "
    "FROM order_allocations AS a "
    "JOIN batch_orders AS o ON o.id = a.order_id "
    "JOIN subscriptions AS s ON s.id = a.subscription_id "
    "CROSS JOIN LATERAL (SELECT div(a.value * 10000, greatest(a.quantity, 1)) AS q, "
    "mod(a.value * 10000, greatest(a.quantity, 1)) AS r) AS x "
    "WHERE o.batch_id = :batch GROUP BY a.subscription_id, s.user_id"
)


def _conclude_intents(session: Session, batch: Batch, *, traded: bool) -> None:
    """Each intent of the batch done, or pending again where what it asked for is not what
    the subscription now holds (see `finish_batch`).

    Exits are taken one by one (each may close its subscription and return its cash); every
    other intent is concluded in bulk, a rebalance by one query comparing each subscription's
    holdings with its targets in the batch."""
    session.flush()
    ids = select(Intent.subscription_id).where(Intent.batch_id == batch.id)
    session.execute(
        select(Subscription.id)
        .where(Subscription.id.in_(ids))
        .order_by(Subscription.id)
        .with_for_update()
    ).all()  # locked in id order (one order everywhere, so no deadlock)
    if not traded:
        _return_to_pending(session, batch, "nothing traded", Intent.batch_id == batch.id)
        _expire(session)
        return
    exits = (
        session.execute(
            select(Intent)
            .where(Intent.batch_id == batch.id, Intent.kind == IntentKind.EXIT)
            .order_by(Intent.subscription_id)
        )
        .scalars()
        .all()
    )
    day = batch.trade_date or ist_today()  # the exit's cash is returned on its trade date
    for intent in exits:
        subscription = session.get(Subscription, intent.subscription_id)
        assert subscription is not None
        if _close_if_empty(session, subscription, day):
            intent.status = IntentStatus.DONE
        else:
            intent.status, intent.batch_id = IntentStatus.PENDING, None
            intent.note = f"exit not complete in batch {batch.id}; waiting for the next batch"
    session.flush()
    rebalance = (Intent.kind == IntentKind.REBALANCE) & Intent.version_id.is_not(None)
    missed = (
        select(BatchTarget.subscription_id)
        .join(LedgerAccount, LedgerAccount.subscription_id == BatchTarget.subscription_id)
        .outerjoin(
            Balance,
            (Balance.account_id == LedgerAccount.id) & (Balance.asset == BatchTarget.symbol),
        )
        .where(BatchTarget.batch_id == batch.id)
        .group_by(BatchTarget.subscription_id, BatchTarget.symbol, BatchTarget.target)
        .having(func.coalesce(func.sum(Balance.amount), 0) != BatchTarget.target)
    )
    unaccounted = select(BatchTarget.subscription_id).where(
        BatchTarget.batch_id == batch.id,
        BatchTarget.target != 0,
        ~select(LedgerAccount.id)
        .where(LedgerAccount.subscription_id == BatchTarget.subscription_id)
        .exists(),
    )
    # The subscriptions short of their targets, read once: as a sub-query of the three
    # statements below it was planned per statement, and with the batch's rows not yet in the
    # tables' statistics (a batch of 10,000 finishing within a minute of being sized) the plan
    # ran it again for every intent (minutes instead of a second).
    short = among(
        Intent.subscription_id, session.execute(missed.union(unaccounted)).scalars().all()
    )
    session.execute(
        update(Subscription)
        .where(
            Subscription.id == Intent.subscription_id,
            Intent.batch_id == batch.id,
            rebalance,
            ~short,
        )
        .values(version_id=Intent.version_id)
        .execution_options(synchronize_session=False)
    )
    waiting = (Intent.batch_id == batch.id) & rebalance & short
    _return_to_pending(session, batch, "the new version's targets not reached", waiting)
    session.execute(
        update(Intent)
        .where(Intent.batch_id == batch.id, Intent.kind != IntentKind.EXIT)
        .values(status=IntentStatus.DONE)
        .execution_options(synchronize_session=False)
    )
    _expire(session)


def _return_to_pending(session: Session, batch: Batch, waiting: str, where: Any) -> None:
    session.execute(
        update(Intent)
        .where(where)
        .values(
            status=IntentStatus.PENDING,
            batch_id=None,
            note=f"{waiting} in batch {batch.id}; waiting for the next batch",
        )
        .execution_options(synchronize_session=False)
    )


def _expire(session: Session) -> None:
    """Forget intents and subscriptions loaded before the bulk updates (they were flushed
    first), so they are read again when next used."""
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, (Intent, Subscription, BatchParticipant)):
            session.expire(loaded)


def _executing(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id, with_for_update=True)
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    if batch.state is not BatchState.EXECUTING:
        raise Conflict(f"batch {batch_id} is {batch.state}, not executing")
    return batch


def _filled(session: Session, order_ids: Sequence[int]) -> dict[int, int]:
    return dict(
        session.execute(
            select(BrokerTrade.order_id, func.sum(BrokerTrade.quantity))
            .where(BrokerTrade.order_id.in_(order_ids))
            .group_by(BrokerTrade.order_id)
        ).all()
    )


def _close_participants(session: Session, batch: Batch) -> None:
    session.flush()
    session.execute(
        update(BatchParticipant)
        .where(BatchParticipant.batch_id == batch.id)
        .values(open=False)
        .execution_options(synchronize_session=False)
    )


def _locked_subscriptions(session: Session, ids: set[int]) -> dict[int, Subscription]:
    """Lock subscriptions in id order (one order everywhere, so no deadlock)."""
    rows = session.execute(
        select(Subscription)
        .where(among(Subscription.id, ids))
        .order_by(Subscription.id)
        .with_for_update()
    ).scalars()
    return {s.id: s for s in rows}


def _close_if_empty(session: Session, subscription: Subscription, day: date) -> bool:
    """Close a subscription that holds no shares, returning its cash; False if it still holds."""
    account = subscription_account(session, subscription.id)
    if holdings(session, account):
        return False
    for bucket in (Bucket.SETTLED, Bucket.UNSETTLED):
        amount = balance(session, account, CASH, bucket)
        if amount > 0:
            release(
                session,
                subscription.user_id,
                subscription.id,
                amount=amount,
                bucket=bucket,
                memo="exit: cash returned",
                effective_on=day,
            )
    subscription.status = SubscriptionStatus.CLOSED
    return True
