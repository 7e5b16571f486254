"""The HTTP face of the fake Kite Connect: what the real `kiteconnect.KiteConnect` talks to.

Point the client at it with ``KiteConnect(api_key, root=fake.url)``. Each request passes, in
order: the route table (404), ``throttle_next`` (429), ``lose_requests`` for placements (the
connection closes, nothing recorded), the access token (403), the rate limits (429), then the
exchange (`bridge_api.brokers.fake_kite.exchange`). ``/_fake/...`` routes drive the fake from
another process and skip all of it.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from bridge_api.brokers.fake_kite.exchange import FakeExchange
from bridge_api.brokers.fake_kite.limits import FakeLimits
from bridge_api.brokers.fake_kite.wire import KiteError

JSON = "application/json"
CSV = "text/csv"
TOO_MANY = "Too many requests. Please slow down."


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, str]
    body: Any
    authorization: str | None

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else self.form.get(name)


@dataclass(frozen=True)
class _Csv:
    text: str


_Handler = Callable[["FakeKite", _Request, tuple[str, ...]], Any]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    category: str  # rate-limit bucket
    handler: _Handler
    auth: bool = True


def _route(method: str, path: str, category: str, handler: _Handler, auth: bool = True) -> _Route:
    return _Route(method, re.compile(path + "$"), category, handler, auth)


def _flat(query: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[-1] for k, v in query.items()}


_ROUTES = [
    _route("POST", "/session/token", "other", lambda f, r, m: f.create_session(r.form), False),
    _route(
        "DELETE",
        "/session/token",
        "other",
        lambda f, r, m: f.invalidate(r.arg("access_token") or ""),
        False,
    ),
    _route("GET", "/user/profile", "other", lambda f, r, m: f.profile()),
    _route("GET", "/user/margins", "other", lambda f, r, m: f.margins(None)),
    _route("GET", "/user/margins/([^/]+)", "other", lambda f, r, m: f.margins(m[0])),
    _route("GET", "/instruments", "other", lambda f, r, m: _Csv(f.instruments_csv(None)), False),
    _route(
        "GET",
        "/instruments/([A-Z]+)",
        "other",
        lambda f, r, m: _Csv(f.instruments_csv(m[0])),
        False,
    ),
    _route(
        "GET",
        "/instruments/historical/([^/]+)/([^/]+)",
        "historical",
        lambda f, r, m: f.historical(m[0], m[1], _flat(r.query)),
    ),
    _route("GET", "/quote", "quotes", lambda f, r, m: f.quote("quote", r.query.get("i", []))),
    _route("GET", "/quote/ohlc", "quotes", lambda f, r, m: f.quote("ohlc", r.query.get("i", []))),
    _route("GET", "/quote/ltp", "quotes", lambda f, r, m: f.quote("ltp", r.query.get("i", []))),
    _route(
        "POST",
        "/orders/([^/]+)",
        "orders",
        lambda f, r, m: {"order_id": f.place_order(m[0], r.form)},
    ),
    _route(
        "PUT",
        "/orders/([^/]+)/([^/]+)",
        "other",
        lambda f, r, m: {"order_id": f.modify_order(m[0], m[1], r.form)},
    ),
    _route(
        "DELETE",
        "/orders/([^/]+)/([^/]+)",
        "other",
        lambda f, r, m: {"order_id": f.cancel_order(m[0], m[1])},
    ),
    _route("GET", "/orders", "other", lambda f, r, m: f.order_book()),
    _route("GET", "/orders/([^/]+)", "other", lambda f, r, m: f.order_history(m[0])),
    _route("GET", "/orders/([^/]+)/trades", "other", lambda f, r, m: f.trade_book(m[0])),
    _route("GET", "/trades", "other", lambda f, r, m: f.trade_book()),
    _route("GET", "/portfolio/holdings", "other", lambda f, r, m: f.holdings()),
    _route("GET", "/portfolio/positions", "other", lambda f, r, m: f.positions()),
    _route("POST", "/charges/orders", "other", lambda f, r, m: f.contract_note(r.body)),
]


def _expire(fake: FakeKite) -> bool:
    fake.expire_sessions()
    return True


def _price(fake: FakeKite, request: _Request) -> bool:
    try:
        fake.set_price(request.arg("symbol") or "", Decimal(request.arg("price") or "0"))
    except (ArithmeticError, KeyError, ValueError) as error:
        raise KiteError(400, "InputException", str(error)) from None
    return True


_ADMIN = [
    _route("POST", "/_fake/close", "", lambda f, r, m: {"expired": f.close_market()}),
    _route("POST", "/_fake/fill", "", lambda f, r, m: {"trades": f.fill_open(r.arg("symbol"))}),
    _route("POST", "/_fake/login", "", lambda f, r, m: {"request_token": f.issue_request_token()}),
    _route("POST", "/_fake/expire", "", lambda f, r, m: _expire(f)),
    _route("POST", "/_fake/price", "", lambda f, r, m: _price(f, r)),
    _route("GET", "/_fake/state", "", lambda f, r, m: f.snapshot()),
]


def _number(value: object) -> float:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json(payload: Any) -> bytes:
    return json.dumps(payload, default=_number).encode()


def _error(error: KiteError) -> bytes:
    return _json(
        {"status": "error", "message": error.message, "error_type": error.error_type, "data": None}
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeKite) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.fake = fake


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = -1  # one write per response (flushed by the base after each request)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self, method: str) -> None:
        fake = cast(_Server, self.server).fake
        request = self._read(method)
        fake.record_request(method, request.path)
        try:
            admin = request.path.startswith("/_fake/")
            route, groups = _find(_ADMIN if admin else _ROUTES, method, request.path)
            if route is None:
                raise KiteError(404, "GeneralException", "Route not found")
            if not admin:
                self._gate(fake, route, request)
            data = route.handler(fake, request, groups)
        except KiteError as error:
            self._send(error.status, JSON, _error(error))
            return
        except _Dropped:
            self.close_connection = True
            return
        except Exception as error:  # the fake's own bug: answer as Kite's 500 would
            self._send(500, JSON, _error(KiteError(500, "GeneralException", repr(error))))
            return
        if route.category == "orders" and fake.take_fault("lose_responses"):
            time.sleep(fake.lost_response_seconds)
            self.close_connection = True
            return
        if isinstance(data, _Csv):
            self._send(200, CSV, data.text.encode())
        else:
            self._send(200, JSON, _json({"status": "success", "data": data}))

    def _gate(self, fake: FakeKite, route: _Route, request: _Request) -> None:
        if fake.take_fault("throttle_next"):
            raise KiteError(429, "NetworkException", TOO_MANY)
        if route.category == "orders" and fake.take_fault("lose_requests"):
            raise _Dropped
        if route.auth:
            fake.authenticate(request.authorization)
        reason = fake.admit(route.category)
        if reason is not None:
            raise KiteError(429, "NetworkException", f"{TOO_MANY} ({reason})")

    def _read(self, method: str) -> _Request:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        form: dict[str, str] = {}
        body: Any = None
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = None
        elif raw:
            form = _flat(parse_qs(raw.decode(), keep_blank_values=True))
        query = parse_qs(parts.query, keep_blank_values=True)
        return _Request(method, parts.path, query, form, body, self.headers.get("Authorization"))

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Dropped(Exception):
    """The connection is closed without an answer."""


def _find(routes: list[_Route], method: str, path: str) -> tuple[_Route | None, tuple[str, ...]]:
    for route in routes:
        match = route.pattern.match(path)
        if match and route.method == method:
            return route, match.groups()
    return None, ()


class FakeKite(FakeExchange):
    """An in-memory Kite Connect server enforcing Kite's limits; see the package doc."""

    def __init__(
        self,
        *,
        api_key: str = "fake_api_key",
        api_secret: str = "fake_api_secret",
        user_id: str = "AB1234",
        limits: FakeLimits = FakeLimits(),  # noqa: B008 - frozen, so sharing it is safe
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        postback_url: str | None = None,
        cash: Decimal = Decimal("0"),
    ) -> None:
        super().__init__(
            api_key=api_key,
            api_secret=api_secret,
            user_id=user_id,
            limits=limits,
            now=now,
            monotonic=monotonic,
            postback_url=postback_url,
            cash=cash,
        )
        self.url = ""
        self.postbacks_sent = 0
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> FakeKite:
        """Serve on 127.0.0.1 (a free port) from daemon threads; sets `url`."""
        if self._server is None:
            self._server = _Server(self)
            self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
            self._threads = [
                threading.Thread(
                    target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
                ),
                threading.Thread(target=self._post_back, daemon=True),
            ]
            for thread in self._threads:
                thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and sending postbacks."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        self.outbox.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def __enter__(self) -> FakeKite:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def _post_back(self) -> None:
        while (payload := self.outbox.get()) is not None:
            url = self.postback_url
            if not url:
                continue
            request = urllib.request.Request(
                url, data=_json(payload), headers={"Content-Type": JSON}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=2):
                    self.postbacks_sent += 1
            except Exception:  # Kite does not retry a failed postback either
                pass
