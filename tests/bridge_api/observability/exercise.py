"""A trading day on the paper venue with the bridge scraped afterwards: what the metrics tests
and the deployment's dashboard and alert-rule checks read their samples from."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.paper import PaperVenue
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.execution.lease import Lease
from bridge_api.execution.runner import reconcile_batch
from bridge_api.http.app import create_app
from bridge_api.http.routers.operations import get_exposition
from bridge_api.observability.exposition import Exposition
from tests.bridge_api.execution.support import paper_day, ready_batch

INVESTORS = {"asha@saras.demo": "150000.00", "vikram@saras.demo": "600000.00"}


def trade_a_day(committed: sessionmaker[Session]) -> int:
    """One batch traded through the paper venue, reconciled, with the lease taken and a Kite
    session row; returns the batch."""
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    lease = Lease(committed, holder="test:1")
    assert lease.acquire(timeout=5)
    paper_day(committed, FIRST_DAY)
    reconcile_batch(committed, PaperVenue(committed, session_day=FIRST_DAY), batch)
    with committed() as session, session.begin():
        session.execute(
            text(
                "INSERT INTO kite_sessions (api_key, user_id, token_ciphertext, login_time, "
                "expires_at) VALUES ('k', 'AB1234', '\\x00', clock_timestamp(), "
                "clock_timestamp() + interval '2 hours')"
            )
        )
    return batch


def scrape(committed: sessionmaker[Session], *paths: str) -> str:
    """Request `paths` from the bridge, then its ``/metrics`` (database gauges from
    `committed`'s database)."""
    app = create_app()
    app.dependency_overrides[get_exposition] = lambda: Exposition(committed)
    with TestClient(app) as client:
        for path in paths:
            client.get(path)
        response = client.get("/metrics")
    assert response.status_code == 200
    return response.text


def sample_names(exposition: str) -> set[str]:
    """Every sample name in a text exposition (``_total``, ``_bucket`` ... included) and every
    family name."""
    names: set[str] = set()
    for family in text_string_to_metric_families(exposition):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    return names
