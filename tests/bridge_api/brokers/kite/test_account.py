"""Sizing a batch at Kite's live quotes instead of the last closes."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bridge_api.batches import service as batches
from bridge_api.brokers.kite.account import live_prices
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
