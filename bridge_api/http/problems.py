"""The HTTP mapping of every error: domain refusals, the allocator's, FastAPI's own validation
errors and database constraint violations, each rendered as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from allocator.errors import AllocatorError
from bridge_api.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    Unavailable,
)

PROBLEM_JSON = "application/problem+json"

STATUS: dict[type[DomainError], tuple[int, str, str]] = {
    Invalid: (422, "invalid", "Invalid input"),
    Unauthorized: (401, "unauthorized", "Not signed in"),
    Forbidden: (403, "forbidden", "Not allowed"),
    NotFound: (404, "not-found", "Not found"),
    Conflict: (409, "conflict", "Conflict"),
    TooManyAttempts: (429, "too-many-attempts", "Too many attempts"),
    Unavailable: (503, "unavailable", "Service unavailable"),
}
"""Status, problem type and title of each domain error class (subclasses inherit theirs)."""
BAD_REQUEST = (400, "bad-request", "Bad request")


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
        500: "Unexpected error (the body names the request id to quote)",
        503: "An outside service did not answer; try again",
    }.items()
}
"""Error responses documented on every route."""


def status_of(error: DomainError) -> tuple[int, str, str]:
    """The status, problem type and title of a domain error (its nearest mapped class)."""
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return BAD_REQUEST


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

    @app.exception_handler(DomainError)
    async def _domain(_: Request, error: DomainError) -> JSONResponse:
        status, kind, title = status_of(error)
        return problem(status, kind, title, error.detail, error.errors)

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
