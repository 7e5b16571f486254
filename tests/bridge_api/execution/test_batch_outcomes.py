"""What a batch leaves its subscriptions following: the version they hold, exits that closed or
wait. Real path: the engine, the paper venue and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.batches import service as batches
from bridge_api.db.models import (
    Batch,
    BatchState,
    Intent,
    IntentKind,
    IntentStatus,
    Subscription,
    User,
)
from bridge_api.demo.scenario import FIRST_DAY, SECOND_DAY
from tests.bridge_api.execution.support import accept_leaders_v2, paper_day, ready_batch

VIKRAM = {"vikram@saras.demo": "600000.00"}


def _trade(sessions: sessionmaker[Session], day: date, participation: str = "0.10") -> None:
    paper_day(sessions, day, participation=Decimal(participation))


def _rebalance(sessions: sessionmaker[Session], day: date) -> tuple[int, int, int]:
    """Leaders v2 published and accepted by Vikram; (batch, subscription, new version)."""
    with sessions() as session, session.begin():
        subscription, intent, batch = accept_leaders_v2(session, day)
        assert intent.version_id is not None
        return batch, subscription.id, intent.version_id


def _batch(session: Session, manager: User, smallcase_id: int, day: date) -> int:
    batch = batches.create(session, manager, smallcase_id=smallcase_id, prices_before=day)
    batches.approve(session, manager, batch.id)
    return batch.id


def _user(session: Session, email: str) -> User:
    return session.execute(select(User).where(User.email == email)).scalar_one()


def test_a_rebalance_that_filled_nothing_keeps_the_old_version_and_is_retried(
    committed: sessionmaker[Session],
):
    ready_batch(committed, VIKRAM, FIRST_DAY)
    _trade(committed, FIRST_DAY)
    first, subscription, new_version = _rebalance(committed, SECOND_DAY)

    _trade(committed, SECOND_DAY, participation="0")  # no volume: nothing fills
    with committed() as session:
        after_first = session.get(Subscription, subscription).version_id
        intent = session.execute(
            select(Intent).where(Intent.kind == IntentKind.REBALANCE)
        ).scalar_one()
        state, status, note = session.get(Batch, first).state, intent.status, intent.note
    with committed() as session, session.begin():
        manager = _user(session, "manager@saras.demo")
        retry = _batch(
            session, manager, session.get(Subscription, subscription).smallcase_id, SECOND_DAY
        )
    _trade(committed, SECOND_DAY)

    with committed() as session:
        followed = session.get(Subscription, subscription).version_id
        retried = session.get(Batch, retry).state
    assert state is BatchState.PARTIALLY_COMPLETED
    assert after_first != new_version, "it still holds the old basket, so it follows the old one"
    assert status is IntentStatus.PENDING
    assert "targets not reached" in note
    assert retried is BatchState.COMPLETED
    assert followed == new_version
