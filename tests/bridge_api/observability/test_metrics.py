"""Prometheus metrics: HTTP answers by route template, the engine's orders, phases, limiter
and lease, Kite's 429s, the database's shared gauges, the engine's own port and several
processes behind one ``/metrics``."""

import os
import subprocess
import sys
import urllib.request

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from bridge_api.notifications import jobs as job_queue
from bridge_api.observability.collector import DatabaseCollector
from bridge_api.observability.exposition import serve_process_metrics
from tests.bridge_api.brokers.kite.test_broker import INFY, _broker
from tests.bridge_api.observability.exercise import sample_names, scrape, trade_a_day


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _samples(exposition: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == name
    }


def test_requests_are_counted_by_route_template_never_by_raw_path(client):
    before = _value(
        "saras_http_requests_total", method="GET", route="/batches/{batch_id}", status="401"
    )
    unmatched = _value("saras_http_requests_total", method="GET", route="unmatched", status="404")

    client.get("/batches/123")
    client.get("/batches/456")
    client.get("/no/such/page/789")
    exposition = client.get("/metrics").text

    assert (
        _value("saras_http_requests_total", method="GET", route="/batches/{batch_id}", status="401")
        == before + 2
    )
    assert (
        _value("saras_http_requests_total", method="GET", route="unmatched", status="404")
        == unmatched + 1
    )
    assert "/batches/123" not in exposition
    assert "/no/such/page" not in exposition
    latency = _value(
        "saras_http_request_duration_seconds_count", method="GET", route="/batches/{batch_id}"
    )
    assert latency >= 2


def test_the_request_log_names_the_route_and_the_request_id(client, captured):
    from tests.log_capture import records  # noqa: PLC0415

    client.get("/batches/77", headers={"X-Request-ID": "trace-me-1"})

    (line,) = [r for r in records(captured) if r.get("event") == "request"]
    assert (line["route"], line["path"], line["request_id"]) == (
        "/batches/{batch_id}",
        "/batches/77",
        "trace-me-1",
    )


def test_a_paper_day_counts_orders_phases_limiter_waits_and_the_lease(committed):
    placed, filled = (
        _value("saras_orders_total", outcome="placed"),
        _value("saras_orders_total", outcome="filled"),
    )
    phases = _value("saras_batch_phase_duration_seconds_count", phase="2")
    tokens = _value("saras_order_limiter_wait_seconds_count")
    finished = _value("saras_engine_events_total", event="finished")

    trade_a_day(committed)

    sent = _value("saras_orders_total", outcome="placed") - placed
    assert sent > 0
    assert _value("saras_order_limiter_wait_seconds_count") - tokens == sent
    assert _value("saras_orders_total", outcome="filled") - filled > 0
    assert _value("saras_batch_phase_duration_seconds_count", phase="2") == phases + 1
    assert _value("saras_engine_events_total", event="finished") == finished + 1
    assert _value("saras_engine_lease_held") == 1


def test_the_database_gauges_show_jobs_the_token_reconciliation_batches_and_lease(committed):
    trade_a_day(committed)
    with committed() as session, session.begin():  # a job due in an hour is not waiting
        connection = session.connection().connection.driver_connection
        job_queue.fan_out.configure(
            connection=connection, queue="later", schedule_in={"hours": 1}
        ).defer(event_id=0)

    exposition = scrape(committed)

    assert _samples(exposition, "saras_database_up") == {(): 1}
    jobs = _samples(exposition, "saras_jobs")
    assert jobs[(("queue", "notifications"), ("status", "todo"))] > 0
    assert jobs[(("queue", "later"), ("status", "todo"))] == 1
    ((queue, waited),) = _samples(exposition, "saras_job_oldest_waiting_seconds").items()
    assert queue == (("queue", "notifications"),)
    assert 0 <= waited < 600
    ((_, expires),) = _samples(exposition, "saras_kite_token_expires_in_seconds").items()
    assert 7000 < expires <= 7200
    assert _samples(exposition, "saras_reconciliation_differences") == {(("scope", "shares"),): 0}
    assert _samples(exposition, "saras_reconciliation_matches") == {(("scope", "shares"),): 1}
    states = _samples(exposition, "saras_batches")
    assert sum(states.values()) == 1
    ((_, left),) = _samples(exposition, "saras_engine_lease_expires_in_seconds").items()
    assert 0 < left <= 30


def test_a_database_that_does_not_answer_is_a_gauge_not_a_failed_scrape():
    nowhere = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    collector = DatabaseCollector(sessionmaker(nowhere))

    (family,) = collector.collect()

    assert (family.name, [s.value for s in family.samples]) == ("saras_database_up", [0])


def test_kite_429s_are_counted_by_reads_and_writes(fake):
    from bridge_api.brokers.port import PlacementUnknown  # noqa: PLC0415

    reads, writes = (
        _value("saras_kite_http_429_total", kind="read"),
        _value("saras_kite_http_429_total", kind="write"),
    )
    broker = _broker(fake)
    quote = broker.quotes([INFY])[INFY]
    fake.throttle_next = 2
    assert broker.orders() == []
    fake.throttle_next = 1
    with pytest.raises(PlacementUnknown):
        broker.place_limit_order(tag="TH9", symbol=INFY, side="BUY", quantity=1, price=quote.upper)

    assert _value("saras_kite_http_429_total", kind="read") == reads + 2
    assert _value("saras_kite_http_429_total", kind="write") == writes + 1


def test_the_engine_serves_its_metrics_on_a_port_of_its_own():
    server, port = serve_process_metrics(0, "127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60) as answer:
            body = answer.read().decode()
    finally:
        server.shutdown()

    assert {"saras_orders_total", "saras_engine_lease_held"} <= sample_names(body)


COUNT_ONE = """
import sys
from bridge_api.observability import metrics
metrics.ORDERS.labels("placed").inc(int(sys.argv[1]))
"""
RENDER = """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from bridge_api.observability.exposition import Exposition
nowhere = sessionmaker(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
print(Exposition(nowhere).render().decode())
"""


def test_several_processes_share_one_metrics_page_through_the_multiprocess_directory(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for amount in ("3", "4"):
        subprocess.run([sys.executable, "-c", COUNT_ONE, amount], env=env, check=True)

    page = subprocess.run(
        [sys.executable, "-c", RENDER], env=env, check=True, capture_output=True, text=True
    ).stdout

    assert _samples(page, "saras_orders_total")[(("outcome", "placed"),)] == 7
    assert _samples(page, "saras_database_up") == {(): 0}
