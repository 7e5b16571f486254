"""Pydantic field types shared by request and response bodies.

Money and weights travel as decimal strings (``"1520.35"``), as in the allocator's contract: a
JSON number may already have passed through a float, so it is refused, and so is any other
spelling (``"1e2"``, ``" 100 "``, ``"1_00"``, ``"+100"``, ``"100."``, non-ASCII digits).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from fastapi import Path
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictInt,
    WithJsonSchema,
)

_DECIMAL = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,18})?", re.ASCII)
"""The one accepted spelling: ASCII digits, an optional sign and point; no exponent, spaces,
underscores or plus sign, at most 15 digits before the point and 18 after."""
_SCHEMA = {
    "type": "string",
    "pattern": r"^-?[0-9]{1,15}(\.[0-9]{1,18})?$",
    "maxLength": 35,
    "examples": ["1520.35"],
}
MAX_RUPEES = Decimal("1000000000000")
"""Rs 1 lakh crore: far above any amount Saras moves, far below what the columns hold."""
MAX_ID = 2**63 - 1


def _decimal_string(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise ValueError('must be a decimal string such as "1520.35", not a JSON number')
    if not _DECIMAL.fullmatch(value):
        shown = value if len(value) <= 40 else f"{value[:37]}..."
        raise ValueError(f'{shown!r} is not a decimal string such as "1520.35"')
    return Decimal(value)


def _bounded(value: Decimal) -> Decimal:
    if abs(value) > MAX_RUPEES:
        raise ValueError(f"must be at most {MAX_RUPEES} in size")
    return value


DecimalString = Annotated[
    Decimal,
    BeforeValidator(_decimal_string),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(_SCHEMA),
]
"""A decimal that must arrive as a string and is sent as one."""

Rupees = Annotated[
    Decimal,
    BeforeValidator(_decimal_string),
    AfterValidator(_bounded),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema(_SCHEMA),
]
"""Rupees: a decimal string in, exactly two decimals out."""

Identifier = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
"""A database id in a body: a JSON integer (not ``true`` or ``1.0``), positive, within BIGINT."""

Quantity = Annotated[StrictInt, Field(ge=1, le=10_000_000)]
"""A number of shares in a body: a JSON integer (not ``true`` or ``1.0``), at least one."""

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
"""A database id in a path: positive, and within PostgreSQL's BIGINT."""
