"""Declarative base with a naming convention, and the column types every model shares."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import BigInteger, DateTime, Enum, MetaData, Numeric, func
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model."""

    metadata = MetaData(naming_convention=NAMING)


Id = Annotated[int, mapped_column(BigInteger, primary_key=True, autoincrement=True)]
Money = Annotated[Decimal, mapped_column(Numeric(20, 2))]
Price = Annotated[Decimal, mapped_column(Numeric(14, 2))]
Shares = Annotated[int, mapped_column(BigInteger)]
Created = Annotated[
    datetime, mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
]


def enum_column(kind: type[enum.Enum], **kwargs: Any) -> Any:
    """A VARCHAR column with a CHECK constraint for `kind` (easier to migrate than PG enums)."""
    return mapped_column(
        Enum(
            kind,
            native_enum=False,
            create_constraint=True,
            length=32,
            values_callable=lambda members: [m.value for m in members],
            name=kind.__name__.lower(),
        ),
        **kwargs,
    )
