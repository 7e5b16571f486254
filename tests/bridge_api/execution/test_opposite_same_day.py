"""Same-day opposite orders in one symbol: by default the later side waits for the next
session; with the operator's override both go, and the books charge the day as the exchange
nets it (intraday STT and stamp, no DP for what never left the demat). Real path: the engine,
the paper venue and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.batches import service as batches
from bridge_api.db.models import (
    Batch,
    BatchOrder,
    BatchSkip,
    BatchState,
    Intent,
    IntentStatus,
    JournalEntry,
    LedgerAccount,
    LotConsumption,
    PaperOrder,
    PaperTrade,
    Posting,
    Smallcase,
    Subscription,
    TaxLot,
    User,
)
from bridge_api.demo.scenario import FIRST_DAY, SECOND_DAY
from bridge_api.ledger.service import CHARGES_PREFIX, holdings, subscription_account
from bridge_api.ledger.totals import ledger_balances
from bridge_api.portfolios import intents
from bridge_api.portfolios.cash import payin
from tests.bridge_api.execution.support import (
    INVESTORS,
    assert_exactly_once,
    paper_day,
    ready_batch,
)

TODAY = date(2026, 11, 19)  # the session after FIRST_DAY
NEXT = SECOND_DAY  # the session after TODAY (the sample data's last)


def _trade(sessions: sessionmaker[Session], day: date, *, allow: bool = False) -> list[int]:
    return paper_day(sessions, day, participation=Decimal("1"), opposite_same_day=allow)


def _user(session: Session, email: str) -> User:
    return session.execute(select(User).where(User.email == email)).scalar_one()


def _leaders(session: Session) -> Smallcase:
    return session.execute(select(Smallcase).where(Smallcase.name == "Nifty Leaders")).scalar_one()


def _batch(session: Session) -> int:
    manager = _user(session, "manager@saras.demo")
    batch = batches.create(session, manager, smallcase_id=_leaders(session).id, prices_before=TODAY)
    batches.approve(session, manager, batch.id)
    return batch.id


def _exit(session: Session, email: str) -> None:
    user = _user(session, email)
    subscription = session.execute(
        select(Subscription).where(Subscription.user_id == user.id)
    ).scalar_one()
    intents.exit_subscription(session, user, subscription_id=subscription.id)


def _invest(session: Session, email: str, amount: str) -> None:
    intents.invest(
        session, _user(session, email), smallcase_id=_leaders(session).id, amount=Decimal(amount)
    )


def _sides_sent(session: Session, day: date) -> dict[str, set[str]]:
    sides: dict[str, set[str]] = defaultdict(set)
    for symbol, side in session.execute(
        select(PaperOrder.symbol, PaperOrder.side).where(PaperOrder.session_day == day)
    ).all():
        sides[symbol].add(side)
    return sides


def _exit_and_invest_in_one_batch(
    committed: sessionmaker[Session], amount: str = "60000.00"
) -> int:
    """Asha exits Nifty Leaders (Rs 1.5 lakh) and Meera joins it with `amount`, in one batch of
    TODAY (no crossing): its sells and its buys are in the same six symbols."""
    ready_batch(committed, INVESTORS, FIRST_DAY)
    _trade(committed, FIRST_DAY)
    with committed() as session, session.begin():
        admin, meera = _user(session, "admin@saras.demo"), _user(session, "meera@saras.demo")
        payin(session, admin, user_id=meera.id, amount=Decimal(amount), reference="UTR")
        _exit(session, "asha@saras.demo")
        _invest(session, "meera@saras.demo", amount)
        return _batch(session)


def test_by_default_a_batch_never_buys_what_it_sold_the_same_day_and_repairs_it_next_session(
    committed: sessionmaker[Session],
):
    batch = _exit_and_invest_in_one_batch(committed)

    _trade(committed, TODAY)

    with committed() as session:
        done = session.get(Batch, batch)
        sent = _sides_sent(session, TODAY)
        deferred = session.execute(
            select(BatchSkip.symbol, func.sum(BatchSkip.quantity))
            .where(BatchSkip.batch_id == batch, BatchSkip.reason.startswith("deferred"))
            .group_by(BatchSkip.symbol)
        ).all()
        meera = session.execute(
            select(Subscription).where(
                Subscription.user_id == _user(session, "meera@saras.demo").id
            )
        ).scalar_one()
    assert len(sent) == 6
    assert all(sides == {"SELL"} for sides in sent.values()), sent
    assert done.state is BatchState.PARTIALLY_COMPLETED
    assert "deferred: other side today" in done.reason
    assert {symbol for symbol, _ in deferred} == set(sent)

    with committed() as session, session.begin():
        repair = batches.repair(session, _user(session, "manager@saras.demo"), batch)
        batches.approve(session, _user(session, "manager@saras.demo"), repair.id)
    _trade(committed, NEXT)

    with committed() as session:
        monday = _sides_sent(session, NEXT)
        bought = dict(
            session.execute(
                select(BatchOrder.symbol, BatchOrder.quantity).where(
                    BatchOrder.batch_id == repair.id
                )
            ).all()
        )
        repaired = session.get(Batch, repair.id)
        assert repaired.state is BatchState.COMPLETED, repaired.reason
        held = holdings(session, subscription_account(session, meera.id))
    assert all(sides == {"BUY"} for sides in monday.values())
    assert bought == dict(deferred)
    assert held == bought  # Meera, the only buyer, now holds what was deferred
    assert_exactly_once(committed, NEXT)


def test_an_exit_after_todays_buys_of_its_symbols_waits_for_the_next_session(
    committed: sessionmaker[Session],
):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    _trade(committed, FIRST_DAY)
    with committed() as session, session.begin():
        _invest(session, "meera@saras.demo", "60000.00")
        _batch(session)
    _trade(committed, TODAY)  # the day's buys
    with committed() as session, session.begin():
        _exit(session, "asha@saras.demo")  # a late exit, the same day
        late = _batch(session)

    _trade(committed, TODAY)

    with committed() as session:
        sent = _sides_sent(session, TODAY)
        exit_intent = session.execute(
            select(Intent)
            .join(Subscription, Subscription.id == Intent.subscription_id)
            .where(Subscription.user_id == _user(session, "asha@saras.demo").id)
            .order_by(Intent.id.desc())
            .limit(1)
        ).scalar_one()
        state = session.get(Batch, late).state
    assert all(sides == {"BUY"} for sides in sent.values()), sent
    assert state is BatchState.PARTIALLY_COMPLETED
    assert exit_intent.status is IntentStatus.PENDING  # the next batch takes it

    with committed() as session, session.begin():
        _batch(session)
    _trade(committed, NEXT)
    with committed() as session:
        assert all(sides == {"SELL"} for sides in _sides_sent(session, NEXT).values())
        asha = session.execute(
            select(Subscription).where(Subscription.user_id == _user(session, "asha@saras.demo").id)
        ).scalar_one()
        assert str(asha.status) == "closed"


def _rupee(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def _posted(session: Session, component: str, day: date) -> dict[str, Decimal]:
    """Per symbol, what the day's charges entries (refunds included) posted to a component."""
    rows = session.execute(
        select(BatchOrder.symbol, func.sum(Posting.amount))
        .join(JournalEntry, JournalEntry.order_id == BatchOrder.id)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(
            JournalEntry.cause == "charges",
            JournalEntry.effective_on == day,
            LedgerAccount.name == f"{CHARGES_PREFIX}{component}",
        )
        .group_by(BatchOrder.symbol)
    ).all()
    return {symbol: Decimal(amount) for symbol, amount in rows}


@pytest.mark.parametrize(
    "amount",
    [
        pytest.param("60000.00", id="more sold than bought: the demat is debited"),
        pytest.param("400000.00", id="more bought than sold: nothing leaves the demat"),
    ],
)
def test_with_the_override_the_day_is_charged_as_the_exchange_nets_it(
    committed: sessionmaker[Session], amount: str
):
    _exit_and_invest_in_one_batch(committed, amount)

    _trade(committed, TODAY, allow=True)

    with committed() as session:
        sent = _sides_sent(session, TODAY)
        day: dict[str, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
        for symbol, side, quantity, price in session.execute(
            select(PaperOrder.symbol, PaperOrder.side, PaperTrade.quantity, PaperTrade.price)
            .join(PaperTrade, PaperTrade.order_id == PaperOrder.id)
            .where(PaperOrder.session_day == TODAY)
        ).all():
            day[symbol][side].append(Decimal(quantity))
            day[symbol][f"{side}_value"].append(quantity * price)
        stt, stamp, dp = (_posted(session, c, TODAY) for c in ("stt", "stamp", "dp"))
        buy_lots_stt = dict(
            session.execute(
                select(TaxLot.symbol, func.bool_or(TaxLot.stt_paid))
                .where(TaxLot.acquired_on == TODAY)
                .group_by(TaxLot.symbol)
            ).all()
        )
        adjustments = session.execute(
            select(func.count(), func.sum(LotConsumption.proceeds)).where(
                LotConsumption.quantity == 0
            )
        ).one()
        balanced = ledger_balances(session)
    assert all(sides == {"BUY", "SELL"} for sides in sent.values()), sent
    for symbol, trades in day.items():
        bought, sold = sum(trades["BUY"]), sum(trades["SELL"])
        buy_value, sell_value = sum(trades["BUY_value"]), sum(trades["SELL_value"])
        matched = min(bought, sold)
        # The contract note's rates (shared reference, india_ops_tax.md): intraday STT 0.025%
        # on the matched sell value, 0.1% on the rest; stamp 0.003% on the matched buy value,
        # 0.015% on the rest; DP Rs 15.34 only if more was sold than bought.
        expected_stt = _rupee(
            sell_value * matched / sold * Decimal("0.00025")
            + sell_value * (sold - matched) / sold * Decimal("0.001")
        ) + _rupee(buy_value * (bought - matched) / bought * Decimal("0.001"))
        expected_stamp = _rupee(
            buy_value * matched / bought * Decimal("0.00003")
            + buy_value * (bought - matched) / bought * Decimal("0.00015")
        )
        assert stt[symbol] == expected_stt, symbol
        assert stamp.get(symbol, Decimal(0)) == expected_stamp, symbol
        assert dp.get(symbol, Decimal(0)) == (Decimal("15.34") if sold > bought else 0), symbol
        # a buy wholly netted paid no STT, and its lots say so
        assert buy_lots_stt[symbol] is (bought > sold), symbol
    count, refunded = adjustments
    refunds = sum(1 for t in day.values() if sum(t["BUY"]) >= sum(t["SELL"]))
    assert count == refunds  # Asha, the one seller: her DP came back into her proceeds
    assert (refunded or 0) == refunds * Decimal("15.34")
    assert balanced
    assert_exactly_once(committed, TODAY)
