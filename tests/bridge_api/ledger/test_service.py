from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bridge_api.db.models import Bucket, Cause, JournalEntry, LedgerKind, Posting
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Invalid
from bridge_api.ledger.service import (
    BANK,
    InsufficientBalance,
    Leg,
    balance,
    investor_account,
    named_account,
    post,
)
from tests.bridge_api.factories import make_user

DAY = date(2026, 11, 25)


def _funded(session: Session, amount: str) -> tuple[int, int]:
    bank = named_account(session, BANK, LedgerKind.EXTERNAL)
    investor = investor_account(session, make_user(session).id)
    post(
        session,
        cause=Cause.PAYIN,
        legs=[Leg(bank, CASH, -Decimal(amount)), Leg(investor, CASH, Decimal(amount))],
        effective_on=DAY,
    )
    return bank, investor


def test_a_posting_moves_the_balances_of_both_sides(session: Session):
    bank, investor = _funded(session, "1000.00")

    assert balance(session, investor) == Decimal("1000.00")
    assert balance(session, bank) == Decimal("-1000.00")


def test_an_unbalanced_entry_is_refused_before_it_reaches_the_database(session: Session):
    _, investor = _funded(session, "10.00")

    with pytest.raises(Invalid, match="does not balance"):
        post(
            session,
            cause=Cause.CORRECTION,
            legs=[Leg(investor, CASH, Decimal("1.00"))],
            effective_on=DAY,
        )


def test_the_database_itself_refuses_an_unbalanced_entry(session: Session):
    _, investor = _funded(session, "10.00")
    entry = session.execute(
        text(
            "INSERT INTO journal_entries (cause, memo, effective_on) "
            "VALUES ('correction', '', '2026-11-25') RETURNING id"
        )
    ).scalar_one()

    with pytest.raises(DBAPIError, match="does not balance"):
        session.execute(
            text(
                "INSERT INTO postings (entry_id, account_id, asset, bucket, amount) "
                "VALUES (:e, :a, 'INR', 'settled', 5)"
            ),
            {"e": entry, "a": investor},
        )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE postings SET amount = amount * 2",
        "DELETE FROM journal_entries",
        "TRUNCATE postings",
        "TRUNCATE order_allocations",
        "TRUNCATE account_settlements",
        "TRUNCATE stray_trades",
        "TRUNCATE dp_charges",
    ],
)
def test_the_journal_is_append_only_for_the_application_and_for_the_owner(
    session: Session, statement: str
):
    _funded(session, "10.00")

    with pytest.raises(DBAPIError, match="permission denied"), session.begin_nested():
        session.execute(text(statement))  # the processes act as saras_app
    session.execute(text("RESET ROLE"))  # the owner (here a superuser) meets the triggers
    try:
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text(statement))
    finally:
        session.execute(text("SET ROLE saras_app"))


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE postings DISABLE TRIGGER postings_append_only",
        "ALTER TABLE journal_entries DISABLE TRIGGER ALL",
        "DROP TRIGGER postings_append_only ON postings",
        "UPDATE balances SET amount = amount + 1",
        "INSERT INTO balances (account_id, asset, bucket, amount) VALUES (1, 'INR', 'settled', 1)",
        "DELETE FROM applied_entries",
        "UPDATE journal_entries SET memo = 'rewritten'",
    ],
)
def test_the_application_role_cannot_switch_off_the_rules_or_write_balances(
    session: Session, statement: str
):
    _funded(session, "10.00")

    with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
        session.execute(text(statement))


def test_an_entry_is_added_to_the_balances_once(session: Session):
    bank, investor = _funded(session, "10.00")
    entry = session.execute(
        select(JournalEntry.id).join(Posting).where(Posting.account_id == investor)
    ).scalar_one()

    with pytest.raises(DBAPIError, match="applied_entries"), session.begin_nested():
        session.execute(text("SELECT saras_apply_entry(:e)"), {"e": entry})
    assert balance(session, investor, CASH, Bucket.SETTLED) == Decimal("10.00")
    assert bank


def test_an_investor_balance_never_goes_below_zero(session: Session):
    bank, investor = _funded(session, "100.00")

    with pytest.raises(InsufficientBalance, match=r"short by 0\.01"):
        post(
            session,
            cause=Cause.PAYOUT,
            legs=[Leg(investor, CASH, Decimal("-100.01")), Leg(bank, CASH, Decimal("100.01"))],
            effective_on=DAY,
        )


def test_settled_and_unsettled_cash_are_separate_books(session: Session):
    bank, investor = _funded(session, "100.00")
    post(
        session,
        cause=Cause.CORRECTION,
        legs=[
            Leg(bank, CASH, Decimal("-50.00"), Bucket.UNSETTLED),
            Leg(investor, CASH, Decimal("50.00"), Bucket.UNSETTLED),
        ],
        effective_on=DAY,
    )

    assert balance(session, investor, bucket=Bucket.SETTLED) == Decimal("100.00")
    assert balance(session, investor, bucket=Bucket.UNSETTLED) == Decimal("50.00")
    with pytest.raises(InsufficientBalance):
        post(
            session,
            cause=Cause.PAYOUT,
            legs=[Leg(investor, CASH, Decimal("-120.00")), Leg(bank, CASH, Decimal("120.00"))],
            effective_on=DAY,
        )


def test_fractions_of_a_paisa_or_a_share_are_refused(session: Session):
    bank, investor = _funded(session, "10.00")

    with pytest.raises(Invalid, match="whole number of paise"):
        post(
            session,
            cause=Cause.CORRECTION,
            legs=[Leg(investor, CASH, Decimal("0.005")), Leg(bank, CASH, Decimal("-0.005"))],
            effective_on=DAY,
        )
    with pytest.raises(Invalid, match="whole number of shares"):
        post(
            session,
            cause=Cause.CORRECTION,
            legs=[Leg(investor, "INFY", Decimal("0.5")), Leg(bank, "INFY", Decimal("-0.5"))],
            effective_on=DAY,
        )
