"""Structured logs: bound fields reach every record, JSON in production, text in a terminal,
and every HTTP request carries an id into its records and its response."""

from __future__ import annotations

import io
import logging

from fastapi.testclient import TestClient

from bridge_api import logs
from tests.log_capture import records


def test_bound_fields_and_event_fields_reach_the_json_record(captured: io.StringIO):
    log = logging.getLogger("saras.test")
    with logs.bind(batch=7), logs.bind(order="b7-INFY-BUY"):
        logs.event(log, logging.INFO, "sent", "sent BUY 3 INFY", {"tag": "B7o1s0a0", "message": 1})
    log.info("outside")

    inside, outside = records(captured)
    assert inside["batch"] == 7
    assert inside["order"] == "b7-INFY-BUY"
    assert inside["event"] == "sent"
    assert inside["tag"] == "B7o1s0a0"
    assert inside["message_"] == 1  # a field named like a record attribute keeps its value
    assert inside["message"] == "sent BUY 3 INFY"
    assert inside["level"] == "info"
    assert "batch" not in outside


def test_the_text_format_shows_the_fields_after_the_message():
    record = logging.LogRecord("x", logging.WARNING, "", 0, "slice rejected", None, None)
    record.context = {"batch": 3}
    record.tag = "B3o1s0a0"
    line = logs.TextFormatter().format(record)
    assert line.endswith("warning slice rejected  [batch=3 tag=B3o1s0a0]")


def test_a_request_gets_an_id_that_its_records_and_its_response_carry(
    client: TestClient, captured: io.StringIO
):
    mine = client.get("/portfolio/status", headers={"X-Request-ID": "abc-123"})
    fresh = client.get("/portfolio/status", headers={"X-Request-ID": "not sane\u0007"})

    assert mine.headers["x-request-id"] == "abc-123"
    assert len(fresh.headers["x-request-id"]) == 32
    served = [r for r in records(captured) if r.get("event") == "request"]
    assert [r["request_id"] for r in served] == ["abc-123", fresh.headers["x-request-id"]]
    assert served[0]["status"] == mine.status_code
    assert served[0]["path"] == "/portfolio/status"
