"""The rules of a smallcase composition, each problem reported against its field."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Protocol

from bridge_api.errors import Invalid

MAX_CONSTITUENTS = 50
HUNDRED = Decimal(100)
_WEIGHT_STEP = Decimal("0.0001")


class Weighted(Protocol):
    """Anything with a symbol and a weight in percent."""

    @property
    def symbol(self) -> str:
        """The constituent's symbol."""

    @property
    def weight(self) -> Decimal:
        """Its weight in percent."""


def check_composition(constituents: Sequence[Weighted], known: Collection[str]) -> None:
    """1 to 50 known, distinct symbols with positive weights (at most four decimals) summing
    exactly to 100; raises `Invalid` listing every problem against its field."""
    problems: list[dict[str, str]] = []
    if not 1 <= len(constituents) <= MAX_CONSTITUENTS:
        problems.append(
            {
                "field": "constituents",
                "message": f"needs 1 to {MAX_CONSTITUENTS} constituents, has {len(constituents)}",
            }
        )
    seen: set[str] = set()
    for index, item in enumerate(constituents):
        where = f"constituents.{index}"
        if item.symbol not in known:
            problems.append(
                {"field": f"{where}.symbol", "message": f"unknown symbol {item.symbol!r}"}
            )
        if item.symbol in seen:
            problems.append(
                {"field": f"{where}.symbol", "message": f"{item.symbol!r} appears twice"}
            )
        seen.add(item.symbol)
        if item.weight <= 0:
            problems.append(
                {"field": f"{where}.weight", "message": f"must be positive, was {item.weight}"}
            )
        elif item.weight % _WEIGHT_STEP:
            problems.append(
                {"field": f"{where}.weight", "message": f"at most four decimals, was {item.weight}"}
            )
    total = sum((item.weight for item in constituents), Decimal(0))
    if constituents and total != HUNDRED:
        problems.append(
            {"field": "constituents", "message": f"weights must sum exactly to 100, sum to {total}"}
        )
    if problems:
        raise Invalid("the composition breaks the smallcase rules", errors=problems)
