"""Exact pro-rata splits of whole units by largest remainder, with a fair tie-break.

`split` divides an integer total (shares, paise) among parties in proportion to integer
weights: each party first gets ``floor(total * w / W)``; the units left over go one each to the
parties with the largest remainders ``total * w mod W``. Parties whose remainders are equal are
ordered by ``sha256(seed + ":" + key)`` (hex, ascending), so with a different seed per order no
party wins every tie. The parts always sum to the total and each is within one unit of its
exact share; when ``total <= W`` no part exceeds its weight.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from allocator.errors import InvalidInput


def tie_key(seed: str, key: str) -> str:
    """The tie-break rank of `key` under `seed`: ``sha256(seed + ":" + key)`` in hex."""
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def split(total: int, weights: Sequence[int], keys: Sequence[str], seed: str) -> list[int]:
    """Split `total` pro rata to `weights` by largest remainder.

    Parameters
    ----------
    total
        Non-negative whole units to hand out.
    weights
        Non-negative integer weights, one per party; their sum must be positive unless
        `total` is 0.
    keys
        Distinct party names, used only to break ties between equal remainders.
    seed
        Tie-break seed (the order id for fills, ``batch:symbol`` for crossings).

    Returns
    -------
    list[int]
        One part per party, in input order, summing exactly to `total`.
    """
    if total < 0:
        raise InvalidInput("total", f"must not be negative, was {total}")
    if total == 0:
        return [0] * len(weights)
    whole = sum(weights)
    if whole <= 0:
        raise InvalidInput("weights", f"cannot split {total} over weights summing to {whole}")
    parts: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        part, remainder = divmod(total * weight, whole)
        parts.append(part)
        remainders.append(remainder)
    leftover = total - sum(parts)
    if leftover:
        for index in _largest(remainders, leftover, keys, seed):
            parts[index] += 1
    return parts


def _largest(remainders: Sequence[int], count: int, keys: Sequence[str], seed: str) -> list[int]:
    """Indices of the `count` largest remainders; ties at the cut go by hash of the key."""
    ranked = sorted(range(len(remainders)), key=remainders.__getitem__, reverse=True)
    cut = remainders[ranked[count - 1]]
    above = [i for i in ranked[:count] if remainders[i] > cut]
    tied = [i for i in ranked if remainders[i] == cut]
    if len(above) + len(tied) > count:
        tied.sort(key=lambda i: tie_key(seed, keys[i]))
    return above + tied[: count - len(above)]
