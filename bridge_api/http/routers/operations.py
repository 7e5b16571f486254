"""Routes for the operator's machinery, not the API's users: liveness (``/healthz``),
readiness (``/readyz``: the database answers and is at the newest migration) and Prometheus's
``/metrics``. None needs a sign-in; none is in the API's schema."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from bridge_api.db.session import session_factory
from bridge_api.http.deps import SessionDep
from bridge_api.http.problems import problem
from bridge_api.observability import health
from bridge_api.observability.exposition import CONTENT_TYPE, Exposition

router = APIRouter(include_in_schema=False)


@cache
def get_exposition() -> Exposition:
    """The process's ``/metrics`` (its database gauges read through the process's sessions)."""
    return Exposition(session_factory())


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers (restart it when it does not)."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(session: SessionDep) -> JSONResponse:
    """Readiness: 200 when the database answers at the code's migration, else 503
    problem+json saying which."""
    outcome = health.check(session)
    if outcome.ready:
        return JSONResponse(outcome.as_json())
    if outcome.database != "ok":
        detail = f"the database did not answer: {outcome.database}"
    else:
        detail = (
            f"the database is at migration {outcome.revision or 'none'}, the code at "
            f"{outcome.head}: run `saras db upgrade`"
        )
    response = problem(503, "not-ready", "Not ready", detail, [])
    response.headers["retry-after"] = "5"
    return response


@router.get("/metrics")
def metrics(exposition: Annotated[Exposition, Depends(get_exposition)]) -> Response:
    """Every metric in Prometheus's text format."""
    return Response(exposition.render(), media_type=CONTENT_TYPE)
