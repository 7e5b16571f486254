"""The columnar allocation path books exactly what the old per-leg path booked.

Random small orders (buys and sells, partial fills, several fills, charge components, cash
short of the charges, sales over several lots, statements the books cannot cover) are
finalised both ways from the same state, each in its own savepoint, and everything either
wrote is compared: journal entries, postings, balances, order allocations, tax lots and their
open quantities, lot consumptions, or the error each refused with.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from allocator import Side
from allocator.charges import COMPONENTS
from allocator.errors import InvalidInput
from bridge_api.db.models import (
    Batch,
    BatchOrder,
    BrokerTrade,
    Bucket,
    Cause,
    JournalEntry,
    LedgerKind,
    OrderStatus,
    Role,
    Subscription,
    SubscriptionKind,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.execution import allocation
from bridge_api.ledger.lots import add_lot
from bridge_api.ledger.service import (
    HOUSE,
    Leg,
    charges_account,
    named_account,
    post,
    subscription_account,
)
from tests.bridge_api.execution.reference_allocation import reference_finalize
from tests.bridge_api.factories import make_user

DAY = date(2026, 11, 20)
SYMBOL = "INFY"


@st.composite
def holdings(draw, side: Side):
    """(settled cash, unsettled cash in paise, lots (shares, cost in paise), shares still
    unsettled, shares asked); now and then a statement the books cannot cover."""
    short = draw(st.integers(0, 9)) == 0
    cash = st.integers(0, 5_000_00) if short else st.integers(0, 300_000_00)
    lots = draw(
        st.lists(
            st.tuples(st.integers(1, 30), st.integers(1, 900_000)),
            min_size=0 if short or side is Side.BUY else 1,
            max_size=3,
        )
    )
    asked = draw(st.integers(1, 40))
    if side is Side.SELL and not short:
        asked = min(asked, sum(q for q, _ in lots))
    return draw(cash), draw(st.integers(0, 2_000_00)), lots, draw(st.integers(0, 10)), asked


@st.composite
def orders(draw):
    side = draw(st.sampled_from([Side.BUY, Side.SELL]))
    participants = draw(st.lists(holdings(side), min_size=1, max_size=6))
    asked = sum(p[4] for p in participants)
    fills = draw(
        st.lists(st.tuples(st.integers(1, 20), st.integers(1, 300_000)), max_size=3).filter(
            lambda fs: sum(q for q, _ in fs) <= asked
        )
    )
    names = draw(st.sets(st.sampled_from(COMPONENTS), min_size=1))  # the day's note names some
    charges = {n: Decimal(draw(st.integers(0, 3_000_00))).scaleb(-2) for n in sorted(names)}
    if not fills:
        charges = dict.fromkeys(charges, Decimal("0.00"))
    return side, participants, fills, charges


def _order(session: Session, side, participants, fills) -> BatchOrder:
    manager = make_user(session, role=Role.MANAGER)
    batch = Batch(created_by=manager.id)
    session.add(batch)
    session.flush()
    order = BatchOrder(
        batch_id=batch.id,
        key=f"b{batch.id}-{SYMBOL}-{side}",
        symbol=SYMBOL,
        side=str(side),
        quantity=sum(p[4] for p in participants),
        limit_price=Decimal("1500.00"),
    )
    session.add(order)
    session.flush()
    bank = named_account(session, "external:bank", LedgerKind.EXTERNAL)
    market = named_account(session, "external:market", LedgerKind.EXTERNAL)
    named_account(session, HOUSE, LedgerKind.HOUSE)  # made here so both paths see one id
    for name in COMPONENTS:
        charges_account(session, name)
    for settled, unsettled, lots, unsettled_shares, asked in participants:
        subscription = Subscription(user_id=make_user(session).id, kind=SubscriptionKind.DIRECT)
        session.add(subscription)
        session.flush()
        account = subscription_account(session, subscription.id)
        shares = sum(q for q, _ in lots)
        late = min(unsettled_shares, shares)
        legs = [
            Leg(account, CASH, Decimal(settled).scaleb(-2), Bucket.SETTLED),
            Leg(account, CASH, Decimal(unsettled).scaleb(-2), Bucket.UNSETTLED),
            Leg(account, SYMBOL, Decimal(shares - late), Bucket.SETTLED),
            Leg(account, SYMBOL, Decimal(late), Bucket.UNSETTLED),
        ]
        legs = [leg for leg in legs if leg.amount]
        legs += (
            [Leg(bank, CASH, -(settled + unsettled) / Decimal(100))] if settled + unsettled else []
        )
        legs += [Leg(market, SYMBOL, Decimal(-shares))] if shares else []
        entry = None
        if legs:
            entry = post(session, cause=Cause.CORRECTION, legs=legs, effective_on=date(2026, 1, 1))
        for n, (quantity, cost) in enumerate(lots):
            assert entry is not None
            add_lot(
                session,
                subscription_id=subscription.id,
                symbol=SYMBOL,
                acquired_on=date(2025, 1 + n % 2, 1),  # two lots may share a date
                quantity=quantity,
                cost=Decimal(cost).scaleb(-2),
                entry_id=entry.id,
                stt_paid=True,
            )
        session.execute(
            text(
                "INSERT INTO order_participants (order_id, subscription_id, quantity) "
                "VALUES (:o, :s, :q)"
            ),
            {"o": order.id, "s": subscription.id, "q": asked},
        )
    for n, (quantity, price) in enumerate(fills):
        session.add(
            BrokerTrade(
                broker_trade_id=f"T{n}",
                order_id=order.id,
                quantity=quantity,
                price=Decimal(price).scaleb(-2),
                traded_at=datetime(2026, 11, 20, 5, n, tzinfo=UTC),
            )
        )
    session.flush()
    return order


def _booked(session: Session, order: BatchOrder) -> dict[str, list[tuple]]:
    """Everything an allocation of `order` writes, without the ids that differ run to run."""
    session.flush()
    entries = "SELECT id FROM journal_entries WHERE order_id = :o"
    subscriptions = "SELECT subscription_id FROM order_participants WHERE order_id = :o"
    queries = {
        "entries": "SELECT cause, memo, effective_on, batch_id FROM journal_entries "
        "WHERE order_id = :o",
        "postings": "SELECT e.cause, p.account_id, p.asset, p.bucket, p.amount FROM postings p "
        "JOIN journal_entries e ON e.id = p.entry_id WHERE e.order_id = :o",
        "balances": "SELECT account_id, asset, bucket, amount FROM balances",
        "allocations": "SELECT subscription_id, requested, quantity, value, charges, stt, "
        "components::text FROM order_allocations WHERE order_id = :o",
        "lots": "SELECT id, subscription_id, symbol, acquired_on, quantity, cost, "
        "open_quantity, open_cost, stt_paid FROM tax_lots WHERE subscription_id IN ("
        + subscriptions
        + ") AND entry_id NOT IN ("
        + entries
        + ")",
        "new lots": "SELECT subscription_id, symbol, acquired_on, quantity, cost, "
        "open_quantity, open_cost, stt_paid FROM tax_lots WHERE entry_id IN (" + entries + ")",
        "consumptions": "SELECT lot_id, sold_on, quantity, cost, proceeds, stt_paid "
        "FROM lot_consumptions WHERE entry_id IN (" + entries + ")",
    }
    return {
        name: sorted(tuple(row) for row in session.execute(text(query), {"o": order.id}))
        for name, query in queries.items()
    }


def _run(session: Session, book) -> tuple[dict[str, list[tuple]] | None, str | None, int]:
    savepoint = session.begin_nested()
    try:
        book()
        order = session.execute(select(BatchOrder).order_by(BatchOrder.id.desc())).scalars()
        latest = next(iter(order))
        booked = _booked(session, latest)
        entry = session.execute(
            select(JournalEntry.id).where(
                JournalEntry.order_id == latest.id, JournalEntry.cause == Cause.ORDER_ALLOCATION
            )
        ).scalar_one_or_none()
        return booked, None, entry or 0
    except Exception as error:  # both paths must refuse alike, whatever the error
        return None, f"{type(error).__name__}: {error}", 0
    finally:
        savepoint.rollback()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(order=orders())
def test_the_columnar_path_books_exactly_what_the_old_path_booked(session: Session, order):
    side, participants, fills, charges = order
    outer = session.begin_nested()
    try:
        placed = _order(session, side, participants, fills)
        house = named_account(session, HOUSE, LedgerKind.HOUSE)
        new, new_error, entry = _run(
            session,
            lambda: allocation.finalize_order(
                session, order_key=placed.key, reason="filled", trade_date=DAY, charges=charges
            ),
        )
        old, old_error, _ = _run(
            session,
            lambda: reference_finalize(
                session, order_key=placed.key, trade_date=DAY, charges=charges, seed_entry=entry
            ),
        )
    finally:
        outer.rollback()

    event(f"refused {side}: {old_error.split(':')[0]}" if old_error else f"booked {side}")
    if old and old["consumptions"] and any(lot[6] and lot[6] < lot[4] for lot in old["lots"]):
        event("a lot partly consumed")
    if old and any(row[1] == house for row in old["postings"]):
        event("the house paid charges")
    if old_error is not None or new_error is not None:
        assert (new_error or "").split(":")[0] == (old_error or "").split(":")[0]
        return
    assert new is not None
    assert old is not None
    for table in old:
        assert new[table] == old[table], table


@pytest.mark.parametrize("charges", [{}, {"total": Decimal("12.40")}])
def test_charges_naming_no_component_are_refused_and_the_order_stays_open(
    session: Session, charges
):
    placed = _order(session, Side.BUY, [(500_000_00, 0, [], 0, 10)], [(10, 150_000)])

    with pytest.raises(InvalidInput, match="charges: names no component; give at least one of stt"):
        allocation.finalize_order(
            session, order_key=placed.key, reason="filled", trade_date=DAY, charges=charges
        )

    assert placed.status is not OrderStatus.FINAL
    assert (
        session.execute(select(JournalEntry.id).where(JournalEntry.order_id == placed.id)).all()
        == []
    )
