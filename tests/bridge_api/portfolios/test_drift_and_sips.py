"""Drift-band rebalancing (proposed beyond the band, once per cooldown, accepted through the
rebalance route, and the batch bringing the subscription back) and SIPs (on NSE's calendar,
from free cash, skipped with a reason when short, paused and resumed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bridge_api.db.models import (
    DriftProposal,
    Intent,
    IntentKind,
    IntentStatus,
    ProposalStatus,
    SipFrequency,
    Subscription,
)
from bridge_api.portfolios import drift, sips
from tests.bridge_api.batch_life import double_infy, make_investors, run_batch
from tests.bridge_api.factories import auth


def test_a_drifted_subscription_is_proposed_a_rebalance_once_and_accepting_it_trades(
    client, session
):
    _, manager, smallcase, investors = make_investors(client, session, ["100000.00"] * 3)
    run_batch(client, session, manager, smallcase)
    band = client.put(
        f"/smallcase/{smallcase}/drift-band",
        headers=auth(manager),
        json={"band_points": "5", "cooldown_days": 30},
    )
    assert band.status_code == 200, band.text
    assert band.json()["drifted"] == 0
    double_infy(session)

    first = drift.propose_drift_rebalances(session, date(2026, 11, 27))
    again = drift.propose_drift_rebalances(session, date(2026, 11, 30))
    report = client.get(f"/smallcase/{smallcase}/drift", headers=auth(manager)).json()

    assert len(first) == 3
    assert {p.symbol for p in first} == {"INFY"}
    assert all(p.drift_points > 5 for p in first)
    assert again == []  # still open
    assert (report["subscriptions"], report["drifted"], report["open_proposals"]) == (3, 3, 3)
    own = session.execute(
        select(Subscription.id).where(Subscription.user_id == investors[0].id)
    ).scalar_one()
    accepted = client.post(
        f"/subscriptions/{own}/rebalance", headers=auth(investors[0]), json={"accept": True}
    )
    declined_by = investors[1]
    other = session.execute(
        select(Subscription.id).where(Subscription.user_id == declined_by.id)
    ).scalar_one()
    declined = client.post(
        f"/subscriptions/{other}/rebalance", headers=auth(declined_by), json={"accept": False}
    )
    assert accepted.status_code == 201, accepted.text
    assert declined.status_code == 201, declined.text
    statuses = dict(
        session.execute(select(DriftProposal.subscription_id, DriftProposal.status)).all()
    )
    assert statuses[own] is ProposalStatus.ACCEPTED
    assert statuses[other] is ProposalStatus.DECLINED
    intent = session.execute(
        select(Intent).where(Intent.subscription_id == own, Intent.kind == IntentKind.REBALANCE)
    ).scalar_one()
    assert intent.status is IntentStatus.PENDING
    assert "drift" in intent.note

    batch = run_batch(client, session, manager, smallcase)  # at the moved closes
    assert batch["participants"] == [own]  # the one who accepted
    (sell,) = batch["orders"]
    assert (sell["symbol"], sell["side"]) == ("INFY", "SELL")
    after = {
        d.subscription_id: d.points for d in drift.drifts(session, smallcase, date(2026, 12, 1))
    }
    # the sale brought it closer; the buys wait for the T1 sale proceeds (the rebalance intent
    # stays pending for the next batch, as any rebalance does)
    assert after[own] < after[other]
    session.refresh(intent)
    assert intent.status is IntentStatus.PENDING
    # within the cooldown nothing is proposed again, even to the one who declined
    assert drift.propose_drift_rebalances(session, date(2026, 12, 1)) == []
    assert len(drift.propose_drift_rebalances(session, date(2026, 12, 31))) == 1


def test_a_sip_runs_on_the_exchange_calendar_skips_when_cash_is_short_and_pauses(client, session):
    *_, investors = make_investors(client, session, ["100000.00"])
    investor = investors[0]
    own = session.execute(
        select(Subscription.id).where(Subscription.user_id == investor.id)
    ).scalar_one()
    monthly = client.post(
        "/sips",
        headers=auth(investor),
        json={"subscription_id": own, "amount": "150000.00", "frequency": "monthly", "day": 14},
    )
    weekly = sips.start(
        session,
        investor,
        subscription_id=own,
        amount=Decimal("250000.00"),
        frequency=SipFrequency.WEEKLY,
        day_of_period=2,
        today=date(2026, 12, 1),
    )
    assert monthly.status_code == 201, monthly.text
    sip = monthly.json()
    assert sip["next_on"] >= "2026-12-14"

    # 14 Nov 2026 is a Saturday: that due date runs on Monday 16 Nov.
    assert sips.first_due(SipFrequency.MONTHLY, 14, date(2026, 11, 1)) == date(2026, 11, 14)
    assert sips.run_day(date(2026, 11, 14)) == date(2026, 11, 16)
    assert sips.first_due(SipFrequency.WEEKLY, 2, date(2026, 12, 1)) == date(2026, 12, 2)

    weekly.next_on = date(2026, 11, 25)  # a Wednesday
    session.flush()
    on_the_day = sips.run_due_sips(session, date(2026, 11, 25))
    (run,) = on_the_day
    assert run.intent_id is not None  # 400,000 free: topped up 250,000
    topup = session.get(Intent, run.intent_id)
    assert (topup.kind, topup.amount) == (IntentKind.TOPUP, Decimal("250000.00"))
    assert sips.run_due_sips(session, date(2026, 11, 25)) == []  # once
    assert weekly.next_on == date(2026, 12, 2)

    short = sips.run_due_sips(session, date(2026, 12, 2))
    (skip,) = short
    assert skip.intent_id is None
    assert skip.skipped == "cash short: free 150000.00, SIP 250000.00"

    sips.pause(session, investor, weekly.id)
    assert sips.run_due_sips(session, date(2026, 12, 9)) == []
    resumed = sips.resume(session, investor, weekly.id, today=date(2026, 12, 21))
    assert resumed.next_on == date(2026, 12, 23)
    # the scheduler missed two Wednesdays: the older is recorded as missed, the latest runs
    missed = [r for r in sips.run_due_sips(session, date(2027, 1, 6)) if r.sip_id == weekly.id]
    assert [r.due_on for r in missed] == [date(2026, 12, 23), date(2026, 12, 30), date(2027, 1, 6)]
    assert [r.skipped.split(":")[0] for r in missed[:2]] == ["missed", "missed"]
    assert missed[2].skipped.startswith("cash short")
    listed = client.get("/sips", headers=auth(investor)).json()
    assert [s["status"] for s in listed] == ["active", "active"]
    paused = client.post(f"/sips/{sip['id']}/pause", headers=auth(investor))
    assert paused.json()["status"] == "paused"
    assert client.post(f"/sips/{sip['id']}/pause", headers=auth(investor)).status_code == 409
