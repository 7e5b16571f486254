"""The reads the web app's pages need: batches listed, a smallcase's subscribers and assets,
and the admin's users and KYC queue, pay-ins and pay-outs, alerts (acknowledged, audited),
audit log, reconciliation reports, engine and journal; each refused to the wrong role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bridge_api.db.models import EngineLease, KycStatus, ReconciliationReport, Role
from bridge_api.notifications.alerts import raise_alert
from tests.bridge_api.batch_life import make_investors, run_batch
from tests.bridge_api.factories import auth, make_user, pay_in

PROBLEM = "application/problem+json"


def test_batches_are_listed_newest_first_with_counts_filters_and_paging(
    client: TestClient, session: Session
):
    _, manager, smallcase, _ = make_investors(client, session, ["90000.00", "60000.00"])
    done = run_batch(client, session, manager, smallcase)
    other = make_user(session, role=Role.MANAGER)

    listed = client.get("/batches", headers=auth(manager)).json()
    completed = client.get("/batches?state=completed", headers=auth(manager)).json()
    drafts = client.get("/batches?state=draft", headers=auth(manager)).json()
    paged = client.get(f"/batches?before={done['id']}", headers=auth(manager)).json()
    foreign = client.get("/batches", headers=auth(other)).json()
    investor = client.get("/batches", headers=auth(make_user(session)))

    line = next(b for b in listed if b["id"] == done["id"])
    assert line["state"] == "completed"
    assert line["smallcase"] == "Leaders"
    assert line["participants"] == 2
    assert line["orders"] == len(done["orders"]) > 0
    assert line["final_orders"] == line["orders"]
    assert line["finished_at"] is not None
    assert [b["id"] for b in completed] == [done["id"]]
    assert drafts == []
    assert all(b["id"] < done["id"] for b in paged)
    assert foreign == []
    assert investor.status_code == 403


def test_the_batch_detail_carries_phase_trade_date_and_slice_messages(
    client: TestClient, session: Session
):
    _, manager, smallcase, _ = make_investors(client, session, ["90000.00"])

    detail = run_batch(client, session, manager, smallcase)

    assert detail["phase"] == 2
    assert detail["updated_at"]
    slices = [s for o in detail["orders"] for s in o["slices"]]
    assert slices
    assert all("message" in s for s in slices)
    assert all(o["fills"] and o["results"] and o["statement"] for o in detail["orders"])


def test_a_smallcases_subscribers_and_assets_under_management(client: TestClient, session: Session):
    _, manager, smallcase, investors = make_investors(client, session, ["90000.00", "60000.00"])
    run_batch(client, session, manager, smallcase)

    found = client.get(f"/smallcase/{smallcase}/subscribers", headers=auth(manager))
    other = client.get(
        f"/smallcase/{smallcase}/subscribers",
        headers=auth(make_user(session, role=Role.MANAGER)),
    )

    assert found.status_code == 200, found.text
    body = found.json()
    assert [s["user_id"] for s in body["subscribers"]] == [i.id for i in investors]
    assert [s["investor"] for s in body["subscribers"]] == [i.full_name for i in investors]
    assert body["active"] == 2
    for line in body["subscribers"]:
        assert Decimal(line["value"]) == Decimal(line["cash"]) + Decimal(line["market_value"])
        assert Decimal(line["market_value"]) > 0
        assert line["holdings"] == 3
    assert Decimal(body["assets_under_management"]) == sum(
        Decimal(s["value"]) for s in body["subscribers"]
    )
    assert other.status_code == 403
    assert other.headers["content-type"] == PROBLEM


def test_the_admin_lists_users_and_the_kyc_queue(client: TestClient, session: Session):
    admin = make_user(session, role=Role.ADMIN)
    pending = make_user(session, kyc=KycStatus.PENDING)
    verified = make_user(session)
    manager = make_user(session, role=Role.MANAGER)

    queue = client.get("/admin/users?kyc=pending", headers=auth(admin)).json()
    managers = client.get("/admin/users?role=manager", headers=auth(admin)).json()
    everyone = client.get("/admin/users?limit=500", headers=auth(admin)).json()
    refused = client.get("/admin/users", headers=auth(manager))

    assert pending.id in [u["id"] for u in queue]
    assert verified.id not in [u["id"] for u in queue]
    assert all(u["kyc_status"] == "pending" for u in queue)
    line = next(u for u in queue if u["id"] == pending.id)
    assert line["pan_masked"].startswith("******")
    assert "TESTP" not in line["pan_masked"]
    assert [u["id"] for u in managers if u["id"] == manager.id] == [manager.id]
    assert all(u["role"] == "manager" for u in managers)
    ids = [u["id"] for u in everyone]
    assert ids == sorted(ids, reverse=True)
    assert refused.status_code == 403


def test_the_admin_lists_pay_ins_and_pay_outs(client: TestClient, session: Session):
    admin, investor = make_user(session, role=Role.ADMIN), make_user(session)
    pay_in(client, admin, investor, "5000.00")
    out = client.post(
        "/cash/payout",
        headers=auth(admin),
        json={"user_id": investor.id, "amount": "1200.50", "reference": "UTR9"},
    )

    mine = client.get(f"/admin/cash?user_id={investor.id}", headers=auth(admin)).json()
    payouts = client.get(f"/admin/cash?kind=payout&user_id={investor.id}", headers=auth(admin))

    assert out.status_code == 201, out.text
    assert [(t["kind"], t["amount"]) for t in mine] == [
        ("payout", "-1200.50"),
        ("payin", "5000.00"),
    ]
    assert mine[0]["email"] == investor.email
    assert [t["amount"] for t in payouts.json()] == ["-1200.50"]


def test_alerts_are_listed_and_acknowledged_once_with_an_audit_record(
    client: TestClient, session: Session
):
    admin = make_user(session, role=Role.ADMIN)
    alert = raise_alert(session, "reconciliation", "3 differences", report_id=1)

    listed = client.get("/admin/alerts?open=true", headers=auth(admin)).json()
    acked = client.post(f"/admin/alerts/{alert.id}/acknowledge", headers=auth(admin))
    again = client.post(f"/admin/alerts/{alert.id}/acknowledge", headers=auth(admin))
    still_open = client.get("/admin/alerts?open=true", headers=auth(admin)).json()
    log = client.get("/admin/audit?entity=alert", headers=auth(admin)).json()
    missing = client.post("/admin/alerts/999999999/acknowledge", headers=auth(admin))

    assert alert.id in [a["id"] for a in listed]
    assert acked.status_code == 200
    assert acked.json()["acknowledged_at"] is not None
    assert again.json()["acknowledged_at"] == acked.json()["acknowledged_at"]
    assert alert.id not in [a["id"] for a in still_open]
    records = [r for r in log if r["entity_id"] == str(alert.id)]
    assert len(records) == 1
    assert records[0]["action"] == "alert.acknowledge"
    assert records[0]["actor_id"] == admin.id
    assert missing.status_code == 404


def test_the_audit_log_filters_by_action_and_actor(client: TestClient, session: Session):
    admin, investor = make_user(session, role=Role.ADMIN), make_user(session)
    client.put(f"/admin/users/{investor.id}/role", headers=auth(admin), json={"role": "manager"})

    by_admin = client.get(f"/admin/audit?actor_id={admin.id}", headers=auth(admin)).json()
    nothing = client.get("/admin/audit?action=no.such.action", headers=auth(admin)).json()

    assert by_admin
    assert all(r["actor_id"] == admin.id for r in by_admin)
    assert nothing == []


def test_stored_reconciliation_reports_are_listed_newest_first(
    client: TestClient, session: Session
):
    admin = make_user(session, role=Role.ADMIN)
    for matches in (True, False):
        session.add(
            ReconciliationReport(scope="shares", matches=matches, report={"differences": []})
        )
    session.flush()

    reports = client.get("/admin/reconciliation?limit=2", headers=auth(admin)).json()

    assert [r["matches"] for r in reports] == [False, True]
    assert reports[0]["id"] > reports[1]["id"]


def test_the_engine_status_shows_the_lease_and_a_stalled_batch(
    client: TestClient, session: Session
):
    admin = make_user(session, role=Role.ADMIN)
    idle = client.get("/admin/engine", headers=auth(admin)).json()
    session.add(
        EngineLease(
            name="zerodha", holder="engine@host", expires_at=datetime.now(UTC) + timedelta(hours=1)
        )
    )
    session.flush()

    held = client.get("/admin/engine", headers=auth(admin)).json()

    assert idle["lease_holder"] is None
    assert idle["lease_live"] is False
    assert idle["kite"]["valid"] is False
    assert held["lease_holder"] == "engine@host"
    assert held["lease_live"] is True
    assert held["heartbeat_seconds_left"] > 0
    assert held["stalled"] is False


def test_the_journal_lists_entries_and_which_reversed_which(client: TestClient, session: Session):
    admin, investor = make_user(session, role=Role.ADMIN), make_user(session)
    pay_in(client, admin, investor, "700.00")
    entry = client.get("/admin/journal?cause=payin&limit=1", headers=auth(admin)).json()[0]
    reversed_ = client.post(
        f"/admin/journal/{entry['id']}/reverse", headers=auth(admin), json={"memo": "typo"}
    )

    after = client.get("/admin/journal?limit=5", headers=auth(admin)).json()

    assert reversed_.status_code == 201, reversed_.text
    original = next(e for e in after if e["id"] == entry["id"])
    correction = next(e for e in after if e["corrects_id"] == entry["id"])
    assert original["corrected_by"] == correction["id"]
    assert original["postings"] >= 2
