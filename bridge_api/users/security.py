"""Password hashing (argon2) and signed JWT access and refresh tokens (PyJWT, HS256)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

from bridge_api.config import Settings
from bridge_api.errors import Unauthorized

_HASHER = PasswordHash.recommended()
_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    """An argon2 hash of `password`."""
    return _HASHER.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    """Whether `password` matches `hashed`."""
    return _HASHER.verify(password, hashed)


@dataclass(frozen=True, slots=True)
class TokenPair:
    """An access token (short-lived) and a refresh token (to get the next pair, once)."""

    access_token: str
    refresh_token: str
    expires_in: int
    refresh_id: str
    """The refresh token's id (its ``jti``), recorded so it can be used only once."""
    refresh_expires_at: datetime


def issue_tokens(
    user_id: int, role: str, settings: Settings, *, session_id: str, now: datetime | None = None
) -> TokenPair:
    """Sign a new access and refresh token for a user's sign-in session `session_id`."""
    moment = now or datetime.now(UTC)
    access_life = timedelta(minutes=settings.access_token_minutes)
    refresh_life = timedelta(days=settings.refresh_token_days)
    key = settings.signing_key()
    refresh_id = uuid.uuid4().hex
    return TokenPair(
        access_token=_sign(
            user_id,
            role,
            "access",
            session_id,
            uuid.uuid4().hex,
            now=moment,
            life=access_life,
            key=key,
        ),
        refresh_token=_sign(
            user_id,
            role,
            "refresh",
            session_id,
            refresh_id,
            now=moment,
            life=refresh_life,
            key=key,
        ),
        expires_in=int(access_life.total_seconds()),
        refresh_id=refresh_id,
        refresh_expires_at=moment + refresh_life,
    )


def _sign(
    user_id: int,
    role: str,
    kind: str,
    session_id: str,
    token_id: str,
    *,
    now: datetime,
    life: timedelta,
    key: str,
) -> str:
    claims = {
        "sub": str(user_id),
        "role": role,
        "type": kind,
        "sid": session_id,
        "iat": now,
        "exp": now + life,
        "jti": token_id,
    }
    return jwt.encode(claims, key, algorithm=_ALGORITHM)


def decode(token: str, kind: str, settings: Settings) -> dict[str, Any]:
    """The claims of a valid, unexpired token of the given kind."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.signing_key(),
            algorithms=[_ALGORITHM],
            options={"require": ["sub", "exp", "type", "sid", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the token has expired") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("the token is not valid") from None
    if claims.get("type") != kind:
        raise Unauthorized(f"expected an {kind} token")
    subject, session_id, token_id = claims["sub"], claims["sid"], claims["jti"]
    if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
        raise Unauthorized("the token is not valid")
    if not all(isinstance(v, str) and 0 < len(v) <= 32 for v in (session_id, token_id)):
        raise Unauthorized("the token is not valid")
    if int(subject) > 2**63 - 1:
        raise Unauthorized("the token is not valid")
    return claims
