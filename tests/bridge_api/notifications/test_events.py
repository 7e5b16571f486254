"""Each event is recorded in the transaction of its cause, for the right people, with its
fan-out job deferred in that same transaction."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bridge_api.brokers.paper import PaperVenue
from bridge_api.db.models import (
    KycStatus,
    NotificationEvent,
    OrderAllocation,
    Role,
    SmallcaseStatus,
    Subscription,
    User,
)
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.execution.clocks import PaperClock
from bridge_api.execution.engine import Engine, EngineConfig
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.notifications.alerts import acknowledge, open_alerts, raise_alert
from bridge_api.notifications.events import EventKind, notify
from bridge_api.portfolios import cash, intents
from bridge_api.smallcases import service as smallcases
from bridge_api.users.service import decide_kyc
from tests.bridge_api.execution.support import INVESTORS, Weight, ready_batch
from tests.bridge_api.factories import make_user


def _events(session: Session, kind: EventKind) -> list[NotificationEvent]:
    return list(
        session.execute(
            select(NotificationEvent)
            .where(NotificationEvent.kind == str(kind))
            .order_by(NotificationEvent.id)
        ).scalars()
    )


def _fan_out_jobs(session: Session, event_id: int) -> int:
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = "
                "'notifications.fan_out' AND (args->>'event_id')::bigint = :event"
            ),
            {"event": event_id},
        ).scalar_one()
    )


def test_a_kyc_decision_tells_the_investor_and_defers_its_delivery_with_it(session):
    admin = make_user(session, role=Role.ADMIN)
    investor = make_user(session, kyc=KycStatus.PENDING)

    decide_kyc(session, admin, user_id=investor.id, status=KycStatus.REJECTED, reason="blurry")

    [event] = _events(session, EventKind.KYC_DECIDED)
    assert event.recipients == [investor.id]
    assert event.data == {"status": "rejected", "reason": "blurry"}
    assert _fan_out_jobs(session, event.id) == 1


def test_a_pay_in_tells_the_investor_what_arrived(session):
    admin = make_user(session, role=Role.ADMIN)
    investor = make_user(session)

    entry = cash.payin(
        session, admin, user_id=investor.id, amount=Decimal("2500.50"), reference="UTR9"
    )
    cash.payout(session, admin, user_id=investor.id, amount=Decimal("100.00"), reference="UTR10")

    [event] = _events(session, EventKind.PAYIN_RECEIVED)  # a pay-out is not a pay-in
    assert event.recipients == [investor.id]
    assert event.data == {"amount": "2500.50", "reference": "UTR9", "entry": entry.id}


def test_a_new_version_of_a_published_smallcase_tells_its_subscribers_only(session):
    manager = make_user(session, role=Role.MANAGER)
    admin = make_user(session, role=Role.ADMIN)
    subscriber, bystander = make_user(session), make_user(session)
    weights = [Weight("INFY", Decimal(60)), Weight("TCS", Decimal(40))]
    case = smallcases.create(
        session, manager, name="Two", constituents=weights, description="", note="first"
    )
    smallcases.set_status(session, manager, case.id, SmallcaseStatus.PUBLISHED)
    cash.payin(session, admin, user_id=subscriber.id, amount=Decimal(100000), reference="U1")
    intents.invest(session, subscriber, smallcase_id=case.id, amount=Decimal(50000))

    smallcases.new_version(
        session,
        manager,
        case.id,
        constituents=list(reversed(weights)),
        note="tilt",
        description=None,
    )

    [event] = _events(session, EventKind.REBALANCE_AVAILABLE)
    assert event.recipients == [subscriber.id]
    assert bystander.id not in event.recipients
    assert event.data["note"] == "tilt"
    assert event.data["version"] == 2


def test_operator_alerts_reach_every_active_admin_as_their_kind_of_event(session):
    first, second = make_user(session, role=Role.ADMIN), make_user(session, role=Role.ADMIN)
    retired = make_user(session, role=Role.ADMIN)
    retired.active = False
    make_user(session)  # an investor is not an operator

    raise_alert(session, "reconciliation", "2 differences", report_id=7)
    raise_alert(session, "kite_session", "token expired")
    raise_alert(session, "engine_halted", "Kite unreachable")
    raise_alert(session, "duplicate_placement", "a stray order")

    for kind in (
        EventKind.RECONCILIATION_BREAK,
        EventKind.KITE_TOKEN_EXPIRED,
        EventKind.ENGINE_HALTED,
        EventKind.OPERATOR_ALERT,
    ):
        [event] = _events(session, kind)
        assert set(event.recipients) >= {first.id, second.id}
        assert retired.id not in event.recipients


def test_an_event_with_a_dedupe_key_is_recorded_once(session):
    user = make_user(session)

    once = notify(session, EventKind.KITE_TOKEN_EXPIRING, [user.id], dedupe_key="k-1", at="05:00")
    twice = notify(session, EventKind.KITE_TOKEN_EXPIRING, [user.id], dedupe_key="k-1", at="05:01")

    assert once is not None
    assert twice is None
    assert len(_events(session, EventKind.KITE_TOKEN_EXPIRING)) == 1


def test_an_alert_is_acknowledged_once_and_leaves_the_open_alerts(session):
    admin = make_user(session, role=Role.ADMIN)
    alert = raise_alert(session, "schedule", "backup missed")

    first = acknowledge(session, alert.id, admin)[0].acknowledged_at
    again = acknowledge(session, alert.id, admin)[0].acknowledged_at

    assert first is not None
    assert again == first
    assert alert.id not in {a.id for a in open_alerts(session)}


def test_a_traded_batch_tells_each_participant_their_shares_and_that_it_finished(committed):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    venue = PaperVenue(committed, session_day=FIRST_DAY)
    limiter = OrderRateLimiter(committed, limits=RateLimits(per_second=1000, per_minute=10**5))
    Engine(
        committed, venue, PaperClock(venue), limiter=limiter, config=EngineConfig(FIRST_DAY)
    ).run()

    with committed() as session:
        investors = set(
            session.execute(select(User.id).where(User.email.in_(list(INVESTORS)))).scalars()
        )
        allocated = _events(session, EventKind.ORDER_ALLOCATED)
        [finished] = _events(session, EventKind.BATCH_FINISHED)
        received = session.execute(
            select(OrderAllocation.subscription_id, func.sum(OrderAllocation.quantity)).group_by(
                OrderAllocation.subscription_id
            )
        ).all()
        owners = dict(session.execute(select(Subscription.id, Subscription.user_id)).all())
    told: dict[int, int] = {}
    for event in allocated:
        for user, part in event.data["per_user"].items():
            told[int(user)] = told.get(int(user), 0) + part["shares"]
    expected: dict[int, int] = {}
    for subscription, quantity in received:
        expected[owners[subscription]] = expected.get(owners[subscription], 0) + quantity
    assert allocated
    assert told == {user: shares for user, shares in expected.items() if shares}
    assert set(finished.recipients) == investors
    assert finished.data["batch_id"] == batch
