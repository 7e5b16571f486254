"""Why the engine stops before its work is done, each with what the operator should do.

Every stop condition derives from `EngineStopped`: the command line prints the message and
the `hint` and exits with `exit_code` (3: trading stopped, act and run again; 2: refused as
configured). Nothing a stop leaves behind is lost: a batch resumes where the database has it.
"""

from __future__ import annotations

RESUMES = "the batch resumes where it stood when the engine runs again"
LOG_IN = "log in with `saras kite login`, then run the engine again"


class EngineStopped(Exception):
    """The engine stopped; `hint` tells the operator what to do about it."""

    hint = RESUMES
    exit_code = 3

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class TradingHalted(EngineStopped):
    """The broker is unavailable (unreachable, or the session ended). Resume later."""


class NeedsLogin(TradingHalted):
    """There is no valid broker session: the operator must log in first."""

    hint = LOG_IN


class RealMoneyDisabled(EngineStopped):
    """A real-money broker was given while real-money trading is off."""

    hint = "set SARAS_REAL_MONEY=true (under Lean, the `real-money` parameter) to trade real money"
    exit_code = 2


class LeaseLost(EngineStopped):
    """Another engine holds the trading lease: stop trading at once."""

    hint = "another engine is trading the account; " + RESUMES + " and the lease is free"


class DayBudgetExhausted(EngineStopped):
    """Today's order budget is spent: no more placements until tomorrow."""

    hint = "no more orders can be sent today; " + RESUMES + " in the next session"


class MarketClosed(EngineStopped):
    """The live market is closed: the engine does not start a session's work now."""


class StaleBatch(EngineStopped):
    """A batch from an earlier session is still executing: the operator must act first."""

    hint = "nothing was sent; finish or fail that batch first (docs/runbook-live.md)"
