"""A batch's progress events: notified only when their transaction commits, never for one
rolled back, each numbered one past the batch's last."""

from __future__ import annotations

import json

import psycopg
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.batches.events import CHANNEL, publish
from bridge_api.db.models import Batch
from bridge_api.demo.scenario import FIRST_DAY
from tests.bridge_api.execution.support import INVESTORS, ready_batch


def _listener(sessions: sessionmaker[Session]) -> psycopg.Connection:
    url = sessions.kw["bind"].url.set(drivername="postgresql")
    connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    connection.execute(f"LISTEN {CHANNEL}")
    return connection


def _heard(connection: psycopg.Connection) -> list[dict]:
    return [json.loads(n.payload) for n in connection.notifies(timeout=0.5, stop_after=10)]


def test_events_are_heard_only_once_committed_and_numbered_in_order(
    committed: sessionmaker[Session],
):
    batch_id = ready_batch(committed, INVESTORS, FIRST_DAY)
    with committed() as session:
        start = session.get(Batch, batch_id).last_event  # its approval was one
    with _listener(committed) as listener:
        with committed() as session, session.begin():
            first = publish(session, batch_id, "fills", new=3)
            second = publish(session, batch_id, "fills", new=1)
            before_commit = _heard(listener)
        after_commit = _heard(listener)
        with committed() as session, session.begin():
            publish(session, batch_id, "fills", new=9)
            session.rollback()
        after_rollback = _heard(listener)
        with committed() as session:
            last = session.get(Batch, batch_id).last_event

    assert before_commit == []
    assert start == 1
    assert (first, second) == (start + 1, start + 2)
    assert after_commit == [
        {"batch": batch_id, "id": start + 1, "kind": "fills", "new": 3},
        {"batch": batch_id, "id": start + 2, "kind": "fills", "new": 1},
    ]
    assert after_rollback == []
    assert last == start + 2
