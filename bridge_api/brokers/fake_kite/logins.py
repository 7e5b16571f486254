"""The fake's daily logins: single-use request tokens, the checksum exchange, access tokens
that stop working at 06:00 IST, and the ``Authorization`` check of every request."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bridge_api.brokers.fake_kite.wire import TIMESTAMP, KiteError

REQUEST_TOKEN_LIFE = timedelta(minutes=5)
BAD_TOKEN = "Incorrect `api_key` or `access_token`."


@dataclass
class Login:
    """One access token."""

    access_token: str
    public_token: str
    login_time: datetime
    expires: datetime
    valid: bool = True


class Logins:
    """The request tokens issued and the access tokens made from them (one app)."""

    def __init__(self, api_key: str, api_secret: str, user_id: str) -> None:
        self.api_key, self.api_secret, self.user_id = api_key, api_secret, user_id
        self._request_tokens: dict[str, datetime] = {}
        self._logins: dict[str, Login] = {}

    def issue_request_token(self, now: datetime) -> str:
        """The request token Kite's login page would redirect with (single use, 5 minutes)."""
        token = secrets.token_hex(16)
        self._request_tokens[token] = now
        return token

    def expire_all(self) -> None:
        """The 06:00 expiry: every access token issued so far is refused from now on."""
        for login in self._logins.values():
            login.valid = False

    def authenticate(self, authorization: str | None, now: datetime) -> None:
        """Check an ``Authorization: token api_key:access_token`` header (403 if not valid)."""
        scheme, _, credentials = (authorization or "").partition(" ")
        api_key, _, access_token = credentials.partition(":")
        login = self._logins.get(access_token)
        if (
            scheme != "token"
            or api_key != self.api_key
            or login is None
            or not login.valid
            or now >= login.expires
        ):
            raise KiteError(403, "TokenException", BAD_TOKEN)

    def create_session(self, form: Mapping[str, str], now: datetime) -> dict[str, Any]:
        """``POST /session/token``: exchange a request token for an access token."""
        if form.get("api_key") != self.api_key:
            raise KiteError(403, "TokenException", "Invalid `api_key`.")
        request_token = form.get("request_token", "")
        issued = self._request_tokens.get(request_token)
        if issued is None or now - issued > REQUEST_TOKEN_LIFE:
            raise KiteError(403, "TokenException", "Token is invalid or has expired.")
        expected = hashlib.sha256(
            (self.api_key + request_token + self.api_secret).encode()
        ).hexdigest()
        if not secrets.compare_digest(form.get("checksum", ""), expected):
            raise KiteError(403, "TokenException", "Invalid `checksum`.")
        del self._request_tokens[request_token]
        self.expire_all()
        six = now.replace(hour=6, minute=0, second=0, microsecond=0)
        login = Login(
            access_token=secrets.token_hex(16),
            public_token=secrets.token_hex(16),
            login_time=now,
            expires=six if now < six else six + timedelta(days=1),
        )
        self._logins[login.access_token] = login
        return {
            **self.profile(),
            "api_key": self.api_key,
            "access_token": login.access_token,
            "public_token": login.public_token,
            "refresh_token": "",
            "enctoken": "",
            "silo": "",
            "login_time": now.strftime(TIMESTAMP),
        }

    def invalidate(self, access_token: str) -> bool:
        """``DELETE /session/token``: log the access token out."""
        login = self._logins.get(access_token)
        if login is not None:
            login.valid = False
        return True

    def profile(self) -> dict[str, Any]:
        """``GET /user/profile``."""
        return {
            "user_id": self.user_id,
            "user_type": "individual",
            "email": f"{self.user_id.lower()}@example.com",
            "user_name": "Fake Kite User",
            "user_shortname": "Fake",
            "broker": "ZERODHA",
            "exchanges": ["NSE", "BSE"],
            "products": ["CNC", "NRML", "MIS"],
            "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
            "avatar_url": None,
            "meta": {"demat_consent": "physical"},
        }
