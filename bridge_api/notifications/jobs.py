"""The job queue (procrastinate, on the bridge's own PostgreSQL) and the notification tasks.

Jobs are deferred on the caller's own connection, inside its transaction: a job exists exactly
when the state change that caused it was committed. `saras worker` runs them (with the day's
scheduler, `bridge_api.schedule.worker`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import procrastinate
from sqlalchemy.orm import Session

QUEUE = "notifications"
log = logging.getLogger(__name__)

app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())


@app.task(name="notifications.fan_out", queue=QUEUE)
def fan_out(event_id: int) -> None:
    """Turn an event into its deliveries (one job per delivery)."""
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415
    from bridge_api.notifications import delivery  # noqa: PLC0415

    with unit_of_work() as session:
        created = delivery.fan_out(session, event_id)
    log.info("event %s: %s deliveries", event_id, len(created))


@app.task(name="notifications.deliver", queue=QUEUE)
def deliver(delivery_id: int) -> None:
    """Send one delivery (once; see `bridge_api.notifications.delivery`)."""
    from bridge_api.db.session import session_factory  # noqa: PLC0415
    from bridge_api.notifications import delivery  # noqa: PLC0415

    delivery.deliver(session_factory(), delivery_id)


def enqueue(
    session: Session,
    task: Any,
    *,
    _lock: str | None = None,
    _after: timedelta | None = None,
    **arguments: Any,
) -> int:
    """Defer `task` on the session's connection, so it commits or rolls back with it (after
    `_after`, never at once with another job holding `_lock`)."""
    connection = session.connection().connection.driver_connection
    options: dict[str, Any] = {"connection": connection}
    if _lock is not None:
        options["lock"] = _lock
    if _after is not None:
        options["schedule_in"] = {"seconds": _after.total_seconds()}
    job_id: int = task.configure(**options).defer(**arguments)
    return job_id
