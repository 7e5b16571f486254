"""One error hierarchy for the bridge and one handler that renders RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from allocator.errors import AllocatorError

PROBLEM_JSON = "application/problem+json"


class BridgeError(Exception):
    """A request the bridge refuses, with the HTTP status and a stable problem type."""

    status = 400
    kind = "bad-request"
    title = "Bad request"
    commit = False
    """True when the transaction's work must be kept although the request fails."""

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class Invalid(BridgeError):
    """The input breaks a rule (each problem named against its field in `errors`)."""

    status = 422
    kind = "invalid"
    title = "Invalid input"


class Unauthorized(BridgeError):
    """No valid credentials."""

    status = 401
    kind = "unauthorized"
    title = "Not signed in"


class Forbidden(BridgeError):
    """Signed in, but not allowed to do this."""

    status = 403
    kind = "forbidden"
    title = "Not allowed"


class NotFound(BridgeError):
    """No such thing (or not yours: the two are indistinguishable on purpose)."""

    status = 404
    kind = "not-found"
    title = "Not found"


class Conflict(BridgeError):
    """The request clashes with the current state (a duplicate, a wrong state, no cash)."""

    status = 409
    kind = "conflict"
    title = "Conflict"


class TooManyAttempts(BridgeError):
    """Throttled: too many recent failures."""

    status = 429
    kind = "too-many-attempts"
    title = "Too many attempts"


class FieldProblem(BaseModel):
    """One problem, named against its field."""

    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document (media type ``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": description}
    for code, description in {
        400: "Bad request",
        401: "Not signed in",
        403: "Not allowed",
        404: "Not found (or not yours)",
        409: "Conflicts with the current state",
        422: "Invalid input, each problem against its field",
        429: "Too many attempts",
    }.items()
}
"""Error responses documented on every route."""


def problem(
    status: int, kind: str, title: str, detail: str, errors: list[dict[str, Any]]
) -> JSONResponse:
    """An RFC 9457 problem document."""
    body: dict[str, Any] = {
        "type": f"https://saras.dev/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install(app: FastAPI) -> None:
    """Render every refusal, including FastAPI's own validation errors, as problem+json."""

    @app.exception_handler(BridgeError)
    async def _bridge(_: Request, error: BridgeError) -> JSONResponse:
        return problem(error.status, error.kind, error.title, error.detail, error.errors)

    @app.exception_handler(AllocatorError)
    async def _allocator(_: Request, error: AllocatorError) -> JSONResponse:
        errors = [{"field": error.field, "message": error.message}]
        return problem(422, "invalid", "Invalid input", str(error), errors)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in error.errors()
        ]
        return problem(
            422, "invalid", "Invalid input", "the request does not match its schema", errors
        )

    @app.exception_handler(DataError)
    async def _data(_: Request, error: DataError) -> JSONResponse:
        return problem(422, "invalid", "Invalid input", "a value does not fit the database", [])

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, error: IntegrityError) -> JSONResponse:
        return problem(409, "conflict", "Conflict", "the change conflicts with existing data", [])

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(error.status_code, "http", str(error.detail), str(error.detail), [])
