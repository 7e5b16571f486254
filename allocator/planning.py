"""Planning a batch: from every account's holdings and targets to consolidated broker orders.

The steps, in the contract's order (``shared/contracts/allocator-cli.md``, ``plan``):
validate, deltas, skip small changes, fund buys per account (`allocator.funding`), cross
(`allocator.crossing`, only when asked), one order per symbol and side with its pre-trade
statement, slices (`allocator.slicing`), and one schedule for the whole batch, sells first
(`allocator.scheduling`). For every account and symbol, with + for BUY and - for SELL::

    target - holding == crossings + order participations + skipped
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from allocator.checks import require_count, require_new_name
from allocator.crossing import cross
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
    SkipReason,
    Slice,
    side_rank,
)
from allocator.errors import InvalidInput, LimitExceeded, MissingPrice, MissingTarget
from allocator.funding import fund
from allocator.money import from_paise, to_paise
from allocator.pricing import (
    DEFAULT_TICK,
    Rate,
    buy_limit,
    price_paise,
    sell_limit,
    spendable,
    tick_paise,
)
from allocator.scheduling import send_offsets
from allocator.slicing import slice_cap, slice_sizes

Book = dict[str, dict[str, int]]
"""symbol -> account -> shares (positive) for one side."""


@dataclass(frozen=True, slots=True)
class Quote:
    """A symbol's reference price and tick, in paise."""

    price: int
    tick: int


def plan(request: PlanRequest) -> Plan:
    """Plan a batch (see the module doc and the contract for the rules).

    Raises
    ------
    AllocatorError
        For bad input (naming the field and the value) or a batch that the day's order budget
        or the per-order value cap cannot carry.
    """
    quotes = quote_table(request.prices, request.tick_size)
    collar = Rate.of(request.collar, "collar", below_one=True)
    reserve = Rate.of(request.buy_charges_rate, "buy_charges_rate")
    min_value = to_paise(request.min_trade_value, "min_trade_value")
    check_limits(request.limits)
    buy_limits = {s: buy_limit(q.price, q.tick, collar) for s, q in quotes.items()}

    buys: Book = defaultdict(dict)
    sells: Book = defaultdict(dict)
    skipped: list[Skip] = []
    for index, account in enumerate(check_accounts(request, quotes)):
        name = account.account
        wanted: dict[str, int] = {}
        for symbol in sorted(set(account.holdings) | set(account.targets)):
            target = account.targets.get(symbol, 0)
            delta = target - account.holdings.get(symbol, 0)
            if delta == 0:
                continue
            if target != 0 and abs(delta) * quotes[symbol].price < min_value:
                skipped.append(_skip(name, symbol, delta, "min_trade_value"))
                continue
            wanted[symbol] = delta
        account_buys = {s: d for s, d in wanted.items() if d > 0}
        if account.cash is not None and account_buys:
            cash = to_paise(account.cash, f"accounts[{index}].cash")
            kept = fund(account_buys, buy_limits, spendable(cash, reserve))
            for symbol, quantity in account_buys.items():
                if kept[symbol] < quantity:
                    skipped.append(_skip(name, symbol, quantity - kept[symbol], "funds"))
                wanted[symbol] = kept[symbol]
        for symbol, delta in wanted.items():
            if delta > 0:
                buys[symbol][name] = delta
            elif delta < 0:
                sells[symbol][name] = -delta

    crossings = _cross_all(request, quotes, buys, sells) if request.cross else []
    orders = _orders(request, quotes, collar, buys, sells)
    return Plan(
        crossings=tuple(sorted(crossings, key=lambda c: (c.symbol, side_rank(c.side), c.account))),
        orders=tuple(orders),
        skipped=tuple(sorted(skipped, key=lambda k: (k.symbol, side_rank(k.side), k.account))),
    )


def order_id(batch: str, symbol: str, side: Side) -> str:
    """``{batch}-{symbol}-{side}``, or ``{symbol}-{side}`` without a batch."""
    return f"{batch}-{symbol}-{side}" if batch else f"{symbol}-{side}"


def _skip(account: str, symbol: str, delta: int, reason: SkipReason) -> Skip:
    side = Side.BUY if delta > 0 else Side.SELL
    return Skip(account=account, symbol=symbol, side=side, quantity=abs(delta), reason=reason)


def quote_table(
    prices: Mapping[str, Decimal], tick_size: Mapping[str, Decimal]
) -> dict[str, Quote]:
    """Validated prices and ticks in paise, by symbol (every given tick is checked too)."""
    quotes = {}
    for symbol in sorted(prices):
        tick = tick_paise(tick_size.get(symbol, DEFAULT_TICK), f"tick_size.{symbol}")
        quotes[symbol] = Quote(price_paise(prices[symbol], tick, f"prices.{symbol}"), tick)
    for symbol in sorted(set(tick_size) - set(prices)):
        tick_paise(tick_size[symbol], f"tick_size.{symbol}")
    return quotes


def check_limits(limits: Limits) -> None:
    """Refuse limits that are not positive counts (and a non-positive value cap)."""
    positive = {
        "limits.max_quantity.default": limits.max_quantity,
        "limits.orders_per_second": limits.orders_per_second,
        "limits.orders_per_minute": limits.orders_per_minute,
    }
    positive.update(
        {f"limits.max_quantity.{s}": q for s, q in sorted(limits.max_quantity_by_symbol.items())}
    )
    for field, value in positive.items():
        require_count(field, value, minimum=1)
    require_count("limits.orders_per_day", limits.orders_per_day, minimum=0)
    require_count("limits.orders_used_today", limits.orders_used_today, minimum=0)
    if to_paise(limits.max_value, "limits.max_value") <= 0:
        raise InvalidInput("limits.max_value", f"must be positive, was {limits.max_value}")


def check_accounts(request: PlanRequest, quotes: Mapping[str, Quote]) -> list[Account]:
    """Validate every account (step 1 of the module): names, quantities, targets, prices."""
    seen: set[str] = set()
    for index, account in enumerate(request.accounts):
        where = f"accounts[{index}]"
        require_new_name(f"{where}.account", account.account, seen)
        for part, positions in (("holdings", account.holdings), ("targets", account.targets)):
            for symbol, quantity in positions.items():
                require_count(f"{where}.{part}.{symbol}", quantity, minimum=0)
                if symbol not in quotes:
                    raise MissingPrice(
                        f"prices.{symbol}", f"no price for {symbol!r}, in {where}.{part}"
                    )
        for symbol, quantity in sorted(account.holdings.items()):
            if quantity > 0 and symbol not in account.targets:
                raise MissingTarget(
                    f"{where}.targets.{symbol}",
                    f"held symbol {symbol!r} (holding {quantity}) has no target; "
                    "give 0 to sell it all",
                )
        if account.cash is not None:
            to_paise(account.cash, f"{where}.cash")
    return list(request.accounts)


def _cross_all(
    request: PlanRequest, quotes: Mapping[str, Quote], buys: Book, sells: Book
) -> list[Crossing]:
    crossings = []
    for symbol in sorted(set(buys) & set(sells)):
        crossed_buys, crossed_sells = cross(request.batch, symbol, buys[symbol], sells[symbol])
        price = from_paise(quotes[symbol].price)
        for side, crossed, book in (
            (Side.BUY, crossed_buys, buys),
            (Side.SELL, crossed_sells, sells),
        ):
            for account, quantity in crossed.items():
                crossings.append(
                    Crossing(
                        symbol=symbol, account=account, side=side, quantity=quantity, price=price
                    )
                )
                book[symbol][account] -= quantity
    return crossings


def _orders(
    request: PlanRequest, quotes: Mapping[str, Quote], collar: Rate, buys: Book, sells: Book
) -> list[Order]:
    legs: list[Leg] = []
    statements: list[list[tuple[str, int]]] = []
    for symbol in sorted(set(buys) | set(sells)):
        for side, book in ((Side.SELL, sells), (Side.BUY, buys)):
            statement = sorted((a, q) for a, q in book.get(symbol, {}).items() if q > 0)
            if statement:
                limit = limit_price(quotes[symbol], side, collar)
                legs.append(Leg(symbol, side, sum(q for _, q in statement), limit))
                statements.append(statement)
    return [
        Order(
            id=order_id(request.batch, leg.symbol, leg.side),
            symbol=leg.symbol,
            side=leg.side,
            quantity=leg.quantity,
            limit_price=from_paise(leg.limit),
            participants=tuple(Participant(account=a, quantity=q) for a, q in statement),
            slices=slices,
        )
        for leg, statement, slices in zip(
            legs, statements, slice_and_schedule(legs, request.limits), strict=True
        )
    ]


@dataclass(frozen=True, slots=True)
class Leg:
    """One consolidated order before slicing: `limit` in paise."""

    symbol: str
    side: Side
    quantity: int
    limit: int


def limit_price(quote: Quote, side: Side, collar: Rate) -> int:
    """The order's limit price in paise: the reference moved by the collar, on the tick."""
    if side is Side.BUY:
        return buy_limit(quote.price, quote.tick, collar)
    return sell_limit(quote.price, quote.tick, collar)


def slice_and_schedule(legs: Sequence[Leg], limits: Limits) -> list[tuple[Slice, ...]]:
    """Slices for every leg, timed by one batch-wide schedule (steps 7 and 8 of the module).

    Sells go before buys; within a side, every order's first slice (by symbol), then every
    order's second slice, and so on.
    """
    max_value = to_paise(limits.max_value, "limits.max_value")
    caps = []
    for leg in legs:
        cap = slice_cap(
            limits.max_quantity_by_symbol.get(leg.symbol, limits.max_quantity), max_value, leg.limit
        )
        if cap < 1:
            raise LimitExceeded(
                "limits.max_value",
                f"{limits.max_value} is less than one share of {leg.symbol} "
                f"at {from_paise(leg.limit)}",
            )
        caps.append(cap)
    needed = sum(-(-leg.quantity // cap) for leg, cap in zip(legs, caps, strict=True))
    budget = limits.orders_per_day - limits.orders_used_today
    if needed > budget:
        raise LimitExceeded(
            "limits.orders_per_day",
            f"the plan needs {needed} orders but only {max(budget, 0)} are left today "
            f"({limits.orders_per_day} less {limits.orders_used_today} used)",
        )
    sizes_by_leg = [slice_sizes(leg.quantity, cap) for leg, cap in zip(legs, caps, strict=True)]
    sequence = sorted(
        (side_rank(leg.side), n, leg.symbol, index)
        for index, (leg, sizes) in enumerate(zip(legs, sizes_by_leg, strict=True))
        for n in range(len(sizes))
    )
    offsets = send_offsets(len(sequence), limits.orders_per_second, limits.orders_per_minute)
    times = {(index, n): t for (_, n, _, index), t in zip(sequence, offsets, strict=True)}
    return [
        tuple(Slice(quantity=size, send_after_ms=times[(index, n)]) for n, size in enumerate(sizes))
        for index, sizes in enumerate(sizes_by_leg)
    ]
