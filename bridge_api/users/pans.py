"""Made-up PANs for synthetic investors (the demo, backtests), distinct for every number."""

from __future__ import annotations

_DIGITS = 10_000
_LETTERS = 26
_FIRST = "ABCEF"
"""The letters of number 0 at the positions that count (1st, 2nd, 3rd, 5th and 10th)."""

SYNTHETIC_PANS = _LETTERS ** len(_FIRST) * _DIGITS
"""How many distinct PANs `synthetic_pan` makes (about 1.2 x 10^11)."""


def synthetic_pan(number: int) -> str:
    """A PAN in the format ``AAAAA9999A`` (the fourth letter ``P``: an individual) that no other
    `number` below `SYNTHETIC_PANS` gets: ``ABCPE0000F`` for 0, the digits counting first, then
    the last letter, the fifth, the third, the second and the first (``ABCPE9999F``,
    ``ABCPE0000G``, ...)."""
    if not 0 <= number < SYNTHETIC_PANS:
        raise ValueError(f"a synthetic PAN needs a number from 0 to {SYNTHETIC_PANS - 1}")
    number, digits = divmod(number, _DIGITS)
    letters = []
    for start in reversed(_FIRST):  # the last letter first, then the fifth, third, ...
        number, step = divmod(number, _LETTERS)
        letters.append(chr(ord("A") + (ord(start) - ord("A") + step) % _LETTERS))
    last, fifth, third, second, first = letters
    return f"{first}{second}{third}P{fifth}{digits:04d}{last}"
