"""The corporate-actions admin API: entered, imported from NSE's file, listed, posted once and
cancelled, each audited; only an admin may."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bridge_api.db.models import AuditRecord, Role
from tests.bridge_api.batch_life import DAY, make_investors, run_batch
from tests.bridge_api.factories import auth, make_user

SAMPLE = Path(__file__).parents[3] / "data" / "corporate_actions" / "CF-CA-synthetic-sample.csv"
EX = "2026-11-26"


def test_only_an_admin_enters_an_action_and_a_malformed_one_is_a_problem(client, session):
    admin, manager = make_user(session, role=Role.ADMIN), make_user(session, role=Role.MANAGER)
    admin_h, manager_h = auth(admin), auth(manager)
    session.commit()  # as their own requests would: each refusal below rolls back only itself
    body = {
        "kind": "dividend",
        "symbol": "INFY",
        "ex_date": EX,
        "record_date": EX,
        "per_share": "21.00",
    }
    assert client.post("/admin/corporate-actions", headers=manager_h, json=body).status_code == 403
    created = client.post("/admin/corporate-actions", headers=admin_h, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "announced"
    again = client.post("/admin/corporate-actions", headers=admin_h, json=body)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    split_with_money = {**body, "kind": "split"}
    bad = client.post("/admin/corporate-actions", headers=admin_h, json=split_with_money)
    assert bad.status_code == 422
    assert "per_share" in bad.text
    unknown = {**body, "symbol": "NOSUCH"}
    assert client.post("/admin/corporate-actions", headers=admin_h, json=unknown).status_code == 422


def test_nses_file_is_imported_once_and_what_is_not_read_says_why(client, session):
    admin_h = auth(make_user(session, role=Role.ADMIN))
    session.commit()
    text = SAMPLE.read_text()
    first = client.post("/admin/corporate-actions/import", headers=admin_h, json={"csv": text})
    assert first.status_code == 201, first.text
    added = {(a["symbol"], a["kind"]): a for a in first.json()["added"]}
    assert set(added) == {
        ("ITC", "dividend"),
        ("TCS", "dividend"),
        ("INFY", "split"),
        ("WIPRO", "bonus"),
    }
    assert Decimal(added[("TCS", "dividend")]["per_share"]) == 76  # 10 + 66 special
    assert added[("INFY", "split")]["legs"][0] | {} == {
        "symbol": "INFY",
        "new": 5,
        "old": 1,
        "cost_percent": "100",
    }
    assert added[("WIPRO", "bonus")]["legs"][0]["new"] == 1
    assert all(a["source"] == "nse" for a in added.values())
    left = {row["symbol"]: row["reason"] for row in first.json()["left"]}
    assert set(left) == {"HDFCBANK", "RELIANCE", "ZZNOTLISTED"}
    assert "not automated" in left["RELIANCE"]
    assert "instrument list" in left["ZZNOTLISTED"]
    second = client.post("/admin/corporate-actions/import", headers=admin_h, json={"csv": text})
    assert second.json()["added"] == []
    assert second.json()["known"] == 4
    listed = client.get("/admin/corporate-actions?symbol=INFY", headers=admin_h).json()
    assert [a["kind"] for a in listed] == ["split"]
    wrong = client.post(
        "/admin/corporate-actions/import", headers=admin_h, json={"csv": "a,b\n1,2\n"}
    )
    assert wrong.status_code == 422


def test_a_dividend_is_posted_once_with_each_books_tds_and_audited(client, session):
    admin, manager, smallcase, _ = make_investors(client, session, ["100000.00", "250000.00"])
    admin_h = auth(admin)
    session.commit()
    run_batch(client, session, manager, smallcase)  # bought on DAY, the session before EX
    assert DAY.isoformat() < EX
    created = client.post(
        "/admin/corporate-actions",
        headers=admin_h,
        json={
            "kind": "dividend",
            "symbol": "INFY",
            "ex_date": EX,
            "record_date": EX,
            "per_share": "21.50",
        },
    ).json()
    holding = sum(
        a["held"]
        for a in client.get(f"/admin/corporate-actions/{created['id']}", headers=admin_h).json()[
            "entitlements"
        ]
    )
    assert holding == 0  # nothing until posted
    posted = client.post(
        f"/admin/corporate-actions/{created['id']}/post",
        headers=admin_h,
        json={"posted_on": "2026-11-27", "credited": "1000.00", "tds": "11.11"},
    )
    assert posted.status_code == 200, posted.text
    body = posted.json()
    rows = body["entitlements"]
    assert len(rows) == 2
    assert all(Decimal(r["gross"]) == Decimal("21.50") * r["held"] for r in rows)
    assert sum(Decimal(r["tds"]) for r in rows) == Decimal("11.11")
    nets = sum(Decimal(r["cash"]) for r in rows)
    assert Decimal(body["residue"]) == Decimal("1000.00") - nets  # the house's, stated
    twice = client.post(
        f"/admin/corporate-actions/{created['id']}/post",
        headers=admin_h,
        json={"posted_on": "2026-11-27", "credited": "1000.00"},
    )
    assert twice.status_code == 409
    actions = (
        session.execute(select(AuditRecord.action).where(AuditRecord.entity == "corporate_action"))
        .scalars()
        .all()
    )
    assert actions == ["corporate_action.add", "corporate_action.post"]
    cancelled = client.post(
        f"/admin/corporate-actions/{created['id']}/cancel",
        headers=admin_h,
        json={"reason": "entered twice"},
    )
    assert cancelled.status_code == 409
