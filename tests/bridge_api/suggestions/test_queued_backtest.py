"""A suggestion's backtest is queued for the worker, never run inside the request: the run
records the suggestion's exact weights and id, the job backtests those weights, and a
suggestion of another smallcase or another manager's smallcase is refused."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.backtest.jobs import execute
from bridge_api.db.models import BacktestRecord, Role
from bridge_api.http.app import create_app
from bridge_api.http.deps import get_session, request_transaction
from tests.bridge_api.factories import auth, make_user


@pytest.fixture
def live(committed: sessionmaker[Session]) -> Iterator[TestClient]:
    """The app on `committed`'s database: each request commits, as in production."""
    app = create_app()

    def request_session() -> Iterator[Session]:
        with committed() as session, request_transaction(session):
            yield session

    app.dependency_overrides[get_session] = request_session
    with TestClient(app) as client:
        yield client


def _manager(sessions: sessionmaker[Session], role: Role = Role.MANAGER) -> dict[str, str]:
    with sessions() as session, session.begin():
        return auth(make_user(session, role=role))


def _smallcase(
    client: TestClient, headers: dict[str, str], weights: dict[str, str], name: str = "Suggested"
) -> int:
    constituents = [{"symbol": s, "weight": w} for s, w in weights.items()]
    created = client.post(
        "/smallcase", headers=headers, json={"name": name, "constituents": constituents}
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _suggestion(client: TestClient, headers: dict[str, str], smallcase_id: int) -> dict:
    shown = client.post(f"/smallcase/{smallcase_id}/suggestions", headers=headers, json={})
    assert shown.status_code == 201, shown.text
    return shown.json()


def _shown_weights(suggestion: dict) -> dict[str, Decimal]:
    return {
        line["symbol"]: Decimal(line["weight"]) for line in suggestion["lines"] if line["weight"]
    }


@pytest.mark.integration
def test_a_suggestions_backtest_is_queued_with_its_weights_and_the_worker_tests_them(
    committed: sessionmaker[Session], live: TestClient
):
    headers = _manager(committed)
    smallcase_id = _smallcase(live, headers, {"INFY": "50", "TCS": "50"})
    suggestion = _suggestion(live, headers, smallcase_id)
    shown = _shown_weights(suggestion)
    assert shown != {"INFY": Decimal(50), "TCS": Decimal(50)}  # not the smallcase's own

    queued = live.post(
        f"/smallcase/{smallcase_id}/suggestions/{suggestion['id']}/backtest",
        headers=headers,
        json={"months": 1, "subscribers": 1},
    )

    assert queued.status_code == 202, queued.text
    run = queued.json()
    assert run["status"] == "queued"
    assert run["suggestion_id"] == suggestion["id"]
    assert {s: Decimal(w) for s, w in run["weights"].items()} == shown
    assert run["end"] <= suggestion["as_of"]
    assert run["start"] < run["end"]
    with committed() as session:
        jobs = session.execute(
            text("SELECT args FROM procrastinate_jobs WHERE task_name = 'backtests.run'")
        ).scalars()
        assert list(jobs) == [{"run_id": run["id"]}]
        record = session.get_one(BacktestRecord, run["id"])
        assert record.parameters["suggestion_id"] == suggestion["id"]
        assert {s: Decimal(w) for s, w in record.parameters["weights"].items()} == shown

    assert execute(committed, run["id"]) == "completed"

    detail = live.get(f"/backtests/{run['id']}", headers=headers).json()
    assert detail["status"] == "completed", detail["error"]
    assert detail["suggestion_id"] == suggestion["id"]
    assert {s: Decimal(w) for s, w in detail["weights"].items()} == shown
    assert detail["figures"]["orders"] >= 1
    summary = live.get(f"/backtests/{run['id']}/report?format=json", headers=headers).json()
    assert summary["name"] == f"Suggested (suggestion {suggestion['id']})"
    listed = live.get(f"/smallcase/{smallcase_id}/backtests", headers=headers).json()
    assert [(r["id"], r["suggestion_id"]) for r in listed["runs"]] == [
        (run["id"], suggestion["id"])
    ]


def test_a_suggestion_of_another_smallcase_or_manager_is_refused_and_nothing_is_queued(
    committed: sessionmaker[Session], live: TestClient
):
    owner = _manager(committed)
    first = _smallcase(live, owner, {"INFY": "50", "TCS": "50"})
    second = _smallcase(live, owner, {"INFY": "60", "TCS": "40"}, "Another")
    suggestion = _suggestion(live, owner, first)
    other = _manager(committed)
    admin = _manager(committed, Role.ADMIN)

    elsewhere = live.post(
        f"/smallcase/{second}/suggestions/{suggestion['id']}/backtest", headers=owner, json={}
    )
    assert elsewhere.status_code == 404
    assert elsewhere.headers["content-type"] == "application/problem+json"
    stranger = live.post(
        f"/smallcase/{first}/suggestions/{suggestion['id']}/backtest", headers=other, json={}
    )
    assert stranger.status_code == 403
    for bad in ({"months": 0}, {"months": 25}, {"subscribers": 0}, {"amount": "1.5"}, {"x": 1}):
        refused = live.post(
            f"/smallcase/{first}/suggestions/{suggestion['id']}/backtest", headers=owner, json=bad
        )
        assert refused.status_code == 422, (bad, refused.text)
    too_little = live.post(
        f"/smallcase/{first}/suggestions/{suggestion['id']}/backtest",
        headers=owner,
        json={"amount": "10.00"},
    )
    assert too_little.status_code == 422
    assert [e["field"] for e in too_little.json()["errors"]] == ["amount"]
    with committed() as session:
        assert session.execute(select(func.count(BacktestRecord.id))).scalar_one() == 0

    by_admin = live.post(
        f"/smallcase/{first}/suggestions/{suggestion['id']}/backtest", headers=admin, json={}
    )
    assert by_admin.status_code == 202, by_admin.text
    assert by_admin.json()["suggestion_id"] == suggestion["id"]
