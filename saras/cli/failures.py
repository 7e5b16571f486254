"""One way for every command to fail: a line on stderr naming the command, a hint where the
operator can act, and an exit code that says what kind of failure it was.

Exit codes: 1, the books and the broker differ (or the broker stopped part-way); 2, the input
or the configuration is refused; 3, trading or the broker session stopped (act, then run the
command again). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NoReturn

import typer

DIFFERENCES, BAD_INPUT, STOPPED = 1, 2, 3
LOG_IN = "log in with `saras kite login`, then run the command again"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def fail(command: str, message: str, code: int = BAD_INPUT, *, hint: str | None = None) -> NoReturn:
    """Write ``saras <command>: <message>`` (control characters escaped) and the hint, if
    any, to stderr, and exit with `code`. Nothing goes to stdout."""
    line = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), message)
    typer.echo(f"saras {command}: {line}", err=True)
    if hint:
        typer.echo(hint, err=True)
    raise typer.Exit(code)


@contextmanager
def failures(command: str) -> Iterator[None]:
    """Turn the failures an operator can act on into `fail`; let bugs through."""
    try:
        yield
    except Exception as error:
        known = _classify(error)
        if known is None:
            raise
        code, message, hint = known
        fail(command, message, code, hint=hint)


def _classify(error: Exception) -> tuple[int, str, str | None] | None:
    # Imported here, not at the top: `saras --help` must not load the trading stack.
    from allocator.errors import AllocatorError  # noqa: PLC0415
    from bridge_api.brokers.kite.sessions import NoKiteSession  # noqa: PLC0415
    from bridge_api.brokers.port import BrokerError  # noqa: PLC0415
    from bridge_api.errors import DomainError  # noqa: PLC0415
    from bridge_api.execution.stops import EngineStopped  # noqa: PLC0415

    if isinstance(error, EngineStopped):
        return error.exit_code, str(error), error.hint
    if isinstance(error, NoKiteSession):
        return STOPPED, str(error), LOG_IN
    if isinstance(error, BrokerError):
        return STOPPED, f"broker: {error}", None
    if isinstance(error, (DomainError, AllocatorError, ValueError, OSError)):
        return BAD_INPUT, str(error), None
    return None


def parse_day(command: str, option: str, value: str) -> date:
    """An ISO date given to `option`, or a refusal naming it."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(command, f"{option}: not a date (YYYY-MM-DD): {value!r}")


def parse_rupees(command: str, option: str, value: str) -> Decimal:
    """A plain decimal number of rupees given to `option`, or a refusal naming it."""
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        fail(command, f"{option}: not a number of rupees: {value!r}")
    return amount
