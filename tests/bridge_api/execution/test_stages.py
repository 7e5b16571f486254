"""The execution stages on a batch's life: plan, fills, allocation and the books they post."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from allocator import plan
from bridge_api.batches import closing
from bridge_api.config import get_settings
from bridge_api.db.models import (
    Bucket,
    Cause,
    JournalEntry,
    LotConsumption,
    Posting,
    TaxLot,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict
from bridge_api.execution import allocation, fills, planning
from bridge_api.execution.engine import EngineConfig
from bridge_api.ledger import settlement
from bridge_api.portfolios.cash import release
from tests.bridge_api.batch_life import (
    AT,
    DAY,
    fill_everything,
    make_investors,
    market_balances,
    run_batch,
)
from tests.bridge_api.factories import auth, make_user, pay_in


def test_a_filled_batch_books_every_share_and_rupee_to_its_participants(
    client: TestClient, session: Session
):
    _, manager, smallcase, investors = make_investors(
        client, session, ["60000.00", "150000.00", "40000.00"]
    )

    detail = run_batch(client, session, manager, smallcase)

    assert detail["state"] == "completed"
    assert {o["side"] for o in detail["orders"]} == {"BUY"}
    held = market_balances(session)
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
    _, manager, smallcase, _ = make_investors(client, session, ["100000.00", "100000.00"])
    preview = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()
    client.post(f"/batches/{preview['id']}/cancel", headers=auth(manager))
    infy_total = sum(
        t["target"] - t["holding"] for t in preview["targets"] if t["symbol"] == "INFY"
    )

    detail = run_batch(
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
    _, manager, smallcase, _ = make_investors(client, session, ["80000.00"])
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


def test_crossing_books_transfers_between_subscriptions_at_the_reference_price(
    client: TestClient, session: Session
):
    admin, manager, smallcase, (seller,) = make_investors(client, session, ["90000.00"])
    run_batch(client, session, manager, smallcase)
    settlement.settle(session, today=date(2026, 11, 26))
    (subscription,) = client.get("/portfolio", headers=auth(seller)).json()["subscriptions"]
    client.post(f"/subscriptions/{subscription['id']}/exit", headers=auth(seller))
    buyer = make_user(session)
    pay_in(client, admin, buyer, "500000.00")
    client.post(
        "/invest", headers=auth(buyer), json={"smallcase_id": smallcase, "amount": "45000.00"}
    )
    before = market_balances(session)

    detail = run_batch(client, session, manager, smallcase, cross=True)

    assert detail["crossings"]
    symbols = [o["symbol"] for o in detail["orders"]]
    assert len(symbols) == len(set(symbols))
    crossed = defaultdict(int)
    for c in detail["crossings"]:
        crossed[(c["symbol"], c["side"])] += c["quantity"]
    for symbol in {s for s, _ in crossed}:
        assert crossed[(symbol, "BUY")] == crossed[(symbol, "SELL")]
    after = market_balances(session)
    for order in detail["orders"]:
        sign = -1 if order["side"] == "SELL" else 1
        assert after[order["symbol"]] - before[order["symbol"]] == sign * sum(
            f["quantity"] for f in order["fills"]
        )
    assert after[CASH] > 0
    # A crossing is no exchange trade: its lots and the sales out of lots say no STT was paid,
    # while the lots the exchange filled say it was.
    lots = session.execute(
        select(JournalEntry.cause, TaxLot.stt_paid).join(
            JournalEntry, JournalEntry.id == TaxLot.entry_id
        )
    ).all()
    sales = session.execute(
        select(JournalEntry.cause, LotConsumption.stt_paid).join(
            JournalEntry, JournalEntry.id == LotConsumption.entry_id
        )
    ).all()
    assert {(str(c), paid) for c, paid in lots} == {("crossing", False), ("order_allocation", True)}
    assert ("crossing", False) in {(str(c), paid) for c, paid in sales}
    assert all(paid is (str(c) != "crossing") for c, paid in [*lots, *sales])


def test_buys_cut_for_funds_leave_the_batch_partially_completed_with_the_reason(
    client: TestClient, session: Session
):
    _, manager, smallcase, (investor,) = make_investors(client, session, ["90000.00"])
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
    fill_everything(session, buys)
    done = closing.finish_batch(session, batch.id)

    assert str(done.state) == "partially_completed"
    assert "cut for funds" in done.reason


def test_a_trade_beyond_the_limit_price_is_refused(client: TestClient, session: Session):
    _, manager, smallcase, _ = make_investors(client, session, ["80000.00"])
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


def test_crossing_keeps_buckets_true_what_was_unsettled_arrives_unsettled(
    client: TestClient, session: Session
):
    admin, manager, smallcase, (seller,) = make_investors(client, session, ["90000.00"])
    run_batch(client, session, manager, smallcase)  # the seller's shares are still unsettled
    (subscription,) = client.get("/portfolio", headers=auth(seller)).json()["subscriptions"]
    client.post(f"/subscriptions/{subscription['id']}/exit", headers=auth(seller))
    buyer = make_user(session)
    pay_in(client, admin, buyer, "500000.00")
    client.post(
        "/invest", headers=auth(buyer), json={"smallcase_id": smallcase, "amount": "45000.00"}
    )

    detail = run_batch(client, session, manager, smallcase, cross=True)

    assert detail["crossings"]
    entry = (
        session.execute(  # one crossing entry per symbol: look at the first
            select(JournalEntry.id)
            .where(JournalEntry.batch_id == detail["id"], JournalEntry.cause == Cause.CROSSING)
            .order_by(JournalEntry.id)
        )
        .scalars()
        .first()
    )
    assert entry is not None
    by_bucket: dict[tuple[str, str, bool], Decimal] = defaultdict(Decimal)
    for posting in session.execute(select(Posting).where(Posting.entry_id == entry)).scalars():
        by_bucket[(posting.asset, str(posting.bucket), posting.amount > 0)] += posting.amount
    symbol = next(asset for asset, _, _ in by_bucket if asset != CASH)
    unsettled_out = -by_bucket[(symbol, "unsettled", False)]
    assert unsettled_out > 0, "the seller's shares were unsettled"
    assert by_bucket[(symbol, "unsettled", True)] == unsettled_out, "so the buyer's are"
    assert by_bucket[(symbol, "settled", True)] == -by_bucket[(symbol, "settled", False)]
    assert by_bucket[(CASH, "unsettled", True)] == -by_bucket[(CASH, "unsettled", False)]


def test_crossing_is_refused_while_trading_real_money_unless_a_review_cleared_it(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
):
    _, manager, smallcase, _ = make_investors(client, session, ["80000.00"])
    monkeypatch.setenv("SARAS_REAL_MONEY", "true")
    get_settings.cache_clear()
    try:
        refused = client.post(
            "/batches", headers=auth(manager), json={"smallcase_id": smallcase, "cross": True}
        )
        monkeypatch.setenv("SARAS_CROSSING_CLEARED", "true")
        get_settings.cache_clear()
        cleared = client.post(
            "/batches", headers=auth(manager), json={"smallcase_id": smallcase, "cross": True}
        )
    finally:
        get_settings.cache_clear()

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "compliance review" in refused.json()["detail"]
    assert cleared.status_code == 201


def test_an_engine_trading_real_money_plans_a_crossing_batch_without_crossing(
    client: TestClient, session: Session
):
    _, manager, smallcase, _ = make_investors(client, session, ["80000.00"])
    batch_id = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase, "cross": True}
    ).json()["id"]
    client.post(f"/batches/{batch_id}/approve", headers=auth(manager))
    batch = planning.claim_ready_batch(session)

    assert planning.plan_request(session, batch).cross
    assert not planning.plan_request(session, batch, crossing=False).cross
    assert not EngineConfig(trade_date=DAY, real_money=True).may_cross
    assert EngineConfig(trade_date=DAY, real_money=True, crossing_cleared=True).may_cross
    assert EngineConfig(trade_date=DAY).may_cross
