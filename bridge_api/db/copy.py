"""Bulk writes with PostgreSQL's COPY, in the caller's transaction.

`copy_rows` takes Python rows; `copy_columns` takes whole columns already rendered as COPY
text (`ints`, `paise`), so a statement of 100,000 participants costs a few string joins
instead of 100,000 calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

Column = Sequence[str] | str
"""A column as COPY text: one value per row, or one value for every row."""


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """COPY `rows` (tuples in the order of `columns`) into `table`; returns how many were
    written. Pending ORM changes are flushed first, so rows may refer to them."""
    session.flush()
    connection = session.connection().connection.driver_connection
    assert connection is not None
    written = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def copy_columns(session: Session, table: str, columns: Mapping[str, Column], rows: int) -> int:
    """COPY `rows` rows given column by column into `table`; returns `rows`.

    Each column is a sequence of `rows` values in COPY's text format, or one string repeated
    for every row. Values are written as they are: they must hold no tab, newline or
    backslash (numbers, dates, symbols and the JSON of decimal strings never do).
    """
    if rows == 0:
        return 0
    for name, column in columns.items():
        if not isinstance(column, str) and len(column) != rows:
            raise ValueError(f"column {name} has {len(column)} values, not {rows}")
    session.flush()
    connection = session.connection().connection.driver_connection
    assert connection is not None
    values = [repeat(c, rows) if isinstance(c, str) else c for c in columns.values()]
    text = "\n".join(map("\t".join, zip(*values, strict=True))) + "\n"
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        copy.write(text)
    return rows


def fetch_columns(
    session: Session, query: str, params: Mapping[str, object], columns: int
) -> npt.NDArray[np.int64]:
    """The rows of a query whose every column is an integer, as an int64 array of shape
    (rows, `columns`), read through the driver (no row objects). `query` uses the driver's
    ``%(name)s`` parameters."""
    session.flush()
    connection = session.connection().connection.driver_connection
    assert connection is not None
    with connection.cursor() as cursor:
        rows = cursor.execute(query, params).fetchall()
    return np.array(rows, dtype=np.int64).reshape(len(rows), columns)


def ints(values: npt.NDArray[np.integer]) -> list[str]:
    """Integers as COPY text."""
    return list(map(str, values.tolist()))


def paise(values: npt.NDArray[np.integer]) -> list[str]:
    """Whole paise as COPY text for a rupee (``numeric``) column: ``12345`` is ``123.45``."""
    return [f"{p}e-2" for p in values.tolist()]


def copy_int_columns(
    session: Session, table: str, columns: Mapping[str, npt.NDArray[np.integer]]
) -> int:
    """COPY integer columns (numpy arrays of equal length) into `table`'s ``bigint`` columns
    in PostgreSQL's binary format, built by numpy without a Python object per value; returns
    the rows written."""
    session.flush()
    connection = session.connection().connection.driver_connection
    assert connection is not None
    data = binary_int8(list(columns.values()))
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)") as copy,
    ):
        copy.write(data)
    return len(next(iter(columns.values()))) if columns else 0


def binary_int8(columns: Sequence[npt.NDArray[np.integer]]) -> bytes:
    """Rows of ``bigint`` fields in COPY's binary format: header, one tuple per row, trailer."""
    rows = len(columns[0]) if columns else 0
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for n in range(len(columns)):
        fields += [(f"length{n}", ">i4"), (f"value{n}", ">i8")]
    body = np.empty(rows, dtype=np.dtype(fields))
    body["count"] = len(columns)
    for n, column in enumerate(columns):
        if len(column) != rows:
            raise ValueError(f"column {n} has {len(column)} values, not {rows}")
        body[f"length{n}"] = 8
        body[f"value{n}"] = column
    return _BINARY_HEADER + body.tobytes() + b"\xff\xff"


_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
