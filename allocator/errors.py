"""The allocator's one error hierarchy.

Every error names the field and the offending value, so a caller (the JSON command line, the
bridge, the master algorithm) can report it without a traceback.
"""

from __future__ import annotations


class AllocatorError(ValueError):
    """Base of every error the allocator raises for bad or impossible input.

    Parameters
    ----------
    field
        Where the problem is, as a path such as ``accounts[3].targets.INFY``.
    message
        What is wrong with it, naming the value.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidInput(AllocatorError):
    """A value has the wrong form or range (negative quantity, non-decimal price, ...)."""


class OffTick(AllocatorError):
    """A price does not sit on its instrument's tick."""


class MissingTarget(AllocatorError):
    """A held symbol has no target, which would otherwise liquidate it silently."""


class MissingPrice(AllocatorError):
    """A symbol that is held or targeted has no reference price."""


class LimitExceeded(AllocatorError):
    """The request cannot be carried out within the broker's limits."""


class OverFill(AllocatorError):
    """Fills exceed what the pre-trade statement asked for."""


class DuplicateTrade(AllocatorError):
    """The same broker trade id was given twice."""
