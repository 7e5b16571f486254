"""The domain's errors: what a service refuses, and why, free of any web framework.

The HTTP bridge maps each class to a status and an RFC 9457 problem (`bridge_api.http.problems`);
the command line prints the detail and exits non-zero. A service raises the most specific
class, with a detail a person can act on and, for bad input, each problem named against its
field in `errors`.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the domain refuses; `detail` says why in a sentence."""

    commit = False
    """True when the transaction's work must be kept although the request fails (a failed
    sign-in attempt is counted even though the sign-in is refused)."""

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class Invalid(DomainError):
    """The input breaks a rule (each problem named against its field in `errors`)."""


class Unauthorized(DomainError):
    """No valid credentials."""


class Forbidden(DomainError):
    """Signed in, but not allowed to do this."""


class NotFound(DomainError):
    """No such thing (or not yours: the two are indistinguishable on purpose)."""


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a wrong state, no cash)."""


class TooManyAttempts(DomainError):
    """Throttled: too many recent failures."""


class Unavailable(DomainError):
    """An outside service Saras needs (the broker) did not answer; try again later."""
