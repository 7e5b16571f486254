"""Kite postbacks: verified, recorded once, and only a wake-up for the engine.

Kite signs each postback with sha256(order_id + order_timestamp + api_secret). A body whose
checksum does not match is a forgery and is refused. Only those two fields are signed, so the
rest of a postback is never trusted for money: it only wakes the engine. A verified one is
stored once (by the digest of its body, so Kite's retries change nothing) and ``NOTIFY``-s the
engine on commit; the engine then reads the trade book, the source of truth for fills.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from bridge_api.db.models import KitePostback
from bridge_api.errors import Forbidden, Invalid

WAKE_CHANNEL = "saras_engine"


def checksum(order_id: str, order_timestamp: str, api_secret: str) -> str:
    """Kite's postback checksum."""
    return hashlib.sha256(f"{order_id}{order_timestamp}{api_secret}".encode()).hexdigest()


MAX_BODY = 64 * 1024
"""Bytes a postback may have (Kite's are about 1 KB)."""


def parse(body: bytes, api_secret: str) -> dict[str, Any]:
    """The postback's fields, once its checksum is verified."""
    if len(body) > MAX_BODY:
        raise Invalid(f"postback: larger than {MAX_BODY} bytes")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Invalid(f"postback: not JSON ({error})") from error
    except RecursionError:
        raise Invalid("postback: nested too deeply") from None
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(name), str) for name in ("order_id", "order_timestamp", "checksum")
    ):
        raise Invalid("postback: order_id, order_timestamp and checksum are required")
    expected = checksum(payload["order_id"], payload["order_timestamp"], api_secret)
    if not hmac.compare_digest(expected.encode(), payload["checksum"].encode()):
        raise Forbidden("postback: checksum does not match (not from Kite)")
    filled = payload.get("filled_quantity")
    if filled is not None and not _count(filled):
        raise Invalid(
            f"postback: filled_quantity must be a whole number, was {str(filled)[:40]!r}",
            errors=[{"field": "filled_quantity", "message": "must be a whole number"}],
        )
    return payload


def _count(value: object) -> bool:
    """A whole number of shares as Kite sends one (an integer, or its digits as a string)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < 2**63
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19


def record(session: Session, body: bytes, payload: dict[str, Any]) -> bool:
    """Store a verified postback once and wake the engine; returns whether it was new."""
    new = session.execute(
        insert(KitePostback)
        .values(
            digest=hashlib.sha256(body).hexdigest(),
            order_id=payload["order_id"],
            status=str(payload.get("status") or "")[:64],
            tag=(str(payload["tag"])[:64] if payload.get("tag") else None),
            filled_quantity=int(payload.get("filled_quantity") or 0),
            payload=payload,
        )
        .on_conflict_do_nothing(index_elements=["digest"])
        .returning(KitePostback.id)
    ).scalar_one_or_none()
    if new is not None:
        session.execute(
            text("SELECT pg_notify(:channel, :order_id)"),
            {"channel": WAKE_CHANNEL, "order_id": payload["order_id"]},
        )
    return new is not None


def updates_of(session: Session, order_id: str) -> list[KitePostback]:
    """The postbacks recorded for an order, in arrival order."""
    return list(
        session.execute(
            select(KitePostback).where(KitePostback.order_id == order_id).order_by(KitePostback.id)
        ).scalars()
    )
