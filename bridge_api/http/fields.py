"""Pydantic field types shared by request and response bodies.

Money and weights travel as decimal strings (``"1520.35"``), as in the allocator's contract: a
JSON number may already have passed through a float, so it is refused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema


def _decimal_string(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise ValueError('must be a decimal string such as "1520.35", not a JSON number')
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not parsed.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return parsed


_SCHEMA = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "examples": ["1520.35"]}
MAX_RUPEES = Decimal("1000000000000")
"""Rs 1 lakh crore: far above any amount Saras moves, far below what the columns hold."""
MAX_ID = 2**63 - 1


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

Identifier = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A database id in a body: positive, and within PostgreSQL's BIGINT."""

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
"""A database id in a path: positive, and within PostgreSQL's BIGINT."""
