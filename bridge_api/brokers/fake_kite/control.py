"""Driving a fake Kite server in another process through its ``/_fake`` admin routes."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


def admin(root: str, action: str, method: str = "POST") -> Any:
    """Call ``/_fake/<action>`` on the fake server at `root`; returns its JSON answer."""
    request = urllib.request.Request(f"{root.rstrip('/')}/_fake/{action}", method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def close_market(root: str) -> None:
    """End the fake market's day: open day orders expire."""
    admin(root, "close")
