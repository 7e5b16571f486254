"""A suggestion's backtest queued for `saras worker`, never run inside a request.

The run tests the suggestion's weights exactly as shown, over the months up to its as-of day
(the day whose bars chose it, so the run is in sample), clipped to the days with bars for every
one of its stocks; `bridge_api.backtest.requested` records it with the suggestion's id.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from bridge_api.backtest import requested
from bridge_api.db.models import BacktestRecord, User
from bridge_api.suggestions import service


def queue_backtest(
    session: Session,
    manager: User,
    smallcase_id: int,
    suggestion_id: int,
    *,
    months: int = 6,
    amount: Decimal = Decimal("100000.00"),
    schedule: str = "monthly",
    subscribers: int = 3,
) -> BacktestRecord:
    """Queue a run of the suggestion's weights (the smallcase's manager or an admin; a
    suggestion of another smallcase is not found)."""
    suggestion = service.one(session, manager, smallcase_id, suggestion_id)
    weights = {s: Decimal(w) for s, w in sorted(suggestion.weights.items())}
    end = suggestion.as_of
    start = end - timedelta(days=round(months * 30.44))
    span = requested.bar_range(session, sorted(weights))
    if span is not None:
        end = min(end, span[1])
        start = max(start, span[0])
    ask = requested.BacktestAsk(
        start=start, end=end, amount=amount, schedule=schedule, subscribers=subscribers
    )
    return requested.request(
        session, manager, smallcase_id, ask, suggested=(suggestion.id, weights)
    )
