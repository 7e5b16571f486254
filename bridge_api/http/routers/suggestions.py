"""Routes: suggestions for a smallcase's manager, and accepting one as a new version (which
trades nothing: subscribers accept or skip the new version as any other)."""

from __future__ import annotations

from fastapi import APIRouter, status

from bridge_api.db.models import Suggestion
from bridge_api.http.deps import Manager, SessionDep
from bridge_api.http.fields import IdPath
from bridge_api.http.routers.backtests import run_out
from bridge_api.http.schemas.backtests import BacktestRunOut, SuggestionBacktestIn
from bridge_api.http.schemas.suggestions import SuggestionAcceptIn, SuggestionIn, SuggestionOut
from bridge_api.suggestions import service
from bridge_api.suggestions.queued import queue_backtest

router = APIRouter(tags=["suggestions"])


def _out(suggestion: Suggestion) -> SuggestionOut:
    body = suggestion.body
    return SuggestionOut.model_validate(
        {
            **{k: v for k, v in body.items() if k != "backtest"},
            "backtest": body.get("backtest"),
            "id": suggestion.id,
            "smallcase_id": suggestion.smallcase_id,
            "status": suggestion.status,
            "created_at": suggestion.created_at,
            "accepted_version_id": suggestion.accepted_version_id,
        }
    )


@router.post("/smallcase/{smallcase_id}/suggestions", status_code=status.HTTP_201_CREATED)
def make_suggestion(
    smallcase_id: IdPath, body: SuggestionIn, manager: Manager, session: SessionDep
) -> SuggestionOut:
    """Propose a change to the smallcase's current version from the factor screens and the
    model, with reasons and the subscribers' turnover and charges (its manager; nothing is
    traded). Its backtest is queued apart (`POST .../suggestions/{id}/backtest`)."""
    suggestion = service.suggest(session, manager, smallcase_id, size=body.size)
    session.refresh(suggestion)
    return _out(suggestion)


@router.get("/smallcase/{smallcase_id}/suggestions")
def list_suggestions(
    smallcase_id: IdPath, manager: Manager, session: SessionDep
) -> list[SuggestionOut]:
    """The smallcase's latest suggestions, newest first (its manager)."""
    return [_out(s) for s in service.listed(session, manager, smallcase_id)]


@router.get("/smallcase/{smallcase_id}/suggestions/{suggestion_id}")
def get_suggestion(
    smallcase_id: IdPath, suggestion_id: IdPath, manager: Manager, session: SessionDep
) -> SuggestionOut:
    """One suggestion as it was shown (its manager)."""
    return _out(service.one(session, manager, smallcase_id, suggestion_id))


@router.post(
    "/smallcase/{smallcase_id}/suggestions/{suggestion_id}/backtest",
    status_code=status.HTTP_202_ACCEPTED,
)
def backtest_suggestion(
    smallcase_id: IdPath,
    suggestion_id: IdPath,
    body: SuggestionBacktestIn,
    manager: Manager,
    session: SessionDep,
) -> BacktestRunOut:
    """Queue a backtest of the suggestion's weights exactly as shown, over the months up to
    its as-of day (its manager or an admin); `saras worker` runs it and `GET /backtests/{id}`
    shows its progress and figures. Each problem of the body is named against its field."""
    record = queue_backtest(
        session,
        manager,
        smallcase_id,
        suggestion_id,
        months=body.months,
        amount=body.amount,
        schedule=body.schedule,
        subscribers=body.subscribers,
    )
    session.flush()
    session.refresh(record)
    return BacktestRunOut.model_validate(run_out(record))


@router.post("/smallcase/{smallcase_id}/suggestions/{suggestion_id}/accept")
def accept_suggestion(
    smallcase_id: IdPath,
    suggestion_id: IdPath,
    body: SuggestionAcceptIn,
    manager: Manager,
    session: SessionDep,
) -> SuggestionOut:
    """Adopt the suggestion's weights exactly as shown as the smallcase's next version (its
    manager); no batch, order or intent is made."""
    service.accept(session, manager, smallcase_id, suggestion_id, note=body.note)
    return _out(service.one(session, manager, smallcase_id, suggestion_id))
