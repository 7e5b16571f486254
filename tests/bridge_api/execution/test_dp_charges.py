"""DP is charged once per scrip per day for the account, however many sale orders there were:
the first sale allocated carries it, later ones that day carry none. Real path: the engine, the
paper venue and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from allocator import Side, Trade, delivery_charges
from bridge_api.batches import service as batches
from bridge_api.db.models import (
    BatchOrder,
    DpCharge,
    JournalEntry,
    LedgerAccount,
    Posting,
    Smallcase,
    Subscription,
    User,
)
from bridge_api.demo.scenario import FIRST_DAY, SECOND_DAY
from bridge_api.ledger.service import CHARGES_PREFIX
from bridge_api.portfolios import intents
from tests.bridge_api.execution.support import INVESTORS, paper_day, ready_batch


def _trade(sessions: sessionmaker[Session], day: date) -> list[int]:
    return paper_day(sessions, day)


def _exit(sessions: sessionmaker[Session], email: str, day: date) -> int:
    with sessions() as session, session.begin():
        user = session.execute(select(User).where(User.email == email)).scalar_one()
        manager = session.execute(
            select(User).where(User.email == "manager@saras.demo")
        ).scalar_one()
        subscription = session.execute(
            select(Subscription).where(Subscription.user_id == user.id)
        ).scalar_one()
        intents.exit_subscription(session, user, subscription_id=subscription.id)
        leaders = session.get(Smallcase, subscription.smallcase_id)
        batch = batches.create(session, manager, smallcase_id=leaders.id, prices_before=day)
        batches.approve(session, manager, batch.id)
        return batch.id


def _dp_posted(session: Session, batch_id: int) -> Decimal:
    return Decimal(
        session.execute(
            select(func.coalesce(func.sum(Posting.amount), 0))
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
            .where(
                JournalEntry.batch_id == batch_id,
                LedgerAccount.name == f"{CHARGES_PREFIX}dp",
            )
        ).scalar_one()
    )


def test_two_batches_selling_the_same_scrips_on_one_day_are_charged_one_dp_per_scrip(
    committed: sessionmaker[Session],
):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    _trade(committed, FIRST_DAY)
    first = _exit(committed, "asha@saras.demo", SECOND_DAY)
    _trade(committed, SECOND_DAY)
    second = _exit(committed, "vikram@saras.demo", SECOND_DAY)  # the same scrips, later
    _trade(committed, SECOND_DAY)

    with committed() as session:
        sold = set(
            session.execute(
                select(BatchOrder.symbol).where(
                    BatchOrder.batch_id.in_([first, second]), BatchOrder.side == str(Side.SELL)
                )
            ).scalars()
        )
        per_scrip = delivery_charges(
            SECOND_DAY, [Trade(symbol="X", side=Side.SELL, quantity=1, price=Decimal("1"))]
        ).rupees()["dp"]
        charged = dict(
            session.execute(
                select(DpCharge.symbol, DpCharge.charged_with).where(DpCharge.day == SECOND_DAY)
            ).all()
        )
        first_dp, second_dp = _dp_posted(session, first), _dp_posted(session, second)

    assert len(sold) == 6
    assert per_scrip == Decimal("15.34")
    assert first_dp == per_scrip * len(sold)  # one per scrip, all with the day's first sales
    assert second_dp == 0  # the same scrips again that day: the depository charges nothing more
    assert set(charged) == sold
    assert all(key.startswith(f"b{first}-") for key in charged.values()), charged
