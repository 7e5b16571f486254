"""The habits tell the investor: the scheduled `drift` and `sips` jobs, run as the day runs
them, record `drift_proposed` and `sip_skipped` in their own transaction, and the worker's
delivery renders them into the inbox once per channel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.db.models import (
    DriftProposal,
    InboxMessage,
    NotificationEvent,
    SipFrequency,
    Subscription,
)
from bridge_api.notifications import delivery
from bridge_api.notifications.events import EventKind
from bridge_api.notifications.preferences import update_preferences
from bridge_api.portfolios import sips
from bridge_api.schedule.day import job_named
from tests.bridge_api.batch_life import double_infy, make_investors, run_batch
from tests.bridge_api.factories import auth


def _job_sessions(session: Session) -> sessionmaker[Session]:
    """Sessions as the job opens them, on the test's connection: each job transaction is a
    savepoint of the test's, so the test sees what it committed and rolls it all back."""
    session.flush()
    return sessionmaker(
        bind=session.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def _events(session: Session, kind: EventKind) -> list[NotificationEvent]:
    return list(
        session.execute(
            select(NotificationEvent)
            .where(NotificationEvent.kind == str(kind))
            .order_by(NotificationEvent.id)
        ).scalars()
    )


def _to_inbox(session: Session, sessions: sessionmaker[Session], event_id: int) -> list[str]:
    """Fan the event out and deliver it (the worker's two jobs); the inbox bodies it made."""
    for delivery_id in delivery.fan_out(session, event_id):
        assert delivery.deliver(sessions, delivery_id).status == "sent"
    session.expire_all()
    return list(
        session.execute(
            select(InboxMessage.title + "\n" + InboxMessage.body).where(
                InboxMessage.event_id == event_id
            )
        ).scalars()
    )


def test_the_drift_job_tells_each_investor_beyond_the_band_once_and_shows_the_proposal(
    client, session
):
    _, manager, smallcase, investors = make_investors(client, session, ["100000.00"] * 2)
    run_batch(client, session, manager, smallcase)
    client.put(
        f"/smallcase/{smallcase}/drift-band",
        headers=auth(manager),
        json={"band_points": "5", "cooldown_days": 30},
    )
    double_infy(session)
    sessions = _job_sessions(session)
    drift_job = job_named("drift").work

    outcome = drift_job(sessions, date(2026, 11, 27))
    again = drift_job(sessions, date(2026, 11, 30))  # the proposals are still open

    assert outcome == "2 rebalances proposed to subscriptions beyond their drift band"
    assert again.startswith("0 rebalances")
    events = _events(session, EventKind.DRIFT_PROPOSED)
    proposals = {
        p.subscription_id: p for p in session.execute(select(DriftProposal)).scalars().all()
    }
    assert sorted(e.recipients[0] for e in events) == sorted(i.id for i in investors)
    first = investors[0]
    own = session.execute(
        select(Subscription.id).where(Subscription.user_id == first.id)
    ).scalar_one()
    [mine] = [e for e in events if e.recipients == [first.id]]
    assert mine.data["subscription_id"] == own
    assert Decimal(mine.data["points"]) == proposals[own].drift_points > 5
    assert (mine.data["symbol"], mine.data["band"]) == ("INFY", "5.00")

    inbox = _to_inbox(session, sessions, mine.id)
    repeated = delivery.fan_out(session, mine.id)  # a retried fan-out creates nothing

    assert len(inbox) == 1
    assert f"drifted {proposals[own].drift_points} points" in inbox[0]
    assert "INFY is furthest off" in inbox[0]
    assert "band of 5.00 points" in inbox[0]
    assert "accept or decline" in inbox[0]
    assert repeated == []
    shown = client.get(f"/subscriptions/{own}/drift-proposal", headers=auth(first)).json()
    assert (shown["id"], shown["drift_points"], shown["band_points"]) == (
        proposals[own].id,
        str(proposals[own].drift_points),
        "5.00",
    )
    client.post(f"/subscriptions/{own}/rebalance", headers=auth(first), json={"accept": False})
    assert client.get(f"/subscriptions/{own}/drift-proposal", headers=auth(first)).json() is None


def test_the_sips_job_tells_the_investor_a_skip_with_free_cash_against_the_amount(client, session):
    *_, investors = make_investors(client, session, ["100000.00"])
    investor = investors[0]  # 5,00,000 paid in, 1,00,000 invested: 4,00,000 free
    own = session.execute(
        select(Subscription.id).where(Subscription.user_id == investor.id)
    ).scalar_one()
    short = sips.start(
        session,
        investor,
        subscription_id=own,
        amount=Decimal("450000.00"),
        frequency=SipFrequency.WEEKLY,
        day_of_period=2,
        today=date(2026, 11, 25),
    )
    covered = sips.start(
        session,
        investor,
        subscription_id=own,
        amount=Decimal("1000.00"),
        frequency=SipFrequency.MONTHLY,
        day_of_period=25,
        today=date(2026, 11, 25),
    )
    update_preferences(session, investor, language="hi")
    sessions = _job_sessions(session)
    sips_job = job_named("sips").work

    outcome = sips_job(sessions, date(2026, 11, 25))
    sips_job(sessions, date(2026, 11, 25))  # run again: nothing is due twice

    assert outcome == "2 SIPs due: 1 top-ups, 1 skipped"
    [event] = _events(session, EventKind.SIP_SKIPPED)  # the covered SIP tells nothing
    assert event.recipients == [investor.id]
    assert event.data["sip"] == short.id != covered.id
    assert Decimal(event.data["amount"]) == Decimal("450000.00")
    assert Decimal(event.data["free"]) == Decimal("400000.00")
    assert event.data["reason"] == "free cash short"
    assert (event.data["due_on"], event.data["next_on"]) == ("2026-11-25", "2026-12-02")

    [message] = _to_inbox(session, sessions, event.id)

    assert message.startswith("SIP छूटी:")  # the investor reads Hindi
    assert "मुक्त नकदी ₹4,00,000.00 थी; SIP को ₹4,50,000.00 चाहिए" in message
    assert "free cash short" in message
