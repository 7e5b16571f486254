"""Every figure of one investor's portfolio in one statement (one round trip to PostgreSQL).

The subscriptions, the balances of their books and of the free-cash account, the cost of the
open lots, the realised gains, the charges paid and the latest close of every symbol held are
each read as columns of arrays (``array_agg`` ordered by each part's unique key, so the arrays
of one part line up) in a single row. `views.portfolio` groups them as it did the seven
queries this replaces; the figures are PostgreSQL's sums, exactly as before.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Subquery,
    bindparam,
    cast,
    func,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from bridge_api.db.models import (
    Balance,
    Bar,
    Cause,
    JournalEntry,
    LedgerAccount,
    LedgerKind,
    LotConsumption,
    Posting,
    Smallcase,
    SmallcaseVersion,
    Subscription,
    TaxLot,
)
from bridge_api.db.models.ledger import CASH


@dataclass(frozen=True, slots=True)
class Book:
    """One subscription's row: what it is and its ledger account (None before it has one)."""

    id: int
    kind: str
    status: str
    smallcase_id: int | None
    smallcase: str | None
    version: int | None
    account_id: int | None


@dataclass(slots=True)
class Figures:
    """The raw figures of one investor's portfolio, grouped as `views` uses them."""

    books: list[Book]
    free: dict[str, Decimal]
    """The free-cash account's cash by bucket."""
    cash: dict[int, dict[str, Decimal]]
    """Each book's cash by bucket, by account."""
    quantities: dict[int, dict[str, int]]
    """Each book's shares by symbol (every bucket summed, zeros kept), by account."""
    costs: dict[int, dict[str, Decimal]]
    """The cost of the open lots by symbol, by subscription."""
    realised: dict[int, Decimal]
    """Proceeds less cost of every lot sale, by subscription."""
    charges: dict[int, Decimal]
    """The sum of the charges' cash postings (negative when paid), by account."""
    prices: dict[str, Decimal]
    """The latest close of every symbol in the balances that has a bar."""


def portfolio_figures(session: Session, user_id: int) -> Figures:
    """Read every figure of `user_id`'s portfolio in one statement."""
    # PostgreSQL would plan this statement afresh at every execution (a custom plan costs it
    # about 1.5 ms, twice the execution), judging the generic plan no cheaper; the generic
    # one is as good for every user (each part is an index lookup by user or account).
    session.execute(_GENERIC)
    row = session.execute(_statement(), {"user_id": user_id}).one()
    session.execute(_AS_BEFORE)
    (ids, kinds, statuses, smallcase_ids, names, versions, accounts) = row[0:7]
    (balance_accounts, assets, buckets, amounts) = row[7:11]
    (cost_subscriptions, cost_symbols, cost_amounts) = row[11:14]
    (realised_subscriptions, realised_amounts) = row[14:16]
    (charge_accounts, charge_amounts) = row[16:18]
    (price_symbols, price_closes) = row[18:20]
    free_account = row[20]
    books = [
        Book(*fields)
        for fields in zip(
            *(
                _list(part)
                for part in (ids, kinds, statuses, smallcase_ids, names, versions, accounts)
            ),
            strict=True,
        )
    ]
    free: dict[str, Decimal] = {}
    cash: dict[int, dict[str, Decimal]] = defaultdict(dict)
    quantities: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for account_id, asset, bucket, amount in zip(
        *map(_list, (balance_accounts, assets, buckets, amounts)), strict=True
    ):
        if asset != CASH:
            quantities[account_id][asset] += int(amount)
        elif account_id == free_account:
            free[bucket] = amount
        else:
            cash[account_id][bucket] = amount
    costs: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for subscription_id, symbol, cost in zip(
        *map(_list, (cost_subscriptions, cost_symbols, cost_amounts)), strict=True
    ):
        costs[subscription_id][symbol] = cost
    return Figures(
        books=books,
        free=free,
        cash=cash,
        quantities=quantities,
        costs=costs,
        realised=dict(zip(_list(realised_subscriptions), _list(realised_amounts), strict=True)),
        charges=dict(zip(_list(charge_accounts), _list(charge_amounts), strict=True)),
        prices=dict(zip(_list(price_symbols), _list(price_closes), strict=True)),
    )


_GENERIC = text("SET LOCAL plan_cache_mode = force_generic_plan")
_AS_BEFORE = text("RESET plan_cache_mode")


def _list(values: list[Any] | None) -> list[Any]:
    """An aggregate over no rows is NULL."""
    return values or []


def _agg(column: ColumnElement[Any], *key: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.array_agg(aggregate_order_by(column, *key))


@cache
def _statement() -> Select[Any]:
    """The statement, built once (its parameter is the user's id)."""
    user = bindparam("user_id", type_=Subscription.user_id.type)
    subs = (
        select(
            Subscription.id.label("id"),
            cast(Subscription.kind, String).label("kind"),
            cast(Subscription.status, String).label("status"),
            Subscription.smallcase_id.label("smallcase_id"),
            Smallcase.name.label("name"),
            SmallcaseVersion.number.label("number"),
            LedgerAccount.id.label("account_id"),
        )
        .outerjoin(Smallcase, Smallcase.id == Subscription.smallcase_id)
        .outerjoin(SmallcaseVersion, SmallcaseVersion.id == Subscription.version_id)
        .outerjoin(LedgerAccount, LedgerAccount.subscription_id == Subscription.id)
        .where(Subscription.user_id == user)
        .cte("subs")
    )
    free = (
        select(LedgerAccount.id)
        .where(LedgerAccount.user_id == user, LedgerAccount.kind == LedgerKind.INVESTOR)
        .scalar_subquery()
    )
    books = select(subs.c.account_id).where(subs.c.account_id.is_not(None))
    balances = (
        select(
            Balance.account_id,
            Balance.asset,
            cast(Balance.bucket, String).label("bucket"),
            Balance.amount,
        )
        .where(Balance.account_id.in_(books) | (Balance.account_id == free))
        .cte("balances_read")
    )
    held = select(balances.c.asset).where(balances.c.asset != CASH).distinct().subquery("held")
    newest = (
        select(Bar.close)
        .where(Bar.symbol == held.c.asset)
        .order_by(Bar.day.desc())
        .limit(1)
        .lateral("newest")
    )
    prices = (
        select(held.c.asset.label("symbol"), newest.c.close).join(newest, true()).subquery("prices")
    )
    costs = (
        select(
            TaxLot.subscription_id,
            TaxLot.symbol,
            func.sum(TaxLot.open_cost).label("cost"),
        )
        .where(TaxLot.subscription_id.in_(select(subs.c.id)), TaxLot.open_quantity > 0)
        .group_by(TaxLot.subscription_id, TaxLot.symbol)
        .subquery("costs")
    )
    realised = (
        select(
            TaxLot.subscription_id,
            func.sum(LotConsumption.proceeds - LotConsumption.cost).label("gain"),
        )
        .join(TaxLot, TaxLot.id == LotConsumption.lot_id)
        .where(TaxLot.subscription_id.in_(select(subs.c.id)))
        .group_by(TaxLot.subscription_id)
        .subquery("realised")
    )
    charges = (
        select(Posting.account_id, func.sum(Posting.amount).label("paid"))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            Posting.account_id.in_(books),
            Posting.asset == CASH,
            JournalEntry.cause == Cause.CHARGES,
        )
        .group_by(Posting.account_id)
        .subquery("charges")
    )
    parts: list[Subquery] = [
        _arrays(
            subs, "id", ("id", "kind", "status", "smallcase_id", "name", "number", "account_id")
        ),
        _arrays(
            balances, ("account_id", "asset", "bucket"), ("account_id", "asset", "bucket", "amount")
        ),
        _arrays(costs, ("subscription_id", "symbol"), ("subscription_id", "symbol", "cost")),
        _arrays(realised, "subscription_id", ("subscription_id", "gain")),
        _arrays(charges, "account_id", ("account_id", "paid")),
        _arrays(prices, "symbol", ("symbol", "close")),
    ]
    columns = [column for part in parts for column in part.c]
    query = select(*columns, free.label("free_account"))
    for part in parts:
        query = query.join(part, true()) if part is not parts[0] else query.select_from(part)
    return query


def _arrays(source: Any, key: str | tuple[str, ...], names: tuple[str, ...]) -> Subquery:
    """One row: each column of `source` aggregated into an array, in the order of `key`
    (labelled after `source`, so no two parts' columns share a name)."""
    keys = [source.c[k] for k in ((key,) if isinstance(key, str) else key)]
    prefix = source.name
    aggregated = (_agg(source.c[n], *keys).label(f"{prefix}_{n}") for n in names)
    return select(*aggregated).select_from(source).subquery(f"{prefix}_arrays")
