"""Reading NSE's corporate-actions file (the CSV download of "Corporate Actions" on
nseindia.com) into announcements.

The file's columns are ``SYMBOL, COMPANY NAME, SERIES, PURPOSE, FACE VALUE, EX-DATE, RECORD
DATE, BOOK CLOSURE START DATE, BOOK CLOSURE END DATE``, dates as ``19-Nov-2026`` and ``-``
for none. The purpose is free text in NSE's wording; what is read from it:

- dividends (``Interim Dividend - Rs 4 Per Share``, ``Dividend - Re 0.70 Per Share``; several
  on one line are summed: ``Dividend - Rs 10 Per Share/Special Dividend - Rs 30 Per Share``);
- bonuses (``Bonus 1:3``: one new share for every three held);
- splits (``Face Value Split (Sub-Division) - From Rs 10/- Per Share To Rs 2/- Per Share``:
  five new shares for every one).

Everything else (meetings, rights, buy-backs, mergers, demergers, interest) is reported as
not imported, with the reason: those are entered by an admin with their terms.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.corporate_actions.announcements import Leg, announce
from bridge_api.db.models import ActionKind, CorporateAction, Instrument, User
from bridge_api.errors import Invalid

COLUMNS = ("SYMBOL", "SERIES", "PURPOSE", "EX-DATE", "RECORD DATE")
_DIVIDEND = re.compile(r"dividend[^/]*?\bR[se]\.?\s*-?\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_BONUS = re.compile(r"bonus[^/\d]*(\d+)\s*:\s*(\d+)", re.IGNORECASE)
_SPLIT = re.compile(
    r"split.*?from\s*R[se]\.?\s*(\d+(?:\.\d+)?).*?to\s*R[se]\.?\s*(\d+(?:\.\d+)?)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Row:
    """One action read from the file."""

    symbol: str
    kind: ActionKind
    ex_date: date
    record_date: date
    purpose: str
    per_share: Decimal | None = None
    legs: tuple[Leg, ...] = ()


@dataclass(frozen=True, slots=True)
class Left:
    """A line of the file not imported, and why."""

    line: int
    symbol: str
    purpose: str
    reason: str


@dataclass
class Imported:
    """What an import did: actions added, ones already known, lines left out."""

    added: list[CorporateAction] = field(default_factory=list)
    known: int = 0
    left: list[Left] = field(default_factory=list)


def parse(text: str) -> tuple[list[Row], list[Left]]:
    """The actions in a file, and the lines left out (with why)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = {name.strip().upper() for name in reader.fieldnames or ()}
        return _rows(reader, header)
    except csv.Error as error:
        raise Invalid(f"not a CSV file: {error}") from error


def _rows(reader: csv.DictReader[str], header: set[str]) -> tuple[list[Row], list[Left]]:
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise Invalid(
            f"not NSE's corporate-actions file: no column {', '.join(missing)}",
            errors=[{"field": "file", "message": f"missing columns: {', '.join(missing)}"}],
        )
    rows: list[Row] = []
    left: list[Left] = []
    for number, raw in enumerate(reader, start=2):
        line = {k.strip().upper(): (v or "").strip() for k, v in raw.items() if k}
        read = _read_line(line)
        if isinstance(read, str):
            left.append(Left(number, line["SYMBOL"], line["PURPOSE"], read))
        else:
            rows += read
    return rows, left


def import_file(session: Session, actor: User | None, text: str) -> Imported:
    """Announce every action of the file not yet known (audited as `source` ``nse``); an
    action already known (same symbol, kind and ex date) is counted, not added twice."""
    rows, left = parse(text)
    result = Imported(left=left)
    listed = set(
        session.execute(
            select(Instrument.symbol).where(Instrument.symbol.in_({r.symbol for r in rows}))
        ).scalars()
    )
    for number, row in enumerate(rows):
        if row.symbol not in listed:
            result.left.append(Left(number, row.symbol, row.purpose, "not in the instrument list"))
            continue
        known = session.execute(
            select(CorporateAction.id).where(
                CorporateAction.symbol == row.symbol,
                CorporateAction.kind == row.kind,
                CorporateAction.ex_date == row.ex_date,
            )
        ).first()
        if known is not None:
            result.known += 1
            continue
        result.added.append(
            announce(
                session,
                actor,
                kind=row.kind,
                symbol=row.symbol,
                ex_date=row.ex_date,
                record_date=row.record_date,
                per_share=row.per_share,
                legs=row.legs,
                purpose=row.purpose[:300],
                source="nse",
            )
        )
    return result


def _read_line(line: dict[str, str]) -> list[Row] | str:
    """The actions on one line, or why it is left out."""
    symbol, purpose = line["SYMBOL"], line["PURPOSE"]
    if line["SERIES"] not in ("EQ", "BE"):
        return f"series {line['SERIES'] or '-'}: only equity shares are held"
    try:
        ex_date = _date(line["EX-DATE"])
    except ValueError:
        return f"ex date {line['EX-DATE']!r} is not a date like 19-Nov-2026"
    if ex_date is None:
        return "no ex date"
    try:
        record_date = _date(line["RECORD DATE"]) or ex_date
    except ValueError:
        record_date = ex_date
    found = _read_purpose(symbol, purpose)
    if not found:
        return "not automated (only dividends, bonuses and splits are read): enter it by hand"
    return [
        Row(symbol, kind, ex_date, record_date, purpose, per_share, legs)
        for kind, per_share, legs in found
    ]


def _read_purpose(
    symbol: str, purpose: str
) -> list[tuple[ActionKind, Decimal | None, tuple[Leg, ...]]]:
    found: list[tuple[ActionKind, Decimal | None, tuple[Leg, ...]]] = []
    try:
        amounts = [Decimal(m) for m in _DIVIDEND.findall(purpose)]
    except InvalidOperation:
        amounts = []
    if sum(amounts, Decimal(0)) > 0:
        found.append((ActionKind.DIVIDEND, sum(amounts, Decimal(0)), ()))
    bonus = _BONUS.search(purpose)
    if bonus and int(bonus.group(1)) and int(bonus.group(2)):
        leg = Leg(symbol, int(bonus.group(1)), int(bonus.group(2)), Decimal(0))
        found.append((ActionKind.BONUS, None, (leg,)))
    split = _SPLIT.search(purpose)
    if split:
        ratio = Fraction(split.group(1)) / Fraction(split.group(2))
        if ratio > 0:
            leg = Leg(symbol, ratio.numerator, ratio.denominator, Decimal(100))
            found.append((ActionKind.SPLIT, None, (leg,)))
    return found


def _date(text: str) -> date | None:
    if text in ("", "-"):
        return None
    return datetime.strptime(text, "%d-%b-%Y").date()
