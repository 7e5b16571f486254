"""Largest-remainder splits over numpy arrays, identical to `allocator.apportion.split`.

Only the parties whose remainder ties at the cut are ranked by ``sha256(seed:name)``, and a
`TieBreaker` hashes each party at most once however many splits it serves (an order's shares,
values and every charge component share one seed). A split where every remainder is equal
hashes every party once, about a third of a microsecond each (the messages are built in one
numpy buffer; the hashing is a tight loop over CPython's own SHA-256).

`split_array` works party by party. `split_grouped` takes weights as a small table of values
and each party's row in it (`Grouped`): the parts and remainders are worked out per row, handed
out with one gather, and only the parties of the rows tied at the cut are looked at (and
ranked). Its parts come back grouped the same way, so an allocation's shares (grouped by
request), values (by shares) and charges (by values) never divide per party.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.columnar.intmath import Int64Array, muldiv
from allocator.errors import InvalidInput

IntpArray = npt.NDArray[np.intp]

_INT64_LIMIT = 2**63

try:
    # CPython's own SHA-256 (hashlib's fallback when OpenSSL lacks it): on a short message it
    # costs about 0.3 µs against OpenSSL's 0.4-0.5 µs, which set up a context per hash.
    from _sha256 import sha256 as _sha256  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.12 renamed it; the digests are the same
    _sha256 = hashlib.sha256


class TieBreaker:
    """Ranks parties by ``sha256(seed + ":" + name)``, hashing each party at most once.

    Parties are positions ``0..n-1``; party ``i`` is named ``names[i]``, or
    ``names[index[i]]`` when `index` is given (so names need not be gathered up front).
    """

    def __init__(
        self, seed: str, names: npt.NDArray[np.str_], index: npt.NDArray[np.integer] | None = None
    ) -> None:
        self._seed = f"{seed}:".encode()
        self._names = names
        self._index = index
        size = names.size if index is None else index.size
        self._prefix = np.zeros(size, dtype=np.uint64)
        self._known = np.zeros(size, dtype=bool)

    def _messages(self, positions: IntpArray) -> list[bytes]:
        where = positions if self._index is None else self._index[positions]
        return messages(self._seed, self._names[where])

    def _prefixes(self, positions: IntpArray) -> npt.NDArray[np.uint64]:
        """The first eight bytes of each party's digest, as big-endian integers."""
        digests = bytearray()  # appending beats joining a list of a million digests
        for message in self._messages(positions):
            digests += _sha256(message).digest()
        prefixes: npt.NDArray[np.uint64] = np.frombuffer(digests, dtype=">u8")[::4].astype(
            np.uint64
        )
        return prefixes

    def smallest(self, positions: IntpArray, count: int) -> IntpArray:
        """The `count` parties among `positions` with the smallest hashes, exactly.

        Hashes are compared by their first eight bytes; only parties sharing the boundary
        prefix are compared on the whole digest.
        """
        missing = positions[~self._known[positions]]
        if missing.size:
            self._prefix[missing] = self._prefixes(missing)
            self._known[missing] = True
        prefixes = self._prefix[positions]
        boundary = np.partition(prefixes, count - 1)[count - 1]
        below = positions[prefixes < boundary]
        at = positions[prefixes == boundary]
        if below.size + at.size > count:
            digests = [_sha256(message).digest() for message in self._messages(at)]
            order = sorted(range(at.size), key=digests.__getitem__)[: count - below.size]
            at = at[np.asarray(order, dtype=np.intp)]
        return np.concatenate((below, at))


def messages(prefix: bytes, names: npt.NDArray[np.str_]) -> list[bytes]:
    """``prefix + name.encode()`` for each name, built in one numpy buffer when all are ASCII.

    A numpy string array holds each name as fixed-width code points padded with NULs (a name's
    own trailing NULs are lost on the way in), so ASCII names become bytes by narrowing each
    code point to a byte; reading the rows back as fixed-width bytes drops the padding again.
    """
    width = names.dtype.itemsize // 4
    codes = np.ascontiguousarray(names, dtype=f"=U{max(width, 1)}").view(np.uint32)
    if names.size == 0 or width == 0 or int(codes.max()) >= 128:
        return [prefix + name.encode() for name in names.tolist()]
    buffer = np.empty((names.size, len(prefix) + width), dtype=np.uint8)
    buffer[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    buffer[:, len(prefix) :] = codes.reshape(names.size, width)
    encoded: list[bytes] = buffer.view(f"S{len(prefix) + width}").ravel().tolist()
    return encoded


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


@dataclass(frozen=True, slots=True)
class Grouped:
    """Weights as a small table: party ``i`` weighs ``values[labels[i]]``; `counts` per row.

    A largest-remainder split gives every party of a row the same part and remainder, so it
    can be worked out per row and handed out with one gather; only a row whose remainder is at
    the cut needs its parties ranked. Rows need not hold distinct values.
    """

    labels: IntpArray
    values: list[int]
    counts: list[int]

    @classmethod
    def of(cls, weights: Int64Array, *, max_rows: int) -> Grouped | None:
        """`weights` grouped by value when they are non-negative and below `max_rows`."""
        if weights.size == 0 or int(weights.min()) < 0 or int(weights.max()) >= max_rows:
            return None
        counts = np.bincount(weights, minlength=int(weights.max()) + 1)
        return cls(weights.astype(np.intp), list(range(counts.size)), counts.tolist())

    def expand(self, table: list[int]) -> Int64Array:
        """One value per party from one value per row."""
        result: Int64Array = np.asarray(table, dtype=np.int64)[self.labels]
        return result


def split_grouped(total: int, weights: Grouped, ties: TieBreaker) -> tuple[Int64Array, Grouped]:
    """`split_array` over grouped weights, with the parts grouped too (for the next split).

    The parts of a tied row take two values; its chosen parties move to a new row.
    """
    table, tied, chosen = _split_rows(total, weights, ties)
    parts = weights.expand(table)
    if chosen.size == 0:
        return parts, Grouped(weights.labels, table, list(weights.counts))
    parts[chosen] += 1
    first = len(table)
    moved = np.arange(first, dtype=np.intp)
    moved[tied] = np.arange(first, first + len(tied), dtype=np.intp)
    labels = weights.labels.copy()
    labels[chosen] = moved[labels[chosen]]
    added = np.bincount(labels[chosen] - first, minlength=len(tied)).tolist()
    counts = list(weights.counts)
    for row, count in zip(tied, added, strict=True):
        counts[row] -= count
    values = table + [table[row] + 1 for row in tied]
    return parts, Grouped(labels, values, counts + added)


def split_grouped_parts(total: int, weights: Grouped, ties: TieBreaker) -> Int64Array:
    """The parts of `split_grouped` alone (a last split, whose parts split nothing further)."""
    table, _, chosen = _split_rows(total, weights, ties)
    parts = weights.expand(table)
    parts[chosen] += 1
    return parts


def _split_rows(
    total: int, weights: Grouped, ties: TieBreaker
) -> tuple[list[int], list[int], IntpArray]:
    """Each row's part after whole rows took their extra unit; the rows tied at the cut; and
    the parties of those rows that get one more unit."""
    nobody = np.zeros(0, dtype=np.intp)
    if total < 0:
        raise InvalidInput("total", f"must not be negative, was {total}")
    if total == 0:
        return [0] * len(weights.values), [], nobody
    whole = sum(v * c for v, c in zip(weights.values, weights.counts, strict=True))
    if whole <= 0:
        raise InvalidInput("weights", f"cannot split {total} over weights summing to {whole}")
    table: list[int] = []
    levels: dict[int, list[int]] = {}  # remainder -> the occupied rows that have it
    for row, (value, count) in enumerate(zip(weights.values, weights.counts, strict=True)):
        part, remainder = divmod(total * value, whole)
        table.append(part)
        if count:
            levels.setdefault(remainder, []).append(row)
    leftover = total - sum(p * c for p, c in zip(table, weights.counts, strict=True))
    for remainder in sorted(levels, reverse=True):
        if leftover == 0:
            break
        tied = levels[remainder]
        level = sum(weights.counts[row] for row in tied)
        if level > leftover:
            return table, tied, ties.smallest(_members(weights, tied), leftover)
        for row in tied:
            table[row] += 1
        leftover -= level
    return table, [], nobody


def _members(weights: Grouped, rows: list[int]) -> IntpArray:
    """The parties in `rows`."""
    if len(rows) == 1:
        return np.flatnonzero(weights.labels == rows[0])
    wanted = np.zeros(len(weights.values), dtype=bool)
    wanted[rows] = True
    return np.flatnonzero(wanted[weights.labels])
