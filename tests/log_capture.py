"""The `captured` fixture: every log record of a test as a JSON line, read back with `records`."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bridge_api import logs


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Records as JSON lines in a buffer; the root logger restored afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    stream = io.StringIO()
    logs.configure(logging.DEBUG, "json", stream)
    yield stream
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def records(stream: io.StringIO) -> list[dict[str, object]]:
    """The records written to `stream`, oldest first."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]
