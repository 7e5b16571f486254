"""Writing Lean India daily files: ``<ticker>.zip`` holding ``<ticker>.csv``.

Rows are ``yyyyMMdd 00:00,O,H,L,C,V`` with prices in rupees x 10000, sorted by day. The zip is
built exactly as ``scripts/generate_sample_data.py`` builds it (fixed timestamp, permissions and
compression), so the same bars always give the same bytes.
"""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from bridge_api.market.loader import LEAN_PRICE_SCALE, DailyBar, read_lean_daily

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)


def write_lean_daily(path: Path, bars: Iterable[DailyBar]) -> int:
    """Merge `bars` into the Lean daily zip at `path` (created if missing); returns the number
    of days that were not in it before.

    A new bar replaces an existing one for the same day. The file is replaced atomically (a
    temporary file in the same folder, then ``os.replace``), and left untouched (or not
    created) when nothing changes.
    """
    existing = {bar.day: bar for bar in read_lean_daily(path)} if path.exists() else {}
    merged = dict(existing)
    for bar in bars:
        merged[bar.day] = bar
    added = len(merged) - len(existing)
    if merged == existing:
        return 0
    text = lean_daily_csv(merged[day] for day in sorted(merged))
    _replace(path, lean_daily_zip(f"{path.stem}.csv", text))
    return added


def lean_daily_csv(bars: Iterable[DailyBar]) -> str:
    """The CSV text of `bars`, in the order given."""
    return "".join(
        f"{bar.day:%Y%m%d} 00:00,{_scaled(bar.open)},{_scaled(bar.high)},"
        f"{_scaled(bar.low)},{_scaled(bar.close)},{bar.volume}\n"
        for bar in bars
    )


def lean_daily_zip(member: str, text: str) -> bytes:
    """A one-member zip with fixed timestamp, permissions and compression (byte-reproducible)."""
    info = zipfile.ZipInfo(member, date_time=ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, text.encode("ascii"), compresslevel=9)
    return buffer.getvalue()


def _scaled(price: Decimal) -> int:
    scaled = price * LEAN_PRICE_SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"price {price} has more than 4 decimal places")
    return int(scaled)


def _replace(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with draft.open("xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(draft, path)
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
