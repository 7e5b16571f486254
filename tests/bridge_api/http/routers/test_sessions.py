"""Sessions that end: refresh tokens rotate and are usable once (a reused one ends the whole
session), sign-out, and every session of a user ended by a password change, a role change or
deactivation; sign-in does the same work whether or not the email is registered."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bridge_api.db.models import Role
from bridge_api.users import security, service
from tests.bridge_api.factories import PASSWORD, auth, make_user


def _login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def _me(client: TestClient, tokens: dict[str, str]) -> int:
    return client.get(
        "/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).status_code


def _refresh(client: TestClient, tokens: dict[str, str]):
    return client.post("/token/refresh", json={"refresh_token": tokens["refresh_token"]})


def test_a_refresh_token_is_spent_once_and_its_reuse_ends_the_whole_session(
    client: TestClient, session: Session
):
    user = make_user(session)
    session.commit()  # as registration would: the reuse refusal below rolls back only itself
    first = _login(client, user.email)
    other_device = _login(client, user.email)

    second = _refresh(client, first).json()
    reused = _refresh(client, first)  # a copy of the spent token comes back

    assert reused.status_code == 401
    assert reused.headers["content-type"] == "application/problem+json"
    assert "already used" in reused.json()["detail"]
    assert _refresh(client, second).status_code == 401  # the thief's next pair is dead too
    assert _me(client, second) == 401
    assert _me(client, other_device) == 200  # another sign-in is another session


def test_signing_out_ends_that_session_only(client: TestClient, session: Session):
    user = make_user(session)
    session.commit()
    here, there = _login(client, user.email), _login(client, user.email)

    out = client.post("/logout", headers={"Authorization": f"Bearer {here['access_token']}"})

    assert out.status_code == 204
    assert _me(client, here) == 401
    assert _refresh(client, here).status_code == 401
    assert _me(client, there) == 200


def test_a_password_change_ends_every_session_and_starts_one_here(
    client: TestClient, session: Session
):
    user = make_user(session)
    session.commit()
    here, there = _login(client, user.email), _login(client, user.email)
    new_password = "a much longer new secret"

    wrong = client.put(
        "/me/password",
        headers={"Authorization": f"Bearer {here['access_token']}"},
        json={"current_password": "not it at all", "new_password": new_password},
    )
    changed = client.put(
        "/me/password",
        headers={"Authorization": f"Bearer {here['access_token']}"},
        json={"current_password": PASSWORD, "new_password": new_password},
    )

    assert wrong.status_code == 422
    assert changed.status_code == 200, changed.text
    assert changed.headers["cache-control"] == "no-store"
    assert (_me(client, here), _me(client, there)) == (401, 401)
    assert _refresh(client, there).status_code == 401
    assert _me(client, changed.json()) == 200
    old = client.post("/login", json={"email": user.email, "password": PASSWORD})
    assert old.status_code == 401
    assert _me(client, _login(client, user.email, new_password)) == 200


def test_a_role_change_and_deactivation_end_every_session(client: TestClient, session: Session):
    admin, user = make_user(session, role=Role.ADMIN), make_user(session)
    session.commit()
    promoted, deactivated = _login(client, user.email), None

    role = client.put(f"/admin/users/{user.id}/role", headers=auth(admin), json={"role": "manager"})
    assert role.status_code == 200, role.text
    assert _me(client, promoted) == 401  # its token still said "investor"
    deactivated = _login(client, user.email)
    off = client.put(f"/admin/users/{user.id}/active", headers=auth(admin), json={"active": False})
    blocked = client.post("/login", json={"email": user.email, "password": PASSWORD})
    on = client.put(f"/admin/users/{user.id}/active", headers=auth(admin), json={"active": True})

    assert off.status_code == 200, off.text
    assert _me(client, deactivated) == 401
    assert _refresh(client, deactivated).status_code == 401
    assert blocked.status_code == 401
    assert on.status_code == 200
    assert _me(client, _login(client, user.email)) == 200
    assert (
        client.put(
            f"/admin/users/{admin.id}/active", headers=auth(admin), json={"active": False}
        ).status_code
        == 409
    )


def test_an_unknown_email_costs_the_same_password_check_as_a_known_one(
    client: TestClient, session: Session, monkeypatch
):
    user = make_user(session)
    session.commit()
    checked: list[str] = []
    real = security.verify_password

    def counting(password: str, hashed: str) -> bool:
        checked.append(hashed[:9])
        return real(password, hashed)

    monkeypatch.setattr(service, "verify_password", counting)

    unknown = client.post("/login", json={"email": "nobody@example.com", "password": PASSWORD})
    known = client.post("/login", json={"email": user.email, "password": "wrong password"})

    assert (unknown.status_code, known.status_code) == (401, 401)
    assert unknown.json()["detail"] == known.json()["detail"]
    assert len(checked) == 2
    assert checked[0] == checked[1] == "$argon2id"  # the same kind of hash, the same cost


def test_a_token_signed_with_the_right_key_but_a_strange_subject_is_refused(
    client: TestClient,
):
    import jwt  # noqa: PLC0415

    from bridge_api.config import get_settings  # noqa: PLC0415

    for subject in ("abc", "-1", "1e3", str(2**70)):
        token = jwt.encode(
            {"sub": subject, "type": "access", "sid": "x", "jti": "y", "exp": 2**40},
            get_settings().signing_key(),
            algorithm="HS256",
        )
        response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, subject
        assert response.headers["content-type"] == "application/problem+json"
