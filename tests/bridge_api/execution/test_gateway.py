"""A batch's whole life through the gateway, against real PostgreSQL."""

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from allocator import plan
from bridge_api.batches import closing
from bridge_api.db.models import (
    Balance,
    BatchOrder,
    Bucket,
    LedgerAccount,
    LedgerKind,
    OrderSlice,
    Role,
    SliceStatus,
    TaxLot,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict
from bridge_api.execution import allocation, fills, planning
from bridge_api.ledger import settlement
from bridge_api.portfolios.cash import release
from tests.bridge_api.factories import auth, make_user, pay_in, published_smallcase

DAY = date(2026, 11, 25)
AT = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def _fill_everything(
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


def _run_batch(
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
    _fill_everything(session, sells, short=short)
    buys_plan = plan(planning.plan_request(session, batch, buys_only=True))
    buys = planning.record_plan(session, batch, buys_plan, trade_date=DAY, phase=2)
    _fill_everything(session, buys, short=short)
    closing.finish_batch(session, batch.id)
    return client.get(f"/batches/{batch_id}", headers=auth(manager)).json()


def _investors(client: TestClient, session: Session, amounts: list[str]):
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


def _market_balances(session: Session) -> dict[str, Decimal]:
    rows = session.execute(
        select(Balance.asset, func.sum(Balance.amount))
        .join(LedgerAccount, LedgerAccount.id == Balance.account_id)
        .where(LedgerAccount.kind == LedgerKind.SUBSCRIPTION)
        .group_by(Balance.asset)
    ).all()
    return dict(rows)


def test_a_filled_batch_books_every_share_and_rupee_to_its_participants(
    client: TestClient, session: Session
):
    _, manager, smallcase, investors = _investors(
        client, session, ["60000.00", "150000.00", "40000.00"]
    )

    detail = _run_batch(client, session, manager, smallcase)

    assert detail["state"] == "completed"
    assert {o["side"] for o in detail["orders"]} == {"BUY"}
    held = _market_balances(session)
    for order in detail["orders"]:
        filled = sum(f["quantity"] for f in order["fills"])
        assert filled == order["quantity"]
        assert sum(r["quantity"] for r in order["results"]) == filled
        assert held[order["symbol"]] == filled
        value = sum(Decimal(f["price"]) * f["quantity"] for f in order["fills"])
        assert sum(Decimal(r["value"]) for r in order["results"]) == value
    for investor in investors:
        view = client.get("/portfolio", headers=auth(investor)).json()
        (subscription,) = view["subscriptions"]
        assert Decimal(subscription["cash"]) >= 0
        assert subscription["holdings"]
        assert Decimal(subscription["charges_paid"]) > 0
        for holding in subscription["holdings"]:
            assert Decimal(holding["cost"]) > Decimal(holding["quantity"]) * Decimal(
                holding["price"]
            ) * Decimal("0.9")


def test_a_partly_filled_order_allocates_pro_rata_and_leaves_the_batch_partially_completed(
    client: TestClient, session: Session
):
    _, manager, smallcase, _ = _investors(client, session, ["100000.00", "100000.00"])
    preview = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()
    client.post(f"/batches/{preview['id']}/cancel", headers=auth(manager))
    infy_total = sum(
        t["target"] - t["holding"] for t in preview["targets"] if t["symbol"] == "INFY"
    )

    detail = _run_batch(
        client,
        session,
        manager,
        smallcase,
        short={f"b{preview['id'] + 1}-INFY-BUY": infy_total // 2},
    )

    assert detail["state"] == "partially_completed"
    assert "INFY-BUY" in detail["reason"]
    (infy,) = [o for o in detail["orders"] if o["symbol"] == "INFY"]
    filled = sum(f["quantity"] for f in infy["fills"])
    assert filled == infy_total - infy_total // 2
    for result, line in zip(infy["results"], infy["statement"], strict=True):
        assert (
            abs(
                Fraction(result["quantity"]) - Fraction(filled * line["quantity"], infy["quantity"])
            )
            < 1
        )
        assert result["quantity"] <= line["quantity"]


def test_trades_are_recorded_once_and_orders_allocated_once(client: TestClient, session: Session):
    _, manager, smallcase, _ = _investors(client, session, ["80000.00"])
    batch_id = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()["id"]
    client.post(f"/batches/{batch_id}/approve", headers=auth(manager))
    batch = planning.claim_ready_batch(session)
    planning.record_plan(
        session, batch, plan(planning.plan_request(session, batch)), trade_date=DAY, phase=1
    )
    buys_plan = plan(planning.plan_request(session, batch, buys_only=True))
    (order, other, *_) = planning.record_plan(session, batch, buys_plan, trade_date=DAY, phase=2)

    first = fills.record_trade(
        session,
        order_key=order.key,
        broker_trade_id="T1",
        quantity=1,
        price=order.limit_price,
        traded_at=AT,
    )
    again = fills.record_trade(
        session,
        order_key=order.key,
        broker_trade_id="T1",
        quantity=1,
        price=order.limit_price,
        traded_at=AT,
    )
    same_number_other_order = fills.record_trade(  # exchange trade numbers repeat by day
        session,
        order_key=other.key,
        broker_trade_id="T1",
        quantity=1,
        price=other.limit_price,
        traded_at=AT,
    )
    with pytest.raises(Conflict, match="would fill"):
        fills.record_trade(
            session,
            order_key=order.key,
            broker_trade_id="T2",
            quantity=order.quantity,
            price=order.limit_price,
            traded_at=AT,
        )
    allocated = allocation.finalize_order(
        session, order_key=order.key, reason="expired", trade_date=DAY
    )
    twice = allocation.finalize_order(
        session, order_key=order.key, reason="expired", trade_date=DAY
    )
    with pytest.raises(Conflict, match="already allocated"):
        fills.record_trade(
            session,
            order_key=order.key,
            broker_trade_id="T3",
            quantity=1,
            price=order.limit_price,
            traded_at=AT,
        )

    assert (first, again, same_number_other_order) == (True, False, True)
    assert allocated is not None
    assert allocated.filled == 1
    assert twice is None
    assert planning.claim_ready_batch(session) is None
    with pytest.raises(Conflict, match="has recorded phase 2"):
        planning.record_plan(session, batch, buys_plan, trade_date=DAY, phase=2)


def test_an_exit_sells_everything_closes_the_subscription_and_returns_its_cash(
    client: TestClient, session: Session
):
    _, manager, smallcase, (investor,) = _investors(client, session, ["90000.00"])
    _run_batch(client, session, manager, smallcase)
    settlement.settle(session, as_of=date(2026, 11, 26))
    (subscription,) = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"]
    assert (
        client.post(f"/subscriptions/{subscription['id']}/exit", headers=auth(investor)).status_code
        == 201
    )

    detail = _run_batch(client, session, manager, smallcase)
    view = client.get("/portfolio", headers=auth(investor)).json()

    assert detail["state"] == "completed"
    assert {o["side"] for o in detail["orders"]} == {"SELL"}
    (closed,) = view["subscriptions"]
    assert closed["status"] == "closed"
    assert (closed["cash"], closed["unsettled_cash"], closed["holdings"]) == ("0.00", "0.00", [])
    assert Decimal(view["free_unsettled_cash"]) > 0
    assert Decimal(closed["realised"]) != 0
    lots = (
        session.execute(select(TaxLot).where(TaxLot.subscription_id == subscription["id"]))
        .scalars()
        .all()
    )
    assert lots
    assert all(lot.open_quantity == 0 for lot in lots)


def test_crossing_books_transfers_between_subscriptions_at_the_reference_price(
    client: TestClient, session: Session
):
    admin, manager, smallcase, (seller,) = _investors(client, session, ["90000.00"])
    _run_batch(client, session, manager, smallcase)
    settlement.settle(session, as_of=date(2026, 11, 26))
    (subscription,) = client.get("/portfolio", headers=auth(seller)).json()["subscriptions"]
    client.post(f"/subscriptions/{subscription['id']}/exit", headers=auth(seller))
    buyer = make_user(session)
    pay_in(client, admin, buyer, "500000.00")
    client.post(
        "/invest", headers=auth(buyer), json={"smallcase_id": smallcase, "amount": "45000.00"}
    )
    before = _market_balances(session)

    detail = _run_batch(client, session, manager, smallcase, cross=True)

    assert detail["crossings"]
    symbols = [o["symbol"] for o in detail["orders"]]
    assert len(symbols) == len(set(symbols))
    crossed = defaultdict(int)
    for c in detail["crossings"]:
        crossed[(c["symbol"], c["side"])] += c["quantity"]
    for symbol in {s for s, _ in crossed}:
        assert crossed[(symbol, "BUY")] == crossed[(symbol, "SELL")]
    after = _market_balances(session)
    for order in detail["orders"]:
        sign = -1 if order["side"] == "SELL" else 1
        assert after[order["symbol"]] - before[order["symbol"]] == sign * sum(
            f["quantity"] for f in order["fills"]
        )
    assert after[CASH] > 0


def test_settlement_settles_only_earlier_days_and_each_entry_once(
    client: TestClient, session: Session
):
    _, manager, smallcase, (investor,) = _investors(client, session, ["90000.00"])
    _run_batch(client, session, manager, smallcase)
    (subscription,) = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"]

    same_day = settlement.settle(session, as_of=DAY)
    next_day = settlement.settle(session, as_of=date(2026, 11, 26))
    again = settlement.settle(session, as_of=date(2026, 11, 27))
    view = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"][0]

    assert same_day == 0
    assert next_day > 0
    assert again == 0
    assert subscription["holdings"] == view["holdings"]
    unsettled = session.execute(
        select(func.count())
        .select_from(Balance)
        .where(Balance.bucket == Bucket.UNSETTLED, Balance.amount != 0)
    ).scalar_one()
    assert unsettled == 0


def test_buys_cut_for_funds_leave_the_batch_partially_completed_with_the_reason(
    client: TestClient, session: Session
):
    _, manager, smallcase, (investor,) = _investors(client, session, ["90000.00"])
    batch_id = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()["id"]
    client.post(f"/batches/{batch_id}/approve", headers=auth(manager))
    batch = planning.claim_ready_batch(session)
    (subscription,) = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"]
    client_cash = Decimal(subscription["cash"])
    planning.record_plan(
        session, batch, plan(planning.plan_request(session, batch)), trade_date=DAY, phase=1
    )
    release(
        session,
        investor.id,
        subscription["id"],
        amount=client_cash / 2,
        bucket=Bucket.SETTLED,
        memo="test",
    )
    buys = planning.record_plan(
        session,
        batch,
        plan(planning.plan_request(session, batch, buys_only=True)),
        trade_date=DAY,
        phase=2,
    )
    _fill_everything(session, buys)
    done = closing.finish_batch(session, batch.id)

    assert str(done.state) == "partially_completed"
    assert "cut for funds" in done.reason


def test_an_exit_that_did_not_sell_everything_waits_for_the_next_batch(
    client: TestClient, session: Session
):
    _, manager, smallcase, (investor,) = _investors(client, session, ["90000.00"])
    _run_batch(client, session, manager, smallcase)
    (subscription,) = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"]
    client.post(f"/subscriptions/{subscription['id']}/exit", headers=auth(investor))
    preview = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()
    client.post(f"/batches/{preview['id']}/cancel", headers=auth(manager))
    sold = {t["symbol"]: t["holding"] for t in preview["targets"]}
    first = sorted(sold)[0]

    detail = _run_batch(
        client, session, manager, smallcase, short={f"b{preview['id'] + 1}-{first}-SELL": 1}
    )
    intents = client.get("/intents", headers=auth(investor)).json()
    view = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"][0]

    assert detail["state"] == "partially_completed"
    assert view["status"] == "active"
    assert [h["quantity"] for h in view["holdings"]] == [1]
    exit_intent = next(i for i in intents if i["kind"] == "exit")
    assert exit_intent["status"] == "pending"


def test_a_batch_that_traded_nothing_can_be_failed_and_its_intents_wait_again(
    client: TestClient, session: Session
):
    admin, manager, smallcase, (investor,) = _investors(client, session, ["90000.00"])
    batch_id = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()["id"]
    client.post(f"/batches/{batch_id}/approve", headers=auth(manager))
    planning.claim_ready_batch(session)
    with pytest.raises(Conflict, match="never planned"):
        closing.finish_batch(session, batch_id)

    failed = client.post(
        f"/batches/{batch_id}/fail", headers=auth(admin), json={"reason": "venue down all day"}
    )
    intents = client.get("/intents", headers=auth(investor)).json()

    assert failed.json()["state"] == "failed"
    assert [i["status"] for i in intents] == ["pending"]


def test_a_partially_completed_batch_is_repaired_by_a_new_batch_for_what_is_left(
    client: TestClient, session: Session
):
    _, manager, smallcase, (_investor,) = _investors(client, session, ["90000.00"])
    preview = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()
    client.post(f"/batches/{preview['id']}/cancel", headers=auth(manager))
    first = sorted({t["symbol"] for t in preview["targets"]})[0]
    detail = _run_batch(
        client, session, manager, smallcase, short={f"b{preview['id'] + 1}-{first}-BUY": 1}
    )

    repair = client.post(f"/batches/{detail['id']}/repair", headers=auth(manager))

    assert repair.status_code == 201
    rows = repair.json()["targets"]
    assert {r["symbol"] for r in rows if r["target"] != r["holding"]} == {first}
    assert repair.json()["state"] == "draft"


def test_a_trade_beyond_the_limit_price_is_refused(client: TestClient, session: Session):
    _, manager, smallcase, _ = _investors(client, session, ["80000.00"])
    batch_id = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()["id"]
    client.post(f"/batches/{batch_id}/approve", headers=auth(manager))
    batch = planning.claim_ready_batch(session)
    planning.record_plan(
        session, batch, plan(planning.plan_request(session, batch)), trade_date=DAY, phase=1
    )
    (order, *_) = planning.record_plan(
        session,
        batch,
        plan(planning.plan_request(session, batch, buys_only=True)),
        trade_date=DAY,
        phase=2,
    )

    with pytest.raises(Conflict, match="beyond"):
        fills.record_trade(
            session,
            order_key=order.key,
            broker_trade_id="T9",
            quantity=1,
            price=order.limit_price + Decimal("0.05"),
            traded_at=AT,
        )
