"""T+1 settlement on the books of a traded batch."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge_api.db.models import (
    Balance,
    Bucket,
)
from bridge_api.ledger import settlement
from tests.bridge_api.batch_life import (
    DAY,
    make_investors,
    run_batch,
)
from tests.bridge_api.factories import auth


def test_settlement_settles_only_earlier_days_and_each_entry_once(
    client: TestClient, session: Session
):
    _, manager, smallcase, (investor,) = make_investors(client, session, ["90000.00"])
    run_batch(client, session, manager, smallcase)
    (subscription,) = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"]

    same_day = settlement.settle(session, today=DAY)
    next_day = settlement.settle(session, today=date(2026, 11, 26))
    shares_still_t1 = _unsettled(session, "INFY")
    day_after = settlement.settle(session, today=date(2026, 11, 27))
    again = settlement.settle(session, today=date(2026, 11, 27))
    view = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"][0]

    assert same_day.entries == 0
    assert next_day.entries == 0, "a buy's shares are still T1 on T+1 (its cash was settled)"
    assert shares_still_t1 > 0
    assert day_after.entries > 0, "they settle the session after"
    assert again.entries == 0
    assert subscription["holdings"] == view["holdings"]
    unsettled = session.execute(
        select(func.count())
        .select_from(Balance)
        .where(Balance.bucket == Bucket.UNSETTLED, Balance.amount != 0)
    ).scalar_one()
    assert unsettled == 0


def _unsettled(session: Session, asset: str) -> int:
    return session.execute(
        select(func.count())
        .select_from(Balance)
        .where(Balance.bucket == Bucket.UNSETTLED, Balance.asset == asset, Balance.amount != 0)
    ).scalar_one()
