"""Named constants of money and pricing, shared by the allocator and everything above it."""

from __future__ import annotations

from decimal import Decimal

PAISA = Decimal("0.01")
"""The smallest amount of rupees: every split and every posting is a whole number of paise."""

DEFAULT_COLLAR = Decimal("0.01")
"""How far (1%) a buy's limit may sit above, and a sell's below, the reference price."""

CHARGES_RESERVE = Decimal("0.00120")
"""The share (0.12%) of a buy's value held back for its delivery charges when it is sized
(STT 0.1% + stamp 0.015% + exchange, SEBI and GST, rounded up)."""
