"""Routes: a manager's backtests of a smallcase: queue one, list them, read one, open its report.

The report is the same page ``saras backtest`` writes (Plotly inline), served with a policy of
its own: sandboxed (an opaque origin: its scripts cannot reach the app's cookies or storage),
its inline scripts allowed by hash, no connections. The app opens it in a new tab by posting
its access token in a form (`POST .../report`), as a link cannot carry the bearer header and
a token never goes in a URL (docs/web-security.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response

from bridge_api.backtest import requested
from bridge_api.db.models import BacktestRecord, Role
from bridge_api.errors import Conflict, Forbidden, Unauthorized
from bridge_api.http.deps import Manager, SessionDep, SettingsDep
from bridge_api.http.fields import IdPath
from bridge_api.http.schemas.backtests import (
    BacktestDetailOut,
    BacktestFiguresOut,
    BacktestIn,
    BacktestMoneyOut,
    BacktestRunOut,
    BacktestSeriesOut,
    BacktestsOut,
)
from bridge_api.http.webapp import inline_script_hashes
from bridge_api.smallcases.service import composition
from bridge_api.users.service import user_from_access_token

router = APIRouter(tags=["backtests"])
_HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}, "application/json": {}}, "description": "The report"}
}


def report_policy(page: str) -> str:
    """The report page's content security policy (see the module doc)."""
    scripts = " ".join(f"'{h}'" for h in inline_script_hashes(page))
    return (
        f"sandbox allow-scripts; default-src 'none'; script-src {scripts}; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def run_out(record: BacktestRecord) -> dict[str, Any]:
    """A run's fields as `BacktestRunOut` names them."""
    p = record.parameters
    return {
        "id": record.id,
        "smallcase_id": record.smallcase_id,
        "status": record.status,
        "start": p["start"],
        "end": p["end"],
        "amount": p["amount"],
        "schedule": p["schedule"],
        "subscribers": p["subscribers"],
        "weights": p["weights"],
        "suggestion_id": p.get("suggestion_id"),
        "attempts": record.attempts,
        "days_done": record.days_done,
        "days_total": record.days_total,
        "error": record.error,
        "created_at": record.created_at,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
    }


@router.post("/smallcase/{smallcase_id}/backtests", status_code=status.HTTP_202_ACCEPTED)
def queue_backtest(
    smallcase_id: IdPath, body: BacktestIn, manager: Manager, session: SessionDep
) -> BacktestRunOut:
    """Queue a backtest of the smallcase's latest weights (its manager or an admin); a worker
    (`saras worker`) runs it. Each problem of the body is named against its field."""
    ask = requested.BacktestAsk(
        start=body.start,
        end=body.end,
        amount=body.amount,
        schedule=body.schedule,
        subscribers=body.subscribers,
    )
    record = requested.request(session, manager, smallcase_id, ask)
    session.flush()
    session.refresh(record)
    return BacktestRunOut.model_validate(run_out(record))


@router.get("/smallcase/{smallcase_id}/backtests")
def list_backtests(smallcase_id: IdPath, manager: Manager, session: SessionDep) -> BacktestsOut:
    """The smallcase's backtest runs, newest first, with their status and progress, and the
    days a new run may span."""
    runs = requested.runs_of(session, manager, smallcase_id)
    span = requested.bar_range(session, sorted(composition(session, smallcase_id).weights))
    return BacktestsOut(
        first_day=None if span is None else span[0],
        last_day=None if span is None else span[1],
        runs=[BacktestRunOut.model_validate(run_out(r)) for r in runs],
    )


@router.get("/backtests/{run_id}")
def read_backtest(run_id: IdPath, manager: Manager, session: SessionDep) -> BacktestDetailOut:
    """A run's status, progress and, once completed, its figures and daily values."""
    record = requested.run_of(session, manager, run_id)
    summary = record.summary or {}
    figures = summary.get("summary")
    return BacktestDetailOut.model_validate(
        {
            **run_out(record),
            "figures": None if figures is None else BacktestFiguresOut.model_validate(figures),
            "money": None
            if summary.get("money") is None
            else BacktestMoneyOut.model_validate(summary["money"]),
            "series": None
            if record.series is None
            else BacktestSeriesOut.model_validate(record.series),
            "benchmark": summary.get("benchmark"),
            "synthetic_data": summary.get("synthetic_data"),
            "notes": summary.get("notes", []),
        }
    )


def _report(record: BacktestRecord, format_: str) -> Response:
    if record.status != "completed" or record.summary is None or record.report_html is None:
        raise Conflict(f"backtest run {record.id} is {record.status}: it has no report yet")
    if format_ == "json":
        return JSONResponse(record.summary, headers={"cache-control": "no-store"})
    page = record.report_html
    return HTMLResponse(
        page,
        headers={"content-security-policy": report_policy(page), "cache-control": "no-store"},
    )


@router.get("/backtests/{run_id}/report", response_class=HTMLResponse, responses=_HTML)
def report(
    run_id: IdPath,
    manager: Manager,
    session: SessionDep,
    format: Annotated[Literal["html", "json"], Query()] = "html",
) -> Response:
    """The completed run's report: the HTML page ``saras backtest`` writes, or with
    ``?format=json`` its ``summary.json`` (409 while the run is not completed)."""
    return _report(requested.run_of(session, manager, run_id), format)


async def _form_token(request: Request) -> str:
    """The form field ``access_token`` of an ``application/x-www-form-urlencoded`` body."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    tokens = form.get("access_token", [])
    if len(tokens) != 1 or not tokens[0]:
        raise Unauthorized("sign in: this needs the form field access_token")
    return tokens[0]


_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {"access_token": {"type": "string"}},
                    "required": ["access_token"],
                }
            }
        },
    }
}


@router.post(
    "/backtests/{run_id}/report", response_class=HTMLResponse, responses=_HTML, openapi_extra=_FORM
)
def report_in_a_tab(
    run_id: IdPath,
    token: Annotated[str, Depends(_form_token)],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The HTML report for a browser tab: the access token comes as the form field
    ``access_token`` (``application/x-www-form-urlencoded``), never in the URL."""
    user = user_from_access_token(session, token, settings)
    if user.role not in (Role.MANAGER, Role.ADMIN):
        raise Forbidden("this needs the role manager or admin")
    return _report(requested.run_of(session, user, run_id), "html")
