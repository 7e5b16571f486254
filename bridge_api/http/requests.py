"""Every request gets an id (the caller's ``X-Request-ID`` when it is sane, else a new one),
bound to every log record made while it is served and echoed in the response, and one log
record when it is answered: method, route, status and milliseconds.

Every response carries the security headers (`SECURITY_HEADERS`; the interactive API docs get
a policy that lets them load; a response that sets its own policy, as the web app's pages do,
keeps it). Whatever fails unexpectedly is logged with its traceback and
answered as problem+json naming the request id, never as a traceback or plain text."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridge_api import logs

HEADER = "x-request-id"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")
log = logging.getLogger("bridge_api.http")
APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The content security policy of the API (the web app's pages send their own, `webapp`)."""
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
"""The interactive docs (Swagger UI, ReDoc) load their scripts from a CDN."""
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
NO_STORE = frozenset({"/login", "/token/refresh", "/register", "/me/password"})
"""Paths whose answers carry tokens or credentials: never cached."""


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

        path = str(scope.get("path", ""))
        policy = DOCS_POLICY if path in ("/docs", "/redoc") else APP_POLICY
        added = [
            (HEADER.encode(), request_id.encode()),
            *SECURITY_HEADERS,
            (b"content-security-policy", policy.encode()),
        ]
        if path in NO_STORE:
            added.append((b"cache-control", b"no-store"))
        responded = False

        async def answer(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                kept = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"server"
                ]
                own = {name.lower() for name, _ in kept}
                message["headers"] = [*kept, *(h for h in added if h[0] not in own)]
            await send(message)

        with logs.bind(request_id=request_id):
            try:
                await self.app(scope, receive, answer)
            except Exception:
                status = 500
                log.exception("unexpected error while serving %s %s", scope["method"], path)
                if not responded:
                    await _unexpected(answer, request_id)
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


async def _unexpected(send: Send, request_id: str) -> None:
    """A 500 in problem+json that names only the request id (the log has the rest)."""
    body = json.dumps(
        {
            "type": "https://saras.dev/problems/internal",
            "title": "Internal error",
            "status": 500,
            "detail": f"an unexpected error; the operator can find it by the id {request_id}",
            "request_id": request_id,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
