"""Fixtures of the bridge tests: the app, on the test's rolled-back session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bridge_api.http.app import create_app
from bridge_api.http.deps import get_session, request_transaction


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    """The app, with every request using the test's session (its work rolled back after)."""
    app = create_app()

    def test_session() -> Iterator[Session]:
        with request_transaction(session):
            yield session

    app.dependency_overrides[get_session] = test_session
    with TestClient(app) as test_client:
        yield test_client
