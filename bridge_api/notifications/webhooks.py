"""Webhooks: a JSON body POSTed to the user's URL, signed with HMAC-SHA256 over the timestamp
and the body, carrying the delivery's idempotency key (the same on every attempt).

A receiver checks ``X-Saras-Signature == "sha256=" + hex(HMAC(secret, f"{timestamp}.{body}"))``
with the ``X-Saras-Timestamp`` header, refuses a timestamp too far from its clock, and ignores
an ``X-Saras-Idempotency-Key`` it has already processed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any

from bridge_api.notifications.email import PermanentFailure

SIGNATURE = "X-Saras-Signature"
TIMESTAMP = "X-Saras-Timestamp"
IDEMPOTENCY_KEY = "X-Saras-Idempotency-Key"
EVENT = "X-Saras-Event"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def body_of(payload: dict[str, Any]) -> bytes:
    """The payload as the exact bytes sent (the same bytes on every attempt)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def post(
    url: str, secret: str, payload: dict[str, Any], idempotency_key: str, *, timeout: float
) -> int:
    """POST the signed payload; return the status, raise unless it is 2xx (a 4xx other than
    408 and 429 is a `PermanentFailure`: the receiver will not take it)."""
    body = body_of(payload)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Saras-Webhooks/1",
            EVENT: str(payload.get("event", "")),
            IDEMPOTENCY_KEY: idempotency_key,
            TIMESTAMP: timestamp,
            SIGNATURE: signature(secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        if 400 <= error.code < 500 and error.code not in (408, 429):
            raise PermanentFailure(f"HTTP {error.code} from the receiver") from error
        raise
