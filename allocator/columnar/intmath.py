"""Exact integer arithmetic on int64 arrays: ``floor(a * b / c)`` without 128-bit integers.

`muldiv` estimates the quotient in float64, then corrects it with the exact residual
``a * b - q * c``, computed in wrapping int64 arithmetic: the residual's true value is within a
few multiples of ``c`` of zero, so for ``c < 2**60`` it is exact modulo 2**64 and therefore
exact. Quotients must stay below 2**50 so that the float estimate is within 2 of the truth.
Callers get a clear `InvalidInput` rather than a wrong answer when values exceed these bounds.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.errors import InvalidInput

Int64Array = npt.NDArray[np.int64]

MAX_DIVISOR = 2**60
MAX_QUOTIENT = 2**50
_EXACT_FLOAT = 2**53


def muldiv(
    a: Int64Array | int, b: Int64Array | int, c: Int64Array | int, what: str
) -> tuple[Int64Array, Int64Array]:
    """``(floor(a * b / c), a * b mod c)`` elementwise, exactly; a, b >= 0 and 0 < c < 2**60."""
    a_arr = np.asarray(a, dtype=np.int64)
    b_arr = np.asarray(b, dtype=np.int64)
    c_arr = np.asarray(c, dtype=np.int64)
    if c_arr.size and (int(c_arr.max()) >= MAX_DIVISOR or int(c_arr.min()) <= 0):
        raise InvalidInput(
            what, f"divisor outside the columnar range (0, 2**60): {int(c_arr.max())}"
        )
    estimate = np.floor(
        a_arr.astype(np.float64) * b_arr.astype(np.float64) / c_arr.astype(np.float64)
    )
    if estimate.size and float(estimate.max()) >= MAX_QUOTIENT:
        raise InvalidInput(what, "values too large for the columnar path; use the scalar allocator")
    quotient = estimate.astype(np.int64)
    remainder = a_arr * b_arr - quotient * c_arr  # wraps, but the true value is small: exact
    while True:
        low = remainder < 0
        high = remainder >= c_arr
        if not (low.any() or high.any()):
            return quotient, remainder
        step = high.astype(np.int64) - low.astype(np.int64)
        quotient = quotient + step
        remainder = remainder - step * c_arr


def group_sums(values: Int64Array, starts: Int64Array, ends: Int64Array) -> Int64Array:
    """Exact sums of ``values[starts[i]:ends[i]]`` (int64 prefix sums; no float weights)."""
    prefix = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
    result: Int64Array = prefix[ends] - prefix[starts]
    return result


def require_below(value: int, bound: int, what: str) -> None:
    """Refuse magnitudes that could overflow int64 arithmetic downstream."""
    if value >= bound:
        raise InvalidInput(
            what, f"{value} is too large for the columnar path; use the scalar allocator"
        )


def exact_bincount(
    labels: npt.NDArray[np.integer], values: Int64Array, length: int, what: str
) -> Int64Array:
    """Per-label sums of non-negative integers, exact while every total stays below 2**53."""
    if values.size:
        require_below(int(values.max()) * values.size, _EXACT_FLOAT, what)
    sums = np.bincount(labels, weights=values, minlength=length)
    return sums.astype(np.int64)
