"""Sizing a batch at Kite's live quotes instead of the last closes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from allocator import Side
from bridge_api.batches import service as batches
from bridge_api.brokers.kite.account import kite_broker, live_prices
from bridge_api.brokers.port import BrokerRejected
from bridge_api.config import get_settings
from bridge_api.db.models import BatchTarget, Role, Smallcase, User
from bridge_api.demo.seed import seed_demo
from bridge_api.portfolios import intents
from tests.bridge_api.factories import auth, make_user
from tests.fake_kite import log_in


def test_a_batch_sized_at_kites_quotes_uses_them(committed, fake, kite_settings):
    fake.set_price("INFY", Decimal("3012.30"))
    log_in(committed, fake)
    with committed() as session, session.begin():
        seed_demo(session)
        leaders = session.execute(
            select(Smallcase).where(Smallcase.name == "Nifty Leaders")
        ).scalar_one()
        asha = session.execute(select(User).where(User.email == "asha@saras.demo")).scalar_one()
        manager = session.execute(
            select(User).where(User.email == "manager@saras.demo")
        ).scalar_one()
        intents.invest(session, asha, smallcase_id=leaders.id, amount=Decimal("150000.00"))
        batch = batches.create(
            session, manager, smallcase_id=leaders.id, quotes=live_prices(committed, kite_settings)
        )
        prices = dict(
            session.execute(
                select(BatchTarget.symbol, BatchTarget.price).where(
                    BatchTarget.batch_id == batch.id
                )
            ).all()
        )

    assert prices["INFY"] == Decimal("3012.30")


def test_asking_for_kite_prices_without_a_login_is_a_conflict(client, session, kite_settings):
    manager = make_user(session, role=Role.ADMIN)

    response = client.post("/batches", headers=auth(manager), json={"prices": "kite"})

    assert response.status_code == 409
    assert "saras kite login" in response.json()["detail"]


def test_every_placement_carries_the_configured_algo_id(
    committed, fake, kite_settings, monkeypatch
):
    # SEBI's retail-algo framework: a registered strategy's orders carry the exchange-issued
    # algo ID; the fake, told the account's ID, refuses placements without it.
    fake.algo_id = "NSEALGO0042"
    log_in(committed, fake)
    unset = kite_broker(committed, kite_settings)
    price = unset.quotes({"INFY"})["INFY"].price
    order = {"symbol": "INFY", "side": Side.BUY, "quantity": 1, "price": price}

    with pytest.raises(BrokerRejected, match="algo_id"):
        unset.place_limit_order(tag="A1", **order)
    monkeypatch.setenv("SARAS_KITE_ALGO_ID", "NSEALGO0042")
    get_settings.cache_clear()
    placed = kite_broker(committed, get_settings()).place_limit_order(tag="A2", **order)

    assert [(o["order_id"], o["tag"]) for o in fake.orders()] == [(placed, "A2")]
