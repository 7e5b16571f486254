"""Rendering the metrics: one process, several (prometheus_client's multiprocess mode), and
the engine's own HTTP port.

A bridge served by one process per pod (the deployment's way: scale by pods) renders the
default registry. A bridge run with several worker processes behind one port must set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory, the same for all of them, before they
start: each process then writes its samples there and any of them renders all of them. The
shared gauges (`collector`) are read from the database either way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from bridge_api.observability.collector import DatabaseCollector

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The multiprocess directory, when the processes share one."""
    return os.environ.get(MULTIPROCESS_DIR) or os.environ.get(MULTIPROCESS_DIR.lower()) or None


class Exposition:
    """The bridge's ``/metrics``: its registry (or all processes' samples) and the database's
    gauges read through `sessions`."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._database: Collector = DatabaseCollector(sessions)
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(self._database)

    def render(self) -> bytes:
        """The text exposition of every metric."""
        shared = multiprocess_dir()
        if shared is not None:
            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged, path=shared)  # type: ignore[no-untyped-call]
            return generate_latest(merged) + generate_latest(self._registry)
        return generate_latest(REGISTRY) + generate_latest(self._registry)


def serve_process_metrics(port: int, address: str = "0.0.0.0") -> tuple[WSGIServer, int]:
    """Serve this process's registry on `port` (0: any free port) in a daemon thread, as the
    engine does beside its work; returns the server and the port it listens on."""
    server, thread = start_http_server(port, addr=address)
    assert isinstance(thread, threading.Thread)
    return server, server.server_port
