"""Driving an algorithm through the Lean stand-in: minutes pass, open limit orders fill (or are
rejected) by a policy, day orders left open expire at 15:30 IST (or, as Lean live may leave
them, stay unanswered), scheduled events fire, and ``on_data`` runs while the market is open,
in that order, every minute."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from tests.algorithms.lean_standin import (
    NSE_CLOSE,
    LimitOrder,
    QCAlgorithm,
    SecurityExchangeHours,
    Slice,
    Symbol,
)

FillPolicy = Callable[[LimitOrder], int]
"""How many more shares of an open order trade this minute (at its limit price)."""
RejectPolicy = Callable[[LimitOrder], str | None]
"""Why the broker rejects an open order, or None."""
MINUTE = timedelta(minutes=1)
ZERODHA_REJECTED = "Zerodha Order Rejected Event: "


def fill_all(order: LimitOrder) -> int:
    """Everything left trades at once."""
    return int(abs(order.quantity) - abs(order._lean_filled))


def fill_share(share: Decimal) -> FillPolicy:
    """A `share` of each order trades in its first minute; the rest never does."""

    def policy(order: LimitOrder) -> int:
        return max(int(abs(order.quantity) * share) - int(abs(order._lean_filled)), 0)

    return policy


def fill_nothing(order: LimitOrder) -> int:
    """Nothing trades."""
    return 0


def never_reject(order: LimitOrder) -> str | None:
    """The broker takes every order."""
    return None


@dataclass
class LeanRun:
    """One run of an algorithm in the stand-in, from `initialize` on."""

    algorithm: QCAlgorithm
    fill: FillPolicy = fill_all
    reject: RejectPolicy = never_reject
    traded: Counter[str] = field(default_factory=Counter)
    expire_at_close: bool = True
    """False: open day orders get no event at the close (what Lean live may do)."""

    @classmethod
    def start(
        cls,
        algorithm_type: type[QCAlgorithm],
        *,
        parameters: dict[str, str],
        at: datetime,
        prices: dict[str, Decimal] | None = None,
        live: bool = False,
        fill: FillPolicy = fill_all,
        reject: RejectPolicy = never_reject,
        expire_at_close: bool = True,
    ) -> LeanRun:
        """Create the algorithm as Lean would and call its `initialize` at `at` (IST)."""
        algorithm = algorithm_type()
        algorithm._lean_parameters = dict(parameters)
        algorithm._lean_live = live
        algorithm._lean_now = at
        algorithm._lean_prices = {s: float(p) for s, p in (prices or {}).items()}
        algorithm.initialize()
        return cls(algorithm, fill, reject, expire_at_close=expire_at_close)

    def run_until(self, end: datetime) -> None:
        """Let the minutes pass up to `end`."""
        algorithm, hours = self.algorithm, SecurityExchangeHours()
        while algorithm.time < end:
            algorithm._lean_now = algorithm.time + MINUTE
            now = algorithm.time
            if hours.is_open(now, False):
                self._trade()
            if now.time() == NSE_CLOSE and self.expire_at_close:
                for order in algorithm.transactions._lean_open():
                    algorithm.transactions._lean_cancel(order, "day order expired at the close")
            for callback in algorithm.schedule._lean_due(now):
                callback()
            if hours.is_open(now, False):
                algorithm.on_data(Slice())

    def set_price(self, ticker: str, price: Decimal) -> None:
        """A price arrives for `ticker`."""
        self.algorithm._lean_prices[ticker] = float(price)
        symbol = Symbol(ticker)
        if symbol in self.algorithm.securities:
            self.algorithm.securities[symbol]._lean_price = float(price)

    def holdings(self) -> dict[str, int]:
        """Net shares bought less sold through Lean, per symbol."""
        return {s: q for s, q in sorted(self.traded.items()) if q}

    def messages(self, kind: str) -> list[str]:
        """What the algorithm logged as `kind` (``debug``, ``log`` or ``error``)."""
        return [text for level, text in self.algorithm._lean_messages if level == kind]

    def _trade(self) -> None:
        transactions = self.algorithm.transactions
        for order in transactions._lean_open():
            reason = self.reject(order)
            if reason is not None:
                transactions._lean_cancel(order, ZERODHA_REJECTED + reason)
                continue
            quantity = min(self.fill(order), int(abs(order.quantity) - abs(order._lean_filled)))
            if quantity > 0:
                signed = quantity if order.quantity > 0 else -quantity
                transactions._lean_fill(order, signed, order.limit_price)
                self.traded[order.symbol.value] += signed
