"""Money as people in India read it: rupees in Indian grouping (₹1,23,456.78), from the exact
`Decimal`, for printable documents and notifications (the web app has its own, in TypeScript)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def rupees(amount: Decimal | str, places: int = 2) -> str:
    """`amount` rounded half-up to `places` decimals in Indian grouping: ``-₹1,23,456.78``."""
    exact = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if exact < 0 else ""
    whole, _, fraction = f"{abs(exact):.{places}f}".partition(".")
    head, tail = whole[:-3], whole[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    grouped = ",".join([*groups, tail])
    return f"{sign}₹{grouped}.{fraction}" if places else f"{sign}₹{grouped}"
