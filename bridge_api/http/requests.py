"""Every request gets an id (the caller's ``X-Request-ID`` when it is sane, else a new one),
bound to every log record made while it is served and echoed in the response, and one log
record when it is answered: method, route, status and milliseconds."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridge_api import logs

HEADER = "x-request-id"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")
log = logging.getLogger("bridge_api.http")


class RequestIds:
    """ASGI middleware (see the module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request with its id bound."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1")
        request_id = given if _SANE.fullmatch(given) else uuid.uuid4().hex
        status = 500
        started = time.perf_counter()

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (HEADER.encode(), request_id.encode())]
            await send(message)

        with logs.bind(request_id=request_id):
            try:
                await self.app(scope, receive, answer)
            finally:
                elapsed = round((time.perf_counter() - started) * 1000, 1)
                logs.event(
                    log,
                    logging.INFO if status < 500 else logging.ERROR,
                    "request",
                    f"{scope['method']} {scope['path']} {status} in {elapsed} ms",
                    {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": elapsed,
                    },
                )
