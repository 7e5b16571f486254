"""Names the execution writes where others read them: allocator account names and broker
order tags."""

from __future__ import annotations

import re

from bridge_api.errors import Conflict

ACCOUNT_PREFIX = "sub-"
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def account_name(subscription_id: int) -> str:
    """The allocator's name for a subscription (it seeds tie-breaks, so it is stable)."""
    return f"{ACCOUNT_PREFIX}{subscription_id}"


def subscription_of(name: str) -> int:
    """The subscription id behind an allocator account name."""
    return int(name.removeprefix(ACCOUNT_PREFIX))


_TAG = re.compile(r"B[0-9A-Z]+o[0-9A-Z]+s[0-9A-Z]+a[0-9A-Z]+")


def client_tag(batch_id: int, order_id: int, seq: int, attempt: int) -> str:
    """The broker order tag of a slice: at most 20 alphanumeric characters, unique per
    (batch, order, slice, attempt), e.g. ``B1Zo2Ps0a0``: upper-case base-36 numbers between
    lower-case markers, so no two slices' tags can read alike."""
    tag = f"B{_b36(batch_id)}o{_b36(order_id)}s{_b36(seq)}a{_b36(attempt)}"
    if len(tag) > 20:
        raise Conflict(f"client tag {tag} is longer than 20 characters")
    return tag


def is_client_tag(tag: str) -> bool:
    """Whether a broker order's tag is one Saras gives its slices."""
    return _TAG.fullmatch(tag) is not None


def _b36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
        if number == 0:
            return digits
