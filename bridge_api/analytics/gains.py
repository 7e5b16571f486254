"""Capital gains per financial year (April to March), one line per lot consumed.

From the FIFO lots per subscription (the convention in docs/ledger.md, "Tax lots"): cost of
acquisition includes every charge but STT (s.48 proviso), proceeds are net of every charge but
STT. A gain is long term when the shares were held more than 12 months (s.2(42A)); listed
equity sold with STT paid on both legs is taxed under s.111A (short) and s.112A (long) at the
rates in force on the sale date (`RULES`). A sale with no STT (a crossing inside Saras's
books) is not eligible for those rates and is reported apart.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.db.models import LotConsumption, Subscription, TaxLot, User
from bridge_api.errors import Invalid

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class GainsRule:
    """The rates on listed equity for sales from `effective_from` (fractions)."""

    effective_from: date
    short_rate: Decimal
    long_rate: Decimal
    long_exemption: Decimal
    """Long-term gains exempt per financial year."""
    source: str


RULES: tuple[GainsRule, ...] = (
    GainsRule(
        effective_from=date(2018, 4, 1),
        short_rate=Decimal("0.15"),
        long_rate=Decimal("0.10"),
        long_exemption=Decimal("100000"),
        source="s.111A (15%), s.112A (10% above Rs 1 lakh), Finance Act 2018",
    ),
    GainsRule(
        effective_from=date(2024, 7, 23),
        short_rate=Decimal("0.20"),
        long_rate=Decimal("0.125"),
        long_exemption=Decimal("125000"),
        source="Finance (No. 2) Act 2024: s.111A 20%, s.112A 12.5% above Rs 1.25 lakh",
    ),
)


def rule_on(day: date) -> GainsRule:
    """The rule in force for a sale on `day`."""
    return max((r for r in RULES if r.effective_from <= day), key=lambda r: r.effective_from)


@dataclass(frozen=True, slots=True)
class GainLine:
    """One lot consumed by a sale (or an adjustment to a sale's proceeds: quantity 0)."""

    subscription_id: int
    symbol: str
    bought_on: date
    sold_on: date
    quantity: int
    cost: Decimal
    proceeds: Decimal
    stt_conditions: bool
    """STT paid as the section needs: on the sale (s.111A), and on the purchase too (s.112A)."""

    @property
    def gain(self) -> Decimal:
        """Proceeds less cost."""
        return self.proceeds - self.cost

    @property
    def term(self) -> str:
        """``long`` when held more than 12 months, else ``short``."""
        return "long" if self.sold_on > _a_year_after(self.bought_on) else "short"

    @property
    def section(self) -> str:
        """Where the gain is taxed: 111A/112A with STT paid, else at the normal rules."""
        if not self.stt_conditions:
            return "no STT (normal rules)"
        return "112A" if self.term == "long" else "111A"


@dataclass(frozen=True, slots=True)
class Total:
    """The gains of one section under one rule period."""

    section: str
    rate: Decimal | None
    rule_from: date
    gain: Decimal


def financial_year(start_year: int) -> tuple[date, date]:
    """1 April of `start_year` to 31 March of the next."""
    if not 2000 <= start_year <= 2100:
        raise Invalid(
            f"a financial year starts between 2000 and 2100, was {start_year}",
            errors=[{"field": "fy", "message": "a year such as 2025 (for 2025-26)"}],
        )
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def lines(session: Session, user: User, start_year: int) -> list[GainLine]:
    """The investor's lines for the financial year starting in April of `start_year`."""
    first, last = financial_year(start_year)
    rows = session.execute(
        select(
            TaxLot.subscription_id,
            TaxLot.symbol,
            TaxLot.acquired_on,
            LotConsumption.sold_on,
            LotConsumption.quantity,
            LotConsumption.cost,
            LotConsumption.proceeds,
            LotConsumption.stt_paid,
            TaxLot.stt_paid,
        )
        .join(TaxLot, TaxLot.id == LotConsumption.lot_id)
        .join(Subscription, Subscription.id == TaxLot.subscription_id)
        .where(
            Subscription.user_id == user.id,
            LotConsumption.sold_on >= first,
            LotConsumption.sold_on <= last,
        )
        .order_by(LotConsumption.sold_on, TaxLot.symbol, LotConsumption.id)
    ).all()
    return [
        GainLine(
            subscription_id=sid,
            symbol=symbol,
            bought_on=bought,
            sold_on=sold,
            quantity=quantity,
            cost=cost,
            proceeds=proceeds,
            stt_conditions=sale_stt and (lot_stt or not _long(bought, sold)),
        )
        for sid, symbol, bought, sold, quantity, cost, proceeds, sale_stt, lot_stt in rows
    ]


def totals(gains: list[GainLine]) -> list[Total]:
    """Gains per section and rule period (the rate is None where the normal rules apply)."""
    sums: dict[tuple[str, date], Decimal] = {}
    for line in gains:
        rule = rule_on(line.sold_on)
        key = (line.section, rule.effective_from)
        sums[key] = sums.get(key, ZERO) + line.gain
    out = []
    for (section, since), gain in sorted(sums.items()):
        rule = next(r for r in RULES if r.effective_from == since)
        rate = {"111A": rule.short_rate, "112A": rule.long_rate}.get(section)
        out.append(Total(section=section, rate=rate, rule_from=since, gain=gain))
    return out


def to_csv(gains: list[GainLine]) -> str:
    """The lines as CSV, one per lot consumed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "subscription",
            "symbol",
            "bought_on",
            "sold_on",
            "quantity",
            "cost",
            "proceeds",
            "gain",
            "term",
            "section",
        ]
    )
    for g in gains:
        writer.writerow(
            [
                g.subscription_id,
                g.symbol,
                g.bought_on.isoformat(),
                g.sold_on.isoformat(),
                g.quantity,
                f"{g.cost:.2f}",
                f"{g.proceeds:.2f}",
                f"{g.gain:.2f}",
                g.term,
                g.section,
            ]
        )
    return buffer.getvalue()


def _a_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _long(bought: date, sold: date) -> bool:
    return sold > _a_year_after(bought)
