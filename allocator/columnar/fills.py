"""Allocating one final order across a very large statement, identical to `allocator.allocate`.

Participants are given as arrays: account names sorted and unique, and requested shares.
Fills are arrays of shares and prices in paise (trade ids are checked for repeats by the
caller's `trade_ids`). Charges are named components in paise. Shares, values and each charge
component are split with the order id as seed: by `split_grouped` when the requests are below
`_TABLE_ROWS` shares (the usual case: a table of that many rows at most), else by `split_array`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.columnar.apportion import (
    Grouped,
    TieBreaker,
    split_array,
    split_grouped,
    split_grouped_parts,
)
from allocator.columnar.intmath import Int64Array, require_below
from allocator.errors import DuplicateTrade, InvalidInput, OverFill

_INT64_LIMIT = 2**63
_TABLE_ROWS = 4096
"""Requests below this many shares are split per distinct request (`Grouped`), not per party."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnarAllocation:
    """Per participant (in the statement's order): shares, value and charges in paise."""

    filled: int
    value: int
    shares: Int64Array
    values: Int64Array
    charges: dict[str, Int64Array]


def allocate_columnar(
    *,
    order_id: str,
    accounts: npt.NDArray[np.str_],
    requested: Int64Array,
    fill_quantities: Int64Array,
    fill_prices: Int64Array,
    trade_ids: Sequence[str],
    charges: Mapping[str, int],
) -> ColumnarAllocation:
    """Split a final order's fills, value and charges (see `allocator.fills` for the rules)."""
    if accounts.size == 0 or accounts.shape != requested.shape:
        raise InvalidInput("participants", "needs at least one participant, one quantity each")
    if accounts.size > 1 and not (accounts[1:] > accounts[:-1]).all():
        raise InvalidInput("participants", "accounts must be sorted by name and unique")
    if int(requested.min()) < 1:
        raise InvalidInput("participants", "every participant must ask for at least 1 share")
    if fill_quantities.shape != fill_prices.shape or len(trade_ids) != fill_quantities.size:
        raise InvalidInput("fills", "needs one quantity, price and trade id per fill")
    if len(set(trade_ids)) != len(trade_ids):
        raise DuplicateTrade("fills", "a trade id appears twice")
    if fill_quantities.size and (int(fill_quantities.min()) < 1 or int(fill_prices.min()) < 1):
        raise InvalidInput("fills", "every fill needs at least 1 share at a positive price")
    if any(amount < 0 for amount in charges.values()):
        raise InvalidInput("charges", "must not be negative")

    require_below(int(requested.max()) * requested.size, _INT64_LIMIT, "participants")
    asked = int(requested.sum(dtype=np.int64))
    filled = sum(fill_quantities.tolist())
    value = sum(
        int(q) * int(p) for q, p in zip(fill_quantities.tolist(), fill_prices.tolist(), strict=True)
    )
    require_below(value, _INT64_LIMIT, "fills")
    if filled > asked:
        raise OverFill(
            "fills", f"{filled} shares filled, more than the {asked} the statement asks for"
        )
    if value == 0 and any(charges.values()):
        raise InvalidInput("charges", "charged, but nothing was filled")

    ties = TieBreaker(order_id, accounts)
    grouped = Grouped.of(requested, max_rows=_TABLE_ROWS)
    if grouped is None:
        shares = split_array(filled, requested, ties)
        values = split_array(value, shares, ties)
        parts = {
            name: split_array(amount, values, ties) if value else np.zeros_like(values)
            for name, amount in charges.items()
        }
    else:
        # Each split's parts take few distinct values, so every split stays grouped.
        shares, by_shares = split_grouped(filled, grouped, ties)
        values, by_values = split_grouped(value, by_shares, ties)
        parts = {
            name: split_grouped_parts(amount, by_values, ties) if value else np.zeros_like(values)
            for name, amount in charges.items()
        }
    return ColumnarAllocation(
        filled=filled, value=value, shares=shares, values=values, charges=parts
    )
