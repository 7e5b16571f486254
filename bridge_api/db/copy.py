"""Bulk writes with PostgreSQL's COPY, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session


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
