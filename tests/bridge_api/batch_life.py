"""A batch's whole life in one test transaction: investors through the API, then the
execution stages driven directly (every slice sent and filled at its limit, less a chosen
shortfall), so tests can look at any stage's books."""

from datetime import UTC, date, datetime
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from allocator import plan
from bridge_api.batches import closing
from bridge_api.db.models import (
    Balance,
    Bar,
    BatchOrder,
    LedgerAccount,
    LedgerKind,
    OrderSlice,
    Role,
    SliceStatus,
)
from bridge_api.execution import allocation, fills, planning
from bridge_api.market.prices import latest_closes
from tests.bridge_api.factories import auth, make_user, pay_in, published_smallcase

DAY = date(2026, 11, 25)
AT = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def fill_everything(
    session: Session, orders: list[BatchOrder], *, short: dict[str, int] | None = None
) -> None:
    """Send every slice (marked sending first, as the engine does) and fill it at its limit
    price, less `short[key]` shares on an order."""
    short = short or {}
    for order in orders:
        missing = short.get(order.key, 0)
        for piece in session.execute(
            select(OrderSlice).where(OrderSlice.order_id == order.id)
        ).scalars():
            fills.mark_slice(session, piece.id, SliceStatus.SENDING)
            fills.record_broker_order(session, tag=piece.tag, broker_order_id=f"X{piece.id}")
            quantity = piece.quantity - min(missing, piece.quantity)
            missing -= piece.quantity - quantity
            if quantity:
                fills.record_trade(
                    session,
                    order_key=order.key,
                    broker_trade_id=f"T{piece.id}",
                    quantity=quantity,
                    price=order.limit_price,
                    traded_at=AT,
                    slice_tag=piece.tag,
                )
        allocation.finalize_order(
            session,
            order_key=order.key,
            reason="filled" if not short.get(order.key) else "expired",
            trade_date=DAY,
        )


def run_batch(
    client: TestClient, session: Session, manager, smallcase: int, *, short=None, cross=False
):
    created = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase, "cross": cross}
    )
    assert created.status_code == 201, created.text
    batch_id = created.json()["id"]
    assert (
        client.post(f"/batches/{batch_id}/approve", headers=auth(manager)).json()["state"]
        == "ready"
    )
    batch = planning.claim_ready_batch(session)
    assert batch is not None
    assert batch.id == batch_id
    sells = planning.record_plan(
        session, batch, plan(planning.plan_request(session, batch)), trade_date=DAY, phase=1
    )
    fill_everything(session, sells, short=short)
    buys_plan = plan(planning.plan_request(session, batch, buys_only=True))
    buys = planning.record_plan(session, batch, buys_plan, trade_date=DAY, phase=2)
    fill_everything(session, buys, short=short)
    closing.finish_batch(session, batch.id)
    return client.get(f"/batches/{batch_id}", headers=auth(manager)).json()


def make_investors(client: TestClient, session: Session, amounts: list[str]):
    admin, manager = make_user(session, role=Role.ADMIN), make_user(session, role=Role.MANAGER)
    smallcase = published_smallcase(client, manager)
    investors = []
    for amount in amounts:
        investor = make_user(session)
        pay_in(client, admin, investor, "500000.00")
        response = client.post(
            "/invest", headers=auth(investor), json={"smallcase_id": smallcase, "amount": amount}
        )
        assert response.status_code == 201, response.text
        investors.append(investor)
    return admin, manager, smallcase, investors


def market_balances(session: Session) -> dict[str, Decimal]:
    rows = session.execute(
        select(Balance.asset, func.sum(Balance.amount))
        .join(LedgerAccount, LedgerAccount.id == Balance.account_id)
        .where(LedgerAccount.kind == LedgerKind.SUBSCRIPTION)
        .group_by(Balance.asset)
    ).all()
    return dict(rows)


MOVED = date(2026, 11, 26)


def double_infy(session: Session) -> None:
    """INFY closes at twice its last close on `MOVED` (the others unchanged): every book
    holding the batch's weights drifts."""
    closes = latest_closes(session, ["INFY", "TCS", "HDFCBANK"], before=MOVED)
    for symbol, close in closes.items():
        price = close * 2 if symbol == "INFY" else close
        session.add(
            Bar(
                symbol=symbol,
                day=MOVED,
                open=price,
                high=price,
                low=price,
                close=price,
                volume=10**6,
            )
        )
    session.flush()
