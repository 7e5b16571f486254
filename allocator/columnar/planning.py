"""Planning a large batch over numpy arrays, with results identical to `allocator.plan`.

The book is columnar: one row per (account, symbol) with a holding and a full target, rows
sorted by account then symbol, accounts sorted by name, symbols sorted. Every quantity is an
int64 number of shares and every price or amount int64 paise; nothing is ever a float except
the quotient estimates inside `muldiv`, which are corrected exactly. Values too large for int64
arithmetic raise `InvalidInput` instead of wrapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from allocator.columnar.apportion import TieBreaker, split_array
from allocator.columnar.intmath import (
    Int64Array,
    group_sums,
    muldiv,
    require_below,
)
from allocator.constants import CHARGES_RESERVE, DEFAULT_COLLAR
from allocator.domain import (
    Account,
    Crossing,
    Limits,
    Order,
    Participant,
    Plan,
    PlanRequest,
    Side,
    Skip,
    Slice,
    side_rank,
)
from allocator.errors import InvalidInput
from allocator.money import from_paise, to_paise
from allocator.planning import (
    Leg,
    Quote,
    check_accounts,
    check_limits,
    limit_price,
    order_id,
    quote_table,
    slice_and_schedule,
)
from allocator.pricing import Rate, buy_limit

IntpArray = npt.NDArray[np.intp]
_INT64_LIMIT = 2**63


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnarBook:
    """Positions of a batch as arrays (see the module doc for the layout rules)."""

    symbols: tuple[str, ...]
    price: Int64Array
    tick: Int64Array
    accounts: npt.NDArray[np.str_]
    cash: Int64Array
    """Per account, paise; -1 means not funding-limited."""
    row_account: npt.NDArray[np.int32]
    row_symbol: npt.NDArray[np.uint16]
    holding: Int64Array
    target: Int64Array


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnarRequest:
    """A `PlanRequest` whose accounts are a `ColumnarBook`."""

    book: ColumnarBook
    limits: Limits = field(default_factory=Limits)
    batch: str = ""
    collar: Decimal = DEFAULT_COLLAR
    buy_charges_rate: Decimal = CHARGES_RESERVE
    min_trade_value: Decimal = Decimal("0.00")
    cross: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnarOrder:
    """One consolidated order; its statement is `rows` (book rows) asking for `quantities`."""

    id: str
    symbol: str
    side: Side
    quantity: int
    limit_price: int
    rows: IntpArray
    quantities: Int64Array
    slices: tuple[Slice, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnarPlan:
    """Per book row: shares crossed (+ bought, - sold), skipped as small (signed), cut for funds."""

    crossed: Int64Array
    skipped_small: Int64Array
    skipped_funds: Int64Array
    orders: tuple[ColumnarOrder, ...]


def plan_columnar(request: ColumnarRequest) -> ColumnarPlan:
    """Plan a columnar batch by exactly the rules of `allocator.planning`."""
    book = request.book
    _check_book(book)
    check_limits(request.limits)
    collar = Rate.of(request.collar, "collar", below_one=True)
    reserve = Rate.of(request.buy_charges_rate, "buy_charges_rate")
    min_value = to_paise(request.min_trade_value, "min_trade_value")
    quotes = [Quote(p, t) for p, t in zip(book.price.tolist(), book.tick.tolist(), strict=True)]
    buy_limits = np.array([buy_limit(q.price, q.tick, collar) for q in quotes], dtype=np.int64)

    delta = book.target - book.holding
    skipped_small = np.zeros_like(delta)
    if min_value:
        # |delta| * price < min_value  <=>  |delta| < ceil(min_value / price), per symbol.
        threshold = -(-min_value // book.price)
        small = (np.abs(delta) < threshold[book.row_symbol]) & (delta != 0) & (book.target != 0)
        skipped_small[small] = delta[small]
        delta[small] = 0
    skipped_funds = _fund(book, delta, buy_limits, reserve)
    delta -= skipped_funds

    # Symbol-major from here on: each symbol's rows are one contiguous, account-ordered run.
    by_symbol = np.argsort(book.row_symbol, kind="stable")
    bounds = np.searchsorted(book.row_symbol[by_symbol], np.arange(len(book.symbols) + 1))
    wanted = delta[by_symbol]
    crossed = np.zeros_like(delta)
    legs: list[Leg] = []
    statements: list[tuple[IntpArray, Int64Array]] = []
    for index, symbol in enumerate(book.symbols):
        start, end = int(bounds[index]), int(bounds[index + 1])
        run = wanted[start:end]
        rows = by_symbol[start:end]
        sides = {Side.SELL: np.flatnonzero(run < 0), Side.BUY: np.flatnonzero(run > 0)}
        amounts = {Side.SELL: -run[sides[Side.SELL]], Side.BUY: run[sides[Side.BUY]]}
        if request.cross:
            _cross(request, symbol, rows=rows, sides=sides, amounts=amounts, crossed=crossed)
        for side in (Side.SELL, Side.BUY):
            open_ = amounts[side] > 0
            if open_.any():
                quantities = amounts[side][open_]
                total = int(quantities.sum(dtype=np.int64))
                legs.append(Leg(symbol, side, total, limit_price(quotes[index], side, collar)))
                statements.append((rows[sides[side][open_]], quantities))
    orders = tuple(
        ColumnarOrder(
            id=order_id(request.batch, leg.symbol, leg.side),
            symbol=leg.symbol,
            side=leg.side,
            quantity=leg.quantity,
            limit_price=leg.limit,
            rows=rows,
            quantities=quantities,
            slices=slices,
        )
        for leg, (rows, quantities), slices in zip(
            legs, statements, slice_and_schedule(legs, request.limits), strict=True
        )
    )
    return ColumnarPlan(
        crossed=crossed, skipped_small=skipped_small, skipped_funds=skipped_funds, orders=orders
    )


def _fund(
    book: ColumnarBook, delta: Int64Array, buy_limits: Int64Array, reserve: Rate
) -> Int64Array:
    """Shares cut per row so each funded account's buys fit its cash (`allocator.funding`)."""
    cut = np.zeros_like(delta)
    funded = book.cash >= 0
    if not funded.any():
        return cut
    counts = np.bincount(book.row_account, minlength=book.accounts.size)
    rows = np.flatnonzero(funded[book.row_account] & (delta > 0))
    if rows.size == 0:
        return cut
    wanted = delta[rows]
    limits = buy_limits[book.row_symbol[rows]]
    require_below(int(wanted.max()) * int(limits.max()) * int(counts.max()), _INT64_LIMIT, "buys")
    account = book.row_account[rows]
    owners, first = np.unique(account, return_index=True)
    last = np.append(first[1:], account.size)
    cost = np.zeros(book.accounts.size, dtype=np.int64)
    cost[owners] = group_sums(wanted * limits, first, last)
    budget, _ = muldiv(np.maximum(book.cash, 0), reserve.den, reserve.den + reserve.num, "cash")
    over = funded & (cost > budget)
    if not over.any():
        return cut
    keep = over[account]
    rows, account, wanted, limits = rows[keep], account[keep], wanted[keep], limits[keep]
    kept, remainder = muldiv(wanted, budget[account], cost[account], "cash")
    owners, first = np.unique(account, return_index=True)
    last = np.append(first[1:], account.size)
    left = budget[owners] - group_sums(kept * limits, first, last)
    # One pass per account in order of the largest remainder, ties by symbol (rows are in
    # symbol order within an account, and lexsort is stable).
    order = np.lexsort((-remainder, account))
    slot = np.searchsorted(owners, account[order])
    rank = np.arange(order.size) - first[slot]
    for position in range(int(rank.max()) + 1):
        take = order[rank == position]
        owner = np.searchsorted(owners, account[take])
        fits = (remainder[take] > 0) & (limits[take] <= left[owner]) & (kept[take] < wanted[take])
        kept[take[fits]] += 1
        left[owner[fits]] -= limits[take[fits]]
    cut[rows] = wanted - kept
    return cut


def _cross(
    request: ColumnarRequest,
    symbol: str,
    *,
    rows: IntpArray,
    sides: dict[Side, IntpArray],
    amounts: dict[Side, Int64Array],
    crossed: Int64Array,
) -> None:
    """Cross one symbol: reduce `amounts` in place and record the crossing per book row."""
    bought = int(amounts[Side.BUY].sum(dtype=np.int64))
    sold = int(amounts[Side.SELL].sum(dtype=np.int64))
    total = min(bought, sold)
    if total == 0:
        return
    book = request.book
    for side, side_total, sign in ((Side.BUY, bought, 1), (Side.SELL, sold, -1)):
        positions = rows[sides[side]]
        if side_total == total:
            parts = amounts[side].copy()
        else:
            ties = TieBreaker(
                f"{request.batch}:{symbol}", book.accounts, book.row_account[positions]
            )
            parts = split_array(total, amounts[side], ties)
        crossed[positions] = sign * parts
        amounts[side] -= parts


def _check_book(book: ColumnarBook) -> None:
    symbols = len(book.symbols)
    if symbols > np.iinfo(book.row_symbol.dtype).max + 1:
        raise InvalidInput("symbols", f"{symbols} symbols do not fit the book's symbol index")
    if list(book.symbols) != sorted(set(book.symbols)):
        raise InvalidInput("symbols", "must be sorted and unique")
    if book.price.shape != (symbols,) or book.tick.shape != (symbols,):
        raise InvalidInput("price", "needs one price and one tick per symbol")
    if (book.tick <= 0).any() or (book.price <= 0).any():
        raise InvalidInput("price", "prices and ticks must be positive paise")
    off = np.flatnonzero(book.price % book.tick)
    if off.size:
        symbol = book.symbols[int(off[0])]
        raise InvalidInput(
            f"prices.{symbol}", f"price {from_paise(int(book.price[off[0]]))} is off its tick"
        )
    if book.accounts.size > 1 and not (book.accounts[1:] > book.accounts[:-1]).all():
        raise InvalidInput("accounts", "must be sorted by name and unique")
    if book.cash.shape != book.accounts.shape or (book.cash < -1).any():
        raise InvalidInput("cash", "needs one cash amount (or -1) per account")
    rows = book.row_account.size
    if not (book.row_symbol.size == book.holding.size == book.target.size == rows):
        raise InvalidInput("rows", "row arrays differ in length")
    if rows:
        if (
            int(book.row_symbol.max()) >= symbols
            or int(book.row_account.max()) >= book.accounts.size
        ):
            raise InvalidInput("rows", "a row names an unknown account or symbol")
        if int(book.row_account.min()) < 0:
            raise InvalidInput("rows", "a row names an unknown account")
        key = book.row_account.astype(np.int64) * symbols + book.row_symbol
        if not (key[1:] > key[:-1]).all():
            raise InvalidInput("rows", "must be sorted by account then symbol, one row per pair")
        if (book.holding < 0).any() or (book.target < 0).any():
            raise InvalidInput("rows", "holdings and targets must not be negative")


def book_from_request(request: PlanRequest) -> ColumnarRequest:
    """The columnar form of a `PlanRequest`, after the same validation as `allocator.plan`."""
    quotes = quote_table(request.prices, request.tick_size)
    accounts = sorted(check_accounts(request, quotes), key=lambda a: a.account)
    symbols = tuple(sorted(quotes))
    if len(symbols) > np.iinfo(np.uint16).max + 1:
        raise InvalidInput("prices", f"{len(symbols)} symbols: the columnar path takes 65,536")
    index = {s: i for i, s in enumerate(symbols)}
    rows: list[tuple[int, int, int, int]] = []
    for number, account in enumerate(accounts):
        for symbol in sorted(set(account.holdings) | set(account.targets)):
            rows.append(
                (
                    number,
                    index[symbol],
                    account.holdings.get(symbol, 0),
                    account.targets.get(symbol, 0),
                )
            )
    columns = np.array(rows, dtype=np.int64).reshape(-1, 4)
    book = ColumnarBook(
        symbols=symbols,
        price=np.array([quotes[s].price for s in symbols], dtype=np.int64),
        tick=np.array([quotes[s].tick for s in symbols], dtype=np.int64),
        accounts=np.array([a.account for a in accounts], dtype=np.str_),
        cash=np.array([_cash(a) for a in accounts], dtype=np.int64),
        row_account=columns[:, 0].astype(np.int32),
        row_symbol=columns[:, 1].astype(np.uint16),
        holding=columns[:, 2].copy(),
        target=columns[:, 3].copy(),
    )
    return ColumnarRequest(
        book=book,
        limits=request.limits,
        batch=request.batch,
        collar=request.collar,
        buy_charges_rate=request.buy_charges_rate,
        min_trade_value=request.min_trade_value,
        cross=request.cross,
    )


def _cash(account: Account) -> int:
    return -1 if account.cash is None else to_paise(account.cash, "cash")


def to_plan(request: ColumnarRequest, result: ColumnarPlan) -> Plan:
    """The scalar `Plan` for a columnar result (same lists, same order)."""
    book = request.book
    names = book.accounts[book.row_account].tolist()
    symbols = [book.symbols[i] for i in book.row_symbol.tolist()]
    crossings = [
        Crossing(
            symbol=symbols[r],
            account=names[r],
            side=Side.BUY if q > 0 else Side.SELL,
            quantity=abs(q),
            price=from_paise(int(book.price[book.row_symbol[r]])),
        )
        for r, q in _nonzero(result.crossed)
    ]
    skipped = [
        Skip(
            account=names[r],
            symbol=symbols[r],
            side=Side.BUY if q > 0 else Side.SELL,
            quantity=abs(q),
            reason="min_trade_value",
        )
        for r, q in _nonzero(result.skipped_small)
    ] + [
        Skip(account=names[r], symbol=symbols[r], side=Side.BUY, quantity=q, reason="funds")
        for r, q in _nonzero(result.skipped_funds)
    ]
    orders = [
        Order(
            id=o.id,
            symbol=o.symbol,
            side=o.side,
            quantity=o.quantity,
            limit_price=from_paise(o.limit_price),
            participants=tuple(
                Participant(account=names[r], quantity=q)
                for r, q in zip(o.rows.tolist(), o.quantities.tolist(), strict=True)
            ),
            slices=o.slices,
        )
        for o in result.orders
    ]
    return Plan(
        crossings=tuple(sorted(crossings, key=lambda c: (c.symbol, side_rank(c.side), c.account))),
        orders=tuple(orders),
        skipped=tuple(sorted(skipped, key=lambda k: (k.symbol, side_rank(k.side), k.account))),
    )


def _nonzero(values: Int64Array) -> Sequence[tuple[int, int]]:
    rows = np.flatnonzero(values)
    return list(zip(rows.tolist(), values[rows].tolist(), strict=True))
