"""What an attacker or a careless caller meets: an unexpected failure is problem+json naming a
request id that is in the log, every response carries the security headers and no server
banner, odd postbacks and an unreachable Kite are clear 4xx/5xx, and the books refuse what
would leave them inconsistent (a pay-in to a manager, an earmark reversed under its intent,
one PAN on two investors)."""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.config import get_settings
from bridge_api.db.models import Cause, Intent, IntentStatus, JournalEntry, KycStatus, Role
from bridge_api.http.app import create_app
from bridge_api.http.deps import get_session
from bridge_api.http.requests import SECURITY_HEADERS
from tests.bridge_api.factories import auth, make_user, pay_in, published_smallcase
from tests.bridge_api.http.routers.test_kite import _postback
from tests.log_capture import records


def test_an_unexpected_failure_is_problem_json_with_a_request_id_that_is_in_the_log(
    session: Session, captured
):
    app = create_app()
    broken = APIRouter()

    @broken.get("/broken")
    def fail() -> None:
        raise ZeroDivisionError("secret internals: /srv/saras/key")

    app.include_router(broken)
    app.dependency_overrides[get_session] = lambda: session
    with TestClient(app) as client:
        answer = client.get("/broken", headers={"X-Request-ID": "req-42"})
        after = client.get("/portfolio/status")

    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["request_id"] == "req-42"
    assert "secret" not in answer.text
    assert "ZeroDivisionError" not in answer.text
    logged = [r for r in records(captured) if r.get("request_id") == "req-42"]
    assert any("ZeroDivisionError" in json.dumps(r) for r in logged), logged
    assert after.status_code == 200  # the connection and the app go on


def test_every_response_carries_the_security_headers_and_no_server_banner(
    client: TestClient, session: Session
):
    user = make_user(session)
    answers = [
        client.get("/portfolio/status"),
        client.get("/me"),
        client.get("/me", headers=auth(user)),
        client.post("/login", json={"email": "x@example.com", "password": "y"}),
        client.get("/no/such/route"),
    ]

    for answer in answers:
        for name, value in SECURITY_HEADERS:
            assert answer.headers[name.decode()] == value.decode(), answer.request.url
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "server" not in answer.headers
    assert answers[3].headers["cache-control"] == "no-store"
    assert "cdn.jsdelivr.net" in client.get("/docs").headers["content-security-policy"]


def test_a_postback_nested_too_deeply_or_with_a_strange_quantity_is_refused(
    client: TestClient, kite_settings
):
    deep = b"[" * 50_000 + b"]" * 50_000
    odd = [_postback(filled_quantity=q) for q in ("five", "5.0", True, -1, "１", 1.5)]

    answers = [
        client.post("/kite/postback", content=deep),
        *(client.post("/kite/postback", json=body) for body in odd),
    ]

    assert answers[0].status_code == 422, answers[0].text
    for answer in answers[1:]:
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    assert client.post("/kite/postback", json=_postback(filled_quantity="5")).status_code == 200


def test_the_kite_callback_while_kite_is_unreachable_is_a_503(
    client: TestClient, session: Session, kite_settings, monkeypatch
):
    admin = make_user(session, role=Role.ADMIN)
    url = client.get("/kite/login", headers=auth(admin)).json()["login_url"]
    state = url.split("state%3D")[1]
    session.commit()
    monkeypatch.setenv("SARAS_KITE_ROOT", "http://127.0.0.1:9")  # nothing listens there
    get_settings.cache_clear()

    answer = client.get("/kite/callback", params={"request_token": "rt", "state": state})

    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "did not answer" in answer.json()["detail"]


def test_pay_ins_and_pay_outs_go_to_investors_only(client: TestClient, session: Session):
    admin, manager = make_user(session, role=Role.ADMIN), make_user(session, role=Role.MANAGER)
    session.commit()

    for path in ("/cash/payin", "/cash/payout"):
        answer = client.post(
            path,
            headers=auth(admin),
            json={"user_id": manager.id, "amount": "100.00", "reference": "UTR"},
        )
        assert answer.status_code == 409, answer.text
        assert "for investors" in answer.json()["detail"]


def test_an_earmark_cannot_be_reversed_under_its_intent(client: TestClient, session: Session):
    admin, manager, investor = (
        make_user(session, role=Role.ADMIN),
        make_user(session, role=Role.MANAGER),
        make_user(session),
    )
    smallcase = published_smallcase(client, manager)
    pay_in(client, admin, investor, "100000.00")
    client.post(
        "/invest", headers=auth(investor), json={"smallcase_id": smallcase, "amount": "60000.00"}
    )
    session.commit()
    earmark = session.execute(
        select(JournalEntry.id).where(JournalEntry.cause == Cause.EARMARK)
    ).scalar_one()

    reversed_ = client.post(
        f"/admin/journal/{earmark}/reverse", headers=auth(admin), json={"memo": "oops"}
    )

    assert reversed_.status_code == 409, reversed_.text
    assert "investing intent" in reversed_.json()["detail"]
    (intent,) = session.execute(select(Intent)).scalars()
    assert intent.status is IntentStatus.PENDING
    again = client.post(
        "/invest", headers=auth(investor), json={"smallcase_id": smallcase, "amount": "60000.00"}
    )
    assert again.status_code == 409  # the cash is still earmarked: it cannot be spent twice


def test_one_pan_is_verified_for_one_investor_only(client: TestClient, session: Session):
    admin = make_user(session, role=Role.ADMIN)
    first, second = make_user(session, kyc=None), make_user(session, kyc=None)
    session.commit()
    details = {"pan": "ZZZPE9999Z", "legal_name": "Same Person", "date_of_birth": "1990-01-01"}

    for user in (first, second):
        assert client.put("/me/kyc", headers=auth(user), json=details).status_code == 200
    verified = client.post(
        f"/admin/kyc/{first.id}", headers=auth(admin), json={"status": "verified"}
    )
    second_verified = client.post(
        f"/admin/kyc/{second.id}", headers=auth(admin), json={"status": "verified"}
    )
    third = make_user(session, kyc=None)
    session.commit()
    third_submits = client.put("/me/kyc", headers=auth(third), json=details)

    assert verified.status_code == 200, verified.text
    assert second_verified.status_code == 409, second_verified.text
    assert "one PAN, one investor" in second_verified.json()["detail"]
    assert third_submits.status_code == 409
    assert KycStatus.VERIFIED.value == verified.json()["status"]
