"""Schemathesis fuzzes every operation of the OpenAPI schema, signed in as an admin: whatever
it sends, the answer is never a 5xx, and every refusal is problem+json."""

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import Session

from bridge_api.db.models import Role
from bridge_api.http.app import create_app
from bridge_api.http.deps import get_session, request_transaction
from tests.bridge_api.factories import auth, make_user

app = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture
def signed_in(session: Session) -> Iterator[dict[str, str]]:
    """Route every request through the test's session, signed in as an admin."""

    def test_session() -> Iterator[Session]:
        with request_transaction(session):
            yield session

    app.dependency_overrides[get_session] = test_session
    yield auth(make_user(session, role=Role.ADMIN))
    app.dependency_overrides.clear()


@schema.parametrize()
@settings(max_examples=15, suppress_health_check=list(HealthCheck), deadline=None)
def test_no_input_gets_a_server_error(case, signed_in):
    response = case.call(headers=signed_in)

    assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text)
    if response.status_code >= 400:
        content_type = response.headers["content-type"]
        if isinstance(content_type, list):
            (content_type,) = content_type
        assert content_type == "application/problem+json", response.text
