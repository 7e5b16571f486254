"""Errors inside Lean event handlers: logged and contained, so one bad item never stops the
algorithm."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def logged_errors(log: Callable[[str], None], what: str) -> Iterator[None]:
    """Run the block; an exception in it is logged as ``what: error`` and goes no further."""
    try:
        yield
    except Exception as error:
        log(f"{what}: {error!r}")
