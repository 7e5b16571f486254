"""What the command line shows besides its results: log records, by verbosity (``-v``/``-q``)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import typer

_verbosity = 0


def command_group(**options: Any) -> typer.Typer:
    """A command group with plain help (rich's renderer alone would double the start-up time
    of ``saras --help``)."""
    return typer.Typer(no_args_is_help=True, rich_markup_mode=None, **options)


def set_verbosity(level: int) -> None:
    """``-v`` counts up, ``-q`` down (the root callback sets it for the whole command)."""
    global _verbosity  # noqa: PLW0603  (one process, one command)
    _verbosity = level


def start_logging(default: int = logging.INFO) -> None:
    """Log to stderr from `default` (each ``-v`` shows one level more, each ``-q`` one
    less): JSON lines in production (``SARAS_ENVIRONMENT=prod``) or with
    ``SARAS_LOG_FORMAT=json``, readable lines otherwise."""
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.logs import configure  # noqa: PLC0415

    level = min(max(default - 10 * _verbosity, logging.DEBUG), logging.CRITICAL)
    settings = get_settings()
    chosen = settings.log_format
    if chosen == "auto":
        configure(level, "json" if settings.environment == "prod" else "text")
    else:
        configure(level, chosen)


def in_ist(moment: datetime) -> str:
    """A moment as the operator reads it: ``2026-11-19 09:15 IST``."""
    from bridge_api.calendar import IST  # noqa: PLC0415

    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M IST")
