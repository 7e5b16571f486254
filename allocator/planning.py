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
from collections.abc import Mapping
from dataclasses import dataclass

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
class _Quote:
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
    quotes = _quotes(request)
    collar = Rate.of(request.collar, "collar", below_one=True)
    reserve = Rate.of(request.buy_charges_rate, "buy_charges_rate")
    min_value = to_paise(request.min_trade_value, "min_trade_value")
    _check_limits(request.limits)
    buy_limits = {s: buy_limit(q.price, q.tick, collar) for s, q in quotes.items()}

    buys: Book = defaultdict(dict)
    sells: Book = defaultdict(dict)
    skipped: list[Skip] = []
    for index, account in enumerate(_checked_accounts(request, quotes)):
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


def _quotes(request: PlanRequest) -> dict[str, _Quote]:
    quotes = {}
    for symbol in sorted(request.prices):
        tick = tick_paise(request.tick_size.get(symbol, DEFAULT_TICK), f"tick_size.{symbol}")
        quotes[symbol] = _Quote(price_paise(request.prices[symbol], tick, f"prices.{symbol}"), tick)
    for symbol in sorted(set(request.tick_size) - set(request.prices)):
        tick_paise(request.tick_size[symbol], f"tick_size.{symbol}")
    return quotes


def _check_limits(limits: Limits) -> None:
    positive = {
        "limits.max_quantity.default": limits.max_quantity,
        "limits.orders_per_second": limits.orders_per_second,
        "limits.orders_per_minute": limits.orders_per_minute,
    }
    positive.update(
        {f"limits.max_quantity.{s}": q for s, q in sorted(limits.max_quantity_by_symbol.items())}
    )
    for field, value in positive.items():
        _check_count(field, value, minimum=1)
    _check_count("limits.orders_per_day", limits.orders_per_day, minimum=0)
    _check_count("limits.orders_used_today", limits.orders_used_today, minimum=0)
    if to_paise(limits.max_value, "limits.max_value") <= 0:
        raise InvalidInput("limits.max_value", f"must be positive, was {limits.max_value}")


def _check_count(field: str, value: object, *, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidInput(field, f"must be an integer >= {minimum}, was {value!r}")


def _checked_accounts(request: PlanRequest, quotes: Mapping[str, _Quote]) -> list[Account]:
    seen: set[str] = set()
    for index, account in enumerate(request.accounts):
        where = f"accounts[{index}]"
        if not isinstance(account.account, str) or not account.account:
            raise InvalidInput(
                f"{where}.account", f"must be a non-empty string, was {account.account!r}"
            )
        if account.account in seen:
            raise InvalidInput(f"{where}.account", f"duplicate account {account.account!r}")
        seen.add(account.account)
        for part, positions in (("holdings", account.holdings), ("targets", account.targets)):
            for symbol, quantity in positions.items():
                _check_count(f"{where}.{part}.{symbol}", quantity, minimum=0)
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
    request: PlanRequest, quotes: Mapping[str, _Quote], buys: Book, sells: Book
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
    request: PlanRequest, quotes: Mapping[str, _Quote], collar: Rate, buys: Book, sells: Book
) -> list[Order]:
    limits = request.limits
    max_value = to_paise(limits.max_value, "limits.max_value")
    legs = []
    for symbol in sorted(set(buys) | set(sells)):
        quote = quotes[symbol]
        for side, book in ((Side.SELL, sells), (Side.BUY, buys)):
            statement = sorted((a, q) for a, q in book.get(symbol, {}).items() if q > 0)
            if not statement:
                continue
            quantity = sum(q for _, q in statement)
            if side is Side.BUY:
                limit = buy_limit(quote.price, quote.tick, collar)
            else:
                limit = sell_limit(quote.price, quote.tick, collar)
            cap = slice_cap(
                limits.max_quantity_by_symbol.get(symbol, limits.max_quantity), max_value, limit
            )
            if cap < 1:
                raise LimitExceeded(
                    "limits.max_value",
                    f"{limits.max_value} is less than one share of {symbol} at {from_paise(limit)}",
                )
            legs.append((symbol, side, quantity, limit, statement, slice_sizes(quantity, cap)))

    sequence = sorted(
        (
            (side_rank(side), n, symbol, leg)
            for leg, (symbol, side, *_, sizes) in enumerate(legs)
            for n in range(len(sizes))
        )
    )
    budget = limits.orders_per_day - limits.orders_used_today
    if len(sequence) > budget:
        raise LimitExceeded(
            "limits.orders_per_day",
            f"the plan needs {len(sequence)} orders but only {max(budget, 0)} are left today "
            f"({limits.orders_per_day} less {limits.orders_used_today} used)",
        )
    offsets = send_offsets(len(sequence), limits.orders_per_second, limits.orders_per_minute)
    times: dict[tuple[int, int], int] = {
        (leg, n): t for (_, n, _, leg), t in zip(sequence, offsets, strict=True)
    }
    return [
        Order(
            id=order_id(request.batch, symbol, side),
            symbol=symbol,
            side=side,
            quantity=quantity,
            limit_price=from_paise(limit),
            participants=tuple(Participant(account=a, quantity=q) for a, q in statement),
            slices=tuple(
                Slice(quantity=size, send_after_ms=times[(leg, n)]) for n, size in enumerate(sizes)
            ),
        )
        for leg, (symbol, side, quantity, limit, statement, sizes) in enumerate(legs)
    ]
