"""The worker process (``saras worker``): the job queue's worker, the rescue of jobs whose
worker died, and the day's scheduler, in one asyncio loop.

- The queue's worker (procrastinate) runs the notification jobs and deletes those that
  succeeded (the deliveries keep the record). Its connections act as the application role,
  as every other process does.
- A worker killed mid-job leaves that job ``doing``; once its heartbeat is older than
  `stalled_after` seconds, any live worker puts the job back in the queue, and the job's own
  protocol makes the repeat harmless (`bridge_api.notifications.delivery`).
- The scheduler ticks every `tick_seconds` in a thread (a job's work may block).
- Queues of long jobs (`WorkerOptions.long_queues`, such as the backtests) have a loop of
  their own, one job at a time, so a long job never holds up a notification. SIGINT or
  SIGTERM lets a running long job finish first; a worker killed outright leaves it to the
  rescue above.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

import procrastinate
from sqlalchemy.engine import make_url

from bridge_api.db.roles import APP_ROLE
from bridge_api.db.session import database_url, session_factory
from bridge_api.notifications import jobs
from bridge_api.schedule import scheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How the worker process runs."""

    schedule: bool = True
    tick_seconds: float = 30.0
    heartbeat_seconds: float = 10.0
    stalled_after: float = 30.0
    poll_seconds: float = 5.0
    concurrency: int = 1
    long_queues: tuple[str, ...] = ()
    """Queues whose jobs run in a loop of their own, one at a time (their tasks must be
    registered on the queue's app by whoever starts the worker)."""


def run(options: WorkerOptions) -> None:
    """Run the worker until SIGINT or SIGTERM."""
    asyncio.run(_main(options))


async def _main(options: WorkerOptions) -> None:
    url = make_url(database_url()).set(drivername="postgresql")
    connector = procrastinate.PsycopgConnector(
        conninfo=url.render_as_string(hide_password=False),
        configure=_act_as_app,
        min_size=1,
        max_size=max(2, options.concurrency + 2) + 2 * len(options.long_queues),
    )
    app = jobs.app.with_connector(connector)
    name = f"{socket.gethostname()}:{os.getpid()}"
    async with app.open_async():
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=[jobs.QUEUE],
                name=name,
                concurrency=options.concurrency,
                update_heartbeat_interval=options.heartbeat_seconds,
                stalled_worker_timeout=options.stalled_after,
                fetch_job_polling_interval=options.poll_seconds,
                abort_job_polling_interval=options.poll_seconds,
                delete_jobs="successful",
            )
        )
        long_loops = [
            asyncio.create_task(
                app.run_worker_async(
                    queues=[queue],
                    name=f"{name}:{queue}",
                    concurrency=1,
                    install_signal_handlers=False,  # the main loop's stop ends these
                    update_heartbeat_interval=options.heartbeat_seconds,
                    stalled_worker_timeout=options.stalled_after,
                    fetch_job_polling_interval=options.poll_seconds,
                    abort_job_polling_interval=options.poll_seconds,
                    delete_jobs="successful",
                )
            )
            for queue in options.long_queues
        ]
        helpers = [*long_loops, asyncio.create_task(_rescue(app, options))]
        if options.schedule:
            helpers.append(asyncio.create_task(_schedule(options)))
        log.info("worker %s started (scheduler %s)", name, "on" if options.schedule else "off")
        try:
            await worker
        finally:
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)


async def _rescue(app: procrastinate.App, options: WorkerOptions) -> None:
    """Put back in the queue the jobs of workers whose heartbeat stopped."""
    while True:
        try:
            stalled = [
                job
                for queue in (jobs.QUEUE, *options.long_queues)
                for job in await app.job_manager.get_stalled_jobs(
                    queue=queue, seconds_since_heartbeat=options.stalled_after
                )
            ]
            for job in stalled:
                log.warning("job %s (%s) of a dead worker: queued again", job.id, job.task_name)
                await app.job_manager.retry_job(job)
        except Exception:  # keep rescuing; the next round may succeed
            log.exception("could not look for stalled jobs")
        await asyncio.sleep(max(options.heartbeat_seconds, 0.2))


async def _schedule(options: WorkerOptions) -> None:
    sessions = session_factory()
    while True:
        try:
            done = await asyncio.to_thread(scheduler.tick, sessions)
            for item in done:
                log.info("schedule: %s for %s: %s", item.job, item.day, item.status)
        except Exception:  # a tick that fails is logged; the next one tries again
            log.exception("scheduler tick failed")
        await asyncio.sleep(options.tick_seconds)


async def _act_as_app(connection: Any) -> None:
    await connection.execute(f"SET ROLE {APP_ROLE}")
    await connection.commit()
