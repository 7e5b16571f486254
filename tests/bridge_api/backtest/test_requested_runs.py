"""Backtests a manager queues through the API and a worker runs: the same figures as
``saras backtest`` for the same scenario, progress per session, refusals at the field, and a
run that cannot be done failing with its reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.backtest.jobs import MAX_ATTEMPTS, execute, scratch_name
from bridge_api.db.models import BacktestRecord, Role
from bridge_api.http.app import create_app
from bridge_api.http.deps import get_session, request_transaction
from tests.bridge_api.execution.support import saras
from tests.bridge_api.factories import auth, make_user

WEIGHTS = {"INFY": "50", "TCS": "50"}
ASK = {
    "start": "2026-08-20",
    "end": "2026-10-10",
    "amount": "100000.00",
    "schedule": "monthly",
    "subscribers": 3,
}


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


def _manager(sessions: sessionmaker[Session]) -> tuple[int, dict[str, str]]:
    with sessions() as session, session.begin():
        manager = make_user(session, role=Role.MANAGER)
        return manager.id, auth(manager)


@pytest.mark.integration
def test_a_queued_backtest_is_run_by_the_worker_with_the_figures_of_saras_backtest(
    committed: sessionmaker[Session], live: TestClient, tmp_path: Path
):
    _, headers = _manager(committed)
    smallcase_id = _published(live, committed, headers)
    queued = live.post(f"/smallcase/{smallcase_id}/backtests", headers=headers, json=ASK)
    assert queued.status_code == 202, queued.text
    run_id = queued.json()["id"]
    assert queued.json()["status"] == "queued"
    with committed() as session:
        jobs = (
            session.execute(
                text("SELECT args FROM procrastinate_jobs WHERE task_name = 'backtests.run'")
            )
            .scalars()
            .all()
        )
    assert jobs == [{"run_id": run_id}]  # the job committed with the row

    assert execute(committed, run_id) == "completed"

    listed = live.get(f"/smallcase/{smallcase_id}/backtests", headers=headers).json()
    assert [(r["id"], r["status"]) for r in listed["runs"]] == [(run_id, "completed")]
    assert listed["first_day"] <= ASK["start"] < ASK["end"] <= listed["last_day"]
    detail = live.get(f"/backtests/{run_id}", headers=headers).json()
    assert detail["days_total"] > 2
    assert detail["days_done"] == detail["days_total"] == len(detail["series"]["days"])
    assert detail["attempts"] == 1
    assert detail["figures"]["rebalances"] == 3  # August, September, October
    assert detail["money"]["charges"] != "0.00"
    assert Decimal(detail["series"]["equity"][0]) == Decimal(detail["money"]["initial"])

    page = live.get(f"/backtests/{run_id}/report", headers=headers)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert policy.startswith("sandbox allow-scripts;")
    assert "'sha256-" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "Monthly returns" in page.text

    cli = saras(
        committed,
        "backtest",
        "--weights",
        "INFY=50,TCS=50",
        "--start",
        ASK["start"],
        "--end",
        ASK["end"],
        "--subscribers",
        "3",
        "--amount",
        ASK["amount"],
        "--schedule",
        "monthly",
        "--out",
        str(tmp_path),
    )
    assert cli.returncode == 0, cli.stderr
    (written,) = tmp_path.glob("*/summary.json")
    expected = json.loads(written.read_text())
    stored = live.get(f"/backtests/{run_id}/report?format=json", headers=headers).json()
    assert expected["name"] == "Custom smallcase"
    assert {k: v for k, v in stored.items() if k != "name"} == {
        k: v for k, v in expected.items() if k != "name"
    }


def _published(client: TestClient, sessions: object, headers: dict[str, str]) -> int:
    constituents = [{"symbol": s, "weight": w} for s, w in WEIGHTS.items()]
    created = client.post(
        "/smallcase", headers=headers, json={"name": "Two stocks", "constituents": constituents}
    )
    assert created.status_code == 201, created.text
    smallcase_id = int(created.json()["id"])
    assert client.post(f"/smallcase/{smallcase_id}/publish", headers=headers).status_code == 200
    return smallcase_id


def test_refusals_name_the_field_or_the_owner(session: Session, client: TestClient):
    manager = make_user(session, role=Role.MANAGER)
    other = make_user(session, role=Role.MANAGER)
    investor = make_user(session)
    smallcase_id = _published(client, None, auth(manager))
    path = f"/smallcase/{smallcase_id}/backtests"

    def problems(body: dict[str, object]) -> dict[str, str]:
        answer = client.post(path, headers=auth(manager), json=body)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        return {e["field"].split(".")[-1]: e["message"] for e in answer.json()["errors"]}

    assert set(problems({**ASK, "start": "2019-01-01"})) == {"start"}
    assert set(problems({**ASK, "end": "2031-01-01"})) == {"end"}
    assert set(problems({**ASK, "start": "2026-10-10", "end": "2026-08-20"})) == {"end"}
    assert set(problems({**ASK, "amount": 100000})) == {"amount"}
    assert set(problems({**ASK, "amount": "10.00"})) == {"amount"}
    assert set(problems({**ASK, "subscribers": 0})) == {"subscribers"}
    assert set(problems({**ASK, "schedule": "weekly"})) == {"schedule"}
    assert client.post(path, headers=auth(other), json=ASK).status_code == 403
    assert client.post(path, headers=auth(investor), json=ASK).status_code == 403
    assert (
        client.post("/smallcase/999999/backtests", headers=auth(manager), json=ASK).status_code
        == 404
    )
    assert client.get(path, headers=auth(other)).status_code == 403

    run_id = client.post(path, headers=auth(manager), json=ASK).json()["id"]
    assert client.get(f"/backtests/{run_id}", headers=auth(other)).status_code == 403
    assert client.get(f"/backtests/{run_id}", headers=auth(investor)).status_code == 403
    assert client.get("/backtests/999999", headers=auth(manager)).status_code == 404
    assert client.get(f"/backtests/{run_id}/report", headers=auth(manager)).status_code == 409
    tab = client.post(f"/backtests/{run_id}/report", data={"access_token": "forged"})
    assert tab.status_code == 401
    assert client.post(f"/backtests/{run_id}/report").status_code == 401
    token = auth(other)["Authorization"].removeprefix("Bearer ")
    tab = client.post(f"/backtests/{run_id}/report", data={"access_token": token})
    assert tab.status_code == 403


@pytest.mark.integration
def test_a_run_with_no_trading_session_to_rebalance_in_fails_with_its_reason(
    committed: sessionmaker[Session], live: TestClient
):
    _, headers = _manager(committed)
    smallcase_id = _published(live, committed, headers)
    weekend = {**ASK, "start": "2026-09-05", "end": "2026-09-06"}  # a Saturday and a Sunday
    run_id = live.post(f"/smallcase/{smallcase_id}/backtests", headers=headers, json=weekend)
    run_id = run_id.json()["id"]

    assert execute(committed, run_id) == "failed"

    detail = live.get(f"/backtests/{run_id}", headers=headers).json()
    assert detail["status"] == "failed"
    assert "fewer than two trading days" in detail["error"]
    assert detail["finished_at"] is not None
    assert detail["figures"] is None
    assert execute(committed, run_id) == "failed"  # a repeat of its job changes nothing
    with committed() as session:
        query = text("SELECT datname FROM pg_database WHERE datname = :name")
        names = session.execute(query, {"name": scratch_name(run_id)}).scalars().all()
    assert names == []  # its database is dropped


@pytest.mark.integration
def test_a_run_left_running_by_a_dead_worker_runs_again_then_fails_after_the_last_attempt(
    committed: sessionmaker[Session], live: TestClient
):
    _, headers = _manager(committed)
    smallcase_id = _published(live, committed, headers)
    short = {**ASK, "start": "2026-09-21", "end": "2026-09-25", "schedule": "never"}
    first, second = (
        live.post(f"/smallcase/{smallcase_id}/backtests", headers=headers, json=short).json()["id"]
        for _ in range(2)
    )
    with committed() as session, session.begin():  # as a worker that claimed them and died
        session.execute(
            update(BacktestRecord)
            .where(BacktestRecord.id == first)
            .values(status="running", attempts=1, days_done=2, days_total=5)
        )
        session.execute(
            update(BacktestRecord)
            .where(BacktestRecord.id == second)
            .values(status="running", attempts=MAX_ATTEMPTS)
        )

    assert execute(committed, first) == "completed"
    assert execute(committed, second) == "failed"

    again = live.get(f"/backtests/{first}", headers=headers).json()
    assert (again["attempts"], again["days_done"]) == (2, again["days_total"])
    given_up = live.get(f"/backtests/{second}", headers=headers).json()
    assert (
        given_up["error"] == f"the worker running it stopped {MAX_ATTEMPTS} times; not tried again"
    )
    assert given_up["attempts"] == MAX_ATTEMPTS


@pytest.mark.integration
def test_a_run_whose_stock_has_no_bars_fails_with_its_reason(
    committed: sessionmaker[Session], live: TestClient
):
    _, headers = _manager(committed)
    smallcase_id = _published(live, committed, headers)
    queued = live.post(f"/smallcase/{smallcase_id}/backtests", headers=headers, json=ASK)
    run_id = queued.json()["id"]
    with committed() as session, session.begin():  # parameters the API would not accept
        record = session.get_one(BacktestRecord, run_id)
        record.parameters = {**record.parameters, "weights": {"NOSUCH": "100"}}

    assert execute(committed, run_id) == "failed"

    detail = live.get(f"/backtests/{run_id}", headers=headers).json()
    assert "NOSUCH" in detail["error"]
