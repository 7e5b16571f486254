"""The job queue (procrastinate, on the bridge's own PostgreSQL) and the notification tasks.

Jobs are deferred on the caller's own connection, inside its transaction: a job exists exactly
when the state change that caused it was committed. The tasks only log for now; e-mail and
other channels are a later issue. Run a worker with ``procrastinate --app
bridge_api.notifications.jobs.app worker``.
"""

from __future__ import annotations

import logging
from typing import Any

import procrastinate
from sqlalchemy.orm import Session

QUEUE = "notifications"
log = logging.getLogger(__name__)

app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())


@app.task(name="order_allocated", queue=QUEUE)
def order_allocated(order_id: int, key: str, filled: int) -> None:
    """An order was allocated to its participants (tell each of them)."""
    log.info("order %s (%s) allocated: %s shares", order_id, key, filled)


@app.task(name="batch_finished", queue=QUEUE)
def batch_finished(batch_id: int, state: str) -> None:
    """A batch finished (tell its manager and its participants)."""
    log.info("batch %s finished: %s", batch_id, state)


@app.task(name="operator_alert", queue=QUEUE)
def operator_alert(alert_id: int, kind: str, message: str) -> None:
    """Something the operator must act on (page them)."""
    log.warning("ALERT %s [%s]: %s", alert_id, kind, message)


def enqueue(session: Session, task: Any, **arguments: Any) -> int:
    """Defer `task` on the session's connection, so it commits or rolls back with it."""
    connection = session.connection().connection.driver_connection
    job_id: int = task.configure(connection=connection).defer(**arguments)
    return job_id
