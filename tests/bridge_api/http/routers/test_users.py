from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bridge_api.audit.service import records_for
from bridge_api.db.models import KycStatus, Role
from tests.bridge_api.factories import PASSWORD, auth, make_user

PROBLEM = "application/problem+json"


def test_register_then_login_then_me_shows_the_profile(client: TestClient):
    created = client.post(
        "/register", json={"email": "Asha@Example.com", "password": PASSWORD, "full_name": "Asha"}
    )
    tokens = client.post("/login", json={"email": "asha@example.com", "password": PASSWORD}).json()

    me = client.get("/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})

    assert created.status_code == 201
    assert me.status_code == 200
    assert me.json()["email"] == "asha@example.com"
    assert me.json()["role"] == "investor"
    assert me.json()["kyc"] is None


def test_registering_an_email_twice_is_a_conflict_whatever_its_case(client: TestClient):
    client.post(
        "/register", json={"email": "a@example.com", "password": PASSWORD, "full_name": "A"}
    )

    again = client.post(
        "/register", json={"email": "A@EXAMPLE.com", "password": PASSWORD, "full_name": "A"}
    )

    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["status"] == 409


def test_a_short_password_is_refused_against_its_field(client: TestClient):
    response = client.post(
        "/register", json={"email": "b@example.com", "password": "short", "full_name": "B"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "password"


def test_repeated_failed_logins_are_throttled_even_with_the_right_password(
    client: TestClient, session: Session
):
    user = make_user(session)
    for _ in range(5):
        assert (
            client.post(
                "/login", json={"email": user.email, "password": "wrong password"}
            ).status_code
            == 401
        )

    throttled = client.post("/login", json={"email": user.email, "password": PASSWORD})

    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == PROBLEM


def test_a_refresh_token_gives_a_new_pair_but_is_not_an_access_token(
    client: TestClient, session: Session
):
    user = make_user(session)
    tokens = client.post("/login", json={"email": user.email, "password": PASSWORD}).json()

    refreshed = client.post("/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    misuse = client.get("/me", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})

    assert refreshed.status_code == 200
    assert refreshed.json()["access_token"]
    assert misuse.status_code == 401


def test_me_without_a_token_is_401_problem_json(client: TestClient):
    response = client.get("/me")

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


def test_kyc_is_shown_masked_and_an_admin_decision_is_audited(client: TestClient, session: Session):
    investor = make_user(session, kyc=None)
    admin = make_user(session, role=Role.ADMIN)

    submitted = client.put(
        "/me/kyc",
        headers=auth(investor),
        json={"pan": "ABCPE1234F", "legal_name": "Asha Rao", "date_of_birth": "1990-05-01"},
    )
    decided = client.post(
        f"/admin/kyc/{investor.id}", headers=auth(admin), json={"status": "verified"}
    )

    assert submitted.json()["pan_masked"] == "******234F"
    assert "ABCPE1234F" not in submitted.text
    assert decided.json()["status"] == "verified"
    (entry,) = records_for(session, "kyc", investor.id)
    assert (entry.actor_id, entry.before, entry.after["status"]) == (
        admin.id,
        {"status": "pending"},
        "verified",
    )


def test_a_malformed_pan_is_refused(client: TestClient, session: Session):
    investor = make_user(session, kyc=None)

    response = client.put(
        "/me/kyc",
        headers=auth(investor),
        json={"pan": "1234567890", "legal_name": "X", "date_of_birth": "1990-05-01"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "pan"


def test_only_an_admin_decides_kyc(client: TestClient, session: Session):
    investor = make_user(session, kyc=KycStatus.PENDING)
    manager = make_user(session, role=Role.MANAGER)

    response = client.post(
        f"/admin/kyc/{investor.id}", headers=auth(manager), json={"status": "verified"}
    )

    assert response.status_code == 403
