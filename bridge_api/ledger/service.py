"""Posting balanced journal entries and keeping balances current in the same transaction.

Every movement of cash or shares goes through `post`. It checks the legs balance per asset,
writes the entry and its postings, and has the database add them to the balance rows with one
atomic ``INSERT ... ON CONFLICT DO UPDATE`` (row-locked, in a fixed order, so concurrent
postings serialise instead of losing updates) in ``saras_apply_entry``, the only way the
application role can change a balance. An investor's or a subscription's balance may never go
below zero; the outside world and the house may.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import BigInteger, ColumnElement, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from allocator.constants import PAISA
from bridge_api.db.copy import copy_columns, copy_rows, ints, paise
from bridge_api.db.models import (
    Balance,
    Bucket,
    Cause,
    JournalEntry,
    LedgerAccount,
    LedgerKind,
    Posting,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict, Invalid, NotFound

BANK = "external:bank"
MARKET = "external:market"
HOUSE = "house"
CHARGES_PREFIX = "external:charges:"
_GUARDED = (LedgerKind.INVESTOR, LedgerKind.SUBSCRIPTION)
_APPLY_ENTRY = text(
    "SELECT account_id, asset, bucket, amount FROM saras_apply_entry(:entry) WHERE amount < 0"
)
"""The only way balances change: the entry's postings, netted per book, asset and bucket, added
in one ``INSERT ... ON CONFLICT DO UPDATE`` in a fixed row order, once per entry (a database
function the application role may call; it cannot write `balances` itself). Only the balances
left negative come back: an entry of 100,000 postings returns none of its rows otherwise."""
_NEW_SUBSCRIPTION_ACCOUNTS = text(
    "INSERT INTO ledger_accounts (kind, name, subscription_id) "
    "SELECT 'subscription', 'subscription:' || s, s FROM unnest(CAST(:ids AS bigint[])) AS s "
    "ON CONFLICT (name) DO NOTHING"
)


def check_amount(amount: Decimal, field: str = "amount") -> Decimal:
    """A positive amount of whole paise."""
    if amount <= 0 or amount % PAISA:
        raise Invalid(
            f"{field} must be positive whole paise, was {amount}",
            errors=[{"field": field, "message": "must be positive, in whole paise"}],
        )
    return amount


REVERSIBLE = frozenset({Cause.PAYIN, Cause.PAYOUT})
"""Causes whose entries only move cash between a book and the bank, so negating them corrects
them whole. An earmark or a release belongs to an investing intent (and a subscription's
cash), so negating it alone would leave the intent with nothing behind it: it is refused."""


class InsufficientBalance(Conflict):
    """A posting would take an investor's or a subscription's balance below zero."""


@dataclass(frozen=True, slots=True)
class Leg:
    """`amount` of `asset` into account `account_id` (negative: out of it)."""

    account_id: int
    asset: str
    amount: Decimal
    bucket: Bucket = Bucket.SETTLED


def named_account(session: Session, name: str, kind: LedgerKind, **owner: int) -> int:
    """The id of the ledger account called `name`, created on first use (with its `owner`
    column, ``user_id`` or ``subscription_id``, when it has one)."""
    found = session.execute(select(LedgerAccount.id).where(LedgerAccount.name == name)).scalar()
    if found is not None:
        return found  # the usual case: a read, not a write, for read-only requests
    session.execute(
        insert(LedgerAccount)
        .values(name=name, kind=kind, **owner)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return session.execute(select(LedgerAccount.id).where(LedgerAccount.name == name)).scalar_one()


def investor_account(session: Session, user_id: int) -> int:
    """The ledger account of an investor's free cash."""
    return named_account(session, f"investor:{user_id}", LedgerKind.INVESTOR, user_id=user_id)


def subscription_account(session: Session, subscription_id: int) -> int:
    """The ledger account of a subscription (its earmarked cash and its shares)."""
    return named_account(
        session,
        f"subscription:{subscription_id}",
        LedgerKind.SUBSCRIPTION,
        subscription_id=subscription_id,
    )


def charges_account(session: Session, component: str) -> int:
    """The outside account a charge component is paid to (``stt``, ``exchange``, ...)."""
    return named_account(session, CHARGES_PREFIX + component, LedgerKind.EXTERNAL)


def post(
    session: Session,
    *,
    cause: Cause,
    legs: Sequence[Leg],
    effective_on: date,
    memo: str = "",
    created_by: int | None = None,
    batch_id: int | None = None,
    order_id: int | None = None,
    corrects_id: int | None = None,
) -> JournalEntry:
    """Write one balanced journal entry and apply it to the balances.

    Raises
    ------
    Invalid
        If the legs do not balance per asset, or an amount is not whole paise / whole shares.
    InsufficientBalance
        If an investor's or a subscription's balance would go below zero.
    """
    _check_legs(legs)
    entry = JournalEntry(
        cause=cause,
        memo=memo,
        effective_on=effective_on,
        created_by=created_by,
        batch_id=batch_id,
        order_id=order_id,
        corrects_id=corrects_id,
    )
    session.add(entry)
    session.flush()
    _insert_postings(session, entry.id, legs)
    _apply(session, entry.id)
    return entry


@dataclass(frozen=True, slots=True)
class LegBlock:
    """Many legs of one asset and bucket: ``amounts[i]`` into account ``accounts[i]``, in
    whole paise for cash and whole shares otherwise (zeros are left out when posted)."""

    asset: str
    bucket: Bucket
    accounts: npt.NDArray[np.int64]
    amounts: npt.NDArray[np.int64]


def post_blocks(
    session: Session,
    *,
    cause: Cause,
    blocks: Sequence[LegBlock],
    effective_on: date,
    memo: str = "",
    batch_id: int | None = None,
    order_id: int | None = None,
) -> JournalEntry:
    """`post` for legs given as arrays: the same checks (no zero legs, balanced per asset,
    guarded books never below zero), one entry, its postings in one COPY, applied once by
    ``saras_apply_entry``. Amounts are integers, so they are whole units by construction."""
    kept = [
        LegBlock(b.asset, b.bucket, b.accounts[b.amounts != 0], b.amounts[b.amounts != 0])
        for b in blocks
    ]
    kept = [b for b in kept if b.amounts.size]
    if not kept:
        raise Invalid("a journal entry needs postings")
    totals: dict[str, int] = defaultdict(int)
    for block in kept:
        totals[block.asset] += int(block.amounts.sum(dtype=np.int64))
    unbalanced = {
        asset: (Decimal(total).scaleb(-2) if asset == CASH else total)
        for asset, total in totals.items()
        if total
    }
    if unbalanced:
        raise Invalid(f"journal entry does not balance: {unbalanced}")
    entry = JournalEntry(
        cause=cause,
        memo=memo,
        effective_on=effective_on,
        batch_id=batch_id,
        order_id=order_id,
    )
    session.add(entry)
    session.flush()
    size = sum(b.amounts.size for b in kept)
    copy_columns(
        session,
        "postings",
        {
            "entry_id": str(entry.id),
            "account_id": [a for b in kept for a in ints(b.accounts)],
            "asset": [b.asset for b in kept for _ in range(b.amounts.size)],
            "bucket": [str(b.bucket) for b in kept for _ in range(b.amounts.size)],
            "amount": [a for b in kept for a in (paise if b.asset == CASH else ints)(b.amounts)],
        },
        size,
    )
    _apply(session, entry.id)
    return entry


def reverse(
    session: Session, *, entry_id: int, memo: str, created_by: int, effective_on: date
) -> JournalEntry:
    """Correct a mistaken entry with a new one that negates each of its postings.

    The original stays as it was; the correction names it. Reversing an entry twice, or
    reversing a correction, is refused.
    """
    original = session.get(JournalEntry, entry_id)
    if original is None:
        raise NotFound(f"no journal entry {entry_id}")
    if original.cause in (Cause.EARMARK, Cause.RELEASE):
        raise Conflict(
            f"entry {entry_id} is an {original.cause} of an investing intent: withdraw or exit "
            "the subscription instead, so the intent and its cash move together"
        )
    if original.cause not in REVERSIBLE:
        raise Conflict(
            f"entry {entry_id} is a {original.cause}: trades, charges and settlements also move "
            "tax lots and broker records, so they are not reversed by a plain correction"
        )
    if original.corrects_id is not None:
        raise Conflict(f"entry {entry_id} is itself a correction")
    already = session.execute(
        select(JournalEntry.id).where(JournalEntry.corrects_id == entry_id)
    ).first()
    if already is not None:
        raise Conflict(f"entry {entry_id} was already corrected by entry {already.id}")
    postings = session.execute(
        select(Posting).where(Posting.entry_id == entry_id).order_by(Posting.id)
    ).scalars()
    legs = [Leg(p.account_id, p.asset, -p.amount, p.bucket) for p in postings]
    return post(
        session,
        cause=Cause.CORRECTION,
        legs=legs,
        effective_on=effective_on,
        memo=memo,
        created_by=created_by,
        corrects_id=entry_id,
    )


def _insert_postings(session: Session, entry_id: int, legs: Sequence[Leg]) -> None:
    """All of an entry's postings in one COPY: the database checks the balance once per
    statement, so an entry must never be split across statements."""
    copy_rows(
        session,
        "postings",
        ("entry_id", "account_id", "asset", "bucket", "amount"),
        ((entry_id, leg.account_id, leg.asset, str(leg.bucket), leg.amount) for leg in legs),
    )


def _check_legs(legs: Sequence[Leg]) -> None:
    if not legs:
        raise Invalid("a journal entry needs postings")
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for leg in legs:
        if leg.amount == 0:
            raise Invalid(f"a posting of zero {leg.asset} to account {leg.account_id}")
        unit = PAISA if leg.asset == CASH else Decimal(1)
        if leg.amount % unit:
            unit_name = "paise" if leg.asset == CASH else "shares"
            raise Invalid(f"{leg.amount} is not a whole number of {unit_name}")
        totals[leg.asset] += leg.amount
    unbalanced = {asset: total for asset, total in totals.items() if total}
    if unbalanced:
        raise Invalid(f"journal entry does not balance: {unbalanced}")


def _apply(session: Session, entry_id: int) -> None:
    negative = session.execute(_APPLY_ENTRY, {"entry": entry_id}).all()
    if not negative:
        return
    guarded = dict(
        session.execute(
            select(LedgerAccount.id, LedgerAccount.name).where(
                among(LedgerAccount.id, {row.account_id for row in negative}),
                LedgerAccount.kind.in_(_GUARDED),
            )
        ).all()
    )
    for row in negative:
        if row.account_id in guarded:
            raise InsufficientBalance(
                f"{guarded[row.account_id]} would hold {row.amount} {row.asset} ({row.bucket}); "
                f"short by {-row.amount}"
            )


def subscription_accounts(session: Session, subscription_ids: Iterable[int]) -> dict[int, int]:
    """Ledger account ids of many subscriptions at once (created where missing)."""
    wanted = sorted(set(subscription_ids))
    if not wanted:
        return {}
    session.execute(_NEW_SUBSCRIPTION_ACCOUNTS, {"ids": wanted})
    rows = session.execute(
        select(LedgerAccount.subscription_id, LedgerAccount.id).where(
            among(LedgerAccount.subscription_id, wanted)
        )
    ).all()
    return {sid: account for sid, account in rows if sid is not None}


def among(column: SQLCoreOperations[Any], values: Iterable[int]) -> ColumnElement[bool]:
    """``column = ANY(:values)``: one array parameter however many values (an ``IN`` list
    would bind each value, and PostgreSQL takes at most 65,535 parameters)."""
    return column == any_(bindparam(None, sorted(set(values)), type_=ARRAY(BigInteger)))


def balances_of(
    session: Session, account_ids: Iterable[int], asset: str
) -> dict[int, dict[Bucket, Decimal]]:
    """Settled and unsettled balances of one asset for many accounts (missing ones are zero)."""
    wanted = sorted(set(account_ids))
    result: dict[int, dict[Bucket, Decimal]] = {
        a: {Bucket.SETTLED: Decimal(0), Bucket.UNSETTLED: Decimal(0)} for a in wanted
    }
    rows = session.execute(
        select(Balance.account_id, Balance.bucket, Balance.amount).where(
            among(Balance.account_id, wanted), Balance.asset == asset
        )
    ).all()
    for account, bucket, amount in rows:
        result[account][bucket] = amount
    return result


@dataclass(frozen=True, slots=True)
class Book:
    """What one account holds: cash (settled plus unsettled) and shares per symbol."""

    cash: Decimal
    shares: dict[str, int]


def books_of(session: Session, account_ids: Iterable[int]) -> dict[int, Book]:
    """The books of many accounts in one query (shares left out where zero)."""
    wanted = sorted(set(account_ids))
    cash: dict[int, Decimal] = defaultdict(Decimal)
    shares: dict[int, dict[str, int]] = defaultdict(dict)
    rows = session.execute(
        select(Balance.account_id, Balance.asset, func.sum(Balance.amount))
        .where(among(Balance.account_id, wanted))
        .group_by(Balance.account_id, Balance.asset)
    ).all()
    for account, asset, amount in rows:
        if asset == CASH:
            cash[account] += amount
        elif amount:
            shares[account][asset] = int(amount)
    return {a: Book(cash[a], dict(sorted(shares[a].items()))) for a in wanted}


def take_out(account_id: int, asset: str, amount: Decimal, settled: Decimal) -> list[Leg]:
    """Legs taking `amount` out of an account holding `settled` of it settled: settled first,
    then unsettled (a sale's proceeds, which the broker lets it spend before they settle)."""
    from_settled = min(amount, max(settled, Decimal(0)))
    legs = []
    if from_settled:
        legs.append(Leg(account_id, asset, -from_settled, Bucket.SETTLED))
    if amount - from_settled:
        legs.append(Leg(account_id, asset, from_settled - amount, Bucket.UNSETTLED))
    return legs


def balance(
    session: Session, account_id: int, asset: str = CASH, bucket: Bucket | None = None
) -> Decimal:
    """An account's balance of `asset` (one bucket, or both added)."""
    query = select(Balance.amount).where(Balance.account_id == account_id, Balance.asset == asset)
    if bucket is not None:
        query = query.where(Balance.bucket == bucket)
    return sum(session.execute(query).scalars(), Decimal("0.00"))


def holdings(session: Session, account_id: int) -> dict[str, int]:
    """Shares held per symbol (settled plus unsettled), zero balances left out."""
    rows = session.execute(
        select(Balance.asset, Balance.amount).where(
            Balance.account_id == account_id, Balance.asset != CASH
        )
    )
    result: dict[str, int] = defaultdict(int)
    for asset, amount in rows:
        result[asset] += int(amount)
    return {symbol: quantity for symbol, quantity in sorted(result.items()) if quantity}
