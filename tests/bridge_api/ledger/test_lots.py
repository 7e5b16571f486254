from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.db.models import Cause, JournalEntry, Subscription, SubscriptionKind, TaxLot
from bridge_api.errors import Conflict
from bridge_api.ledger.lots import Sale, add_lot, consume_fifo, consume_fifo_many
from tests.bridge_api.factories import make_user


def _subscription(session: Session) -> tuple[int, int]:
    subscription = Subscription(user_id=make_user(session).id, kind=SubscriptionKind.DIRECT)
    entry = JournalEntry(cause=Cause.CORRECTION, effective_on=date(2026, 1, 1))
    session.add_all([subscription, entry])
    session.flush()
    return subscription.id, entry.id


def test_sales_take_the_oldest_lots_first_with_their_cost(session: Session):
    subscription, entry = _subscription(session)
    add_lot(
        session,
        subscription_id=subscription,
        symbol="INFY",
        acquired_on=date(2025, 1, 2),
        quantity=10,
        cost=Decimal("15000.00"),
        entry_id=entry,
        stt_paid=True,
    )
    add_lot(
        session,
        subscription_id=subscription,
        symbol="INFY",
        acquired_on=date(2025, 6, 2),
        quantity=10,
        cost=Decimal("17000.00"),
        entry_id=entry,
        stt_paid=True,
    )
    session.flush()

    taken = consume_fifo(
        session,
        subscription_id=subscription,
        symbol="INFY",
        quantity=15,
        proceeds=Decimal("24000.00"),
        sold_on=date(2026, 1, 5),
        entry_id=entry,
        stt_paid=True,
    )

    assert [(c.quantity, c.cost) for c in taken] == [
        (10, Decimal("15000.00")),
        (5, Decimal("8500.00")),
    ]
    assert sum(c.proceeds for c in taken) == Decimal("24000.00")
    assert [c.proceeds for c in taken] == [Decimal("16000.00"), Decimal("8000.00")]


def test_selling_more_than_the_lots_hold_is_refused(session: Session):
    subscription, entry = _subscription(session)
    add_lot(
        session,
        subscription_id=subscription,
        symbol="TCS",
        acquired_on=date(2025, 1, 2),
        quantity=3,
        cost=Decimal("9000.00"),
        entry_id=entry,
        stt_paid=True,
    )
    session.flush()

    with pytest.raises(Conflict):
        consume_fifo(
            session,
            subscription_id=subscription,
            symbol="TCS",
            quantity=4,
            proceeds=Decimal("1.00"),
            sold_on=date(2026, 1, 5),
            entry_id=entry,
            stt_paid=True,
        )


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lots=st.lists(
        st.tuples(st.integers(1, 50), st.integers(1, 10_000_000)), min_size=1, max_size=5
    ),
    sales=st.lists(st.tuples(st.integers(1, 50), st.integers(0, 10_000_000)), max_size=5),
)
def test_lot_costs_are_conserved_to_the_paisa_across_partial_sales(session: Session, lots, sales):
    subscription, entry = _subscription(session)
    for n, (quantity, cost) in enumerate(lots):
        add_lot(
            session,
            subscription_id=subscription,
            symbol="INFY",
            acquired_on=date(2025, 1, 1 + n),
            quantity=quantity,
            cost=Decimal(cost) / 100,
            entry_id=entry,
            stt_paid=True,
        )
    session.flush()
    held = sum(q for q, _ in lots)
    taken_cost = Decimal(0)
    for quantity, proceeds in sales:
        if quantity > held:
            break
        taken = consume_fifo(
            session,
            subscription_id=subscription,
            symbol="INFY",
            quantity=quantity,
            proceeds=Decimal(proceeds) / 100,
            sold_on=date(2026, 1, 1),
            entry_id=entry,
            stt_paid=True,
        )
        held -= quantity
        taken_cost += sum(c.cost for c in taken)
        assert sum(c.proceeds for c in taken) == Decimal(proceeds) / 100
        assert sum(c.quantity for c in taken) == quantity
    session.flush()
    open_cost = sum(
        session.execute(
            select(TaxLot.open_cost).where(TaxLot.subscription_id == subscription)
        ).scalars()
    )
    assert open_cost + taken_cost == sum(Decimal(c) / 100 for _, c in lots)


def test_a_short_sale_among_many_is_named_first_in_the_order_of_the_sales(session: Session):
    first, entry = _subscription(session)
    second, _ = _subscription(session)
    third, _ = _subscription(session)
    for subscription, quantity in ((first, 5), (second, 2), (third, 1)):
        add_lot(
            session,
            subscription_id=subscription,
            symbol="TCS",
            acquired_on=date(2025, 1, 2),
            quantity=quantity,
            cost=Decimal("100.00") * quantity,
            entry_id=entry,
            stt_paid=True,
        )
    session.flush()

    with pytest.raises(Conflict, match=rf"subscription {third} has 1 TCS in its lots, sells 3"):
        consume_fifo_many(
            session,
            symbol="TCS",
            sales=[
                Sale(first, 5, Decimal("1.00")),
                Sale(third, 3, Decimal("1.00")),
                Sale(second, 4, Decimal("1.00")),
            ],
            sold_on=date(2026, 1, 5),
            entry_id=entry,
            stt_paid=True,
        )
