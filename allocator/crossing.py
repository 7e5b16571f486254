"""Internal crossing of buyers and sellers of one symbol inside the pool.

``X = min(total bought, total sold)``. The side with the smaller total is crossed in full; the
larger side shares ``X`` pro rata to its quantities by largest remainder, ties broken by
``sha256(batch + ":" + symbol + ":" + account)``. Crossings are transfers between
subscriptions at the reference price: nothing reaches the exchange and no exchange charges
arise.
"""

from __future__ import annotations

from collections.abc import Mapping

from allocator.apportion import split


def cross(
    batch: str, symbol: str, buys: Mapping[str, int], sells: Mapping[str, int]
) -> tuple[dict[str, int], dict[str, int]]:
    """Crossed quantities per account: ``(bought internally, sold internally)``.

    Accounts on either side with nothing crossed are omitted.
    """
    bought, sold = sum(buys.values()), sum(sells.values())
    crossed = min(bought, sold)
    if crossed == 0:
        return {}, {}
    seed = f"{batch}:{symbol}"
    return _share(buys, crossed, seed), _share(sells, crossed, seed)


def _share(side: Mapping[str, int], crossed: int, seed: str) -> dict[str, int]:
    accounts = sorted(side)
    parts = split(crossed, [side[a] for a in accounts], accounts, seed)
    return {a: p for a, p in zip(accounts, parts, strict=True) if p}
