"""The browser's session cookies (docs/web-security.md).

The refresh token rides in an httpOnly, SameSite=Strict cookie sent only to the paths that
use it (``/token/refresh`` and ``/logout``: one cookie per path, as a cookie has one path).
Beside it a readable CSRF cookie holds an HMAC of that refresh token under the server's key;
a request that authenticates with the refresh cookie must echo it in ``X-CSRF-Token``
(double submit, signed: a cookie planted by a sibling site cannot match a refresh token
without the key). The access token never touches a cookie: the app keeps it in memory.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request, Response

from bridge_api.config import Settings
from bridge_api.errors import Forbidden

REFRESH_COOKIE = "saras_refresh"
CSRF_COOKIE = "saras_csrf"
CSRF_HEADER = "X-CSRF-Token"
REFRESH_PATHS = ("/token/refresh", "/logout")


def csrf_token(refresh_token: str, settings: Settings) -> str:
    """The CSRF value paired with a refresh token."""
    key = f"csrf:{settings.signing_key()}".encode()
    return hmac.new(key, refresh_token.encode(), hashlib.sha256).hexdigest()


def _secure(request: Request, settings: Settings) -> bool:
    return settings.secure_cookies or request.url.scheme == "https"


def set_session(
    response: Response, request: Request, refresh_token: str, settings: Settings
) -> None:
    """Set the refresh cookie (on each path that reads it) and its CSRF cookie; both live as
    long as the refresh token."""
    age = settings.refresh_token_days * 86400
    secure = _secure(request, settings)
    for path in REFRESH_PATHS:
        response.set_cookie(
            REFRESH_COOKIE,
            refresh_token,
            max_age=age,
            path=path,
            secure=secure,
            httponly=True,
            samesite="strict",
        )
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token(refresh_token, settings),
        max_age=age,
        path="/",
        secure=secure,
        httponly=False,
        samesite="strict",
    )


def clear_session(response: Response, request: Request, settings: Settings) -> None:
    """Remove both cookies."""
    secure = _secure(request, settings)
    for path in REFRESH_PATHS:
        response.delete_cookie(
            REFRESH_COOKIE, path=path, secure=secure, httponly=True, samesite="strict"
        )
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, samesite="strict")


def refresh_from_cookie(request: Request, settings: Settings) -> str | None:
    """The refresh token of the request's cookie, once its CSRF header checks out
    (`Forbidden` when it does not); None when there is no refresh cookie."""
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        return None
    sent = request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    expected = csrf_token(token, settings)
    if not (sent and hmac.compare_digest(sent, cookie) and hmac.compare_digest(sent, expected)):
        raise Forbidden(f"the refresh cookie needs {CSRF_HEADER} set to the CSRF cookie")
    return token
