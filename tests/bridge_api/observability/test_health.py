"""Liveness and readiness: ready only when the database answers at the code's migration."""

from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bridge_api.http.app import create_app
from bridge_api.http.deps import get_session
from bridge_api.observability.health import head_revision


def test_liveness_needs_nothing_but_the_process(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_ready_at_the_newest_migration(client):
    answer = client.get("/readyz")

    assert answer.status_code == 200
    assert answer.json() == {
        "ready": True,
        "database": "ok",
        "revision": head_revision(),
        "head": head_revision(),
    }


def test_a_database_behind_the_code_is_not_ready(client, session):
    session.execute(text("UPDATE alembic_version SET version_num = '0001'"))

    answer = client.get("/readyz")

    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "5"
    assert "at migration 0001" in answer.json()["detail"]
    assert "saras db upgrade" in answer.json()["detail"]


def test_a_database_that_does_not_answer_is_not_ready():
    nowhere = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = create_app()

    def unreachable() -> Iterator[Session]:
        with Session(nowhere) as session:
            yield session

    app.dependency_overrides[get_session] = unreachable
    with TestClient(app) as client:
        answer = client.get("/readyz")

    assert answer.status_code == 503
    assert answer.json()["title"] == "Not ready"
    assert "did not answer" in answer.json()["detail"]


def test_operations_routes_stay_out_of_the_api_schema(client):
    paths = client.get("/openapi.json").json()["paths"]

    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)
