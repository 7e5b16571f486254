"""A real SMTP server (aiosmtpd) and a local webhook receiver for the delivery tests, and the
settings that point Saras at them."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from bridge_api.config import get_settings


@dataclass
class Mailbox:
    """What the SMTP server received."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    """An SMTP server on a free local port, in a thread of its own."""
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


@dataclass
class Received:
    """One request the webhook receiver got."""

    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


class Receiver:
    """A webhook receiver that fails its first `failures` requests with `status`, holds the
    first request `hold` seconds before answering, and records every request."""

    def __init__(self, failures: int = 0, status: int = 503, hold: float = 0.0) -> None:
        self.failures, self.status, self.hold = failures, status, hold
        self.requests: list[Received] = []
        self.first_arrived = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._lock:
                    receiver.requests.append(Received(dict(self.headers.items()), body))
                    number = len(receiver.requests)
                receiver.first_arrived.set()
                if number == 1 and receiver.hold:
                    time.sleep(receiver.hold)
                code = receiver.status if number <= receiver.failures else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    """Webhook receivers made by the test (``Receiver(...)``), closed after it."""
    made: list[Receiver] = []
    yield made
    for receiver in made:
        receiver.close()


@pytest.fixture
def notify_settings(monkeypatch: pytest.MonkeyPatch, smtp_server) -> Iterator[dict[str, str]]:
    """Saras's settings pointed at the test's SMTP server, with quick webhook retries."""
    controller, _ = smtp_server
    values = {
        "SARAS_SMTP_HOST": "127.0.0.1",
        "SARAS_SMTP_PORT": str(controller.port),
        "SARAS_WEBHOOK_BACKOFF_SECONDS": "0.2",
        "SARAS_WEBHOOK_ATTEMPTS": "3",
        "SARAS_WEBHOOK_TIMEOUT": "5",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield values
    monkeypatch.undo()
    get_settings.cache_clear()
