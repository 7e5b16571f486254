"""Corporate-action entitlements of the books in one pooled account, split exactly.

The company pays the pooled account as one holder: a dividend on its whole holding (less the
tax it deducted at source), new shares by the ratio on its whole holding, and cash for the
account's one fractional entitlement. Inside the account each book (a subscription, the house)
is entitled as if it were a holder of its own:

- `dividend`: each book's gross is ``per_share × held``, rounded down to the paisa; the tax the
  company deducted is split over the books by largest remainder of their gross (never more
  than a book's gross); each book's net is gross less its tax. What the account was credited
  beyond the books' nets (rounding, or the company's own figure) is the residue, the house's.
- `shares`: each book gets ``floor(held × new / old)`` whole shares and a fraction
  ``(held × new mod old) / old``; the account receives ``floor(total × new / old)``, so the
  books' whole shares fall short of it by the `extra` whole shares made of their fractions,
  which go to the house; each book's fraction is paid in cash at the price the company
  realised for fractions (`fraction_cash`), by the house, which receives the company's cash
  for the account's own fraction.

Every part is a whole number of paise or shares, and every split sums exactly to its whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from allocator.apportion import split
from allocator.constants import PAISA
from allocator.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Payout:
    """One book's dividend: gross, tax deducted at source, and net credited, in rupees."""

    gross: Decimal
    tds: Decimal

    @property
    def net(self) -> Decimal:
        """What the book is credited."""
        return self.gross - self.tds


@dataclass(frozen=True, slots=True)
class Dividend:
    """Every book's payout, and the residue (credited less the books' nets) for the house."""

    payouts: dict[str, Payout]
    residue: Decimal


def dividend(
    held: Mapping[str, int], *, per_share: Decimal, tds: Decimal, credited: Decimal, seed: str
) -> Dividend:
    """Split a dividend the account was `credited` (net of `tds`) over the books' `held` shares."""
    if per_share <= 0:
        raise InvalidInput("per_share", f"must be positive, was {per_share}")
    for name, value in (("tds", tds), ("credited", credited)):
        if value < 0 or value % PAISA:
            raise InvalidInput(name, f"must be non-negative whole paise, was {value}")
    books = sorted(k for k, q in held.items() if q > 0)
    gross = {k: (per_share * held[k]).quantize(PAISA, ROUND_DOWN) for k in books}
    total = sum(gross.values(), Decimal(0))
    if tds > total:
        raise InvalidInput("tds", f"{tds} is more than the books' gross dividend {total}")
    weights = [int(gross[k] * 100) for k in books]
    taxes = split(int(tds * 100), weights, books, seed) if books else []
    payouts = {
        k: Payout(gross[k], Decimal(t).scaleb(-2).quantize(PAISA))
        for k, t in zip(books, taxes, strict=True)
    }
    nets = sum((p.net for p in payouts.values()), Decimal(0))
    return Dividend(payouts, (credited - nets).quantize(PAISA))


@dataclass(frozen=True, slots=True)
class Shares:
    """New shares by the ratio: each book's whole shares and fractional remainder (in
    `old`ths), the account's, and the whole shares the books' fractions add up to (`extra`)."""

    whole: dict[str, int]
    remainder: dict[str, int]
    old: int
    account_whole: int
    account_remainder: int

    @property
    def extra(self) -> int:
        """Whole shares the account receives beyond the books' whole shares."""
        return self.account_whole - sum(self.whole.values())


def shares(held: Mapping[str, int], *, new: int, old: int) -> Shares:
    """`new` shares for every `old` held, book by book and for the account as one holder."""
    if new <= 0 or old <= 0:
        raise InvalidInput("ratio", f"must be positive whole numbers, was {new}:{old}")
    books = sorted(k for k, q in held.items() if q > 0)
    whole, remainder = {}, {}
    for k in books:
        whole[k], remainder[k] = divmod(held[k] * new, old)
    account_whole, account_remainder = divmod(sum(held[k] for k in books) * new, old)
    return Shares(whole, remainder, old, account_whole, account_remainder)


def fraction_cash(remainder: int, old: int, price: Decimal) -> Decimal:
    """Cash for a fractional entitlement of ``remainder / old`` of a share at `price` a share,
    rounded to the paisa (half to even)."""
    return (price * remainder / old).quantize(PAISA, ROUND_HALF_EVEN)
