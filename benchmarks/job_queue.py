"""Why PostgreSQL is Saras's queue and bus (the seed named Redis and RabbitMQ), measured.

A notification job must exist exactly when its cause committed, so it is written in the cause's
own transaction; a queue in another server cannot give that without an outbox table in
PostgreSQL anyway. This measures what the PostgreSQL queue costs, one job per transaction:

- baseline: a transaction that inserts one row into a one-column table and commits;
- enqueue: a procrastinate job deferred in its own transaction (as `jobs.enqueue` does);
- claim and finish: a worker's `procrastinate_fetch_job_v2` + `procrastinate_finish_job_v1`;
- NOTIFY to LISTEN: one notification's trip to a listening connection;
- for comparison, when a Redis server answers on 127.0.0.1:6379: LPUSH + BRPOP of one item
  (no transaction with anything; spoken over a socket, no client library).

It prints each rate, its ratio to the baseline, and the headroom over a trading day's need.

    python -m benchmarks.job_queue [--jobs 2000]

Uses DATABASE_URL's server when set (a throwaway database beside it), else an embedded one.
"""

from __future__ import annotations

import argparse
import select
import socket
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from benchmarks.allocation_table import _database
from bridge_api.db.migrate import upgrade
from bridge_api.notifications.jobs import fan_out

#: A generous trading day at 100,000 subscriptions: every investor told of an allocation, a
#: finished batch and one more event, each on two channels, in the six hours around the session.
DAY_JOBS = 100_000 * 3 * 2
DAY_SECONDS = 6 * 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url, _ = _database(Path(scratch))
        upgrade(url)
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        _run(conninfo, args.jobs)


def _run(conninfo: str, jobs: int) -> None:
    with psycopg.connect(conninfo) as db:
        db.execute("CREATE TABLE bench_rows (id bigserial PRIMARY KEY, body jsonb)")
        db.commit()
        baseline = _rate(jobs, lambda: _insert(db))
        enqueue = _rate(jobs, lambda: _defer(db))
        worker = db.execute("SELECT worker_id FROM procrastinate_register_worker_v1()").fetchone()
        db.commit()
        assert worker is not None
        claim = _rate(jobs, lambda: _claim(db, worker[0]))
        latency = _notify_latency(conninfo, db, min(jobs, 500))
    redis = _redis_rate(jobs)
    need = DAY_JOBS / DAY_SECONDS
    print(f"{jobs} jobs, one per transaction; a busy day needs {need:.0f} jobs/s on average")
    print(f"{'work':<40}{'per second':>12}{'x baseline':>12}{'x need':>10}")
    rows = [
        ("baseline: insert a row and commit", baseline),
        ("enqueue a job in its own transaction", enqueue),
        ("claim and finish a job (one worker)", claim),
    ]
    if redis is not None:
        rows.append(("Redis LPUSH + BRPOP (no transaction)", redis))
    for label, rate in rows:
        print(f"{label:<40}{rate:>12,.0f}{rate / baseline:>12.2f}{rate / need:>10.0f}")
    print(
        f"NOTIFY to LISTEN: median {statistics.median(latency) * 1000:.2f} ms, "
        f"p99 {statistics.quantiles(latency, n=100)[98] * 1000:.2f} ms"
    )
    if redis is None:
        print("(no Redis server on 127.0.0.1:6379: its comparison row is left out)")


def _rate(count: int, work: Callable[[], None]) -> float:
    started = time.perf_counter()
    for _ in range(count):
        work()
    return count / (time.perf_counter() - started)


def _insert(db: psycopg.Connection) -> None:
    db.execute("INSERT INTO bench_rows (body) VALUES ('{\"event_id\": 1}')")
    db.commit()


def _defer(db: psycopg.Connection) -> None:
    fan_out.configure(connection=db).defer(event_id=1)
    db.commit()


def _claim(db: psycopg.Connection, worker: int) -> None:
    job = db.execute("SELECT id FROM procrastinate_fetch_job_v2(NULL, %s)", (worker,)).fetchone()
    if job is None or job[0] is None:
        raise SystemExit("the queue ran dry")
    db.execute("SELECT procrastinate_finish_job_v1(%s, 'succeeded', true)", (job[0],))
    db.commit()


def _notify_latency(conninfo: str, db: psycopg.Connection, count: int) -> list[float]:
    with psycopg.connect(conninfo, autocommit=True) as listener:
        listener.execute("LISTEN bench")
        trips = []
        for _ in range(count):
            sent = time.perf_counter()
            db.execute("SELECT pg_notify('bench', 'x')")
            db.commit()
            next(listener.notifies(timeout=5, stop_after=1))
            trips.append(time.perf_counter() - sent)
    return trips


def _redis_rate(count: int) -> float | None:
    try:
        server = socket.create_connection(("127.0.0.1", 6379), timeout=1)
    except OSError:
        return None
    with server:
        server.settimeout(5)

        def command(*words: str) -> bytes:
            body = "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
            server.sendall(f"*{len(words)}\r\n{body}".encode())
            select.select([server], [], [], 5)
            return server.recv(4096)

        command("DEL", "saras_bench")
        started = time.perf_counter()
        for _ in range(count):
            command("LPUSH", "saras_bench", '{"event_id": 1}')
            command("BRPOP", "saras_bench", "1")
        return count / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
