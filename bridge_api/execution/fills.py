"""What reaches the broker and what comes back: slices marked before they are sent, the
broker's order id recorded after, and each broker trade recorded once, whatever the number of
times it is reported. Trades under a tag Saras no longer trades under are strays."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from bridge_api.batches import events
from bridge_api.batches.states import move_order, move_slice
from bridge_api.brokers.port import BrokerOrder
from bridge_api.brokers.port import BrokerTrade as BrokerTradeReport
from bridge_api.db.models import (
    BatchOrder,
    BrokerTrade,
    OrderSend,
    OrderSlice,
    OrderStatus,
    SliceStatus,
    StrayTrade,
)
from bridge_api.errors import Conflict, NotFound
from bridge_api.execution.tags import client_tag
from bridge_api.ledger.house import book_stray_fill


def record_broker_order(session: Session, *, tag: str, broker_order_id: str) -> OrderSlice:
    """The broker accepted the slice sent under `tag` as `broker_order_id`."""
    piece = session.execute(
        select(OrderSlice).where(OrderSlice.tag == tag).with_for_update()
    ).scalar_one_or_none()
    if piece is None:
        raise NotFound(f"no slice with tag {tag}")
    if piece.broker_order_id not in (None, broker_order_id):
        raise Conflict(f"slice {tag} is already broker order {piece.broker_order_id}")
    move_slice(piece, SliceStatus.SENT)
    piece.broker_order_id = broker_order_id
    order = session.get(BatchOrder, piece.order_id, with_for_update=True)
    assert order is not None
    if order.status is OrderStatus.PLANNED:
        move_order(order, OrderStatus.OPEN)
    _slice_event(session, piece, order)
    return piece


def record_trade(
    session: Session,
    *,
    order_key: str,
    broker_trade_id: str,
    quantity: int,
    price: Decimal,
    traded_at: datetime,
    slice_tag: str | None = None,
) -> bool:
    """Record one broker trade of an order, once; True when it was new.

    Refused when the order is already allocated, or when the trade would fill more than the
    order (the statement could not cover it).
    """
    order = session.execute(
        select(BatchOrder).where(BatchOrder.key == order_key).with_for_update()
    ).scalar_one_or_none()
    if order is None:
        raise NotFound(f"no order {order_key}")
    if session.execute(
        select(BrokerTrade.id).where(
            BrokerTrade.order_id == order.id, BrokerTrade.broker_trade_id == broker_trade_id
        )
    ).first():
        return False
    if order.status is OrderStatus.FINAL:
        raise Conflict(
            f"order {order_key} is already allocated; trade {broker_trade_id} arrived late"
        )
    if price > order.limit_price if order.side == "BUY" else price < order.limit_price:
        raise Conflict(
            f"trade {broker_trade_id} at {price} is beyond {order_key}'s limit {order.limit_price}"
        )
    filled = session.execute(
        select(func.coalesce(func.sum(BrokerTrade.quantity), 0)).where(
            BrokerTrade.order_id == order.id
        )
    ).scalar_one()
    if filled + quantity > order.quantity:
        raise Conflict(
            f"trade {broker_trade_id} would fill {filled + quantity} "
            f"of order {order_key}'s {order.quantity}"
        )
    slice_id = None
    if slice_tag is not None:
        slice_id = session.execute(
            select(OrderSlice.id).where(OrderSlice.tag == slice_tag)
        ).scalar_one_or_none()
    inserted = session.execute(
        insert(BrokerTrade)
        .values(
            broker_trade_id=broker_trade_id,
            order_id=order.id,
            slice_id=slice_id,
            quantity=quantity,
            price=price,
            traded_at=traded_at,
        )
        .on_conflict_do_nothing(index_elements=["order_id", "broker_trade_id"])
        .returning(BrokerTrade.id)
    ).first()
    return inserted is not None


def mark_slice(
    session: Session, slice_id: int, status: SliceStatus, message: str | None = None
) -> OrderSlice:
    """Move a slice to `status` (``sending`` is written before the broker is called)."""
    piece = session.get(OrderSlice, slice_id, with_for_update=True)
    if piece is None:
        raise NotFound(f"no slice {slice_id}")
    move_slice(piece, status)
    piece.message = message
    _slice_event(session, piece)
    return piece


def retry_slice(session: Session, slice_id: int) -> OrderSlice:
    """A slice whose placement provably never reached the broker gets a new attempt and tag."""
    piece = session.get(OrderSlice, slice_id, with_for_update=True)
    if piece is None:
        raise NotFound(f"no slice {slice_id}")
    order = session.get(BatchOrder, piece.order_id)
    assert order is not None
    piece.attempt += 1
    piece.tag = client_tag(order.batch_id, order.id, piece.seq, piece.attempt)
    move_slice(piece, SliceStatus.PLANNED)
    piece.message = None
    _slice_event(session, piece, order)
    return piece


def _slice_event(session: Session, piece: OrderSlice, order: BatchOrder | None = None) -> None:
    order = order or session.get(BatchOrder, piece.order_id)
    assert order is not None
    events.publish(
        session,
        order.batch_id,
        "slice",
        tag=piece.tag,
        order=order.key,
        symbol=order.symbol,
        side=order.side,
        quantity=piece.quantity,
        status=str(piece.status),
        message=piece.message,
    )


def sync_trades(session: Session, batch_id: int, trades: Sequence[BrokerTradeReport]) -> int:
    """Record the broker's trades of this batch's working slices (each once); returns how many
    were new. Trades under any other tag (a slice given up, a superseded attempt) are strays,
    left to `strays`."""
    slices = dict(
        session.execute(
            select(OrderSlice.tag, BatchOrder.key)
            .join(BatchOrder, BatchOrder.id == OrderSlice.order_id)
            .where(
                BatchOrder.batch_id == batch_id,
                OrderSlice.status.in_([SliceStatus.SENT, SliceStatus.FINAL]),
            )
        ).all()
    )
    new = 0
    for trade in trades:
        key = slices.get(trade.tag)
        if key is None:
            continue
        new += record_trade(
            session,
            order_key=key,
            broker_trade_id=trade.trade_id,
            quantity=trade.quantity,
            price=trade.price,
            traded_at=trade.at,
            slice_tag=trade.tag,
        )
    if new:
        events.publish(session, batch_id, "fills", new=new)
    return new


def record_stray_trades(
    session: Session, trades: Sequence[BrokerTradeReport], *, trade_date: date
) -> list[BrokerTradeReport]:
    """Book each trade of a stray order (`strays`) to the house, once; returns the new ones.
    No investor ordered them, so the house owns them (and pays their charges) until the
    operator decides what to do with them."""
    stray_tags = _stray_tags(session, {t.tag for t in trades if t.tag})
    candidates = [t for t in trades if t.tag in stray_tags]
    if not candidates:
        return []
    known = set(
        session.execute(
            select(StrayTrade.broker_order_id, StrayTrade.broker_trade_id).where(
                StrayTrade.tag.in_(stray_tags)
            )
        ).all()
    )
    new = [t for t in candidates if (t.broker_order_id, t.trade_id) not in known]
    for trade in new:
        entry = book_stray_fill(
            session,
            symbol=trade.symbol,
            side=trade.side,
            quantity=trade.quantity,
            price=trade.price,
            trade_date=trade_date,
            memo=f"stray fill {trade.trade_id} of order {trade.broker_order_id} ({trade.tag})",
        )
        session.add(
            StrayTrade(
                broker_order_id=trade.broker_order_id,
                broker_trade_id=trade.trade_id,
                tag=trade.tag,
                symbol=trade.symbol,
                side=str(trade.side),
                quantity=trade.quantity,
                price=trade.price,
                traded_at=trade.at,
                entry_id=entry.id,
            )
        )
    session.flush()
    return new


def was_sent(session: Session, tag: str) -> bool:
    """Whether the rate limiter granted a placement under `tag` (it records each before the
    broker is called, so a tag it never granted never reached the broker)."""
    return session.execute(select(OrderSend.id).where(OrderSend.tag == tag)).first() is not None


def strays(session: Session, orders: Sequence[BrokerOrder]) -> list[BrokerOrder]:
    """Of the broker's orders, those under a tag Saras sent (per the rate limiter's record)
    whose slice no longer trades under it: superseded by a new attempt, or given up."""
    stray_tags = _stray_tags(session, {o.tag for o in orders if o.tag})
    return [o for o in orders if o.tag in stray_tags]


def _stray_tags(session: Session, tags: set[str]) -> set[str]:
    """Of `tags`, those Saras sent (per the rate limiter's record) whose slice no longer
    trades under them: superseded by a new attempt, or given up."""
    if not tags:
        return set()
    sent = set(session.execute(select(OrderSend.tag).where(OrderSend.tag.in_(tags))).scalars())
    status = dict(
        session.execute(
            select(OrderSlice.tag, OrderSlice.status).where(OrderSlice.tag.in_(tags))
        ).all()
    )
    return {tag for tag in sent if status.get(tag, SliceStatus.REJECTED) is SliceStatus.REJECTED}
