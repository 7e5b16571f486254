"""Child processes whose log nobody reads while they run: it goes to a file, never to an
unread pipe (once a pipe's 64 KiB fill, the child blocks on its next log line)."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from typing import IO

_LOGS: dict[int, IO[str]] = {}


def spawn(command: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen[str]:
    """Start `command` with its stdout and stderr in a temporary file (see `log_of`)."""
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (kept open for log_of)
    process = subprocess.Popen(
        list(command), env=dict(env), stdout=log, stderr=subprocess.STDOUT, text=True
    )
    _LOGS[process.pid] = log
    return process


def log_of(process: subprocess.Popen[str]) -> str:
    """What `process` has written so far."""
    log = _LOGS[process.pid]
    log.flush()
    log.seek(0)
    return log.read()
