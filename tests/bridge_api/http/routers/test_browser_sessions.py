"""The browser's session: sign-in sets an httpOnly SameSite=Strict refresh cookie on the paths
that read it and a readable CSRF cookie; a refresh from the cookie needs the CSRF header,
rotates like any refresh and keeps the token out of the body; sign-out clears both."""

from __future__ import annotations

from http.cookies import SimpleCookie

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bridge_api.config import get_settings
from bridge_api.http.cookies import csrf_token
from tests.bridge_api.factories import PASSWORD, make_user

PROBLEM = "application/problem+json"


def _set_cookies(response) -> list[SimpleCookie]:
    cookies = []
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        cookies.append(cookie)
    return cookies


def _browser_login(client: TestClient, email: str):
    response = client.post(
        "/login", json={"email": email, "password": PASSWORD, "refresh_token_in": "cookie"}
    )
    assert response.status_code == 200, response.text
    return response


def _csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["saras_csrf"]}


def test_sign_in_sets_an_httponly_strict_refresh_cookie_and_a_readable_csrf_cookie(
    client: TestClient, session: Session
):
    user = make_user(session)

    response = _browser_login(client, user.email)

    body = response.json()
    assert body["refresh_token"] is None
    assert body["access_token"]
    cookies = {
        (name, morsel["path"]): morsel
        for cookie in _set_cookies(response)
        for name, morsel in cookie.items()
    }
    assert set(cookies) == {
        ("saras_refresh", "/token/refresh"),
        ("saras_refresh", "/logout"),
        ("saras_csrf", "/"),
    }
    for path in ("/token/refresh", "/logout"):
        refresh = cookies[("saras_refresh", path)]
        assert refresh["httponly"] is True
        assert refresh["samesite"] == "strict"
        assert not refresh["secure"]  # plain http, and no setting asks for it
    csrf = cookies[("saras_csrf", "/")]
    assert not csrf["httponly"]
    assert csrf["samesite"] == "strict"
    token = cookies[("saras_refresh", "/logout")].value
    assert csrf.value == csrf_token(token, get_settings())
    assert response.headers["cache-control"] == "no-store"


def test_api_clients_still_get_the_refresh_token_in_the_body(client: TestClient, session: Session):
    user = make_user(session)

    tokens = client.post("/login", json={"email": user.email, "password": PASSWORD}).json()
    refreshed = client.post("/token/refresh", json={"refresh_token": tokens["refresh_token"]})

    assert tokens["refresh_token"]
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"]


def test_a_cookie_refresh_needs_the_csrf_header_matching_the_cookie(
    client: TestClient, session: Session
):
    user = make_user(session)
    _browser_login(client, user.email)

    missing = client.post("/token/refresh")
    wrong = client.post("/token/refresh", headers={"X-CSRF-Token": "0" * 64})
    client.cookies.set("saras_csrf", "1" * 64)
    planted = client.post("/token/refresh", headers={"X-CSRF-Token": "1" * 64})

    for refused in (missing, wrong, planted):
        assert refused.status_code == 403
        assert refused.headers["content-type"] == PROBLEM
        assert "X-CSRF-Token" in refused.json()["detail"]


def test_a_cookie_refresh_rotates_the_cookie_and_the_old_one_is_spent(
    client: TestClient, session: Session
):
    user = make_user(session)
    session.commit()  # the reuse refusal below rolls back only itself
    _browser_login(client, user.email)
    first_refresh = client.cookies.get("saras_refresh", path="/token/refresh")
    first_csrf = client.cookies["saras_csrf"]

    refreshed = client.post("/token/refresh", headers=_csrf(client))
    second_refresh = client.cookies.get("saras_refresh", path="/token/refresh")
    me = client.get("/me", headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"})
    reused = client.post("/token/refresh", json={"refresh_token": first_refresh})

    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] is None
    assert second_refresh != first_refresh
    assert client.cookies["saras_csrf"] != first_csrf
    assert me.status_code == 200
    assert reused.status_code == 401  # spent: and its reuse ends the session
    after_reuse = client.post("/token/refresh", headers=_csrf(client))
    assert after_reuse.status_code == 401


def test_without_a_cookie_or_body_refresh_is_unauthorized(client: TestClient):
    response = client.post("/token/refresh")

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


def test_sign_out_with_the_cookie_ends_the_session_and_clears_both_cookies(
    client: TestClient, session: Session
):
    user = make_user(session)
    access = _browser_login(client, user.email).json()["access_token"]
    refresh = client.cookies.get("saras_refresh", path="/logout")

    refused = client.post("/logout")  # the cookie alone, without the CSRF header
    out = client.post("/logout", headers=_csrf(client))

    assert refused.status_code == 403
    assert out.status_code == 204
    cleared = {
        (name, morsel["path"]): morsel["max-age"]
        for cookie in _set_cookies(out)
        for name, morsel in cookie.items()
    }
    assert cleared == {
        ("saras_refresh", "/token/refresh"): "0",
        ("saras_refresh", "/logout"): "0",
        ("saras_csrf", "/"): "0",
    }
    assert "saras_csrf" not in client.cookies
    assert client.get("/me", headers={"Authorization": f"Bearer {access}"}).status_code == 401
    again = client.post("/token/refresh", json={"refresh_token": refresh})
    assert again.status_code == 401


def test_sign_out_with_the_bearer_token_clears_the_cookies_too(
    client: TestClient, session: Session
):
    user = make_user(session)
    access = _browser_login(client, user.email).json()["access_token"]

    out = client.post("/logout", headers={"Authorization": f"Bearer {access}"})

    assert out.status_code == 204
    assert "saras_csrf" not in client.cookies
    assert client.post("/logout").status_code == 401


def test_cookies_are_secure_over_https_or_when_configured(
    client: TestClient, session: Session, monkeypatch
):
    user = make_user(session)
    over_https = TestClient(client.app, base_url="https://testserver")
    secure = _browser_login(over_https, user.email)
    monkeypatch.setattr(get_settings(), "secure_cookies", True)
    configured = _browser_login(client, user.email)

    for response in (secure, configured):
        morsels = [m for cookie in _set_cookies(response) for m in cookie.values()]
        assert len(morsels) == 3
        assert all(m["secure"] is True for m in morsels)
