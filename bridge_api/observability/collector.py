"""Gauges read from the database at each scrape: what every process shares.

The job queue (procrastinate's table), the Kite session's expiry, the latest reconciliation
report of each scope, unacknowledged alerts, batches by state, slices by status and the trading
lease. They are right whichever process wrote the rows (the engine, a worker, a command), and
one scrape of any bridge process sees them all. A database that does not answer is
``saras_database_up 0`` and nothing else, never a failed scrape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_QUERIES: dict[str, str] = {
    "jobs": "SELECT queue_name, status::text, count(*) FROM procrastinate_jobs "
    "GROUP BY queue_name, status",
    "oldest": "SELECT queue_name, extract(epoch FROM clock_timestamp() - min(since)) FROM ("
    "SELECT j.queue_name, greatest(max(e.at), j.scheduled_at) AS since "
    "FROM procrastinate_jobs j JOIN procrastinate_events e ON e.job_id = j.id "
    "AND e.type IN ('deferred', 'deferred_for_retry') WHERE j.status = 'todo' "
    "AND (j.scheduled_at IS NULL OR j.scheduled_at <= clock_timestamp()) GROUP BY j.id"
    ") AS waiting GROUP BY queue_name",
    "token": "SELECT extract(epoch FROM expires_at - clock_timestamp()) FROM kite_sessions "
    "WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1",
    "reconciliation": "SELECT DISTINCT ON (scope) scope, matches, "
    "jsonb_array_length(report -> 'differences'), extract(epoch FROM created_at) "
    "FROM reconciliation_reports ORDER BY scope, id DESC",
    "alerts": "SELECT kind, count(*) FROM alerts WHERE acknowledged_at IS NULL GROUP BY kind",
    "batches": "SELECT state, count(*) FROM batches GROUP BY state",
    "lease": "SELECT name, extract(epoch FROM expires_at - clock_timestamp()) FROM engine_leases",
}


class DatabaseCollector(Collector):
    """Collects the shared gauges through `sessions` (a session factory) at each scrape."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._sessions = sessions

    def describe(self) -> list[Metric]:
        """Nothing up front: registering must not query the database."""
        return []

    def collect(self) -> Iterator[Metric]:
        """Query the database once per family; yield every gauge."""
        up = GaugeMetricFamily(
            "saras_database_up", "1 when the database answered this scrape's queries, else 0."
        )
        try:
            with self._sessions() as session:
                rows = {name: list(session.execute(text(sql))) for name, sql in _QUERIES.items()}
        except SQLAlchemyError as error:
            log.warning("metrics: the database did not answer (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from _families(rows)


def _families(rows: dict[str, list[Any]]) -> Iterator[Metric]:
    jobs = GaugeMetricFamily(
        "saras_jobs",
        "Jobs in the PostgreSQL queue by queue and status (todo is the queue's depth; failed "
        "are jobs that gave up).",
        labels=["queue", "status"],
    )
    for queue, status, count in rows["jobs"]:
        jobs.add_metric([queue, status], count)
    yield jobs
    oldest = GaugeMetricFamily(
        "saras_job_oldest_waiting_seconds",
        "Seconds the oldest due job has waited to be run (since it was deferred, retried or "
        "scheduled), by queue.",
        labels=["queue"],
    )
    for queue, seconds in rows["oldest"]:
        oldest.add_metric([queue], float(seconds))
    yield oldest
    token = GaugeMetricFamily(
        "saras_kite_token_expires_in_seconds",
        "Seconds until the newest Kite session's access token expires (negative once it has); "
        "absent when no session is open.",
    )
    for (seconds,) in rows["token"]:
        token.add_metric([], float(seconds))
    yield token
    differences = GaugeMetricFamily(
        "saras_reconciliation_differences",
        "Assets that differ between the books and the broker in the latest reconciliation.",
        labels=["scope"],
    )
    matches = GaugeMetricFamily(
        "saras_reconciliation_matches",
        "1 when the latest reconciliation of the scope matched, else 0.",
        labels=["scope"],
    )
    when = GaugeMetricFamily(
        "saras_reconciliation_last_timestamp_seconds",
        "Unix time of the latest reconciliation of the scope.",
        labels=["scope"],
    )
    for scope, matched, count, at in rows["reconciliation"]:
        differences.add_metric([scope], count or 0)
        matches.add_metric([scope], 1 if matched else 0)
        when.add_metric([scope], float(at))
    yield from (differences, matches, when)
    alerts = "Operator alerts not acknowledged yet, by kind."
    yield _counted("saras_alerts_open", alerts, "kind", rows["alerts"])
    yield _counted("saras_batches", "Batches by state.", "state", rows["batches"])
    lease = GaugeMetricFamily(
        "saras_engine_lease_expires_in_seconds",
        "Seconds until the trading lease runs out unrenewed (negative: expired, no engine is "
        "trading), by lease.",
        labels=["lease"],
    )
    for name, seconds in rows["lease"]:
        lease.add_metric([name], float(seconds))
    yield lease


def _counted(name: str, documentation: str, label: str, rows: list[Any]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value, count in rows:
        family.add_metric([str(value)], count)
    return family
