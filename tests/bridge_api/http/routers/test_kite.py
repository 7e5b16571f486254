"""The bridge's Kite routes: the login started by an admin and completed by Kite's redirect,
the session's status, and postbacks (checksum verified, recorded once, waking the engine)."""

from __future__ import annotations

import json
import threading

from bridge_api.brokers.kite import postbacks
from bridge_api.brokers.kite.wake import PostbackWaiter
from bridge_api.db.models import KitePostback, Role
from tests.bridge_api.factories import auth, make_user
from tests.fake_kite import API_SECRET


def _postback(order_id="261126000000001", secret=API_SECRET, **fields) -> dict:
    stamp = "2026-11-26 10:15:00"
    body = {
        "order_id": order_id,
        "order_timestamp": stamp,
        "status": "COMPLETE",
        "tag": "B1O1S0A0",
        "filled_quantity": 5,
        **fields,
    }
    body["checksum"] = postbacks.checksum(order_id, stamp, secret)
    return body


def test_an_admin_logs_in_through_kites_redirect(client, session, fake, kite_settings):
    admin = make_user(session, role=Role.ADMIN)

    url = client.get("/kite/login", headers=auth(admin)).json()["login_url"]
    state = url.split("state%3D")[1]
    done = client.get(
        "/kite/callback",
        params={"request_token": fake.issue_request_token(), "state": state, "status": "success"},
    )
    replay = client.get(
        "/kite/callback",
        params={"request_token": fake.issue_request_token(), "state": state},
    )
    status = client.get("/kite/session", headers=auth(admin)).json()

    assert done.status_code == 200, done.text
    assert done.json()["user_id"] == status["user_id"]
    assert status["valid"] is True
    assert "access_token" not in json.dumps(status)
    assert replay.status_code == 401
    assert replay.headers["content-type"] == "application/problem+json"


def test_a_postback_is_recorded_once_and_a_forgery_is_refused(client, session, kite_settings):
    body = json.dumps(_postback()).encode()

    first = client.post("/kite/postback", content=body)
    again = client.post("/kite/postback", content=body)
    forged = client.post("/kite/postback", json=_postback(secret="guess", order_id="2"))
    garbage = client.post("/kite/postback", content=b"{not json")

    assert (first.json(), again.json()) == ({"recorded": True}, {"recorded": False})
    assert forged.status_code == 403
    assert forged.headers["content-type"] == "application/problem+json"
    assert garbage.status_code == 422
    assert [p.status for p in postbacks.updates_of(session, "261126000000001")] == ["COMPLETE"]
    assert session.query(KitePostback).count() == 1


def test_a_recorded_postback_wakes_a_waiting_engine(committed, engine):
    url = committed.kw["bind"].url.set(drivername="postgresql")
    waiter = PostbackWaiter(url.render_as_string(hide_password=False))
    woke = threading.Event()

    def wait() -> None:
        waiter(30.0)
        woke.set()

    thread = threading.Thread(target=wait)
    thread.start()
    body = json.dumps(_postback()).encode()
    with committed() as session, session.begin():
        postbacks.record(session, body, postbacks.parse(body, API_SECRET))
    thread.join(timeout=10)
    waiter.close()

    assert woke.is_set()


def test_a_burst_of_postbacks_wakes_the_engine_once(committed, engine):
    url = committed.kw["bind"].url.set(drivername="postgresql")
    waiter = PostbackWaiter(url.render_as_string(hide_password=False))
    for n in range(5):
        body = json.dumps(_postback(order_id=f"26112600000000{n}")).encode()
        with committed() as session, session.begin():
            postbacks.record(session, body, postbacks.parse(body, API_SECRET))

    waiter(5.0)  # wakes at once and drains the burst
    leftover = list(waiter._connection.notifies(timeout=0.05))
    waiter.close()

    assert leftover == []
