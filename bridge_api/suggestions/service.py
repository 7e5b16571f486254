"""Suggestions a manager asks for, kept as shown, and accepted as a new smallcase version.

Accepting goes through the smallcase versioning service (`smallcases.new_version`) and nothing
else: no batch, order or intent is made. For a published smallcase the new version is a
rebalance its subscribers are told about and each accepts or skips, as for any new version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge_api.audit.service import record
from bridge_api.db.models import Bar, Smallcase, Suggestion, SuggestionStatus, User
from bridge_api.errors import Conflict, Invalid, NotFound
from bridge_api.smallcases import service as smallcases
from bridge_api.smallcases.validation import MAX_CONSTITUENTS
from bridge_api.suggestions.backtesting import BacktestRequest, backtest
from bridge_api.suggestions.impact import Impact, impact
from bridge_api.suggestions.propose import Proposal, propose

Backtester = Callable[[str, dict[str, Decimal], BacktestRequest], dict[str, object]]
IN_SAMPLE = (
    "The backtest holds the proposed composition over the months before the as-of day, whose "
    "bars chose it: it is in sample and flatters; the walk-forward evaluation "
    "(`saras suggest evaluate`) is the out-of-sample measure."
)


@dataclass(frozen=True, slots=True)
class _Weight:
    symbol: str
    weight: Decimal


def suggest(
    session: Session,
    manager: User,
    smallcase_id: int,
    *,
    size: int | None = None,
    backtest_request: BacktestRequest | None = None,
    backtester: Backtester = backtest,
) -> Suggestion:
    """A proposal for the smallcase's current version, with its subscribers' turnover and
    charges and (when asked) its backtest, stored as shown (audited)."""
    smallcase = smallcases.owned(session, manager, smallcase_id)
    if size is not None and not 1 <= size <= MAX_CONSTITUENTS:
        raise Invalid(
            "the size is out of range",
            errors=[{"field": "size", "message": f"must be 1 to {MAX_CONSTITUENTS}"}],
        )
    current = smallcases.composition(session, smallcase.id)
    try:
        proposal = propose(session, current=current.weights, size=size)
    except ValueError as error:
        raise Conflict(str(error)) from error
    effect = impact(session, smallcase.id, proposal.weights, proposal.as_of)
    tested = None
    if backtest_request is not None:
        tested = _backtest(backtester, smallcase, proposal, backtest_request)
    suggestion = Suggestion(
        smallcase_id=smallcase.id,
        based_on_version_id=current.version.id,
        as_of=proposal.as_of,
        weights={s: str(w) for s, w in proposal.weights.items()},
        body=_body(proposal, current.version.number, effect, tested),
        status=SuggestionStatus.PROPOSED,
        created_by=manager.id,
    )
    session.add(suggestion)
    session.flush()
    record(
        session,
        actor=manager,
        action="smallcase.suggestion",
        entity="smallcase",
        entity_id=smallcase.id,
        after={"suggestion": suggestion.id, "weights": suggestion.weights},
    )
    return suggestion


def latest_bar_day(session: Session) -> date:
    """The last day with stored bars (a backtest of a proposal ends there)."""
    day = session.execute(select(func.max(Bar.day))).scalar_one()
    if day is None:
        raise Conflict("no bars are stored")
    return day


def listed(session: Session, manager: User, smallcase_id: int, limit: int = 20) -> list[Suggestion]:
    """The smallcase's suggestions, newest first (its manager's or an admin's)."""
    smallcases.owned(session, manager, smallcase_id)
    return list(
        session.execute(
            select(Suggestion)
            .where(Suggestion.smallcase_id == smallcase_id)
            .order_by(Suggestion.id.desc())
            .limit(limit)
        ).scalars()
    )


def one(session: Session, manager: User, smallcase_id: int, suggestion_id: int) -> Suggestion:
    """One suggestion of the smallcase (its manager's or an admin's)."""
    smallcases.owned(session, manager, smallcase_id)
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None or suggestion.smallcase_id != smallcase_id:
        raise NotFound(f"no suggestion {suggestion_id} for smallcase {smallcase_id}")
    return suggestion


def accept(
    session: Session, manager: User, smallcase_id: int, suggestion_id: int, *, note: str
) -> Smallcase:
    """Adopt the suggestion's weights, exactly as shown, as the smallcase's next version;
    refused once it was accepted or another version followed the one it changes."""
    smallcases.owned(session, manager, smallcase_id, lock=True)
    suggestion = one(session, manager, smallcase_id, suggestion_id)
    if suggestion.status is not SuggestionStatus.PROPOSED:
        raise Conflict(f"suggestion {suggestion_id} was already accepted")
    latest = smallcases.composition(session, smallcase_id).version
    if latest.id != suggestion.based_on_version_id:
        raise Conflict(
            f"version {latest.number} followed the version this suggestion changes: "
            "ask for a new suggestion"
        )
    constituents = [_Weight(s, Decimal(w)) for s, w in sorted(suggestion.weights.items())]
    smallcase = smallcases.new_version(
        session,
        manager,
        smallcase_id,
        constituents=constituents,
        note=note or f"suggestion {suggestion.id} as of {suggestion.as_of}",
        description=None,
    )
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.accepted_version_id = smallcases.composition(session, smallcase_id).version.id
    session.flush()
    return smallcase


def _backtest(
    backtester: Backtester, smallcase: Smallcase, proposal: Proposal, request: BacktestRequest
) -> dict[str, object]:
    try:
        result = backtester(f"{smallcase.name} (suggested)", proposal.weights, request)
    except (psycopg.Error, ValueError) as error:
        return {"unavailable": f"the backtest could not run: {error}".splitlines()[0]}
    return {**result, "in_sample": IN_SAMPLE}


def _body(
    proposal: Proposal, version: int, effect: Impact, tested: dict[str, object] | None
) -> dict[str, Any]:
    return {
        **proposal.as_dict(),
        "based_on_version": version,
        "impact": {
            "day": effect.day.isoformat(),
            "subscribers": len(effect.subscribers),
            "value": str(effect.value),
            "traded": str(effect.traded),
            "turnover_percent": str(effect.turnover_percent),
            "charges": str(effect.charges),
            "per_subscriber": [
                {
                    "subscription_id": s.subscription_id,
                    "value": str(s.value),
                    "bought": str(s.bought),
                    "sold": str(s.sold),
                    "turnover_percent": str(s.turnover_percent),
                    "charges": str(s.charges),
                }
                for s in effect.subscribers
            ],
        },
        "backtest": tested,
    }
