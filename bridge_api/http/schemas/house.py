"""Bodies of the house's admin routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bridge_api.http.fields import Rupees


class HouseMoveIn(BaseModel):
    """Money the operator paid into the account for the house, or took out of it."""

    model_config = ConfigDict(extra="forbid")

    amount: Rupees
    reference: str = Field(min_length=1, max_length=100)


class HouseOut(BaseModel):
    """What the house holds: cash by bucket, shares, and how far it is below zero."""

    settled: Rupees
    unsettled: Rupees
    cash: Rupees
    shortfall: Rupees
    shares: dict[str, int]
    entry_id: int | None = None
    """The entry just written, on a fund or a sweep."""
