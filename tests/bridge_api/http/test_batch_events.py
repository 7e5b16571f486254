"""Live batch progress over a real uvicorn server on a real socket: a paper batch traded while
viewers read its server-sent events (snapshot first, then every change in order as committed,
the final batch last), fed by one LISTEN connection per process however many watch."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
import pytest
import uvicorn
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.paper import PaperVenue
from bridge_api.db.models import Batch, User
from bridge_api.db.session import session_factory
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.execution.clocks import PaperClock
from bridge_api.execution.engine import Engine, EngineConfig
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.http.app import create_app
from bridge_api.http.batch_events import APPLICATION_NAME, BatchEvents
from bridge_api.http.deps import get_session, request_transaction
from tests.bridge_api.execution.support import INVESTORS, ready_batch
from tests.bridge_api.factories import auth

pytestmark = pytest.mark.integration
WAIT = 120  # seconds: a bound for a stuck test, never an assertion about speed


def _libpq(sessions: sessionmaker[Session]) -> str:
    url = sessions.kw["bind"].url
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class Server:
    port: int
    hub: BatchEvents
    statements: list[str]
    viewers: list[Viewer] = field(default_factory=list)

    def viewer(self, path: str, headers: dict[str, str]) -> Viewer:
        """A viewer of `path`, reading from its first event on (closed with the server)."""
        viewer = Viewer(self.port, path, headers)
        self.viewers.append(viewer)
        return viewer.start()


@pytest.fixture
def server(committed: sessionmaker[Session]) -> Iterator[Server]:
    """The app on `committed`'s database, served by uvicorn on a free port."""
    app = create_app()

    def request_session() -> Iterator[Session]:
        with committed() as session, request_transaction(session):
            yield session

    app.dependency_overrides[get_session] = request_session
    app.dependency_overrides[session_factory] = lambda: committed
    hub = BatchEvents(lambda: _libpq(committed))
    app.state.batch_events = hub
    statements: list[str] = []
    engine = committed.kw["bind"]

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=5
    )
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not served.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    running = Server(sock.getsockname()[1], hub, statements)
    try:
        yield running
    finally:
        for viewer in running.viewers:
            viewer.close()
        served.should_exit = True
        thread.join(WAIT)
        event.remove(engine, "before_cursor_execute", count)
        sock.close()


@dataclass
class Viewer:
    """A client reading one batch's event stream in a thread of its own, as the app does
    with fetch (a plain HTTP/1.1 GET with the bearer header)."""

    port: int
    path: str
    headers: dict[str, str]
    events: list[tuple[str, int | None, dict]] = field(default_factory=list)
    first: threading.Event = field(default_factory=threading.Event)
    got: threading.Condition = field(default_factory=threading.Condition)
    status: int | None = None
    content_type: str | None = None
    connection: http.client.HTTPConnection | None = None

    def start(self) -> Viewer:
        threading.Thread(target=self._read, daemon=True).start()
        assert self.first.wait(WAIT), "no first event"
        return self

    def close(self) -> None:
        """Hang up, as a closed browser tab does."""
        if self.connection is not None and self.connection.sock is not None:
            self.connection.sock.shutdown(socket.SHUT_RDWR)

    def _read(self) -> None:
        self.connection = connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=WAIT
        )
        connection.request("GET", self.path, headers=self.headers)
        response = connection.getresponse()
        self.status, self.content_type = response.status, response.getheader("content-type")
        name, number, data = "message", None, ""
        try:
            while line := _line(response):
                text = line.decode().rstrip("\n")
                if text.startswith("event: "):
                    name = text[7:]
                elif text.startswith("id: "):
                    number = int(text[4:])
                elif text.startswith("data: "):
                    data = text[6:]
                elif text == "" and data:
                    with self.got:
                        self.events.append((name, number, json.loads(data)))
                        self.got.notify_all()
                    self.first.set()
                    name, number, data = "message", None, ""
        finally:
            self.first.set()
            connection.close()

    def wait_for(self, predicate) -> None:
        with self.got:
            assert self.got.wait_for(lambda: predicate(self.events), WAIT), self.events[-3:]


def _line(response: http.client.HTTPResponse) -> bytes:
    try:
        return response.readline()
    except (OSError, ValueError):  # hung up by `close`
        return b""


def _manager(committed: sessionmaker[Session]) -> dict[str, str]:
    with committed() as session:
        manager = session.execute(
            select(User).where(User.email == "manager@saras.demo")
        ).scalar_one()
    return auth(manager, committed)


class _FirstTryWaits(OrderRateLimiter):
    """The real limiter, except that each tag's first try is told to wait 10 ms, as a busy
    account's would be: every send reports a wait, whatever the machine's speed."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.waited: set[str] = set()

    def _try(self, tag: str) -> datetime | float:
        if tag not in self.waited:
            self.waited.add(tag)
            return 0.01
        return super()._try(tag)


def _trade(committed: sessionmaker[Session]) -> list[int]:
    """The paper day; each send first waits for the order-rate limiter."""
    venue = PaperVenue(committed, session_day=FIRST_DAY)
    limiter = _FirstTryWaits(committed, limits=RateLimits(per_second=1000, per_minute=10**5))
    return Engine(
        committed, venue, PaperClock(venue), limiter=limiter, config=EngineConfig(FIRST_DAY)
    ).run()


def test_a_viewer_sees_a_paper_batch_trade_in_order_and_end_in_its_final_state(
    committed: sessionmaker[Session], server: Server
):
    batch_id = ready_batch(committed, INVESTORS, FIRST_DAY)
    headers = _manager(committed)
    viewer = server.viewer(f"/batches/{batch_id}/events", headers)

    traded = _trade(committed)
    viewer.wait_for(lambda events: events and events[-1][0] == "end")
    late = server.viewer(f"/batches/{batch_id}/events", headers)
    late.wait_for(lambda events: events and events[-1][0] == "end")
    detail = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    detail.request("GET", f"/batches/{batch_id}", headers=headers)
    final = json.loads(detail.getresponse().read())

    assert traded == [batch_id]
    assert viewer.status == 200
    assert viewer.content_type.startswith("text/event-stream")
    kinds = [name for name, _, _ in viewer.events]
    assert kinds[0] == "snapshot"
    assert viewer.events[0][2]["state"] == "ready"
    assert kinds[-1] == "end"
    ids = [number for _, number, _ in viewer.events]
    assert ids[1:-1] == list(range(ids[0] + 1, ids[0] + len(ids) - 1))  # each change, once
    assert ids[-1] == ids[-2]  # the end snapshot is at the last event
    middle = viewer.events[1:-1]
    assert middle[0][0] == "state"
    assert middle[0][2]["state"] == "executing"
    assert [e[2]["phase"] for e in middle if e[0] == "phase"] == [1, 2]
    assert {"slice", "fills", "order", "rate_limit"} <= set(kinds)
    with committed() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        assert middle[-1] == ("state", batch.last_event, middle[-1][2])
        assert middle[-1][2]["state"] == str(batch.state)
    for _, _, data in middle:
        if data["kind"] == "slice":
            tag = data["tag"]
            statuses = [
                e["status"] for _, _, e in middle if e["kind"] == "slice" and e["tag"] == tag
            ]
            assert statuses[:2] == ["sending", "sent"], (tag, statuses)
    slices_sent = {e["tag"] for _, _, e in middle if e["kind"] == "slice"}
    assert slices_sent == {s["tag"] for o in final["orders"] for s in o["slices"]}
    waits = [e for _, _, e in middle if e["kind"] == "rate_limit"]
    assert {e["tag"] for e in waits} == slices_sent  # each send waited once, and said so
    assert all(e["wait_ms"] == 10 and e["per_second"] == 1000 for e in waits)
    assert viewer.events[-1][2] == final
    assert final["state"] in ("completed", "partially_completed")
    assert [name for name, _, _ in late.events] == ["end"]
    assert late.events[0][2] == final


def test_twenty_viewers_share_one_listener_and_cause_no_database_reads_while_they_wait(
    committed: sessionmaker[Session], server: Server
):
    batch_id = ready_batch(committed, INVESTORS, FIRST_DAY)
    headers = _manager(committed)
    viewers = [server.viewer(f"/batches/{batch_id}/events", headers) for _ in range(20)]
    assert all(v.events[0][0] == "snapshot" for v in viewers)
    before = len(server.statements)

    with psycopg.connect(_libpq(committed), autocommit=True) as other:  # not the app's engine
        listeners = other.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            (APPLICATION_NAME,),
        ).fetchone()
        with other.transaction():
            number = other.execute(
                "UPDATE batches SET last_event = last_event + 1 WHERE id = %s RETURNING last_event",
                (batch_id,),
            ).fetchone()[0]
            payload = {"batch": batch_id, "id": number, "kind": "rate_limit", "wait_ms": 5}
            other.execute("SELECT pg_notify('saras_batch', %s)", (json.dumps(payload),))
        for viewer in viewers:
            viewer.wait_for(lambda events: events[-1][0] == "rate_limit")

    assert listeners == (1,)
    assert server.hub.connections == 1
    assert server.hub.viewers == 20
    assert server.statements[before:] == []  # delivered to all 20 without a database read
    assert all(v.events[-1][1] == number for v in viewers)
    for viewer in viewers:
        viewer.close()
    deadline = time.monotonic() + WAIT
    while server.hub.viewers:  # each hang-up unsubscribes; the last one closes the listener
        assert time.monotonic() < deadline, server.hub.viewers
        time.sleep(0.01)
    with psycopg.connect(_libpq(committed), autocommit=True) as other:
        after = other.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            (APPLICATION_NAME,),
        ).fetchone()
    assert after == (0,)


def test_the_stream_is_refused_without_a_token_or_to_another_manager(
    committed: sessionmaker[Session], server: Server
):
    batch_id = ready_batch(committed, INVESTORS, FIRST_DAY)
    with committed() as session:
        investor = session.execute(select(User).where(User.email == "asha@saras.demo")).scalar_one()
    results = {}
    for name, headers in (("none", {}), ("investor", auth(investor, committed))):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
        connection.request("GET", f"/batches/{batch_id}/events", headers=headers)
        response = connection.getresponse()
        results[name] = (response.status, response.getheader("content-type"))

    assert results == {
        "none": (401, "application/problem+json"),
        "investor": (403, "application/problem+json"),
    }
    assert server.hub.connections == 0
