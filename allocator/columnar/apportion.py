"""Largest-remainder splits over numpy arrays, identical to `allocator.apportion.split`.

Only the parties whose remainder ties at the cut are ranked by ``sha256(seed:name)``, and a
`TieBreaker` hashes each party at most once however many splits it serves (an order's shares,
values and every charge component share one seed). A split where every remainder is equal
hashes every party once, about half a microsecond each.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

from allocator.columnar.intmath import Int64Array, muldiv
from allocator.errors import InvalidInput

IntpArray = npt.NDArray[np.intp]

_INT64_LIMIT = 2**63


class TieBreaker:
    """Ranks parties by ``sha256(seed + ":" + name)``, hashing each party at most once.

    Parties are positions ``0..n-1``; party ``i`` is named ``names[i]``, or
    ``names[index[i]]`` when `index` is given (so names need not be gathered up front).
    """

    def __init__(
        self, seed: str, names: npt.NDArray[np.str_], index: npt.NDArray[np.integer] | None = None
    ) -> None:
        self._base = hashlib.sha256(f"{seed}:".encode())
        self._names = names
        self._index = index
        size = names.size if index is None else index.size
        self._prefix = np.zeros(size, dtype=np.uint64)
        self._known = np.zeros(size, dtype=bool)

    def _digests(self, positions: IntpArray) -> list[bytes]:
        where = positions if self._index is None else self._index[positions]
        digests = []
        for name in self._names[where].tolist():
            hasher = self._base.copy()
            hasher.update(name.encode())
            digests.append(hasher.digest())
        return digests

    def smallest(self, positions: IntpArray, count: int) -> IntpArray:
        """The `count` parties among `positions` with the smallest hashes, exactly.

        Hashes are compared by their first eight bytes; only parties sharing the boundary
        prefix are compared on the whole digest.
        """
        missing = positions[~self._known[positions]]
        if missing.size:
            joined = b"".join(self._digests(missing))
            self._prefix[missing] = np.frombuffer(joined, dtype=">u8").reshape(-1, 4)[:, 0]
            self._known[missing] = True
        prefixes = self._prefix[positions]
        boundary = np.partition(prefixes, count - 1)[count - 1]
        below = positions[prefixes < boundary]
        at = positions[prefixes == boundary]
        if below.size + at.size > count:
            digests = self._digests(at)
            order = sorted(range(at.size), key=digests.__getitem__)[: count - below.size]
            at = at[np.asarray(order, dtype=np.intp)]
        return np.concatenate((below, at))


def split_array(total: int, weights: Int64Array, ties: TieBreaker) -> Int64Array:
    """`total` split pro rata to `weights` by largest remainder, ties ranked by `ties`."""
    if total < 0:
        raise InvalidInput("total", f"must not be negative, was {total}")
    if total == 0:
        return np.zeros(weights.shape, dtype=np.int64)
    whole = int(weights.sum(dtype=np.int64)) if weights.size else 0
    if whole <= 0:
        raise InvalidInput("weights", f"cannot split {total} over weights summing to {whole}")
    if total * int(weights.max()) < _INT64_LIMIT:
        parts, remainders = np.divmod(weights * total, whole)
    else:
        parts, remainders = muldiv(total, weights, whole, "weights")
    leftover = total - int(parts.sum(dtype=np.int64))
    if leftover:
        parts[largest(remainders, leftover, ties)] += 1
    return parts


def largest(remainders: Int64Array, count: int, ties: TieBreaker) -> IntpArray:
    """Positions of the `count` largest remainders; those tied at the cut go by hash order."""
    size = remainders.size
    cut = np.partition(remainders, size - count)[size - count]
    above = np.flatnonzero(remainders > cut)
    tied = np.flatnonzero(remainders == cut)
    need = count - above.size
    if need < tied.size:
        tied = ties.smallest(tied, need)
    return np.concatenate((above, tied))
