"""The identity every analytics figure obeys, on ledgers the engine builds: for every
subscription and every investor, value = paid in - paid out + realised + unrealised - STT, to
the paisa; and the analytics routes show an investor only their own books. Real path: the
engine, the paper venue and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.analytics import report
from bridge_api.batches import service as batches
from bridge_api.calendar import ist_today
from bridge_api.db.models import Smallcase, Subscription, User
from bridge_api.demo.scenario import FIRST_DAY, SECOND_DAY
from bridge_api.demo.seed import seed_demo
from bridge_api.errors import Conflict
from bridge_api.http.app import create_app
from bridge_api.portfolios import intents
from bridge_api.portfolios.cash import payin
from tests.bridge_api.execution.support import paper_day
from tests.bridge_api.factories import auth, make_user

SMALLCASES = ("Nifty Leaders", "IT Bellwethers")


def _trade(sessions: sessionmaker[Session], day: date, participation: Decimal) -> None:
    paper_day(sessions, day, participation=participation, opposite_same_day=True)


def _batch_all(session: Session, day: date) -> None:
    manager = session.execute(select(User).where(User.email == "manager@saras.demo")).scalar_one()
    for name in SMALLCASES:
        smallcase = session.execute(select(Smallcase).where(Smallcase.name == name)).scalar_one()
        try:
            batch = batches.create(session, manager, smallcase_id=smallcase.id, prices_before=day)
        except Conflict:  # no pending intents in this smallcase
            continue
        batches.approve(session, manager, batch.id)


investments = st.lists(
    st.tuples(
        st.integers(min_value=30_000, max_value=400_000),  # paid in
        st.floats(min_value=0.3, max_value=1.0),  # share of it invested
        st.sampled_from(SMALLCASES),
        st.booleans(),  # exits on the second day
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=investments,
    participation=st.sampled_from([Decimal("0.02"), Decimal("0.1"), Decimal("1")]),
)
def test_value_is_paid_in_less_paid_out_plus_gains_less_stt_for_every_book(
    committed: sessionmaker[Session], people, participation: Decimal
):
    with committed() as session, session.begin():
        seed_demo(session)
        admin = session.execute(select(User).where(User.email == "admin@saras.demo")).scalar_one()
        users = []
        for paid, share, name, _ in people:
            user = make_user(session)
            amount = Decimal(paid)
            payin(session, admin, user_id=user.id, amount=amount, reference="UTR")
            smallcase = session.execute(
                select(Smallcase).where(Smallcase.name == name)
            ).scalar_one()
            invested = max((amount * Decimal(str(share))).quantize(Decimal("1")), Decimal(25_000))
            intents.invest(session, user, smallcase_id=smallcase.id, amount=invested)
            users.append(user.id)
        _batch_all(session, FIRST_DAY)
    _trade(committed, FIRST_DAY, participation)
    with committed() as session, session.begin():
        for (_, _, _, leaves), user_id in zip(people, users, strict=True):
            user = session.get(User, user_id)
            subscription = session.execute(
                select(Subscription).where(Subscription.user_id == user_id)
            ).scalar_one()
            if leaves and str(subscription.status) == "active":
                intents.exit_subscription(session, user, subscription_id=subscription.id)
        _batch_all(session, SECOND_DAY)
    _trade(committed, SECOND_DAY, participation)

    with committed() as session:
        for user_id in users:
            user = session.get(User, user_id)
            # pay-ins and earmarks are dated by the wall clock, after the simulated days
            whole, parts = report.for_investor(session, user, until=ist_today())
            for _, part in parts:
                assert part.identity.holds, part.identity
            assert whole.identity.holds, whole.identity
            assert whole.identity.value == whole.series.values[-1]


def test_an_investor_sees_their_own_analytics_only(committed: sessionmaker[Session]):
    with committed() as session, session.begin():
        seed_demo(session)
        admin = session.execute(select(User).where(User.email == "admin@saras.demo")).scalar_one()
        asha = session.execute(select(User).where(User.email == "asha@saras.demo")).scalar_one()
        leaders = session.execute(
            select(Smallcase).where(Smallcase.name == "Nifty Leaders")
        ).scalar_one()
        intents.invest(session, asha, smallcase_id=leaders.id, amount=Decimal("150000"))
        other = make_user(session)
        payin(session, admin, user_id=other.id, amount=Decimal("1000"), reference="UTR")
        _batch_all(session, FIRST_DAY)
    _trade(committed, FIRST_DAY, Decimal("1"))
    app = create_app()
    from bridge_api.http.deps import get_session  # noqa: PLC0415

    def own_session():
        with committed() as session, session.begin():
            yield session

    app.dependency_overrides[get_session] = own_session
    with committed() as session:
        asha = session.execute(select(User).where(User.email == "asha@saras.demo")).scalar_one()
        (subscription,) = session.execute(
            select(Subscription.id).where(Subscription.user_id == asha.id)
        ).scalars()
        other = (
            session.execute(select(User).where(User.id > asha.id).order_by(User.id.desc()))
            .scalars()
            .first()
        )
    with TestClient(app) as client:
        mine = client.get("/analytics", headers=auth(asha, committed))
        theirs = client.get(
            f"/analytics/subscriptions/{subscription}", headers=auth(other, committed)
        )
        one = client.get(
            f"/analytics/subscriptions/{subscription}",
            headers=auth(asha, committed),
        )

    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["identity"]["holds"] is True
    assert body["identity"]["paid_in"] == "250000.00"  # the demo's pay-in for Asha
    assert len(body["subscriptions"]) == 1
    assert body["figure"]["data"][0]["name"] == "value"
    assert theirs.status_code == 404
    assert one.status_code == 200
    tracking = one.json()["tracking"]
    assert set(tracking["weights"]) == {"RELIANCE", "HDFCBANK", "INFY", "ICICIBANK", "TCS", "ITC"}
    assert one.json()["identity"]["paid_in"] == "150000.00"
    assert one.json()["charges"]["stt"] != "0.00"
